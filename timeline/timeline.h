/* custody-timeline core: build a case's file-system timeline from disk images and
 * export it. The executable (main.c, cmd_*.c) only parses options and prints. */
#ifndef CUSTODY_TIMELINE_H
#define CUSTODY_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

#include "casedb.h"
#include "error.h"
#include "strbuf.h"
#include "timeline_store.h"

#define TIMELINE_PROG "custody-timeline"
/* Per-partition limits: a hostile file system cannot hold the run hostage. */
#define TIMELINE_DEFAULT_TIME_LIMIT 1800.0    /* seconds */
#define TIMELINE_DEFAULT_MAX_EVENTS 200000000 /* events */

/* ---- known-bad hashes (--ioc FILE) ---- */
struct ioc_set; /* opaque */
/* Parse FILE: one MD5, SHA-1 or SHA-256 (hex) per line, optionally followed by
 * whitespace and a name; blank lines and '#' comments skipped. A malformed line is
 * an error naming the line. */
int ioc_set_load(struct ioc_set **out, const char *path, struct custody_err *err);
void ioc_set_free(struct ioc_set *s); /* accepts NULL */
size_t ioc_set_count(const struct ioc_set *s);
int ioc_set_has_sha1(const struct ioc_set *s);
/* The name of the matching entry ("" when the line had none), or NULL. hex may be
 * "" (not computed). */
const char *ioc_set_match(const struct ioc_set *s, const char *hex);
/* Each entry in turn (for recording in the case database). */
int ioc_set_foreach(const struct ioc_set *s,
                    int (*cb)(void *ctx, const char *hex, const char *algo, const char *name),
                    void *ctx);

/* ---- build ---- */

/* The content of selected files, streamed from the file-system walker into the
 * build: how the log parsers read the logs inside an image during the same walk.
 * want runs in the walker (a child process): it must not touch the database or
 * anything the build relies on. begin, data and end run in the build process,
 * inside the load transaction, right after the file's row is inserted. */
struct timeline_content_hook {
    void *ctx;
    /* For each regular file with metadata: how many bytes of content to deliver
     * (0: none). path is raw bytes from '/'. */
    int64_t (*want)(void *ctx, const char *path, size_t path_len, int64_t size, int deleted);
    int (*begin)(void *ctx, struct casedb *db, int64_t evidence_id, int64_t partition_id,
                 int64_t file_id, const struct tl_file *f, struct custody_err *err);
    /* Chunks in order, up to 64 KiB each. */
    int (*data)(void *ctx, const void *buf, size_t len, struct custody_err *err);
    /* complete: every wanted byte was read; else error says why. */
    int (*end)(void *ctx, int complete, const char *error, struct custody_err *err);
};

struct timeline_build_opts {
    const char *const *images; /* E01 set, raw image, or split raw parts */
    int n_images;
    const char *asset;    /* hostname, may be NULL when the evidence exists */
    const char *evidence; /* label */
    int hash_files;       /* MD5 + SHA-256 of file content */
    const char *ioc_path; /* --ioc FILE or NULL (implies hashing) */
    int no_logs;          /* --no-logs (log parsing: see the logs module) */
    const struct timeline_content_hook *content; /* NULL: no file content wanted */
    double time_limit;                           /* seconds per partition */
    uint64_t max_events;                         /* per partition */
    int progress;                                /* draw a progress line on stderr */
    int argc;                                    /* the command line, for the run record */
    char **argv;
};

struct timeline_build_result {
    int64_t evidence_id, run_id;
    int evidence_created;
    char image_type[16];
    int64_t image_size;
    struct tl_partition_info *parts; /* as recorded */
    size_t n_parts;
    int64_t files, events;
    int64_t hashed, hash_failed, ioc_files;
    size_t iocs_loaded;
    int skipped;    /* partitions with status error or partial */
    double seconds; /* wall time */
};
void timeline_build_result_release(struct timeline_build_result *r);

/* Walk every partition of the image into the case database in one transaction
 * that replaces the evidence's earlier file-system timeline. A partition that
 * fails or hits a limit is recorded with its error and the rest goes on
 * (r->skipped counts them); a negative return means nothing was recorded. */
int timeline_build(struct casedb *db, const struct timeline_build_opts *o,
                   struct timeline_build_result *r, struct custody_err *err);

/* ---- export ---- */
enum timeline_format {
    TIMELINE_FMT_BODY,    /* TSK 3.x body file, as fls -r -m prints it */
    TIMELINE_FMT_MACTIME, /* what mactime -b BODY -d prints */
    TIMELINE_FMT_JSONL,   /* one JSON object per event */
};
int timeline_format_parse(const char *name, enum timeline_format *out);

/* Write the evidence's (0: every evidence's) file-system timeline to out. Body
 * paths are "<prefix><path>"; with evidence_id 0, "/<host>/<label>" comes first. */
int timeline_export(struct casedb *db, int64_t evidence_id, enum timeline_format fmt, FILE *out,
                    int64_t *lines_out, struct custody_err *err);

/* Body-file name field for a row, as fls -m prints it: control bytes as '^' (in
 * link targets too, where fls keeps them raw: a deliberate difference),
 * " ($FILE_NAME)", " -> link", " (deleted)" or " (deleted-realloc)". */
void timeline_body_name(struct strbuf *sb, const char *prefix, const struct tl_file *f);
/* One body-file line (with newline). */
void timeline_body_line(struct strbuf *sb, const char *prefix, const struct tl_file *f);

#endif
