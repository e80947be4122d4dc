/* Export a whole case as CASE/UCO 1.x JSON-LD: the investigation, examiners, tools,
 * every acquisition, verification and custody-log entry as an investigative action,
 * devices and image files as observable objects with hashes, and one provenance
 * record per exhibit. */
#ifndef CUSTODY_EXPORT_CASE_H
#define CUSTODY_EXPORT_CASE_H

#include "casedb.h"
#include "strbuf.h"

/* Counts of what an export wrote (tests compare them with the database). */
struct export_case_stats {
    size_t identities, tools, locations;
    size_t actions;     /* acquisitions + verifications + custody entries */
    size_t observables; /* servers + evidence items + images + image files */
    size_t hashes;      /* uco-types:Hash nodes */
    size_t provenance_records;
};

/* Append the JSON-LD document to out. Every node has an @id of the form
 * "kb:<kind>-<uuid>"; the uuids are name-based (version 5, in the case uuid's
 * namespace), so exporting the same case twice gives the same ids. A hash in the
 * database that is not hex of the right length fails the export (CUSTODY_ERR_FORMAT)
 * rather than being written as a plausible value. stats may be NULL. */
int export_case_jsonld(struct strbuf *out, struct casedb *db, struct export_case_stats *stats,
                       struct custody_err *err);

/* Name-based uuid (RFC 4122 version 5) of name in the namespace ns_uuid. */
int export_uuid_v5(char out[CASEDB_UUID_LEN + 1], const char *ns_uuid, const char *name,
                   struct custody_err *err);

#endif
