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
    size_t key_off, key_len; /* "inode,name" in the arena */
    size_t inode_len;
    unsigned macb; /* 1 m, 2 a, 4 c, 8 b */
    int64_t size, uid, gid;
    char mode[16];
    size_t seq; /* arrival, for a stable sort */
};

struct mac_state {
    int have;
    int64_t sec;
    struct strbuf arena;
    struct mac_entry *v;
    size_t n, cap;
};

static int
mac_cmp(const void *a, const void *b, void *arena)
{
    const struct mac_entry *x = a, *y = b;
    const char *mac_arena = arena;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(mac_arena + x->key_off, mac_arena + y->key_off, n);

    if (c)
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
    /* mactime -y prints UTC whatever the zone. */
    int utc = w->utc;
    w->utc = 1;
    w->cache_valid = 0;
    fmt_time_iso(w, sb, sec * 1000000000, 0, 'T');
    w->utc = utc;
    w->cache_valid = 0;
}

static void
mac_flush(struct fmt_writer *w, struct mac_state *st)
{
    struct strbuf date = STRBUF_INIT;
    struct strbuf *sb = &w->out;

    if (!st->n)
        return;
    mac_date(w, &date, st->sec);
    qsort_r(st->v, st->n, sizeof(st->v[0]), mac_cmp, st->arena.buf);
    for (size_t i = 0; i < st->n;) {
        struct mac_entry *e = &st->v[i];
        unsigned macb = 0;
        size_t j = i;
        const char *key = st->arena.buf + e->key_off;
        /* Merge entries with the same key; the last one's details are shown. */
        while (j < st->n && st->v[j].key_len == e->key_len &&
               !memcmp(st->arena.buf + st->v[j].key_off, key, e->key_len))
            macb |= st->v[j++].macb;
        e = &st->v[j - 1];
        strbuf_add(sb, date.buf, date.len);
        strbuf_addf(sb, ",%lld,%c%c%c%c,%s,%lld,%lld,", (long long)e->size, macb & 1 ? 'm' : '.',
                    macb & 2 ? 'a' : '.', macb & 4 ? 'c' : '.', macb & 8 ? 'b' : '.', e->mode,
                    (long long)e->uid, (long long)e->gid);
        strbuf_add(sb, key, e->inode_len);
        strbuf_addstr(sb, ",\"");
        for (size_t k = e->inode_len + 1; k < e->key_len; k++) {
            if (key[k] == '"')
                strbuf_addch(sb, '"');
            strbuf_addch(sb, key[k]);
        }
        strbuf_addstr(sb, "\"\n");
        i = j;
    }
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

static int
mac_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct mac_state *st = w->state;
    struct mac_entry *e;
    const char *k;
    int64_t sec;

    (void)err;
    if (!r->file_id || !r->kind || !r->kind[0] || r->kind[1] || !(k = strchr("macb", r->kind[0])))
        return 0;
    sec = fmt_seconds(r->ts);
    if (st->have && sec != st->sec)
        mac_flush(w, st);
    st->have = 1;
    st->sec = sec;
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 256;
        st->v = realloc(st->v, st->cap * sizeof(*st->v));
        if (!st->v)
            abort();
    }
    e = &st->v[st->n];
    memset(e, 0, sizeof(*e));
    e->seq = st->n++;
    e->key_off = st->arena.len;
    strbuf_addstr(&st->arena, r->inode ? r->inode : "0");
    e->inode_len = st->arena.len - e->key_off;
    strbuf_addch(&st->arena, ',');
    fmt_body_name(w, &st->arena, r);
    e->key_len = st->arena.len - e->key_off;
    e->macb = 1u << (k - "macb");
    e->size = r->size < 0 ? 0 : r->size;
    e->uid = r->uid < 0 ? 0 : r->uid;
    e->gid = r->gid < 0 ? 0 : r->gid;
    fmt_mode_string(e->mode, r->name_type, r->meta_type, r->mode);
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
