/* Parse one log file's bytes and load it into the case database: the entry point
 * for `custody-timeline ingest` and for `build`'s walk over file systems (which
 * passes the path inside the image, the inode, the mtime and the content). */
#ifndef CUSTODY_LOG_INGEST_H
#define CUSTODY_LOG_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "log_store.h"
#include "logs.h"

struct log_ingest_opts {
    int64_t evidence_id;
    int64_t partition_id;    /* -1: none */
    const char *type;        /* NULL: sniff */
    const struct log_tz *tz; /* NULL: UTC */
    /* 1: parse and load on the calling thread; 2: a file of LOG_PIPE_MIN_BYTES or
     * more is parsed on a thread of its own; 0: 2 when a core is idle, else 1 */
    int threads;
};

struct log_ingest_result {
    const char *type; /* parser used, "unknown" when none */
    int64_t source_id;
    uint64_t lines, events, warnings;
    int damaged;                     /* compressed stream cut or corrupt */
    const char *status;              /* "ok", "partial" (warnings or damage), "error" */
    char error[CUSTODY_ERR_MSG_MAX]; /* why, when status is "error" */
};

/* Parse data (name: the file's path, used for sniffing and messages; mtime: ns UTC
 * or INT64_MIN) and store the source, its events and its warnings, replacing an
 * earlier load of the same path. The caller holds the transaction. A file that is
 * no known log format is stored as a source with status "error" and returns 0;
 * a negative return means the database failed. */
int log_ingest_buffer(struct log_ingest_result *res, struct casedb_log_writer *w,
                      const struct log_ingest_opts *opts, const void *path, size_t path_len,
                      const char *inode, int64_t mtime, const uint8_t *data, size_t len,
                      struct custody_err *err);

/* Parse without storing (--dry-run): the same result, no database. */
void log_parse_only(struct log_ingest_result *res, const struct log_ingest_opts *opts,
                    const char *name, int64_t mtime, const uint8_t *data, size_t len);

/* Record a log that could not be read (res->status "error", reason given). */
int log_ingest_error(struct log_ingest_result *res, struct casedb_log_writer *w,
                     const struct log_ingest_opts *opts, const void *path, size_t path_len,
                     const char *inode, const char *reason, struct custody_err *err);

/* 1 when a path inside a file system names a log `build` should parse
 * (/var/log/auth.log*, secure*, syslog*, messages*, wtmp*, apache2/, nginx/,
 * dpkg.log*, apt/history.log*, audit/audit.log*, /root/.bash_history,
 * /home/x/.bash_history, ...), rotated and compressed copies included. */
int log_path_wanted(const char *path);

/* `custody-timeline ingest`: parse log files collected outside an image into the
 * evidence item named by asset/evidence (created when missing and asset is given),
 * one transaction per file, the run recorded in the case's runs table. */
struct log_ingest_request {
    const char *case_db;
    const char *asset;    /* NULL: the evidence label must be unique in the case */
    const char *evidence; /* evidence label */
    const char *type;     /* NULL: sniff each file */
    const char *tz;       /* NULL: "UTC" */
    char *const *files;
    int nfiles;
    int argc; /* the command line, for the run record */
    char **argv;
    int dry_run; /* parse and count only: no case database is opened */
    int threads; /* as log_ingest_opts.threads */
};

struct log_ingest_summary {
    int64_t evidence_id;
    int evidence_created;
    uint64_t files, events, warnings;
    uint64_t partial; /* sources with warnings or damage */
    uint64_t failed;  /* files that could not be read or parsed */
};

/* Called after each file: res is NULL when the file could not be read (file_err says why). */
typedef void (*log_file_done_fn)(void *arg, const char *file, const struct log_ingest_result *res,
                                 const struct custody_err *file_err);

/* Negative only when the job could not be done (database, usage, interrupt);
 * files that fail are counted in sum->failed and reported through done. */
int log_ingest_files(struct log_ingest_summary *sum, const struct log_ingest_request *req,
                     log_file_done_fn done, void *arg, struct custody_err *err);

#endif
