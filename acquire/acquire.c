/* custody-acquire's entry point: check the request, open the source, record the
 * acquisition as running, run the pipeline, finish or mark the image partial,
 * verify, write the manifest and the log, and record the outcome. */
#include "acquire.h"
#include "internal.h"
#include "record.h"

#include "acquisitions.h"
#include "casedb.h"
#include "custody.h"
#include "verifications.h"
#include "cli.h"
#include "deflate.h"
#include "ewf_layout.h"
#include "io.h"
#include "json.h"
#include "minisign.h"
#include "scan.h"
#include "sign.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const compression_names[] = {"none", "fast", "best"};

/* --resume re-reads this much of the source at the start and before the resume
 * point and compares it with the kept image. */
#define RESUME_WINDOW (UINT64_C(1) << 20)

void
acquire_opts_init(struct acquire_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->format = ACQUIRE_E01;
    o->compression = EWF_COMPRESSION_FAST;
    o->chunk_sectors = 64;
    o->retries = ACQUIRE_DEFAULT_RETRIES;
    o->verify_image = 1;
}

uint32_t
acquire_chunk_sectors(uint64_t media_size, uint32_t sector_size, uint32_t requested)
{
    return ewf_choose_sectors_per_chunk(media_size, sector_size, requested);
}

void
acquire_result_release(struct acquire_result *res)
{
    if (!res)
        return;
    free(res->read_errors);
    for (size_t i = 0; i < res->n_files; i++)
        free(res->files[i].name);
    free(res->files);
    free(res->manifest_path);
    free(res->log_path);
    free(res->signature_path);
    free(res->warnings);
    free(res->chunk_note);
    memset(res, 0, sizeof(*res));
}

int
acquire_exit_status(const struct acquire_result *res, int rc)
{
    if (rc < 0 || !res->status)
        return EXIT_FAILED;
    if (strcmp(res->status, "complete") != 0)
        return strcmp(res->status, "incomplete") == 0 ? EXIT_NOT_OK : EXIT_FAILED;
    if ((res->verify_image && !strcmp(res->verify_image, "fail")) ||
        (res->verify_source && !strcmp(res->verify_source, "fail")))
        return EXIT_NOT_OK;
    return EXIT_CHECKED_OUT;
}

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Hash the media again from the image (its segment files or the raw files) or the
 * source. An E01 set is read back through common/ewf_layout.c and scan.c, not
 * libewf: they keep one descriptor per table section where libewf 20140813's reader
 * builds whole-image chunk tables (over 8 GB for 67 M chunks), and every chunk's
 * checksum (Adler-32, or the zlib stream's) is checked on the way. A structural
 * problem or a damaged chunk fails the verification with the reason in err. */
static int
rehash_ewf(char hex[HASH_COUNT][HASH_HEX_MAX], char **segments, size_t n, uint64_t *size,
           char stored[2][HASH_HEX_MAX], struct custody_err *err)
{
    struct ewf_layout *l = NULL;
    struct scan_result s;
    struct scan_options so = {0};
    int rc;

    memset(&s, 0, sizeof(s));
    if (n == 0 || n > INT_MAX)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no image files to read back");
    if ((rc = ewf_layout_open_files(&l, (const char *const *)segments, (int)n, err)) < 0)
        return rc;
    if (l->n_problems > 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "%s%s", l->problems[0],
                             l->n_problems > 1 ? " (and more problems)" : "");
        goto out;
    }
    if (!l->data_complete || l->logical) {
        rc =
            custody_err_set(err, CUSTODY_ERR_FORMAT, "not every chunk of the image can be located");
        goto out;
    }
    if ((rc = scan_ewf(&s, l, &so, err)) < 0)
        goto out;
    if (s.bad_count > 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "%llu damaged chunk(s), the first chunk %llu (sectors %llu+%llu): %s",
                             (unsigned long long)s.bad_count, (unsigned long long)s.bad[0].chunk,
                             (unsigned long long)s.bad[0].first_sector,
                             (unsigned long long)s.bad[0].sectors, s.bad[0].reason);
        goto out;
    }
    memcpy(hex, s.computed, sizeof(s.computed));
    *size = s.bytes;
    snprintf(stored[0], HASH_HEX_MAX, "%s", l->stored[HASH_MD5]);
    snprintf(stored[1], HASH_HEX_MAX, "%s", l->stored[HASH_SHA1]);
out:
    scan_result_release(&s);
    ewf_layout_free(l);
    return rc;
}

/* The raw files one after the other, read with O_DIRECT where aligned: they were
 * written around the page cache, so this reads what is on the disk. */
struct files_read_ctx {
    char **paths;
    size_t n, cur;
    struct io_seq_reader r;
};

static ssize_t
files_read_cb(void *ctx, uint8_t *buf, size_t len, uint64_t offset, struct custody_err *err)
{
    struct files_read_ctx *c = ctx;

    (void)offset;
    if (custody_interrupted)
        return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
    while (c->cur < c->n) {
        if (c->r.fd < 0) {
            int rc = io_seq_open(&c->r, c->paths[c->cur], err);
            if (rc < 0)
                return rc;
        }
        ssize_t n = io_seq_read(&c->r, buf, len);
        if (n < 0)
            return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'",
                                     c->paths[c->cur]);
        if (n > 0)
            return n;
        io_seq_close(&c->r);
        c->cur++;
    }
    return 0;
}

static int
rehash_files(char hex[HASH_COUNT][HASH_HEX_MAX], char **paths, size_t n, uint64_t *size,
             struct custody_err *err)
{
    struct files_read_ctx c = {paths, n, 0, {-1, -1, 0}};
    int rc = rehash_stream(hex, HASH_F_ALL, files_read_cb, &c, size, err);

    io_seq_close(&c.r);
    return rc;
}

static int
hashes_equal(const char a[HASH_COUNT][HASH_HEX_MAX], const char b[HASH_COUNT][HASH_HEX_MAX])
{
    for (int i = 0; i < HASH_COUNT; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

struct run {
    const struct acquire_opts *o;
    struct acquire_result *res;
    struct acquire_source src;
    struct acquire_sink *sink;
    struct range_list bad;
    struct acq_log log;
    struct strbuf warnings;
    struct casedb *db;
    int64_t run_id, acq_id;
    int64_t asset_id;
    int64_t started_at, ended_at;
    uint64_t media_size; /* 0 unknown */
    uint32_t chunk_sectors;
    char uuid[CASEDB_UUID_LEN + 1];
    char case_uuid[CASEDB_UUID_LEN + 1];
    char *evidence_label;
    char **replaced;
    size_t n_replaced;
    struct sign_seckey *key; /* --key, NULL when unsigned */
    char key_id[MINISIGN_KEY_ID_HEX];
    struct strbuf signature; /* the .minisig text */
    char *case_number_db;    /* the case's number, when not given */
    struct resume_state *rs; /* --resume */
    struct resume_info ri;
    int64_t compared_sectors; /* --resume: source sectors compared with the kept image */
    char *resumed_note;       /* --resume: the manifest's "resumed" value */
};

static void warn(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct run *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    strbuf_addstr(&r->warnings, buf);
    strbuf_addch(&r->warnings, '\n');
    acq_log_line(&r->log, "WARNING: %s", buf);
}

static int
check_request(struct run *r, struct custody_err *err)
{
    const struct acquire_opts *o = r->o;
    uint32_t spc = o->chunk_sectors;

    if (!o->source || !*o->source)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no source given");
    if (!o->output || !*o->output)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no output given (--output BASE)");
    if (!manifest_file_name_ok(base_name(o->output)))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "output name '%s' cannot be listed in a manifest", o->output);
    if (spc == 0 || spc > 32768 || (spc & (spc - 1)) != 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "--chunk-sectors must be a power of two from 1 to 32768");
    if (o->case_db && !o->asset && !o->evidence && !o->resume)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "--case-db needs --asset HOST (and optionally --evidence LABEL)");
    if (o->resume && o->force)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "--resume keeps the partial image; --force would remove it");
    if ((o->asset || o->evidence) && !o->case_db)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "--asset and --evidence need --case-db");
    return 0;
}

/* Existing outputs: refuse, or with --force remove them and remember which. */
static int
check_outputs(struct run *r, struct custody_err *err)
{
    char **paths;
    size_t n;
    int rc = 0;

    {
        /* The output folder must exist and be writable before anything is recorded. */
        struct strbuf dir = STRBUF_INIT;
        const char *slash = strrchr(r->o->output, '/');
        if (slash)
            strbuf_add(&dir, r->o->output, (size_t)(slash - r->o->output) + 1);
        else
            strbuf_addstr(&dir, ".");
        if (access(dir.buf, W_OK | X_OK) < 0) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno,
                                   "cannot write in the output folder '%s'", dir.buf);
            strbuf_release(&dir);
            return rc;
        }
        strbuf_release(&dir);
    }
    outputs_existing(r->o, &paths, &n);
    if (n > 0 && !r->o->force) {
        size_t len = strlen(paths[0]);
        int partial = len > 8 && !strcmp(paths[0] + len - 8, ".partial");
        rc = custody_err_set(err, CUSTODY_ERR_EXISTS,
                             "output '%s' exists; refusing to overwrite it (%s)", paths[0],
                             partial ? "--resume continues that acquisition; --force replaces it"
                                     : "--force replaces the outputs of BASE");
        for (size_t i = 0; i < n; i++)
            free(paths[i]);
        free(paths);
        return rc;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (unlink(paths[i]) < 0)
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot remove '%s' (--force)",
                                   paths[i]);
    r->replaced = paths;
    r->n_replaced = n;
    return rc;
}

static int
db_begin_acquisition(struct run *r, struct custody_err *err)
{
    const struct acquire_opts *o = r->o;
    struct casedb_evidence ev = {0};
    struct casedb_case c = {0};
    struct casedb_examiner x = {0};
    struct casedb_acquisition a = {0};
    struct strbuf ident = STRBUF_INIT, cmd = STRBUF_INIT, libs = STRBUF_INIT;
    int rc;

    if ((rc = casedb_open(&r->db, o->case_db, 0, err)) < 0)
        return rc;
    if ((rc = casedb_get_case(r->db, &c, err)) < 0)
        goto out;
    snprintf(r->case_uuid, sizeof(r->case_uuid), "%s", c.uuid);
    if (!o->case_number && c.case_number && !(r->case_number_db = strdup(c.case_number))) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = casedb_run_begin(r->db, "custody-acquire", o->argc, o->argv, &r->run_id, err)) < 0)
        goto out;
    if ((rc = casedb_begin(r->db, err)) < 0)
        goto out;
    rc = casedb_evidence_ensure(r->db, o->asset, r->evidence_label, "custody-acquire", &ev, NULL,
                                err);
    if (rc == 0) {
        struct casedb_evidence id = ev;
        id.size = r->src.size_known ? (int64_t)r->src.size : -1;
        id.sector_size = r->src.sector_size;
        id.physical_sector_size =
            r->src.physical_sector_size ? (int64_t)r->src.physical_sector_size : -1;
        id.vendor = r->src.vendor;
        id.model = r->src.model;
        id.serial = r->src.serial;
        rc = casedb_evidence_update_identity(r->db, &id, err);
    }
    if (rc == 0 && r->key) {
        /* The signer must be an examiner of the case whose key is not revoked: the
         * custody entry for this acquisition is signed with it. */
        rc = casedb_examiner_by_key_id(r->db, r->key_id, &x, err);
        if (rc == CUSTODY_ERR_NOTFOUND)
            rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                 "key %s is not an examiner of the case in '%s' (custody-casedb "
                                 "examiner add --pub)",
                                 r->key_id, o->case_db);
        else if (rc == 0 && x.revoked_at != 0)
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "key %s was revoked", r->key_id);
        if (rc == 0)
            a.examiner_id = x.id;
    } else if (rc == 0 && o->examiner &&
               casedb_examiner_by_name(r->db, o->examiner, &x, NULL) == 0) {
        a.examiner_id = x.id;
    }
    if (rc == 0) {
        source_identity_json(&r->src, &ident);
        cli_argv_string(&cmd, o->argc, o->argv);
        cli_versions_json(&libs, casedb_sqlite_version());
        a.uuid = r->uuid;
        a.evidence_id = ev.id;
        a.run_id = r->run_id;
        a.format = o->format == ACQUIRE_E01 ? "e01" : "raw";
        a.source = o->source;
        a.source_identity = ident.buf;
        a.output_base = o->output;
        a.media_size = r->media_size ? (int64_t)r->media_size : -1;
        a.sector_size = r->src.sector_size;
        a.compression = o->format == ACQUIRE_E01 ? compression_names[o->compression] : NULL;
        a.segment_size = (int64_t)o->segment_size;
        a.chunk_sectors = r->chunk_sectors;
        a.case_number = o->case_number ? o->case_number : r->case_number_db;
        a.evidence_number = o->evidence_number;
        a.description = o->description;
        a.notes = o->notes;
        a.examiner_name = o->examiner;
        a.tool_version = "custody-acquire " CUSTODY_VERSION;
        a.library_versions = libs.buf;
        a.command_line = cmd.buf;
        a.started_at = r->started_at;
        rc = casedb_acquisition_begin(r->db, &a, &r->acq_id, err);
    }
    r->asset_id = ev.asset_id;
    if (rc == 0)
        rc = casedb_commit(r->db, err);
    else
        casedb_rollback(r->db);
out:
    casedb_evidence_release(&ev);
    casedb_case_release(&c);
    casedb_examiner_release(&x);
    strbuf_release(&ident);
    strbuf_release(&cmd);
    strbuf_release(&libs);
    return rc;
}

static void
log_start(struct run *r)
{
    const struct acquire_opts *o = r->o;
    struct strbuf sb = STRBUF_INIT;
    static const char *const kinds[] = {"file", "block device", "stream",
                                        "remote (custody-acquire --send)"};

    acq_log_line(&r->log, "custody-acquire %s: acquisition %s started", CUSTODY_VERSION, r->uuid);
    cli_argv_string(&sb, o->argc, o->argv);
    acq_log_kv(&r->log, "command line", sb.buf);
    strbuf_reset(&sb);
    cli_versions(&sb, "custody-acquire", casedb_sqlite_version());
    for (char *p = sb.buf, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        acq_log_kv(&r->log, "version", p);
    }
    acq_log_kv(&r->log, "deflate",
               chunk_deflate_library(o->compression == EWF_COMPRESSION_BEST ? DEFLATE_BEST
                                                                            : DEFLATE_FAST));
    acq_log_kv(&r->log, "case number", o->case_number);
    acq_log_kv(&r->log, "case uuid", r->case_uuid[0] ? r->case_uuid : NULL);
    acq_log_kv(&r->log, "evidence number", o->evidence_number);
    acq_log_kv(&r->log, "examiner", o->examiner);
    acq_log_kv(&r->log, "description", o->description);
    acq_log_kv(&r->log, "notes", o->notes);
    acq_log_kv(&r->log, "asset", o->asset);
    acq_log_kv(&r->log, "evidence", o->case_db ? r->evidence_label : NULL);
    acq_log_kv(&r->log, "source", o->source);
    acq_log_kv(&r->log, "source type", kinds[r->src.kind]);
    if (r->src.kind == SOURCE_REMOTE) {
        const char *rpath = NULL, *h[HASH_COUNT];
        remote_result(&r->src, &rpath, &h);
        acq_log_kv(&r->log, "remote source", rpath);
    }
    acq_log_kv(&r->log, "vendor", r->src.vendor);
    acq_log_kv(&r->log, "model", r->src.model);
    acq_log_kv(&r->log, "serial", r->src.serial);
    strbuf_reset(&sb);
    if (r->src.size_known)
        strbuf_addf(&sb, "%llu bytes", (unsigned long long)r->src.size);
    else
        strbuf_addstr(&sb, "unknown (stream)");
    acq_log_kv(&r->log, "source size", sb.buf);
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%u bytes logical, %u physical", r->src.sector_size,
                r->src.physical_sector_size);
    acq_log_kv(&r->log, "sector size", sb.buf);
    acq_log_kv(&r->log, "direct I/O", r->src.direct ? "yes (O_DIRECT)" : "no");
    acq_log_kv(&r->log, "kernel read-only", r->src.readonly_set ? "set (BLKROSET)" : "not set");
    acq_log_kv(&r->log, "output", o->output);
    acq_log_kv(&r->log, "format", o->format == ACQUIRE_E01 ? "e01 (EnCase 6)" : "raw");
    if (o->format == ACQUIRE_E01)
        acq_log_kv(&r->log, "compression", compression_names[o->compression]);
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%u sectors (%u bytes)", r->chunk_sectors,
                r->chunk_sectors * r->src.sector_size);
    acq_log_kv(&r->log, "chunk", sb.buf);
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%llu bytes", (unsigned long long)o->segment_size);
    acq_log_kv(&r->log, "segment size",
               o->format == ACQUIRE_RAW && !o->segment_size_set ? "unsplit" : sb.buf);
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%u", o->retries);
    acq_log_kv(&r->log, "retries", sb.buf);
    for (size_t i = 0; i < r->n_replaced; i++)
        acq_log_kv(&r->log, "replaced (--force)", r->replaced[i]);
    strbuf_release(&sb);
}

/* Output files: names beside the manifest, sizes and SHA-256. Split raw files were
 * hashed as they were written; an unsplit raw file holds exactly the media, so its
 * SHA-256 is the media's (known_sha256); the read-back verification then checks the
 * files against the media hashes. E01 segments (libewf goes back to patch them) are
 * read again. */
/* E01 segments to hash, shared by a few threads: each takes the next file, so the
 * segments of a multi-segment image are read and hashed side by side (each file with
 * its reader and its SHA-256 thread, rehash_file_sha256). */
struct file_pool {
    pthread_mutex_t mu;
    char **paths;
    size_t n, next;
    const int *need;
    char (*hex)[HASH_HEX_MAX];
    uint64_t *size;
    int *rc;
    struct custody_err *errs;
};

static void *
file_pool_main(void *arg)
{
    struct file_pool *fp = arg;

    for (;;) {
        pthread_mutex_lock(&fp->mu);
        while (fp->next < fp->n && !fp->need[fp->next])
            fp->next++;
        size_t i = fp->next < fp->n ? fp->next++ : fp->n;
        pthread_mutex_unlock(&fp->mu);
        if (i >= fp->n)
            break;
        fp->rc[i] = rehash_file_sha256(fp->hex[i], fp->paths[i], &fp->size[i], &fp->errs[i]);
    }
    return NULL;
}

#define FILE_POOL_MAX 8

static int
list_files(struct run *r, char **paths, size_t n, const char *known_sha256, struct custody_err *err)
{
    struct acquire_result *res = r->res;
    struct file_pool fp = {.paths = paths, .n = n};
    int *need = calloc(n ? n : 1, sizeof(*need));
    char(*hex)[HASH_HEX_MAX] = calloc(n ? n : 1, sizeof(*hex));
    uint64_t *size = calloc(n ? n : 1, sizeof(*size));
    int *rcs = calloc(n ? n : 1, sizeof(*rcs));
    struct custody_err *errs = calloc(n ? n : 1, sizeof(*errs));
    pthread_t threads[FILE_POOL_MAX];
    size_t n_need = 0, started = 0;
    int rc = 0;

    res->files = calloc(n ? n : 1, sizeof(*res->files));
    if (!res->files || !need || !hex || !size || !rcs || !errs) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (r->sink && sink_file_sha256(r->sink, i, hex[i], &size[i]) && stat(paths[i], &sb) == 0 &&
            (uint64_t)sb.st_size == size[i]) {
            /* computed while writing */
        } else if (known_sha256 && n == 1 && stat(paths[i], &sb) == 0 &&
                   (uint64_t)sb.st_size == res->media_size) {
            size[i] = (uint64_t)sb.st_size;
            snprintf(hex[i], HASH_HEX_MAX, "%s", known_sha256);
        } else if (custody_interrupted) {
            /* Interrupted: the files are still listed with their SHA-256 (whatever
             * the interrupt flag says), so that --resume can check them. */
            char all[HASH_COUNT][HASH_HEX_MAX];
            rcs[i] = hash_file(all, paths[i], HASH_F_SHA256, &size[i], &errs[i]);
            memcpy(hex[i], all[HASH_SHA256], HASH_HEX_MAX);
        } else {
            need[i] = 1;
            n_need++;
        }
    }
    if (n_need > 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t want = cpus > 1 ? (size_t)cpus : 1;
        if (want > n_need)
            want = n_need;
        if (want > FILE_POOL_MAX)
            want = FILE_POOL_MAX;
        pthread_mutex_init(&fp.mu, NULL);
        fp.need = need;
        fp.hex = hex;
        fp.size = size;
        fp.rc = rcs;
        fp.errs = errs;
        for (; started + 1 < want; started++) {
            if (pthread_create(&threads[started], NULL, file_pool_main, &fp) != 0)
                break;
            pthread_setname_np(threads[started], "acq-files");
        }
        file_pool_main(&fp);
        for (size_t t = 0; t < started; t++)
            pthread_join(threads[t], NULL);
        pthread_mutex_destroy(&fp.mu);
    }
    /* In order, up to the first file that could not be hashed. */
    for (size_t i = 0; i < n; i++) {
        if (rcs[i] < 0) {
            *err = errs[i];
            rc = rcs[i];
            break;
        }
        res->files[i].name = strdup(base_name(paths[i]));
        if (!res->files[i].name) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            break;
        }
        res->files[i].size = size[i];
        memcpy(res->files[i].sha256, hex[i], HASH_HEX_MAX);
        res->n_files++;
    }
out:
    free(need);
    free(hex);
    free(size);
    free(rcs);
    free(errs);
    return rc;
}

/* list_files on its own thread, while the image is read back. */
struct files_job {
    struct run *r;
    char **paths;
    size_t n;
    const char *known_sha256;
    int rc;
    struct custody_err err;
};

static void *
files_job_main(void *arg)
{
    struct files_job *j = arg;

    j->rc = list_files(j->r, j->paths, j->n, j->known_sha256, &j->err);
    return NULL;
}

/* A run that failed or was interrupted: its files are renamed NAME.partial, so no
 * one mistakes them for a finished image. */
static void
mark_partial(struct run *r, char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct strbuf to = STRBUF_INIT;
        strbuf_addf(&to, "%s.partial", paths[i]);
        if (rename(paths[i], to.buf) == 0) {
            free(paths[i]);
            paths[i] = strbuf_detach(&to, NULL);
        } else {
            warn(r, "cannot rename '%s' to '%s': %s", paths[i], to.buf, strerror(errno));
            strbuf_release(&to);
        }
    }
}

static void
verify(struct run *r, char **paths, size_t n)
{
    struct acquire_result *res = r->res;
    const struct acquire_opts *o = r->o;
    struct custody_err verr = {0};
    char hex[HASH_COUNT][HASH_HEX_MAX], stored[2][HASH_HEX_MAX];
    uint64_t size = 0;
    int rc;

    res->verify_image = "skipped";
    res->verify_source = "skipped";
    if (o->verify_image) {
        if (o->format == ACQUIRE_E01)
            rc = rehash_ewf(hex, paths, n, &size, stored, &verr);
        else
            rc = rehash_files(hex, paths, n, &size, &verr);
        if (rc < 0) {
            res->verify_image = "fail";
            acq_log_line(&r->log, "verification of the image FAILED: %s", verr.msg);
        } else {
            int ok = hashes_equal(hex, (const char(*)[HASH_HEX_MAX])res->hash) &&
                     size == res->media_size;
            if (o->format == ACQUIRE_E01)
                ok = ok && !strcmp(stored[0], res->hash[HASH_MD5]) &&
                     !strcmp(stored[1], res->hash[HASH_SHA1]);
            res->verify_image = ok ? "pass" : "fail";
            acq_log_line(&r->log, "verification of the image (read back, %llu bytes): %s",
                         (unsigned long long)size, ok ? "PASS" : "FAIL");
            acq_log_kv(&r->log, "MD5", hex[HASH_MD5]);
            acq_log_kv(&r->log, "SHA-1", hex[HASH_SHA1]);
            acq_log_kv(&r->log, "SHA-256", hex[HASH_SHA256]);
        }
    }
    if (r->src.kind == SOURCE_REMOTE) {
        /* The sender hashed what it read; we hashed what arrived. */
        const char *rpath = NULL, *h[HASH_COUNT];
        int ok = remote_result(&r->src, &rpath, &h);
        for (int i = 0; ok && i < HASH_COUNT; i++)
            ok = !strcmp(h[i], res->hash[i]);
        res->verify_source = ok ? "pass" : "fail";
        acq_log_line(&r->log, "hashes computed by the sender: %s",
                     ok ? "EQUAL (PASS)" : "DIFFERENT (FAIL)");
        if (h[0]) {
            acq_log_kv(&r->log, "sender MD5", h[HASH_MD5]);
            acq_log_kv(&r->log, "sender SHA-1", h[HASH_SHA1]);
            acq_log_kv(&r->log, "sender SHA-256", h[HASH_SHA256]);
        }
    } else if (o->verify_source) {
        if (r->src.kind == SOURCE_STREAM) {
            acq_log_line(&r->log, "verification of the source: skipped (a stream cannot be "
                                  "read twice)");
        } else {
            char *sp[1] = {(char *)o->source};
            rc = rehash_files(hex, sp, 1, &size, &verr);
            if (rc < 0) {
                res->verify_source = "fail";
                acq_log_line(&r->log, "verification of the source FAILED: %s", verr.msg);
            } else {
                /* With unreadable sectors the second read cannot match: that is a
                 * finding (the disk is failing), reported as such. */
                int ok = hashes_equal(hex, (const char(*)[HASH_HEX_MAX])res->hash);
                res->verify_source = ok ? "pass" : "fail";
                acq_log_line(&r->log, "verification of the source (re-read): %s",
                             ok ? "PASS" : "FAIL");
            }
        }
    }
}

static int
write_manifest(struct run *r, struct strbuf *text, struct custody_err *err)
{
    const struct acquire_opts *o = r->o;
    struct acquire_result *res = r->res;
    static const char *const kinds[] = {"file", "block-device", "stream", "remote"};
    struct manifest m;
    struct strbuf cmd = STRBUF_INIT, libs = STRBUF_INIT, tool = STRBUF_INIT;
    int rc;

    memset(&m, 0, sizeof(m));
    cli_argv_string(&cmd, o->argc, o->argv);
    cli_versions(&libs, "custody-acquire", casedb_sqlite_version());
    /* One line: "custody-acquire 0.1.0; libewf 20140813; ..." */
    for (size_t i = 0; i < libs.len; i++)
        if (libs.buf[i] == '\n')
            libs.buf[i] = i + 1 < libs.len ? ';' : '\0';
    strbuf_setlen(&libs, strlen(libs.buf));
    {
        struct strbuf fixed = STRBUF_INIT;
        for (size_t i = 0; i < libs.len; i++) {
            strbuf_addch(&fixed, libs.buf[i]);
            if (libs.buf[i] == ';')
                strbuf_addch(&fixed, ' ');
        }
        strbuf_release(&libs);
        libs = fixed;
    }
    strbuf_addstr(&tool, "custody-acquire " CUSTODY_VERSION);
    m.acquisition_uuid = r->uuid;
    m.case_uuid = r->case_uuid[0] ? r->case_uuid : NULL;
    m.case_number = (char *)o->case_number;
    m.asset = (char *)o->asset;
    m.evidence = o->case_db ? r->evidence_label : NULL;
    m.evidence_number = (char *)o->evidence_number;
    m.description = (char *)o->description;
    m.notes = (char *)o->notes;
    m.source = (char *)o->source;
    if (r->src.kind == SOURCE_REMOTE) {
        const char *rpath = NULL, *h[HASH_COUNT];
        remote_result(&r->src, &rpath, &h);
        if (rpath)
            m.source = (char *)rpath;
    }
    m.source_type = (char *)kinds[r->src.kind];
    m.device_vendor = r->src.vendor;
    m.device_model = r->src.model;
    m.device_serial = r->src.serial;
    m.media_size = res->media_size;
    m.sector_size = r->src.sector_size;
    m.physical_sector_size = r->src.physical_sector_size;
    m.format = o->format == ACQUIRE_E01 ? "e01" : "raw";
    m.compression = o->format == ACQUIRE_E01 ? (char *)compression_names[o->compression] : "none";
    m.segment_size = o->format == ACQUIRE_RAW && !o->segment_size_set ? 0 : o->segment_size;
    m.chunk_sectors = r->chunk_sectors;
    m.chunk_note = res->chunk_note;
    memcpy(m.md5, res->hash[HASH_MD5], HASH_HEX_MAX);
    memcpy(m.sha1, res->hash[HASH_SHA1], HASH_HEX_MAX);
    memcpy(m.sha256, res->hash[HASH_SHA256], HASH_HEX_MAX);
    m.started_at = r->started_at;
    m.ended_at = r->ended_at;
    m.status = (char *)res->status;
    m.resumed = r->resumed_note;
    m.read_errors = res->read_errors;
    m.n_read_errors = res->n_read_errors;
    m.verify_image = (char *)(res->verify_image ? res->verify_image : "skipped");
    m.verify_source = (char *)(res->verify_source ? res->verify_source : "skipped");
    m.tool_version = tool.buf;
    m.library_versions = libs.buf;
    m.command_line = cmd.buf;
    m.examiner = (char *)o->examiner;
    m.key_id = r->key ? r->key_id : NULL;
    m.files = res->files;
    m.n_files = res->n_files;
    manifest_format(text, &m);
    rc = io_write_file_atomic(res->manifest_path, text->buf, text->len, 0444, 0, err);
    if (rc == 0 && r->key) {
        struct strbuf tc = STRBUF_INIT, path = STRBUF_INIT;
        manifest_trusted_comment(&tc, &m);
        rc = sign_minisig(&r->signature, r->key, text->buf, text->len, tc.buf, err);
        strbuf_addf(&path, "%s.minisig", res->manifest_path);
        if (rc == 0)
            rc = io_write_file_atomic(path.buf, r->signature.buf, r->signature.len, 0444, 0, err);
        if (rc == 0)
            res->signature_path = strbuf_detach(&path, NULL);
        strbuf_release(&tc);
        strbuf_release(&path);
    }
    strbuf_release(&cmd);
    strbuf_release(&libs);
    strbuf_release(&tool);
    return rc;
}

/* --resume: the acquisition row of the interrupted run runs again (same uuid: one
 * evidence item, one image, one set of hashes), after checking that the database
 * recorded exactly the manifest found beside the partial image. The checks and what
 * was kept are recorded as a 'resume' verification of that acquisition. */
static int
db_resume_acquisition(struct run *r, struct custody_err *err)
{
    const struct acquire_opts *o = r->o;
    const struct manifest *m = resume_manifest(r->rs);
    struct casedb_case c = {0};
    struct casedb_acquisition_state a = {0};
    struct casedb_verification v = {0};
    struct strbuf report = STRBUF_INIT;
    struct json_writer w;
    int rc;

    if ((rc = casedb_open(&r->db, o->case_db, 0, err)) < 0)
        return rc;
    if ((rc = casedb_get_case(r->db, &c, err)) < 0)
        goto out;
    snprintf(r->case_uuid, sizeof(r->case_uuid), "%s", c.uuid);
    if (!m->case_uuid || strcmp(m->case_uuid, c.uuid) != 0) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "the interrupted acquisition belongs to case %s, not to '%s' (%s)",
                             m->case_uuid ? m->case_uuid : "(none)", o->case_db, c.uuid);
        goto out;
    }
    if ((rc = casedb_acquisition_get(r->db, r->uuid, &a, err)) < 0)
        goto out;
    if (strcmp(a.status, "interrupted") != 0 && strcmp(a.status, "failed") != 0) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "acquisition %s is '%s' in the case database: only an interrupted "
                             "or failed one can be resumed",
                             r->uuid, a.status);
        goto out;
    }
    if (!a.manifest || strlen(a.manifest) != r->ri.manifest_len ||
        memcmp(a.manifest, r->ri.manifest_text, r->ri.manifest_len) != 0) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "'%s.manifest' is not the manifest the case database recorded for "
                             "acquisition %s: refusing to resume",
                             o->output, r->uuid);
        goto out;
    }
    if (r->key) {
        /* As for a new acquisition: the signer is an examiner of the case, not revoked. */
        struct casedb_examiner x = {0};
        rc = casedb_examiner_by_key_id(r->db, r->key_id, &x, err);
        if (rc == CUSTODY_ERR_NOTFOUND)
            rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                 "key %s is not an examiner of the case in '%s'", r->key_id,
                                 o->case_db);
        else if (rc == 0 && x.revoked_at != 0)
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "key %s was revoked", r->key_id);
        casedb_examiner_release(&x);
        if (rc < 0)
            goto out;
    }
    if ((rc = casedb_run_begin(r->db, "custody-acquire", o->argc, o->argv, &r->run_id, err)) < 0)
        goto out;
    if ((rc = casedb_acquisition_resume(r->db, a.id, err)) < 0)
        goto out;
    r->acq_id = a.id;
    r->asset_id = a.asset_id;
    json_init(&w, &report, 0);
    json_begin_object(&w);
    json_kv_str(&w, "previous_status", m->status);
    json_kv_str(&w, "previous_manifest_sha256", r->ri.manifest_sha256);
    json_kv_uint(&w, "kept_bytes", r->ri.kept);
    json_kv_uint(&w, "kept_chunks", r->ri.chunks);
    json_kv_uint(&w, "dropped_incomplete_chunk_bytes", r->ri.torn);
    json_kv_int(&w, "source_sectors_compared", r->compared_sectors);
    json_key(&w, "partial_files");
    json_begin_array(&w);
    for (size_t i = 0; i < m->n_files; i++) {
        json_begin_object(&w);
        json_kv_bytes(&w, "name", m->files[i].name, strlen(m->files[i].name));
        json_kv_uint(&w, "size", m->files[i].size);
        json_kv_str(&w, "sha256", m->files[i].sha256);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    v.acquisition_id = a.id;
    v.asset_id = a.asset_id;
    v.run_id = r->run_id;
    v.kind = "resume";
    v.started_at = v.ended_at = custody_now_ns();
    v.verdict = "pass";
    v.report = report.buf;
    rc = casedb_verification_add(r->db, &v, NULL, err);
out:
    casedb_case_release(&c);
    casedb_acquisition_state_release(&a);
    strbuf_release(&report);
    return rc;
}

/* --resume takes what defines the image from the interrupted run's manifest: format,
 * compression, chunk and segment size, case metadata, asset and evidence. */
static int
resume_options(struct acquire_opts *eff, const struct manifest *m, struct strbuf *warnings,
               struct custody_err *err)
{
    const char **mine[] = {&eff->case_number, &eff->evidence_number, &eff->examiner,
                           &eff->description, &eff->notes};
    const char *theirs[] = {m->case_number, m->evidence_number, m->examiner, m->description,
                            m->notes};
    static const char *const names[] = {"--case-number", "--evidence-number", "--examiner",
                                        "--description", "--notes"};

    if (m->asset && !eff->case_db)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the interrupted acquisition was recorded in a case database (case "
                               "%s): give --case-db",
                               m->case_uuid ? m->case_uuid : "?");
    if (!m->asset && eff->case_db)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the interrupted acquisition was not recorded in a case database; "
                               "resume it without --case-db");
    if ((eff->asset && m->asset && strcmp(eff->asset, m->asset) != 0) ||
        (eff->evidence && m->evidence && strcmp(eff->evidence, m->evidence) != 0))
        return custody_err_set(
            err, CUSTODY_ERR_USAGE,
            "--asset/--evidence differ from the interrupted acquisition's (%s/%s)", m->asset,
            m->evidence ? m->evidence : "");
    eff->asset = m->asset;
    eff->evidence = m->evidence;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*mine[i] && (!theirs[i] || strcmp(*mine[i], theirs[i]) != 0)) {
            strbuf_addf(warnings,
                        "%s is ignored: a resumed acquisition keeps the interrupted one's value\n",
                        names[i]);
        }
        *mine[i] = theirs[i];
    }
    eff->format = !strcmp(m->format, "raw") ? ACQUIRE_RAW : ACQUIRE_E01;
    eff->compression = EWF_COMPRESSION_NONE;
    if (m->compression && !strcmp(m->compression, "fast"))
        eff->compression = EWF_COMPRESSION_FAST;
    else if (m->compression && !strcmp(m->compression, "best"))
        eff->compression = EWF_COMPRESSION_BEST;
    eff->chunk_sectors = m->chunk_sectors;
    eff->segment_size = m->segment_size;
    eff->segment_size_set = eff->format == ACQUIRE_E01 || m->segment_size != 0;
    return 0;
}

/* --resume, once everything checked out and the database row is running again: the
 * interrupted run's log and manifest give way to this run's (the log is copied into
 * the new one, the manifest's text is in the database and its SHA-256 in the new
 * manifest); the kept bytes and their unreadable ranges are taken over. */
static int
resume_begin(struct run *r, struct custody_err *err)
{
    const struct manifest *m = resume_manifest(r->rs);
    static const char *const old[] = {".log", ".manifest", ".manifest.minisig"};
    struct strbuf path = STRBUF_INIT, note = STRBUF_INIT;
    int rc = 0;

    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]) && rc == 0; i++) {
        strbuf_reset(&path);
        strbuf_addf(&path, "%s%s", r->o->output, old[i]);
        if (unlink(path.buf) < 0 && errno != ENOENT)
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot remove '%s'", path.buf);
    }
    r->src.resume = r->rs;
    r->src.resume_bytes = r->ri.kept;
    {
        struct range_list kept = {0};
        uint64_t end = r->ri.kept / r->src.sector_size;
        for (size_t i = 0; i < m->n_read_errors; i++)
            range_list_add(&kept, m->read_errors[i].first_sector, m->read_errors[i].count);
        /* Only those before the resume point: the rest is read again. */
        for (size_t i = 0; i < kept.n; i++) {
            uint64_t a = kept.v[i].first_sector, n = kept.v[i].count;
            if (a >= end)
                break;
            range_list_add(&r->bad, a, a + n > end ? end - a : n);
        }
        range_list_free(&kept);
    }
    strbuf_addf(&note,
                "%llu bytes (%llu chunks) kept from the partial image of the run that "
                "ended %s at ",
                (unsigned long long)r->ri.kept, (unsigned long long)r->ri.chunks, m->status);
    custody_format_time(&note, m->ended_at);
    strbuf_addf(&note, " (its manifest SHA-256 %s), resumed at ", r->ri.manifest_sha256);
    custody_format_time(&note, custody_now_ns());
    r->resumed_note = strbuf_detach(&note, NULL);
    r->res->resumed = 1;
    r->res->resumed_bytes = r->ri.kept;
    strbuf_release(&path);
    return rc;
}

static void
log_resume(struct run *r)
{
    const struct manifest *m = resume_manifest(r->rs);

    acq_log_line(&r->log, "RESUMING acquisition %s, which ended %s; its log follows", r->uuid,
                 m->status);
    acq_log_text(&r->log, r->ri.log_text, r->ri.log_len);
    acq_log_line(&r->log, "end of the interrupted run's log; its manifest was:");
    acq_log_text(&r->log, r->ri.manifest_text, r->ri.manifest_len);
    acq_log_kv(&r->log, "manifest SHA-256", r->ri.manifest_sha256);
    for (size_t i = 0; i < m->n_files; i++)
        acq_log_line(&r->log, "partial file %s: %llu bytes, SHA-256 %s: as recorded",
                     m->files[i].name, (unsigned long long)m->files[i].size, m->files[i].sha256);
    if (m->format && !strcmp(m->format, "e01"))
        acq_log_line(&r->log, "partial image: %llu chunks read back, each checksum correct",
                     (unsigned long long)r->ri.chunks);
    if (r->ri.torn)
        acq_log_line(&r->log,
                     "partial image: %llu bytes of a chunk whose write was cut are dropped",
                     (unsigned long long)r->ri.torn);
    if (r->src.kind == SOURCE_FILE || r->src.kind == SOURCE_BLOCK)
        acq_log_line(&r->log,
                     "source: same size and identity; %lld sectors at the start and before the "
                     "resume point re-read and equal to the kept image",
                     (long long)r->compared_sectors);
    else
        acq_log_line(&r->log,
                     "source: same size and identity; the stream restarted from byte 0 and "
                     "its first %llu bytes were read and are equal to the kept image",
                     (unsigned long long)r->ri.kept);
    acq_log_line(&r->log,
                 "resuming at byte %llu: the kept bytes are read back from the partial "
                 "image and hashed and written again with the rest",
                 (unsigned long long)r->ri.kept);
}

/* --resume: the partial image is superseded once this run closed its own outputs
 * (before they may be renamed *.partial themselves). */
static void
resume_remove_partials(struct run *r, uint64_t bytes_done)
{
    for (size_t i = 0; i < r->ri.n_paths; i++) {
        if (unlink(r->ri.paths[i]) < 0 && errno != ENOENT)
            warn(r, "cannot remove the superseded partial file '%s': %s", r->ri.paths[i],
                 strerror(errno));
        else
            acq_log_line(&r->log, "superseded partial file removed: %s", r->ri.paths[i]);
    }
    if (bytes_done < r->ri.kept)
        warn(r,
             "this run stopped at byte %llu, before the %llu bytes kept from the earlier "
             "partial image: the rest of those must be read again",
             (unsigned long long)bytes_done, (unsigned long long)r->ri.kept);
}

static const char *
default_label(const char *source)
{
    if (!strcmp(source, "-"))
        return "stream";
    return base_name(source);
}

int
acquire_run(struct acquire_result *res, const struct acquire_opts *o, struct custody_err *err)
{
    struct run r;
    struct pipeline_stats st;
    struct strbuf path = STRBUF_INIT, manifest = STRBUF_INIT;
    char **paths = NULL;
    size_t npaths = 0;
    int rc, run_rc = 0;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.res = res;
    r.log.fd = -1;
    r.src.fd = -1;
    r.src.dfd = -1;
    strbuf_init(&r.warnings);
    strbuf_init(&r.signature);

    /* Everything that can be refused is refused before anything is created or recorded. */
    if ((rc = check_request(&r, err)) < 0)
        goto out;
    if ((rc = crypto_init(err)) < 0)
        goto out;
    if (o->key_path) {
        struct sign_pass_src pass = {o->passphrase_file, 0};
        struct minisign_pubkey pk;
        if ((rc = sign_seckey_read(&r.key, o->key_path, &pass, err)) < 0)
            goto out;
        sign_seckey_public(r.key, &pk);
        minisign_key_id_hex(r.key_id, pk.key_id);
        memcpy(res->key_id, r.key_id, sizeof(res->key_id));
    }
    if ((rc = source_open(&r.src, o->source, o->stream_size, o, &r.warnings, err)) < 0)
        goto out;
    struct acquire_opts resumed;
    if (o->resume) {
        /* Everything about the partial image is checked before anything changes. */
        if ((rc = resume_load(&r.rs, o, err)) < 0)
            goto out;
        resume_info(r.rs, &r.ri);
        if ((rc = resume_check_identity(r.rs, &r.src, err)) < 0)
            goto out;
        resumed = *o;
        if ((rc = resume_options(&resumed, resume_manifest(r.rs), &r.warnings, err)) < 0)
            goto out;
        r.o = o = &resumed;
        r.compared_sectors = resume_compare_source(r.rs, &r.src, RESUME_WINDOW, err);
        if (r.compared_sectors < 0) {
            rc = (int)r.compared_sectors;
            goto out;
        }
    }
    const char *label_from = o->source;
    if (r.src.kind == SOURCE_REMOTE) {
        const char *rpath = NULL, *h[HASH_COUNT];
        remote_result(&r.src, &rpath, &h);
        if (rpath)
            label_from = rpath;
    }
    r.evidence_label = strdup(o->evidence ? o->evidence : default_label(label_from));
    if (!r.evidence_label) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    r.media_size = r.src.size_known ? r.src.size : 0;
    int pad = 0;
    if (o->format == ACQUIRE_E01 && r.media_size % r.src.sector_size) {
        /* libewf counts whole sectors: the last partial sector is zero-filled. */
        pad = 1;
        r.media_size = (r.media_size / r.src.sector_size + 1) * r.src.sector_size;
    } else if (o->format == ACQUIRE_E01 && !r.src.size_known) {
        pad = 1;
    }
    r.chunk_sectors = o->chunk_sectors;
    if (o->format == ACQUIRE_E01 && r.media_size && r.rs &&
        ewf_chunk_count(r.media_size, r.src.sector_size, o->chunk_sectors) <= EWF_MAX_CHUNKS) {
        /* --resume keeps the interrupted run's chunk size (an older run may have
         * chosen it under libewf's limit alone). */
    } else if (o->format == ACQUIRE_E01 && r.media_size) {
        r.chunk_sectors = acquire_chunk_sectors(r.media_size, r.src.sector_size, o->chunk_sectors);
        if (r.chunk_sectors == 0) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "'%s' is too large for an E01 image",
                                 o->source);
            goto out;
        }
        if (r.chunk_sectors != o->chunk_sectors) {
            struct strbuf note = STRBUF_INIT;
            uint64_t n = ewf_chunk_count(r.media_size, r.src.sector_size, r.chunk_sectors);
            strbuf_addf(&note,
                        "%s of %u sectors raised to %u: %llu chunks would exceed the memory "
                        "budget of %llu chunks (libewf keeps about 8 bytes a chunk; peak RSS "
                        "<= 256 MiB)%s",
                        o->chunk_sectors_set ? "--chunk-sectors" : "the default chunk",
                        o->chunk_sectors, r.chunk_sectors,
                        (unsigned long long)ewf_chunk_count(r.media_size, r.src.sector_size,
                                                            o->chunk_sectors),
                        (unsigned long long)EWF_BUDGET_CHUNKS,
                        n > EWF_BUDGET_CHUNKS ? "; the media is too large even for the largest "
                                                "chunk, so memory will exceed that budget"
                                              : "");
            strbuf_addf(&r.warnings, "%s\n", note.buf);
            res->chunk_note = strbuf_detach(&note, NULL);
        }
    }
    uint64_t chunk_bytes = (uint64_t)r.chunk_sectors * r.src.sector_size;
    struct acquire_opts eff = *o;
    if (!o->segment_size_set)
        eff.segment_size = o->format == ACQUIRE_E01 ? ACQUIRE_DEFAULT_SEGMENT : 0;
    if ((o->format == ACQUIRE_E01 || o->segment_size_set) && eff.segment_size < chunk_bytes) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "segment size %llu is smaller than one chunk (%llu bytes)",
                             (unsigned long long)eff.segment_size, (unsigned long long)chunk_bytes);
        goto out;
    }
    if (o->format == ACQUIRE_E01 && eff.segment_size < (UINT64_C(1) << 20)) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "segment size %llu is below the E01 minimum of 1 MiB",
                             (unsigned long long)eff.segment_size);
        goto out;
    }
    r.o = o = &eff;
    if (r.rs) {
        const struct manifest *pm = resume_manifest(r.rs);
        if (r.chunk_sectors != pm->chunk_sectors) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "the interrupted acquisition used %u sectors a chunk where %u "
                                 "are needed",
                                 pm->chunk_sectors, r.chunk_sectors);
            goto out;
        }
        snprintf(r.uuid, sizeof(r.uuid), "%s", pm->acquisition_uuid);
        r.started_at = pm->started_at;
    } else {
        if ((rc = check_outputs(&r, err)) < 0)
            goto out;
        if ((rc = casedb_uuid_v4(r.uuid, err)) < 0)
            goto out;
        r.started_at = custody_now_ns();
    }
    memcpy(res->uuid, r.uuid, sizeof(r.uuid));
    if (o->case_db && r.rs && (rc = db_resume_acquisition(&r, err)) < 0)
        goto out_db;
    if (o->case_db && !r.rs && (rc = db_begin_acquisition(&r, err)) < 0)
        goto out_db;
    if (r.rs && (rc = resume_begin(&r, err)) < 0)
        goto record;
    res->acquisition_id = r.acq_id;
    if (!eff.case_number && r.case_number_db)
        eff.case_number = r.case_number_db;

    strbuf_addf(&path, "%s.log", o->output);
    res->log_path = strbuf_detach(&path, NULL);
    strbuf_addf(&path, "%s.manifest", o->output);
    res->manifest_path = strbuf_detach(&path, NULL);
    if ((rc = acq_log_open(&r.log, res->log_path, err)) < 0)
        goto record;
    log_start(&r);
    if (r.warnings.len) {
        /* Warnings from opening the source, before the log existed. */
        struct strbuf early = STRBUF_INIT;
        strbuf_add(&early, r.warnings.buf, r.warnings.len);
        for (char *p = early.buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            acq_log_line(&r.log, "WARNING: %s", p);
        }
        strbuf_release(&early);
    }
    if (r.rs)
        log_resume(&r);
    if (pad && r.src.size_known)
        warn(&r,
             "source size %llu is not a multiple of %u: the last sector is zero-filled in "
             "the E01 (media size %llu)",
             (unsigned long long)r.src.size, r.src.sector_size, (unsigned long long)r.media_size);
    if ((rc = sink_open(&r.sink, o, r.media_size, r.src.sector_size, r.chunk_sectors, &r.src,
                        err)) < 0)
        goto record;
    double t0 = custody_mono_seconds();
    acq_log_line(&r.log, "reading");
    run_rc = pipeline_run(&st, &r.src, r.sink, o, r.media_size, r.chunk_sectors, pad, &r.bad, err);
    res->seconds = custody_mono_seconds() - t0;
    res->chunk_sectors = r.chunk_sectors;
    res->sector_size = r.src.sector_size;
    res->bytes_read = st.bytes;
    /* what the image holds: after a write failure, less than was read */
    res->media_size = st.complete ? st.bytes : st.written;
    for (size_t i = 0; i < r.bad.n; i++)
        acq_log_line(&r.log, "UNREADABLE: sectors %llu-%llu (%llu sectors), zero-filled",
                     (unsigned long long)r.bad.v[i].first_sector,
                     (unsigned long long)(r.bad.v[i].first_sector + r.bad.v[i].count - 1),
                     (unsigned long long)r.bad.v[i].count);
    if (run_rc == 0 && st.complete && r.src.kind == SOURCE_REMOTE) {
        /* Unreadable ranges of the last block and the end frame are still in the pipe. */
        struct range_list tail = {0};
        run_rc = remote_finish(&r.src, r.rs ? &tail : &r.bad, err);
        resume_add_ranges(&r.bad, &tail, r.ri.kept / r.src.sector_size);
        range_list_free(&tail);
        if (run_rc < 0)
            st.failed = 1;
    }
    if (run_rc == 0 && st.complete) {
        memcpy(res->hash, st.hash, sizeof(st.hash));
        rc = sink_close(r.sink, 1, &r.bad, (const char(*)[HASH_HEX_MAX])res->hash, err);
        if (rc < 0) {
            run_rc = rc;
            memset(res->hash, 0, sizeof(res->hash));
        }
    } else {
        struct custody_err ignore = {0};
        struct range_list missing = {0};
        /* The part never acquired, when the media size is known. */
        uint64_t done_sectors = (st.written + r.src.sector_size - 1) / r.src.sector_size;
        uint64_t all_sectors = r.media_size / r.src.sector_size;
        if (r.media_size && all_sectors > done_sectors)
            range_list_add(&missing, done_sectors, all_sectors - done_sectors);
        sink_close(r.sink, 0, &missing, NULL, &ignore);
        range_list_free(&missing);
        if (run_rc == 0)
            run_rc = custody_err_set(err, CUSTODY_ERR_IO, "the acquisition did not reach the end");
    }
    if (r.rs)
        resume_remove_partials(&r, st.bytes);
    sink_files(r.sink, &paths, &npaths);
    for (size_t i = 0; i < npaths; i++)
        chmod(paths[i], 0444); /* evidence: read-only from now on */
    res->read_errors = r.bad.v;
    res->n_read_errors = r.bad.n;
    res->bad_sectors = r.bad.sectors;
    r.bad.v = NULL;
    r.bad.n = r.bad.cap = 0;
    if (run_rc < 0) {
        res->status = run_rc == CUSTODY_ERR_INTR ? "interrupted" : "failed";
        acq_log_line(&r.log, "acquisition %s after %llu bytes read, %llu of them in the image: %s",
                     res->status, (unsigned long long)res->bytes_read,
                     (unsigned long long)res->media_size, err->msg);
        acq_log_line(&r.log, "the output is PARTIAL: its files are renamed *.partial");
        mark_partial(&r, paths, npaths);
    } else {
        res->status = res->n_read_errors ? "incomplete" : "complete";
        acq_log_line(&r.log, "acquired %llu bytes in %.1f s (%.1f MB/s)",
                     (unsigned long long)res->media_size, res->seconds,
                     res->seconds > 0 ? res->media_size / res->seconds / 1e6 : 0.0);
        acq_log_kv(&r.log, "MD5", res->hash[HASH_MD5]);
        acq_log_kv(&r.log, "SHA-1", res->hash[HASH_SHA1]);
        acq_log_kv(&r.log, "SHA-256", res->hash[HASH_SHA256]);
        if (res->bad_sectors)
            acq_log_line(&r.log, "%llu unreadable sector(s) in %zu range(s), zero-filled",
                         (unsigned long long)res->bad_sectors, res->n_read_errors);
        struct files_job job = {&r, paths, npaths, NULL, 0, {0}};
        pthread_t files_thread;
        if (o->format == ACQUIRE_RAW && !o->segment_size_set)
            job.known_sha256 = res->hash[HASH_SHA256];
        int threaded = pthread_create(&files_thread, NULL, files_job_main, &job) == 0;
        if (threaded)
            pthread_setname_np(files_thread, "acq-files");
        verify(&r, paths, npaths);
        if (threaded)
            pthread_join(files_thread, NULL);
        else
            files_job_main(&job);
        if (custody_interrupted) {
            run_rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted during verification");
            res->status = "interrupted";
        }
        if (job.rc < 0) {
            acq_log_line(&r.log, "cannot list the output files: %s", job.err.msg);
            if (run_rc == 0) {
                *err = job.err;
                run_rc = job.rc;
                res->status = "failed";
            }
        }
    }
    if (run_rc < 0 && !res->files) {
        struct custody_err ferr = {0};
        if (list_files(&r, paths, npaths, NULL, &ferr) < 0)
            acq_log_line(&r.log, "cannot list the output files: %s", ferr.msg);
    }
    for (size_t i = 0; i < res->n_files; i++)
        acq_log_line(&r.log, "file %s: %llu bytes, SHA-256 %s", res->files[i].name,
                     (unsigned long long)res->files[i].size, res->files[i].sha256);
    rc = run_rc;

record:
    r.ended_at = custody_now_ns();
    if (!res->status) {
        res->status = "failed";
        acq_log_line(&r.log, "acquisition failed before reading: %s", err->msg);
    }
    if (r.sink || r.log.fd >= 0) {
        struct custody_err merr = {0};
        if (write_manifest(&r, &manifest, &merr) < 0) {
            acq_log_line(&r.log, "cannot write the manifest: %s", merr.msg);
            if (rc == 0) {
                *err = merr;
                rc = merr.code;
                res->status = "failed";
            }
        } else {
            acq_log_line(&r.log, "manifest written: %s", res->manifest_path);
            if (res->signature_path)
                acq_log_line(&r.log, "manifest signed by key %s: %s", r.key_id,
                             res->signature_path);
        }
    }
    if (r.db) {
        struct casedb_acquisition_outcome out = {0};
        struct custody_err derr = {0};
        int complete = !strcmp(res->status, "complete") || !strcmp(res->status, "incomplete");
        out.status = res->status;
        out.error = rc < 0 ? err->msg : NULL;
        out.ended_at = r.ended_at;
        out.media_size = (int64_t)res->media_size;
        out.md5 = complete ? res->hash[HASH_MD5] : NULL;
        out.sha1 = complete ? res->hash[HASH_SHA1] : NULL;
        out.sha256 = complete ? res->hash[HASH_SHA256] : NULL;
        out.verify_image = res->verify_image ? res->verify_image : "skipped";
        out.verify_source = res->verify_source ? res->verify_source : "skipped";
        out.manifest = manifest.len ? manifest.buf : NULL;
        out.manifest_sig = r.signature.len ? r.signature.buf : NULL;
        out.files = res->files;
        out.n_files = res->n_files;
        out.read_errors = res->read_errors;
        out.n_read_errors = res->n_read_errors;
        int drc = casedb_acquisition_finish(r.db, r.acq_id, &out, &derr);
        if (drc == 0 && !strcmp(res->status, "complete") && strcmp(out.verify_image, "fail") != 0 &&
            strcmp(out.verify_source, "fail") != 0)
            drc = casedb_asset_set_status(r.db, r.asset_id, "acquired", &derr);
        if (drc == 0 && r.key && complete) {
            /* The custody log: this evidence was acquired, signed by the examiner. */
            struct custody_new ce = {0};
            struct strbuf details = STRBUF_INIT;
            strbuf_addf(&details,
                        "acquisition %s, %s, %llu bytes, SHA-256 %s, %llu unreadable "
                        "sectors, manifest %s",
                        r.uuid, res->status, (unsigned long long)res->media_size,
                        res->hash[HASH_SHA256], (unsigned long long)res->bad_sectors,
                        base_name(res->manifest_path));
            ce.action = "acquired";
            ce.asset = o->asset;
            ce.evidence = r.evidence_label;
            ce.purpose = "acquisition";
            ce.details = details.buf;
            drc = custody_append(r.db, &ce, r.key, NULL, &derr);
            strbuf_release(&details);
            if (drc == 0)
                acq_log_line(&r.log, "custody log: 'acquired' entry signed by key %s", r.key_id);
        }
        if (drc < 0) {
            acq_log_line(&r.log, "cannot record the outcome in the case database: %s", derr.msg);
            if (rc == 0) {
                *err = derr;
                rc = drc;
            }
        } else {
            acq_log_line(&r.log, "recorded in the case database '%s' as %s", o->case_db,
                         res->status);
        }
    }
    acq_log_line(&r.log, "acquisition %s: %s", r.uuid, res->status);
    {
        struct custody_err lerr = {0};
        if (acq_log_close(&r.log, res->log_path ? res->log_path : "", &lerr) < 0 && rc == 0) {
            *err = lerr;
            rc = lerr.code;
            res->status = "failed";
        }
    }
out_db:
    if (r.db) {
        casedb_run_end(r.db, r.run_id, acquire_exit_status(res, rc), NULL);
        casedb_close(r.db);
    }
out:
    if (r.warnings.len)
        res->warnings = strbuf_detach(&r.warnings, NULL);
    strbuf_release(&r.warnings);
    strbuf_release(&path);
    strbuf_release(&manifest);
    sink_free(r.sink);
    source_close(&r.src);
    range_list_free(&r.bad);
    free(r.evidence_label);
    sign_seckey_free(r.key);
    free(r.case_number_db);
    free(r.resumed_note);
    resume_free(r.rs);
    strbuf_release(&r.signature);
    for (size_t i = 0; i < r.n_replaced; i++)
        free(r.replaced[i]);
    free(r.replaced);
    if (rc == 0 && res->status &&
        (!strcmp(res->status, "failed") || !strcmp(res->status, "interrupted")))
        rc = CUSTODY_ERR;
    return rc;
}
