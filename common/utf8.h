/* Strict UTF-8 decoding: names and log lines from evidence are arbitrary bytes. */
#ifndef CUSTODY_UTF8_H
#define CUSTODY_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point at p (len bytes available). Returns the number of bytes
 * consumed (1-4) and stores the code point, or 0 when the sequence is invalid
 * (overlong, surrogate, above U+10FFFF, truncated, stray continuation byte). */
size_t utf8_decode(const uint8_t *p, size_t len, uint32_t *cp);

/* 1 when all len bytes are valid UTF-8. */
int utf8_valid(const void *data, size_t len);

/* 1 for the Unicode bidirectional override/isolate controls that can make a
 * displayed name read differently from its bytes (U+202A-202E, U+2066-2069). */
int utf8_is_bidi_control(uint32_t cp);

#endif
