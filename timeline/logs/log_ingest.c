/* From parser callbacks to case database rows. */
#include "log_ingest.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log_pipe.h"
#include "strbuf.h"
#include "utf8.h"

struct ingest {
    struct casedb_log_writer *w;
    const struct log_ingest_opts *o;
    int64_t source_id;
    const char *tz_name;
    struct strbuf data, tmp;
};

static struct casedb_bytes
bytes(struct log_str s)
{
    struct casedb_bytes b = {s.p, s.n};
    return b;
}

static int
clean(struct log_str s)
{
    return !s.p || (!memchr(s.p, 0, s.n) && utf8_valid(s.p, s.n));
}

/* Text columns are made valid UTF-8 by log_store; keep the original bytes here. */
static void
add_hex(struct strbuf *sb, const char *key, struct log_str s)
{
    if (clean(s))
        return;
    strbuf_addf(sb, "%s\"%s_hex\":\"", sb->len > 1 ? "," : "", key);
    strbuf_addhex(sb, (const uint8_t *)s.p, s.n);
    strbuf_addch(sb, '"');
}

/* tmp: scratch reused across events (no allocation per field). */
static void
add_str(struct strbuf *sb, struct strbuf *tmp, const char *key, struct log_str s)
{
    if (!s.p)
        return;
    strbuf_reset(tmp);
    log_extra_str(tmp, key, s.p, s.n); /* "key":"..."[,"key_hex":"..."] */
    if (sb->len > 1)
        strbuf_addch(sb, ',');
    strbuf_add(sb, tmp->buf, tmp->len);
}

/* "line N" / "offset N" without printf (once per event). */
static void
format_location(char *buf, size_t size, uint64_t line, uint64_t offset)
{
    const char *word = line ? "line " : "offset ";
    uint64_t v = line ? line : offset;
    char digits[24];
    size_t n = 0, k = strlen(word);

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (k + n + 1 > size) {
        buf[0] = '\0';
        return;
    }
    memcpy(buf, word, k);
    while (n)
        buf[k++] = digits[--n];
    buf[k] = '\0';
}

/* The event's data JSON object into d ("{}" when it has nothing); tmp is scratch.
 * Runs on the parser thread when the parse is piped (log_pipe.h). */
static void
build_data(struct strbuf *d, struct strbuf *tmp, const struct log_event *ev)
{
    strbuf_reset(d);
    strbuf_addch(d, '{');
    if (ev->extra_json && *ev->extra_json)
        strbuf_addstr(d, ev->extra_json);
    add_str(d, tmp, "method", ev->method);
    if (ev->status >= 0) {
        strbuf_addstr(d, d->len > 1 ? ",\"status\":" : "\"status\":");
        strbuf_add_i64(d, ev->status);
    }
    if (ev->bytes >= 0) {
        strbuf_addstr(d, d->len > 1 ? ",\"bytes\":" : "\"bytes\":");
        strbuf_add_i64(d, ev->bytes);
    }
    add_str(d, tmp, "referrer", ev->referrer);
    add_str(d, tmp, "agent", ev->agent);
    add_str(d, tmp, "vhost", ev->vhost);
    add_str(d, tmp, "xff", ev->xff);
    add_hex(d, "message", ev->message);
    add_hex(d, "user", ev->user);
    add_hex(d, "host", ev->host);
    add_hex(d, "program", ev->program);
    add_hex(d, "ip", ev->ip);
    strbuf_addch(d, '}');
}

/* The parser thread's scratch for build_data. */
static void
prep_data(void *arg, const struct log_event *ev, struct strbuf *out)
{
    build_data(out, arg, ev);
}

/* Store an event whose data JSON is built (data: "{...}", len bytes). */
static int
store_event(void *arg, const struct log_event *ev, const char *data, size_t len,
            struct custody_err *err)
{
    struct ingest *in = arg;
    struct casedb_log_event e;
    char loc[48];

    format_location(loc, sizeof(loc), ev->line, ev->offset);
    memset(&e, 0, sizeof(e));
    e.ts = ev->ts;
    e.kind = ev->action;
    e.source = ev->source;
    e.path = bytes(ev->path);
    e.host = bytes(ev->host);
    e.user = bytes(ev->user);
    e.ip = bytes(ev->ip);
    e.program = bytes(ev->program);
    e.message = bytes(ev->message);
    e.port = ev->port;
    e.pid = ev->pid;
    e.location = loc;
    e.tz = (ev->flags & LOG_FLAG_LOCAL_TIME) ? in->tz_name : NULL;
    e.flags = ev->flags;
    e.data = len > 2 ? data : NULL;
    return casedb_log_event_add(in->w, in->o->evidence_id, in->o->partition_id, in->source_id, &e,
                                err);
}

static int
on_event(void *arg, const struct log_event *ev, struct custody_err *err)
{
    struct ingest *in = arg;

    build_data(&in->data, &in->tmp, ev);
    return store_event(in, ev, in->data.buf, in->data.len, err);
}

static int
on_warning(void *arg, const struct log_warning *w, struct custody_err *err)
{
    struct ingest *in = arg;
    char loc[48];
    struct casedb_bytes raw = {w->raw.p, w->raw.n};

    if (w->line)
        snprintf(loc, sizeof(loc), "line %llu", (unsigned long long)w->line);
    else
        snprintf(loc, sizeof(loc), "offset %llu", (unsigned long long)w->offset);
    return casedb_log_warning_add(in->w, in->source_id, loc, w->message, raw, err);
}

int
log_ingest_buffer(struct log_ingest_result *res, struct casedb_log_writer *w,
                  const struct log_ingest_opts *opts, const void *path, size_t path_len,
                  const char *inode, int64_t mtime, const uint8_t *data, size_t len,
                  struct custody_err *err)
{
    struct ingest in = {w, opts, 0, log_tz_name(opts->tz), STRBUF_INIT, STRBUF_INIT};
    struct casedb_log_source src;
    struct strbuf name = STRBUF_INIT;
    struct log_ctx ctx;
    struct custody_err perr = {0};
    int64_t deleted;
    int rc;

    memset(res, 0, sizeof(*res));
    res->type = "unknown";
    strbuf_add(&name, path, path_len);
    src.evidence_id = opts->evidence_id;
    src.partition_id = opts->partition_id;
    src.path.p = path;
    src.path.n = path_len;
    src.inode = inode;
    src.type = opts->type;
    src.tz = in.tz_name;
    if ((rc = casedb_log_source_replace(w, &src, &deleted, err)) < 0 ||
        (rc = casedb_log_source_add(w, &src, &in.source_id, err)) < 0)
        goto done;
    res->source_id = in.source_id;
    memset(&ctx, 0, sizeof(ctx));
    ctx.name = name.buf;
    ctx.mtime = mtime;
    ctx.tz = opts->tz;
    ctx.on_event = on_event;
    ctx.on_warning = on_warning;
    ctx.arg = &in;
    if (len >= LOG_PIPE_MIN_BYTES &&
        (opts->threads == 2 || (opts->threads == 0 && log_pipe_core_idle()))) {
        struct strbuf scratch = STRBUF_INIT; /* the parser thread's */
        struct log_pipe_stage stage = {prep_data, &scratch, store_event};
        rc = log_parse_piped(&ctx, &res->type, data, len, opts->type, &stage, &perr);
        strbuf_release(&scratch);
    } else
        rc = log_parse_buffer(&ctx, &res->type, data, len, opts->type, &perr);
    res->lines = ctx.lines;
    res->events = ctx.events;
    res->warnings = ctx.warnings;
    res->damaged = ctx.damaged;
    if (rc < 0 && (perr.code == CUSTODY_ERR_DB || perr.code == CUSTODY_ERR_BUSY ||
                   perr.code == CUSTODY_ERR_NOSPACE || perr.code == CUSTODY_ERR_NOMEM ||
                   perr.code == CUSTODY_ERR_IO)) {
        *err = perr; /* the database failed: stop */
        goto done;
    }
    if (rc < 0) {
        res->status = "error";
        memcpy(res->error, perr.msg, sizeof(res->error));
        /* events from before the failure stay, but the source says error */
    } else {
        res->status = (res->warnings || res->damaged) ? "partial" : "ok";
    }
    rc =
        casedb_log_source_finish(w, in.source_id, res->type, res->lines, res->events, res->warnings,
                                 res->status, res->error[0] ? res->error : NULL, err);
done:
    strbuf_release(&in.data);
    strbuf_release(&in.tmp);
    strbuf_release(&name);
    return rc;
}

void
log_parse_only(struct log_ingest_result *res, const struct log_ingest_opts *opts, const char *name,
               int64_t mtime, const uint8_t *data, size_t len)
{
    struct log_ctx ctx;
    struct custody_err perr = {0};
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&ctx, 0, sizeof(ctx));
    ctx.name = name;
    ctx.mtime = mtime;
    ctx.tz = opts->tz;
    rc = log_parse_buffer(&ctx, &res->type, data, len, opts->type, &perr);
    res->lines = ctx.lines;
    res->events = ctx.events;
    res->warnings = ctx.warnings;
    res->damaged = ctx.damaged;
    if (rc < 0) {
        res->status = "error";
        memcpy(res->error, perr.msg, sizeof(res->error));
    } else {
        res->status = (res->warnings || res->damaged) ? "partial" : "ok";
    }
}

int
log_ingest_error(struct log_ingest_result *res, struct casedb_log_writer *w,
                 const struct log_ingest_opts *opts, const void *path, size_t path_len,
                 const char *inode, const char *reason, struct custody_err *err)
{
    struct casedb_log_source src;
    int64_t deleted;
    int rc;

    memset(res, 0, sizeof(*res));
    res->type = opts->type ? opts->type : "unknown";
    res->status = "error";
    snprintf(res->error, sizeof(res->error), "%s", reason);
    src.evidence_id = opts->evidence_id;
    src.partition_id = opts->partition_id;
    src.path.p = path;
    src.path.n = path_len;
    src.inode = inode;
    src.type = res->type;
    src.tz = log_tz_name(opts->tz);
    if ((rc = casedb_log_source_replace(w, &src, &deleted, err)) < 0 ||
        (rc = casedb_log_source_add(w, &src, &res->source_id, err)) < 0)
        return rc;
    return casedb_log_source_finish(w, res->source_id, res->type, 0, 0, 0, "error", res->error,
                                    err);
}

/* The literal that pattern "*LITERAL..." needs in any path it matches (fnmatch
 * without flags: '*' matches '/' too), cut after its second '/' ("/var/") so that
 * patterns share a few anchors. Copied into a (size >= 2); 0 when the pattern has
 * no such literal and fnmatch must run anyway. */
static size_t
pattern_anchor(char *a, size_t size, const char *pat)
{
    size_t n = 0, slashes = 0;

    if (pat[0] != '*')
        return 0;
    for (pat++; n + 1 < size; n++) {
        char c = pat[n];
        if (!c || c == '*' || c == '?' || c == '[' || c == '\\')
            break;
        a[n] = c;
        if (c == '/' && ++slashes == 2) {
            n++;
            break;
        }
    }
    a[n] = '\0';
    return n;
}

int
log_path_wanted(const char *path)
{
    static const char *const patterns[] = {
        "*/var/log/auth.log*",
        "*/var/log/secure*",
        "*/var/log/syslog*",
        "*/var/log/messages*",
        "*/var/log/kern.log*",
        "*/var/log/cron*",
        "*/var/log/daemon.log*",
        "*/var/log/wtmp*",
        "*/var/log/btmp*",
        "*/var/run/utmp",
        "*/run/utmp",
        "*/var/log/lastlog",
        "*/var/log/apache2/*",
        "*/var/log/httpd/*",
        "*/var/log/nginx/*",
        "*/var/log/dpkg.log*",
        "*/var/log/apt/history.log*",
        "*/var/log/yum.log*",
        "*/var/log/dnf*.log*",
        "*/var/log/audit/audit.log*",
        "*/var/log/vsftpd.log*",
        "*/root/.bash_history",
        "*/home/*/.bash_history",
    };
    const char *p = path;
    char buf[4096];

    if (!path || strlen(path) >= sizeof(buf) - 1)
        return 0;
    if (path[0] != '/') { /* patterns expect a leading slash */
        buf[0] = '/';
        memcpy(buf + 1, path, strlen(path) + 1);
        p = buf;
    }
    /* fnmatch costs more than the whole file-system walk when it runs 23 times on
     * every name of a disk: a pattern is tried only when the path holds its anchor,
     * and consecutive patterns with the same anchor share one strstr. */
    char anchor[32] = "";
    size_t n = 0;
    int found = 0;
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        /* a pattern whose literal starts with the last anchor needs it too */
        if (!(n && patterns[i][0] == '*' && !strncmp(patterns[i] + 1, anchor, n)) &&
            (n = pattern_anchor(anchor, sizeof(anchor), patterns[i])) != 0)
            found = strstr(p, anchor) != NULL;
        if (n && !found)
            continue;
        if (fnmatch(patterns[i], p, 0) == 0)
            return 1;
    }
    return 0;
}
