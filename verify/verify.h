/* custody-verify's entry points: verify images (E01 sets, raw and split raw) against
 * what they store and the signed manifest beside them. */
#ifndef CUSTODY_VERIFY_H
#define CUSTODY_VERIFY_H

#include <stddef.h>

#include "error.h"
#include "image_manifest.h"
#include "report.h"
#include "scan.h"

struct verify_options {
    const char *const *trusted_keys; /* files or folders of minisign public keys */
    size_t n_trusted;
    int require_signature; /* an image no trusted signature anchors is a failure */
    int workers;           /* inflate threads, 0 = one per CPU */
    scan_progress_fn progress;
    void *progress_ctx;
};

/* Verify each image into r (checks and facts). Findings about the evidence are
 * checks; a negative return means verification could not run (unreadable file,
 * out of memory, interrupt) and r holds what was found until then. */
int verify_images(struct report *r, const char *const *images, size_t n,
                  const struct verify_options *o, struct custody_err *err);

/* Verify one image (E01 set or raw) without its manifest: checks go to r under
 * subject; h receives what was computed. */
int verify_one_image(struct report *r, const char *subject, const char *image,
                     const struct verify_options *o, struct image_hashes *h,
                     struct custody_err *err);

/* The manifest path for an image: BASE.manifest for BASE.E01, BASE.raw, BASE.000. */
void verify_manifest_path(struct strbuf *out, const char *image);

#endif
