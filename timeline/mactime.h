/* Private to timeline/: the mactime export. */
#ifndef CUSTODY_TIMELINE_MACTIME_H
#define CUSTODY_TIMELINE_MACTIME_H

#include <stdint.h>
#include <stdio.h>

#include "casedb.h"
#include "error.h"

/* Write what `mactime -b BODY -d` prints for the body file of evidence_id (0:
 * all, names prefixed with /host/label) to out. Holds one compact record per
 * file and four per event-time in memory (about 100 bytes per file), as mactime
 * holds its whole input; the build, not the export, is memory-bounded. */
int mactime_export(struct casedb *db, int64_t evidence_id, FILE *out, int64_t *lines,
                   struct custody_err *err);

#endif
