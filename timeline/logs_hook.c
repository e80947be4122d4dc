/* `build` meets the log parsers: see logs_hook.h. */
#include "logs_hook.h"

#include <stdlib.h>
#include <string.h>

#include "log_decompress.h"
#include "log_ingest.h"
#include "strbuf.h"

/* Larger logs are recorded as not parsed (their file row and hashes still are). */
#define LOGS_HOOK_MAX ((int64_t)1 << 30)
/* Other files under /var/log are read up to this size and parsed when their
 * content is a known format (content sniffing). */
#define LOGS_SNIFF_MAX ((int64_t)64 << 20)

struct timeline_logs {
    struct timeline_content_hook hook;
    struct log_tz *tz;
    struct casedb *db; /* the writer's database */
    struct casedb_log_writer *w;
    struct log_ingest_opts opts;
    struct strbuf path, inode, data;
    int64_t mtime, size;
    int by_name; /* named like a log (else: a file under /var/log to sniff) */
    struct timeline_logs_counts counts;
};

/* Not named like a log, but under /var/log: worth a look at the content. */
static int
sniff_candidate(const char *path, int64_t size)
{
    size_t n = strlen(path);

    return size > 0 && size <= LOGS_SNIFF_MAX && !strncmp(path, "/var/log/", 9) &&
           !(n > 8 && !strcmp(path + n - 8, ".journal")) &&
           !(n > 9 && !strcmp(path + n - 9, ".journal~"));
}

static int64_t
hook_want(void *ctx, const char *path, size_t path_len, int64_t size, int deleted)
{
    (void)ctx;
    /* deleted files: their blocks may belong to someone else by now */
    if (deleted || size < 0 || strlen(path) != path_len)
        return 0;
    if (!log_path_wanted(path))
        return sniff_candidate(path, size) ? size : 0;
    /* too large: one byte, so that end() records the log as not parsed */
    return size > LOGS_HOOK_MAX ? 1 : size;
}

static int
hook_begin(void *ctx, struct casedb *db, int64_t evidence_id, int64_t partition_id, int64_t file_id,
           const struct tl_file *f, struct custody_err *err)
{
    struct timeline_logs *l = ctx;
    int rc;

    (void)file_id;
    if (l->w && l->db != db) {
        casedb_log_writer_close(l->w);
        l->w = NULL;
    }
    if (!l->w) {
        if ((rc = casedb_log_writer_open(&l->w, db, err)) < 0)
            return rc;
        l->db = db;
    }
    memset(&l->opts, 0, sizeof(l->opts));
    l->opts.evidence_id = evidence_id;
    l->opts.partition_id = partition_id;
    l->opts.tz = l->tz;
    strbuf_reset(&l->path);
    strbuf_add(&l->path, f->path, f->path_len);
    strbuf_reset(&l->inode);
    strbuf_addstr(&l->inode, f->inode ? f->inode : "");
    strbuf_reset(&l->data);
    l->mtime = (f->time_set & (1u << TL_MTIME)) ? f->time[TL_MTIME] : INT64_MIN;
    l->size = f->size;
    l->by_name = log_path_wanted(l->path.buf);
    return 0;
}

static int
hook_data(void *ctx, const void *buf, size_t len, struct custody_err *err)
{
    struct timeline_logs *l = ctx;

    (void)err;
    if ((int64_t)(l->data.len + len) <= LOGS_HOOK_MAX)
        strbuf_add(&l->data, buf, len);
    return 0;
}

static int
hook_end(void *ctx, int complete, const char *error, struct custody_err *err)
{
    struct timeline_logs *l = ctx;
    struct log_ingest_result res;
    int rc;

    if (!l->w)
        return custody_err_set(err, CUSTODY_ERR, "log content without a file");
    if (!l->by_name && !complete) { /* not known to be a log: nothing to record */
        strbuf_reset(&l->data);
        return 0;
    }
    if (!l->by_name) {
        /* found by content only: parse it when a parser claims it, else leave it */
        const uint8_t *d = (const uint8_t *)l->data.buf;
        size_t n = l->data.len;
        struct strbuf head = STRBUF_INIT;
        char damage[256];
        struct custody_err e2 = {0};
        const char *slash = strrchr(l->path.buf, '/');
        if (log_compression(d, n) &&
            log_decompress(&head, damage, sizeof(damage), d, n, 65536, &e2) >= 0) {
            d = (const uint8_t *)head.buf;
            n = head.len;
        }
        int known = log_sniff(d, n > 65536 ? 65536 : n, slash ? slash + 1 : l->path.buf) != NULL;
        strbuf_release(&head);
        if (!known) {
            strbuf_reset(&l->data);
            return 0;
        }
    }
    if (!complete)
        rc = log_ingest_error(&res, l->w, &l->opts, l->path.buf, l->path.len, l->inode.buf,
                              error ? error : "content not readable", err);
    else if (l->size > LOGS_HOOK_MAX)
        rc = log_ingest_error(&res, l->w, &l->opts, l->path.buf, l->path.len, l->inode.buf,
                              "larger than the 1 GiB log limit; not parsed", err);
    else
        rc = log_ingest_buffer(&res, l->w, &l->opts, l->path.buf, l->path.len, l->inode.buf,
                               l->mtime, (const uint8_t *)l->data.buf, l->data.len, err);
    strbuf_reset(&l->data);
    if (rc < 0)
        return rc;
    l->counts.files++;
    l->counts.events += (int64_t)res.events;
    l->counts.warnings += (int64_t)res.warnings;
    if (!strcmp(res.status, "error"))
        l->counts.failed++;
    else if (!strcmp(res.status, "partial"))
        l->counts.partial++;
    return 0;
}

int
timeline_logs_new(struct timeline_logs **out, const char *tz, struct custody_err *err)
{
    struct timeline_logs *l = calloc(1, sizeof(*l));
    int rc;

    *out = NULL;
    if (!l)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    if ((rc = log_tz_load(&l->tz, tz ? tz : "UTC", err)) < 0) {
        free(l);
        return rc;
    }
    l->hook.ctx = l;
    l->hook.want = hook_want;
    l->hook.begin = hook_begin;
    l->hook.data = hook_data;
    l->hook.end = hook_end;
    strbuf_init(&l->path);
    strbuf_init(&l->inode);
    strbuf_init(&l->data);
    *out = l;
    return 0;
}

void
timeline_logs_free(struct timeline_logs *l)
{
    if (!l)
        return;
    casedb_log_writer_close(l->w);
    log_tz_free(l->tz);
    strbuf_release(&l->path);
    strbuf_release(&l->inode);
    strbuf_release(&l->data);
    free(l);
}

const struct timeline_content_hook *
timeline_logs_hook(struct timeline_logs *l)
{
    return &l->hook;
}

void
timeline_logs_get_counts(const struct timeline_logs *l, struct timeline_logs_counts *out)
{
    *out = l->counts;
}
