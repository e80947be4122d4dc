/* --format json (one array) and jsonl (one object per line): every field, valid
 * UTF-8 always (paths that are not keep their bytes in path_hex). */
#include "format.h"

#include "json.h"

#include <string.h>

static void
json_opt_int(struct json_writer *j, const char *key, int64_t v)
{
    if (v >= 0)
        json_kv_int(j, key, v);
}

static void
json_opt_str(struct json_writer *j, const char *key, const char *s)
{
    if (s)
        json_kv_str(j, key, s);
}

static void
event_object(struct fmt_writer *w, struct json_writer *j, const struct casedb_event_row *r)
{
    struct strbuf t = STRBUF_INIT;
    char mode[16];

    json_begin_object(j);
    json_kv_int(j, "id", r->id);
    fmt_time_iso(w, &t, r->ts, 9, 'T');
    json_kv_str(j, "time", t.buf);
    json_kv_int(j, "ts_ns", r->ts);
    json_opt_str(j, "asset", r->asset);
    json_opt_str(j, "evidence", r->evidence);
    json_opt_str(j, "source", r->source);
    json_opt_str(j, "action", r->kind);
    if (r->path)
        json_kv_bytes(j, "path", r->path, r->path_len);
    json_opt_str(j, "inode", r->inode);
    json_opt_int(j, "size", r->size);
    if (r->file_id) {
        fmt_mode_string(mode, r->name_type, r->meta_type, r->mode);
        json_kv_str(j, "mode", mode);
    } else {
        json_opt_int(j, "mode", r->mode);
    }
    json_opt_int(j, "uid", r->uid);
    json_opt_int(j, "gid", r->gid);
    json_opt_str(j, "user", r->user);
    json_opt_str(j, "ip", r->ip);
    json_opt_int(j, "port", r->port);
    json_opt_str(j, "program", r->program);
    json_opt_int(j, "pid", r->pid);
    json_opt_str(j, "host", r->host);
    json_opt_str(j, "message", r->message);
    json_opt_str(j, "location", r->location);
    json_opt_str(j, "tz", r->tz);
    json_kv_bool(j, "deleted", (r->flags & 1) != 0);
    json_kv_bool(j, "ioc", (r->flags & 8) != 0);
    json_opt_str(j, "ioc_name", r->ioc_name);
    json_opt_str(j, "md5", r->md5);
    json_opt_str(j, "sha256", r->sha256);
    json_opt_str(j, "data", r->data);
    json_end_object(j);
    strbuf_release(&t);
}

static int
json_begin(struct fmt_writer *w, struct custody_err *err)
{
    (void)err;
    strbuf_addch(&w->out, '[');
    return 0;
}

static int
json_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct json_writer j;

    (void)err;
    strbuf_addstr(&w->out, w->rows ? ",\n" : "\n");
    json_init(&j, &w->out, 0);
    event_object(w, &j, r);
    return 0;
}

static int
json_end(struct fmt_writer *w, struct custody_err *err)
{
    (void)err;
    strbuf_addstr(&w->out, "\n]\n");
    return 0;
}

static int
jsonl_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct json_writer j;

    (void)err;
    json_init(&j, &w->out, 0);
    event_object(w, &j, r);
    strbuf_addch(&w->out, '\n');
    return 0;
}

const struct fmt_ops fmt_json = {
    "json", "one JSON array of event objects", json_begin, json_row, json_end, NULL,
};
const struct fmt_ops fmt_jsonl = {
    "jsonl", "one JSON object per line", NULL, jsonl_row, NULL, NULL,
};
