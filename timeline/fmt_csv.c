/* --format csv: one row per event, RFC 4180, safe to open in a spreadsheet. */
#include "format.h"

#include <string.h>

static const char csv_header[] =
    "time,asset,evidence,source,action,path,inode,size,mode,uid,gid,user,ip,port,program,pid,"
    "host,message,location,tz,deleted,ioc,md5,sha256,data\r\n";

static int
csv_begin(struct fmt_writer *w, struct custody_err *err)
{
    (void)err;
    strbuf_addstr(&w->out, csv_header);
    return 0;
}

static void
csv_int(struct strbuf *sb, int64_t v)
{
    strbuf_addch(sb, ',');
    if (v >= 0)
        strbuf_addf(sb, "%lld", (long long)v);
}

static void
csv_str(struct strbuf *sb, const char *s)
{
    strbuf_addch(sb, ',');
    fmt_csv_cell_str(sb, s);
}

static int
csv_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct strbuf *sb = &w->out;
    char mode[16];

    (void)err;
    fmt_time_iso(w, sb, r->ts, 9, 'T');
    csv_str(sb, r->asset);
    csv_str(sb, r->evidence);
    csv_str(sb, r->source);
    csv_str(sb, r->kind);
    strbuf_addch(sb, ',');
    if (r->path)
        fmt_csv_cell(sb, r->path, r->path_len);
    csv_str(sb, r->inode);
    csv_int(sb, r->size);
    strbuf_addch(sb, ',');
    if (r->file_id) {
        fmt_mode_string(mode, r->name_type, r->meta_type, r->mode);
        strbuf_addstr(sb, mode);
    } else if (r->mode >= 0) {
        strbuf_addf(sb, "%llo", (unsigned long long)r->mode);
    }
    csv_int(sb, r->uid);
    csv_int(sb, r->gid);
    csv_str(sb, r->user);
    csv_str(sb, r->ip);
    csv_int(sb, r->port);
    csv_str(sb, r->program);
    csv_int(sb, r->pid);
    csv_str(sb, r->host);
    csv_str(sb, r->message);
    csv_str(sb, r->location);
    csv_str(sb, r->tz);
    strbuf_addstr(sb, r->flags & 1 ? ",1" : ",0");
    strbuf_addstr(sb, r->flags & 8 ? ",1" : ",0");
    csv_str(sb, r->md5);
    csv_str(sb, r->sha256);
    csv_str(sb, r->data);
    strbuf_addstr(sb, "\r\n");
    return 0;
}

const struct fmt_ops fmt_csv = {
    "csv", "comma-separated values (RFC 4180), one event per row", csv_begin, csv_row, NULL, NULL,
};
