/* Verification reports: text, JSON and a printable HTML page (see report.h). */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "utf8.h"

static const char *STATUS_TEXT[] = {"PASS", "FAIL", "CANNOT CHECK"};

static char *
dup_or_null(const char *s)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        abort(); /* as strbuf: text we cannot do without */
    return d;
}

void
report_init(struct report *r, const char *kind)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->started_at = custody_now_ns();
}

void
report_release(struct report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_checks; i++) {
        free(r->checks[i].subject);
        free(r->checks[i].name);
        free(r->checks[i].detail);
        free(r->checks[i].anchor);
    }
    free(r->checks);
    for (size_t i = 0; i < r->n_meta; i++) {
        free(r->meta[i].subject);
        free(r->meta[i].key);
        free(r->meta[i].value);
    }
    free(r->meta);
    for (size_t i = 0; i < r->n_keys; i++)
        free(r->keys_used[i]);
    free(r->keys_used);
    free(r->versions);
    memset(r, 0, sizeof(*r));
}

struct check *
report_add(struct report *r, const char *subject, const char *name, enum check_status st,
           const char *anchor, const char *fmt, ...)
{
    struct check *grown = realloc(r->checks, (r->n_checks + 1) * sizeof(*grown));
    struct strbuf sb = STRBUF_INIT;
    char buf[2048];
    va_list ap;

    if (!grown)
        abort();
    r->checks = grown;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    strbuf_addstr(&sb, buf);
    struct check *c = &grown[r->n_checks++];
    c->subject = dup_or_null(subject);
    c->name = dup_or_null(name);
    c->status = st;
    c->detail = strbuf_detach(&sb, NULL);
    /* Every PASS or FAIL says what it rests on; without a signature, only the
     * evidence's own consistency. */
    c->anchor = dup_or_null(anchor ? anchor : st == CHECK_CANNOT ? NULL : "self-consistent");
    c->essential = 1;
    return c;
}

void
report_meta(struct report *r, const char *subject, const char *key, const char *value)
{
    struct report_kv *grown = realloc(r->meta, (r->n_meta + 1) * sizeof(*grown));

    if (!grown)
        abort();
    r->meta = grown;
    grown[r->n_meta].subject = dup_or_null(subject);
    grown[r->n_meta].key = dup_or_null(key);
    grown[r->n_meta].value = dup_or_null(value ? value : "");
    r->n_meta++;
}

void
report_key(struct report *r, const char *text)
{
    char **grown = realloc(r->keys_used, (r->n_keys + 1) * sizeof(*grown));

    if (!grown)
        abort();
    r->keys_used = grown;
    grown[r->n_keys++] = dup_or_null(text);
}

void
report_finish(struct report *r)
{
    int essential_pass = 0;

    r->n_pass = r->n_fail = r->n_cannot = 0;
    r->anchored = 0;
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct check *c = &r->checks[i];
        if (c->status == CHECK_PASS) {
            r->n_pass++;
            essential_pass |= c->essential;
            if (c->anchor && !strncmp(c->anchor, "trusted", 7))
                r->anchored = 1;
        } else if (c->status == CHECK_FAIL) {
            r->n_fail++;
        } else {
            r->n_cannot++;
        }
    }
    r->ended_at = custody_now_ns();
    if (r->n_fail > 0) {
        r->verdict = "FAILED: the evidence did not check out";
        r->exit_code = 1;
    } else if (!essential_pass) {
        r->verdict = "NOT VERIFIED: nothing could be checked";
        r->exit_code = 1;
    } else if (r->n_cannot > 0) {
        r->verdict = r->anchored ? "VERIFIED, anchored in a trusted signature (some checks could "
                                   "not be made)"
                                 : "VERIFIED as self-consistent only (some checks could not be "
                                   "made; no trusted signature anchors it)";
        r->exit_code = 0;
    } else {
        r->verdict = r->anchored ? "VERIFIED, anchored in a trusted signature"
                                 : "VERIFIED as self-consistent only (no trusted signature "
                                   "anchors it)";
        r->exit_code = 0;
    }
}

static void
add_safe(struct strbuf *out, const char *s)
{
    if (s)
        strbuf_add_safe(out, s, strlen(s));
}

void
report_text(struct strbuf *out, const struct report *r, int quiet)
{
    const char *last_subject = NULL;

    if (!quiet) {
        for (size_t i = 0; i < r->n_meta; i++) {
            strbuf_addstr(out, "  ");
            add_safe(out, r->meta[i].key);
            strbuf_addstr(out, ": ");
            add_safe(out, r->meta[i].value);
            if (r->meta[i].subject) {
                strbuf_addstr(out, "  [");
                add_safe(out, r->meta[i].subject);
                strbuf_addstr(out, "]");
            }
            strbuf_addch(out, '\n');
        }
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct check *c = &r->checks[i];
        if (quiet && c->status == CHECK_PASS)
            continue;
        if (c->subject && (!last_subject || strcmp(last_subject, c->subject) != 0)) {
            strbuf_addstr(out, "== ");
            add_safe(out, c->subject);
            strbuf_addch(out, '\n');
            last_subject = c->subject;
        }
        strbuf_addstr(out, STATUS_TEXT[c->status]);
        strbuf_addstr(out, c->status == CHECK_PASS ? " " : ": ");
        add_safe(out, c->name);
        strbuf_addstr(out, ": ");
        add_safe(out, c->detail);
        if (c->anchor) {
            strbuf_addstr(out, " [");
            add_safe(out, c->anchor);
            strbuf_addch(out, ']');
        }
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i < r->n_keys && !quiet; i++) {
        strbuf_addstr(out, "key: ");
        add_safe(out, r->keys_used[i]);
        strbuf_addch(out, '\n');
    }
    strbuf_addf(out, "verdict: %s (%d passed, %d failed, %d could not be checked)\n", r->verdict,
                r->n_pass, r->n_fail, r->n_cannot);
}

static const char *
status_json(enum check_status st)
{
    return st == CHECK_PASS ? "pass" : st == CHECK_FAIL ? "fail" : "cannot-check";
}

void
report_json(struct strbuf *out, const struct report *r)
{
    struct json_writer w;
    struct strbuf t = STRBUF_INIT;

    json_init(&w, out, 1);
    json_begin_object(&w);
    json_kv_str(&w, "kind", r->kind);
    custody_format_time(&t, r->started_at);
    json_kv_str(&w, "started_at", t.buf);
    strbuf_reset(&t);
    custody_format_time(&t, r->ended_at);
    json_kv_str(&w, "ended_at", t.buf);
    json_kv_str(&w, "verdict", r->exit_code == 0 ? "pass" : "fail");
    json_kv_str(&w, "verdict_text", r->verdict);
    json_kv_bool(&w, "anchored_in_trusted_signature", r->anchored);
    json_kv_int(&w, "passed", r->n_pass);
    json_kv_int(&w, "failed", r->n_fail);
    json_kv_int(&w, "cannot_check", r->n_cannot);
    json_key(&w, "facts");
    json_begin_array(&w);
    for (size_t i = 0; i < r->n_meta; i++) {
        json_begin_object(&w);
        if (r->meta[i].subject)
            json_kv_bytes(&w, "subject", r->meta[i].subject, strlen(r->meta[i].subject));
        json_kv_str(&w, "key", r->meta[i].key);
        json_kv_bytes(&w, "value", r->meta[i].value, strlen(r->meta[i].value));
        json_end_object(&w);
    }
    json_end_array(&w);
    json_key(&w, "checks");
    json_begin_array(&w);
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct check *c = &r->checks[i];
        json_begin_object(&w);
        if (c->subject)
            json_kv_bytes(&w, "subject", c->subject, strlen(c->subject));
        json_kv_str(&w, "check", c->name);
        json_kv_str(&w, "status", status_json(c->status));
        json_kv_bytes(&w, "detail", c->detail, strlen(c->detail));
        json_kv_str(&w, "anchor", c->anchor);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_key(&w, "keys");
    json_begin_array(&w);
    for (size_t i = 0; i < r->n_keys; i++)
        json_bytes(&w, r->keys_used[i], strlen(r->keys_used[i]));
    json_end_array(&w);
    json_kv_str(&w, "versions", r->versions);
    json_end_object(&w);
    strbuf_addch(out, '\n');
    strbuf_release(&t);
}

void
report_html_escape(struct strbuf *out, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t len = s ? strlen(s) : 0;

    while (len > 0) {
        uint32_t cp;
        size_t n = utf8_decode(p, len, &cp);
        if (n == 0) {
            strbuf_addstr(out, "&#xFFFD;");
            p++;
            len--;
            continue;
        }
        if (cp == '&')
            strbuf_addstr(out, "&amp;");
        else if (cp == '<')
            strbuf_addstr(out, "&lt;");
        else if (cp == '>')
            strbuf_addstr(out, "&gt;");
        else if (cp == '"')
            strbuf_addstr(out, "&quot;");
        else if (cp == '\'')
            strbuf_addstr(out, "&#39;");
        else if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f ||
                 (cp >= 0x80 && cp < 0xa0) || utf8_is_bidi_control(cp))
            strbuf_addf(out, "&#x%X;", cp == 0 ? 0xFFFDu : cp);
        else
            strbuf_add(out, p, n);
        p += n;
        len -= n;
    }
}

void
report_html(struct strbuf *out, const struct report *r)
{
    struct strbuf t = STRBUF_INIT;
    const char *last_subject = NULL;

    strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                       "style-src 'unsafe-inline'\">\n"
                       "<title>custody-verify report</title>\n<style>\n"
                       "body{font-family:sans-serif;margin:2em;color:#000}\n"
                       "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\n"
                       "td,th{border:1px solid #888;padding:4px 6px;text-align:left;"
                       "vertical-align:top;font-size:10pt;word-break:break-all}\n"
                       ".pass{color:#060;font-weight:bold}.fail{color:#b00;font-weight:bold}"
                       ".cannot{color:#a60;font-weight:bold}\n"
                       ".verdict{font-size:14pt;border:2px solid #000;padding:8px}\n"
                       "@media print{body{margin:1cm}}\n</style></head><body>\n"
                       "<h1>Evidence verification report</h1>\n");
    strbuf_addstr(out, "<p class=\"verdict\">Verdict: <span class=\"");
    strbuf_addstr(out, r->exit_code == 0 ? "pass" : "fail");
    strbuf_addstr(out, "\">");
    report_html_escape(out, r->verdict);
    strbuf_addf(out, "</span> &mdash; %d passed, %d failed, %d could not be checked</p>\n",
                r->n_pass, r->n_fail, r->n_cannot);
    custody_format_time(&t, r->started_at);
    strbuf_addstr(out, "<p>Kind: ");
    report_html_escape(out, r->kind);
    strbuf_addstr(out, ". Verified at ");
    report_html_escape(out, t.buf);
    strbuf_addstr(out, " (UTC).</p>\n<h2>Facts</h2>\n<table><tr><th>subject</th><th>item</th>"
                       "<th>value</th></tr>\n");
    for (size_t i = 0; i < r->n_meta; i++) {
        strbuf_addstr(out, "<tr><td>");
        report_html_escape(out, r->meta[i].subject);
        strbuf_addstr(out, "</td><td>");
        report_html_escape(out, r->meta[i].key);
        strbuf_addstr(out, "</td><td>");
        report_html_escape(out, r->meta[i].value);
        strbuf_addstr(out, "</td></tr>\n");
    }
    strbuf_addstr(out, "</table>\n<h2>Checks</h2>\n<table><tr><th>result</th><th>check</th>"
                       "<th>detail</th><th>anchored in</th></tr>\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct check *c = &r->checks[i];
        static const char *cls[] = {"pass", "fail", "cannot"};
        if (c->subject && (!last_subject || strcmp(last_subject, c->subject) != 0)) {
            strbuf_addstr(out, "<tr><th colspan=\"4\">");
            report_html_escape(out, c->subject);
            strbuf_addstr(out, "</th></tr>\n");
            last_subject = c->subject;
        }
        strbuf_addf(out, "<tr><td class=\"%s\">%s</td><td>", cls[c->status],
                    STATUS_TEXT[c->status]);
        report_html_escape(out, c->name);
        strbuf_addstr(out, "</td><td>");
        report_html_escape(out, c->detail);
        strbuf_addstr(out, "</td><td>");
        report_html_escape(out, c->anchor ? c->anchor : "-");
        strbuf_addstr(out, "</td></tr>\n");
    }
    strbuf_addstr(out, "</table>\n<h2>Keys</h2>\n<ul>\n");
    if (r->n_keys == 0)
        strbuf_addstr(out, "<li>none</li>\n");
    for (size_t i = 0; i < r->n_keys; i++) {
        strbuf_addstr(out, "<li>");
        report_html_escape(out, r->keys_used[i]);
        strbuf_addstr(out, "</li>\n");
    }
    strbuf_addstr(out, "</ul>\n<h2>Tool versions</h2>\n<pre>");
    report_html_escape(out, r->versions);
    strbuf_addstr(out, "</pre>\n</body></html>\n");
    strbuf_release(&t);
}
