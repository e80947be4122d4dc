/* Decompression with zlib, libbz2 and liblzma. Each stream is decoded to memory;
 * concatenated members (gzip -c a >> b, pbzip2, xz --concatenated) are followed. */
#include "log_decompress.h"

#include <bzlib.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

const char *
log_compression(const uint8_t *data, size_t len)
{
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        return "gzip";
    if (len >= 4 && !memcmp(data, "BZh", 3) && data[3] >= '1' && data[3] <= '9')
        return "bzip2";
    if (len >= 6 && !memcmp(data,
                            "\xfd"
                            "7zXZ\0",
                            6))
        return "xz";
    return NULL;
}

static int
too_big(struct strbuf *out, size_t max, char *damage, size_t damage_len)
{
    if (out->len <= max)
        return 0;
    strbuf_setlen(out, max);
    snprintf(damage, damage_len, "decompressed data larger than %zu bytes; the rest is not read",
             max);
    return 1;
}

static int
gunzip(struct strbuf *out, char *damage, size_t dl, const uint8_t *data, size_t len, size_t max,
       struct custody_err *err)
{
    z_stream z;
    int zr = Z_OK, rc = 0;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return custody_err_set(err, CUSTODY_ERR_LIB, "zlib: cannot initialize");
    z.next_in = (Bytef *)data;
    z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
    for (;;) {
        strbuf_grow(out, CHUNK);
        z.next_out = (Bytef *)out->buf + out->len;
        z.avail_out = CHUNK;
        zr = inflate(&z, Z_NO_FLUSH);
        strbuf_setlen(out, out->len + (CHUNK - z.avail_out));
        if (too_big(out, max, damage, dl)) {
            rc = 1;
            break;
        }
        if (zr == Z_STREAM_END) {
            size_t used = (size_t)(z.next_in - data);
            /* another gzip member follows: go on; trailing zeros (padding) end it */
            if (used + 2 <= len && data[used] == 0x1f && data[used + 1] == 0x8b) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            snprintf(damage, dl,
                     "truncated gzip stream: input ends at byte %zu before the end of the data",
                     len);
        } else {
            snprintf(damage, dl, "corrupt gzip stream at input byte %zu: %s",
                     (size_t)(z.next_in - data), z.msg ? z.msg : "data error");
        }
        rc = 1;
        break;
    }
    inflateEnd(&z);
    return rc;
}

static int
bunzip(struct strbuf *out, char *damage, size_t dl, const uint8_t *data, size_t len, size_t max,
       struct custody_err *err)
{
    bz_stream b;
    int br, rc = 0;

    memset(&b, 0, sizeof(b));
    if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
        return custody_err_set(err, CUSTODY_ERR_LIB, "libbz2: cannot initialize");
    b.next_in = (char *)data;
    b.avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
    for (;;) {
        strbuf_grow(out, CHUNK);
        b.next_out = out->buf + out->len;
        b.avail_out = CHUNK;
        br = BZ2_bzDecompress(&b);
        strbuf_setlen(out, out->len + (CHUNK - b.avail_out));
        if (too_big(out, max, damage, dl)) {
            rc = 1;
            break;
        }
        if (br == BZ_STREAM_END) {
            size_t used = (size_t)((const uint8_t *)b.next_in - data);
            if (used + 4 <= len && !memcmp(data + used, "BZh", 3)) {
                BZ2_bzDecompressEnd(&b);
                memset(&b, 0, sizeof(b));
                if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
                    return custody_err_set(err, CUSTODY_ERR_LIB, "libbz2: cannot initialize");
                b.next_in = (char *)data + used;
                b.avail_in = (unsigned)(len - used);
                continue;
            }
            break;
        }
        if (br == BZ_OK) {
            if (b.avail_in == 0 && b.avail_out != 0) {
                snprintf(damage, dl, "truncated bzip2 stream: input ends at byte %zu", len);
                rc = 1;
                break;
            }
            continue;
        }
        snprintf(damage, dl, "corrupt bzip2 stream near input byte %zu (libbz2 error %d)",
                 (size_t)((const uint8_t *)b.next_in - data), br);
        rc = 1;
        break;
    }
    BZ2_bzDecompressEnd(&b);
    return rc;
}

static int
unxz(struct strbuf *out, char *damage, size_t dl, const uint8_t *data, size_t len, size_t max,
     struct custody_err *err)
{
    lzma_stream x = LZMA_STREAM_INIT;
    lzma_ret xr;
    int rc = 0;

    if (lzma_stream_decoder(&x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
        return custody_err_set(err, CUSTODY_ERR_LIB, "liblzma: cannot initialize");
    x.next_in = data;
    x.avail_in = len;
    for (;;) {
        strbuf_grow(out, CHUNK);
        x.next_out = (uint8_t *)out->buf + out->len;
        x.avail_out = CHUNK;
        xr = lzma_code(&x, LZMA_FINISH);
        strbuf_setlen(out, out->len + (CHUNK - x.avail_out));
        if (too_big(out, max, damage, dl)) {
            rc = 1;
            break;
        }
        if (xr == LZMA_STREAM_END)
            break;
        if (xr == LZMA_OK)
            continue;
        if (xr == LZMA_BUF_ERROR)
            snprintf(damage, dl, "truncated xz stream: input ends at byte %zu", len);
        else
            snprintf(damage, dl, "corrupt xz stream near input byte %zu (liblzma error %d)",
                     (size_t)(x.next_in - data), (int)xr);
        rc = 1;
        break;
    }
    lzma_end(&x);
    return rc;
}

int
log_decompress(struct strbuf *out, char *damage, size_t damage_len, const uint8_t *data, size_t len,
               size_t max, struct custody_err *err)
{
    const char *kind = log_compression(data, len);

    damage[0] = '\0';
    if (!kind)
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "not compressed");
    if (!strcmp(kind, "gzip"))
        return gunzip(out, damage, damage_len, data, len, max, err);
    if (!strcmp(kind, "bzip2"))
        return bunzip(out, damage, damage_len, data, len, max, err);
    return unxz(out, damage, damage_len, data, len, max, err);
}
