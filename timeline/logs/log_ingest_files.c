/* `custody-timeline ingest`: log files from the examiner's file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "log_decompress.h"
#include "log_ingest.h"

#define LOG_FILE_MAX ((uint64_t)16 << 30)

/* Read a whole regular file, read-only. */
static int
read_file(struct strbuf *sb, int64_t *mtime, const char *path, struct custody_err *err)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int rc = 0;

    if (fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                 path);
    if (fstat(fd, &st) < 0) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot stat '%s'", path);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE, "'%s' is not a regular file", path);
        goto done;
    }
    if ((uint64_t)st.st_size > LOG_FILE_MAX) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s' is larger than %llu bytes", path,
                             (unsigned long long)LOG_FILE_MAX);
        goto done;
    }
    *mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    strbuf_grow(sb, (size_t)st.st_size + 1);
    for (;;) { /* to the end, even if the file grew since fstat */
        size_t room;
        strbuf_grow(sb, 1 << 20);
        room = sb->cap - sb->len - 1;
        n = io_read_full(fd, sb->buf + sb->len, room);
        if (n < 0) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'", path);
            goto done;
        }
        strbuf_setlen(sb, sb->len + (size_t)n);
        if ((size_t)n < room)
            break;
    }
done:
    close(fd);
    return rc;
}

int
log_ingest_files(struct log_ingest_summary *sum, const struct log_ingest_request *req,
                 log_file_done_fn done, void *arg, struct custody_err *err)
{
    struct casedb *db = NULL;
    struct casedb_log_writer *w = NULL;
    struct casedb_evidence ev = {0};
    struct log_tz *tz = NULL;
    struct strbuf content = STRBUF_INIT;
    struct log_ingest_opts opts;
    int64_t run_id = -1;
    int rc;

    memset(sum, 0, sizeof(*sum));
    if (req->type && !log_parser_find(req->type))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "unknown log type '%s'", req->type);
    if ((rc = log_tz_load(&tz, req->tz ? req->tz : "UTC", err)) < 0)
        return rc;
    memset(&opts, 0, sizeof(opts));
    opts.partition_id = -1;
    opts.type = req->type;
    opts.tz = tz;
    opts.threads = req->threads;
    if (req->dry_run)
        goto files;
    /* one thread uses the connection: no SQLite mutex per call */
    if ((rc = casedb_open(&db, req->case_db, CASEDB_ONE_THREAD, err)) < 0)
        goto out;
    if ((rc = casedb_run_begin(db, "custody-timeline", req->argc, req->argv, &run_id, err)) < 0)
        goto out;
    if ((rc = casedb_begin(db, err)) < 0)
        goto out;
    rc = casedb_evidence_ensure(db, req->asset, req->evidence, "custody-timeline ingest", &ev,
                                &sum->evidence_created, err);
    if (rc < 0 || (rc = casedb_commit(db, err)) < 0) {
        casedb_rollback(db);
        goto out;
    }
    sum->evidence_id = ev.id;
    if ((rc = casedb_log_writer_open(&w, db, err)) < 0)
        goto out;
    opts.evidence_id = ev.id;
files:
    for (int i = 0; i < req->nfiles; i++) {
        struct log_ingest_result res;
        struct custody_err ferr = {0};
        int64_t mtime = INT64_MIN;
        const char *f = req->files[i];
        if (custody_interrupted) {
            rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
            goto out;
        }
        strbuf_reset(&content);
        if (read_file(&content, &mtime, f, &ferr) < 0) {
            sum->failed++;
            if (done)
                done(arg, f, NULL, &ferr);
            continue;
        }
        if (req->dry_run) {
            log_parse_only(&res, &opts, f, mtime, (const uint8_t *)content.buf, content.len);
        } else {
            /* about one event per 100 bytes of text; compressed text ~10x that */
            uint64_t est = content.len / 100 *
                           (log_compression((const uint8_t *)content.buf, content.len) ? 10 : 1);
            struct custody_err ignored = {0};
            if ((rc = casedb_log_direct_begin(w, est, err)) < 0 || (rc = casedb_begin(db, err)) < 0)
                goto out;
            rc = casedb_log_bulk_begin(w, est, err);
            if (rc == 0)
                rc = log_ingest_buffer(&res, w, &opts, f, strlen(f), NULL, mtime,
                                       (const uint8_t *)content.buf, content.len, err);
            if (rc == 0)
                rc = casedb_log_bulk_end(w, err);
            if (rc < 0 || (rc = casedb_commit(db, err)) < 0) {
                casedb_rollback(db);
                goto out;
            }
            /* committed either way; a case left out of WAL mode is switched back by
             * the next writer that opens it */
            casedb_log_direct_end(w, &ignored);
        }
        sum->files++;
        sum->events += res.events;
        sum->warnings += res.warnings;
        if (!strcmp(res.status, "error"))
            sum->failed++;
        else if (!strcmp(res.status, "partial"))
            sum->partial++;
        if (done)
            done(arg, f, &res, NULL);
    }
    rc = 0;
out:
    if (db && run_id >= 0) {
        struct custody_err e2 = {0};
        int status = rc < 0 ? EXIT_FAILED : (sum->failed || sum->partial ? EXIT_NOT_OK : 0);
        casedb_run_end(db, run_id, status, &e2);
    }
    casedb_log_writer_close(w);
    casedb_evidence_release(&ev);
    casedb_close(db);
    log_tz_free(tz);
    strbuf_release(&content);
    return rc;
}
