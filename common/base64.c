/* Base64 for key and signature files. Strict: one spelling per byte string, so
 * a signature file cannot be altered without its decoded bytes changing. */
#include "base64.h"

#include "error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
base64_encode(struct strbuf *out, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i;

    for (i = 0; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        strbuf_addch(out, alphabet[v >> 18 & 63]);
        strbuf_addch(out, alphabet[v >> 12 & 63]);
        strbuf_addch(out, alphabet[v >> 6 & 63]);
        strbuf_addch(out, alphabet[v & 63]);
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        strbuf_addch(out, alphabet[v >> 18 & 63]);
        strbuf_addch(out, alphabet[v >> 12 & 63]);
        strbuf_addstr(out, "==");
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        strbuf_addch(out, alphabet[v >> 18 & 63]);
        strbuf_addch(out, alphabet[v >> 12 & 63]);
        strbuf_addch(out, alphabet[v >> 6 & 63]);
        strbuf_addch(out, '=');
    }
}

static int
b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
base64_decode_exact(uint8_t *out, size_t outlen, const char *text, size_t textlen)
{
    size_t o = 0, full = outlen / 3, rest = outlen % 3;

    if (textlen != (outlen + 2) / 3 * 4)
        return CUSTODY_ERR_FORMAT;
    for (size_t g = 0; g < (outlen + 2) / 3; g++) {
        const char *q = text + g * 4;
        int v[4];
        size_t nbytes = g < full ? 3 : rest;
        for (int k = 0; k < 4; k++) {
            if ((size_t)k > nbytes) {
                if (q[k] != '=')
                    return CUSTODY_ERR_FORMAT;
                v[k] = 0;
            } else if ((v[k] = b64_value(q[k])) < 0) {
                return CUSTODY_ERR_FORMAT;
            }
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | v[3];
        /* Bits beyond the last byte must be zero (canonical encoding). */
        if ((nbytes == 1 && (x & 0xffff)) || (nbytes == 2 && (x & 0xff)))
            return CUSTODY_ERR_FORMAT;
        out[o++] = (uint8_t)(x >> 16);
        if (nbytes > 1)
            out[o++] = (uint8_t)(x >> 8);
        if (nbytes > 2)
            out[o++] = (uint8_t)x;
    }
    return 0;
}
