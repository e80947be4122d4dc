/* Syslog files: RFC 3164 ("Mar  6 04:07:28", no year: inferred), RFC 3339 stamps
 * (rsyslog's default on Debian 12), RFC 5424, and the forward formats where each
 * record starts with <PRI> and records may run together on one line. Continuation
 * lines are folded into the record before them; auth and cron records are
 * classified by log_auth.c. */
#include <string.h>

#include "cli.h"
#include "log_parsers.h"
#include "strbuf.h"

struct sys_ts {
    int bsd;   /* "Mmm dd hh:mm:ss": no year */
    int64_t y; /* ISO only */
    unsigned mo, d, h, mi, s;
    int64_t frac; /* ns */
    int has_off;
    int32_t off; /* seconds east of UTC */
};

struct sys_state {
    struct log_ctx *ctx;
    const uint8_t *data;
    size_t len;
    int pass; /* 1: count year wraps; 2: parse */
    /* year inference */
    unsigned prev_month;
    int64_t rel_year;
    unsigned last_month;
    int64_t base_year;
    int64_t prev_ts;
    struct strbuf extra;
    struct strbuf msg;
};

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Fraction ".123456" at p: ns value, bytes used (0 when absent). */
static size_t
parse_frac(const char *p, size_t n, int64_t *ns)
{
    size_t i = 1;
    int64_t v = 0, scale = 100000000;

    *ns = 0;
    if (n < 2 || (p[0] != '.' && p[0] != ',') || !is_digit(p[1]))
        return 0;
    for (; i < n && is_digit(p[i]); i++) {
        if (scale) {
            v += (p[i] - '0') * scale;
            scale /= 10;
        }
    }
    *ns = v;
    return i;
}

/* A BSD or ISO timestamp at p; bytes used or 0. */
static size_t
parse_ts(const char *p, size_t n, struct sys_ts *ts)
{
    size_t i;

    memset(ts, 0, sizeof(*ts));
    if (n >= 15 && p[3] == ' ' && (ts->mo = (unsigned)log_month(p)) != 0) {
        i = 4;
        if (p[i] == ' ')
            i++;
        if (!is_digit(p[i]))
            return 0;
        ts->d = (unsigned)(p[i++] - '0');
        if (i < n && is_digit(p[i]))
            ts->d = ts->d * 10 + (unsigned)(p[i++] - '0');
        if (i + 9 > n || p[i] != ' ' || p[i + 3] != ':' || p[i + 6] != ':')
            return 0;
        int64_t h = log_digits(p + i + 1, 2), mi = log_digits(p + i + 4, 2),
                s = log_digits(p + i + 7, 2);
        if (h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 60 || ts->d < 1 || ts->d > 31)
            return 0;
        ts->h = (unsigned)h;
        ts->mi = (unsigned)mi;
        ts->s = (unsigned)s;
        ts->bsd = 1;
        i += 9;
        return i + parse_frac(p + i, n - i, &ts->frac);
    }
    if (n >= 19 && p[4] == '-' && p[7] == '-' && (p[10] == 'T') && p[13] == ':' && p[16] == ':') {
        int64_t y = log_digits(p, 4), mo = log_digits(p + 5, 2), d = log_digits(p + 8, 2),
                h = log_digits(p + 11, 2), mi = log_digits(p + 14, 2), s = log_digits(p + 17, 2);
        if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 ||
            !log_valid_date(y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s))
            return 0;
        ts->y = y;
        ts->mo = (unsigned)mo;
        ts->d = (unsigned)d;
        ts->h = (unsigned)h;
        ts->mi = (unsigned)mi;
        ts->s = (unsigned)s;
        i = 19;
        i += parse_frac(p + i, n - i, &ts->frac);
        if (i < n && p[i] == 'Z') {
            ts->has_off = 1;
            i++;
        } else if (i + 5 <= n && (p[i] == '+' || p[i] == '-') && is_digit(p[i + 1])) {
            int64_t oh = log_digits(p + i + 1, 2), om;
            size_t j = i + 3;
            if (j < n && p[j] == ':')
                j++;
            om = j + 2 <= n ? log_digits(p + j, 2) : -1;
            if (oh < 0 || om < 0 || oh > 15 || om > 59)
                return 0;
            ts->off = (int32_t)((oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1));
            ts->has_off = 1;
            i = j + 2;
        }
        return i;
    }
    return 0;
}

/* "<PRI>" at p: bytes used (0 when absent), pri value. */
static size_t
parse_pri(const char *p, size_t n, int *pri)
{
    size_t i = 1;
    int v = 0;

    if (n < 3 || p[0] != '<')
        return 0;
    for (; i < n && i <= 4 && is_digit(p[i]); i++)
        v = v * 10 + (p[i] - '0');
    if (i == 1 || i > 4 || i >= n || p[i] != '>' || v > 191)
        return 0;
    *pri = v;
    return i + 1;
}

/* Does a record header start at p: [<PRI>][1 ]timestamp? Fills ts, *v5424 and *pri. */
static size_t
header_at(const char *p, size_t n, struct sys_ts *ts, int *pri, int *v5424)
{
    size_t i = parse_pri(p, n, pri), t;

    *v5424 = 0;
    if (!i)
        *pri = -1;
    if (i && i + 2 < n && p[i] == '1' && p[i + 1] == ' ') {
        *v5424 = 1;
        i += 2;
    }
    if (!(t = parse_ts(p + i, n - i, ts)))
        return 0;
    if (*v5424 && ts->bsd)
        return 0;
    return i + t;
}

/* Looks like a record with a broken timestamp: such lines are warned about, not folded. */
static int
broken_header(const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && i < 12 && p[i] != ' ' && p[i] != '\t')
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return 0;
    while (i < n && p[i] == ' ')
        i++;
    if (i + 10 > n || !is_digit(p[i]))
        return 0;
    i += is_digit(p[i + 1]) ? 2 : 1;
    return p[i] == ' ' && is_digit(p[i + 1]) && p[i + 3] == ':' && p[i + 6] == ':';
}

static void
update_year(struct sys_state *st, const struct sys_ts *ts)
{
    if (!ts->bsd)
        return;
    if (st->prev_month && ts->mo < st->prev_month)
        st->rel_year++;
    st->prev_month = ts->mo;
    st->last_month = ts->mo;
}

static const char *const levels[] = {"EMERG",   "ALERT", "CRIT",   "ERR",  "ERROR",
                                     "WARNING", "WARN",  "NOTICE", "INFO", "DEBUG"};

static int
is_level(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strlen(levels[i]) == n && !memcmp(levels[i], p, n))
            return 1;
    return 0;
}

/* RFC 5424 field: up to the next space; "-" is nil. */
static size_t
field5424(const char *p, size_t n, struct log_str *out)
{
    size_t i = 0;

    while (i < n && p[i] != ' ')
        i++;
    *out = (i == 1 && p[0] == '-') ? log_str_make(NULL, 0) : log_str_make(p, i);
    return i < n ? i + 1 : i;
}

static int
emit_record(struct sys_state *st, const char *rec, size_t n, uint64_t line, size_t off,
            struct custody_err *err)
{
    struct log_ctx *ctx = st->ctx;
    struct log_event ev;
    struct sys_ts ts;
    int pri, v5424;
    size_t i = header_at(rec, n, &ts, &pri, &v5424);
    int64_t y;

    while (n > i && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
        n--;
    update_year(st, &ts);
    if (st->pass == 1)
        return 0;
    log_event_init(&ev, "syslog", "message");
    strbuf_reset(&st->extra);
    if (ts.bsd) {
        y = st->base_year + st->rel_year;
        ev.flags |= LOG_FLAG_YEAR_INFERRED;
        log_extra_int(&st->extra, "year_inferred", y);
        if (!log_valid_date(y, ts.mo, ts.d, ts.h, ts.mi, ts.s))
            return log_warn(ctx, line, off, rec, n, err,
                            "date %02u-%02u does not exist in the inferred year %lld", ts.mo, ts.d,
                            (long long)y);
    } else {
        y = ts.y;
    }
    if (ts.has_off) {
        ev.ts = log_ns(log_days_from_civil(y, ts.mo, ts.d) * 86400 + ts.h * 3600 + ts.mi * 60 +
                           ts.s - ts.off,
                       ts.frac);
    } else {
        ev.ts = log_local_to_utc(ctx, y, ts.mo, ts.d, ts.h, ts.mi, ts.s, ts.frac, st->prev_ts);
        ev.flags |= LOG_FLAG_LOCAL_TIME;
    }
    st->prev_ts = ev.ts;
    if (pri >= 0) {
        log_extra_int(&st->extra, "facility", pri / 8);
        log_extra_int(&st->extra, "severity", pri % 8);
    }
    const char *p = rec + i, *end = rec + n;
    if (v5424) {
        struct log_str app, procid, msgid;
        if (p < end && *p == ' ')
            p++;
        p += field5424(p, (size_t)(end - p), &ev.host);
        p += field5424(p, (size_t)(end - p), &app);
        p += field5424(p, (size_t)(end - p), &procid);
        p += field5424(p, (size_t)(end - p), &msgid);
        ev.program = app;
        if (procid.p) {
            int64_t v = log_digits(procid.p, procid.n < 10 ? procid.n : 10);
            if (v >= 0 && procid.n < 10)
                ev.pid = v;
            else
                log_extra_str(&st->extra, "procid", procid.p, procid.n);
        }
        if (msgid.p)
            log_extra_str(&st->extra, "msgid", msgid.p, msgid.n);
        if (p < end && *p == '[') { /* structured data: [id k="v" ...]... */
            const char *sd = p;
            while (p < end && *p == '[') {
                while (p < end && *p != ']') {
                    if (*p == '\\' && p + 1 < end)
                        p++;
                    p++;
                }
                if (p < end)
                    p++;
            }
            log_extra_str(&st->extra, "sd", sd, (size_t)(p - sd));
        } else if (p < end && *p == '-') {
            p++;
        }
        if (p < end && *p == ' ')
            p++;
        if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
            p += 3;
    } else if (p < end && *p == ':') { /* "Feb 29 01:15:43: --- comment ---" */
        p++;
    } else {
        const char *t1, *t2;
        size_t n1;
        while (p < end && *p == ' ')
            p++;
        t1 = p;
        while (p < end && *p != ' ')
            p++;
        n1 = (size_t)(p - t1);
        if (n1 && (t1[n1 - 1] == ':' || memchr(t1, '[', n1))) {
            p = t1; /* "kernel: ..." - no host name */
        } else if (n1 && is_level(t1, n1)) {
            log_extra_str(&st->extra, "level", t1, n1);
            while (p < end && *p == ' ')
                p++;
        } else {
            ev.host = log_str_make(t1, n1);
            while (p < end && *p == ' ')
                p++;
        }
        t2 = p;
        while (p < end && *p != ' ' && *p != '[' && *p != ':')
            p++;
        ev.program = log_str_make(t2, (size_t)(p - t2));
        if (p < end && *p == '[') {
            const char *q = ++p;
            while (p < end && is_digit(*p))
                p++;
            if (p < end && *p == ']' && p > q && p - q < 10)
                ev.pid = log_digits(q, (size_t)(p - q));
            while (p < end && *p != ']' && *p != ' ')
                p++;
            if (p < end && *p == ']')
                p++;
        }
        if (p < end && *p == ':')
            p++;
        else if (ev.program.n && (p == end || *p == ' '))
            log_extra_int(&st->extra, "tag_without_colon", 1);
    }
    while (p < end && *p == ' ')
        p++;
    ev.message = log_str_make(p, (size_t)(end - p));
    ev.line = line;
    ev.offset = off;
    if (ev.message.n > 20) {
        const char *m = ev.message.p, *r;
        if ((r = memmem(m, ev.message.n, "message repeated ", 17)) != NULL) {
            const char *q = r + 17;
            int64_t cnt = 0;
            while (q < end && is_digit(*q) && cnt < 1000000000)
                cnt = cnt * 10 + (*q++ - '0');
            if (q < end && *q == ' ' && cnt > 0) {
                ev.action = "message-repeated";
                log_extra_int(&st->extra, "repeated", cnt);
            }
        }
    }
    log_auth_classify(&ev, &st->extra);
    ev.extra_json = st->extra.len ? st->extra.buf : NULL;
    return log_emit(ctx, &ev, err);
}

/* Records start with <PRI>: split at every PRI marker followed by a timestamp,
 * wherever it is (rsyslog's forward formats write no newline between records). */
static int
walk_pri(struct sys_state *st, struct custody_err *err)
{
    const char *d = (const char *)st->data;
    size_t len = st->len, start = 0, pos = 0;
    uint64_t line = 1, start_line = 1;
    struct sys_ts ts;
    int pri, v, rc;

    if (st->pass == 2)
        st->ctx->lines = 0;
    while (pos < len) {
        const char *lt = memchr(d + pos + 1, '<', len - pos - 1 > 0 ? len - pos - 1 : 0);
        size_t next = lt ? (size_t)(lt - d) : len;
        /* count newlines in this span */
        for (const char *q = d + pos; (q = memchr(q, '\n', (size_t)(d + next - q))) != NULL; q++)
            line++;
        if (next < len && !header_at(d + next, len - next, &ts, &pri, &v)) {
            pos = next;
            continue;
        }
        /* a record is [start, next) */
        if (header_at(d + start, next - start, &ts, &pri, &v)) {
            if ((rc = emit_record(st, d + start, next - start, start_line, start, err)) < 0)
                return rc;
        } else if (st->pass == 2 && next > start) {
            if ((rc = log_warn(st->ctx, start_line, start, d + start, next - start, err,
                               "text before the first record")) < 0)
                return rc;
        }
        start = pos = next;
        start_line = line;
    }
    if (st->pass == 2)
        st->ctx->lines = line - (len && d[len - 1] == '\n');
    return 0;
}

/* One record per line; lines that do not start a record continue the one before. */
static int
walk_lines(struct sys_state *st, struct custody_err *err)
{
    const char *d = (const char *)st->data;
    size_t pos = 0, s, e, rs = 0, re = 0;
    uint64_t line = 0, rline = 0;
    int have = 0, rc, pri, v;
    struct sys_ts ts;

    while (log_next_line(st->data, st->len, &pos, &s, &e)) {
        line++;
        if (header_at(d + s, e - s, &ts, &pri, &v)) {
            if (have && (rc = emit_record(st, d + rs, re - rs, rline, rs, err)) < 0)
                return rc;
            have = 1;
            rs = s;
            re = e;
            rline = line;
            continue;
        }
        if (e == s)
            continue; /* blank line */
        if (have && (d[s] == ' ' || d[s] == '\t' || !broken_header(d + s, e - s))) {
            re = e; /* continuation */
            continue;
        }
        if (have && (rc = emit_record(st, d + rs, re - rs, rline, rs, err)) < 0)
            return rc;
        have = 0;
        if (st->pass == 2 &&
            (rc = log_warn(st->ctx, line, s, d + s, e - s, err, "not a syslog record")) < 0)
            return rc;
    }
    if (have && (rc = emit_record(st, d + rs, re - rs, rline, rs, err)) < 0)
        return rc;
    if (st->pass == 2)
        st->ctx->lines = line;
    return 0;
}

static int
syslog_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct sys_state st;
    int pri, rc;
    int pri_mode = parse_pri((const char *)data, len, &pri) > 0;
    int64_t my;
    unsigned mm;

    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    st.data = data;
    st.len = len;
    st.prev_ts = INT64_MIN;
    strbuf_init(&st.extra);
    strbuf_init(&st.msg);
    /* pass 1: how many times the month wraps, so the last record lands in the
     * year of the file's mtime and earlier ones roll back across year ends */
    st.pass = 1;
    rc = pri_mode ? walk_pri(&st, err) : walk_lines(&st, err);
    if (rc < 0)
        goto done;
    log_year_month(ctx->mtime != INT64_MIN ? ctx->mtime : custody_now_ns(), &my, &mm);
    st.base_year = my - st.rel_year - (st.last_month > mm ? 1 : 0);
    st.rel_year = 0;
    st.prev_month = 0;
    st.pass = 2;
    rc = pri_mode ? walk_pri(&st, err) : walk_lines(&st, err);
done:
    strbuf_release(&st.extra);
    strbuf_release(&st.msg);
    return rc;
}

static int
syslog_sniff(const uint8_t *data, size_t len, const char *name)
{
    static const char *const names[] = {
        "syslog",     "messages", "auth.log", "secure", "kern.log",   "cron", "cron.log",
        "daemon.log", "user.log", "mail.log", "debug",  "system.log", "auth", NULL};
    struct sys_ts ts;
    int pri, v, named = 0;
    size_t s, e, pos = 0;
    int good = 0, lines = 0;

    for (size_t i = 0; names[i]; i++)
        if (name && !strcmp(name, names[i]))
            named = 1;
    while (lines < 20 && log_next_line(data, len, &pos, &s, &e)) {
        if (e == s || data[s] == ' ' || data[s] == '\t')
            continue; /* continuation lines say nothing */
        lines++;
        if (header_at((const char *)data + s, e - s, &ts, &pri, &v))
            good++;
    }
    if (named)
        return 90;
    if (lines && good * 2 >= lines)
        return 60;
    return good ? 30 : 0;
}

const struct log_parser log_parser_syslog = {"syslog", syslog_sniff, syslog_parse, 0};
