/* Web server access logs: NCSA common and combined, Apache vhost_combined
 * ("host:port client ..."), nginx's default (combined), X-Forwarded-For lists in
 * the client slot (bare or quoted), IPv6 and unix: clients, "-" and garbage
 * requests. The client ip stored is the connecting peer (the last address of the
 * client field); forwarded-for lists, which the client can forge, go to xff. */
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

struct group {
    const char *p;
    size_t n;
    int list;         /* holds a comma-separated list */
    int quoted;       /* was in double quotes */
    const char *last; /* last element of the list */
    size_t last_n;
};

#define MAX_GROUPS 8

/* "[10/Oct/2000:13:55:36 -0700]" at p (p[0] == '['): bytes used or 0. */
static size_t
clf_time(const char *p, size_t n, int64_t *ns)
{
    int64_t d, y, h, mi, s, oh, om;
    int mo;

    if (n < 28 || p[0] != '[' || p[3] != '/' || p[7] != '/' || p[12] != ':' || p[15] != ':' ||
        p[18] != ':' || p[21] != ' ' || (p[22] != '+' && p[22] != '-') || p[27] != ']')
        return 0;
    d = log_digits(p + 1, 2);
    mo = log_month(p + 4);
    y = log_digits(p + 8, 4);
    h = log_digits(p + 13, 2);
    mi = log_digits(p + 16, 2);
    s = log_digits(p + 19, 2);
    oh = log_digits(p + 23, 2);
    om = log_digits(p + 25, 2);
    if (d < 0 || !mo || y < 0 || h < 0 || mi < 0 || s < 0 || oh < 0 || om < 0 || om > 59 ||
        !log_valid_date(y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s))
        return 0;
    int64_t off = (oh * 3600 + om * 60) * (p[22] == '-' ? -1 : 1);
    *ns = log_ns(log_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                     s - off,
                 0);
    return 28;
}

/* Split the text before the time into groups: tokens, comma lists, quoted strings. */
static int
split_groups(const char *p, size_t n, struct group *g, int max)
{
    size_t i = 0;
    int k = 0;

    while (i < n) {
        while (i < n && p[i] == ' ')
            i++;
        if (i >= n)
            break;
        if (k == max)
            return -1;
        struct group *cur = &g[k++];
        memset(cur, 0, sizeof(*cur));
        if (p[i] == '"') {
            const char *q = memchr(p + i + 1, '"', n - i - 1);
            if (!q)
                return -1;
            cur->p = p + i + 1;
            cur->n = (size_t)(q - cur->p);
            cur->quoted = 1;
            i = (size_t)(q - p) + 1;
        } else {
            size_t s = i;
            for (;;) {
                while (i < n && p[i] != ' ')
                    i++;
                if (i > s && p[i - 1] == ',' && i < n) {
                    cur->list = 1;
                    while (i < n && p[i] == ' ')
                        i++;
                    continue;
                }
                break;
            }
            cur->p = p + s;
            cur->n = i - s;
        }
        /* last element of a list */
        const char *c = memrchr(cur->p, ',', cur->n);
        if (c)
            cur->list = 1;
        cur->last = c ? c + 1 : cur->p;
        while (cur->last < cur->p + cur->n && *cur->last == ' ')
            cur->last++;
        cur->last_n = (size_t)(cur->p + cur->n - cur->last);
    }
    return k;
}

/* A closing quote: '"' followed by end of line or a space. */
static const char *
close_quote(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
            continue;
        }
        if (*p == '"' && (p + 1 == end || p[1] == ' '))
            return p;
    }
    return NULL;
}

static int
access_line(struct log_ctx *ctx, struct strbuf *extra, const char *l, size_t n, uint64_t line,
            size_t off, struct custody_err *err)
{
    const char *end = l + n, *lb = l, *p, *q;
    struct group g[MAX_GROUPS];
    struct log_event ev;
    size_t tl = 0;
    int k;
    int64_t ts = 0;

    while ((lb = memchr(lb, '[', (size_t)(end - lb))) != NULL) {
        if ((tl = clf_time(lb, (size_t)(end - lb), &ts)) != 0)
            break;
        lb++;
    }
    if (!lb)
        return log_warn(ctx, line, off, l, n, err, "no [dd/Mon/yyyy:hh:mm:ss zone] time");
    k = split_groups(l, (size_t)(lb - l), g, MAX_GROUPS);
    if (k < 3 || k > 5)
        return log_warn(ctx, line, off, l, n, err,
                        "expected 'client ident user' before the time, found %d fields", k);
    log_event_init(&ev, "web", "web-request");
    strbuf_reset(extra);
    ev.ts = ts;
    int nc = k - 2; /* client groups */
    struct group *client = &g[nc - 1];
    if (nc == 2) {
        if (g[0].list || g[0].quoted)
            ev.xff = log_str_make(g[0].p, g[0].n);
        else
            ev.vhost = log_str_make(g[0].p, g[0].n);
    } else if (nc == 3) {
        ev.vhost = log_str_make(g[0].p, g[0].n);
        ev.xff = log_str_make(g[1].p, g[1].n);
    }
    if (client->list && !ev.xff.p)
        ev.xff = log_str_make(client->p, client->n);
    ev.ip = log_str_make(client->last, client->last_n);
    if (!(g[k - 2].n == 1 && g[k - 2].p[0] == '-'))
        log_extra_str(extra, "ident", g[k - 2].p, g[k - 2].n);
    if (!(g[k - 1].n == 1 && g[k - 1].p[0] == '-'))
        ev.user = log_str_make(g[k - 1].p, g[k - 1].n);
    p = lb + tl;
    if (end - p < 3 || p[0] != ' ' || p[1] != '"')
        return log_warn(ctx, line, off, l, n, err, "no quoted request after the time");
    p += 2;
    /* the request ends at the quote that is followed by " NNN": requests may hold quotes */
    for (q = p; (q = memchr(q, '"', (size_t)(end - q))) != NULL; q++)
        if (end - q >= 5 && q[1] == ' ' &&
            ((q[2] >= '0' && q[2] <= '9' && q[3] >= '0' && q[3] <= '9' && q[4] >= '0' &&
              q[4] <= '9' && (end - q == 5 || q[5] == ' ')) ||
             (q[2] == '-' && (end - q == 3 || q[3] == ' '))))
            break;
    if (!q)
        return log_warn(ctx, line, off, l, n, err, "no status after the request");
    struct log_str req = log_str_make(p, (size_t)(q - p));
    log_extra_str(extra, "request", req.p, req.n);
    { /* METHOD SP target SP protocol */
        const char *s1 = memchr(req.p, ' ', req.n), *s2 = s1 ? memrchr(req.p, ' ', req.n) : NULL;
        if (s1 && s2 && s2 > s1) {
            ev.method = log_str_make(req.p, (size_t)(s1 - req.p));
            ev.path = log_str_make(s1 + 1, (size_t)(s2 - s1 - 1));
            log_extra_str(extra, "protocol", s2 + 1, (size_t)(req.p + req.n - s2 - 1));
        } else if (s1) {
            ev.method = log_str_make(req.p, (size_t)(s1 - req.p));
            ev.path = log_str_make(s1 + 1, (size_t)(req.p + req.n - s1 - 1));
        }
    }
    p = q + 2;
    if (*p == '-') {
        p++;
    } else {
        ev.status = (int)log_digits(p, 3);
        p += 3;
    }
    if (p < end && *p == ' ')
        p++;
    if (p < end && *p == '-') {
        p++;
    } else if (p < end) {
        int64_t b = 0;
        const char *bs = p;
        while (p < end && *p >= '0' && *p <= '9' && b < (INT64_MAX - 9) / 10)
            b = b * 10 + (*p++ - '0');
        if (p == bs || (p < end && *p != ' '))
            return log_warn(ctx, line, off, l, n, err, "bad byte count");
        ev.bytes = b;
    }
    if (p < end && *p == ' ' && p + 1 < end && p[1] == '"') { /* combined: referrer, agent */
        p += 2;
        if (!(q = close_quote(p, end)))
            return log_warn(ctx, line, off, l, n, err, "unterminated referrer");
        if (!(q - p == 1 && *p == '-'))
            ev.referrer = log_str_make(p, (size_t)(q - p));
        p = q + 1;
        if (end - p >= 2 && p[0] == ' ' && p[1] == '"') {
            p += 2;
            if (!(q = close_quote(p, end)))
                return log_warn(ctx, line, off, l, n, err, "unterminated user agent");
            if (!(q - p == 1 && *p == '-'))
                ev.agent = log_str_make(p, (size_t)(q - p));
            p = q + 1;
        }
    }
    while (p < end && *p == ' ')
        p++;
    if (p < end)
        log_extra_str(extra, "trailing", p, (size_t)(end - p));
    ev.message = log_str_make(l, n);
    ev.line = line;
    ev.offset = off;
    ev.extra_json = extra->len ? extra->buf : NULL;
    return log_emit(ctx, &ev, err);
}

static int
access_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf extra = STRBUF_INIT;
    size_t pos = 0, s, e;
    uint64_t line = 0;
    int rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        line++;
        if (e == s)
            continue;
        if ((rc = access_line(ctx, &extra, (const char *)data + s, e - s, line, s, err)) < 0)
            break;
    }
    ctx->lines = line;
    strbuf_release(&extra);
    return rc;
}

static int
access_sniff(const uint8_t *data, size_t len, const char *name)
{
    size_t pos = 0, s, e;
    int good = 0, lines = 0;
    int64_t ts;

    while (lines < 20 && log_next_line(data, len, &pos, &s, &e)) {
        const char *lb = memchr(data + s, '[', e - s);
        if (e == s)
            continue;
        lines++;
        if (lb && clf_time(lb, (size_t)((const char *)data + e - lb), &ts) &&
            memchr(lb, '"', (size_t)((const char *)data + e - lb)))
            good++;
    }
    if (name && (strstr(name, "access") || !strcmp(name, "other_vhosts_access.log")) && good)
        return 95;
    if (lines && good * 2 >= lines)
        return 80;
    return 0;
}

const struct log_parser log_parser_access = {"access", access_sniff, access_parse, 0};

/* ---- error logs: Apache 2.2/2.4 and nginx ---- */

/* "[Wed Oct 11 14:32:52.123456 2000]": bytes used or 0. */
static size_t
apache_err_time(struct log_ctx *ctx, const char *p, size_t n, int64_t *ns, int64_t prev)
{
    const char *q;
    int mo;
    int64_t d, h, mi, s, y, frac = 0;
    size_t i;

    if (n < 26 || p[0] != '[' || p[4] != ' ' || p[8] != ' ' || !(mo = log_month(p + 5)))
        return 0;
    i = 9;
    d = p[i] == ' ' ? log_digits(p + i + 1, 1) : log_digits(p + i, 2);
    i += 2;
    if (p[i] != ' ' || p[i + 3] != ':' || p[i + 6] != ':')
        return 0;
    h = log_digits(p + i + 1, 2);
    mi = log_digits(p + i + 4, 2);
    s = log_digits(p + i + 7, 2);
    i += 9;
    if (p[i] == '.') {
        int64_t scale = 100000000;
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, scale /= 10)
            frac += (p[i] - '0') * scale;
    }
    if (i + 6 > n || p[i] != ' ' || p[i + 5] != ']')
        return 0;
    y = log_digits(p + i + 1, 4);
    if (d < 0 || h < 0 || mi < 0 || s < 0 || y < 0 ||
        !log_valid_date(y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s))
        return 0;
    q = p + i + 6;
    *ns = log_local_to_utc(ctx, y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi,
                           (unsigned)s, frac, prev);
    return (size_t)(q - p);
}

/* "2016/10/25 14:49:34 ": bytes used or 0. */
static size_t
nginx_err_time(struct log_ctx *ctx, const char *p, size_t n, int64_t *ns, int64_t prev)
{
    int64_t y, mo, d, h, mi, s;

    if (n < 20 || p[4] != '/' || p[7] != '/' || p[10] != ' ' || p[13] != ':' || p[16] != ':' ||
        p[19] != ' ')
        return 0;
    y = log_digits(p, 4);
    mo = log_digits(p + 5, 2);
    d = log_digits(p + 8, 2);
    h = log_digits(p + 11, 2);
    mi = log_digits(p + 14, 2);
    s = log_digits(p + 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 ||
        !log_valid_date(y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s))
        return 0;
    *ns = log_local_to_utc(ctx, y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi,
                           (unsigned)s, 0, prev);
    return 20;
}

static int
errorlog_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf extra = STRBUF_INIT;
    size_t pos = 0, s, e, t;
    uint64_t line = 0;
    int64_t prev = INT64_MIN;
    int rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        const char *l = (const char *)data + s, *end = (const char *)data + e, *p;
        struct log_event ev;
        line++;
        if (e == s)
            continue;
        log_event_init(&ev, "web", "web-error");
        strbuf_reset(&extra);
        if ((t = apache_err_time(ctx, l, e - s, &ev.ts, prev)) != 0) {
            p = l + t;
            /* " [module:level] [pid N:tid M] [client IP:port] message" */
            while (end - p > 2 && p[0] == ' ' && p[1] == '[') {
                const char *c = memchr(p + 2, ']', (size_t)(end - p - 2));
                if (!c)
                    break;
                const char *f = p + 2;
                size_t fn = (size_t)(c - f);
                if (fn > 7 && !memcmp(f, "client ", 7)) {
                    const char *ip = f + 7, *colon = memrchr(ip, ':', (size_t)(c - ip));
                    /* "[client 1.2.3.4:5678]" or "[client ::1]" (2.2: no port) */
                    if (colon && memchr(ip, '.', (size_t)(c - ip))) {
                        ev.ip = log_str_make(ip, (size_t)(colon - ip));
                        ev.port = log_digits(colon + 1, (size_t)(c - colon - 1));
                    } else {
                        ev.ip = log_str_make(ip, (size_t)(c - ip));
                    }
                } else if (fn > 4 && !memcmp(f, "pid ", 4)) {
                    const char *pe = f + 4;
                    while (pe < c && *pe >= '0' && *pe <= '9')
                        pe++;
                    if (pe > f + 4 && pe - f - 4 < 10)
                        ev.pid = log_digits(f + 4, (size_t)(pe - f - 4));
                } else {
                    log_extra_str(&extra, "level", f, fn);
                }
                p = c + 1;
            }
        } else if ((t = nginx_err_time(ctx, l, e - s, &ev.ts, prev)) != 0) {
            p = l + t;
            if (p < end && *p == '[') {
                const char *c = memchr(p, ']', (size_t)(end - p));
                if (c) {
                    log_extra_str(&extra, "level", p + 1, (size_t)(c - p - 1));
                    p = c + 1;
                }
            }
            const char *cl = memmem(p, (size_t)(end - p), ", client: ", 10);
            if (cl) {
                const char *ce = cl + 10;
                while (ce < end && *ce != ',')
                    ce++;
                ev.ip = log_str_make(cl + 10, (size_t)(ce - cl - 10));
            }
        } else {
            if ((rc = log_warn(ctx, line, s, l, e - s, err, "not an error log record")) < 0)
                break;
            continue;
        }
        prev = ev.ts;
        while (p < end && *p == ' ')
            p++;
        ev.flags |= LOG_FLAG_LOCAL_TIME;
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
errorlog_sniff(const uint8_t *data, size_t len, const char *name)
{
    size_t pos = 0, s, e;
    int good = 0, lines = 0;
    int64_t ns;
    struct log_ctx ctx = {0};

    while (lines < 20 && log_next_line(data, len, &pos, &s, &e)) {
        if (e == s)
            continue;
        lines++;
        if (apache_err_time(&ctx, (const char *)data + s, e - s, &ns, INT64_MIN) ||
            nginx_err_time(&ctx, (const char *)data + s, e - s, &ns, INT64_MIN))
            good++;
    }
    if (name && strstr(name, "error") && good)
        return 95;
    if (lines && good * 2 >= lines)
        return 80;
    return 0;
}

const struct log_parser log_parser_errorlog = {"errorlog", errorlog_sniff, errorlog_parse, 0};
