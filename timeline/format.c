/* The output-format registry, the buffered writer and the helpers the formats share. */
#include "format.h"

#include "cli.h"
#include "io.h"
#include "timeline.h"
#include "tsk_adapter.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FMT_FLUSH_AT (256 * 1024)

static const struct fmt_ops *const formats[] = {
    &fmt_table, &fmt_csv,     &fmt_json,   &fmt_jsonl,
    &fmt_body,  &fmt_mactime, &fmt_l2tcsv, &fmt_timesketch,
};

const struct fmt_ops *
fmt_find(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcmp(formats[i]->name, name))
            return formats[i];
    return NULL;
}

void
fmt_names(struct strbuf *sb)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        strbuf_addf(sb, "%s%s", i ? ", " : "", formats[i]->name);
}

void
fmt_writer_init(struct fmt_writer *w, const struct fmt_ops *f, int fd, const struct fmt_display *d)
{
    memset(w, 0, sizeof(*w));
    w->fmt = f;
    w->fd = fd;
    strbuf_init(&w->out);
    w->utc = !d || !d->tz || !strcmp(d->tz, "UTC");
    w->tz_name = w->utc ? "UTC" : d->tz;
    w->width = d ? d->width : 0;
    w->host_prefix = d ? d->host_prefix : 0;
}

int
fmt_writer_flush(struct fmt_writer *w, int force, struct custody_err *err)
{
    if (!force && w->out.len < FMT_FLUSH_AT)
        return 0;
    if (w->out.len && io_write_full(w->fd, w->out.buf, w->out.len) < 0) {
        int e = errno;
        strbuf_reset(&w->out);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot write %s output",
                                 w->fmt->name);
    }
    strbuf_reset(&w->out);
    return 0;
}

int
fmt_writer_begin(struct fmt_writer *w, struct custody_err *err)
{
    return w->fmt->begin ? w->fmt->begin(w, err) : 0;
}

int
fmt_writer_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    int rc = w->fmt->row(w, r, err);

    w->rows++;
    if (rc < 0)
        return rc;
    return fmt_writer_flush(w, 0, err);
}

int
fmt_writer_end(struct fmt_writer *w, struct custody_err *err)
{
    int rc = w->fmt->end ? w->fmt->end(w, err) : 0;

    if (rc < 0)
        return rc;
    return fmt_writer_flush(w, 1, err);
}

void
fmt_writer_release(struct fmt_writer *w)
{
    if (!w)
        return;
    if (w->fmt && w->fmt->release)
        w->fmt->release(w);
    strbuf_release(&w->out);
}

int64_t
fmt_seconds(int64_t ns)
{
    int64_t s = ns / 1000000000;
    if (ns % 1000000000 < 0)
        s--;
    return s;
}

long
fmt_time_parts(const struct fmt_writer *w, int64_t ns, int *y, int *mo, int *d, int *h, int *mi,
               int *s)
{
    time_t t = (time_t)fmt_seconds(ns);
    struct tm tm;
    long off = 0;

    if (w->utc) {
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
        off = tm.tm_gmtoff;
    }
    *y = tm.tm_year + 1900;
    *mo = tm.tm_mon + 1;
    *d = tm.tm_mday;
    *h = tm.tm_hour;
    *mi = tm.tm_min;
    *s = tm.tm_sec;
    return off;
}

static void
fill_cache(struct fmt_writer *w, int64_t sec)
{
    int y, mo, d, h, mi, s;
    long off = fmt_time_parts(w, sec * 1000000000, &y, &mo, &d, &h, &mi, &s);

    snprintf(w->cache_date, sizeof(w->cache_date), "%04d-%02d-%02d?%02d:%02d:%02d", y, mo, d, h, mi,
             s);
    if (w->utc) {
        snprintf(w->cache_off, sizeof(w->cache_off), "Z");
    } else {
        long a = off < 0 ? -off : off;
        snprintf(w->cache_off, sizeof(w->cache_off), "%c%02ld:%02ld", off < 0 ? '-' : '+',
                 (a / 3600) % 100, (a / 60) % 60);
    }
    w->cache_sec = sec;
    w->cache_valid = 1;
}

void
fmt_time_iso(struct fmt_writer *w, struct strbuf *sb, int64_t ns, int frac_digits, char sep)
{
    int64_t sec = fmt_seconds(ns);
    int64_t frac = ns - sec * 1000000000;
    size_t at;

    if (!w->cache_valid || w->cache_sec != sec)
        fill_cache(w, sec);
    at = sb->len;
    strbuf_addstr(sb, w->cache_date);
    sb->buf[at + 10] = sep;
    if (frac_digits == 9)
        strbuf_addf(sb, ".%09lld", (long long)frac);
    else if (frac_digits == 6)
        strbuf_addf(sb, ".%06lld", (long long)(frac / 1000));
    else if (frac_digits == 3)
        strbuf_addf(sb, ".%03lld", (long long)(frac / 1000000));
    strbuf_addstr(sb, w->cache_off);
}

void
fmt_time_utc_us(struct fmt_writer *w, struct strbuf *sb, int64_t ns)
{
    int64_t sec = fmt_seconds(ns), us = (ns - sec * 1000000000) / 1000;
    char frac[8];

    if (!w->utc_valid || w->utc_sec != sec) {
        /* Civil date from days since 1970-01-01 (H. Hinnant's algorithm): no
         * gmtime or printf per event, exports in storage order rarely repeat a second. */
        int64_t days = sec / 86400, rem = sec % 86400;
        if (rem < 0) {
            rem += 86400;
            days--;
        }
        int64_t y;
        unsigned m, d;
        custody_civil_from_days(days, &y, &m, &d);
        int64_t v[6] = {y, m, d, rem / 3600, rem / 60 % 60, rem % 60};
        static const char seps[] = "--T::";
        char *o = w->utc_date;
        if (y < 0 || y > 9999) {
            snprintf(w->utc_date, sizeof(w->utc_date), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                     (long long)y, (long long)m, (long long)d, (long long)v[3], (long long)v[4],
                     (long long)v[5]);
        } else {
            for (int i = 0; i < 6; i++) {
                int width = i == 0 ? 4 : 2;
                for (int k = width - 1; k >= 0; k--, v[i] /= 10)
                    o[k] = (char)('0' + v[i] % 10);
                o += width;
                if (i < 5)
                    *o++ = seps[i];
            }
            *o = '\0';
        }
        w->utc_sec = sec;
        w->utc_valid = 1;
    }
    strbuf_addstr(sb, w->utc_date);
    frac[0] = '.';
    for (int i = 6; i >= 1; i--, us /= 10)
        frac[i] = (char)('0' + us % 10);
    frac[7] = '\0';
    strbuf_add(sb, frac, 7);
    strbuf_add(sb, "+00:00", 6);
}

void
fmt_csv_cell(struct strbuf *sb, const void *data, size_t len)
{
    struct strbuf tmp = STRBUF_INIT;
    const char *p = data;
    int quote = 0;

    if (len && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' || p[0] == '\t' ||
                p[0] == '\r')) {
        strbuf_addch(&tmp, '\'');
        quote = 1;
    }
    strbuf_add_safe(&tmp, data, len);
    for (size_t i = 0; i < tmp.len && !quote; i++)
        if (tmp.buf[i] == ',' || tmp.buf[i] == '"' || tmp.buf[i] == ' ')
            quote = 1;
    if (!quote) {
        strbuf_add(sb, tmp.buf, tmp.len);
    } else {
        strbuf_addch(sb, '"');
        for (size_t i = 0; i < tmp.len; i++) {
            if (tmp.buf[i] == '"')
                strbuf_addch(sb, '"');
            strbuf_addch(sb, tmp.buf[i]);
        }
        strbuf_addch(sb, '"');
    }
    strbuf_release(&tmp);
}

void
fmt_csv_cell_str(struct strbuf *sb, const char *s)
{
    if (s)
        fmt_csv_cell(sb, s, strlen(s));
}

void
fmt_mode_string(char out[16], int64_t name_type, int64_t meta_type, int64_t mode)
{
    tsk_mode_string(out, (int)name_type, (int)meta_type, (uint32_t)(mode < 0 ? 0 : mode));
}

/* The row as the file-system store describes a file, for the body-file writers
 * export uses (one implementation of fls's line format). */
static void
row_file(const struct casedb_event_row *r, struct tl_file *f)
{
    memset(f, 0, sizeof(*f));
    f->path = r->path ? (const void *)r->path : "";
    f->path_len = r->path ? r->path_len : 0;
    f->link = r->link;
    f->link_len = r->link_len;
    f->inode = r->inode ? r->inode : "0";
    f->name_type = (int)r->name_type;
    f->meta_type = (int)r->meta_type;
    f->mode = r->mode;
    f->uid = r->uid;
    f->gid = r->gid;
    f->size = r->size;
    f->flags = (unsigned)r->flags;
    f->time[TL_ATIME] = r->atime;
    f->time[TL_MTIME] = r->mtime;
    f->time[TL_CTIME] = r->ctime;
    f->time[TL_CRTIME] = r->crtime;
    f->time_set = (r->has_atime ? 1u << TL_ATIME : 0) | (r->has_mtime ? 1u << TL_MTIME : 0) |
                  (r->has_ctime ? 1u << TL_CTIME : 0) | (r->has_crtime ? 1u << TL_CRTIME : 0);
    f->md5 = r->md5;
    f->sha256 = r->sha256;
    f->ioc_name = r->ioc_name;
}

/* "/host/label" (when several evidence items can appear) + the partition's prefix. */
static void
row_prefix(const struct fmt_writer *w, const struct casedb_event_row *r, struct strbuf *sb)
{
    if (w->host_prefix) {
        strbuf_addch(sb, '/');
        strbuf_addstr(sb, r->asset ? r->asset : "");
        strbuf_addch(sb, '/');
        strbuf_addstr(sb, r->evidence ? r->evidence : "");
    }
    if (r->part_prefix)
        strbuf_addstr(sb, r->part_prefix);
}

void
fmt_body_name(const struct fmt_writer *w, struct strbuf *sb, const struct casedb_event_row *r)
{
    struct strbuf prefix = STRBUF_INIT;
    struct tl_file f;

    row_file(r, &f);
    if (!w->host_prefix) { /* the common case, once per file of an export: no malloc */
        timeline_body_name(sb, r->part_prefix ? r->part_prefix : "", &f);
        return;
    }
    row_prefix(w, r, &prefix);
    timeline_body_name(sb, prefix.len ? prefix.buf : "", &f);
    strbuf_release(&prefix);
}

void
fmt_body_line(const struct fmt_writer *w, struct strbuf *sb, const struct casedb_event_row *r)
{
    struct strbuf prefix = STRBUF_INIT;
    struct tl_file f;

    row_prefix(w, r, &prefix);
    row_file(r, &f);
    timeline_body_line(sb, prefix.len ? prefix.buf : "", &f);
    strbuf_release(&prefix);
}

int
fmt_file_selected(const struct fmt_writer *w, const struct casedb_event_row *r)
{
    const int has[4] = {r->has_mtime, r->has_atime, r->has_ctime, r->has_crtime};
    const int64_t ts[4] = {r->mtime, r->atime, r->ctime, r->crtime};

    if (w->fs_kinds == 15 && !w->has_from && !w->has_to)
        return 1;
    for (int i = 0; i < 4; i++)
        if (has[i] && (w->fs_kinds & (1u << i)) && (!w->has_from || ts[i] >= w->from) &&
            (!w->has_to || ts[i] < w->to))
            return 1;
    return 0;
}

const char *
fmt_timestamp_desc(const struct casedb_event_row *r)
{
    if (r->file_id && r->kind && r->kind[0] && !r->kind[1]) {
        switch (r->kind[0]) {
        case 'm':
            return "Content Modification Time";
        case 'a':
            return "Last Access Time";
        case 'c':
            return "Metadata Modification Time";
        case 'b':
            return "Creation Time";
        }
    }
    return "Event Recorded";
}

void
fmt_event_text(const struct fmt_writer *w, struct strbuf *sb, const struct casedb_event_row *r)
{
    if (r->message && *r->message)
        strbuf_addstr(sb, r->message);
    else if (r->file_id)
        fmt_body_name(w, sb, r);
    else if (r->path)
        strbuf_add(sb, r->path, r->path_len);
}

static uint64_t
id_hash(int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}

int
fmt_idset_add(struct fmt_idset *s, int64_t id)
{
    size_t i;

    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        int64_t *ns = calloc(ncap, sizeof(*ns));
        if (!ns)
            abort();
        for (size_t k = 0; k < s->cap; k++) {
            if (!s->slots[k])
                continue;
            for (i = id_hash(s->slots[k]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
                ;
            ns[i] = s->slots[k];
        }
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    for (i = id_hash(id) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
        if (s->slots[i] == id)
            return 0;
    s->slots[i] = id;
    s->n++;
    return 1;
}

void
fmt_idset_release(struct fmt_idset *s)
{
    free(s->slots);
    memset(s, 0, sizeof(*s));
}
