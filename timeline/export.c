/* timeline export: the file-system timeline as a TSK body file (fls -r -m), as
 * mactime -d prints it, or as JSON lines. */
#include "timeline.h"

#include "cli.h"
#include "json.h"
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
    /* mactime */
    struct mac_entry *group, *side;
    size_t ngroup, capgroup, nside, capside, side_next;
    uint32_t cur_sec;
    int have_group;
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

/* ---- mactime ---- */

struct mac_entry {
    uint32_t sec;
    unsigned macb; /* 1 m, 2 a, 4 c, 8 b */
    char *inode;
    char *name; /* body-file name field */
    size_t name_len;
    char *other; /* "size,ls,uid,gid" fields, ready to print */
};

static int
mac_cmp(const void *pa, const void *pb)
{
    const struct mac_entry *a = pa, *b = pb;
    int c;
    size_t n;

    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if ((c = strcmp(a->inode, b->inode)) != 0)
        return c;
    n = a->name_len < b->name_len ? a->name_len : b->name_len;
    if ((c = memcmp(a->name, b->name, n)) != 0)
        return c;
    return a->name_len < b->name_len ? -1 : a->name_len > b->name_len ? 1 : 0;
}

static void
mac_entry_free(struct mac_entry *e)
{
    free(e->inode);
    free(e->name);
    free(e->other);
}

static unsigned
mac_bit(char kind)
{
    switch (kind) {
    case 'm':
        return 1;
    case 'a':
        return 2;
    case 'c':
        return 4;
    case 'b':
        return 8;
    default:
        return 0;
    }
}

static void
mac_push(struct mac_entry **v, size_t *n, size_t *cap, struct export_ctx *x,
         const struct tl_event *e, uint32_t sec, unsigned bit)
{
    struct mac_entry *m;
    struct strbuf t = STRBUF_INIT;
    const struct tl_file *o = &e->last->f;
    char mode[16];

    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        struct mac_entry *grown = realloc(*v, *cap * sizeof(**v));
        if (!grown)
            abort();
        *v = grown;
    }
    m = &(*v)[(*n)++];
    m->sec = sec;
    m->macb = bit;
    if (!(m->inode = strdup(e->row->f.inode)))
        abort();
    timeline_body_name(&t, row_prefix(x, e->row), &e->row->f);
    m->name_len = t.len;
    m->name = strbuf_detach(&t, NULL);
    tsk_mode_string(mode, o->name_type, o->meta_type, (uint32_t)o->mode);
    if (o->meta_type < 0)
        strbuf_addf(&t, "0,.,%s,0,0", mode);
    else
        strbuf_addf(&t, "%lld,.,%s,%llu,%llu", (long long)o->size, mode,
                    (unsigned long long)(uint64_t)o->uid, (unsigned long long)(uint64_t)o->gid);
    m->other = strbuf_detach(&t, NULL);
}

static const char *const mac_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mac_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void
mac_date(struct strbuf *sb, uint32_t sec)
{
    struct tm tm;
    time_t t = (time_t)sec;

    if (sec == 0 || !localtime_r(&t, &tm)) {
        strbuf_addstr(sb, "Xxx Xxx 00 0000 00:00:00");
        return;
    }
    strbuf_addf(sb, "%s %s %02d %04d %02d:%02d:%02d", mac_days[tm.tm_wday], mac_months[tm.tm_mon],
                tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Print one second's entries the way mactime does: sorted by "time,inode,name",
 * the same key merged into one line with its m/a/c/b letters. */
static void
mac_flush_group(struct export_ctx *x)
{
    struct strbuf date = STRBUF_INIT;

    /* entries of the side list (rare times, unset times) for this second */
    while (x->side_next < x->nside && x->side[x->side_next].sec == x->cur_sec) {
        struct mac_entry *s = &x->side[x->side_next++];
        if (x->ngroup == x->capgroup) {
            x->capgroup = x->capgroup ? x->capgroup * 2 : 1024;
            struct mac_entry *grown = realloc(x->group, x->capgroup * sizeof(*grown));
            if (!grown)
                abort();
            x->group = grown;
        }
        x->group[x->ngroup++] = *s;
        memset(s, 0, sizeof(*s));
    }
    if (!x->ngroup)
        return;
    qsort(x->group, x->ngroup, sizeof(*x->group), mac_cmp);
    mac_date(&date, x->cur_sec);
    for (size_t i = 0; i < x->ngroup;) {
        struct mac_entry *e = &x->group[i];
        unsigned bits = 0;
        size_t j = i;
        const char *o = e->other;
        const char *size_end = strchr(o, ',');
        while (j < x->ngroup && mac_cmp(&x->group[j], e) == 0)
            bits |= x->group[j++].macb;
        /* mactime: Date,Size,Type,Mode,UID,GID,Meta,File Name */
        strbuf_addstr(&x->sb, date.buf);
        strbuf_addch(&x->sb, ',');
        strbuf_add(&x->sb, o, (size_t)(size_end - o));
        strbuf_addch(&x->sb, ',');
        strbuf_addch(&x->sb, (bits & 1) ? 'm' : '.');
        strbuf_addch(&x->sb, (bits & 2) ? 'a' : '.');
        strbuf_addch(&x->sb, (bits & 4) ? 'c' : '.');
        strbuf_addch(&x->sb, (bits & 8) ? 'b' : '.');
        strbuf_addstr(&x->sb, size_end + 2); /* skip ",." */
        strbuf_addch(&x->sb, ',');
        strbuf_addstr(&x->sb, e->inode);
        strbuf_addstr(&x->sb, ",\"");
        for (size_t k = 0; k < e->name_len; k++) {
            if (e->name[k] == '"')
                strbuf_addch(&x->sb, '"');
            strbuf_addch(&x->sb, e->name[k]);
        }
        strbuf_addstr(&x->sb, "\"\n");
        x->lines++;
        for (; i < j; i++)
            mac_entry_free(&x->group[i]);
    }
    x->ngroup = 0;
    strbuf_release(&date);
    export_flush(x, 0);
}

/* Move on to second sec (or, final, to the end): print the current group and
 * every side-list second before sec. */
static void
mac_advance(struct export_ctx *x, uint32_t sec, int final)
{
    if (x->have_group && !final && sec == x->cur_sec)
        return;
    if (x->have_group) {
        mac_flush_group(x);
        x->have_group = 0;
    }
    while (x->side_next < x->nside && (final || x->side[x->side_next].sec < sec)) {
        x->cur_sec = x->side[x->side_next].sec;
        mac_flush_group(x);
    }
    if (!final) {
        x->cur_sec = sec;
        x->have_group = 1;
    }
}

/* All four times print as 0: mactime skips the line. */
static int
mac_all_zero(const struct tl_file *f)
{
    if (f->meta_type < 0)
        return 1;
    for (int i = 0; i < 4; i++)
        if (body_sec(f, i))
            return 0;
    return 1;
}

static int
mac_event(void *ctx, const struct tl_event *e)
{
    struct export_ctx *x = ctx;
    uint32_t sec = (uint32_t)(e->ts / NS_PER_S); /* 0 <= ts < 2^32 s here */

    if (sec == 0 && mac_all_zero(&e->row->f))
        return 0;
    mac_advance(x, sec, 0);
    mac_push(&x->group, &x->ngroup, &x->capgroup, x, e, sec, mac_bit(e->kind));
    return x->io_error;
}

/* Times outside [1970, 2106): fls prints them truncated to 32 bits. */
static int
mac_side_event(void *ctx, const struct tl_event *e)
{
    struct export_ctx *x = ctx;
    int64_t sec = e->ts / NS_PER_S;

    if (e->ts % NS_PER_S < 0)
        sec--;
    if (mac_all_zero(&e->row->f))
        return 0;
    mac_push(&x->side, &x->nside, &x->capside, x, e, (uint32_t)sec, mac_bit(e->kind));
    return 0;
}

/* Unset times of a file with other times set: mactime lists them at 0. */
static int
mac_unset_event(void *ctx, const struct tl_event *e)
{
    struct export_ctx *x = ctx;
    static const char kinds[4] = {'a', 'm', 'c', 'b'};

    if (mac_all_zero(&e->row->f))
        return 0;
    for (int i = 0; i < 4; i++)
        if (!(e->row->f.time_set & (1u << i)))
            mac_push(&x->side, &x->nside, &x->capside, x, e, 0, mac_bit(kinds[i]));
    return 0;
}

static int
mac_sec_cmp(const void *pa, const void *pb)
{
    const struct mac_entry *a = pa, *b = pb;
    return a->sec < b->sec ? -1 : a->sec > b->sec;
}

static int
export_mactime(struct casedb *db, int64_t evidence_id, struct export_ctx *x,
               struct custody_err *err)
{
    const int64_t lim32 = 4294967296LL * NS_PER_S;
    int rc;

    strbuf_addstr(&x->sb, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n");
    if ((rc = timeline_fs_unset_foreach(db, evidence_id, mac_unset_event, x, err)) < 0 ||
        (rc = timeline_fs_events_foreach(db, evidence_id, INT64_MIN, 0, mac_side_event, x, err)) <
            0 ||
        (rc = timeline_fs_events_foreach(db, evidence_id, lim32, INT64_MAX, mac_side_event, x,
                                         err)) < 0)
        return rc;
    qsort(x->side, x->nside, sizeof(*x->side), mac_sec_cmp);
    if ((rc = timeline_fs_events_foreach(db, evidence_id, 0, lim32, mac_event, x, err)) < 0)
        return rc;
    mac_advance(x, 0, 1);
    return rc;
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
        rc = timeline_files_foreach(db, evidence_id, body_row, &x, err);
        break;
    case TIMELINE_FMT_MACTIME:
        rc = export_mactime(db, evidence_id, &x, err);
        break;
    case TIMELINE_FMT_JSONL:
    default:
        rc =
            timeline_fs_events_foreach(db, evidence_id, INT64_MIN, INT64_MAX, jsonl_event, &x, err);
        break;
    }
    if (rc > 0 || (rc == 0 && export_flush(&x, 1)) || (rc == 0 && fflush(out) != 0))
        rc = custody_err_set(err, CUSTODY_ERR_IO, "cannot write the export");
    for (size_t i = 0; i < x.ngroup; i++)
        mac_entry_free(&x.group[i]);
    for (size_t i = 0; i < x.nside; i++)
        mac_entry_free(&x.side[i]);
    free(x.group);
    free(x.side);
    strbuf_release(&x.sb);
    strbuf_release(&x.prefix);
    if (lines_out)
        *lines_out = x.lines;
    return rc;
}
