/* A verification report: one line per check (PASS, FAIL: reason, CANNOT CHECK:
 * reason), each saying what anchors it (a trusted signature, or only the evidence's
 * own consistency), then a verdict. Rendered as plain text, JSON or a self-contained
 * HTML page. Everything from the evidence is escaped for its destination. */
#ifndef CUSTODY_VERIFY_REPORT_H
#define CUSTODY_VERIFY_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

enum check_status {
    CHECK_PASS = 0,
    CHECK_FAIL = 1,
    CHECK_CANNOT = 2,
};

struct check {
    char *subject; /* what was checked: an image path, an acquisition, the custody log */
    char *name;    /* "segments", "chunks", "MD5", "signature", ... */
    enum check_status status;
    char *detail;  /* reason or what was found */
    char *anchor;  /* "trusted signature (key ...)", "self-consistent", or NULL */
    int essential; /* a PASS of this check counts as verifying something */
};

struct report_kv {
    char *subject, *key, *value;
};

struct report {
    const char *kind; /* "image", "case", "clearance" (static) */
    struct check *checks;
    size_t n_checks;
    struct report_kv *meta; /* facts: case number, examiner, media size ... */
    size_t n_meta;
    char **keys_used; /* "id (name): trusted|untrusted ..." */
    size_t n_keys;
    char *versions;               /* tool and library versions (text) */
    int64_t started_at, ended_at; /* ns UTC */
    /* set by report_finish */
    int n_pass, n_fail, n_cannot;
    int exit_code;       /* 0 verified, 1 not */
    const char *verdict; /* static text */
    int anchored;        /* at least one check anchored in a trusted signature */
};

void report_init(struct report *r, const char *kind);
void report_release(struct report *r);

/* Add a check; detail is printf-formatted. Returns the check (valid until the next add). */
struct check *report_add(struct report *r, const char *subject, const char *name,
                         enum check_status st, const char *anchor, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void report_meta(struct report *r, const char *subject, const char *key, const char *value);
void report_key(struct report *r, const char *text);

/* Compute counts, verdict and exit code: 1 when any check failed, or when no
 * essential check could pass at all (nothing was verified). */
void report_finish(struct report *r);

void report_text(struct strbuf *out, const struct report *r, int quiet);
void report_json(struct strbuf *out, const struct report *r);
void report_html(struct strbuf *out, const struct report *r);
/* HTML-escape bytes (& < > " ' and controls; invalid UTF-8 as U+FFFD). */
void report_html_escape(struct strbuf *out, const char *s);

#endif
