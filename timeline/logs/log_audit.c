/* Linux audit.log: "type=USER_LOGIN msg=audit(1337845201.174:94983): key=value ...".
 * Records without a type value or with a malformed audit(epoch.ms:serial) stamp are
 * warned about (as plaso does). */
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

/* Value of key=... in [p, end): quoted or up to a space. */
static struct log_str
kv(const char *p, const char *end, const char *key)
{
    size_t kn = strlen(key);
    const char *q = p;

    while ((q = memmem(q, (size_t)(end - q), key, kn)) != NULL) {
        if ((q == p || q[-1] == ' ' || q[-1] == '\'') && q + kn < end && q[kn] == '=') {
            const char *v = q + kn + 1, *ve;
            if (v < end && *v == '"') {
                v++;
                ve = memchr(v, '"', (size_t)(end - v));
                if (!ve)
                    ve = end;
            } else {
                ve = v;
                while (ve < end && *ve != ' ' && *ve != '\'')
                    ve++;
            }
            return log_str_make(v, (size_t)(ve - v));
        }
        q += kn;
    }
    return log_str_make(NULL, 0);
}

static int
str_is(struct log_str s, const char *lit)
{
    return s.p && s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static int
audit_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    struct strbuf extra = STRBUF_INIT;
    size_t pos = 0, s, e;
    uint64_t line = 0;
    int rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        const char *l = (const char *)data + s, *end = (const char *)data + e, *p, *q;
        struct log_event ev;
        line++;
        if (e == s)
            continue;
        /* optional "node=host " prefix (remote logging) */
        struct log_str node = {NULL, 0};
        p = l;
        if (end - p > 5 && !memcmp(p, "node=", 5)) {
            q = memchr(p, ' ', (size_t)(end - p));
            if (q) {
                node = log_str_make(p + 5, (size_t)(q - p - 5));
                p = q + 1;
            }
        }
        if (end - p < 5 || memcmp(p, "type=", 5)) {
            rc = log_warn(ctx, line, s, l, e - s, err, "no type= at the start of the record");
            goto next;
        }
        p += 5;
        q = memchr(p, ' ', (size_t)(end - p));
        if (!q || q == p) {
            rc = log_warn(ctx, line, s, l, e - s, err, "empty record type");
            goto next;
        }
        struct log_str type = log_str_make(p, (size_t)(q - p));
        p = q + 1;
        if (end - p < 11 || memcmp(p, "msg=audit(", 10)) {
            rc = log_warn(ctx, line, s, l, e - s, err, "no msg=audit(...) stamp");
            goto next;
        }
        p += 10;
        { /* epoch.ms:serial */
            int64_t sec = 0, ms = 0, serial = 0;
            int ds = 0, dm = 0, dser = 0;
            while (p < end && *p >= '0' && *p <= '9' && ds < 12) {
                sec = sec * 10 + (*p++ - '0');
                ds++;
            }
            if (!ds || p >= end || *p != '.') {
                rc = log_warn(ctx, line, s, l, e - s, err, "bad audit(epoch.ms:serial) stamp");
                goto next;
            }
            p++;
            while (p < end && *p >= '0' && *p <= '9' && dm < 9) {
                ms = ms * 10 + (*p++ - '0');
                dm++;
            }
            if (!dm || p >= end || *p != ':') {
                rc = log_warn(ctx, line, s, l, e - s, err, "bad audit(epoch.ms:serial) stamp");
                goto next;
            }
            p++;
            while (p < end && *p >= '0' && *p <= '9' && dser < 18) {
                serial = serial * 10 + (*p++ - '0');
                dser++;
            }
            if (!dser || end - p < 2 || p[0] != ')' || p[1] != ':') {
                rc = log_warn(ctx, line, s, l, e - s, err, "bad audit(epoch.ms:serial) stamp");
                goto next;
            }
            p += 2;
            for (int i = dm; i < 9; i++)
                ms *= 10;
            log_event_init(&ev, "audit", "audit");
            strbuf_reset(&extra);
            ev.ts = log_ns(sec, ms);
            log_extra_int(&extra, "serial", serial);
        }
        while (p < end && *p == ' ')
            p++;
        log_extra_str(&extra, "type", type.p, type.n);
        ev.host = node;
        {
            struct log_str v, res = kv(p, end, "res");
            int ok = str_is(res, "success") || str_is(res, "1");
            if (str_is(type, "USER_LOGIN"))
                ev.action = ok ? "login" : "login-failure";
            else if (str_is(type, "USER_AUTH"))
                ev.action = ok ? "auth-success" : "auth-failure";
            else if (str_is(type, "ADD_USER"))
                ev.action = "user-added";
            else if (str_is(type, "ADD_GROUP"))
                ev.action = "group-added";
            else if (str_is(type, "DEL_USER"))
                ev.action = "user-deleted";
            else if (str_is(type, "USER_CMD"))
                ev.action = "sudo-command";
            else if (str_is(type, "EXECVE"))
                ev.action = "exec";
            else if (str_is(type, "SERVICE_START"))
                ev.action = "service-start";
            else if (str_is(type, "SERVICE_STOP"))
                ev.action = "service-stop";
            else if (str_is(type, "SYSTEM_BOOT"))
                ev.action = "boot";
            else if (str_is(type, "AVC"))
                ev.action = "selinux-denial";
            v = kv(p, end, "pid");
            if (v.p && v.n && v.n < 10 && log_digits(v.p, v.n) >= 0)
                ev.pid = log_digits(v.p, v.n);
            v = kv(p, end, "acct");
            if (!v.p)
                v = kv(p, end, "id");
            if (v.p)
                ev.user = v;
            v = kv(p, end, "addr");
            if (v.p && !str_is(v, "?"))
                ev.ip = v;
            v = kv(p, end, "comm");
            if (!v.p)
                v = kv(p, end, "exe");
            if (v.p)
                ev.program = v;
            v = kv(p, end, "cmd");
            if (v.p)
                ev.path = v; /* hex-encoded when it had spaces: kept as written */
            if (res.p)
                log_extra_str(&extra, "res", res.p, res.n);
            v = kv(p, end, "auid");
            if (v.p)
                log_extra_str(&extra, "auid", v.p, v.n);
            v = kv(p, end, "uid");
            if (v.p)
                log_extra_str(&extra, "uid", v.p, v.n);
        }
        ev.message = log_str_make(p, (size_t)(end - p));
        ev.line = line;
        ev.offset = s;
        ev.extra_json = extra.buf;
        rc = log_emit(ctx, &ev, err);
    next:
        if (rc < 0)
            break;
    }
    ctx->lines = line;
    strbuf_release(&extra);
    return rc;
}

static int
audit_sniff(const uint8_t *data, size_t len, const char *name)
{
    size_t n = len < 512 ? len : 512;

    if (name && !strcmp(name, "audit.log"))
        return 95;
    if (n > 5 && (!memcmp(data, "type=", 5) || !memcmp(data, "node=", 5)) &&
        memmem(data, n, "msg=audit(", 10))
        return 90;
    return 0;
}

const struct log_parser log_parser_audit = {"audit", audit_sniff, audit_parse, 0};
