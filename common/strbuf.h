/* A growable byte buffer, always NUL-terminated, in the manner of git's strbuf. */
#ifndef CUSTODY_STRBUF_H
#define CUSTODY_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
    char *buf;  /* NUL-terminated; never NULL after strbuf_init */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
};

/* Never written: an empty buffer points here, so buf is always a valid string. */
extern char strbuf_empty_buf[1];
#define STRBUF_INIT                                                                                \
    {                                                                                              \
        strbuf_empty_buf, 0, 0                                                                     \
    }

/* Functions that grow the buffer abort() on allocation failure: a forensic tool
 * out of memory for a few bytes of text cannot continue meaningfully. */
void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb); /* frees; sb is reusable after */
void strbuf_reset(struct strbuf *sb);   /* len = 0, keeps memory */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_addstr(struct strbuf *sb, const char *s);

/* Inline: these two are on every exporter's hot path. */
static inline __attribute__((always_inline)) void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    if (!len)
        return;
    if (len >= sb->cap - sb->len) /* cap 0 (the empty buffer) always grows */
        strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

static inline __attribute__((always_inline)) void
strbuf_addch(struct strbuf *sb, int c)
{
    if (sb->len + 1 >= sb->cap)
        strbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal digits of v into buf, NUL-terminated, as "%lld" / "%llu" would print
 * them; returns the length. No printf: exports, walks and log loads format
 * millions of numbers. */
size_t strbuf_fmt_i64(char buf[24], int64_t v);
size_t strbuf_fmt_u64(char buf[24], uint64_t v);
/* Append v in decimal (strbuf_fmt_i64 / strbuf_fmt_u64). */
void strbuf_add_i64(struct strbuf *sb, int64_t v);
void strbuf_add_u64(struct strbuf *sb, uint64_t v);
/* Lowercase hex of len bytes. */
void strbuf_addhex(struct strbuf *sb, const uint8_t *data, size_t len);
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Hand over the buffer (caller frees); sb is reset to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Append data for a terminal or a plain-text report: printable ASCII and valid UTF-8
 * kept, control bytes, DEL, C1 controls, bidirectional overrides and invalid UTF-8
 * written as \xHH, and
 * backslash doubled, so no escape sequence ever reaches a terminal. */
void strbuf_add_safe(struct strbuf *sb, const void *data, size_t len);

#endif
