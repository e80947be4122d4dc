/* Helpers every log parser uses: calendar arithmetic, local time to UTC, line
 * iteration, and the event/warning emitters that keep the counters. */
#include "logs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "strbuf.h"

void
log_event_init(struct log_event *ev, const char *source, const char *action)
{
    memset(ev, 0, sizeof(*ev));
    ev->source = source;
    ev->action = action;
    ev->pid = -1;
    ev->port = -1;
    ev->status = -1;
    ev->bytes = -1;
}

struct log_str
log_str_make(const void *p, size_t n)
{
    struct log_str s = {(const char *)p, n};
    return s;
}

struct log_str
log_str_cstr(const char *s)
{
    struct log_str r = {s, s ? strlen(s) : 0};
    return r;
}

int64_t
log_ns(int64_t secs, int64_t frac_ns)
{
    int64_t ns;

    if (secs == LOG_TS_INVALID || __builtin_mul_overflow(secs, (int64_t)1000000000, &ns) ||
        __builtin_add_overflow(ns, frac_ns, &ns) || ns == LOG_TS_INVALID)
        return LOG_TS_INVALID;
    return ns;
}

int
log_emit(struct log_ctx *ctx, struct log_event *ev, struct custody_err *err)
{
    if (ev->ts == LOG_TS_INVALID)
        return log_warn(ctx, ev->line, ev->offset, ev->message.p, ev->message.n, err,
                        "time outside the range custody stores (years 1677-2262): record "
                        "not stored as an event");
    ctx->events++;
    return ctx->on_event ? ctx->on_event(ctx->arg, ev, err) : 0;
}

int
log_warn(struct log_ctx *ctx, uint64_t line, uint64_t offset, const void *raw, size_t raw_len,
         struct custody_err *err, const char *fmt, ...)
{
    char msg[256];
    struct log_warning w;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->warnings++;
    w.line = line;
    w.offset = offset;
    w.message = msg;
    w.raw = log_str_make(raw, raw_len > LOG_WARNING_RAW_MAX ? LOG_WARNING_RAW_MAX : raw_len);
    return ctx->on_warning ? ctx->on_warning(ctx->arg, &w, err) : 0;
}

/* Howard Hinnant's days_from_civil algorithm (public domain description). */
int64_t
log_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int
log_month(const char *p)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    char m[3];

    for (int i = 0; i < 3; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        m[i] = c;
    }
    for (int i = 0; i < 12; i++)
        if (!memcmp(names + 3 * i, m, 3))
            return i + 1;
    return 0;
}

int64_t
log_digits(const char *p, size_t n)
{
    int64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int
leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
log_valid_date(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
        return 0;
    return d <= mdays[mo - 1] + (mo == 2 && leap(y));
}

int64_t
log_local_to_utc(const struct log_ctx *ctx, int64_t y, unsigned mo, unsigned d, unsigned h,
                 unsigned mi, unsigned s, int64_t frac_ns, int64_t prev)
{
    int64_t local = log_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    int64_t cand[2];
    int n = log_tz_local_to_utc(ctx->tz, local, cand);

    /* In a repeated hour take the later instant only when the earlier one would run
     * time backwards from the previous record: a log is written in order. */
    if (n == 2 && prev != INT64_MIN && log_ns(cand[0], frac_ns) != LOG_TS_INVALID &&
        log_ns(cand[0], frac_ns) < prev)
        return log_ns(cand[1], frac_ns);
    return log_ns(cand[0], frac_ns);
}

int
log_next_line(const uint8_t *data, size_t len, size_t *pos, size_t *start, size_t *end)
{
    const uint8_t *nl;

    if (*pos >= len)
        return 0;
    *start = *pos;
    nl = memchr(data + *pos, '\n', len - *pos);
    *end = nl ? (size_t)(nl - data) : len;
    *pos = nl ? *end + 1 : len;
    if (*end > *start && data[*end - 1] == '\r')
        (*end)--;
    return 1;
}

void
log_extra_str(struct strbuf *sb, const char *key, const void *p, size_t n)
{
    int ok;

    if (sb->len)
        strbuf_addch(sb, ',');
    strbuf_addch(sb, '"');
    strbuf_addstr(sb, key);
    strbuf_addstr(sb, "\":\"");
    ok = json_escape(sb, p, n);
    strbuf_addch(sb, '"');
    if (!ok) {
        strbuf_addf(sb, ",\"%s_hex\":\"", key);
        strbuf_addhex(sb, p, n);
        strbuf_addch(sb, '"');
    }
}

void
log_extra_int(struct strbuf *sb, const char *key, int64_t v)
{
    /* once or twice per event: no printf */
    if (sb->len)
        strbuf_addch(sb, ',');
    strbuf_addch(sb, '"');
    strbuf_addstr(sb, key);
    strbuf_add(sb, "\":", 2);
    strbuf_add_i64(sb, v);
}

void
log_year_month(int64_t ns, int64_t *year, unsigned *month)
{
    int64_t z = (ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
    unsigned day;

    custody_civil_from_days(z >= 0 ? z / 86400 : (z - 86399) / 86400, year, month, &day);
}
