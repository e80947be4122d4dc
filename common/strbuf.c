/* Growable byte buffer. */
#include "strbuf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty_buf[1];

void
strbuf_init(struct strbuf *sb)
{
    sb->buf = strbuf_empty_buf;
    sb->len = 0;
    sb->cap = 0;
}

void
strbuf_release(struct strbuf *sb)
{
    if (!sb)
        return;
    if (sb->cap)
        free(sb->buf);
    strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
    strbuf_setlen(sb, 0);
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need;
    char *p;

    if (!sb->buf)
        strbuf_init(sb);
    if (extra > SIZE_MAX - sb->len - 1)
        abort();
    need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(sb->cap ? sb->buf : NULL, cap);
    if (!p)
        abort();
    if (!sb->cap)
        p[0] = '\0';
    sb->buf = p;
    sb->cap = cap;
}

void
strbuf_setlen(struct strbuf *sb, size_t len)
{
    if (!sb->buf)
        strbuf_init(sb);
    if (!sb->cap)
        return; /* empty static buffer: len must be 0 */
    sb->len = len < sb->cap ? len : sb->cap - 1;
    sb->buf[sb->len] = '\0';
}

void
strbuf_addstr(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    strbuf_grow(sb, 64);
    va_start(ap, fmt);
    n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    if ((size_t)n >= sb->cap - sb->len) {
        strbuf_grow(sb, (size_t)n);
        va_start(ap, fmt);
        n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
    }
    sb->len += (size_t)n;
}

void
strbuf_addhex(struct strbuf *sb, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    strbuf_grow(sb, len * 2);
    for (size_t i = 0; i < len; i++) {
        sb->buf[sb->len++] = hex[data[i] >> 4];
        sb->buf[sb->len++] = hex[data[i] & 15];
    }
    sb->buf[sb->len] = '\0';
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
    char *res;

    if (len)
        *len = sb->len;
    if (!sb->cap) {
        res = calloc(1, 1);
        if (!res)
            abort();
    } else {
        res = sb->buf;
    }
    strbuf_init(sb);
    return res;
}

void
strbuf_add_safe(struct strbuf *sb, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            strbuf_addf(sb, "\\x%02x", p[i]);
            i++;
        } else if (cp == '\\') {
            strbuf_addstr(sb, "\\\\");
            i++;
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
                   utf8_is_bidi_control(cp)) {
            for (size_t k = 0; k < n; k++)
                strbuf_addf(sb, "\\x%02x", p[i + k]);
            i += n;
        } else {
            strbuf_add(sb, p + i, n);
            i += n;
        }
    }
}

/* Digits of u at the end of tmp[24], two a step (nanosecond times have 19 of them);
 * returns the index of the first. */
static size_t
decimal_digits(char tmp[24], uint64_t u)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    size_t n = 24;

    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        tmp[--n] = pairs[d + 1];
        tmp[--n] = pairs[d];
    }
    if (u >= 10) {
        tmp[--n] = pairs[u * 2 + 1];
        tmp[--n] = pairs[u * 2];
    } else {
        tmp[--n] = (char)('0' + u);
    }
    return n;
}

size_t
strbuf_fmt_u64(char buf[24], uint64_t v)
{
    char tmp[24];
    size_t n = decimal_digits(tmp, v), len = sizeof(tmp) - n;

    memcpy(buf, tmp + n, len);
    buf[len] = '\0';
    return len;
}

size_t
strbuf_fmt_i64(char buf[24], int64_t v)
{
    char tmp[24];
    /* in unsigned arithmetic, so INT64_MIN has a magnitude too */
    size_t n = decimal_digits(tmp, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v), len = 0;

    if (v < 0)
        buf[len++] = '-';
    memcpy(buf + len, tmp + n, sizeof(tmp) - n);
    len += sizeof(tmp) - n;
    buf[len] = '\0';
    return len;
}

void
strbuf_add_i64(struct strbuf *sb, int64_t v)
{
    char num[24];

    strbuf_add(sb, num, strbuf_fmt_i64(num, v));
}

void
strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
    char num[24];

    strbuf_add(sb, num, strbuf_fmt_u64(num, v));
}
