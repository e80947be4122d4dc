/* The printable case report: one self-contained HTML page (no scripts, no outside
 * resources) with the case summary, servers at a glance, every acquisition with its
 * hashes, errors and signatures, the custody log, verifications, checkpoints, merges
 * and timeline statistics. */
#ifndef CUSTODY_CASE_REPORT_H
#define CUSTODY_CASE_REPORT_H

#include "casedb.h"
#include "strbuf.h"

/* Append the page to out. generated_by (may be NULL) is printed in the footer, e.g.
 * the tool and library versions. Every value from the database is HTML-escaped. */
int case_report_html(struct strbuf *out, struct casedb *db, const char *generated_by,
                     struct custody_err *err);

#endif
