/* minisign public key and signature files: strict parsers and writers. The
 * parsers see attacker-supplied files, so every length is checked before use. */
#include "minisign.h"

#include "base64.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";

#define PK_BLOB_LEN (2 + MINISIGN_KEY_ID_LEN + MINISIGN_PK_LEN)
#define SIG_BLOB_LEN (2 + MINISIGN_KEY_ID_LEN + MINISIGN_SIG_LEN)

void
minisign_key_id_hex(char out[MINISIGN_KEY_ID_HEX], const uint8_t key_id[MINISIGN_KEY_ID_LEN])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < MINISIGN_KEY_ID_LEN; i++) {
        out[2 * i] = digits[key_id[i] >> 4];
        out[2 * i + 1] = digits[key_id[i] & 15];
    }
    out[2 * MINISIGN_KEY_ID_LEN] = 0;
}

int
minisign_comment_ok(const char *s)
{
    size_t len = strlen(s);

    if (len > MINISIGN_COMMENT_MAX || !utf8_valid(s, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return 0; /* TAB allowed: stock minisign's default trusted comment uses it */
    return 1;
}

/* Split text into lines (LF, an optional CR before it is dropped, the last line
 * may lack its LF). At most max lines; more is an error. */
static int
split_lines(const char **line, size_t *llen, size_t max, size_t *n, const char *text, size_t len)
{
    size_t pos = 0;

    *n = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - text - pos) : len - pos;
        if (*n == max)
            return CUSTODY_ERR_FORMAT;
        line[*n] = text + pos;
        llen[*n] = l;
        if (l && line[*n][l - 1] == '\r')
            llen[*n]--;
        (*n)++;
        pos += l + (nl ? 1 : 0);
    }
    return 0;
}

static int
comment_dup(char **out, const char *line, size_t len, const char *prefix)
{
    size_t plen = strlen(prefix);

    *out = NULL;
    if (len < plen || memcmp(line, prefix, plen) || len - plen > MINISIGN_COMMENT_MAX)
        return CUSTODY_ERR_FORMAT;
    if (memchr(line + plen, 0, len - plen))
        return CUSTODY_ERR_FORMAT;
    *out = strndup(line + plen, len - plen);
    if (!*out)
        return CUSTODY_ERR_NOMEM;
    if (!minisign_comment_ok(*out)) {
        free(*out);
        *out = NULL;
        return CUSTODY_ERR_FORMAT;
    }
    return 0;
}

int
minisign_pubkey_parse(struct minisign_pubkey *out, const char *text, size_t len,
                      struct custody_err *err)
{
    const char *line[3];
    size_t llen[3], n;
    uint8_t blob[PK_BLOB_LEN];
    const char *b64;
    size_t b64len;

    memset(out, 0, sizeof(*out));
    if (split_lines(line, llen, 3, &n, text, len) < 0 || n == 0 || n > 2)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "not a minisign public key (expected a comment and a key line)");
    if (n == 2) {
        if (llen[0] < strlen(untrusted_prefix) ||
            memcmp(line[0], untrusted_prefix, strlen(untrusted_prefix)))
            return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                   "not a minisign public key (no 'untrusted comment:' line)");
        b64 = line[1];
        b64len = llen[1];
    } else {
        b64 = line[0];
        b64len = llen[0];
    }
    if (base64_decode_exact(blob, sizeof(blob), b64, b64len) < 0)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "not a minisign public key (bad base64 key line)");
    if (blob[0] != 'E' || blob[1] != 'd')
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "unsupported public key algorithm (expected Ed25519 'Ed')");
    memcpy(out->key_id, blob + 2, MINISIGN_KEY_ID_LEN);
    memcpy(out->pk, blob + 2 + MINISIGN_KEY_ID_LEN, MINISIGN_PK_LEN);
    return 0;
}

void
minisign_pubkey_b64(struct strbuf *out, const struct minisign_pubkey *pk)
{
    uint8_t blob[PK_BLOB_LEN];

    blob[0] = 'E';
    blob[1] = 'd';
    memcpy(blob + 2, pk->key_id, MINISIGN_KEY_ID_LEN);
    memcpy(blob + 2 + MINISIGN_KEY_ID_LEN, pk->pk, MINISIGN_PK_LEN);
    base64_encode(out, blob, sizeof(blob));
}

void
minisign_pubkey_format(struct strbuf *out, const struct minisign_pubkey *pk)
{
    char hex[MINISIGN_KEY_ID_HEX];

    minisign_key_id_hex(hex, pk->key_id);
    strbuf_addf(out, "%scustody public key %s\n", untrusted_prefix, hex);
    minisign_pubkey_b64(out, pk);
    strbuf_addch(out, '\n');
}

void
minisign_sig_release(struct minisign_sig *s)
{
    if (!s)
        return;
    free(s->untrusted_comment);
    free(s->trusted_comment);
    memset(s, 0, sizeof(*s));
}

int
minisign_sig_parse(struct minisign_sig *out, const char *text, size_t len, struct custody_err *err)
{
    const char *line[5];
    size_t llen[5], n;
    uint8_t blob[SIG_BLOB_LEN];
    int rc;

    memset(out, 0, sizeof(*out));
    if (split_lines(line, llen, 5, &n, text, len) < 0 || n < 4 || (n == 5 && llen[4] != 0)) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "not a minisign signature (expected four lines)");
        goto fail;
    }
    if ((rc = comment_dup(&out->untrusted_comment, line[0], llen[0], untrusted_prefix)) < 0) {
        custody_err_set(err, rc, "not a minisign signature (bad 'untrusted comment:' line)");
        goto fail;
    }
    if (base64_decode_exact(blob, sizeof(blob), line[1], llen[1]) < 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "not a minisign signature (bad base64 signature line)");
        goto fail;
    }
    if (blob[0] == 'E' && blob[1] == 'D') {
        out->prehashed = 1;
    } else if (blob[0] == 'E' && blob[1] == 'd') {
        out->prehashed = 0;
    } else {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "unsupported signature algorithm (expected 'ED' or 'Ed')");
        goto fail;
    }
    memcpy(out->key_id, blob + 2, MINISIGN_KEY_ID_LEN);
    memcpy(out->sig, blob + 2 + MINISIGN_KEY_ID_LEN, MINISIGN_SIG_LEN);
    if ((rc = comment_dup(&out->trusted_comment, line[2], llen[2], trusted_prefix)) < 0) {
        custody_err_set(err, rc, "not a minisign signature (bad 'trusted comment:' line)");
        goto fail;
    }
    if (base64_decode_exact(out->global_sig, MINISIGN_SIG_LEN, line[3], llen[3]) < 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "not a minisign signature (bad base64 global signature line)");
        goto fail;
    }
    return 0;
fail:
    minisign_sig_release(out);
    return rc;
}

void
minisign_sig_format(struct strbuf *out, const struct minisign_sig *s)
{
    uint8_t blob[SIG_BLOB_LEN];

    blob[0] = 'E';
    blob[1] = s->prehashed ? 'D' : 'd';
    memcpy(blob + 2, s->key_id, MINISIGN_KEY_ID_LEN);
    memcpy(blob + 2 + MINISIGN_KEY_ID_LEN, s->sig, MINISIGN_SIG_LEN);
    strbuf_addf(out, "%s%s\n", untrusted_prefix,
                s->untrusted_comment ? s->untrusted_comment : "signature from custody");
    base64_encode(out, blob, sizeof(blob));
    strbuf_addf(out, "\n%s%s\n", trusted_prefix, s->trusted_comment ? s->trusted_comment : "");
    base64_encode(out, s->global_sig, MINISIGN_SIG_LEN);
    strbuf_addch(out, '\n');
}
