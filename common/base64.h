/* Standard base64 (RFC 4648, with padding), as minisign's key and signature files use it. */
#ifndef CUSTODY_BASE64_H
#define CUSTODY_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Append the base64 of len bytes. */
void base64_encode(struct strbuf *out, const void *data, size_t len);
/* Decode exactly the canonical encoding of outlen bytes (padding required, no
 * whitespace, unused bits zero). 0 or CUSTODY_ERR_FORMAT. */
int base64_decode_exact(uint8_t *out, size_t outlen, const char *text, size_t textlen);

#endif
