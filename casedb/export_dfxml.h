/* Export one acquisition as DFXML (Digital Forensics XML 1.2): the creating program
 * with its version, libraries and command line, the source device, the image's
 * hash digests, its output files, and the unreadable ranges as byte runs. */
#ifndef CUSTODY_EXPORT_DFXML_H
#define CUSTODY_EXPORT_DFXML_H

#include "casedb.h"
#include "strbuf.h"

/* Find an acquisition by row id (decimal) or uuid; CUSTODY_ERR_NOTFOUND when none. */
int export_acquisition_lookup(int64_t *id_out, struct casedb *db, const char *ref,
                              struct custody_err *err);

/* Append the DFXML document of acquisition acq_id to out. exporter_argv (may be NULL)
 * is the exporting command line, recorded beside the acquiring one. Every value is
 * XML-escaped (markup.h), so hostile header values cannot change the structure. */
int export_dfxml(struct strbuf *out, struct casedb *db, int64_t acq_id, const char *exporter_argv,
                 struct custody_err *err);

#endif
