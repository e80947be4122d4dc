/* Decompression of rotated logs (.gz, .bz2, .xz), recognized by magic bytes. */
#ifndef CUSTODY_LOG_DECOMPRESS_H
#define CUSTODY_LOG_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

/* "gzip", "bzip2", "xz" or NULL when data is not compressed. */
const char *log_compression(const uint8_t *data, size_t len);

/* Decompress data into out (at most max bytes). Returns 0 when the whole stream
 * was read; 1 when it stopped early (truncated or corrupt input, or more than max
 * bytes): out then holds what came before the damage and damage (at least 128
 * bytes) describes it; a negative code when nothing could be done. */
int log_decompress(struct strbuf *out, char *damage, size_t damage_len, const uint8_t *data,
                   size_t len, size_t max, struct custody_err *err);

#endif
