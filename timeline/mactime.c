/* The mactime export: what `mactime -b BODY -d` prints for our body file.
 * mactime's rules, reproduced: every line with some time set gives four entries
 * (a, m, c, b; an unset time is 0); entries are ordered by the string
 * "TTTTTTTTTT,inode,name" (mac_sort.c); equal keys merge into one line with their
 * letters; size, mode and owner come from the last body line with the same name. */
#include "mactime.h"

#include "cli.h"
#include "mac_sort.h"
#include "strbuf.h"
#include "timeline.h"
#include "tsk_adapter.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define MAC_FLUSH (1u << 20)

/* What a line shows besides time, letters and key: "size" and ",mode,uid,gid,". */
struct mac_det {
    size_t off;        /* in mac_state.det */
    uint16_t size_len; /* "size" */
    uint16_t len;      /* "size" + ",mode,uid,gid," */
    uint32_t first;    /* the first file with this name */
    uint32_t last;     /* of the first file: the last one with its name (shown) */
    uint64_t hash;     /* of the name */
};

struct mac_state {
    int all;
    struct mac_sort sort;
    struct strbuf det, prefix;
    struct mac_det *dets;
    size_t capdets;
};

static uint64_t
mac_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static const char *
mac_name(const struct mac_state *m, uint32_t file, size_t *len)
{
    const struct mac_sort_file *f = &m->sort.files[file];
    *len = f->key_len - f->inode_len - 1;
    return m->sort.keys.buf + f->key + f->inode_len + 1;
}

static int
name_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct mac_kv *a = pa, *b = pb;
    size_t la, lb;
    const char *x = mac_name(ctx, a->v, &la), *y = mac_name(ctx, b->v, &lb);
    int c = memcmp(x, y, la < lb ? la : lb);

    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return (a->v > b->v) - (a->v < b->v);
}

static int
name_eq(const struct mac_state *m, uint32_t a, uint32_t b)
{
    size_t la, lb;
    const char *x = mac_name(m, a, &la), *y = mac_name(m, b, &lb);

    return la == lb && !memcmp(x, y, la);
}

/* mactime keeps the details of the last line with each name: group the files by
 * name (sorted by a hash of it, equal hashes by the name itself) and let the first
 * of each group know the last. A sort, not a hash table: it walks memory in order. */
static void
mac_same_names(struct mac_state *m)
{
    size_t n = m->sort.nfiles;
    struct mac_kv *kv = malloc((n ? n : 1) * sizeof(*kv));
    struct mac_kv *tmp = malloc((n ? n : 1) * sizeof(*tmp));
    struct mac_kv *s;

    if (!kv || !tmp)
        abort();
    for (size_t i = 0; i < n; i++) {
        kv[i].k = m->dets[i].hash;
        kv[i].v = (uint32_t)i;
        m->dets[i].first = m->dets[i].last = (uint32_t)i;
    }
    s = mac_kv_sort(kv, tmp, n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s[j].k == s[i].k)
            j++;
        if (j - i > 1) {
            qsort_r(s + i, j - i, sizeof(*s), name_cmp, m);
            for (size_t g = i; g < j;) {
                size_t h = g + 1;
                while (h < j && name_eq(m, s[g].v, s[h].v))
                    h++;
                for (size_t x = g; x < h; x++)
                    m->dets[s[x].v].first = s[g].v; /* in file order: s[g] is the first */
                m->dets[s[g].v].last = s[h - 1].v;
                g = h;
            }
        }
        i = j;
    }
    free(kv);
    free(tmp);
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

static int
mac_row(void *ctx, const struct tl_row *r)
{
    struct mac_state *m = ctx;
    const struct tl_file *f = &r->f;
    uint32_t sec[4], idx;
    int64_t secs[4];
    struct mac_det *d;
    size_t key, inode_len;
    char mode[16];

    for (int i = 0; i < 4; i++)
        sec[i] = mac_sec(f, i);
    if (!sec[0] && !sec[1] && !sec[2] && !sec[3])
        return 0; /* mactime: "we need *some* value in mactimes!" */
    /* The key, "inode,name" */
    key = m->sort.keys.len;
    inode_len = strlen(f->inode);
    strbuf_add(&m->sort.keys, f->inode, inode_len);
    strbuf_addch(&m->sort.keys, ',');
    if (m->all) {
        strbuf_reset(&m->prefix);
        strbuf_addch(&m->prefix, '/');
        strbuf_addstr(&m->prefix, r->host ? r->host : "");
        strbuf_addch(&m->prefix, '/');
        strbuf_addstr(&m->prefix, r->label ? r->label : "");
        strbuf_addstr(&m->prefix, r->prefix);
        timeline_body_name(&m->sort.keys, m->prefix.buf, f);
    } else {
        timeline_body_name(&m->sort.keys, r->prefix, f);
    }
    secs[0] = sec[TL_MTIME];
    secs[1] = sec[TL_ATIME];
    secs[2] = sec[TL_CTIME];
    secs[3] = sec[TL_CRTIME];
    idx = mac_sort_add(&m->sort, key, inode_len, secs, MAC_M | MAC_A | MAC_C | MAC_B);
    if (idx >= m->capdets) {
        m->capdets = m->capdets ? m->capdets * 2 : 16384;
        d = realloc(m->dets, m->capdets * sizeof(*d));
        if (!d)
            abort();
        m->dets = d;
    }
    /* "size" and ",mode,uid,gid," (printf would cost a tenth of the export) */
    d = &m->dets[idx];
    d->off = m->det.len;
    tsk_mode_string(mode, f->name_type, f->meta_type, (uint32_t)f->mode);
    if (f->meta_type < 0) {
        strbuf_addch(&m->det, '0');
        d->size_len = 1;
        strbuf_addch(&m->det, ',');
        strbuf_addstr(&m->det, mode);
        strbuf_addstr(&m->det, ",0,0,");
    } else {
        strbuf_add_i64(&m->det, f->size);
        d->size_len = (uint16_t)(m->det.len - d->off);
        strbuf_addch(&m->det, ',');
        strbuf_addstr(&m->det, mode);
        strbuf_addch(&m->det, ',');
        strbuf_add_u64(&m->det, (uint64_t)f->uid);
        strbuf_addch(&m->det, ',');
        strbuf_add_u64(&m->det, (uint64_t)f->gid);
        strbuf_addch(&m->det, ',');
    }
    d->len = (uint16_t)(m->det.len - d->off);
    {
        size_t len;
        const char *name = mac_name(m, idx, &len);
        d->hash = mac_hash(name, len);
    }
    return 0;
}

/* ---- dates as mactime -d prints them, in $TZ: "Sun Mar 01 2026 00:00:00" ---- */

/* localtime() once or twice an hour instead of once a second: within an hour
 * whose both ends have the same UTC offset and agree with offset arithmetic (no
 * zone change, no leap second), local time is UTC time plus the offset. */
struct mac_clock {
    int64_t hour; /* first second of the cached UTC hour */
    int valid, linear;
    long off; /* seconds east of UTC within that hour */
};

static const char mac_days[] = "SunMonTueWedThuFriSat";
static const char mac_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Civil time of seconds since 1970 (custody_civil_from_days). */
static void
civil(int64_t t, struct tm *tm)
{
    int64_t days = t / 86400, rem = t % 86400;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;

    custody_civil_from_days(days, &y, &m, &d);
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = (int)(y - 1900);
    tm->tm_mon = (int)m - 1;
    tm->tm_mday = (int)d;
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem / 60 % 60);
    tm->tm_sec = (int)(rem % 60);
    tm->tm_wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

static int
same_tm(const struct tm *a, const struct tm *b)
{
    return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
           a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec &&
           a->tm_wday == b->tm_wday;
}

static void
mac_clock_hour(struct mac_clock *c, int64_t hour)
{
    time_t t0 = (time_t)hour, t1 = (time_t)(hour + 3599);
    struct tm a, b, ca, cb;

    c->hour = hour;
    c->valid = 1;
    c->linear = 0;
    if (!localtime_r(&t0, &a) || !localtime_r(&t1, &b) || a.tm_gmtoff != b.tm_gmtoff)
        return;
    civil(hour + a.tm_gmtoff, &ca);
    civil(hour + 3599 + a.tm_gmtoff, &cb);
    c->linear = same_tm(&a, &ca) && same_tm(&b, &cb);
    c->off = a.tm_gmtoff;
}

static void
put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* 24 characters into out. */
static void
mac_date(struct mac_clock *c, char out[24], uint32_t sec)
{
    int64_t hour = (int64_t)sec - (int64_t)sec % 3600;
    time_t t = (time_t)sec;
    struct tm tm;

    if (sec == 0) {
        memcpy(out, "Xxx Xxx 00 0000 00:00:00", 24);
        return;
    }
    if (!c->valid || c->hour != hour)
        mac_clock_hour(c, hour);
    if (c->linear) {
        civil((int64_t)sec + c->off, &tm);
    } else if (!localtime_r(&t, &tm)) {
        memcpy(out, "Xxx Xxx 00 0000 00:00:00", 24);
        return;
    }
    memcpy(out, mac_days + 3 * tm.tm_wday, 3);
    out[3] = ' ';
    memcpy(out + 4, mac_months + 3 * tm.tm_mon, 3);
    out[7] = ' ';
    put2(out + 8, tm.tm_mday);
    out[10] = ' ';
    put2(out + 11, (tm.tm_year + 1900) / 100);
    put2(out + 13, (tm.tm_year + 1900) % 100);
    out[15] = ' ';
    put2(out + 16, tm.tm_hour);
    out[18] = ':';
    put2(out + 19, tm.tm_min);
    out[21] = ':';
    put2(out + 22, tm.tm_sec);
}

int
mactime_export(struct casedb *db, int64_t evidence_id, FILE *out, int64_t *lines,
               struct custody_err *err)
{
    struct mac_state m;
    struct mac_clock clock = {0, 0, 0, 0};
    struct strbuf sb = STRBUF_INIT;
    struct mac_line line;
    char date[24];
    int64_t date_sec = -1;
    size_t pos = 0;
    int rc;

    memset(&m, 0, sizeof(m));
    m.all = evidence_id <= 0;
    mac_sort_init(&m.sort);
    strbuf_init(&m.det);
    strbuf_init(&m.prefix);
    *lines = 0;
    if ((rc = timeline_body_rows_foreach(db, evidence_id, mac_row, &m, err)) < 0 ||
        (rc = mac_sort_run(&m.sort, err)) < 0)
        goto done;
    mac_same_names(&m);
    strbuf_grow(&sb, MAC_FLUSH + 4096);
    strbuf_addstr(&sb, "Date,Size,Type,Mode,UID,GID,Meta,File Name\n");
    while (mac_sort_next(&m.sort, &pos, &line)) {
        const struct mac_det *d = &m.dets[m.dets[m.dets[line.file].first].last];
        uint32_t ahead = mac_sort_file_ahead(&m.sort, pos);
        if (ahead != UINT32_MAX)
            __builtin_prefetch(&m.dets[ahead]);
        const char *det = m.det.buf + d->off;
        char macb[6] = {',', '.', '.', '.', '.', ','};
        if (line.sec != date_sec) {
            mac_date(&clock, date, (uint32_t)line.sec);
            date_sec = line.sec;
        }
        if (line.macb & MAC_M)
            macb[1] = 'm';
        if (line.macb & MAC_A)
            macb[2] = 'a';
        if (line.macb & MAC_C)
            macb[3] = 'c';
        if (line.macb & MAC_B)
            macb[4] = 'b';
        /* Date,Size,Type,Mode,UID,GID,Meta,"File Name" */
        strbuf_grow(&sb, 32 + d->len);
        strbuf_add(&sb, date, sizeof(date));
        strbuf_addch(&sb, ',');
        strbuf_add(&sb, det, d->size_len);
        strbuf_add(&sb, macb, 5);
        strbuf_add(&sb, det + d->size_len, d->len - d->size_len);
        mac_sort_add_meta_name(&m.sort, line.file, &sb);
        (*lines)++;
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
    strbuf_release(&m.det);
    strbuf_release(&m.prefix);
    mac_sort_release(&m.sort);
    free(m.dets);
    return rc;
}
