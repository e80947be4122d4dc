/* Timeline queries over a whole case: a filter compiled into one parameterized SQL
 * statement, rows streamed to a callback, pivots (where was this IP, user, hash,
 * path seen) and histogram buckets for plots. Values never reach SQL text: every
 * filter value is a bound parameter. */
#ifndef CUSTODY_QUERY_H
#define CUSTODY_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "error.h"
#include "strbuf.h"

#define QUERY_MAX_VALUES 64 /* per repeatable filter (assets, evidence, sources, actions) */

/* A filter: every field set combines with AND; values inside one repeatable list
 * combine with OR. All strings are borrowed; the caller keeps them alive. */
struct casedb_filter {
    int has_from, has_to;
    int64_t from;                         /* ns UTC, inclusive: ts >= from */
    int64_t to;                           /* ns UTC, exclusive: ts < to */
    const char *assets[QUERY_MAX_VALUES]; /* hostnames */
    size_t n_assets;
    const char *evidence[QUERY_MAX_VALUES]; /* "LABEL", "HOST/LABEL" or "#ROWID" */
    size_t n_evidence;
    const char *sources[QUERY_MAX_VALUES]; /* fs, syslog, auth, wtmp, web, dpkg, ... */
    size_t n_sources;
    const char *actions[QUERY_MAX_VALUES]; /* events.kind: m a c b, ssh-login-success, ... */
    size_t n_actions;
    const char *path_glob; /* shell glob over the whole path; backslash escapes */
    const char *user;
    const char *ip;   /* an address or a CIDR network, IPv4 or IPv6 */
    const char *text; /* an FTS5 query over messages and paths */
    int ioc_only, deleted_only;
    int64_t limit; /* 0: no limit */
    int descending;
    int unordered; /* storage order (fastest; for bulk exports whose reader sorts) */
    int logs_only; /* leave out file-system events (callers that read files instead) */
};

/* One event as the query returns it. Pointers are valid only during the callback. */
struct casedb_event_row {
    int64_t id;
    int64_t ts; /* ns UTC */
    const char *kind, *source;
    const char *asset;    /* hostname of the asset the evidence belongs to */
    const char *evidence; /* evidence label */
    int64_t evidence_id;
    int64_t file_id;           /* 0 for log events */
    const unsigned char *path; /* file path (fs) or the path the record names (logs); may be NULL */
    size_t path_len;
    const char *inode;
    int64_t size, mode, uid, gid, port, pid; /* -1 when unknown */
    /* log events only (NULL / -1 for file-system events) */
    const char *host, *user, *ip, *program, *message, *location, *tz, *data; /* may be NULL */
    int64_t flags; /* events.flags | files.flags: 1 deleted, 2 orphan, 4 $FILE_NAME, 8 ioc, 16
                      realloc */
    /* file-system events only: the file's record */
    int64_t name_type, meta_type; /* TSK enum values, -1 unknown */
    int has_atime, has_mtime, has_ctime, has_crtime;
    int64_t atime, mtime, ctime, crtime; /* ns UTC */
    const char *md5, *sha256, *ioc_name;
    const unsigned char *link; /* symbolic link target, may be NULL */
    size_t link_len;
    const char *part_prefix; /* the partition's body-file prefix ("" or "/p2"), may be NULL */
};

/* Return 0 to go on, 1 to stop early (not an error), a negative code to fail. */
typedef int (*casedb_row_fn)(void *ctx, const struct casedb_event_row *row);

/* Check a filter and turn user syntax into what the statement needs (the IP or
 * CIDR, the glob). CUSTODY_ERR_USAGE with a message naming the bad value. */
int casedb_filter_validate(const struct casedb_filter *f, struct custody_err *err);

/* Run the filter and stream matching events in time order (file id, then event id
 * break ties: the order of the (evidence_id, ts, file_id) index), or
 * newest first (descending), or in storage order (unordered).
 * *count_out (may be NULL) receives the number of rows delivered. A --text filter
 * first brings the full-text index up to date (which writes to the database).
 * custody_interrupted stops the scan with CUSTODY_ERR_INTR. */
int casedb_query(struct casedb *db, const struct casedb_filter *f, casedb_row_fn fn, void *ctx,
                 int64_t *count_out, struct custody_err *err);
/* The id of a file-system event, as query rows and the timeline view give it
 * (schema v2: a file's times are its events): -4 * file_id - 3 + 0, 1, 2, 3 for
 * kind 'a', 'm', 'c', 'b'. Negative, stable, and ordered like a file's kinds. */
int64_t casedb_fs_event_id(int64_t file_id, char kind);

/* The files behind the file-system events the filter can match, in storage order,
 * one row each (kind NULL, ts 0, the file's four times set): for formats that sort
 * per file time themselves (mactime), much faster than events in time order.
 * *kinds_out: which of m a c b (bits 1 2 4 8) the filter allows; the caller applies
 * --from/--to to each time. limit, descending and unordered do not apply. */
int casedb_query_files(struct casedb *db, const struct casedb_filter *f, casedb_row_fn fn,
                       void *ctx, unsigned *kinds_out, int64_t *count_out, struct custody_err *err);
/* The number of events the filter matches (limit applies). */
int casedb_query_count(struct casedb *db, const struct casedb_filter *f, int64_t *count_out,
                       struct custody_err *err);
/* The SQL and EXPLAIN QUERY PLAN lines of the statement casedb_query would run
 * (appended to sb, one line each) - for docs, benchmarks and --explain. */
int casedb_query_explain(struct casedb *db, const struct casedb_filter *f, struct strbuf *sb,
                         struct custody_err *err);

/* Bring the full-text index over event messages and paths up to date: index the
 * events added since the last update, or rebuild it when events were deleted or
 * changed. *indexed_out (may be NULL) receives how many events were indexed now. */
int casedb_text_index_update(struct casedb *db, int64_t *indexed_out, struct custody_err *err);
/* 1 when a text query would have to update the index first. */
int casedb_text_index_stale(struct casedb *db, int *stale_out, struct custody_err *err);

/* ---- pivot: per asset, where and when a value was seen ---- */
enum casedb_pivot_kind {
    CASEDB_PIVOT_IP,   /* address or CIDR, over events.ip */
    CASEDB_PIVOT_USER, /* events.user */
    CASEDB_PIVOT_HASH, /* MD5 or SHA-256 of files (hex, any case) */
    CASEDB_PIVOT_PATH, /* glob over event and file paths */
};
struct casedb_pivot_row {
    const char *asset;
    int64_t first_seen, last_seen; /* ns UTC */
    int64_t count;                 /* events */
};
typedef int (*casedb_pivot_fn)(void *ctx, const struct casedb_pivot_row *row);
/* Rows in the order of first_seen. base (may be NULL) restricts the events further
 * (time range, assets, sources). */
int casedb_pivot(struct casedb *db, enum casedb_pivot_kind kind, const char *value,
                 const struct casedb_filter *base, casedb_pivot_fn fn, void *ctx,
                 struct custody_err *err);
int casedb_pivot_explain(struct casedb *db, enum casedb_pivot_kind kind, const char *value,
                         struct strbuf *sb, struct custody_err *err);

/* ---- histogram for plots ---- */
enum casedb_group_by {
    CASEDB_GROUP_NONE,
    CASEDB_GROUP_ASSET,
    CASEDB_GROUP_SOURCE,
    CASEDB_GROUP_ACTION,
};
struct casedb_bucket_row {
    int64_t start;     /* ns UTC, a multiple of the bucket width */
    const char *group; /* "" for CASEDB_GROUP_NONE */
    int64_t count;
};
typedef int (*casedb_bucket_fn)(void *ctx, const struct casedb_bucket_row *row);
/* Count filtered events per bucket (width in ns, UTC-aligned) and group, in
 * bucket then group order. The filter's limit is ignored. */
int casedb_histogram(struct casedb *db, const struct casedb_filter *f, int64_t width_ns,
                     enum casedb_group_by by, casedb_bucket_fn fn, void *ctx,
                     struct custody_err *err);

/* Parse an IP address or CIDR ("10.0.0.0/8", "2001:db8::/32", "::ffff:1.2.3.4").
 * net is IPv6 (IPv4 mapped into ::ffff:0:0/96), bits the prefix length in that
 * space. 0 or CUSTODY_ERR_USAGE. */
int casedb_parse_cidr(const char *s, unsigned char net[16], int *bits, int *is_cidr);
/* Translate a user glob (backslash escapes a special character) into an SQLite
 * GLOB pattern; CUSTODY_ERR_USAGE for a trailing backslash or an unclosed [. */
int casedb_glob_translate(struct strbuf *out, const char *glob, struct custody_err *err);

#endif
