/* What custody-verify reads and writes in the case database: the recorded
 * acquisitions of an asset, an evidence item or the whole case (with their output
 * files and unreadable ranges), and the verifications table. */
#ifndef CUSTODY_CASEDB_VERIFICATIONS_H
#define CUSTODY_CASEDB_VERIFICATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "error.h"

struct casedb_vfile {
    char *name; /* as written beside the manifest */
    int64_t size;
    char *sha256;
};

struct casedb_vrange {
    int64_t first_sector, count;
};

/* One recorded acquisition, as verification needs it. Strings may be NULL. */
struct casedb_vacq {
    int64_t id;
    char *uuid;
    int64_t evidence_id, asset_id;
    char *evidence_label, *hostname;
    int64_t examiner_id;   /* 0: none */
    char *examiner_key_id; /* of examiner_id, NULL when none */
    char *examiner_name;
    char *format, *output_base, *status;
    int64_t media_size, sector_size; /* -1: unknown */
    char *md5, *sha1, *sha256;
    int64_t started_at, ended_at; /* ns UTC, 0 unknown */
    char *manifest, *manifest_sig;
    struct casedb_vfile *files;
    size_t n_files;
    struct casedb_vrange *read_errors;
    size_t n_read_errors;
};
void casedb_vacq_list_free(struct casedb_vacq *list, size_t n);

/* Acquisitions in id order: of one asset (asset_id > 0), one evidence item
 * (evidence_id > 0), or all (both 0). */
int casedb_vacq_list(struct casedb *db, int64_t asset_id, int64_t evidence_id,
                     struct casedb_vacq **out, size_t *n, struct custody_err *err);

struct casedb_verification {
    int64_t acquisition_id; /* 0: none (a summary row) */
    int64_t asset_id;       /* 0: none */
    int64_t run_id;         /* 0: none */
    const char *kind;       /* image, case, clearance */
    const char *verifier_key_id;
    int64_t started_at, ended_at; /* ns UTC */
    const char *verdict;          /* pass, fail, cannot-check */
    const char *report;           /* JSON, may be NULL */
};
int casedb_verification_add(struct casedb *db, const struct casedb_verification *v, int64_t *id_out,
                            struct custody_err *err);

struct sign_seckey;

/* Decommission an asset: only one whose status is 'cleared' (custody-verify
 * clearance). Appends a 'decommissioned' custody entry signed by key and sets the
 * status, in one transaction. A refusal is a verdict: *refused = 1 and reason says
 * why, nothing is written. *seq receives the custody entry's sequence number. */
int casedb_asset_decommission(struct casedb *db, const char *hostname,
                              const struct sign_seckey *key, int *refused, char *reason,
                              size_t reason_size, int64_t *seq, struct custody_err *err);

#endif
