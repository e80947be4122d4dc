/* Manifest and signature checks for one image (see image_manifest.h). */
#include "image_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "minisign.h"
#include "sign.h"
#include "strbuf.h"

#define MANIFEST_MAX (16u << 20)
#define SIG_MAX (64u << 10)

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
    for (size_t i = 0; i < h->n_hashed; i++)
        free(h->hashed[i].path);
    free(h->hashed);
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
image_file_sha256(struct image_hashes *h, const char *path, char hex[HASH_HEX_MAX], uint64_t *size,
                  struct custody_err *err)
{
    char all[HASH_COUNT][HASH_HEX_MAX];
    struct image_file_hash *grown;
    int rc;

    for (size_t i = 0; i < h->n_hashed; i++)
        if (!strcmp(h->hashed[i].path, path)) {
            memcpy(hex, h->hashed[i].sha256, HASH_HEX_MAX);
            *size = h->hashed[i].size;
            return 0;
        }
    if ((rc = hash_file(all, path, HASH_F_SHA256, size, err)) < 0)
        return rc;
    memcpy(hex, all[HASH_SHA256], HASH_HEX_MAX);
    grown = realloc(h->hashed, (h->n_hashed + 1) * sizeof(*grown));
    if (!grown)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    h->hashed = grown;
    grown[h->n_hashed].path = strdup(path);
    if (!grown[h->n_hashed].path)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    grown[h->n_hashed].size = *size;
    memcpy(grown[h->n_hashed].sha256, hex, HASH_HEX_MAX);
    h->n_hashed++;
    return 0;
}

void
manifest_outcome_release(struct manifest_outcome *o)
{
    if (!o)
        return;
    if (o->parsed)
        manifest_release(&o->m);
    memset(o, 0, sizeof(*o));
}

void
verify_compare_hashes(struct report *r, const char *subject, const char *source,
                      const char computed[HASH_COUNT][HASH_HEX_MAX],
                      const char stored[HASH_COUNT][HASH_HEX_MAX], const char *anchor)
{
    for (int a = 0; a < HASH_COUNT; a++) {
        char name[64];
        snprintf(name, sizeof(name), "%s vs %s", hash_name((enum hash_algo)a), source);
        if (!stored[a][0])
            report_add(r, subject, name, CHECK_CANNOT, NULL, "not stored (computed %s)",
                       computed[a]);
        else if (strcmp(stored[a], computed[a]) == 0)
            report_add(r, subject, name, CHECK_PASS, anchor, "%s", computed[a]);
        else
            report_add(r, subject, name, CHECK_FAIL, anchor, "computed %s, stored %s", computed[a],
                       stored[a]);
    }
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The signature of the manifest text. */
static int
check_signature(struct report *r, const char *subject, const char *sig_path, const char *text,
                size_t len, const struct keyring *trusted, const struct keyring *db_keys,
                int require_signature, struct manifest_outcome *out, struct custody_err *err)
{
    struct strbuf sig = STRBUF_INIT, reason = STRBUF_INIT;
    struct minisign_sig ms;
    struct custody_err perr;
    const struct minisign_pubkey *pk;
    const char *source = NULL;
    char *tcomment = NULL;
    int valid = 0, rc = 0, from_db = 0;
    const struct manifest *m = &out->m;

    memset(&ms, 0, sizeof(ms));
    if (access(sig_path, F_OK) != 0) {
        out->sig = SIG_ABSENT;
        if (m->key_id && m->key_id[0])
            report_add(r, subject, "signature", CHECK_FAIL, NULL,
                       "the manifest names signing key %s, but its signature '%s' is missing",
                       m->key_id, sig_path);
        else
            report_add(r, subject, "signature", require_signature ? CHECK_FAIL : CHECK_CANNOT, NULL,
                       "the manifest is not signed ('%s' absent): nothing anchors it", sig_path);
        goto out;
    }
    rc = io_read_file(&sig, sig_path, SIG_MAX, err);
    if (rc < 0)
        goto out;
    if (minisign_sig_parse(&ms, sig.buf, sig.len, &perr) < 0) {
        out->sig = SIG_INVALID;
        report_add(r, subject, "signature", CHECK_FAIL, NULL, "'%s' is malformed: %s", sig_path,
                   perr.msg);
        goto out;
    }
    minisign_key_id_hex(out->key_id, ms.key_id);
    pk = keyring_find(trusted, ms.key_id, &source);
    if (!pk && db_keys) {
        pk = keyring_find(db_keys, ms.key_id, &source);
        from_db = pk != NULL;
    }
    if (!pk) {
        out->sig = SIG_UNKNOWN_KEY;
        if (trusted->n > 0 || require_signature)
            report_add(r, subject, "signature", CHECK_FAIL, NULL,
                       "signed by key %s, which is not among the trusted keys", out->key_id);
        else
            report_add(r, subject, "signature", CHECK_CANNOT, NULL,
                       "signed by key %s; no trusted keys were given (--trusted-keys), so the "
                       "signature cannot anchor anything",
                       out->key_id);
        goto out;
    }
    rc = sign_minisig_verify(&valid, &reason, &tcomment, pk, text, len, sig.buf, sig.len, err);
    if (rc < 0)
        goto out;
    if (!valid) {
        out->sig = SIG_INVALID;
        report_add(r, subject, "signature", CHECK_FAIL, NULL,
                   "the signature by key %s does not match the manifest (%s): the manifest was "
                   "changed or the signature belongs to another file",
                   out->key_id, reason.len ? reason.buf : "bad signature");
        goto out;
    }
    if (m->key_id && strcmp(m->key_id, out->key_id) != 0) {
        out->sig = SIG_INVALID;
        report_add(r, subject, "signature", CHECK_FAIL, NULL,
                   "the manifest names key %s but is signed by key %s", m->key_id, out->key_id);
        goto out;
    }
    if (m->sha256[0] && (!tcomment || !strstr(tcomment, m->sha256))) {
        out->sig = SIG_INVALID;
        report_add(r, subject, "signature", CHECK_FAIL, NULL,
                   "the signature's trusted comment does not name the manifest's media SHA-256");
        goto out;
    }
    if (from_db) {
        out->sig = SIG_VALID_DB_KEY;
        report_add(r, subject, "signature",
                   require_signature || trusted->n > 0 ? CHECK_FAIL : CHECK_CANNOT, NULL,
                   "valid signature by key %s, but that key is known only from the case "
                   "database, not trusted",
                   out->key_id);
        snprintf(out->anchor, sizeof(out->anchor),
                 "self-consistent (manifest signed by untrusted key %s)", out->key_id);
        goto out;
    }
    out->sig = SIG_TRUSTED;
    snprintf(out->anchor, sizeof(out->anchor), "trusted signature (key %s)", out->key_id);
    report_add(r, subject, "signature", CHECK_PASS, out->anchor,
               "valid minisign signature by trusted key %s ('%s')", out->key_id, source);
out:
    free(tcomment);
    minisign_sig_release(&ms);
    strbuf_release(&sig);
    strbuf_release(&reason);
    return rc;
}

/* Every file the manifest lists: present, size and SHA-256 as listed. */
static int
check_files(struct report *r, const char *subject, const char *dir, struct image_hashes *h,
            struct manifest_outcome *out, int *all_ok, struct custody_err *err)
{
    const struct manifest *m = &out->m;
    struct strbuf path = STRBUF_INIT;
    size_t fails = 0;
    int rc = 0;

    for (size_t i = 0; i < r->n_checks; i++)
        fails += r->checks[i].status == CHECK_FAIL;

    for (size_t i = 0; i < m->n_files; i++) {
        const struct manifest_file *f = &m->files[i];
        char hex[HASH_HEX_MAX];
        uint64_t size = 0;
        struct stat st;
        char name[300];

        snprintf(name, sizeof(name), "file %s", f->name);
        strbuf_reset(&path);
        strbuf_addf(&path, "%s%s", dir, f->name);
        if (stat(path.buf, &st) != 0) {
            report_add(r, subject, name, CHECK_FAIL, out->anchor,
                       "'%s' listed in the manifest is missing", path.buf);
            continue;
        }
        if ((uint64_t)st.st_size != f->size) {
            report_add(r, subject, name, CHECK_FAIL, out->anchor,
                       "'%s' is %llu bytes, the manifest says %llu", path.buf,
                       (unsigned long long)st.st_size, (unsigned long long)f->size);
            continue;
        }
        rc = image_file_sha256(h, path.buf, hex, &size, err);
        if (rc < 0)
            break;
        if (strcmp(hex, f->sha256) != 0)
            report_add(r, subject, name, CHECK_FAIL, out->anchor,
                       "SHA-256 of '%s' is %s, the manifest says %s", path.buf, hex, f->sha256);
        else
            report_add(r, subject, name, CHECK_PASS, out->anchor, "%llu bytes, SHA-256 %s",
                       (unsigned long long)size, f->sha256);
    }
    /* files of the image that the manifest does not list */
    for (size_t i = 0; i < h->n_files; i++) {
        int listed = 0;
        for (size_t k = 0; k < m->n_files && !listed; k++)
            listed = !strcmp(m->files[k].name, base_name(h->files[i]));
        if (!listed)
            report_add(r, subject, "extra file", CHECK_FAIL, out->anchor,
                       "'%s' is part of the image but the manifest does not list it", h->files[i]);
    }
    for (size_t i = 0; i < r->n_checks; i++)
        fails -= r->checks[i].status == CHECK_FAIL;
    *all_ok = fails == 0 && m->n_files > 0 && h->n_files > 0;
    strbuf_release(&path);
    return rc;
}

/* When a trusted signature covers the SHA-256 of every file of the image and they
 * all match, the image's own checks rest on that signature too. */
static void
anchor_image_checks(struct report *r, const char *subject, const char *anchor)
{
    for (size_t i = 0; i < r->n_checks; i++) {
        struct check *c = &r->checks[i];
        if (c->subject && !strcmp(c->subject, subject) && c->anchor &&
            !strcmp(c->anchor, "self-consistent")) {
            char *a = strdup(anchor);
            if (!a)
                abort();
            free(c->anchor);
            c->anchor = a;
        }
    }
}

static void
check_contents(struct report *r, const char *subject, const struct image_hashes *h,
               struct manifest_outcome *out)
{
    const struct manifest *m = &out->m;
    const char *st = m->status ? m->status : "(none)";

    if (!strcmp(st, "complete"))
        report_add(r, subject, "manifest status", CHECK_PASS, out->anchor, "recorded as complete");
    else if (!strcmp(st, "incomplete"))
        report_add(r, subject, "manifest status", CHECK_CANNOT, out->anchor,
                   "recorded as incomplete: %zu range(s) of unreadable sectors documented",
                   m->n_read_errors);
    else
        report_add(r, subject, "manifest status", CHECK_FAIL, out->anchor,
                   "recorded as '%s', not complete", st);
    if (!h->computed_valid) {
        report_add(r, subject, "media vs manifest", CHECK_CANNOT, NULL,
                   "the media could not be read in full");
        return;
    }
    if (h->media_size == m->media_size)
        report_add(r, subject, "media size vs manifest", CHECK_PASS, out->anchor, "%llu bytes",
                   (unsigned long long)h->media_size);
    else
        report_add(r, subject, "media size vs manifest", CHECK_FAIL, out->anchor,
                   "the image holds %llu bytes, the manifest says %llu",
                   (unsigned long long)h->media_size, (unsigned long long)m->media_size);
    {
        char stored[HASH_COUNT][HASH_HEX_MAX];
        snprintf(stored[HASH_MD5], HASH_HEX_MAX, "%s", m->md5);
        snprintf(stored[HASH_SHA1], HASH_HEX_MAX, "%s", m->sha1);
        snprintf(stored[HASH_SHA256], HASH_HEX_MAX, "%s", m->sha256);
        verify_compare_hashes(r, subject, "manifest", (const char(*)[HASH_HEX_MAX])h->computed,
                              (const char(*)[HASH_HEX_MAX])stored, out->anchor);
    }
    if (h->is_ewf) {
        int same = h->n_errors == m->n_read_errors;
        for (size_t i = 0; same && i < h->n_errors; i++)
            same = h->errors[2 * i] == m->read_errors[i].first_sector &&
                   h->errors[2 * i + 1] == m->read_errors[i].count;
        if (same)
            report_add(r, subject, "read errors vs manifest", CHECK_PASS, out->anchor,
                       "%zu range(s) in the E01 and the manifest", h->n_errors);
        else
            report_add(r, subject, "read errors vs manifest", CHECK_FAIL, out->anchor,
                       "the E01 records %zu unreadable range(s), the manifest %zu, or they "
                       "differ",
                       h->n_errors, m->n_read_errors);
    }
}

int
manifest_verify(struct report *r, const char *subject, const char *manifest_path,
                struct image_hashes *h, const struct keyring *trusted,
                const struct keyring *db_keys, int require_signature, struct manifest_outcome *out,
                struct custody_err *err)
{
    struct strbuf text = STRBUF_INIT, sig_path = STRBUF_INIT, dir = STRBUF_INIT;
    struct custody_err perr;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    snprintf(out->anchor, sizeof(out->anchor), "self-consistent (manifest not signed)");
    if (access(manifest_path, F_OK) != 0) {
        report_add(r, subject, "manifest", CHECK_CANNOT, NULL, "no manifest ('%s')", manifest_path);
        report_add(r, subject, "signature", require_signature ? CHECK_FAIL : CHECK_CANNOT, NULL,
                   "no manifest beside the image: nothing anchors it in a signature");
        goto out;
    }
    out->present = 1;
    rc = io_read_file(&text, manifest_path, MANIFEST_MAX, err);
    if (rc < 0)
        goto out;
    if (manifest_parse(&out->m, text.buf, text.len, &perr) < 0) {
        report_add(r, subject, "manifest", CHECK_FAIL, NULL, "'%s' is not a valid manifest: %s",
                   manifest_path, perr.msg);
        goto out;
    }
    out->parsed = 1;
    report_add(r, subject, "manifest", CHECK_PASS, NULL, "'%s': %zu file(s) listed", manifest_path,
               out->m.n_files);
    report_meta(r, subject, "manifest case number", out->m.case_number);
    report_meta(r, subject, "manifest asset", out->m.asset);
    report_meta(r, subject, "manifest evidence", out->m.evidence);
    report_meta(r, subject, "manifest examiner", out->m.examiner);
    strbuf_addf(&sig_path, "%s.minisig", manifest_path);
    rc = check_signature(r, subject, sig_path.buf, text.buf, text.len, trusted, db_keys,
                         require_signature, out, err);
    if (rc < 0)
        goto out;
    if (out->sig == SIG_INVALID)
        snprintf(out->anchor, sizeof(out->anchor), "self-consistent (manifest signature invalid)");
    else if (out->sig == SIG_UNKNOWN_KEY)
        snprintf(out->anchor, sizeof(out->anchor),
                 "self-consistent (manifest signed by unknown key %s)", out->key_id);
    check_contents(r, subject, h, out);
    {
        const char *slash = strrchr(manifest_path, '/');
        if (slash)
            strbuf_add(&dir, manifest_path, (size_t)(slash - manifest_path + 1));
    }
    int files_ok = 0;
    rc = check_files(r, subject, dir.buf, h, out, &files_ok, err);
    if (rc == 0 && files_ok && out->sig == SIG_TRUSTED) {
        struct strbuf a = STRBUF_INIT;
        strbuf_addf(&a, "%s, over every file's SHA-256", out->anchor);
        anchor_image_checks(r, subject, a.buf);
        strbuf_release(&a);
    }
out:
    strbuf_release(&text);
    strbuf_release(&sig_path);
    strbuf_release(&dir);
    return rc;
}
