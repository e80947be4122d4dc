/* /var/log/lastlog: one 292-byte record per UID (int32 time, 32-byte line,
 * 256-byte host), sparse; the UID is the record number. Records with time 0 are
 * unused and skipped. */
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

#define LL_SIZE 292

static int
lastlog_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf extra = STRBUF_INIT, msg = STRBUF_INIT;
    size_t n = len / LL_SIZE;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = data + i * LL_SIZE;
        uint32_t t =
            (uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 24;
        struct log_event ev;
        if (t == 0)
            continue;
        const uint8_t *z = memchr(r + 4, 0, 32);
        struct log_str tty = log_str_make(r + 4, z ? (size_t)(z - r - 4) : 32);
        z = memchr(r + 36, 0, 256);
        struct log_str host = log_str_make(r + 36, z ? (size_t)(z - r - 36) : 256);
        log_event_init(&ev, "lastlog", "last-login");
        strbuf_reset(&extra);
        strbuf_reset(&msg);
        ev.ts = log_ns((int64_t)t, 0);
        log_extra_int(&extra, "uid", (int64_t)i);
        log_extra_str(&extra, "tty", tty.p, tty.n);
        if (host.n)
            log_extra_str(&extra, "remote_host", host.p, host.n);
        strbuf_addf(&msg, "last login of uid %zu on ", i);
        strbuf_add(&msg, tty.p, tty.n);
        if (host.n) {
            strbuf_addstr(&msg, " from ");
            strbuf_add(&msg, host.p, host.n);
        }
        ev.message = log_str_make(msg.buf, msg.len);
        ev.path = tty;
        ev.offset = i * LL_SIZE;
        ev.extra_json = extra.buf;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    if (rc == 0 && len % LL_SIZE)
        rc = log_warn(ctx, 0, n * LL_SIZE, data + n * LL_SIZE, len % LL_SIZE, err,
                      "%zu trailing bytes: a partial lastlog record", len % LL_SIZE);
    ctx->lines = n;
    strbuf_release(&extra);
    strbuf_release(&msg);
    return rc;
}

static int
lastlog_sniff(const uint8_t *data, size_t len, const char *name)
{
    (void)data;
    (void)len;
    return name && !strcmp(name, "lastlog") ? 95 : 0;
}

const struct log_parser log_parser_lastlog = {"lastlog", lastlog_sniff, lastlog_parse, 1};
