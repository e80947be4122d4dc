/* --format timesketch: JSONL that Timesketch imports as is: message, datetime
 * (ISO 8601, UTC), timestamp (microseconds) and timestamp_desc, plus our fields. */
#include "format.h"

#include "json.h"

#include <string.h>

static void
kv_num(struct json_writer *j, const char *key, int64_t v)
{
    char num[24];

    strbuf_fmt_i64(num, v);
    json_key(j, key);
    json_raw(j, num);
}

static void
kv_opt(struct json_writer *j, const char *key, const char *s)
{
    if (s)
        json_kv_str(j, key, s);
}

static int
ts_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct json_writer j;
    struct strbuf *sb = &w->out;
    int64_t us;

    (void)err;
    json_init(&j, sb, 0);
    json_begin_object(&j);
    /* The three fields Timesketch requires come first, written directly. */
    strbuf_addstr(sb, "\"message\":\"");
    if (r->message && *r->message) {
        json_escape(sb, r->message, strlen(r->message));
    } else {
        struct strbuf t = STRBUF_INIT;
        fmt_event_text(w, &t, r);
        if (!t.len)
            strbuf_addstr(&t, "-");
        json_escape(sb, t.buf, t.len);
        strbuf_release(&t);
    }
    strbuf_addstr(sb, "\",\"datetime\":\"");
    fmt_time_utc_us(w, sb, r->ts);
    us = r->ts / 1000 - (r->ts % 1000 < 0 ? 1 : 0);
    strbuf_addstr(sb, "\",\"timestamp\":");
    strbuf_add_i64(sb, us);
    strbuf_addstr(sb, ",\"timestamp_desc\":\"");
    strbuf_addstr(sb, fmt_timestamp_desc(r));
    strbuf_addch(sb, '"');
    j.count[1] = 1; /* the writer adds commas after the fields above */
    kv_num(&j, "ts_ns", r->ts);
    kv_opt(&j, "asset", r->asset);
    kv_opt(&j, "evidence", r->evidence);
    kv_opt(&j, "source", r->source);
    kv_opt(&j, "action", r->kind);
    if (r->path)
        json_kv_bytes(&j, "path", r->path, r->path_len);
    kv_opt(&j, "inode", r->inode);
    if (r->size >= 0)
        kv_num(&j, "size", r->size);
    kv_opt(&j, "user", r->user);
    kv_opt(&j, "ip", r->ip);
    if (r->port >= 0)
        kv_num(&j, "port", r->port);
    kv_opt(&j, "program", r->program);
    if (r->pid >= 0)
        kv_num(&j, "pid", r->pid);
    kv_opt(&j, "host", r->host);
    if (r->flags & 1)
        json_kv_bool(&j, "deleted", 1);
    if (r->flags & 8)
        json_kv_bool(&j, "ioc", 1);
    kv_opt(&j, "md5", r->md5);
    kv_opt(&j, "sha256", r->sha256);
    kv_opt(&j, "location", r->location);
    kv_opt(&j, "data", r->data);
    json_end_object(&j);
    strbuf_addch(sb, '\n');
    return 0;
}

const struct fmt_ops fmt_timesketch = {
    "timesketch", "JSONL for Timesketch import (message, datetime, timestamp_desc + fields)",
    NULL,         ts_row,
    NULL,         NULL,
};
