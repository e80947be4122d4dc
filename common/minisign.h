/* The minisign file formats (public key, signature), so that anyone can check
 * custody's signatures with the stock `minisign -V`. Text only: the Ed25519
 * arithmetic is in sign.c. Public key file:
 *   untrusted comment: <text>
 *   base64("Ed" || key id (8 bytes) || Ed25519 public key (32 bytes))
 * Signature file (.minisig):
 *   untrusted comment: <text>
 *   base64("ED" || key id || Ed25519 signature of BLAKE2b-512(message))   ("Ed": legacy,
 *                                                       the message itself is signed)
 *   trusted comment: <text>
 *   base64(Ed25519 signature of (the signature above || trusted comment text))
 * Our key id is the first 8 bytes of SHA-256(public key), shown as 16 lowercase hex
 * digits in byte order (minisign shows the same 8 bytes as a little-endian number). */
#ifndef CUSTODY_MINISIGN_H
#define CUSTODY_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

#define MINISIGN_KEY_ID_LEN 8
#define MINISIGN_KEY_ID_HEX (MINISIGN_KEY_ID_LEN * 2 + 1)
#define MINISIGN_PK_LEN 32
#define MINISIGN_SIG_LEN 64
/* Longest comment line we write or accept (minisign's own limit is 1024 bytes). */
#define MINISIGN_COMMENT_MAX 1000

struct minisign_pubkey {
    uint8_t key_id[MINISIGN_KEY_ID_LEN];
    uint8_t pk[MINISIGN_PK_LEN];
};

struct minisign_sig {
    int prehashed; /* 1: "ED", the signature covers BLAKE2b-512(message); 0: legacy "Ed" */
    uint8_t key_id[MINISIGN_KEY_ID_LEN];
    uint8_t sig[MINISIGN_SIG_LEN];
    char *untrusted_comment; /* owned; without the "untrusted comment: " prefix */
    char *trusted_comment;   /* owned; without the "trusted comment: " prefix */
    uint8_t global_sig[MINISIGN_SIG_LEN];
};

/* Parse a public key file's text (comment line + base64 line), or a bare base64
 * line as stored in the case database. CUSTODY_ERR_FORMAT names what is wrong. */
int minisign_pubkey_parse(struct minisign_pubkey *out, const char *text, size_t len,
                          struct custody_err *err);
/* The base64 line only (no newline): what the case database stores. */
void minisign_pubkey_b64(struct strbuf *out, const struct minisign_pubkey *pk);
/* The whole public key file (comment line naming the key id, base64 line). */
void minisign_pubkey_format(struct strbuf *out, const struct minisign_pubkey *pk);

/* Parse a .minisig file. Comments must be valid UTF-8 without control characters
 * and at most MINISIGN_COMMENT_MAX bytes. The caller releases out. */
int minisign_sig_parse(struct minisign_sig *out, const char *text, size_t len,
                       struct custody_err *err);
/* Write a .minisig file. Comments must satisfy minisign_comment_ok. */
void minisign_sig_format(struct strbuf *out, const struct minisign_sig *s);
void minisign_sig_release(struct minisign_sig *s); /* accepts NULL */

/* 1 when s can be a comment line: valid UTF-8, no control characters, not too long. */
int minisign_comment_ok(const char *s);
/* 16 lowercase hex digits, in byte order. */
void minisign_key_id_hex(char out[MINISIGN_KEY_ID_HEX], const uint8_t key_id[MINISIGN_KEY_ID_LEN]);

#endif
