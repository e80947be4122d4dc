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

/* The custody-log operations merge needs from the custody module. Both optional:
 * without check_chain only the structure of the source's chains is checked (sequence
 * numbers and hash links); without append_merged no custody entry is written. */
struct merge_hooks {
    /* Check every chain of src (hashes and signatures); append one line per finding to
     * findings and count them in *n. Negative only when the check could not run. */
    int (*check_chains)(void *ctx, struct casedb *src, struct strbuf *findings, size_t *n,
                        struct custody_err *err);
    /* Append the signed 'merged' entry (details names the source station, its head hash
     * and what was brought) to db's own chain, inside the merge transaction. */
    int (*append_merged)(void *ctx, struct casedb *db, const char *details,
                         struct custody_err *err);
    void *ctx;
};

/* Merge the station database at other_path into db. argc/argv are recorded as the
 * tool run of the merge. Returns 0 when the merge was done, had nothing new, or was
 * refused (then res->n_problems > 0); negative when it could not run. */
int merge_station(struct merge_result *res, struct casedb *db, const char *other_path,
                  const struct merge_hooks *hooks, int argc, char **argv, struct custody_err *err);

/* Check the hash links of every custody chain in db: sequence numbers 1, 2, 3, ...
 * and each entry's prev_hash equal to the previous entry's entry_hash. Appends one
 * line per finding. */
int merge_check_chain_links(struct casedb *db, struct strbuf *findings, size_t *n,
                            struct custody_err *err);

#endif
