/* The mactime export: what `mactime -b BODY -d` prints for our body file.
 * mactime's rules, reproduced: every line with some time set gives four entries
 * (a, m, c, b; an unset time is 0); entries are ordered by the string
 * "TTTTTTTTTT,inode,name"; equal keys merge into one line with their letters;
 * size, mode and owner come from the last body line with the same name. */
#include "mactime.h"

#include "strbuf.h"
#include "timeline.h"
#include "tsk_adapter.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define MAC_FLUSH (1u << 20)

struct mac_file {
    size_t name, name_len; /* offsets into the arena */
    size_t inode;          /* NUL-terminated in the arena */
    size_t other;          /* "size|mode,uid,gid" of this line, NUL-terminated */
    uint64_t hash;         /* of the name */
    size_t size, size_len; /* printed fields, from the last line with this name ... */
    size_t tail, tail_len; /* ... ",mode,uid,gid,inode,\"name\"\n" */
};

struct mac_entry {
    uint64_t key; /* sec << 32 | rank of (inode, name): mactime's sort order */
    uint32_t file;
    uint32_t bit; /* 1 m, 2 a, 4 c, 8 b */
};

struct mac_state {
    int all;
    struct strbuf arena, tmp;
    struct mac_file *files;
    size_t nfiles, capfiles;
    struct mac_entry *ent;
    size_t nent, capent;
    uint32_t *hash; /* open addressing: file index + 1, 0 empty */
    size_t hash_cap;
};

static uint64_t
mac_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static void
mac_hash_grow(struct mac_state *m)
{
    size_t cap = m->hash_cap ? m->hash_cap * 2 : 1 << 16;
    uint32_t *h = calloc(cap, sizeof(*h));

    if (!h)
        abort();
    for (size_t i = 0; i < m->hash_cap; i++) {
        if (!m->hash[i])
            continue;
        size_t j = m->files[m->hash[i] - 1].hash & (cap - 1);
        while (h[j])
            j = (j + 1) & (cap - 1);
        h[j] = m->hash[i];
    }
    free(m->hash);
    m->hash = h;
    m->hash_cap = cap;
}

/* Remember file idx as the last one with its name. */
static void
mac_hash_put(struct mac_state *m, uint32_t idx)
{
    const struct mac_file *f = &m->files[idx];
    const char *name = m->arena.buf + f->name;
    size_t j;

    if ((m->nfiles + 1) * 2 > m->hash_cap)
        mac_hash_grow(m);
    j = f->hash & (m->hash_cap - 1);
    while (m->hash[j]) {
        const struct mac_file *g = &m->files[m->hash[j] - 1];
        if (g->hash == f->hash && g->name_len == f->name_len &&
            !memcmp(m->arena.buf + g->name, name, f->name_len)) {
            m->hash[j] = idx + 1;
            return;
        }
        j = (j + 1) & (m->hash_cap - 1);
    }
    m->hash[j] = idx + 1;
}

static uint32_t
mac_hash_get(const struct mac_state *m, uint32_t idx)
{
    const struct mac_file *f = &m->files[idx];
    const char *name = m->arena.buf + f->name;
    size_t j = f->hash & (m->hash_cap - 1);

    while (m->hash[j]) {
        const struct mac_file *g = &m->files[m->hash[j] - 1];
        if (g->hash == f->hash && g->name_len == f->name_len &&
            !memcmp(m->arena.buf + g->name, name, f->name_len))
            return m->hash[j] - 1;
        j = (j + 1) & (m->hash_cap - 1);
    }
    return idx;
}

/* Seconds as fls prints them: the time_t truncated to 32 bits, unset as 0. */
static uint32_t
mac_sec(const struct tl_file *f, int i)
{
    int64_t ns, sec;

    if (f->meta_type < 0 || !(f->time_set & (1u << i)))
        return 0;
    ns = f->time[i];
    sec = ns / NS_PER_S;
    if (ns % NS_PER_S < 0)
        sec--;
    return (uint32_t)sec;
}

static void
mac_push(struct mac_state *m, uint32_t sec, uint32_t file, uint32_t bit)
{
    if (m->nent == m->capent) {
        m->capent = m->capent ? m->capent * 2 : 65536;
        struct mac_entry *g = realloc(m->ent, m->capent * sizeof(*g));
        if (!g)
            abort();
        m->ent = g;
    }
    m->ent[m->nent++] = (struct mac_entry){(uint64_t)sec << 32, file, bit};
}

static void
add_uint(struct strbuf *sb, uint64_t v)
{
    char d[24];
    int n = 0;

    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        strbuf_addch(sb, d[--n]);
}

static void
add_int(struct strbuf *sb, int64_t v)
{
    if (v < 0) {
        strbuf_addch(sb, '-');
        add_uint(sb, (uint64_t)0 - (uint64_t)v);
        return;
    }
    add_uint(sb, (uint64_t)v);
}

static int
mac_row(void *ctx, const struct tl_row *r)
{
    struct mac_state *m = ctx;
    const struct tl_file *f = &r->f;
    uint32_t sec[4], idx;
    struct mac_file *mf;
    char mode[16];

    for (int i = 0; i < 4; i++)
        sec[i] = mac_sec(f, i);
    if (!sec[0] && !sec[1] && !sec[2] && !sec[3])
        return 0; /* mactime: "we need *some* value in mactimes!" */
    if (m->nfiles == m->capfiles) {
        m->capfiles = m->capfiles ? m->capfiles * 2 : 16384;
        struct mac_file *g = realloc(m->files, m->capfiles * sizeof(*g));
        if (!g)
            abort();
        m->files = g;
    }
    idx = (uint32_t)m->nfiles;
    mf = &m->files[idx];
    strbuf_reset(&m->tmp);
    if (m->all) {
        strbuf_addch(&m->tmp, '/');
        strbuf_addstr(&m->tmp, r->host ? r->host : "");
        strbuf_addch(&m->tmp, '/');
        strbuf_addstr(&m->tmp, r->label ? r->label : "");
    }
    strbuf_addstr(&m->tmp, r->prefix);
    mf->name = m->arena.len;
    timeline_body_name(&m->arena, m->tmp.buf, f);
    mf->name_len = m->arena.len - mf->name;
    mf->hash = mac_hash(m->arena.buf + mf->name, mf->name_len);
    strbuf_addch(&m->arena, '\0');
    mf->inode = m->arena.len;
    strbuf_add(&m->arena, f->inode, strlen(f->inode) + 1);
    mf->other = m->arena.len;
    tsk_mode_string(mode, f->name_type, f->meta_type, (uint32_t)f->mode);
    /* "size|mode,uid,gid" (printf would cost a tenth of the export) */
    if (f->meta_type < 0) {
        strbuf_addstr(&m->arena, "0|");
        strbuf_addstr(&m->arena, mode);
        strbuf_addstr(&m->arena, ",0,0");
    } else {
        add_int(&m->arena, f->size);
        strbuf_addch(&m->arena, '|');
        strbuf_addstr(&m->arena, mode);
        strbuf_addch(&m->arena, ',');
        add_uint(&m->arena, (uint64_t)f->uid);
        strbuf_addch(&m->arena, ',');
        add_uint(&m->arena, (uint64_t)f->gid);
    }
    strbuf_addch(&m->arena, '\0');
    m->nfiles++;
    mac_hash_put(m, idx);
    mac_push(m, sec[1], idx, 1); /* m */
    mac_push(m, sec[0], idx, 2); /* a */
    mac_push(m, sec[2], idx, 4); /* c */
    mac_push(m, sec[3], idx, 8); /* b */
    return 0;
}

/* Files by (inode, name) as strings: with the time in front, mactime's key. */
static int
mac_file_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct mac_state *m = ctx;
    const struct mac_file *fa = &m->files[*(const uint32_t *)pa];
    const struct mac_file *fb = &m->files[*(const uint32_t *)pb];
    size_t n;
    int c;

    if ((c = strcmp(m->arena.buf + fa->inode, m->arena.buf + fb->inode)) != 0)
        return c;
    n = fa->name_len < fb->name_len ? fa->name_len : fb->name_len;
    if ((c = memcmp(m->arena.buf + fa->name, m->arena.buf + fb->name, n)) != 0)
        return c;
    if (fa->name_len != fb->name_len)
        return fa->name_len < fb->name_len ? -1 : 1;
    return 0;
}

/* LSD radix sort of the entries by key, 16 bits a pass (keys are sec << 32 |
 * rank); passes whose digit is the same in every key are skipped. */
static void
mac_radix_sort(struct mac_state *m)
{
    struct mac_entry *tmp = malloc((m->nent ? m->nent : 1) * sizeof(*tmp));
    struct mac_entry *src = m->ent, *dst = tmp;
    size_t *count = malloc(65536 * sizeof(*count));

    if (!tmp || !count)
        abort();
    for (int shift = 0; shift < 64; shift += 16) {
        size_t sum = 0;
        memset(count, 0, 65536 * sizeof(*count));
        for (size_t i = 0; i < m->nent; i++)
            count[(src[i].key >> shift) & 0xffff]++;
        if (m->nent && count[(src[0].key >> shift) & 0xffff] == m->nent)
            continue;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < m->nent; i++)
            dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
        struct mac_entry *t = src;
        src = dst;
        dst = t;
    }
    if (src != m->ent) {
        memcpy(m->ent, src, m->nent * sizeof(*src));
        free(src);
    } else {
        free(dst);
    }
    free(count);
}

/* Rank the files by (inode, name), equal keys sharing a rank, put the ranks in the
 * entries' keys, sort them, and prepare each file's printed fields. */
static void
mac_order(struct mac_state *m)
{
    uint32_t *order = malloc((m->nfiles ? m->nfiles : 1) * sizeof(*order));
    uint32_t *rank = malloc((m->nfiles ? m->nfiles : 1) * sizeof(*rank));
    uint32_t r = 0;

    if (!order || !rank)
        abort();
    for (size_t i = 0; i < m->nfiles; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, m->nfiles, sizeof(*order), mac_file_cmp, m);
    for (size_t i = 0; i < m->nfiles; i++) {
        if (i > 0 && mac_file_cmp(&order[i - 1], &order[i], m) != 0)
            r++;
        rank[order[i]] = r;
    }
    for (size_t i = 0; i < m->nent; i++)
        m->ent[i].key |= rank[m->ent[i].file];
    mac_radix_sort(m);
    for (size_t i = 0; i < m->nfiles; i++) {
        struct mac_file *f = &m->files[i];
        const char *other;
        /* Room first: the fields below are copied from the arena into itself. */
        strbuf_grow(&m->arena, 2 * f->name_len + strlen(m->arena.buf + f->inode) + 256);
        other = m->arena.buf + m->files[mac_hash_get(m, (uint32_t)i)].other;
        const char *bar = strchr(other, '|');
        const char *name;
        size_t other_off = (size_t)(other - m->arena.buf);
        f->size = other_off;
        f->size_len = (size_t)(bar - other);
        f->tail = m->arena.len;
        strbuf_addch(&m->arena, ',');
        strbuf_addstr(&m->arena, m->arena.buf + other_off + f->size_len + 1);
        strbuf_addch(&m->arena, ',');
        strbuf_addstr(&m->arena, m->arena.buf + f->inode);
        strbuf_addstr(&m->arena, ",\"");
        name = m->arena.buf + f->name;
        if (memchr(name, '"', f->name_len)) {
            for (size_t k = 0; k < f->name_len; k++) {
                if (m->arena.buf[f->name + k] == '"')
                    strbuf_addch(&m->arena, '"');
                strbuf_addch(&m->arena, m->arena.buf[f->name + k]);
            }
        } else {
            strbuf_add(&m->arena, name, f->name_len);
        }
        strbuf_addstr(&m->arena, "\"\n");
        f->tail_len = m->arena.len - f->tail;
    }
    free(order);
    free(rank);
}

static const char *const mac_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mac_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void
mac_date(struct strbuf *sb, uint32_t sec)
{
    struct tm tm;
    time_t t = (time_t)sec;

    strbuf_reset(sb);
    if (sec == 0 || !localtime_r(&t, &tm)) {
        strbuf_addstr(sb, "Xxx Xxx 00 0000 00:00:00");
        return;
    }
    strbuf_addf(sb, "%s %s %02d %04d %02d:%02d:%02d", mac_days[tm.tm_wday], mac_months[tm.tm_mon],
                tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
mactime_export(struct casedb *db, int64_t evidence_id, FILE *out, int64_t *lines,
               struct custody_err *err)
{
    struct mac_state m;
    struct strbuf sb = STRBUF_INIT, date = STRBUF_INIT;
    uint32_t date_sec = 0;
    int have_date = 0, rc;

    memset(&m, 0, sizeof(m));
    m.all = evidence_id <= 0;
    strbuf_init(&m.arena);
    strbuf_init(&m.tmp);
    *lines = 0;
    if ((rc = timeline_body_rows_foreach(db, evidence_id, mac_row, &m, err)) < 0)
        goto done;
    mac_order(&m);
    strbuf_addstr(&sb, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n");
    for (size_t i = 0; i < m.nent;) {
        const struct mac_entry *e = &m.ent[i];
        const struct mac_file *f = &m.files[e->file];
        uint32_t sec = (uint32_t)(e->key >> 32), bits = 0;
        char macb[6] = {',', '.', '.', '.', '.', '\0'};
        size_t j = i;
        while (j < m.nent && m.ent[j].key == e->key)
            bits |= m.ent[j++].bit;
        if (!have_date || date_sec != sec) {
            mac_date(&date, sec);
            date_sec = sec;
            have_date = 1;
        }
        if (bits & 1)
            macb[1] = 'm';
        if (bits & 2)
            macb[2] = 'a';
        if (bits & 4)
            macb[3] = 'c';
        if (bits & 8)
            macb[4] = 'b';
        /* Date,Size,Type,Mode,UID,GID,Meta,"File Name" */
        strbuf_grow(&sb, date.len + f->size_len + f->tail_len + 8);
        strbuf_add(&sb, date.buf, date.len);
        strbuf_addch(&sb, ',');
        strbuf_add(&sb, m.arena.buf + f->size, f->size_len);
        strbuf_add(&sb, macb, 5);
        strbuf_add(&sb, m.arena.buf + f->tail, f->tail_len);
        (*lines)++;
        i = j;
        if (sb.len >= MAC_FLUSH) {
            if (fwrite(sb.buf, 1, sb.len, out) != sb.len)
                break;
            strbuf_reset(&sb);
        }
    }
    if (fwrite(sb.buf, 1, sb.len, out) != sb.len || ferror(out))
        rc = custody_err_set(err, CUSTODY_ERR_IO, "cannot write the export");
done:
    strbuf_release(&sb);
    strbuf_release(&date);
    strbuf_release(&m.arena);
    strbuf_release(&m.tmp);
    free(m.files);
    free(m.ent);
    free(m.hash);
    return rc;
}
