/* vsftpd.log: "Mon Jun  6 18:43:28 2016 [pid 2] [jean] OK LOGIN: Client "192.168.1.9"".
 * Local time (ctx->tz). */
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

/* "Www Mmm dd hh:mm:ss yyyy " : bytes used or 0 */
static size_t
vs_ts(const char *p, size_t n, int64_t v[6])
{
    if (n < 25 || p[3] != ' ' || p[7] != ' ' || !(v[1] = log_month(p + 4)) || p[10] != ' ' ||
        p[13] != ':' || p[16] != ':' || p[19] != ' ' || p[24] != ' ')
        return 0;
    v[2] = p[8] == ' ' ? log_digits(p + 9, 1) : log_digits(p + 8, 2);
    v[3] = log_digits(p + 11, 2);
    v[4] = log_digits(p + 14, 2);
    v[5] = log_digits(p + 17, 2);
    v[0] = log_digits(p + 20, 4);
    for (int i = 0; i < 6; i++)
        if (v[i] < 0)
            return 0;
    if (!log_valid_date(v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3], (unsigned)v[4],
                        (unsigned)v[5]))
        return 0;
    return 25;
}

static int
vsftpd_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf act = STRBUF_INIT;
    size_t pos = 0, s, e, t;
    uint64_t line = 0;
    int64_t v[6], prev = INT64_MIN;
    int rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        const char *l = (const char *)data + s, *end = (const char *)data + e, *p, *q;
        struct log_event ev;
        line++;
        if (e == s)
            continue;
        if (!(t = vs_ts(l, e - s, v))) {
            if ((rc = log_warn(ctx, line, s, l, e - s, err, "not a vsftpd.log record")) < 0)
                break;
            continue;
        }
        log_event_init(&ev, "vsftpd", "ftp-message");
        ev.ts = prev = log_local_to_utc(ctx, v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3],
                                        (unsigned)v[4], (unsigned)v[5], 0, prev);
        ev.flags |= LOG_FLAG_LOCAL_TIME;
        ev.program = log_str_cstr("vsftpd");
        p = l + t;
        if (end - p > 5 && !memcmp(p, "[pid ", 5) && (q = memchr(p, ']', (size_t)(end - p)))) {
            if (q - p - 5 > 0 && q - p - 5 < 10)
                ev.pid = log_digits(p + 5, (size_t)(q - p - 5));
            p = q + 1;
            while (p < end && *p == ' ')
                p++;
        }
        if (p < end && *p == '[' && (q = memchr(p, ']', (size_t)(end - p)))) {
            ev.user = log_str_make(p + 1, (size_t)(q - p - 1));
            p = q + 1;
            while (p < end && *p == ' ')
                p++;
        }
        ev.message = log_str_make(p, (size_t)(end - p));
        /* "OK LOGIN:", "FAIL DOWNLOAD:", "CONNECT:" -> ftp-login, ftp-download-failure, ... */
        q = memchr(p, ':', (size_t)(end - p));
        if (q && q - p < 32) {
            const char *w = p;
            int fail = 0;
            if (end - w > 3 && !memcmp(w, "OK ", 3))
                w += 3;
            else if (end - w > 5 && !memcmp(w, "FAIL ", 5)) {
                w += 5;
                fail = 1;
            }
            strbuf_reset(&act);
            strbuf_addstr(&act, "ftp-");
            for (; w < q; w++)
                strbuf_addch(&act,
                             *w >= 'A' && *w <= 'Z' ? *w - 'A' + 'a' : (*w == ' ' ? '-' : *w));
            if (fail)
                strbuf_addstr(&act, "-failure");
            ev.action = act.buf;
            const char *c = memmem(q, (size_t)(end - q), "Client \"", 8);
            if (c) {
                const char *ce = memchr(c + 8, '"', (size_t)(end - c - 8));
                if (ce)
                    ev.ip = log_str_make(c + 8, (size_t)(ce - c - 8));
                if (ce && end - ce > 4 && !memcmp(ce, "\", \"", 4)) {
                    const char *f = ce + 4, *fe = memchr(f, '"', (size_t)(end - f));
                    if (fe)
                        ev.path = log_str_make(f, (size_t)(fe - f));
                }
            }
        }
        ev.line = line;
        ev.offset = s;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    ctx->lines = line;
    strbuf_release(&act);
    return rc;
}

static int
vsftpd_sniff(const uint8_t *data, size_t len, const char *name)
{
    int64_t v[6];

    if (name && !strcmp(name, "vsftpd.log"))
        return 95;
    if (vs_ts((const char *)data, len, v) && len > 30 && !memcmp(data + 25, "[pid ", 5))
        return 85;
    return 0;
}

const struct log_parser log_parser_vsftpd = {"vsftpd", vsftpd_sniff, vsftpd_parse, 0};
