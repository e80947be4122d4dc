/* --format mactime: the CSV that `mactime -b BODY -d -y` prints, computed from the
 * events: one line per second, inode and name, with the M, A, C, B letters of that
 * second merged, ordered within a second as mactime orders its keys (byte order of
 * "inode,name"). Differences from mactime, on purpose: times a file does not have
 * (fls writes 0, mactime then lists them at 0000-00-00T00:00:00Z) are not events
 * and are not listed; each line shows its own file's mode, owner and size (mactime
 * shows those of the last body line with the same name). Log events are left out. */
#include "format.h"

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
 * casedb_query_files) arrive in storage order and are sorted once at the end. */
struct mac_state {
    int have;
    int64_t sec;
    struct strbuf arena;
    struct mac_entry *v;
    size_t n, cap;
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
    char num[24];
    strbuf_add(sb, num, fmt_i64(num, v));
}

static void
mac_flush(struct fmt_writer *w, struct mac_state *st)
{
    struct strbuf date = STRBUF_INIT;
    struct strbuf *sb = &w->out;
    int64_t date_sec = 0;
    int have_date = 0;

    if (!st->n)
        return;
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
        if (sb->len > (1u << 20))
            fmt_writer_flush(w, 1, NULL); /* a whole case sorted at once: write as we go */
    }
    free(p);
    st->n = 0;
    strbuf_reset(&st->arena);
    strbuf_release(&date);
}

static int
mac_begin(struct fmt_writer *w, struct custody_err *err)
{
    struct mac_state *st = calloc(1, sizeof(*st));

    (void)err;
    if (!st)
        abort();
    strbuf_init(&st->arena);
    w->state = st;
    strbuf_addstr(&w->out, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n");
    return 0;
}

static struct mac_entry *
mac_push(struct mac_state *st, const struct casedb_event_row *r, int64_t sec, unsigned bit,
         const struct mac_entry *same_key)
{
    struct mac_entry *e, tmpl;

    if (same_key)
        tmpl = *same_key; /* it lives in st->v, which may move below */
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 256;
        st->v = realloc(st->v, st->cap * sizeof(*st->v));
        if (!st->v)
            abort();
    }
    e = &st->v[st->n];
    if (same_key) {
        *e = tmpl;
    } else {
        memset(e, 0, sizeof(*e));
        e->size = r->size < 0 ? 0 : r->size;
        e->uid = r->uid < 0 ? 0 : r->uid;
        e->gid = r->gid < 0 ? 0 : r->gid;
        fmt_mode_string(e->mode, r->name_type, r->meta_type, r->mode);
    }
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

/* A file row: one entry per time the filter lets through; the key is shared. */
static void
mac_file(struct fmt_writer *w, struct mac_state *st, const struct casedb_event_row *r)
{
    const int has[4] = {r->has_mtime, r->has_atime, r->has_ctime, r->has_crtime};
    const int64_t ts[4] = {r->mtime, r->atime, r->ctime, r->crtime};
    struct mac_entry *first = NULL;
    size_t first_idx = 0;

    for (int i = 0; i < 4; i++) {
        if (!has[i] || !(w->fs_kinds & (1u << i)) || (w->has_from && ts[i] < w->from) ||
            (w->has_to && ts[i] >= w->to))
            continue;
        if (!first) {
            first = mac_push(st, r, fmt_seconds(ts[i]), 1u << i, NULL);
            first_idx = st->n - 1;
            mac_key(w, st, r, first);
        } else {
            mac_push(st, r, fmt_seconds(ts[i]), 1u << i, &st->v[first_idx]);
        }
    }
}

static int
mac_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct mac_state *st = w->state;
    struct mac_entry *e;
    const char *k;
    int64_t sec;

    (void)err;
    if (!r->kind && r->file_id) {
        mac_file(w, st, r);
        return 0;
    }
    if (!r->file_id || !r->kind || !r->kind[0] || r->kind[1] || !(k = strchr("macb", r->kind[0])))
        return 0;
    sec = fmt_seconds(r->ts);
    if (st->have && sec != st->sec)
        mac_flush(w, st);
    st->have = 1;
    st->sec = sec;
    e = mac_push(st, r, sec, 1u << (k - "macb"), NULL);
    mac_key(w, st, r, e);
    return 0;
}

static int
mac_end(struct fmt_writer *w, struct custody_err *err)
{
    (void)err;
    mac_flush(w, w->state);
    return 0;
}

static void
mac_release(struct fmt_writer *w)
{
    struct mac_state *st = w->state;

    if (st) {
        strbuf_release(&st->arena);
        free(st->v);
        free(st);
    }
    w->state = NULL;
}

const struct fmt_ops fmt_mactime = {
    "mactime", "the CSV of mactime -d -y (MACB merged per file and second)",
    mac_begin, mac_row,
    mac_end,   mac_release,
};
