/* timeline export: the file-system timeline as a TSK body file (fls -r -m), as
 * mactime -d prints it, or as JSON lines. */
#include "timeline.h"

#include "cli.h"
#include "json.h"
#include "mactime.h"
#include "tsk_adapter.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define EXPORT_FLUSH (1u << 20)

int
timeline_format_parse(const char *name, enum timeline_format *out)
{
    if (!strcmp(name, "body"))
        *out = TIMELINE_FMT_BODY;
    else if (!strcmp(name, "mactime"))
        *out = TIMELINE_FMT_MACTIME;
    else if (!strcmp(name, "jsonl"))
        *out = TIMELINE_FMT_JSONL;
    else
        return CUSTODY_ERR_USAGE;
    return 0;
}

/* Seconds as fls prints them: the time_t truncated to 32 bits, unset as 0. */
static uint32_t
body_sec(const struct tl_file *f, int i)
{
    int64_t ns, sec;

    if (!(f->time_set & (1u << i)))
        return 0;
    ns = f->time[i];
    sec = ns / NS_PER_S;
    if (ns % NS_PER_S < 0)
        sec--;
    return (uint32_t)sec;
}

/* fls replaces control bytes (0x00-0x1f) with '^' and keeps everything else. */
static void
add_sanitized(struct strbuf *sb, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t start = sb->len;

    strbuf_add(sb, p, len);
    for (size_t i = start; i < sb->len; i++)
        if ((unsigned char)sb->buf[i] < 0x20)
            sb->buf[i] = '^';
}

void
timeline_body_name(struct strbuf *sb, const char *prefix, const struct tl_file *f)
{
    add_sanitized(sb, prefix, strlen(prefix));
    add_sanitized(sb, f->path, f->path_len);
    if (f->flags & TL_F_FNAME)
        strbuf_addstr(sb, " ($FILE_NAME)");
    if (f->link) {
        strbuf_addstr(sb, " -> ");
        /* fls prints the target raw: a newline in it splits the line and an escape
         * sequence reaches the terminal. We print control bytes as '^' here too. */
        add_sanitized(sb, f->link, f->link_len);
    }
    if (f->flags & TL_F_DELETED)
        strbuf_addstr(sb, (f->flags & TL_F_REALLOC) ? " (deleted-realloc)" : " (deleted)");
}

static void
add_other(struct strbuf *sb, const struct tl_file *f, char sep)
{
    char mode[16];

    tsk_mode_string(mode, f->name_type, f->meta_type, (uint32_t)f->mode);
    if (f->meta_type < 0) {
        strbuf_addf(sb, "%s%c0%c0%c0", mode, sep, sep, sep);
        return;
    }
    strbuf_addf(sb, "%s%c%llu%c%llu%c%lld", mode, sep, (unsigned long long)(uint64_t)f->uid, sep,
                (unsigned long long)(uint64_t)f->gid, sep, (long long)f->size);
}

void
timeline_body_line(struct strbuf *sb, const char *prefix, const struct tl_file *f)
{
    strbuf_addstr(sb, f->md5 ? f->md5 : "0");
    strbuf_addch(sb, '|');
    timeline_body_name(sb, prefix, f);
    strbuf_addch(sb, '|');
    strbuf_addstr(sb, f->inode);
    strbuf_addch(sb, '|');
    add_other(sb, f, '|');
    if (f->meta_type < 0) {
        strbuf_addstr(sb, "|0|0|0|0\n");
        return;
    }
    strbuf_addf(sb, "|%u|%u|%u|%u\n", body_sec(f, 0), body_sec(f, 1), body_sec(f, 2),
                body_sec(f, 3));
}

struct export_ctx {
    FILE *out;
    int all; /* several evidence items: "/host/label" before each prefix */
    struct strbuf sb, prefix;
    int64_t lines;
    int io_error;
};

static int
export_flush(struct export_ctx *x, int force)
{
    if (x->sb.len && (force || x->sb.len >= EXPORT_FLUSH)) {
        if (fwrite(x->sb.buf, 1, x->sb.len, x->out) != x->sb.len)
            x->io_error = 1;
        strbuf_reset(&x->sb);
    }
    return x->io_error;
}

static const char *
row_prefix(struct export_ctx *x, const struct tl_row *r)
{
    if (!x->all)
        return r->prefix;
    strbuf_reset(&x->prefix);
    strbuf_addch(&x->prefix, '/');
    strbuf_addstr(&x->prefix, r->host ? r->host : "");
    strbuf_addch(&x->prefix, '/');
    strbuf_addstr(&x->prefix, r->label ? r->label : "");
    strbuf_addstr(&x->prefix, r->prefix);
    return x->prefix.buf;
}

static int
body_row(void *ctx, const struct tl_row *r)
{
    struct export_ctx *x = ctx;

    timeline_body_line(&x->sb, row_prefix(x, r), &r->f);
    x->lines++;
    return export_flush(x, 0);
}

/* ---- JSON lines ---- */

static int
jsonl_event(void *ctx, const struct tl_event *e)
{
    struct export_ctx *x = ctx;
    const struct tl_file *f = &e->row->f;
    struct json_writer w;
    struct strbuf t = STRBUF_INIT;
    char mode[16];
    char kind[2] = {e->kind, '\0'};

    json_init(&w, &x->sb, 0);
    json_begin_object(&w);
    custody_format_time(&t, e->ts);
    json_kv_str(&w, "datetime", t.buf);
    json_kv_int(&w, "ts_ns", e->ts);
    json_kv_str(&w, "kind", kind);
    json_kv_str(&w, "source", "fs");
    json_kv_bytes(&w, "asset", e->row->host ? e->row->host : "",
                  strlen(e->row->host ? e->row->host : ""));
    json_kv_bytes(&w, "evidence", e->row->label ? e->row->label : "",
                  strlen(e->row->label ? e->row->label : ""));
    json_kv_str(&w, "partition", e->row->prefix[0] ? e->row->prefix : "/");
    json_kv_str(&w, "fs_type", e->row->fs_type);
    json_kv_bytes(&w, "path", f->path, f->path_len);
    if (f->link)
        json_kv_bytes(&w, "link", f->link, f->link_len);
    json_kv_str(&w, "inode", f->inode);
    tsk_mode_string(mode, f->name_type, f->meta_type, (uint32_t)f->mode);
    json_kv_str(&w, "mode", mode);
    if (f->meta_type >= 0) {
        json_kv_int(&w, "uid", f->uid);
        json_kv_int(&w, "gid", f->gid);
        json_kv_int(&w, "size", f->size);
    }
    json_kv_bool(&w, "deleted", (f->flags & TL_F_DELETED) != 0);
    if (f->flags & TL_F_REALLOC)
        json_kv_bool(&w, "realloc", 1);
    if (f->flags & TL_F_ORPHAN)
        json_kv_bool(&w, "orphan", 1);
    if (f->flags & TL_F_FNAME)
        json_kv_bool(&w, "file_name_attr", 1);
    if (f->md5)
        json_kv_str(&w, "md5", f->md5);
    if (f->sha256)
        json_kv_str(&w, "sha256", f->sha256);
    if (f->flags & TL_F_IOC)
        json_kv_bytes(&w, "ioc", f->ioc_name ? f->ioc_name : "",
                      strlen(f->ioc_name ? f->ioc_name : ""));
    json_end_object(&w);
    strbuf_addch(&x->sb, '\n');
    strbuf_release(&t);
    x->lines++;
    return export_flush(x, 0);
}

int
timeline_export(struct casedb *db, int64_t evidence_id, enum timeline_format fmt, FILE *out,
                int64_t *lines_out, struct custody_err *err)
{
    struct export_ctx x;
    int rc;

    memset(&x, 0, sizeof(x));
    x.out = out;
    x.all = evidence_id <= 0;
    strbuf_init(&x.sb);
    strbuf_init(&x.prefix);
    switch (fmt) {
    case TIMELINE_FMT_BODY:
        rc = timeline_body_rows_foreach(db, evidence_id, body_row, &x, err);
        break;
    case TIMELINE_FMT_MACTIME:
        rc = mactime_export(db, evidence_id, out, &x.lines, err);
        break;
    case TIMELINE_FMT_JSONL:
    default:
        rc =
            timeline_fs_events_foreach(db, evidence_id, INT64_MIN, INT64_MAX, jsonl_event, &x, err);
        break;
    }
    if (rc > 0 || (rc == 0 && export_flush(&x, 1)) || (rc == 0 && fflush(out) != 0))
        rc = custody_err_set(err, CUSTODY_ERR_IO, "cannot write the export");
    strbuf_release(&x.sb);
    strbuf_release(&x.prefix);
    if (lines_out)
        *lines_out = x.lines;
    return rc;
}
