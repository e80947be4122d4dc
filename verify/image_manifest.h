/* The manifest beside an image (BASE.manifest and BASE.manifest.minisig): what the
 * image was when it was acquired, signed by the examiner. Checked against the
 * hashes custody-verify recomputed and the files that lie beside it. */
#ifndef CUSTODY_VERIFY_IMAGE_MANIFEST_H
#define CUSTODY_VERIFY_IMAGE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"
#include "report.h"

struct verify_options;

/* What verification of the image itself found, for the manifest checks. */
struct image_hashes {
    int computed_valid; /* the whole media was read */
    char computed[HASH_COUNT][HASH_HEX_MAX];
    uint64_t media_size; /* bytes */
    uint32_t sector_size;
    uint64_t *errors; /* acquiry error ranges stored in the image: first, count pairs */
    size_t n_errors;
    char **files; /* the image's files, in order */
    size_t n_files;
};

void image_hashes_init(struct image_hashes *h);
void image_hashes_release(struct image_hashes *h);
void image_hashes_add_file(struct image_hashes *h, const char *path);
void image_hashes_add_error(struct image_hashes *h, uint64_t first, uint64_t count);

/* Add the manifest and signature checks for image to r. Missing material is a
 * CANNOT CHECK (or, with require_signature, a FAIL); negative: could not run. */
int image_manifest_check(struct report *r, const char *image, int is_ewf,
                         const struct image_hashes *h, const struct verify_options *o,
                         struct custody_err *err);

#endif
