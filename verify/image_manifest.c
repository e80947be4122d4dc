/* Manifest and signature checks for one image (see image_manifest.h). */
#include "image_manifest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "verify.h"

void
image_hashes_init(struct image_hashes *h)
{
    memset(h, 0, sizeof(*h));
}

void
image_hashes_release(struct image_hashes *h)
{
    if (!h)
        return;
    free(h->errors);
    for (size_t i = 0; i < h->n_files; i++)
        free(h->files[i]);
    free(h->files);
    memset(h, 0, sizeof(*h));
}

void
image_hashes_add_file(struct image_hashes *h, const char *path)
{
    char **grown = realloc(h->files, (h->n_files + 1) * sizeof(*grown));

    if (!grown)
        abort();
    h->files = grown;
    grown[h->n_files] = strdup(path);
    if (!grown[h->n_files])
        abort();
    h->n_files++;
}

void
image_hashes_add_error(struct image_hashes *h, uint64_t first, uint64_t count)
{
    uint64_t *grown = realloc(h->errors, (h->n_errors + 1) * 2 * sizeof(*grown));

    if (!grown)
        abort();
    h->errors = grown;
    grown[2 * h->n_errors] = first;
    grown[2 * h->n_errors + 1] = count;
    h->n_errors++;
}

int
image_manifest_check(struct report *r, const char *image, int is_ewf, const struct image_hashes *h,
                     const struct verify_options *o, struct custody_err *err)
{
    struct strbuf path = STRBUF_INIT;
    enum check_status missing = o->require_signature ? CHECK_FAIL : CHECK_CANNOT;

    (void)err;
    verify_manifest_path(&path, image);
    if (access(path.buf, F_OK) != 0) {
        if (!is_ewf && h->computed_valid)
            report_add(r, image, "media hashes", CHECK_CANNOT, NULL,
                       "a raw image stores no hashes and no manifest ('%s') lies beside it: "
                       "nothing to compare with",
                       path.buf);
        report_add(r, image, "signature", missing, NULL,
                   "no manifest beside the image ('%s'): nothing anchors it in a signature",
                   path.buf);
    } else {
        report_add(r, image, "manifest", CHECK_CANNOT, NULL,
                   "'%s' found, but this build cannot parse manifests yet", path.buf);
        report_add(r, image, "signature", missing, NULL,
                   "the manifest's signature was not checked: nothing anchors the image in a "
                   "signature");
    }
    strbuf_release(&path);
    return 0;
}
