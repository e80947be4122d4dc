/* Chunk compression adapter: ISA-L, libdeflate or zlib, whichever is the fastest built in. */
#include "deflate.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#if defined(CUSTODY_HAVE_ISAL)
#include <isa-l/igzip_lib.h>
#endif
#if defined(CUSTODY_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#endif

struct chunk_deflater {
    enum deflate_level level;
#if defined(CUSTODY_HAVE_ISAL)
    uint8_t *isal_buf; /* ISA-L level-1 work area */
#endif
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    struct libdeflate_compressor *ld;
#endif
};

int
chunk_deflater_new(struct chunk_deflater **out, enum deflate_level level, struct custody_err *err)
{
    struct chunk_deflater *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (!d)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    d->level = level;
#if defined(CUSTODY_HAVE_ISAL)
    if (level == DEFLATE_FAST) {
        d->isal_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
        if (!d->isal_buf) {
            chunk_deflater_free(d);
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        }
    }
#endif
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    d->ld = libdeflate_alloc_compressor(level == DEFLATE_FAST ? 1 : 9);
    if (!d->ld) {
        chunk_deflater_free(d);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
#endif
    *out = d;
    return 0;
}

void
chunk_deflater_free(struct chunk_deflater *d)
{
    if (!d)
        return;
#if defined(CUSTODY_HAVE_ISAL)
    free(d->isal_buf);
#endif
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    if (d->ld)
        libdeflate_free_compressor(d->ld);
#endif
    free(d);
}

size_t
chunk_deflate(struct chunk_deflater *d, void *out, size_t cap, const void *in, size_t len)
{
#if defined(CUSTODY_HAVE_ISAL)
    if (d->isal_buf) {
        struct isal_zstream s;
        isal_deflate_stateless_init(&s);
        s.level = 1;
        s.level_buf = d->isal_buf;
        s.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
        s.gzip_flag = IGZIP_ZLIB;
        s.end_of_stream = 1;
        s.flush = NO_FLUSH;
        s.next_in = (uint8_t *)(uintptr_t)in;
        s.avail_in = (uint32_t)len;
        s.next_out = out;
        s.avail_out = (uint32_t)cap;
        if (isal_deflate_stateless(&s) != COMP_OK)
            return 0;
        return s.total_out;
    }
#endif
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    return libdeflate_zlib_compress(d->ld, in, len, out, cap);
#else
    uLongf outlen = (uLongf)cap;
    if (compress2(out, &outlen, in, (uLong)len, d->level == DEFLATE_FAST ? 1 : 9) != Z_OK)
        return 0;
    return outlen;
#endif
}

int
chunk_deflate_probe(struct chunk_deflater *d, void *scratch, const void *in, size_t len,
                    size_t min_gain)
{
    if (len <= min_gain)
        return 1;
#if defined(CUSTODY_HAVE_ISAL)
    struct isal_zstream s;
    isal_deflate_stateless_init(&s);
    s.level = 0;
    s.gzip_flag = IGZIP_DEFLATE;
    s.end_of_stream = 1;
    s.flush = NO_FLUSH;
    s.next_in = (uint8_t *)(uintptr_t)in;
    s.avail_in = (uint32_t)len;
    s.next_out = scratch;
    s.avail_out = (uint32_t)(len - min_gain);
    (void)d;
    return isal_deflate_stateless(&s) != COMP_OK;
#else
    return chunk_deflate(d, scratch, len - min_gain, in, len) == 0;
#endif
}

const char *
chunk_deflate_library(enum deflate_level level)
{
#if defined(CUSTODY_HAVE_ISAL)
    if (level == DEFLATE_FAST)
        return "isa-l igzip";
#endif
    (void)level;
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    return "libdeflate " LIBDEFLATE_VERSION_STRING;
#else
    return "zlib " ZLIB_VERSION;
#endif
}

uint32_t
chunk_adler32(const void *data, size_t len)
{
#if defined(CUSTODY_HAVE_LIBDEFLATE)
    /* libdeflate's is vectorised and measured here at about 50 GB/s (ISA-L's 23,
     * zlib's a fraction): every stored chunk of a random disk is checksummed */
    return libdeflate_adler32(1, data, len);
#elif defined(CUSTODY_HAVE_ISAL)
    return isal_adler32(1, data, len);
#else
    uLong a = adler32(0L, Z_NULL, 0);
    const uint8_t *p = data;

    /* zlib takes uInt lengths; chunks are small but stay correct for any size. */
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        a = adler32(a, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)a;
#endif
}

uint32_t
chunk_crc32(const void *data, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const uint8_t *p = data;

    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

long
chunk_inflate(void *out, size_t cap, const void *in, size_t len)
{
    uLongf outlen = (uLongf)cap;

    if (uncompress(out, &outlen, in, (uLong)len) != Z_OK)
        return -1;
    return (long)outlen;
}

long
chunk_inflate_prefix(void *out, size_t cap, const void *in, size_t len, size_t *consumed)
{
    z_stream z;
    long rc = -1;

    memset(&z, 0, sizeof(z));
    *consumed = 0;
    if (inflateInit(&z) != Z_OK)
        return -1;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (inflate(&z, Z_FINISH) == Z_STREAM_END) {
        rc = (long)z.total_out;
        *consumed = (size_t)z.total_in;
    }
    inflateEnd(&z);
    return rc;
}

int
chunk_all_zero(const void *p, size_t n)
{
    static const uint8_t zeros[256];
    const uint8_t *b = p;

    while (n >= sizeof(zeros)) {
        if (memcmp(b, zeros, sizeof(zeros)) != 0)
            return 0;
        b += sizeof(zeros);
        n -= sizeof(zeros);
    }
    return memcmp(b, zeros, n) == 0;
}
