/* --format l2tcsv: plaso's 17-column l2t_csv. As plaso does, commas inside a field
 * become spaces (the format has no quoting); we also neutralise spreadsheet
 * formulas and show control bytes as \xHH. */
#include "format.h"

#include <stdio.h>
#include <string.h>

static const char l2t_header[] = "date,time,timezone,MACB,source,sourcetype,type,user,host,short,"
                                 "desc,version,filename,inode,notes,format,extra\n";

static int
l2t_begin(struct fmt_writer *w, struct custody_err *err)
{
    (void)err;
    strbuf_addstr(&w->out, l2t_header);
    return 0;
}

/* Append one field: safe text, commas to spaces, formula defence. */
static void
l2t_field(struct strbuf *sb, const void *data, size_t len, size_t max)
{
    size_t at = sb->len;
    const char *p = data;

    if (len &&
        (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' || p[0] == '\t' || p[0] == '\r'))
        strbuf_addch(sb, '\'');
    strbuf_add_safe(sb, data, len);
    for (size_t i = at; i < sb->len; i++)
        if (sb->buf[i] == ',')
            sb->buf[i] = ' ';
    if (max && sb->len - at > max) {
        size_t cut = at + max;
        while (cut > at && ((unsigned char)sb->buf[cut] & 0xc0) == 0x80)
            cut--; /* never split a UTF-8 sequence */
        strbuf_setlen(sb, cut);
    }
}

static void
l2t_str(struct strbuf *sb, const char *s)
{
    if (s && *s)
        l2t_field(sb, s, strlen(s), 0);
    else
        strbuf_addch(sb, '-');
    strbuf_addch(sb, ',');
}

static void
extra_kv(struct strbuf *sb, const char *key, const char *val)
{
    if (!val || !*val)
        return;
    if (sb->len)
        strbuf_addstr(sb, "; ");
    strbuf_addf(sb, "%s: %s", key, val);
}

static int
l2t_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct strbuf *sb = &w->out;
    struct strbuf text = STRBUF_INIT, extra = STRBUF_INIT;
    int y, mo, d, h, mi, s;
    char macb[5] = "....", num[32];

    (void)err;
    fmt_time_parts(w, r->ts, &y, &mo, &d, &h, &mi, &s);
    strbuf_addf(sb, "%02d/%02d/%04d,%02d:%02d:%02d,%s,", mo, d, y, h, mi, s, w->tz_name);
    if (r->file_id && r->kind) {
        const char *k = strchr("macb", r->kind[0]);
        if (k && r->kind[0] && !r->kind[1])
            macb[k - "macb"] = (char)(r->kind[0] - 'a' + 'A');
    }
    strbuf_addf(sb, "%s,", macb);
    strbuf_addstr(sb, r->file_id ? "FILE," : "LOG,");
    l2t_str(sb, r->file_id ? "File stat" : r->source);
    l2t_str(sb, fmt_timestamp_desc(r));
    l2t_str(sb, r->user);
    l2t_str(sb, r->asset);
    fmt_event_text(w, &text, r);
    if (text.len)
        l2t_field(sb, text.buf, text.len, 80);
    else
        strbuf_addch(sb, '-');
    strbuf_addch(sb, ',');
    if (text.len)
        l2t_field(sb, text.buf, text.len, 0);
    else
        strbuf_addch(sb, '-');
    strbuf_addstr(sb, ",2,");
    if (r->path && r->path_len)
        l2t_field(sb, r->path, r->path_len, 0);
    else
        strbuf_addch(sb, '-');
    strbuf_addch(sb, ',');
    l2t_str(sb, r->inode);
    strbuf_addstr(sb, "-,"); /* notes (plaso: tags) */
    strbuf_addstr(sb, "custody/");
    l2t_field(sb, r->source ? r->source : "-", strlen(r->source ? r->source : "-"), 0);
    strbuf_addch(sb, ',');
    extra_kv(&extra, "evidence", r->evidence);
    extra_kv(&extra, "action", r->kind);
    extra_kv(&extra, "ip", r->ip);
    extra_kv(&extra, "program", r->program);
    if (r->pid >= 0) {
        snprintf(num, sizeof(num), "%lld", (long long)r->pid);
        extra_kv(&extra, "pid", num);
    }
    extra_kv(&extra, "md5", r->md5);
    extra_kv(&extra, "sha256", r->sha256);
    if (r->flags & 1)
        extra_kv(&extra, "deleted", "true");
    if (r->flags & 8)
        extra_kv(&extra, "ioc", "true");
    if (extra.len)
        l2t_field(sb, extra.buf, extra.len, 0);
    else
        strbuf_addch(sb, '-');
    strbuf_addch(sb, '\n');
    strbuf_release(&text);
    strbuf_release(&extra);
    return 0;
}

const struct fmt_ops fmt_l2tcsv = {
    "l2tcsv", "plaso's 17-column l2t_csv", l2t_begin, l2t_row, NULL, NULL,
};
