/* utmp, wtmp and btmp: glibc's struct utmp as written on disk. Three layouts are
 * told apart by checking records, never guessed from the file name:
 *   384 bytes, 32-bit time (x86-64, i386, x32 and most 64-bit ABIs with compat),
 *   400 bytes, 64-bit session and time (aarch64, s390x, ppc64: no time32 compat),
 * each little- or big-endian. lastlog is in log_lastlog.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

struct layout {
    size_t size;
    int big;    /* big-endian */
    int time64; /* session, tv_sec and tv_usec are 64-bit */
    const char *name;
};

static const struct layout layouts[] = {
    {384, 0, 0, "384-byte little-endian"},
    {384, 1, 0, "384-byte big-endian"},
    {400, 0, 1, "400-byte little-endian, 64-bit time"},
    {400, 1, 1, "400-byte big-endian, 64-bit time"},
};

enum { UT_LINE = 8, UT_ID = 40, UT_USER = 44, UT_HOST = 76, UT_EXIT = 332, UT_SESSION = 336 };

struct urec {
    int type;
    int64_t pid, sec, usec;
    const uint8_t *addr; /* 16 bytes */
};

static uint64_t
rd(const uint8_t *p, size_t n, int big)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

static void
decode(const struct layout *L, const uint8_t *r, struct urec *u)
{
    u->type = (int16_t)rd(r, 2, L->big);
    u->pid = (int32_t)rd(r + 4, 4, L->big);
    if (L->time64) {
        u->sec = (int64_t)rd(r + 344, 8, L->big);
        u->usec = (int64_t)rd(r + 352, 8, L->big);
        u->addr = r + 360;
    } else {
        u->sec = (int32_t)rd(r + 340, 4, L->big);
        u->usec = (int32_t)rd(r + 344, 4, L->big);
        u->addr = r + 348;
    }
}

/* 2100-01-01: later times are not plausible login records */
#define UT_TIME_MAX 4102444800LL

static int
plausible(const struct urec *u)
{
    return u->type >= 0 && u->type <= 9 && u->usec >= 0 && u->usec < 1000000 && u->sec >= 0 &&
           u->sec < UT_TIME_MAX && u->pid >= 0 && (u->type == 0 || u->sec > 0);
}

/* Score a layout over the first records: non-empty plausible records count most. */
static int
score(const struct layout *L, const uint8_t *data, size_t len)
{
    size_t n = len / L->size;
    int s = 0;
    struct urec u;

    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++) {
        decode(L, data + i * L->size, &u);
        if (!plausible(&u))
            s -= 2;
        else
            s += u.type ? 4 : 1;
    }
    if (len % L->size == 0)
        s += 1;
    return s;
}

static const struct layout *
detect(const uint8_t *data, size_t len, int *ambiguous)
{
    int best = 0, second = 0;
    const struct layout *b = NULL;

    *ambiguous = 0;
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        int s = score(&layouts[i], data, len);
        if (s > best) {
            second = best;
            best = s;
            b = &layouts[i];
        } else if (s > second) {
            second = s;
        }
    }
    if (b && best == second)
        *ambiguous = 1;
    return b;
}

static size_t
strn(const uint8_t *p, size_t max)
{
    const uint8_t *z = memchr(p, 0, max);
    return z ? (size_t)(z - p) : max;
}

static const char *
action_of(int type, const struct log_str *user, int btmp)
{
    switch (type) {
    case 1:
        return user->n == 8 && !memcmp(user->p, "shutdown", 8) ? "shutdown" : "runlevel";
    case 2:
        return "boot";
    case 3:
    case 4:
        return "clock-change";
    case 5:
        return "init-process";
    case 6:
        return btmp ? "login-failure" : "login-process";
    case 7:
        return btmp ? "login-failure" : "login";
    case 8:
        return "logout";
    case 9:
        return "accounting";
    default:
        return "empty";
    }
}

static int
utmp_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    static const char *const tnames[] = {
        "EMPTY",        "RUN_LVL",       "BOOT_TIME",    "NEW_TIME",     "OLD_TIME",
        "INIT_PROCESS", "LOGIN_PROCESS", "USER_PROCESS", "DEAD_PROCESS", "ACCOUNTING"};
    struct strbuf extra = STRBUF_INIT, msg = STRBUF_INIT;
    const char *slash = ctx->name ? strrchr(ctx->name, '/') : NULL;
    int btmp = ctx->name && strstr(slash ? slash : ctx->name, "btmp") != NULL;
    int ambiguous, rc = 0;
    const struct layout *L;
    char ipbuf[INET6_ADDRSTRLEN];

    if (len == 0)
        return 0;
    L = detect(data, len, &ambiguous);
    if (!L)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "'%s': no utmp record layout fits (not a Linux utmp/wtmp file)",
                               ctx->name ? ctx->name : "(buffer)");
    if (ambiguous)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "'%s': cannot tell the utmp record layout (384 or 400 bytes, "
                               "byte order) from its records",
                               ctx->name ? ctx->name : "(buffer)");
    size_t n = len / L->size;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = data + i * L->size;
        struct log_event ev;
        struct urec u;
        decode(L, r, &u);
        if (u.type < 0 || u.type > 9) {
            if ((rc = log_warn(ctx, 0, i * L->size, r, L->size, err, "record %zu: invalid type %d",
                               i, u.type)) < 0)
                break;
            continue;
        }
        if (u.usec < 0 || u.usec >= 1000000) {
            if ((rc = log_warn(ctx, 0, i * L->size, r, L->size, err,
                               "record %zu: invalid microseconds %lld", i, (long long)u.usec)) < 0)
                break;
            continue;
        }
        struct log_str user = log_str_make(r + UT_USER, strn(r + UT_USER, 32));
        struct log_str tty = log_str_make(r + UT_LINE, strn(r + UT_LINE, 32));
        struct log_str rhost = log_str_make(r + UT_HOST, strn(r + UT_HOST, 256));
        struct log_str id = log_str_make(r + UT_ID, strn(r + UT_ID, 4));
        log_event_init(&ev, btmp ? "btmp" : "wtmp", action_of(u.type, &user, btmp));
        strbuf_reset(&extra);
        strbuf_reset(&msg);
        ev.ts = log_ns(u.sec, u.usec * 1000);
        ev.pid = u.pid;
        ev.user = user;
        log_extra_str(&extra, "ut_type", tnames[u.type], strlen(tnames[u.type]));
        log_extra_str(&extra, "tty", tty.p, tty.n);
        log_extra_str(&extra, "id", id.p, id.n);
        if (rhost.n)
            log_extra_str(&extra, "remote_host", rhost.p, rhost.n);
        log_extra_str(&extra, "layout", L->name, strlen(L->name));
        /* ut_addr_v6: IPv4 in the first word, or a full IPv6 address; network order */
        static const uint8_t zero12[12] = {0};
        if (memcmp(u.addr + 4, zero12, 12) == 0) {
            if (memcmp(u.addr, zero12, 4) != 0) {
                inet_ntop(AF_INET, u.addr, ipbuf, sizeof(ipbuf));
                ev.ip = log_str_cstr(ipbuf);
            }
        } else {
            inet_ntop(AF_INET6, u.addr, ipbuf, sizeof(ipbuf));
            ev.ip = log_str_cstr(ipbuf);
        }
        strbuf_addf(&msg, "%s ", tnames[u.type]);
        strbuf_add(&msg, user.p, user.n);
        strbuf_addch(&msg, ' ');
        strbuf_add(&msg, tty.p, tty.n);
        if (rhost.n) {
            strbuf_addstr(&msg, " from ");
            strbuf_add(&msg, rhost.p, rhost.n);
        }
        ev.message = log_str_make(msg.buf, msg.len);
        ev.path = tty;
        ev.offset = i * L->size;
        ev.extra_json = extra.buf;
        if ((rc = log_emit(ctx, &ev, err)) < 0)
            break;
    }
    if (rc == 0 && len % L->size)
        rc = log_warn(ctx, 0, n * L->size, data + n * L->size, len % L->size, err,
                      "%zu trailing bytes: a partial %zu-byte record", len % L->size, L->size);
    ctx->lines = n;
    strbuf_release(&extra);
    strbuf_release(&msg);
    return rc;
}

/* Plausible records that are not EMPTY (all-zero files, such as a sparse faillog,
 * must not pass for utmp). */
static size_t
nonempty(const struct layout *L, const uint8_t *data, size_t len)
{
    size_t n = len / L->size, k = 0;
    struct urec u;

    for (size_t i = 0; i < n && i < 64; i++) {
        decode(L, data + i * L->size, &u);
        if (plausible(&u) && u.type != 0)
            k++;
    }
    return k;
}

static int
utmp_sniff(const uint8_t *data, size_t len, const char *name)
{
    int ambiguous;
    const struct layout *L;

    if (name && (strstr(name, "wtmp") || strstr(name, "btmp") ||
                 (strstr(name, "utmp") && !strstr(name, "utmpx"))))
        return 95;
    if (len < 384)
        return 0;
    L = detect(data, len, &ambiguous);
    /* content alone: only when several records agree (text files score negative) */
    return L && !ambiguous && score(L, data, len) >= 8 && nonempty(L, data, len) >= 2 ? 55 : 0;
}

const struct log_parser log_parser_wtmp = {"wtmp", utmp_sniff, utmp_parse, 1};
