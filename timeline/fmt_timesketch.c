/* --format timesketch: JSONL that Timesketch imports as is: message, datetime
 * (ISO 8601, UTC), timestamp (microseconds) and timestamp_desc, plus our fields. */
#include "format.h"

#include "json.h"

#include <string.h>

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
    fmt_time_utc_us(sb, r->ts);
    us = r->ts / 1000 - (r->ts % 1000 < 0 ? 1 : 0);
    strbuf_addf(sb, "\",\"timestamp\":%lld,\"timestamp_desc\":\"%s\"", (long long)us,
                fmt_timestamp_desc(r));
    j.count[1] = 1; /* the writer adds commas after the fields above */
    json_kv_int(&j, "ts_ns", r->ts);
    json_kv_str(&j, "asset", r->asset);
    json_kv_str(&j, "evidence", r->evidence);
    json_kv_str(&j, "source", r->source);
    json_kv_str(&j, "action", r->kind);
    if (r->path)
        json_kv_bytes(&j, "path", r->path, r->path_len);
    if (r->inode)
        json_kv_str(&j, "inode", r->inode);
    if (r->size >= 0)
        json_kv_int(&j, "size", r->size);
    if (r->user)
        json_kv_str(&j, "user", r->user);
    if (r->ip)
        json_kv_str(&j, "ip", r->ip);
    if (r->port >= 0)
        json_kv_int(&j, "port", r->port);
    if (r->program)
        json_kv_str(&j, "program", r->program);
    if (r->pid >= 0)
        json_kv_int(&j, "pid", r->pid);
    if (r->host)
        json_kv_str(&j, "host", r->host);
    if (r->flags & 1)
        json_kv_bool(&j, "deleted", 1);
    if (r->flags & 8)
        json_kv_bool(&j, "ioc", 1);
    if (r->md5)
        json_kv_str(&j, "md5", r->md5);
    if (r->sha256)
        json_kv_str(&j, "sha256", r->sha256);
    if (r->location)
        json_kv_str(&j, "location", r->location);
    if (r->data)
        json_kv_str(&j, "data", r->data);
    json_end_object(&j);
    strbuf_addch(sb, '\n');
    return 0;
}

const struct fmt_ops fmt_timesketch = {
    "timesketch", "JSONL for Timesketch import (message, datetime, timestamp_desc + fields)",
    NULL,         ts_row,
    NULL,         NULL,
};
