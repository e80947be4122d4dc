/* Chunk compression for EWF images: zlib-format streams made by the fastest deflate
 * available (ISA-L igzip, then libdeflate, then zlib), and the Adler-32 checksum EWF
 * stores after uncompressed chunks. The only file that includes the deflate libraries. */
#ifndef CUSTODY_DEFLATE_H
#define CUSTODY_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum deflate_level {
    DEFLATE_FAST = 1, /* level 1 */
    DEFLATE_BEST = 9, /* level 9 */
};

/* One compressor; not thread-safe: one per worker thread. */
struct chunk_deflater;

/* Caller frees with chunk_deflater_free. */
int chunk_deflater_new(struct chunk_deflater **out, enum deflate_level level,
                       struct custody_err *err);
void chunk_deflater_free(struct chunk_deflater *d);

/* Compress len bytes of in into a zlib stream in out (cap bytes). Returns the
 * compressed size, or 0 when it does not fit in cap (store the chunk uncompressed). */
size_t chunk_deflate(struct chunk_deflater *d, void *out, size_t cap, const void *in, size_t len);

/* A cheap guess before compressing a chunk: 1 when len bytes of in (a sample of the
 * chunk) do not shrink by min_gain bytes under a quick deflate: ISA-L's level 0 (a
 * fixed code table, so no table building: about a third of level 1's time on random
 * data, where the probe runs for every chunk), else the deflater's own level. scratch
 * holds at least len bytes. 0 when the sample compresses. */
int chunk_deflate_probe(struct chunk_deflater *d, void *scratch, const void *in, size_t len,
                        size_t min_gain);

/* Which library chunk_deflate uses at that level: "isa-l igzip", "libdeflate 1.14", "zlib 1.2.13".
 */
const char *chunk_deflate_library(enum deflate_level level);

/* Adler-32 of data (initial value 1), as EWF stores it after an uncompressed chunk. */
uint32_t chunk_adler32(const void *data, size_t len);

/* CRC-32 (the zlib/gzip polynomial) of data, for framed streams. */
uint32_t chunk_crc32(const void *data, size_t len);

/* Inflate a zlib stream (tests, verification): returns the output size or -1. */
long chunk_inflate(void *out, size_t cap, const void *in, size_t len);

/* Inflate one zlib stream at the start of in (more bytes may follow it): returns the
 * output size and *consumed the stream's length, or -1 when in does not start with a
 * complete, intact zlib stream whose output fits in cap (its Adler-32 is checked). */
long chunk_inflate_prefix(void *out, size_t cap, const void *in, size_t len, size_t *consumed);

/* 1 when the n bytes at p are all zero (chunks of empty disk space). */
int chunk_all_zero(const void *p, size_t n);

#endif
