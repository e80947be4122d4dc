/* The manifest beside an image (BASE.manifest and BASE.manifest.minisig): what the
 * image was when it was acquired, signed by the examiner. Checked against the
 * hashes custody-verify recomputed and the files that lie beside it. */
#ifndef CUSTODY_VERIFY_IMAGE_MANIFEST_H
#define CUSTODY_VERIFY_IMAGE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"
#include "keyring.h"
#include "manifest.h"
#include "report.h"

/* What verification of the image itself found, for the manifest checks. */
struct image_hashes {
    int computed_valid; /* the whole media was read */
    char computed[HASH_COUNT][HASH_HEX_MAX];
    uint64_t media_size; /* bytes */
    uint32_t sector_size;
    int is_ewf;
    uint64_t *errors; /* acquiry error ranges stored in the image: first, count pairs */
    size_t n_errors;
    char **files; /* the image's files, in order */
    size_t n_files;
    /* SHA-256 of whole files already computed (so that the database and the
     * manifest checks read each file once) */
    struct image_file_hash *hashed;
    size_t n_hashed;
};

struct image_file_hash {
    char *path;
    uint64_t size;
    char sha256[HASH_HEX_MAX];
};

void image_hashes_init(struct image_hashes *h);
void image_hashes_release(struct image_hashes *h);
void image_hashes_add_file(struct image_hashes *h, const char *path);
void image_hashes_add_error(struct image_hashes *h, uint64_t first, uint64_t count);
/* SHA-256 and size of the file at path, computed once per path. */
int image_file_sha256(struct image_hashes *h, const char *path, char hex[HASH_HEX_MAX],
                      uint64_t *size, struct custody_err *err);

enum sig_state {
    SIG_ABSENT = 0,   /* no signature file */
    SIG_TRUSTED,      /* valid, by a key the verifier trusts */
    SIG_VALID_DB_KEY, /* valid, by a key known only from the case database */
    SIG_UNKNOWN_KEY,  /* by a key nobody gave us: cannot be checked */
    SIG_INVALID,      /* malformed, or does not verify */
};

/* What the manifest checks found, for callers that compare further (case database). */
struct manifest_outcome {
    int present; /* the manifest file exists */
    int parsed;  /* m is valid */
    struct manifest m;
    enum sig_state sig;
    char key_id[MINISIGN_KEY_ID_HEX]; /* of the signature, "" when none */
    char anchor[128];                 /* anchor text for checks that rest on the manifest */
};
void manifest_outcome_release(struct manifest_outcome *o);

/* Check the manifest at manifest_path (and manifest_path.minisig) against h:
 * parse, signature (trusted keys first, then db_keys, which may be NULL), media
 * hashes and size, read errors, every listed file's size and SHA-256, and files of
 * the image the manifest does not list. Missing material is CANNOT CHECK (FAIL for
 * a missing signature with require_signature, or when the manifest says it is
 * signed). Negative: could not run. */
int manifest_verify(struct report *r, const char *subject, const char *manifest_path,
                    struct image_hashes *h, const struct keyring *trusted,
                    const struct keyring *db_keys, int require_signature,
                    struct manifest_outcome *out, struct custody_err *err);

/* Compare recomputed hashes with stored ones (source: "E01", "manifest", ...). */
void verify_compare_hashes(struct report *r, const char *subject, const char *source,
                           const char computed[HASH_COUNT][HASH_HEX_MAX],
                           const char stored[HASH_COUNT][HASH_HEX_MAX], const char *anchor);

#endif
