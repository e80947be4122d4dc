/* Adler-32 and zlib inflate for reading EWF chunks back (see codec.h). */
#include "codec.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef CUSTODY_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

struct codec_inflater {
#ifdef CUSTODY_HAVE_LIBDEFLATE
    struct libdeflate_decompressor *d;
#else
    z_stream zs;
    int ready;
#endif
};

int
codec_inflater_new(struct codec_inflater **out, struct custody_err *err)
{
    struct codec_inflater *z = calloc(1, sizeof(*z));

    *out = NULL;
    if (!z)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
#ifdef CUSTODY_HAVE_LIBDEFLATE
    z->d = libdeflate_alloc_decompressor();
    if (!z->d) {
        free(z);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot allocate a decompressor");
    }
#else
    if (inflateInit(&z->zs) != Z_OK) {
        free(z);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot allocate a decompressor");
    }
    z->ready = 1;
#endif
    *out = z;
    return 0;
}

void
codec_inflater_free(struct codec_inflater *z)
{
    if (!z)
        return;
#ifdef CUSTODY_HAVE_LIBDEFLATE
    libdeflate_free_decompressor(z->d);
#else
    if (z->ready)
        inflateEnd(&z->zs);
#endif
    free(z);
}

int
codec_inflate(struct codec_inflater *z, void *out, size_t out_cap, size_t *out_len, const void *in,
              size_t in_len, const char **reason)
{
    *out_len = 0;
    *reason = NULL;
#ifdef CUSTODY_HAVE_LIBDEFLATE
    size_t used = 0, produced = 0;
    enum libdeflate_result r =
        libdeflate_zlib_decompress_ex(z->d, in, in_len, out, out_cap, &used, &produced);

    switch (r) {
    case LIBDEFLATE_SUCCESS:
        break;
    case LIBDEFLATE_INSUFFICIENT_SPACE:
        *reason = "decompressed data larger than a chunk";
        return 1;
    case LIBDEFLATE_SHORT_OUTPUT:
        *reason = "decompressed data too short";
        return 1;
    default:
        *reason = "damaged zlib stream (bad deflate data or Adler-32 mismatch)";
        return 1;
    }
    if (used != in_len) {
        *reason = "bytes left over after the zlib stream";
        return 1;
    }
    *out_len = produced;
    return 0;
#else
    int rc;

    inflateReset(&z->zs);
    z->zs.next_in = (Bytef *)(uintptr_t)in;
    z->zs.avail_in = (uInt)in_len;
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)out_cap;
    rc = inflate(&z->zs, Z_FINISH);
    if (rc == Z_BUF_ERROR && z->zs.avail_out == 0) {
        *reason = "decompressed data larger than a chunk";
        return 1;
    }
    if (rc != Z_STREAM_END) {
        *reason = "damaged zlib stream (bad deflate data or Adler-32 mismatch)";
        return 1;
    }
    if (z->zs.avail_in != 0) {
        *reason = "bytes left over after the zlib stream";
        return 1;
    }
    *out_len = out_cap - z->zs.avail_out;
    return 0;
#endif
}
