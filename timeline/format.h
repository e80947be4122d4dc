/* Output formats of timeline queries and exports: one file per format (fmt_*.c)
 * behind this interface, a buffered writer, and the helpers they share (times in
 * the display zone, CSV cells, TSK mode strings, body-file names). */
#ifndef CUSTODY_FMT_FORMAT_H
#define CUSTODY_FMT_FORMAT_H

#include <stdint.h>

#include "error.h"
#include "query.h"
#include "strbuf.h"

struct fmt_writer;

struct fmt_ops {
    const char *name;
    const char *help;
    /* Any may be NULL. Return 0 or a negative code with err filled. */
    int (*begin)(struct fmt_writer *w, struct custody_err *err);
    int (*row)(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err);
    int (*end)(struct fmt_writer *w, struct custody_err *err);
    void (*release)(struct fmt_writer *w); /* free state; called once */
};

/* How times are shown. Stored times are always UTC; a zone changes display only. */
struct fmt_display {
    const char *tz;  /* NULL or "UTC": UTC; else an IANA zone already set in $TZ */
    int width;       /* terminal columns for table; 0: no limit */
    int host_prefix; /* body names start with "/host/label" (several evidence items) */
};

struct fmt_writer {
    const struct fmt_ops *fmt;
    int fd;
    struct strbuf out; /* buffered output, written when large */
    int utc;
    const char *tz_name; /* "UTC" or the zone's name */
    int width;
    int host_prefix;
    /* file rows (casedb_query_files): the times to keep */
    unsigned fs_kinds; /* bit 1 m, 2 a, 4 c, 8 b */
    int has_from, has_to;
    int64_t from, to;
    void *state; /* the format's */
    int64_t rows;
    /* One-second cache of the formatted date and time (exports repeat seconds). */
    int64_t cache_sec;
    int cache_valid;
    char cache_date[40];
    char cache_off[8]; /* "Z" or "+hh:mm" */
    int64_t utc_sec;   /* the same for fmt_time_utc_us */
    int utc_valid;
    char utc_date[80];
};

/* NULL for an unknown name. */
const struct fmt_ops *fmt_find(const char *name);
/* "table, csv, json, ..." */
void fmt_names(struct strbuf *sb);

void fmt_writer_init(struct fmt_writer *w, const struct fmt_ops *f, int fd,
                     const struct fmt_display *d);
int fmt_writer_begin(struct fmt_writer *w, struct custody_err *err);
int fmt_writer_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err);
/* Runs the format's end and writes everything out. */
int fmt_writer_end(struct fmt_writer *w, struct custody_err *err);
void fmt_writer_release(struct fmt_writer *w);
/* Write the buffer out when it is large (force: always). */
int fmt_writer_flush(struct fmt_writer *w, int force, struct custody_err *err);

/* ---- helpers the formats share ---- */
/* ISO 8601 in the display zone: "2026-11-27T21:29:24.123456789Z" or "...+01:00";
 * frac_digits 0, 3, 6 or 9; sep 'T' or ' '. */
void fmt_time_iso(struct fmt_writer *w, struct strbuf *sb, int64_t ns, int frac_digits, char sep);
/* Broken-down time in the display zone; returns the UTC offset in seconds. */
long fmt_time_parts(const struct fmt_writer *w, int64_t ns, int *y, int *mo, int *d, int *h,
                    int *mi, int *s);
/* Always UTC: "2026-11-27T21:29:24.123456+00:00" (what Timesketch imports). */
void fmt_time_utc_us(struct fmt_writer *w, struct strbuf *sb, int64_t ns);
/* floor(ns / 1e9) */
int64_t fmt_seconds(int64_t ns);

/* One CSV cell (RFC 4180): quoted when needed; text that a spreadsheet would run
 * as a formula (= + - @ tab CR first) gets a leading apostrophe; control bytes
 * and invalid UTF-8 shown as \xHH (as strbuf_add_safe). */
void fmt_csv_cell(struct strbuf *sb, const void *data, size_t len);
void fmt_csv_cell_str(struct strbuf *sb, const char *s);

/* fls's mode column: name type, '/', meta type and permissions: "r/rrw-r--r--". */
void fmt_mode_string(char out[16], int64_t name_type, int64_t meta_type, int64_t mode);
/* The body-file name and line of a file-system event's file, exactly as
 * `custody-timeline export --format body` (and fls -r -m) writes them: the
 * "/host/label" prefix when w->host_prefix, the partition prefix, the path with
 * control bytes as '^', " -> link", " ($FILE_NAME)", " (deleted[-realloc])". */
void fmt_body_name(const struct fmt_writer *w, struct strbuf *sb, const struct casedb_event_row *r);
void fmt_body_line(const struct fmt_writer *w, struct strbuf *sb, const struct casedb_event_row *r);
/* For a file row (casedb_query_files): does the file belong in a per-file output?
 * Without a time or action filter every file does (also one with no time, as fls
 * lists it); otherwise one of its times must pass w->fs_kinds and from/to. */
int fmt_file_selected(const struct fmt_writer *w, const struct casedb_event_row *r);
/* plaso's timestamp_desc for the event ("Content Modification Time", ...). */
const char *fmt_timestamp_desc(const struct casedb_event_row *r);
/* The text that describes an event: its message, else its path. */
void fmt_event_text(const struct fmt_writer *w, struct strbuf *sb,
                    const struct casedb_event_row *r);

/* Simple set of int64 (file ids already written). */
struct fmt_idset {
    int64_t *slots; /* 0 = empty; ids are >= 1 */
    size_t cap, n;
};
/* 1 when id was new (and is now in the set). */
int fmt_idset_add(struct fmt_idset *s, int64_t id);
void fmt_idset_release(struct fmt_idset *s);

extern const struct fmt_ops fmt_table, fmt_csv, fmt_json, fmt_jsonl, fmt_body, fmt_mactime,
    fmt_l2tcsv, fmt_timesketch;

#endif
