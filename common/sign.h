/* Examiner keys and signatures: Ed25519 through libgcrypt, public keys and
 * signatures in the minisign formats (minisign.h), secret keys in custody's own
 * passphrase-encrypted file (Argon2id + AES-256-GCM, docs/keys.md).
 *
 * Secret key material lives only in libgcrypt's secure memory and is wiped when
 * freed. Verification results are verdicts: a bad signature returns 0 with
 * *valid = 0 and a reason; a negative return means the check could not run. */
#ifndef CUSTODY_SIGN_H
#define CUSTODY_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "minisign.h"
#include "strbuf.h"

/* Argon2id cost of new secret key files (RFC 9106's second recommended option). */
#define SIGN_ARGON2_T 3
#define SIGN_ARGON2_M_KIB 65536
#define SIGN_ARGON2_P 1

/* A secret key file, as parsed (no passphrase needed). Exposed for tests and fuzzing. */
struct sign_keyfile {
    int encrypted;   /* 1: Argon2id + AES-256-GCM; 0: written with --unencrypted */
    uint32_t t_cost; /* Argon2 passes */
    uint32_t m_cost; /* Argon2 memory, KiB */
    uint32_t parallelism;
    uint8_t salt[16];
    uint8_t nonce[12];
    struct minisign_pubkey pub;
    uint8_t sealed[32]; /* the encrypted (or plain) 32-byte Ed25519 seed */
    uint8_t tag[16];    /* GCM tag (or a SHA-256 checksum when unencrypted) */
    uint8_t header[92]; /* the authenticated header bytes */
};

/* Parse a secret key file's text; CUSTODY_ERR_FORMAT for anything else (a minisign
 * or OpenSSH secret key, a public key, a truncated file) with a message saying so. */
int sign_keyfile_parse(struct sign_keyfile *out, const char *text, size_t len,
                       struct custody_err *err);

/* Where a passphrase comes from: file (first line, without its newline) if set,
 * else $CUSTODY_PASSPHRASE if set, else the terminal (/dev/tty, without echo). */
struct sign_pass_src {
    const char *file;
    int no_env; /* ignore CUSTODY_PASSPHRASE */
};

/* Read a passphrase into secure memory (*out NUL-terminated, free with
 * sign_passphrase_free). confirm: on a terminal, ask twice and require equality.
 * No source available: CUSTODY_ERR_USAGE. */
int sign_passphrase_get(char **out, size_t *len, const struct sign_pass_src *src,
                        const char *prompt, int confirm, struct custody_err *err);
void sign_passphrase_free(char *pass, size_t len); /* wipes; accepts NULL */

struct sign_seckey; /* opaque: seed and public key, in secure memory */

/* A new random key. */
int sign_keygen(struct sign_seckey **out, struct custody_err *err);
void sign_seckey_free(struct sign_seckey *k); /* wipes; accepts NULL */
/* The key's public half (with our key id). */
void sign_seckey_public(const struct sign_seckey *k, struct minisign_pubkey *out);

/* Write NAME.key (mode 0600, created exclusively) encrypted with pass; pass NULL
 * writes the seed unencrypted (only on request). Refuses an existing file. */
int sign_seckey_write(const struct sign_seckey *k, const char *path, const char *pass,
                      size_t passlen, struct custody_err *err);
/* Load a secret key file; asks src for a passphrase when it is encrypted. A wrong
 * passphrase or a damaged file: CUSTODY_ERR_CRYPTO. Another format:
 * CUSTODY_ERR_FORMAT. */
int sign_seckey_read(struct sign_seckey **out, const char *path, const struct sign_pass_src *src,
                     struct custody_err *err);
/* Decrypt a parsed key file with pass (pass NULL for an unencrypted one). */
int sign_seckey_open(struct sign_seckey **out, const struct sign_keyfile *kf, const char *pass,
                     size_t passlen, struct custody_err *err);

/* Write NAME.pub (minisign format), created exclusively, mode 0644. */
int sign_pubkey_write(const struct minisign_pubkey *pk, const char *path, struct custody_err *err);
/* Read a minisign public key file; its key id must be ours for the key (first 8
 * bytes of SHA-256(public key)): a key made by minisign itself is refused. */
int sign_pubkey_read(struct minisign_pubkey *out, const char *path, struct custody_err *err);

/* key_id = first 8 bytes of SHA-256(pk). */
void sign_key_id(uint8_t key_id[MINISIGN_KEY_ID_LEN], const uint8_t pk[MINISIGN_PK_LEN]);

/* Sign msg: out receives a whole .minisig file (prehashed "ED" algorithm) with the
 * given trusted comment (minisign_comment_ok must hold). */
int sign_minisig(struct strbuf *out, const struct sign_seckey *k, const void *msg, size_t len,
                 const char *trusted_comment, struct custody_err *err);
/* Verify a .minisig file against msg and pk: *valid = 1 when the signature and
 * the global signature over the trusted comment both hold; else *valid = 0 and
 * reason (if not NULL) says why (malformed file, another key, bad signature, bad
 * trusted comment). *trusted_comment (if not NULL) receives a copy of the trusted
 * comment when valid (caller frees). */
int sign_minisig_verify(int *valid, struct strbuf *reason, char **trusted_comment,
                        const struct minisign_pubkey *pk, const void *msg, size_t len,
                        const char *minisig, size_t siglen, struct custody_err *err);

/* Plain Ed25519 over msg (custody log entries, checkpoints). */
int sign_raw(uint8_t sig[MINISIGN_SIG_LEN], const struct sign_seckey *k, const void *msg,
             size_t len, struct custody_err *err);
int sign_raw_verify(int *valid, const uint8_t pk[MINISIGN_PK_LEN],
                    const uint8_t sig[MINISIGN_SIG_LEN], const void *msg, size_t len,
                    struct custody_err *err);

#endif
