/* Merging a station's case database into the case database: assets, evidence,
 * acquisitions (with their files and read errors), verifications, examiners, tool
 * runs, timeline records and every custody-log entry, copied verbatim so that each
 * station's chain and signatures still verify. All or nothing: any conflict or any
 * sign of tampering refuses the merge with every finding listed and nothing written. */
#ifndef CUSTODY_MERGE_H
#define CUSTODY_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "sign.h"
#include "strbuf.h"

/* What a merge brought, or why it was refused. */
struct merge_result {
    char source_station[CASEDB_UUID_LEN + 1];
    char *source_head_hash; /* head of the source station's own chain, NULL when empty */
    int64_t source_entries; /* entries in that chain */
    int nothing_new;        /* already merged: nothing was written */
    int64_t merge_id;       /* row in merges, 0 when nothing was written */
    /* rows added (or, for assets and evidence, updated) per kind */
    int64_t examiners, runs, assets, evidence, acquisitions, acquisition_files, read_errors;
    int64_t verifications, custody_entries, checkpoints, partitions, files, log_sources, events;
    /* Refusal: one line per conflict or finding ("conflict: ..." / "tampered: ..."). */
    struct strbuf problems;
    size_t n_problems;
};
void merge_result_release(struct merge_result *r);

/* Merge the station database at other_path into db. The source's custody log is
 * checked first with custody_check (every hash, link and signature, against the keys
 * its examiners hold); any finding refuses the merge as tampering. The merge is
 * recorded in merges and as a `merged` custody entry signed with key (NULL: an
 * unsigned entry, which the checker reports) naming the source's head hash.
 * argc/argv are recorded as the tool run of the merge. Returns 0 when the merge was
 * done, had nothing new, or was refused (then res->n_problems > 0); negative when it
 * could not run. */
int merge_station(struct merge_result *res, struct casedb *db, const char *other_path,
                  const struct sign_seckey *key, int argc, char **argv, struct custody_err *err);

#endif
