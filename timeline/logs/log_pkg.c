/* Package manager logs: dpkg.log, apt's history.log blocks, yum.log (no year:
 * inferred as for syslog) and dnf's logs. Times are local: ctx->tz applies. */
#include <string.h>

#include "cli.h"
#include "log_parsers.h"
#include "strbuf.h"

/* "YYYY-MM-DD<sep...>HH:MM:SS" with nsep separator bytes; bytes used or 0. */
static size_t
ymd_hms(const char *p, size_t n, size_t nsep, char sep, int64_t v[6])
{
    size_t t = 10 + nsep;

    if (n < t + 8 || p[4] != '-' || p[7] != '-' || p[t + 2] != ':' || p[t + 5] != ':')
        return 0;
    for (size_t i = 10; i < t; i++)
        if (p[i] != sep)
            return 0;
    v[0] = log_digits(p, 4);
    v[1] = log_digits(p + 5, 2);
    v[2] = log_digits(p + 8, 2);
    v[3] = log_digits(p + t, 2);
    v[4] = log_digits(p + t + 3, 2);
    v[5] = log_digits(p + t + 6, 2);
    for (int i = 0; i < 6; i++)
        if (v[i] < 0)
            return 0;
    if (!log_valid_date(v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3], (unsigned)v[4],
                        (unsigned)v[5]))
        return 0;
    return t + 8;
}

static int64_t
local_ns(struct log_ctx *ctx, const int64_t v[6], int64_t prev)
{
    return log_local_to_utc(ctx, v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3],
                            (unsigned)v[4], (unsigned)v[5], 0, prev);
}

static size_t
word(const char *p, const char *end, struct log_str *w)
{
    const char *q = p;

    while (q < end && *q != ' ')
        q++;
    *w = log_str_make(p, (size_t)(q - p));
    while (q < end && *q == ' ')
        q++;
    return (size_t)(q - p);
}

/* ---- dpkg.log: "2016-08-06 17:35:39 install base-passwd:amd64 <none> 3.5.33" ---- */

static int
dpkg_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    static const char *const verbs[][2] = {
        {"install", "package-installed"},    {"upgrade", "package-upgraded"},
        {"remove", "package-removed"},       {"purge", "package-purged"},
        {"configure", "package-configured"}, {"trigproc", "package-trigger"},
        {"status", "package-status"},        {"startup", "dpkg-startup"},
        {"conffile", "dpkg-conffile"},
    };
    struct strbuf extra = STRBUF_INIT;
    size_t pos = 0, s, e, t;
    uint64_t line = 0;
    int64_t v[6], prev = INT64_MIN;
    int rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        const char *l = (const char *)data + s, *end = (const char *)data + e, *p;
        struct log_event ev;
        struct log_str verb, a, b, c;
        line++;
        if (e == s)
            continue;
        if (!(t = ymd_hms(l, e - s, 1, ' ', v)) || t >= e - s || l[t] != ' ') {
            if ((rc = log_warn(ctx, line, s, l, e - s, err, "not a dpkg.log record")) < 0)
                break;
            continue;
        }
        p = l + t + 1;
        log_event_init(&ev, "dpkg", "dpkg-message");
        strbuf_reset(&extra);
        ev.ts = prev = local_ns(ctx, v, prev);
        ev.flags |= LOG_FLAG_LOCAL_TIME;
        p += word(p, end, &verb);
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
            if (verb.n == strlen(verbs[i][0]) && !memcmp(verb.p, verbs[i][0], verb.n))
                ev.action = verbs[i][1];
        p += word(p, end, &a);
        p += word(p, end, &b);
        word(p, end, &c);
        if (!strcmp(ev.action, "package-status")) { /* status STATE PKG VERSION */
            log_extra_str(&extra, "state", a.p, a.n);
            ev.path = b;
            log_extra_str(&extra, "version", c.p, c.n);
        } else if (!strncmp(ev.action, "package-", 8)) { /* VERB PKG OLD NEW */
            ev.path = a;
            if (b.n)
                log_extra_str(&extra, "old_version", b.p, b.n);
            if (c.n)
                log_extra_str(&extra, "version", c.p, c.n);
        } else if (!strcmp(ev.action, "dpkg-conffile")) {
            ev.path = a;
        }
        ev.program = log_str_cstr("dpkg");
        ev.message = log_str_make(l + t + 1, (size_t)(end - l - t - 1));
        ev.line = line;
        ev.offset = s;
        ev.extra_json = extra.len ? extra.buf : NULL;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    ctx->lines = line;
    strbuf_release(&extra);
    return rc;
}

static int
dpkg_sniff(const uint8_t *data, size_t len, const char *name)
{
    int64_t v[6];
    size_t t = ymd_hms((const char *)data, len, 1, ' ', v);
    static const char *const verbs[] = {"install ", "upgrade ",   "remove ",
                                        "purge ",   "configure ", "trigproc ",
                                        "status ",  "startup ",   "conffile "};

    if (name && !strcmp(name, "dpkg.log"))
        return 95;
    if (!t || t + 1 >= len)
        return 0;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (len - t - 1 >= strlen(verbs[i]) && !memcmp(data + t + 1, verbs[i], strlen(verbs[i])))
            return 85;
    return 0;
}

const struct log_parser log_parser_dpkg = {"dpkg", dpkg_sniff, dpkg_parse, 0};

/* ---- apt history.log: blank-line separated blocks ----
 * Start-Date: 2019-07-10  16:38:08
 * Commandline: apt-get install ...
 * Requested-By: alice (1000)
 * Install: pkg:amd64 (1.0-1), dep:amd64 (2.0, automatic)
 * End-Date: 2019-07-10  16:38:10
 * One "apt-command" event per block and one event per package, at Start-Date. */

struct apt_block {
    int open;
    int64_t ts;
    uint64_t line;
    size_t off;
    struct log_str cmdline, requested, error;
};

static int
apt_block_emit(struct log_ctx *ctx, struct apt_block *b, struct strbuf *extra,
               struct custody_err *err)
{
    struct log_event ev;

    if (!b->open)
        return 0;
    b->open = 0;
    log_event_init(&ev, "apt", "apt-command");
    strbuf_reset(extra);
    ev.ts = b->ts;
    ev.flags |= LOG_FLAG_LOCAL_TIME;
    ev.program = log_str_cstr("apt");
    ev.message = b->cmdline;
    ev.path = b->cmdline;
    if (b->requested.p) {
        const char *sp = memchr(b->requested.p, ' ', b->requested.n);
        ev.user = log_str_make(b->requested.p, sp ? (size_t)(sp - b->requested.p) : b->requested.n);
        log_extra_str(extra, "requested_by", b->requested.p, b->requested.n);
    }
    if (b->error.p)
        log_extra_str(extra, "error", b->error.p, b->error.n);
    ev.line = b->line;
    ev.offset = b->off;
    ev.extra_json = extra->len ? extra->buf : NULL;
    return log_emit(ctx, &ev, err);
}

static int
apt_packages(struct log_ctx *ctx, struct apt_block *b, const char *action, const char *p,
             const char *end, uint64_t line, size_t off, struct strbuf *extra,
             struct custody_err *err)
{
    int rc = 0;

    while (p < end) {
        struct log_event ev;
        const char *name = p, *paren = NULL, *close = NULL;
        while (p < end && *p == ' ')
            name = ++p;
        while (p < end && *p != ' ' && *p != ',' && *p != '(')
            p++;
        const char *name_end = p;
        while (p < end && *p == ' ')
            p++;
        if (p < end && *p == '(') {
            paren = p + 1;
            close = memchr(paren, ')', (size_t)(end - paren));
            if (!close)
                close = end;
            p = close < end ? close + 1 : end;
        }
        while (p < end && (*p == ',' || *p == ' '))
            p++;
        if (name_end == name)
            continue;
        log_event_init(&ev, "apt", action);
        strbuf_reset(extra);
        ev.ts = b->ts;
        ev.flags |= LOG_FLAG_LOCAL_TIME;
        ev.program = log_str_cstr("apt");
        ev.path = log_str_make(name, (size_t)(name_end - name));
        if (paren) {
            log_extra_str(extra, "versions", paren, (size_t)(close - paren));
            ev.message = log_str_make(name, (size_t)(close - name) + (close < end));
        } else {
            ev.message = ev.path;
        }
        if (b->cmdline.p)
            log_extra_str(extra, "commandline", b->cmdline.p, b->cmdline.n);
        if (b->requested.p) {
            const char *sp = memchr(b->requested.p, ' ', b->requested.n);
            ev.user =
                log_str_make(b->requested.p, sp ? (size_t)(sp - b->requested.p) : b->requested.n);
        }
        ev.line = line;
        ev.offset = off;
        ev.extra_json = extra->buf;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    return rc;
}

static int
apt_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    static const char *const keys[][2] = {
        {"Install: ", "package-installed"},    {"Upgrade: ", "package-upgraded"},
        {"Remove: ", "package-removed"},       {"Purge: ", "package-purged"},
        {"Downgrade: ", "package-downgraded"}, {"Reinstall: ", "package-reinstalled"},
    };
    struct strbuf extra = STRBUF_INIT;
    struct apt_block b;
    size_t pos = 0, s, e;
    uint64_t line = 0;
    int64_t v[6], prev = INT64_MIN;
    int rc = 0;

    memset(&b, 0, sizeof(b));
    while (log_next_line(data, len, &pos, &s, &e)) {
        const char *l = (const char *)data + s, *end = (const char *)data + e;
        size_t n = e - s;
        int known = 0;
        line++;
        if (n == 0)
            continue;
        if (n > 12 && !memcmp(l, "Start-Date: ", 12)) {
            if ((rc = apt_block_emit(ctx, &b, &extra, err)) < 0)
                break;
            if (!ymd_hms(l + 12, n - 12, 2, ' ', v)) {
                if ((rc = log_warn(ctx, line, s, l, n, err, "bad Start-Date")) < 0)
                    break;
                continue;
            }
            memset(&b, 0, sizeof(b));
            b.open = 1;
            b.ts = prev = local_ns(ctx, v, prev);
            b.line = line;
            b.off = s;
            continue;
        }
        if (!b.open) {
            if ((rc = log_warn(ctx, line, s, l, n, err, "line outside a Start-Date block")) < 0)
                break;
            continue;
        }
        if (n > 13 && !memcmp(l, "Commandline: ", 13)) {
            b.cmdline = log_str_make(l + 13, n - 13);
            continue;
        }
        if (n > 14 && !memcmp(l, "Requested-By: ", 14)) {
            b.requested = log_str_make(l + 14, n - 14);
            continue;
        }
        if (n > 7 && !memcmp(l, "Error: ", 7)) {
            b.error = log_str_make(l + 7, n - 7);
            continue;
        }
        if (n > 10 && !memcmp(l, "End-Date: ", 10)) {
            if ((rc = apt_block_emit(ctx, &b, &extra, err)) < 0)
                break;
            continue;
        }
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            size_t kn = strlen(keys[i][0]);
            if (n > kn && !memcmp(l, keys[i][0], kn)) {
                known = 1;
                rc = apt_packages(ctx, &b, keys[i][1], l + kn, end, line, s, &extra, err);
                break;
            }
        }
        if (rc < 0)
            break;
        if (!known && (rc = log_warn(ctx, line, s, l, n, err, "unknown history.log line")) < 0)
            break;
    }
    if (rc == 0)
        rc = apt_block_emit(ctx, &b, &extra, err);
    ctx->lines = line;
    strbuf_release(&extra);
    return rc;
}

static int
apt_sniff(const uint8_t *data, size_t len, const char *name)
{
    size_t i = 0;

    while (i < len && (data[i] == '\n' || data[i] == '\r'))
        i++;
    if (len - i >= 12 && !memcmp(data + i, "Start-Date: ", 12))
        return name && !strcmp(name, "history.log") ? 98 : 90;
    return name && !strcmp(name, "history.log") && len == 0 ? 60 : 0;
}

const struct log_parser log_parser_apt = {"apt-history", apt_sniff, apt_parse, 0};

/* ---- yum.log ("Jan 22 07:52:33 Installed: pkg") and dnf logs
 * ("2021-03-06T04:07:38+0000 SUBDEBUG Installed: pkg") ---- */

static const char *const yum_verbs[][2] = {
    {"Installed: ", "package-installed"},   {"Dep-Installed: ", "package-installed"},
    {"Updated: ", "package-upgraded"},      {"Upgraded: ", "package-upgraded"},
    {"Upgrade: ", "package-upgraded"},      {"Erased: ", "package-removed"},
    {"Erase: ", "package-removed"},         {"Removed: ", "package-removed"},
    {"Obsoleted: ", "package-removed"},     {"Reinstalled: ", "package-reinstalled"},
    {"Reinstall: ", "package-reinstalled"}, {"Downgraded: ", "package-downgraded"},
    {"Downgrade: ", "package-downgraded"},  {"Command: ", "package-command"},
};

/* "Mmm dd hh:mm:ss ": month, day, h, m, s; bytes used or 0 */
static size_t
yum_ts(const char *p, size_t n, unsigned t[5])
{
    if (n < 16 || p[3] != ' ' || !(t[0] = (unsigned)log_month(p)))
        return 0;
    int64_t d = p[4] == ' ' ? log_digits(p + 5, 1) : log_digits(p + 4, 2);
    int64_t h = log_digits(p + 7, 2), mi = log_digits(p + 10, 2), s = log_digits(p + 13, 2);
    if (d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || p[6] != ' ' ||
        p[9] != ':' || p[12] != ':' || p[15] != ' ')
        return 0;
    t[1] = (unsigned)d;
    t[2] = (unsigned)h;
    t[3] = (unsigned)mi;
    t[4] = (unsigned)s;
    return 16;
}

/* dnf: ISO time with optional zone, then a level word; bytes used or 0 */
static size_t
dnf_ts(const char *p, size_t n, int64_t v[6], int32_t *off, int *has_off)
{
    size_t i = ymd_hms(p, n, 1, 'T', v);

    *has_off = 0;
    *off = 0;
    if (!i)
        return 0;
    if (i < n && p[i] == 'Z') {
        *has_off = 1;
        i++;
    } else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
        size_t j = i + 3;
        int64_t oh = log_digits(p + i + 1, 2), om;
        if (j < n && p[j] == ':')
            j++;
        om = j + 2 <= n ? log_digits(p + j, 2) : -1;
        if (oh < 0 || om < 0)
            return 0;
        *off = (int32_t)((oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1));
        *has_off = 1;
        i = j + 2;
    }
    if (i >= n || p[i] != ' ')
        return 0;
    i++;
    while (i < n && p[i] >= 'A' && p[i] <= 'Z')
        i++;
    if (i >= n || p[i] != ' ')
        return 0;
    return i + 1;
}

static int
yum_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf extra = STRBUF_INIT;
    size_t pos, s, e, t;
    uint64_t line;
    unsigned ym[5], prev_month = 0, last_month = 0;
    int64_t rel = 0, base, my, v[6], prev = INT64_MIN;
    unsigned mm;
    int32_t off;
    int has_off, rc = 0;

    /* pass 1: month wraps for the year-less yum.log format (see log_syslog.c) */
    for (pos = 0; log_next_line(data, len, &pos, &s, &e);)
        if (yum_ts((const char *)data + s, e - s, ym)) {
            if (prev_month && ym[0] < prev_month)
                rel++;
            prev_month = last_month = ym[0];
        }
    log_year_month(ctx->mtime != INT64_MIN ? ctx->mtime : custody_now_ns(), &my, &mm);
    base = my - rel - (last_month > mm ? 1 : 0);
    rel = 0;
    prev_month = 0;
    for (pos = 0, line = 0; log_next_line(data, len, &pos, &s, &e);) {
        const char *l = (const char *)data + s, *end = (const char *)data + e, *p;
        struct log_event ev;
        line++;
        if (e == s)
            continue;
        log_event_init(&ev, "yum", "message");
        strbuf_reset(&extra);
        if ((t = yum_ts(l, e - s, ym)) != 0) {
            if (prev_month && ym[0] < prev_month)
                rel++;
            prev_month = ym[0];
            int64_t y = base + rel;
            if (!log_valid_date(y, ym[0], ym[1], ym[2], ym[3], ym[4])) {
                if ((rc = log_warn(ctx, line, s, l, e - s, err,
                                   "date does not exist in the inferred year %lld", (long long)y)) <
                    0)
                    break;
                continue;
            }
            ev.ts = log_local_to_utc(ctx, y, ym[0], ym[1], ym[2], ym[3], ym[4], 0, prev);
            ev.flags |= LOG_FLAG_YEAR_INFERRED | LOG_FLAG_LOCAL_TIME;
            log_extra_int(&extra, "year_inferred", y);
        } else if ((t = dnf_ts(l, e - s, v, &off, &has_off)) != 0) {
            ev.source = "dnf";
            if (has_off) {
                ev.ts = log_ns(log_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]) * 86400 +
                                   v[3] * 3600 + v[4] * 60 + v[5] - off,
                               0);
            } else {
                ev.ts = local_ns(ctx, v, prev);
                ev.flags |= LOG_FLAG_LOCAL_TIME;
            }
        } else {
            if ((rc = log_warn(ctx, line, s, l, e - s, err, "not a yum/dnf log record")) < 0)
                break;
            continue;
        }
        prev = ev.ts;
        p = l + t;
        for (size_t i = 0; i < sizeof(yum_verbs) / sizeof(yum_verbs[0]); i++) {
            size_t kn = strlen(yum_verbs[i][0]);
            if ((size_t)(end - p) > kn && !memcmp(p, yum_verbs[i][0], kn)) {
                ev.action = yum_verbs[i][1];
                ev.path = log_str_make(p + kn, (size_t)(end - p - kn));
                break;
            }
        }
        ev.message = log_str_make(p, (size_t)(end - p));
        ev.line = line;
        ev.offset = s;
        ev.extra_json = extra.len ? extra.buf : NULL;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    ctx->lines = line;
    strbuf_release(&extra);
    return rc;
}

static int
yum_sniff(const uint8_t *data, size_t len, const char *name)
{
    unsigned ym[5];
    int64_t v[6];
    int32_t off;
    int has;
    size_t t;

    if (name &&
        (!strcmp(name, "yum.log") || !strncmp(name, "dnf", 3) || !strcmp(name, "hawkey.log")))
        return 92;
    if ((t = yum_ts((const char *)data, len, ym)) != 0) {
        for (size_t i = 0; i < sizeof(yum_verbs) / sizeof(yum_verbs[0]); i++)
            if (len - t > strlen(yum_verbs[i][0]) &&
                !memcmp(data + t, yum_verbs[i][0], strlen(yum_verbs[i][0])))
                return 85;
        return 0;
    }
    if (dnf_ts((const char *)data, len, v, &off, &has))
        return 55;
    return 0;
}

const struct log_parser log_parser_yum = {"yum", yum_sniff, yum_parse, 0};
