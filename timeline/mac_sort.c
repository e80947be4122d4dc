/* The order of mactime's lines without a string compare per entry: see mac_sort.h. */
#include "mac_sort.h"

#include <stdlib.h>
#include <string.h>

#define DIGIT_BITS 11
#define DIGITS (1u << DIGIT_BITS)
#define PASSES ((64 + DIGIT_BITS - 1) / DIGIT_BITS)
/* Lines ahead whose memory mac_sort_next asks the CPU to fetch. */
#define MAC_AHEAD 16

void
mac_sort_init(struct mac_sort *s)
{
    memset(s, 0, sizeof(*s));
    strbuf_init(&s->keys);
}

void
mac_sort_release(struct mac_sort *s)
{
    strbuf_release(&s->keys);
    free(s->files);
    free(s->ent);
    free(s->by_rank);
    free(s->cls);
    memset(s, 0, sizeof(*s));
}

uint32_t
mac_sort_add(struct mac_sort *s, size_t key, size_t inode_len, const int64_t sec[4], unsigned mask)
{
    struct mac_sort_file *f;

    if (s->nfiles == s->capfiles) {
        s->capfiles = s->capfiles ? s->capfiles * 2 : 16384;
        f = realloc(s->files, s->capfiles * sizeof(*f));
        if (!f)
            abort();
        s->files = f;
    }
    f = &s->files[s->nfiles];
    f->key = key;
    f->key_len = (uint32_t)(s->keys.len - key);
    f->inode_len = (uint32_t)inode_len;
    memcpy(f->sec, sec, sizeof(f->sec));
    f->mask = mask & 15;
    s->nent += (size_t)__builtin_popcount(f->mask);
    return (uint32_t)s->nfiles++;
}

/* LSD radix sort, DIGIT_BITS a pass, of n 64-bit keys whose bits above `bits` are
 * 0; every digit counted in one read, passes whose digit never varies skipped.
 * Stable. get/put move whole elements of size sz. */
static void *
radix_sort(void *a, void *tmp, size_t n, size_t sz, unsigned bits)
{
    unsigned passes = (bits + DIGIT_BITS - 1) / DIGIT_BITS;
    uint32_t *count = calloc((size_t)PASSES * DIGITS, sizeof(*count));
    char *src = a, *dst = tmp;

    if (!count)
        abort();
    for (size_t i = 0; i < n; i++) {
        uint64_t k = *(const uint64_t *)(src + i * sz);
        for (unsigned p = 0; p < passes; p++)
            count[p * DIGITS + ((k >> (p * DIGIT_BITS)) & (DIGITS - 1))]++;
    }
    for (unsigned p = 0; p < passes && n; p++) {
        uint32_t *c = count + p * DIGITS, sum = 0;
        unsigned shift = p * DIGIT_BITS;
        if (c[(*(const uint64_t *)src >> shift) & (DIGITS - 1)] == n)
            continue; /* one value: the pass would not move anything */
        for (size_t d = 0; d < DIGITS; d++) {
            uint32_t x = c[d];
            c[d] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++) {
            const char *e = src + i * sz;
            memcpy(dst + (size_t)c[(*(const uint64_t *)e >> shift) & (DIGITS - 1)]++ * sz, e, sz);
        }
        char *t = src;
        src = dst;
        dst = t;
    }
    free(count);
    return src;
}

struct mac_kv *
mac_kv_sort(struct mac_kv *kv, struct mac_kv *tmp, size_t n)
{
    return radix_sort(kv, tmp, n, sizeof(*kv), 64);
}

static unsigned
bits_for(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

static int
key_cmp(const struct mac_sort *s, uint32_t a, uint32_t b)
{
    const struct mac_sort_file *x = &s->files[a], *y = &s->files[b];
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(s->keys.buf + x->key, s->keys.buf + y->key, n);

    if (c)
        return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

/* Ties of the 8-byte prefix: the whole key, then the order added. */
static int
kv_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct mac_kv *a = pa, *b = pb;
    int c = key_cmp(ctx, a->v, b->v);

    return c ? c : (a->v > b->v) - (a->v < b->v);
}

/* Rank every file: files with equal keys get consecutive ranks in the order they
 * were added, and the same cls[]. */
static void
rank_files(struct mac_sort *s, uint32_t *rank)
{
    size_t n = s->nfiles;
    struct mac_kv *kv = malloc((n ? n : 1) * sizeof(*kv));
    struct mac_kv *tmp = malloc((n ? n : 1) * sizeof(*tmp));
    struct mac_kv *sorted;

    if (!kv || !tmp)
        abort();
    /* A file's first 8 key bytes, big-endian and zero-padded: comparing these
     * numbers orders keys as memcmp does on the prefix. */
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)s->keys.buf + s->files[i].key;
        uint32_t len = s->files[i].key_len;
        uint64_t k = 0;
        if (len >= 8) {
            memcpy(&k, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            k = __builtin_bswap64(k); /* the first byte most significant */
#endif
        } else {
            for (unsigned j = 0; j < 8; j++)
                k = k << 8 | (j < len ? p[j] : 0);
        }
        kv[i].k = k;
        kv[i].v = (uint32_t)i;
    }
    sorted = radix_sort(kv, tmp, n, sizeof(*kv), 64);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && sorted[j].k == sorted[i].k)
            j++;
        if (j - i > 1)
            qsort_r(sorted + i, j - i, sizeof(*sorted), kv_cmp, s);
        i = j;
    }
    for (size_t r = 0; r < n; r++) {
        s->by_rank[r] = sorted[r].v;
        rank[sorted[r].v] = (uint32_t)r;
        s->cls[r] =
            r > 0 && sorted[r].k == sorted[r - 1].k && key_cmp(s, sorted[r].v, sorted[r - 1].v) == 0
                ? s->cls[r - 1]
                : (uint32_t)r;
    }
    free(kv);
    free(tmp);
}

int
mac_sort_run(struct mac_sort *s, struct custody_err *err)
{
    uint32_t *rank = NULL;
    uint64_t *tmp = NULL, *sorted, span;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    unsigned rank_bits;
    size_t k = 0;
    int rc = 0;

    free(s->ent);
    free(s->by_rank);
    free(s->cls);
    s->ent = NULL;
    s->by_rank = NULL;
    s->cls = NULL;
    if (s->nfiles >= (1u << 28)) {
        rc = custody_err_set(err, CUSTODY_ERR, "too many files for one mactime listing (%zu)",
                             s->nfiles);
        goto done;
    }
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct mac_sort_file *f = &s->files[i];
        for (unsigned b = 0; b < 4; b++) {
            if (!(f->mask & (1u << b)))
                continue;
            if (f->sec[b] < lo)
                lo = f->sec[b];
            if (f->sec[b] > hi)
                hi = f->sec[b];
        }
    }
    span = s->nent ? (uint64_t)hi - (uint64_t)lo : 0;
    rank_bits = bits_for(s->nfiles ? s->nfiles - 1 : 0);
    if (bits_for(span) + rank_bits + 2 > 64) {
        rc = custody_err_set(err, CUSTODY_ERR, "times too far apart for one mactime listing");
        goto done;
    }
    rank = malloc((s->nfiles ? s->nfiles : 1) * sizeof(*rank));
    s->by_rank = malloc((s->nfiles ? s->nfiles : 1) * sizeof(*s->by_rank));
    s->cls = malloc((s->nfiles ? s->nfiles : 1) * sizeof(*s->cls));
    s->ent = malloc((s->nent ? s->nent : 1) * sizeof(*s->ent));
    tmp = malloc((s->nent ? s->nent : 1) * sizeof(*tmp));
    if (!rank || !s->by_rank || !s->cls || !s->ent || !tmp)
        abort();
    rank_files(s, rank);
    s->shift = rank_bits + 2;
    s->min_sec = s->nent ? lo : 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct mac_sort_file *f = &s->files[i];
        for (unsigned b = 0; b < 4; b++)
            if (f->mask & (1u << b))
                s->ent[k++] =
                    ((uint64_t)f->sec[b] - (uint64_t)lo) << s->shift | (uint64_t)rank[i] << 2 | b;
    }
    sorted = radix_sort(s->ent, tmp, s->nent, sizeof(*s->ent), bits_for(span) + s->shift);
    if (sorted != s->ent) { /* the other buffer holds the result: keep it */
        free(s->ent);
        s->ent = sorted;
        tmp = NULL;
    }
done:
    free(tmp);
    free(rank);
    return rc;
}

int
mac_sort_next(const struct mac_sort *s, size_t *pos, struct mac_line *line)
{
    size_t i = *pos;
    uint64_t e, rank_mask = ((uint64_t)1 << (s->shift - 2)) - 1;
    uint64_t sec_rel;
    uint32_t rank;

    if (i >= s->nent)
        return 0;
    e = s->ent[i];
    sec_rel = e >> s->shift;
    rank = (uint32_t)((e >> 2) & rank_mask);
    line->sec = (int64_t)((uint64_t)s->min_sec + sec_rel);
    line->macb = 1u << (e & 3);
    for (i++; i < s->nent; i++) {
        uint64_t x = s->ent[i];
        uint32_t r = (uint32_t)((x >> 2) & rank_mask);
        if (x >> s->shift != sec_rel || s->cls[r] != s->cls[rank])
            break;
        rank = r;
        line->macb |= 1u << (x & 3);
    }
    line->file = s->by_rank[rank];
    *pos = i;
    /* The lines' files are all over memory: fetch the record and the key of the
     * lines a little ahead while this one is written. */
    if (i + 2 * MAC_AHEAD < s->nent) {
        uint32_t f = s->by_rank[(s->ent[i + 2 * MAC_AHEAD] >> 2) & rank_mask];
        __builtin_prefetch(&s->files[f]);
    }
    if (i + MAC_AHEAD < s->nent) {
        uint32_t f = s->by_rank[(s->ent[i + MAC_AHEAD] >> 2) & rank_mask];
        __builtin_prefetch(s->keys.buf + s->files[f].key);
    }
    return 1;
}

uint32_t
mac_sort_file_ahead(const struct mac_sort *s, size_t pos)
{
    uint64_t rank_mask = ((uint64_t)1 << (s->shift - 2)) - 1;

    if (pos + MAC_AHEAD >= s->nent)
        return UINT32_MAX;
    return s->by_rank[(s->ent[pos + MAC_AHEAD] >> 2) & rank_mask];
}

void
mac_sort_add_meta_name(const struct mac_sort *s, uint32_t file, struct strbuf *sb)
{
    const struct mac_sort_file *f = &s->files[file];
    const char *key = s->keys.buf + f->key;
    const char *name = key + f->inode_len + 1;
    size_t name_len = f->key_len - f->inode_len - 1;
    const char *q;

    strbuf_grow(sb, f->key_len + 8);
    strbuf_add(sb, key, f->inode_len);
    strbuf_add(sb, ",\"", 2);
    while ((q = memchr(name, '"', name_len)) != NULL) {
        size_t run = (size_t)(q - name) + 1;
        strbuf_add(sb, name, run);
        strbuf_addch(sb, '"'); /* a quote is doubled */
        name += run;
        name_len -= run;
    }
    strbuf_add(sb, name, name_len);
    strbuf_add(sb, "\"\n", 2);
}
