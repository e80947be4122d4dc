/* custody-verify --case-db and clearance: verify every acquisition the case
 * database records (files, images, hashes, manifests, signatures) and the custody
 * log, record the verification, and clear an asset for decommissioning when all of
 * it holds and a second examiner (four eyes) signs. */
#ifndef CUSTODY_VERIFY_CASECHECK_H
#define CUSTODY_VERIFY_CASECHECK_H

#include <stddef.h>

#include "error.h"
#include "report.h"
#include "sign.h"
#include "verify.h"

struct case_options {
    const char *db_path;
    const char *asset;    /* hostname, or NULL */
    const char *evidence; /* evidence id or label, or NULL */
    const char *const *checkpoints;
    size_t n_checkpoints;
    const char *key_path;         /* verifier's secret key, or NULL */
    struct sign_pass_src pass;    /* its passphrase */
    const char *image_dir;        /* look for image files here instead of output_base */
    struct verify_options verify; /* trusted keys, require_signature, threads, progress */
    int argc;                     /* the command line, recorded with the run */
    char **argv;
};

/* Verify the recorded acquisitions in scope (asset, evidence, or all) and the
 * custody log into r; record the outcome in the verifications table and, with a
 * key, append a signed 'verified' custody entry per evidence item. Negative: could
 * not run (database unreadable or broken, key unusable, I/O). */
int verify_case(struct report *r, const struct case_options *o, struct custody_err *err);

/* The same for one asset, then the clearance decision: every evidence item has a
 * complete (or documented incomplete) acquisition that passed, the verifier's key
 * is registered, not revoked, and not the acquiring examiner's, and the custody
 * chain is intact. Then a signed 'cleared' entry is appended and the asset set to
 * 'cleared'; otherwise the report lists what is missing. */
int verify_clearance(struct report *r, const struct case_options *o, struct custody_err *err);

#endif
