/* Checksums and inflate for reading EWF chunks back (custody-verify, and
 * custody-acquire's read-back verification): Adler-32 and zlib streams, through
 * libdeflate when it is available (2-3x zlib's inflate speed), else zlib. */
#ifndef CUSTODY_CODEC_H
#define CUSTODY_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One inflater per thread. Caller frees with codec_inflater_free (accepts NULL). */
struct codec_inflater;
int codec_inflater_new(struct codec_inflater **out, struct custody_err *err);
void codec_inflater_free(struct codec_inflater *z);

/* Inflate one complete zlib stream (header, deflate data, Adler-32 trailer) of in_len
 * bytes into out (at most out_cap bytes). Returns 0 and *out_len, or 1 when the
 * stream is damaged: bad header, bad deflate data, Adler-32 mismatch, output larger
 * than out_cap, or bytes left over after the stream. reason (static text) says which. */
int codec_inflate(struct codec_inflater *z, void *out, size_t out_cap, size_t *out_len,
                  const void *in, size_t in_len, const char **reason);

#endif
