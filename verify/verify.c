/* Image verification: structure, chunks and media hashes of E01 sets and raw images
 * (see verify.h). */
#include "verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ewf_adapter.h"
#include "ewf_layout.h"
#include "image_manifest.h"
#include "keyring.h"
#include "minisign.h"
#include "strbuf.h"

#define ANCHOR_SELF "self-consistent"

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void
verify_manifest_path(struct strbuf *out, const char *image)
{
    const char *name = base_name(image);
    const char *dot = strrchr(name, '.');

    strbuf_reset(out);
    if (dot && dot != name)
        strbuf_add(out, image, (size_t)(dot - image));
    else
        strbuf_addstr(out, image);
    strbuf_addstr(out, ".manifest");
}

/* 1 when the file starts with an EWF signature; 0 otherwise (also when short). */
static int
looks_like_ewf(const char *path)
{
    struct custody_err e;
    return ewf_is_segment(path, &e) == 1;
}

static void
add_bad_chunks(struct report *r, const char *subject, const struct scan_result *s)
{
    size_t shown = 0;

    for (size_t i = 0; i < s->n_bad; i++) {
        size_t k = i;
        /* merge runs of consecutive chunks with the same reason */
        while (k + 1 < s->n_bad && s->bad[k + 1].chunk == s->bad[k].chunk + 1 &&
               !strcmp(s->bad[k + 1].reason, s->bad[i].reason))
            k++;
        if (shown < 50)
            report_add(r, subject, "chunk", CHECK_FAIL, ANCHOR_SELF,
                       "chunk%s %llu%s%.0llu (sectors %llu-%llu): %s", k > i ? "s" : "",
                       (unsigned long long)s->bad[i].chunk, k > i ? "-" : "",
                       k > i ? (unsigned long long)s->bad[k].chunk : 0ULL,
                       (unsigned long long)s->bad[i].first_sector,
                       (unsigned long long)(s->bad[k].first_sector + s->bad[k].sectors - 1),
                       s->bad[i].reason);
        shown++;
        i = k;
    }
    if (shown > 50 || s->bad_count > s->n_bad)
        report_add(r, subject, "chunk", CHECK_FAIL, ANCHOR_SELF,
                   "%llu damaged chunks in all; only the first are listed",
                   (unsigned long long)s->bad_count);
}

static void
ewf_facts(struct report *r, const char *subject, const struct ewf_layout *l)
{
    static const char *names[][2] = {
        {"case_number", "case number"},
        {"evidence_number", "evidence number"},
        {"description", "description"},
        {"examiner_name", "examiner"},
        {"notes", "notes"},
        {"acquiry_date", "acquisition date"},
        {"model", "device model"},
        {"serial_number", "device serial"},
        {"acquiry_software_version", "acquisition software version"},
    };
    const char **paths = calloc(l->n_segments, sizeof(char *));
    struct ewf_reader *rd = NULL;
    struct custody_err e;
    char value[1024];
    char num[64];

    snprintf(num, sizeof(num), "%llu bytes (%llu sectors of %u bytes)",
             (unsigned long long)l->media_size, (unsigned long long)l->sector_count,
             l->bytes_per_sector);
    report_meta(r, subject, "media size", num);
    if (!paths)
        return;
    for (size_t i = 0; i < l->n_segments; i++)
        paths[i] = l->segments[i].path;
    if (ewf_reader_open(&rd, paths, (int)l->n_segments, &e) == 0) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (ewf_reader_header(rd, names[i][0], value, sizeof(value)) == 1 && value[0])
                report_meta(r, subject, names[i][1], value);
        ewf_reader_close(rd);
    }
    free(paths);
}

static int
verify_ewf(struct report *r, const char *subject, const char *image, const struct verify_options *o,
           struct image_hashes *out, struct custody_err *err)
{
    struct ewf_layout *l = NULL;
    struct scan_result s;
    struct scan_options so = {o->workers, o->progress, o->progress_ctx};
    int rc;

    memset(&s, 0, sizeof(s));
    rc = ewf_layout_open(&l, &image, 1, err);
    if (rc < 0)
        return rc;
    if (l->n_problems == 0) {
        report_add(r, subject, "segments", CHECK_PASS, ANCHOR_SELF,
                   "%zu segment file%s, numbered 1-%zu, section chains and tables intact, the "
                   "last ends with 'done', %u chunks",
                   l->n_segments, l->n_segments == 1 ? "" : "s", l->n_segments, l->chunk_count);
    } else {
        for (size_t i = 0; i < l->n_problems; i++)
            report_add(r, subject, "segments", CHECK_FAIL, ANCHOR_SELF, "%s", l->problems[i]);
    }
    for (size_t i = 0; i < l->n_segments; i++)
        report_meta(r, subject, "segment file", l->segments[i].path);
    if (!l->data_complete) {
        report_add(r, subject, "chunks", CHECK_CANNOT, NULL,
                   "the segment set is incomplete or damaged: not every chunk can be located");
        report_add(r, subject, "media hashes", CHECK_CANNOT, NULL,
                   "the media cannot be read in full, so its hashes cannot be recomputed");
        goto out;
    }
    if (l->n_problems == 0)
        ewf_facts(r, subject, l);
    rc = scan_ewf(&s, l, &so, err);
    if (rc < 0)
        goto out;
    if (s.bad_count == 0)
        report_add(r, subject, "chunks", CHECK_PASS, ANCHOR_SELF,
                   "all %llu chunks intact (Adler-32 / zlib checksums)",
                   (unsigned long long)s.chunks);
    else
        add_bad_chunks(r, subject, &s);
    verify_compare_hashes(r, subject, "E01", (const char(*)[HASH_HEX_MAX])s.computed,
                          (const char(*)[HASH_HEX_MAX])l->stored, ANCHOR_SELF);
    if (l->n_acquiry_errors > 0) {
        struct strbuf sb = STRBUF_INIT;
        for (size_t i = 0; i < l->n_acquiry_errors && i < 20; i++)
            strbuf_addf(&sb, "%s%llu+%llu", i ? ", " : "",
                        (unsigned long long)l->acquiry_errors[2 * i],
                        (unsigned long long)l->acquiry_errors[2 * i + 1]);
        report_add(r, subject, "read errors", CHECK_CANNOT, NULL,
                   "%zu range(s) of sectors were unreadable at acquisition and are zero-filled "
                   "(first sector+count): %s",
                   l->n_acquiry_errors, sb.buf);
        strbuf_release(&sb);
    }
    out->computed_valid = 1;
    memcpy(out->computed, s.computed, sizeof(s.computed));
    out->media_size = s.bytes; /* may exceed the sectors: see scan.c, cap */
    out->sector_size = l->bytes_per_sector;
    for (size_t i = 0; i < l->n_acquiry_errors; i++)
        image_hashes_add_error(out, l->acquiry_errors[2 * i], l->acquiry_errors[2 * i + 1]);
    {
        char sp[64];
        snprintf(sp, sizeof(sp), "%.2f s, %.1f MB/s", s.seconds,
                 s.seconds > 0 ? (double)s.bytes / 1e6 / s.seconds : 0.0);
        report_meta(r, subject, "hashing time", sp);
    }
out:
    for (size_t i = 0; i < l->n_segments; i++)
        image_hashes_add_file(out, l->segments[i].path);
    scan_result_release(&s);
    ewf_layout_free(l);
    return rc;
}

/* A split raw image BASE.000 (or .001), BASE.001, ...: every file of the series. */
static int
raw_series(char ***out, size_t *n, struct report *r, const char *subject, const char *image)
{
    const char *name = base_name(image);
    size_t len = strlen(name);
    char **v = NULL;
    size_t count = 0;
    int numeric = len > 4 && name[len - 4] == '.';

    for (int i = 1; numeric && i <= 3; i++)
        numeric = name[len - i] >= '0' && name[len - i] <= '9';
    if (!numeric) {
        v = calloc(1, sizeof(char *));
        if (!v || !(v[0] = strdup(image)))
            abort();
        *out = v;
        *n = 1;
        return 0;
    }
    unsigned start = (unsigned)strtoul(name + len - 3, NULL, 10);
    struct strbuf sb = STRBUF_INIT;
    size_t stem = strlen(image) - 3;
    /* the series starts at .000 or .001 */
    strbuf_add(&sb, image, stem);
    strbuf_addstr(&sb, "000");
    if (start > 0 && access(sb.buf, F_OK) == 0)
        start = 0;
    else if (start > 1)
        start = 1;
    for (unsigned k = start; k <= 999; k++) {
        strbuf_reset(&sb);
        strbuf_add(&sb, image, stem);
        strbuf_addf(&sb, "%03u", k);
        if (access(sb.buf, F_OK) != 0)
            break;
        char **grown = realloc(v, (count + 1) * sizeof(*grown));
        if (!grown)
            abort();
        v = grown;
        v[count++] = strbuf_detach(&sb, NULL);
    }
    /* a later file after a gap means a missing piece */
    for (unsigned k = start + (unsigned)count + 1; k <= start + count + 20 && k <= 999; k++) {
        strbuf_reset(&sb);
        strbuf_add(&sb, image, stem);
        strbuf_addf(&sb, "%03u", k);
        if (access(sb.buf, F_OK) == 0) {
            report_add(r, subject, "split files", CHECK_FAIL, ANCHOR_SELF,
                       "'%.*s%03u' is missing but '%s' exists", (int)stem, image,
                       start + (unsigned)count, sb.buf);
            break;
        }
    }
    strbuf_release(&sb);
    *out = v;
    *n = count;
    return 0;
}

static int
verify_raw(struct report *r, const char *subject, const char *image, const struct verify_options *o,
           struct image_hashes *out, struct custody_err *err)
{
    char **files = NULL;
    size_t n = 0;
    struct scan_result s;
    struct scan_options so = {o->workers, o->progress, o->progress_ctx};
    uint64_t total = 0;
    int rc;

    memset(&s, 0, sizeof(s));
    raw_series(&files, &n, r, subject, image);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0)
            total += (uint64_t)st.st_size;
        report_meta(r, subject, "raw file", files[i]);
        image_hashes_add_file(out, files[i]);
    }
    rc = scan_raw(&s, (const char *const *)files, n, &so, err);
    if (rc == 0) {
        char stored[HASH_COUNT][HASH_HEX_MAX];
        char num[64];
        memset(stored, 0, sizeof(stored));
        snprintf(num, sizeof(num), "%llu bytes in %zu file%s", (unsigned long long)s.bytes, n,
                 n == 1 ? "" : "s");
        report_meta(r, subject, "media size", num);
        for (int a = 0; a < HASH_COUNT; a++)
            report_meta(r, subject, hash_name((enum hash_algo)a), s.computed[a]);
        out->computed_valid = 1;
        memcpy(out->computed, s.computed, sizeof(s.computed));
        out->media_size = s.bytes;
    }
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    scan_result_release(&s);
    (void)total;
    return rc;
}

int
verify_one_image(struct report *r, const char *subject, const char *image,
                 const struct verify_options *o, struct image_hashes *h, struct custody_err *err)
{
    h->is_ewf = ewf_name_is_segment(image) || looks_like_ewf(image);
    return h->is_ewf ? verify_ewf(r, subject, image, o, h, err)
                     : verify_raw(r, subject, image, o, h, err);
}

int
verify_images(struct report *r, const char *const *images, size_t n, const struct verify_options *o,
              struct custody_err *err)
{
    struct keyring kr;
    struct strbuf mpath = STRBUF_INIT;
    int rc;

    rc = keyring_load(&kr, o->trusted_keys, o->n_trusted, err);
    if (rc < 0)
        goto out;
    for (size_t k = 0; k < kr.n; k++) {
        char id[MINISIGN_KEY_ID_HEX];
        struct strbuf sb = STRBUF_INIT;
        minisign_key_id_hex(id, kr.keys[k].key_id);
        strbuf_addf(&sb, "%s: trusted (given with --trusted-keys, '%s')", id, kr.sources[k]);
        report_key(r, sb.buf);
        strbuf_release(&sb);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *image = images[i];
        struct image_hashes h;
        struct manifest_outcome mo;
        struct stat st;

        if (stat(image, &st) != 0) {
            rc = custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                   image);
            break;
        }
        if (!S_ISREG(st.st_mode)) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "'%s' is not a regular file", image);
            break;
        }
        if (access(image, R_OK) != 0) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'", image);
            break;
        }
        image_hashes_init(&h);
        rc = verify_one_image(r, image, image, o, &h, err);
        if (rc == 0) {
            verify_manifest_path(&mpath, image);
            if (!h.is_ewf && h.computed_valid && access(mpath.buf, F_OK) != 0)
                report_add(r, image, "media hashes", CHECK_CANNOT, NULL,
                           "a raw image stores no hashes and no manifest lies beside it: "
                           "nothing to compare with");
            rc =
                manifest_verify(r, image, mpath.buf, &h, &kr, NULL, o->require_signature, &mo, err);
            manifest_outcome_release(&mo);
        }
        image_hashes_release(&h);
    }
out:
    keyring_release(&kr);
    strbuf_release(&mpath);
    return rc;
}
