/* Shell history (.bash_history). With HISTTIMEFORMAT set, bash writes "#<epoch>"
 * before each command; the lines up to the next stamp are one (multi-line)
 * command. Commands without a stamp are kept, dated with the file's mtime and
 * flagged LOG_FLAG_TIME_FROM_MTIME. The user comes from the path (/home/USER, /root). */
#include <string.h>

#include "cli.h"
#include "log_parsers.h"
#include "strbuf.h"

/* "#1380630977" (9-11 digits, nothing else): epoch seconds, or -1 */
static int64_t
stamp(const char *p, size_t n)
{
    if (n < 10 || n > 12 || p[0] != '#')
        return -1;
    return log_digits(p + 1, n - 1);
}

static struct log_str
path_user(const char *name)
{
    const char *h;

    if (!name)
        return log_str_make(NULL, 0);
    /* "/home/USER/..." or a relative "home/USER/..." */
    h = strstr(name, "/home/");
    if (!strncmp(name, "home/", 5) || h) {
        const char *u = h ? h + 6 : name + 5, *sl = strchr(u, '/');
        if (sl && sl > u)
            return log_str_make(u, (size_t)(sl - u));
    }
    if (!strncmp(name, "root/", 5) || strstr(name, "/root/"))
        return log_str_cstr("root");
    return log_str_make(NULL, 0);
}

static int
emit_cmd(struct log_ctx *ctx, int64_t ts, unsigned flags, const char *p, size_t n, uint64_t line,
         size_t off, struct custody_err *err)
{
    struct log_event ev;

    log_event_init(&ev, "bash", "shell-command");
    ev.ts = ts;
    ev.flags = flags;
    ev.user = path_user(ctx->name);
    ev.program = log_str_cstr("bash");
    ev.message = log_str_make(p, n);
    ev.path = ev.message;
    ev.line = line;
    ev.offset = off;
    return log_emit(ctx, &ev, err);
}

static int
bash_parse(struct log_ctx *ctx, const uint8_t *data, size_t len, struct custody_err *err)
{
    const char *d = (const char *)data;
    size_t pos = 0, s, e, cs = 0, ce = 0;
    uint64_t line = 0, cline = 0;
    int64_t ts = -1, mtime = ctx->mtime != INT64_MIN ? ctx->mtime : custody_now_ns();
    int have = 0, rc = 0;

    while (log_next_line(data, len, &pos, &s, &e)) {
        int64_t t = stamp(d + s, e - s);
        line++;
        if (t >= 0) {
            if (have && (rc = emit_cmd(ctx, log_ns(ts, 0), 0, d + cs, ce - cs, cline, cs, err)) < 0)
                break;
            have = 0;
            ts = t;
            continue;
        }
        if (ts >= 0) { /* part of the stamped command */
            if (!have) {
                have = 1;
                cs = s;
                cline = line;
            }
            ce = e;
            continue;
        }
        if (e == s)
            continue;
        if ((rc = emit_cmd(ctx, mtime, LOG_FLAG_TIME_FROM_MTIME, d + s, e - s, line, s, err)) < 0)
            break;
    }
    if (rc == 0 && have)
        rc = emit_cmd(ctx, log_ns(ts, 0), 0, d + cs, ce - cs, cline, cs, err);
    ctx->lines = line;
    return rc;
}

static int
bash_sniff(const uint8_t *data, size_t len, const char *name)
{
    size_t pos = 0, s, e;

    if (name && (!strcmp(name, ".bash_history") || !strcmp(name, ".zsh_history") ||
                 !strcmp(name, ".sh_history") || !strcmp(name, ".ash_history")))
        return 95;
    if (log_next_line(data, len, &pos, &s, &e) && stamp((const char *)data + s, e - s) >= 0)
        return 60;
    return 0;
}

const struct log_parser log_parser_bash = {"bash-history", bash_sniff, bash_parse, 0};
