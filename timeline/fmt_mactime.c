/* --format mactime: the CSV that `mactime -b BODY -d -y` prints, computed from the
 * events: one line per second, inode and name, with the M, A, C, B letters of that
 * second merged, ordered within a second as mactime orders its keys (byte order of
 * "inode,name"). Differences from mactime, on purpose: times a file does not have
 * (fls writes 0, mactime then lists them at 0000-00-00T00:00:00Z) are not events
 * and are not listed; each line shows its own file's mode, owner and size (mactime
 * shows those of the last body line with the same name). Log events are left out. */
#include "format.h"
#include "mac_sort.h"

#include <stdlib.h>
#include <string.h>

struct mac_entry {
    int64_t sec;
    size_t key_off, key_len; /* "inode,name" in the arena */
    size_t inode_len;
    unsigned macb; /* 1 m, 2 a, 4 c, 8 b */
    int64_t size, uid, gid;
    char mode[16];
    size_t seq; /* arrival, for a stable sort */
};

/* Events arrive in time order and are flushed second by second; file rows (from
 * casedb_query_files) arrive in storage order and are sorted once at the end
 * (mac_sort.c), each file showing its own details. */
struct mac_state {
    int have;
    int64_t sec;
    struct strbuf arena;
    struct mac_entry *v;
    size_t n, cap;
    /* file rows */
    struct mac_sort sort;
    struct strbuf det; /* per file: "size" then ",mode,uid,gid," */
    struct mac_det {
        size_t off;
        uint32_t size_len, len;
    } * dets;
    size_t capdets;
};

/* Order of two entries (pointers to them): second, then the bytes of "inode,name"
 * as mactime's string sort, then arrival. Pointers are sorted, not the entries. */
static int
mac_cmp(const void *a, const void *b, void *arena)
{
    const struct mac_entry *x = *(const struct mac_entry *const *)a;
    const struct mac_entry *y = *(const struct mac_entry *const *)b;
    const char *mac_arena = arena;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c;

    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    if ((c = memcmp(mac_arena + x->key_off, mac_arena + y->key_off, n)) != 0)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
mac_date(struct fmt_writer *w, struct strbuf *sb, int64_t sec)
{
    if (sec == 0) {
        strbuf_addstr(sb, "0000-00-00T00:00:00Z");
        return;
    }
    /* mactime -y prints UTC whatever the zone: "2026-03-01T00:00:00Z". */
    fmt_time_utc_us(w, sb, sec * 1000000000);
    strbuf_setlen(sb, sb->len - 13); /* ".000000+00:00" */
    strbuf_addch(sb, 'Z');
}

static void
add_num(struct strbuf *sb, int64_t v)
{
    strbuf_add_i64(sb, v);
}

static int
mac_flush(struct fmt_writer *w, struct mac_state *st, struct custody_err *err)
{
    struct strbuf date = STRBUF_INIT;
    struct strbuf *sb = &w->out;
    int64_t date_sec = 0;
    int have_date = 0;

    int rc = 0;

    if (!st->n)
        return 0;
    struct mac_entry **p = malloc(st->n * sizeof(*p));
    if (!p)
        abort();
    for (size_t i = 0; i < st->n; i++)
        p[i] = &st->v[i];
    qsort_r(p, st->n, sizeof(*p), mac_cmp, st->arena.buf);
    for (size_t i = 0; i < st->n;) {
        struct mac_entry *e = p[i];
        unsigned macb = 0;
        size_t j = i;
        const char *key = st->arena.buf + e->key_off;
        /* Merge entries with the same second and key; the last one's details are shown. */
        while (j < st->n && p[j]->sec == e->sec && p[j]->key_len == e->key_len &&
               !memcmp(st->arena.buf + p[j]->key_off, key, e->key_len))
            macb |= p[j++]->macb;
        if (!have_date || date_sec != e->sec) {
            strbuf_reset(&date);
            mac_date(w, &date, e->sec);
            date_sec = e->sec;
            have_date = 1;
        }
        e = p[j - 1];
        strbuf_add(sb, date.buf, date.len);
        strbuf_addch(sb, ',');
        add_num(sb, e->size);
        strbuf_addch(sb, ',');
        strbuf_addch(sb, macb & 1 ? 'm' : '.');
        strbuf_addch(sb, macb & 2 ? 'a' : '.');
        strbuf_addch(sb, macb & 4 ? 'c' : '.');
        strbuf_addch(sb, macb & 8 ? 'b' : '.');
        strbuf_addch(sb, ',');
        strbuf_addstr(sb, e->mode);
        strbuf_addch(sb, ',');
        add_num(sb, e->uid);
        strbuf_addch(sb, ',');
        add_num(sb, e->gid);
        strbuf_addch(sb, ',');
        strbuf_add(sb, key, e->inode_len);
        strbuf_addstr(sb, ",\"");
        for (size_t k = e->inode_len + 1; k < e->key_len;) {
            const char *q = memchr(key + k, '"', e->key_len - k);
            size_t run = q ? (size_t)(q - (key + k)) + 1 : e->key_len - k;
            strbuf_add(sb, key + k, run);
            if (q)
                strbuf_addch(sb, '"'); /* a quote is doubled */
            k += run;
        }
        strbuf_addstr(sb, "\"\n");
        i = j;
        if ((rc = fmt_writer_flush(w, 0, err)) < 0)
            break;
    }
    free(p);
    st->n = 0;
    strbuf_reset(&st->arena);
    strbuf_release(&date);
    return rc;
}

static int
mac_begin(struct fmt_writer *w, struct custody_err *err)
{
    struct mac_state *st = calloc(1, sizeof(*st));

    (void)err;
    if (!st)
        abort();
    strbuf_init(&st->arena);
    mac_sort_init(&st->sort);
    strbuf_init(&st->det);
    w->state = st;
    strbuf_addstr(&w->out, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n");
    return 0;
}

static struct mac_entry *
mac_push(struct mac_state *st, const struct casedb_event_row *r, int64_t sec, unsigned bit)
{
    struct mac_entry *e;

    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 256;
        st->v = realloc(st->v, st->cap * sizeof(*st->v));
        if (!st->v)
            abort();
    }
    e = &st->v[st->n];
    memset(e, 0, sizeof(*e));
    e->size = r->size < 0 ? 0 : r->size;
    e->uid = r->uid < 0 ? 0 : r->uid;
    e->gid = r->gid < 0 ? 0 : r->gid;
    fmt_mode_string(e->mode, r->name_type, r->meta_type, r->mode);
    e->seq = st->n++;
    e->sec = sec;
    e->macb = bit;
    return e;
}

static void
mac_key(struct fmt_writer *w, struct mac_state *st, const struct casedb_event_row *r,
        struct mac_entry *e)
{
    e->key_off = st->arena.len;
    strbuf_addstr(&st->arena, r->inode ? r->inode : "0");
    e->inode_len = st->arena.len - e->key_off;
    strbuf_addch(&st->arena, ',');
    fmt_body_name(w, &st->arena, r);
    e->key_len = st->arena.len - e->key_off;
}

/* A file row: one entry per time the filter lets through, all with its key. */
static void
mac_file(struct fmt_writer *w, struct mac_state *st, const struct casedb_event_row *r)
{
    const int has[4] = {r->has_mtime, r->has_atime, r->has_ctime, r->has_crtime};
    const int64_t ts[4] = {r->mtime, r->atime, r->ctime, r->crtime};
    int64_t sec[4] = {0, 0, 0, 0};
    unsigned mask = 0;
    size_t key, inode_len;
    struct mac_det *d;
    uint32_t idx;
    char mode[16];

    for (int i = 0; i < 4; i++) {
        if (!has[i] || !(w->fs_kinds & (1u << i)) || (w->has_from && ts[i] < w->from) ||
            (w->has_to && ts[i] >= w->to))
            continue;
        sec[i] = fmt_seconds(ts[i]);
        mask |= 1u << i;
    }
    if (!mask)
        return;
    key = st->sort.keys.len;
    inode_len = r->inode ? strlen(r->inode) : 1;
    strbuf_add(&st->sort.keys, r->inode ? r->inode : "0", inode_len);
    strbuf_addch(&st->sort.keys, ',');
    fmt_body_name(w, &st->sort.keys, r);
    idx = mac_sort_add(&st->sort, key, inode_len, sec, mask);
    if (idx >= st->capdets) {
        st->capdets = st->capdets ? st->capdets * 2 : 16384;
        d = realloc(st->dets, st->capdets * sizeof(*d));
        if (!d)
            abort();
        st->dets = d;
    }
    d = &st->dets[idx];
    d->off = st->det.len;
    strbuf_add_i64(&st->det, r->size < 0 ? 0 : r->size);
    d->size_len = (uint32_t)(st->det.len - d->off);
    fmt_mode_string(mode, r->name_type, r->meta_type, r->mode);
    strbuf_addch(&st->det, ',');
    strbuf_addstr(&st->det, mode);
    strbuf_addch(&st->det, ',');
    strbuf_add_i64(&st->det, r->uid < 0 ? 0 : r->uid);
    strbuf_addch(&st->det, ',');
    strbuf_add_i64(&st->det, r->gid < 0 ? 0 : r->gid);
    strbuf_addch(&st->det, ',');
    d->len = (uint32_t)(st->det.len - d->off);
}

/* The file rows, sorted: one line per second and key, the letters merged. */
static int
mac_files_write(struct fmt_writer *w, struct mac_state *st, struct custody_err *err)
{
    struct strbuf date = STRBUF_INIT;
    struct strbuf *sb = &w->out;
    struct mac_line line;
    int64_t date_sec = 0;
    int have_date = 0, rc;
    size_t pos = 0;

    if ((rc = mac_sort_run(&st->sort, err)) < 0)
        return rc;
    while (mac_sort_next(&st->sort, &pos, &line)) {
        const struct mac_det *d = &st->dets[line.file];
        uint32_t ahead = mac_sort_file_ahead(&st->sort, pos);
        if (ahead != UINT32_MAX)
            __builtin_prefetch(st->det.buf + st->dets[ahead].off);
        const char *det = st->det.buf + d->off;
        char macb[6] = {',', '.', '.', '.', '.', ','};
        if (!have_date || date_sec != line.sec) {
            strbuf_reset(&date);
            mac_date(w, &date, line.sec);
            date_sec = line.sec;
            have_date = 1;
        }
        if (line.macb & MAC_M)
            macb[1] = 'm';
        if (line.macb & MAC_A)
            macb[2] = 'a';
        if (line.macb & MAC_C)
            macb[3] = 'c';
        if (line.macb & MAC_B)
            macb[4] = 'b';
        strbuf_grow(sb, date.len + d->len + 8);
        strbuf_add(sb, date.buf, date.len);
        strbuf_addch(sb, ',');
        strbuf_add(sb, det, d->size_len);
        strbuf_add(sb, macb, 5);
        strbuf_add(sb, det + d->size_len, d->len - d->size_len);
        mac_sort_add_meta_name(&st->sort, line.file, sb);
        if ((rc = fmt_writer_flush(w, 0, err)) < 0)
            break;
    }
    strbuf_release(&date);
    return rc;
}

static int
mac_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct mac_state *st = w->state;
    struct mac_entry *e;
    const char *k;
    int64_t sec;
    int rc;

    if (!r->kind && r->file_id) {
        mac_file(w, st, r);
        return 0;
    }
    if (!r->file_id || !r->kind || !r->kind[0] || r->kind[1] || !(k = strchr("macb", r->kind[0])))
        return 0;
    sec = fmt_seconds(r->ts);
    if (st->have && sec != st->sec && (rc = mac_flush(w, st, err)) < 0)
        return rc;
    st->have = 1;
    st->sec = sec;
    e = mac_push(st, r, sec, 1u << (k - "macb"));
    mac_key(w, st, r, e);
    return 0;
}

static int
mac_end(struct fmt_writer *w, struct custody_err *err)
{
    struct mac_state *st = w->state;
    int rc = mac_flush(w, st, err);

    if (rc == 0 && st->sort.nfiles)
        rc = mac_files_write(w, st, err);
    return rc;
}

static void
mac_release(struct fmt_writer *w)
{
    struct mac_state *st = w->state;

    if (st) {
        strbuf_release(&st->arena);
        free(st->v);
        mac_sort_release(&st->sort);
        strbuf_release(&st->det);
        free(st->dets);
        free(st);
    }
    w->state = NULL;
}

const struct fmt_ops fmt_mactime = {
    "mactime", "the CSV of mactime -d -y (MACB merged per file and second)",
    mac_begin, mac_row,
    mac_end,   mac_release,
};
