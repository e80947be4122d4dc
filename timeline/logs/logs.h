/* Server log parsing: one parser per format behind one interface. Parsers read a
 * whole (decompressed) file from memory and hand normalized events and located
 * warnings to the caller's callbacks; they never print and never touch the database. */
#ifndef CUSTODY_LOGS_H
#define CUSTODY_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log_tz.h"

/* A byte string from the evidence: not NUL-terminated, may hold any byte. */
struct log_str {
    const char *p; /* NULL when absent */
    size_t n;
};

enum {
    LOG_FLAG_YEAR_INFERRED = 16,   /* the record had no year; it was inferred (see docs/logs.md) */
    LOG_FLAG_TIME_FROM_MTIME = 32, /* the record had no time; the file's mtime was used */
    LOG_FLAG_LOCAL_TIME = 64,      /* the record had no zone; tz was applied */
};

/* One normalized event. Every pointer is valid only during the callback. */
struct log_event {
    int64_t ts;          /* ns since the epoch, UTC */
    const char *source;  /* "syslog", "auth", "cron", "wtmp", "web", "dpkg", ... */
    const char *action;  /* normalized action ("ssh-login-success", ...), never NULL */
    struct log_str host; /* host name the record names */
    struct log_str program;
    int64_t pid; /* -1 unknown */
    struct log_str user;
    struct log_str ip; /* source address, text form */
    int64_t port;      /* -1 unknown */
    struct log_str message;
    struct log_str path; /* what the record names: web path, command, package */
    /* web requests */
    struct log_str method, referrer, agent, vhost, xff;
    int status;    /* HTTP status, -1 unknown */
    int64_t bytes; /* response bytes, -1 unknown */
    /* source-specific extras as "key":value pairs of a JSON object body, or NULL */
    const char *extra_json;
    uint64_t line;   /* 1-based line number of the record's first line; 0: use offset */
    uint64_t offset; /* byte offset of the record in the (decompressed) file */
    unsigned flags;  /* LOG_FLAG_* */
};

struct log_warning {
    uint64_t line;   /* 1-based, 0 when the location is a byte offset */
    uint64_t offset; /* byte offset in the (decompressed) file */
    const char *message;
    struct log_str raw; /* the offending bytes (truncated to LOG_WARNING_RAW_MAX) */
};

#define LOG_WARNING_RAW_MAX 512

/* Callbacks return 0 to go on, a negative code to stop the parse (which returns it). */
typedef int (*log_event_fn)(void *arg, const struct log_event *ev, struct custody_err *err);
typedef int (*log_warning_fn)(void *arg, const struct log_warning *w, struct custody_err *err);

/* What a parser knows about the file it reads. */
struct log_ctx {
    const char *name;        /* path or name (for sniffing by name); may be NULL */
    int64_t mtime;           /* ns since the epoch, UTC; INT64_MIN unknown */
    const struct log_tz *tz; /* zone for records without one; NULL means UTC */
    log_event_fn on_event;
    log_warning_fn on_warning;
    void *arg;
    /* counters, filled by the parse */
    uint64_t lines;
    uint64_t events;
    uint64_t warnings;
    int damaged; /* the compressed stream was cut or corrupt: not all of the file was read */
};

struct log_parser {
    const char *type; /* "syslog", "wtmp", "access", ... (also the --type value) */
    /* How sure (0-100) the parser is that data (the first bytes, len may be short)
     * named name is its format. */
    int (*sniff)(const uint8_t *data, size_t len, const char *name);
    int (*parse)(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err);
    int binary; /* records are fixed-size structs, not lines */
};

/* The parsers, NULL-terminated. */
const struct log_parser *const *log_parsers(void);
/* By type name, NULL when unknown. */
const struct log_parser *log_parser_find(const char *type);
/* The best parser for data named name, or NULL when none is sure enough. */
const struct log_parser *log_sniff(const uint8_t *data, size_t len, const char *name);

/* Parse one file's bytes: decompress (gzip, bzip2, xz by magic), pick the parser
 * (type, or sniffed when NULL), parse. *type_out (static string) names the parser
 * used. A truncated or corrupt compressed stream parses what came before the
 * damage and reports a warning. CUSTODY_ERR_FORMAT when no parser fits. */
int log_parse_buffer(struct log_ctx *ctx, const char **type_out, const uint8_t *data, size_t len,
                     const char *type, struct custody_err *err);

/* Helpers shared by the parsers (log_util.c). */
int log_emit(struct log_ctx *ctx, struct log_event *ev, struct custody_err *err);
int log_warn(struct log_ctx *ctx, uint64_t line, uint64_t offset, const void *raw, size_t raw_len,
             struct custody_err *err, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void log_event_init(struct log_event *ev, const char *source, const char *action);
struct log_str log_str_make(const void *p, size_t n);
struct log_str log_str_cstr(const char *s);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t log_days_from_civil(int64_t y, unsigned m, unsigned d);
/* secs * 10^9 + frac_ns, or LOG_TS_INVALID when that is outside what a signed
 * 64-bit nanosecond count holds (about 1677-2262): a record with such a time
 * becomes a parse warning in log_emit, never a wrapped-around date. */
#define LOG_TS_INVALID INT64_MIN
int64_t log_ns(int64_t secs, int64_t frac_ns);
/* Month number 1-12 of "Jan".."Dec" (case-insensitive), 0 when not a month. */
int log_month(const char *p);
/* Parse exactly n decimal digits at p; -1 when any is not a digit. */
int64_t log_digits(const char *p, size_t n);
/* ns of local wall time y-m-d h:mi:s.frac in ctx's zone; prev (or INT64_MIN) picks the
 * later of two candidates in a repeated (fall-back) hour when it keeps time moving on. */
int64_t log_local_to_utc(const struct log_ctx *ctx, int64_t y, unsigned mo, unsigned d, unsigned h,
                         unsigned mi, unsigned s, int64_t frac_ns, int64_t prev);
/* Is p[0..n) a plausible time: checks ranges (month 1-12, day valid for the month). */
int log_valid_date(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s);
/* Line iteration over a buffer: next line [*start, *end) without the newline;
 * returns 0 at the end. */
int log_next_line(const uint8_t *data, size_t len, size_t *pos, size_t *start, size_t *end);

/* Append ,"key":"value" (JSON-escaped; invalid UTF-8 also as key_hex) to a JSON
 * object body being built in sb (no leading comma for the first pair). */
struct strbuf;
void log_extra_str(struct strbuf *sb, const char *key, const void *p, size_t n);
void log_extra_int(struct strbuf *sb, const char *key, int64_t v);
/* Year of a UTC ns time, and its month (1-12). */
void log_year_month(int64_t ns, int64_t *year, unsigned *month);

#endif
