/* Time zones from TZif files (RFC 8536): only the 64-bit (version 2+) data block is
 * used; times after the last transition keep the last offset (Debian's tzdata is
 * built "fat", with transitions listed up to 2037). */
#include "log_tz.h"

#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "strbuf.h"

#define TZ_FILE_MAX (1024 * 1024)
#define TZ_DIR "/usr/share/zoneinfo/"

struct log_tz {
    char name[128];
    int32_t fixed; /* offset when ntrans == 0 */
    size_t ntrans;
    int64_t *trans;   /* transition times, UTC seconds, ascending */
    int32_t *offs;    /* offset in force from trans[i] on */
    int32_t before;   /* offset before the first transition */
    int32_t uniq[16]; /* distinct offsets, for local -> UTC */
    size_t nuniq;
};

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
parse_fixed(const char *s, int32_t *off)
{
    int sign, h, m = 0;
    size_t n = strlen(s);

    if (n < 3 || (s[0] != '+' && s[0] != '-'))
        return -1;
    sign = s[0] == '-' ? -1 : 1;
    if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
        return -1;
    h = (s[1] - '0') * 10 + (s[2] - '0');
    s += 3;
    if (*s == ':')
        s++;
    if (*s) {
        if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2])
            return -1;
        m = (s[0] - '0') * 10 + (s[1] - '0');
    }
    if (h > 15 || m > 59)
        return -1;
    *off = sign * (h * 3600 + m * 60);
    return 0;
}

static int
name_ok(const char *s)
{
    if (!*s || *s == '/' || strstr(s, ".."))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '/' || *s == '_' || *s == '-' || *s == '+'))
            return 0;
    return 1;
}

static void
add_uniq(struct log_tz *tz, int32_t off)
{
    for (size_t i = 0; i < tz->nuniq; i++)
        if (tz->uniq[i] == off)
            return;
    if (tz->nuniq < sizeof(tz->uniq) / sizeof(tz->uniq[0]))
        tz->uniq[tz->nuniq++] = off;
}

static int
parse_tzif(struct log_tz *tz, const uint8_t *p, size_t len, struct custody_err *err)
{
    size_t cnt[6], skip, need;
    const uint8_t *d;

    if (len < 44 || memcmp(p, "TZif", 4) || p[4] < '2')
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "time zone '%s': not a TZif v2+ file",
                               tz->name);
    for (int i = 0; i < 6; i++)
        cnt[i] = be32(p + 20 + 4 * i);
    /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt; skip the v1 block */
    skip = 44 + cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] + cnt[0];
    if (skip + 44 > len || memcmp(p + skip, "TZif", 4))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "time zone '%s': damaged TZif file",
                               tz->name);
    p += skip;
    len -= skip;
    for (int i = 0; i < 6; i++)
        cnt[i] = be32(p + 20 + 4 * i);
    need = 44 + cnt[3] * 9 + cnt[4] * 6;
    if (cnt[4] == 0 || cnt[4] > 256 || cnt[3] > 100000 || need > len)
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "time zone '%s': damaged TZif file",
                               tz->name);
    d = p + 44;
    const uint8_t *idx = d + cnt[3] * 8, *types = idx + cnt[3];
    tz->ntrans = cnt[3];
    tz->trans = calloc(tz->ntrans + 1, sizeof(*tz->trans));
    tz->offs = calloc(tz->ntrans + 1, sizeof(*tz->offs));
    if (!tz->trans || !tz->offs)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < tz->ntrans; i++) {
        uint64_t hi = be32(d + 8 * i), lo = be32(d + 8 * i + 4);
        unsigned t = idx[i];
        if (t >= cnt[4])
            return custody_err_set(err, CUSTODY_ERR_FORMAT, "time zone '%s': damaged TZif file",
                                   tz->name);
        tz->trans[i] = (int64_t)(hi << 32 | lo);
        tz->offs[i] = (int32_t)be32(types + 6 * t);
        add_uniq(tz, tz->offs[i]);
    }
    /* RFC 8536: before the first transition, type 0 applies */
    tz->before = (int32_t)be32(types);
    add_uniq(tz, tz->before);
    tz->fixed = tz->before;
    return 0;
}

int
log_tz_load(struct log_tz **out, const char *name, struct custody_err *err)
{
    struct log_tz *tz = calloc(1, sizeof(*tz));
    struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
    int rc = 0;

    *out = NULL;
    if (!tz)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    if (strlen(name) >= sizeof(tz->name)) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE, "time zone name too long");
        goto done;
    }
    memcpy(tz->name, name, strlen(name) + 1);
    if (!strcmp(name, "UTC") || !strcmp(name, "Z") || !strcmp(name, "GMT")) {
        add_uniq(tz, 0);
        goto done;
    }
    if (name[0] == '+' || name[0] == '-') {
        if (parse_fixed(name, &tz->fixed) < 0) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                 "bad time zone offset '%s' (expected +HH:MM)", name);
            goto done;
        }
        tz->before = tz->fixed;
        add_uniq(tz, tz->fixed);
        goto done;
    }
    if (!name_ok(name)) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE, "bad time zone name '%s'", name);
        goto done;
    }
    strbuf_addstr(&path, TZ_DIR);
    strbuf_addstr(&path, name);
    if ((rc = io_read_file(&data, path.buf, TZ_FILE_MAX, err)) < 0) {
        custody_err_prefix(err, "unknown time zone '%s'", name);
        rc = CUSTODY_ERR_USAGE;
        err->code = rc;
        goto done;
    }
    rc = parse_tzif(tz, (const uint8_t *)data.buf, data.len, err);
done:
    strbuf_release(&path);
    strbuf_release(&data);
    if (rc < 0)
        log_tz_free(tz);
    else
        *out = tz;
    return rc;
}

void
log_tz_free(struct log_tz *tz)
{
    if (!tz)
        return;
    free(tz->trans);
    free(tz->offs);
    free(tz);
}

const char *
log_tz_name(const struct log_tz *tz)
{
    return tz ? tz->name : "UTC";
}

int32_t
log_tz_offset_at(const struct log_tz *tz, int64_t t)
{
    size_t lo = 0, hi;

    if (!tz)
        return 0;
    if (tz->ntrans == 0)
        return tz->fixed;
    if (t < tz->trans[0])
        return tz->before;
    hi = tz->ntrans; /* find the last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[lo];
}

int
log_tz_local_to_utc(const struct log_tz *tz, int64_t local_s, int64_t out[2])
{
    int n = 0;

    if (!tz || tz->ntrans == 0) {
        out[0] = local_s - (tz ? tz->fixed : 0);
        return 1;
    }
    for (size_t i = 0; i < tz->nuniq; i++) {
        int64_t t = local_s - tz->uniq[i];
        if (log_tz_offset_at(tz, t) != tz->uniq[i])
            continue;
        if (n == 0 || (n == 1 && t != out[0]))
            out[n++] = t;
        if (n == 2)
            break;
    }
    if (n == 2 && out[0] > out[1]) {
        int64_t x = out[0];
        out[0] = out[1];
        out[1] = x;
    }
    if (n == 0) /* skipped hour: read it with the offset from just before the change */
        out[0] = local_s - log_tz_offset_at(tz, local_s - 86400);
    return n;
}
