/* Case-database verification and decommission clearance (see casecheck.h). */
#include "casecheck.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casedb.h"
#include "cli.h"
#include "custody.h"
#include "image_manifest.h"
#include "io.h"
#include "json.h"
#include "keyring.h"
#include "minisign.h"
#include "verifications.h"

#define MANIFEST_MAX (16u << 20)

/* Everything one run holds open. */
struct case_run {
    struct casedb *db;
    struct keyring trusted, db_keys;
    struct casedb_examiner *examiners;
    size_t n_examiners;
    struct casedb_vacq *acq;
    size_t n_acq;
    int *acq_failed;  /* per acquisition: a check failed */
    int *acq_checked; /* per acquisition: its image was read in full */
    int chain_ok;
    int readonly;          /* opened read-only: nothing is recorded */
    char asset_status[32]; /* of --asset, when given */
    int64_t asset_id;
    int64_t run_id;
    struct sign_seckey *key;
    char key_id[MINISIGN_KEY_ID_HEX];
};

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static size_t
count_fails(const struct report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        n += r->checks[i].status == CHECK_FAIL;
    return n;
}

static void
run_release(struct case_run *cr)
{
    keyring_release(&cr->trusted);
    keyring_release(&cr->db_keys);
    casedb_examiner_list_free(cr->examiners, cr->n_examiners);
    casedb_vacq_list_free(cr->acq, cr->n_acq);
    free(cr->acq_failed);
    free(cr->acq_checked);
    sign_seckey_free(cr->key);
    casedb_close(cr->db);
    memset(cr, 0, sizeof(*cr));
}

static const struct casedb_examiner *
examiner_by_key(const struct case_run *cr, const char *key_id)
{
    for (size_t i = 0; key_id && i < cr->n_examiners; i++)
        if (cr->examiners[i].key_id && !strcmp(cr->examiners[i].key_id, key_id))
            return &cr->examiners[i];
    return NULL;
}

/* Keys: the trusted ones, and those the database holds (reported, never trusted). */
static int
load_keys(struct report *r, struct case_run *cr, const struct case_options *o,
          struct custody_err *err)
{
    int rc = keyring_load(&cr->trusted, o->verify.trusted_keys, o->verify.n_trusted, err);

    if (rc < 0)
        return rc;
    if ((rc = casedb_examiner_list(cr->db, &cr->examiners, &cr->n_examiners, err)) < 0)
        return rc;
    for (size_t i = 0; i < cr->trusted.n; i++) {
        char id[MINISIGN_KEY_ID_HEX];
        struct strbuf sb = STRBUF_INIT;
        minisign_key_id_hex(id, cr->trusted.keys[i].key_id);
        strbuf_addf(&sb, "%s: trusted (given with --trusted-keys, '%s')", id,
                    cr->trusted.sources[i]);
        report_key(r, sb.buf);
        strbuf_release(&sb);
    }
    for (size_t i = 0; i < cr->n_examiners; i++) {
        const struct casedb_examiner *x = &cr->examiners[i];
        struct minisign_pubkey pk;
        struct custody_err perr;
        struct strbuf sb = STRBUF_INIT;
        if (!x->public_key)
            continue;
        if (minisign_pubkey_parse(&pk, x->public_key, strlen(x->public_key), &perr) < 0) {
            report_add(r, "case database", "examiner key", CHECK_FAIL, NULL,
                       "the key of examiner '%s' is malformed: %s", x->name, perr.msg);
            continue;
        }
        if (keyring_add(&cr->db_keys, &pk, "case database", err) < 0)
            return err->code;
        strbuf_addf(&sb, "%s: examiner '%s'%s%s, in the case database: %s%s",
                    x->key_id ? x->key_id : "?", x->name, x->role ? ", " : "",
                    x->role ? x->role : "",
                    keyring_find(&cr->trusted, pk.key_id, NULL)
                        ? "also trusted (given with --trusted-keys)"
                        : "not trusted (found only in the case database)",
                    x->revoked_at ? ", REVOKED" : "");
        report_key(r, sb.buf);
        strbuf_release(&sb);
    }
    return 0;
}

/* The folder of an acquisition's files. */
static void
acq_dir(struct strbuf *out, const struct case_options *o, const struct casedb_vacq *a)
{
    const char *base = a->output_base ? a->output_base : "";
    const char *slash = strrchr(base, '/');

    strbuf_reset(out);
    if (o->image_dir) {
        strbuf_addf(out, "%s/", o->image_dir);
        return;
    }
    if (slash)
        strbuf_add(out, base, (size_t)(slash - base + 1));
    if (base[0] != '/' && a->n_files > 0) {
        /* relative: as run from here, else next to the case database */
        struct strbuf t = STRBUF_INIT;
        strbuf_addf(&t, "%s%s", out->buf, a->files[0].name);
        if (access(t.buf, F_OK) != 0) {
            const char *dbslash = strrchr(o->db_path, '/');
            strbuf_reset(&t);
            if (dbslash)
                strbuf_add(&t, o->db_path, (size_t)(dbslash - o->db_path + 1));
            strbuf_addstr(&t, out->buf);
            strbuf_reset(out);
            strbuf_addstr(out, t.buf);
        }
        strbuf_release(&t);
    }
}

/* Files next to the image named like its outputs but not recorded. */
static void
check_extra(struct report *r, const char *subject, const char *dir, const struct casedb_vacq *a)
{
    const char *stem = base_name(a->output_base ? a->output_base : "");
    size_t sl = strlen(stem);
    DIR *d = opendir(dir[0] ? dir : ".");
    struct dirent *de;

    if (!d || sl == 0) {
        if (d)
            closedir(d);
        return;
    }
    while ((de = readdir(d))) {
        const char *n = de->d_name, *ext;
        int listed = 0, output_like = 0;
        if (strncmp(n, stem, sl) != 0 || n[sl] != '.')
            continue;
        ext = n + sl + 1;
        if (strlen(ext) == 3 && (ext[0] == 'E' || ext[0] == 'e'))
            output_like = 1;
        if (strlen(ext) == 3 && ext[0] >= '0' && ext[0] <= '9' && ext[1] >= '0' && ext[1] <= '9' &&
            ext[2] >= '0' && ext[2] <= '9')
            output_like = 1;
        if (!strcmp(ext, "raw"))
            output_like = 1;
        if (!output_like)
            continue;
        for (size_t i = 0; i < a->n_files && !listed; i++)
            listed = !strcmp(a->files[i].name, n);
        if (!listed)
            report_add(r, subject, "extra file", CHECK_FAIL, NULL,
                       "'%s%s' lies beside the image but the case database does not record it", dir,
                       n);
    }
    closedir(d);
}

static void
check_status(struct report *r, const char *subject, const struct casedb_vacq *a)
{
    const char *st = a->status ? a->status : "(none)";

    if (!strcmp(st, "complete"))
        report_add(r, subject, "acquisition status", CHECK_PASS, NULL, "recorded as complete");
    else if (!strcmp(st, "incomplete") && a->n_read_errors > 0)
        report_add(r, subject, "acquisition status", CHECK_CANNOT, NULL,
                   "recorded as incomplete: %zu range(s) of unreadable sectors documented",
                   a->n_read_errors);
    else if (!strcmp(st, "running"))
        report_add(r, subject, "acquisition status", CHECK_FAIL, NULL,
                   "recorded as 'running': the acquisition never finished (killed?), it is "
                   "incomplete");
    else
        report_add(r, subject, "acquisition status", CHECK_FAIL, NULL,
                   "recorded as '%s': not a complete acquisition", st);
}

static int
check_recorded_files(struct report *r, const char *subject, const char *dir,
                     const struct casedb_vacq *a, struct image_hashes *h, struct custody_err *err)
{
    struct strbuf path = STRBUF_INIT;
    int rc = 0;

    if (a->n_files == 0 && a->status && strcmp(a->status, "failed") != 0 &&
        strcmp(a->status, "interrupted") != 0)
        report_add(r, subject, "files", CHECK_FAIL, NULL,
                   "the case database records no output files");
    for (size_t i = 0; i < a->n_files && rc == 0; i++) {
        const struct casedb_vfile *f = &a->files[i];
        char hex[HASH_HEX_MAX];
        char name[300];
        uint64_t size = 0;
        struct stat st;

        snprintf(name, sizeof(name), "recorded file %s", f->name);
        strbuf_reset(&path);
        strbuf_addf(&path, "%s%s", dir, f->name);
        if (stat(path.buf, &st) != 0) {
            report_add(r, subject, name, CHECK_FAIL, NULL, "'%s' is missing", path.buf);
            continue;
        }
        if ((int64_t)st.st_size != f->size) {
            report_add(r, subject, name, CHECK_FAIL, NULL,
                       "'%s' is %llu bytes, the case database says %lld", path.buf,
                       (unsigned long long)st.st_size, (long long)f->size);
            continue;
        }
        rc = image_file_sha256(h, path.buf, hex, &size, err);
        if (rc < 0)
            break;
        if (!f->sha256 || strcmp(f->sha256, hex) != 0)
            report_add(r, subject, name, CHECK_FAIL, NULL,
                       "SHA-256 of '%s' is %s, the case database says %s", path.buf, hex,
                       f->sha256 ? f->sha256 : "nothing");
        else
            report_add(r, subject, name, CHECK_PASS, NULL, "%llu bytes, SHA-256 as recorded",
                       (unsigned long long)size);
    }
    strbuf_release(&path);
    return rc;
}

/* The manifest beside the image against the copy in the database, and the key's
 * revocation. */
static int
check_manifest_db(struct report *r, const char *subject, const char *mpath,
                  const struct casedb_vacq *a, const struct manifest_outcome *mo,
                  const struct case_run *cr, struct custody_err *err)
{
    struct strbuf text = STRBUF_INIT, sig = STRBUF_INIT;
    int rc = 0;

    if (!mo->present) {
        if (a->manifest)
            report_add(r, subject, "manifest vs database", CHECK_FAIL, NULL,
                       "the case database holds a manifest, but '%s' is missing", mpath);
        if (a->manifest_sig)
            report_add(r, subject, "signature", CHECK_FAIL, NULL,
                       "recorded as signed, but the manifest and its signature are missing");
        goto out;
    }
    if ((rc = io_read_file(&text, mpath, MANIFEST_MAX, err)) < 0)
        goto out;
    if (!a->manifest)
        report_add(r, subject, "manifest vs database", CHECK_CANNOT, NULL,
                   "the case database holds no copy of the manifest");
    else if (strlen(a->manifest) == text.len && !memcmp(a->manifest, text.buf, text.len))
        report_add(r, subject, "manifest vs database", CHECK_PASS, mo->anchor,
                   "the manifest equals the copy in the case database");
    else
        report_add(r, subject, "manifest vs database", CHECK_FAIL, mo->anchor,
                   "'%s' differs from the copy in the case database", mpath);
    if (a->manifest_sig && mo->sig == SIG_ABSENT)
        report_add(r, subject, "signature", CHECK_FAIL, NULL,
                   "recorded as signed in the case database, but '%s.minisig' is missing", mpath);
    if (a->manifest_sig && mo->sig != SIG_ABSENT) {
        strbuf_addf(&sig, "%s.minisig", mpath);
        struct strbuf st = STRBUF_INIT;
        if (io_read_file(&st, sig.buf, 1 << 16, err) == 0 &&
            (strlen(a->manifest_sig) != st.len || memcmp(a->manifest_sig, st.buf, st.len)))
            report_add(r, subject, "signature vs database", CHECK_FAIL, NULL,
                       "'%s' differs from the signature recorded in the case database", sig.buf);
        strbuf_release(&st);
    }
    if (mo->key_id[0]) {
        const struct casedb_examiner *x = examiner_by_key(cr, mo->key_id);
        if (!x)
            report_add(r, subject, "signing key", CHECK_FAIL, NULL,
                       "key %s signed the manifest but no examiner of the case holds it",
                       mo->key_id);
        else if (x->revoked_at && (a->ended_at == 0 || x->revoked_at <= a->ended_at)) {
            struct strbuf t = STRBUF_INIT;
            custody_format_time(&t, x->revoked_at);
            report_add(r, subject, "signing key", CHECK_FAIL, NULL,
                       "key %s of '%s' was revoked at %s, before this acquisition ended",
                       mo->key_id, x->name, t.buf);
            strbuf_release(&t);
        } else
            report_add(r, subject, "signing key", CHECK_PASS, NULL,
                       "key %s belongs to examiner '%s'%s", mo->key_id, x->name,
                       x->revoked_at ? " (revoked later)" : "");
    }
out:
    strbuf_release(&text);
    strbuf_release(&sig);
    return rc;
}

static int
verify_acquisition(struct report *r, struct case_run *cr, size_t idx, const struct case_options *o,
                   struct custody_err *err)
{
    const struct casedb_vacq *a = &cr->acq[idx];
    struct strbuf subject = STRBUF_INIT, dir = STRBUF_INIT, image = STRBUF_INIT,
                  mpath = STRBUF_INIT;
    struct image_hashes h;
    struct manifest_outcome mo;
    size_t fails_before = count_fails(r);
    int rc = 0;

    memset(&mo, 0, sizeof(mo));
    image_hashes_init(&h);
    strbuf_addf(&subject, "acquisition %s (%s/%s)", a->uuid, a->hostname, a->evidence_label);
    report_meta(r, subject.buf, "format", a->format);
    report_meta(r, subject.buf, "examiner", a->examiner_name);
    report_meta(r, subject.buf, "output", a->output_base);
    check_status(r, subject.buf, a);
    acq_dir(&dir, o, a);
    rc = check_recorded_files(r, subject.buf, dir.buf, a, &h, err);
    if (rc < 0)
        goto out;
    check_extra(r, subject.buf, dir.buf, a);
    if (a->n_files == 0)
        goto out;
    strbuf_addf(&image, "%s%s", dir.buf, a->files[0].name);
    if (access(image.buf, R_OK) != 0) {
        report_add(r, subject.buf, "image", CHECK_CANNOT, NULL, "'%s' cannot be read: %s",
                   image.buf, strerror(errno));
        goto out;
    }
    rc = verify_one_image(r, subject.buf, image.buf, &o->verify, &h, err);
    if (rc < 0)
        goto out;
    verify_manifest_path(&mpath, image.buf);
    rc = manifest_verify(r, subject.buf, mpath.buf, &h, &cr->trusted, &cr->db_keys,
                         o->verify.require_signature, &mo, err);
    if (rc < 0)
        goto out;
    rc = check_manifest_db(r, subject.buf, mpath.buf, a, &mo, cr, err);
    if (rc < 0)
        goto out;
    if (h.computed_valid) {
        char stored[HASH_COUNT][HASH_HEX_MAX];
        snprintf(stored[HASH_MD5], HASH_HEX_MAX, "%s", a->md5 ? a->md5 : "");
        snprintf(stored[HASH_SHA1], HASH_HEX_MAX, "%s", a->sha1 ? a->sha1 : "");
        snprintf(stored[HASH_SHA256], HASH_HEX_MAX, "%s", a->sha256 ? a->sha256 : "");
        verify_compare_hashes(r, subject.buf, "database", (const char(*)[HASH_HEX_MAX])h.computed,
                              (const char(*)[HASH_HEX_MAX])stored, mo.anchor);
        if (a->media_size >= 0 && (uint64_t)a->media_size != h.media_size)
            report_add(r, subject.buf, "media size vs database", CHECK_FAIL, mo.anchor,
                       "the image holds %llu bytes, the case database says %lld",
                       (unsigned long long)h.media_size, (long long)a->media_size);
        cr->acq_checked[idx] = 1;
    }
out:
    cr->acq_failed[idx] = count_fails(r) != fails_before;
    manifest_outcome_release(&mo);
    image_hashes_release(&h);
    strbuf_release(&subject);
    strbuf_release(&dir);
    strbuf_release(&image);
    strbuf_release(&mpath);
    return rc;
}

static int
check_chain(struct report *r, struct case_run *cr, const struct case_options *o,
            struct custody_err *err)
{
    struct custody_checkpoint *cps = NULL;
    struct custody_check_opts co;
    struct custody_report cres;
    int rc = 0;

    memset(&co, 0, sizeof(co));
    memset(&cres, 0, sizeof(cres));
    if (o->n_checkpoints) {
        cps = calloc(o->n_checkpoints, sizeof(*cps));
        if (!cps)
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < o->n_checkpoints; i++)
        if ((rc = custody_checkpoint_read(&cps[i], o->checkpoints[i], err)) < 0)
            goto out;
    if (cr->trusted.n > 0) {
        co.trusted = cr->trusted.keys;
        co.n_trusted = cr->trusted.n;
    }
    co.checkpoints = cps;
    co.n_checkpoints = o->n_checkpoints;
    if ((rc = custody_check(cr->db, &co, &cres, err)) < 0)
        goto out;
    const char *anchor = cr->trusted.n > 0 ? "signed entries, every key trusted"
                                           : "self-consistent (keys from the case database)";
    if (cres.n_findings == 0 && cres.n_entries == 0) {
        report_add(r, "custody log", "custody chain", CHECK_CANNOT, NULL,
                   "the custody log is empty: no signed entry records what happened to the "
                   "evidence");
    } else if (cres.n_findings == 0) {
        report_add(r, "custody log", "custody chain", CHECK_PASS, anchor,
                   "%zu entries in %zu chain(s), hashes, links and signatures intact; head %s",
                   cres.n_entries, cres.n_chains, cres.head_hash[0] ? cres.head_hash : "-");
        cr->chain_ok = 1;
    }
    for (size_t i = 0; i < cres.n_findings; i++) {
        const struct custody_finding *f = &cres.findings[i];
        report_add(r, "custody log", custody_finding_name(f->kind), CHECK_FAIL, NULL,
                   "entry %lld of chain %s: %s", (long long)f->seq, f->chain, f->reason);
    }
    for (size_t i = 0; i < o->n_checkpoints; i++) {
        int bad = 0;
        for (size_t k = 0; k < cres.n_findings; k++)
            bad |= cres.findings[k].kind == CUSTODY_F_CHECKPOINT;
        if (!bad)
            report_add(r, "custody log", "checkpoint", CHECK_PASS, NULL,
                       "the log still extends '%s' (%lld entries, head %s)", o->checkpoints[i],
                       (long long)cps[i].entries, cps[i].head_hash);
    }
out:
    for (size_t i = 0; i < o->n_checkpoints; i++)
        custody_checkpoint_release(&cps[i]);
    free(cps);
    custody_report_release(&cres);
    return rc;
}

/* Open the database, load keys, list the acquisitions in scope. */
static int
case_open(struct report *r, struct case_run *cr, const struct case_options *o,
          struct custody_err *err)
{
    struct casedb_case c;
    int ok = 0, rc;
    int64_t evidence_id = 0;

    memset(&c, 0, sizeof(c));
    if ((rc = casedb_open(&cr->db, o->db_path, 0, err)) < 0) {
        /* a regulator's copy on read-only media: verify without recording */
        struct custody_err rerr;
        if (o->key_path || casedb_open(&cr->db, o->db_path, CASEDB_READONLY, &rerr) < 0)
            return rc;
        cr->readonly = 1;
        custody_err_clear(err);
        report_add(r, "case database", "record", CHECK_CANNOT, NULL,
                   "'%s' cannot be opened for writing, so this verification is not recorded "
                   "in it",
                   o->db_path);
    }
    if ((rc = casedb_integrity_check(cr->db, &ok, err)) < 0)
        return rc;
    if (!ok)
        return custody_err_set(err, CUSTODY_ERR_DB, "'%s' fails SQLite's integrity check",
                               o->db_path);
    if ((rc = casedb_get_case(cr->db, &c, err)) < 0)
        return rc;
    report_meta(r, NULL, "case database", o->db_path);
    report_meta(r, NULL, "case number", c.case_number);
    report_meta(r, NULL, "case title", c.title);
    report_meta(r, NULL, "case uuid", c.uuid);
    casedb_case_release(&c);
    if (o->key_path) {
        struct minisign_pubkey pk;
        if ((rc = sign_seckey_read(&cr->key, o->key_path, &o->pass, err)) < 0)
            return rc;
        sign_seckey_public(cr->key, &pk);
        minisign_key_id_hex(cr->key_id, pk.key_id);
        report_meta(r, NULL, "verifier key", cr->key_id);
    }
    if ((rc = load_keys(r, cr, o, err)) < 0)
        return rc;
    if (o->asset) {
        struct casedb_asset a;
        memset(&a, 0, sizeof(a));
        if ((rc = casedb_asset_get(cr->db, o->asset, &a, err)) < 0)
            return rc;
        cr->asset_id = a.id;
        report_meta(r, NULL, "asset", a.hostname);
        report_meta(r, NULL, "asset status", a.status);
        snprintf(cr->asset_status, sizeof(cr->asset_status), "%s", a.status ? a.status : "");
        casedb_asset_release(&a);
    }
    if (o->evidence) {
        struct casedb_evidence e;
        uint64_t id;
        memset(&e, 0, sizeof(e));
        if (cli_parse_u64(o->evidence, &id) == 0)
            rc = casedb_evidence_get_by_id(cr->db, (int64_t)id, &e, err);
        else
            rc = casedb_evidence_resolve(cr->db, o->asset, o->evidence, &e, err);
        if (rc < 0)
            return rc;
        evidence_id = e.id;
        report_meta(r, NULL, "evidence", e.label);
        casedb_evidence_release(&e);
    }
    if ((rc = casedb_vacq_list(cr->db, cr->asset_id, evidence_id, &cr->acq, &cr->n_acq, err)) < 0)
        return rc;
    cr->acq_failed = calloc(cr->n_acq + 1, sizeof(int));
    cr->acq_checked = calloc(cr->n_acq + 1, sizeof(int));
    if (!cr->acq_failed || !cr->acq_checked)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    if (cr->n_acq == 0)
        report_add(r, "case database", "acquisitions", CHECK_FAIL, NULL,
                   "no acquisition is recorded for %s%s", o->asset ? "asset " : "",
                   o->asset ? o->asset : "this scope");
    if (cr->readonly)
        return 0;
    return casedb_run_begin(cr->db, "custody-verify", o->argc, o->argv, &cr->run_id, err);
}

/* Record the verification: one summary row and one per acquisition; with a key, a
 * signed 'verified' entry per evidence item. */
static int
case_record(struct report *r, struct case_run *cr, const char *kind, struct custody_err *err)
{
    struct strbuf json = STRBUF_INIT;
    struct casedb_verification v;
    int rc;

    report_finish(r);
    if (cr->readonly)
        return 0;
    report_json(&json, r);
    if ((rc = casedb_begin(cr->db, err)) < 0)
        goto out;
    memset(&v, 0, sizeof(v));
    v.asset_id = cr->asset_id;
    v.run_id = cr->run_id;
    v.kind = kind;
    v.verifier_key_id = cr->key_id[0] ? cr->key_id : NULL;
    v.started_at = r->started_at;
    v.ended_at = custody_now_ns();
    v.verdict = r->exit_code == 0 ? "pass" : "fail";
    v.report = json.buf;
    if ((rc = casedb_verification_add(cr->db, &v, NULL, err)) < 0)
        goto fail;
    for (size_t i = 0; i < cr->n_acq; i++) {
        v.acquisition_id = cr->acq[i].id;
        v.asset_id = cr->acq[i].asset_id;
        v.verdict = cr->acq_failed[i] ? "fail" : cr->acq_checked[i] ? "pass" : "cannot-check";
        v.report = NULL;
        if ((rc = casedb_verification_add(cr->db, &v, NULL, err)) < 0)
            goto fail;
    }
    for (size_t i = 0; cr->key && i < cr->n_acq; i++) {
        int first = 1;
        for (size_t k = 0; k < i; k++)
            first &= cr->acq[k].evidence_id != cr->acq[i].evidence_id;
        if (!first)
            continue;
        struct strbuf details = STRBUF_INIT;
        int pass = 1;
        for (size_t k = 0; k < cr->n_acq; k++)
            if (cr->acq[k].evidence_id == cr->acq[i].evidence_id && cr->acq_failed[k])
                pass = 0;
        strbuf_addf(&details, "custody-verify %s: %s", kind, pass ? "pass" : "fail");
        struct custody_new e = {"verified",
                                cr->acq[i].hostname,
                                cr->acq[i].evidence_label,
                                NULL,
                                "verification",
                                details.buf,
                                NULL,
                                0};
        rc = custody_append(cr->db, &e, cr->key, NULL, err);
        strbuf_release(&details);
        if (rc < 0)
            goto fail;
    }
    /* a signed verification of a whole acquired asset that passed moves it on */
    if (cr->key && cr->asset_id && r->exit_code == 0 && !strcmp(cr->asset_status, "acquired") &&
        (rc = casedb_asset_set_status(cr->db, cr->asset_id, "verified", err)) < 0)
        goto fail;
    if ((rc = casedb_commit(cr->db, err)) < 0)
        goto fail;
    goto out;
fail:
    casedb_rollback(cr->db);
out:
    strbuf_release(&json);
    return rc;
}

static int
case_verify_all(struct report *r, struct case_run *cr, const struct case_options *o,
                struct custody_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < cr->n_acq && rc == 0; i++)
        rc = verify_acquisition(r, cr, i, o, err);
    if (rc == 0)
        rc = check_chain(r, cr, o, err);
    return rc;
}

int
verify_case(struct report *r, const struct case_options *o, struct custody_err *err)
{
    struct case_run cr;
    int rc;

    memset(&cr, 0, sizeof(cr));
    rc = case_open(r, &cr, o, err);
    if (rc == 0)
        rc = case_verify_all(r, &cr, o, err);
    if (rc == 0)
        rc = case_record(r, &cr, "case", err);
    if (cr.db && cr.run_id)
        casedb_run_end(cr.db, cr.run_id, rc < 0 ? EXIT_FAILED : r->exit_code, NULL);
    run_release(&cr);
    return rc;
}

/* The clearance conditions; each unmet one is a FAIL naming what is missing. */
static void
clearance_conditions(struct report *r, struct case_run *cr, struct custody_err *err)
{
    struct casedb_evidence *ev = NULL;
    size_t n_ev = 0;
    const struct casedb_examiner *me = examiner_by_key(cr, cr->key_id);

    if (!me)
        report_add(r, "clearance", "verifier key", CHECK_FAIL, NULL,
                   "key %s is not an examiner of this case (custody-casedb examiner add)",
                   cr->key_id);
    else if (me->revoked_at)
        report_add(r, "clearance", "verifier key", CHECK_FAIL, NULL, "key %s of '%s' is revoked",
                   cr->key_id, me->name);
    else
        report_add(r, "clearance", "verifier key", CHECK_PASS, NULL, "key %s of examiner '%s'",
                   cr->key_id, me->name);
    if (casedb_evidence_list(cr->db, cr->asset_id, &ev, &n_ev, err) < 0) {
        report_add(r, "clearance", "evidence", CHECK_FAIL, NULL, "cannot list evidence: %s",
                   err->msg);
        return;
    }
    if (n_ev == 0)
        report_add(r, "clearance", "evidence", CHECK_FAIL, NULL,
                   "the asset has no evidence items: nothing was acquired");
    for (size_t e = 0; e < n_ev; e++) {
        int good = 0, four_eyes_bad = 0;
        for (size_t i = 0; i < cr->n_acq; i++) {
            const struct casedb_vacq *a = &cr->acq[i];
            int status_ok;
            if (a->evidence_id != ev[e].id)
                continue;
            status_ok = a->status && (!strcmp(a->status, "complete") ||
                                      (!strcmp(a->status, "incomplete") && a->n_read_errors));
            if (!status_ok || cr->acq_failed[i] || !cr->acq_checked[i])
                continue;
            if (a->examiner_key_id && !strcmp(a->examiner_key_id, cr->key_id)) {
                four_eyes_bad = 1;
                continue;
            }
            good = 1;
        }
        if (good)
            report_add(r, "clearance", "evidence", CHECK_PASS, NULL,
                       "'%s': a complete acquisition verified by a second examiner", ev[e].label);
        else if (four_eyes_bad)
            report_add(r, "clearance", "four eyes", CHECK_FAIL, NULL,
                       "'%s': the verifier's key %s is the acquiring examiner's key; another "
                       "examiner must verify",
                       ev[e].label, cr->key_id);
        else
            report_add(r, "clearance", "evidence", CHECK_FAIL, NULL,
                       "'%s': no complete (or documented incomplete) acquisition that passed "
                       "every check",
                       ev[e].label);
    }
    casedb_evidence_list_free(ev, n_ev);
    if (!cr->chain_ok)
        report_add(r, "clearance", "custody chain", CHECK_FAIL, NULL,
                   "the custody chain is not intact");
}

int
verify_clearance(struct report *r, const struct case_options *o, struct custody_err *err)
{
    struct case_run cr;
    int rc;

    memset(&cr, 0, sizeof(cr));
    if (!o->asset || !o->key_path)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "clearance needs --asset and --key");
    rc = case_open(r, &cr, o, err);
    if (rc == 0)
        rc = case_verify_all(r, &cr, o, err);
    if (rc < 0)
        goto out;
    clearance_conditions(r, &cr, err);
    /* the verification first ('verified' entries), then the clearance on top of it */
    if ((rc = case_record(r, &cr, "clearance", err)) < 0)
        goto out;
    if (r->exit_code == 0) {
        struct custody_entry ent;
        struct custody_new e = {"cleared",
                                o->asset,
                                NULL,
                                NULL,
                                "decommission clearance",
                                "custody-verify clearance: every check passed",
                                NULL,
                                0};
        memset(&ent, 0, sizeof(ent));
        if ((rc = casedb_begin(cr.db, err)) < 0)
            goto out;
        rc = custody_append(cr.db, &e, cr.key, &ent, err);
        if (rc == 0)
            rc = casedb_asset_set_status(cr.db, cr.asset_id, "cleared", err);
        if (rc == 0)
            rc = casedb_commit(cr.db, err);
        if (rc < 0) {
            casedb_rollback(cr.db);
            goto out;
        }
        report_add(r, "clearance", "cleared", CHECK_PASS, "signed by the verifier's key",
                   "asset '%s' is cleared for decommissioning: custody entry %lld, signed by %s",
                   o->asset, (long long)ent.seq, cr.key_id);
        custody_entry_release(&ent);
    } else {
        report_add(r, "clearance", "cleared", CHECK_FAIL, NULL,
                   "asset '%s' is NOT cleared for decommissioning: see the failures above",
                   o->asset);
    }
out:
    if (cr.db && cr.run_id)
        casedb_run_end(cr.db, cr.run_id, rc < 0 ? EXIT_FAILED : r->exit_code, NULL);
    run_release(&cr);
    return rc;
}
