/* Ed25519 keys and signatures over libgcrypt (one of the two common/ files that
 * include <gcrypt.h>), the passphrase-encrypted secret key file and passphrase
 * input. Layout of the secret key file: docs/keys.md. */
#include "sign.h"

#include "base64.h"
#include "cli.h"
#include "hash.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <gcrypt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define SEED_LEN 32
#define KEYFILE_MAGIC "CUSTSK"
#define KEYFILE_VERSION 1
#define KEYFILE_HEADER_LEN 92
#define KEYFILE_BLOB_LEN (KEYFILE_HEADER_LEN + SEED_LEN + 16)
#define PASS_MAX 1024

struct sign_seckey {
    uint8_t seed[SEED_LEN];
    struct minisign_pubkey pub;
};

static int
gcry_fail(struct custody_err *err, gcry_error_t ge, const char *what)
{
    return custody_err_set(err, CUSTODY_ERR_CRYPTO, "%s: %s", what, gcry_strerror(ge));
}

void
sign_key_id(uint8_t key_id[MINISIGN_KEY_ID_LEN], const uint8_t pk[MINISIGN_PK_LEN])
{
    uint8_t d[32];

    hash_buffer(HASH_SHA256, d, pk, MINISIGN_PK_LEN);
    memcpy(key_id, d, MINISIGN_KEY_ID_LEN);
}

/* ---- Ed25519 ---- */

/* The public key of a seed. */
static int
ed25519_public(uint8_t pk[MINISIGN_PK_LEN], const uint8_t seed[SEED_LEN], struct custody_err *err)
{
    gcry_sexp_t key = NULL;
    gcry_ctx_t ctx = NULL;
    gcry_mpi_t q = NULL;
    gcry_error_t ge;
    const void *qb;
    unsigned int nbits;
    int rc = 0;

    ge = gcry_sexp_build(&key, NULL, "(private-key (ecc (curve Ed25519) (flags eddsa) (d %b)))",
                         SEED_LEN, seed);
    if (ge) {
        rc = gcry_fail(err, ge, "cannot build Ed25519 key");
        goto out;
    }
    if ((ge = gcry_mpi_ec_new(&ctx, key, NULL))) {
        rc = gcry_fail(err, ge, "cannot derive Ed25519 public key");
        goto out;
    }
    q = gcry_mpi_ec_get_mpi("q@eddsa", ctx, 1);
    if (!q || !gcry_mpi_get_flag(q, GCRYMPI_FLAG_OPAQUE) ||
        !(qb = gcry_mpi_get_opaque(q, &nbits)) || nbits != 8 * MINISIGN_PK_LEN) {
        rc = custody_err_set(err, CUSTODY_ERR_CRYPTO, "cannot derive Ed25519 public key");
        goto out;
    }
    memcpy(pk, qb, MINISIGN_PK_LEN);
out:
    gcry_mpi_release(q);
    gcry_ctx_release(ctx);
    gcry_sexp_release(key);
    return rc;
}

static int
sexp_bytes(uint8_t *out, size_t len, gcry_sexp_t s, const char *token)
{
    gcry_sexp_t t = gcry_sexp_find_token(s, token, 0);
    const char *p;
    size_t n;

    if (!t)
        return -1;
    p = gcry_sexp_nth_data(t, 1, &n);
    if (!p || n != len) {
        gcry_sexp_release(t);
        return -1;
    }
    memcpy(out, p, len);
    gcry_sexp_release(t);
    return 0;
}

int
sign_raw(uint8_t sig[MINISIGN_SIG_LEN], const struct sign_seckey *k, const void *msg, size_t len,
         struct custody_err *err)
{
    gcry_sexp_t key = NULL, data = NULL, s = NULL;
    gcry_error_t ge;
    int rc = 0;

    if ((rc = crypto_init(err)) < 0)
        return rc;
    ge = gcry_sexp_build(&key, NULL,
                         "(private-key (ecc (curve Ed25519) (flags eddsa) (q %b) (d %b)))",
                         MINISIGN_PK_LEN, k->pub.pk, SEED_LEN, k->seed);
    if (!ge)
        ge = gcry_sexp_build(&data, NULL, "(data (flags eddsa) (hash-algo sha512) (value %b))",
                             (int)len, msg);
    if (ge) {
        rc = gcry_fail(err, ge, "cannot build Ed25519 signing request");
        goto out;
    }
    if ((ge = gcry_pk_sign(&s, data, key))) {
        rc = gcry_fail(err, ge, "Ed25519 signing failed");
        goto out;
    }
    if (sexp_bytes(sig, 32, s, "r") < 0 || sexp_bytes(sig + 32, 32, s, "s") < 0)
        rc = custody_err_set(err, CUSTODY_ERR_CRYPTO, "Ed25519 signing gave an odd signature");
out:
    gcry_sexp_release(s);
    gcry_sexp_release(data);
    gcry_sexp_release(key);
    return rc;
}

int
sign_raw_verify(int *valid, const uint8_t pk[MINISIGN_PK_LEN], const uint8_t sig[MINISIGN_SIG_LEN],
                const void *msg, size_t len, struct custody_err *err)
{
    gcry_sexp_t key = NULL, data = NULL, s = NULL;
    gcry_error_t ge;
    int rc;

    *valid = 0;
    if ((rc = crypto_init(err)) < 0)
        return rc;
    ge = gcry_sexp_build(&key, NULL, "(public-key (ecc (curve Ed25519) (flags eddsa) (q %b)))",
                         MINISIGN_PK_LEN, pk);
    if (!ge)
        ge = gcry_sexp_build(&data, NULL, "(data (flags eddsa) (hash-algo sha512) (value %b))",
                             (int)len, msg);
    if (!ge)
        ge = gcry_sexp_build(&s, NULL, "(sig-val (eddsa (r %b) (s %b)))", 32, sig, 32, sig + 32);
    if (ge) {
        rc = gcry_fail(err, ge, "cannot build Ed25519 verification request");
        goto out;
    }
    ge = gcry_pk_verify(s, data, key);
    if (!ge)
        *valid = 1;
    /* A malformed point or signature is a bad signature; only resource failures
     * mean the check could not run. */
    else if (gcry_err_code(ge) == GPG_ERR_ENOMEM || gcry_err_code(ge) == GPG_ERR_NOT_SUPPORTED)
        rc = gcry_fail(err, ge, "Ed25519 verification could not run");
out:
    gcry_sexp_release(s);
    gcry_sexp_release(data);
    gcry_sexp_release(key);
    return rc;
}

/* ---- secret keys in memory ---- */

static struct sign_seckey *
seckey_alloc(struct custody_err *err)
{
    struct sign_seckey *k;

    if (crypto_init(err) < 0)
        return NULL;
    k = gcry_calloc_secure(1, sizeof(*k));
    if (!k)
        custody_err_set(err, CUSTODY_ERR_NOMEM, "out of secure memory for a secret key");
    return k;
}

void
sign_seckey_free(struct sign_seckey *k)
{
    if (!k)
        return;
    /* gcry_free wipes secure memory, but be explicit about the seed. */
    explicit_bzero(k, sizeof(*k));
    gcry_free(k);
}

int
sign_keygen(struct sign_seckey **out, struct custody_err *err)
{
    struct sign_seckey *k;
    int rc;

    *out = NULL;
    if (!(k = seckey_alloc(err)))
        return err ? err->code : CUSTODY_ERR_NOMEM;
    gcry_randomize(k->seed, SEED_LEN, GCRY_STRONG_RANDOM);
    if ((rc = ed25519_public(k->pub.pk, k->seed, err)) < 0) {
        sign_seckey_free(k);
        return rc;
    }
    sign_key_id(k->pub.key_id, k->pub.pk);
    *out = k;
    return 0;
}

void
sign_seckey_public(const struct sign_seckey *k, struct minisign_pubkey *out)
{
    *out = k->pub;
}

/* ---- the secret key file ---- */

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Header: magic(6) version(1) kdf(1) cipher(1) reserved(3) t(4) m(4) p(4) salt(16)
 * nonce(12) key id(8) public key(32) = 92 bytes, then seed(32) and tag(16). */
static void
header_build(uint8_t h[KEYFILE_HEADER_LEN], const struct sign_keyfile *kf)
{
    memset(h, 0, KEYFILE_HEADER_LEN);
    memcpy(h, KEYFILE_MAGIC, 6);
    h[6] = KEYFILE_VERSION;
    h[7] = kf->encrypted ? 1 : 0; /* kdf: 1 Argon2id */
    h[8] = kf->encrypted ? 1 : 0; /* cipher: 1 AES-256-GCM */
    put32(h + 12, kf->t_cost);
    put32(h + 16, kf->m_cost);
    put32(h + 20, kf->parallelism);
    memcpy(h + 24, kf->salt, 16);
    memcpy(h + 40, kf->nonce, 12);
    memcpy(h + 52, kf->pub.key_id, MINISIGN_KEY_ID_LEN);
    memcpy(h + 60, kf->pub.pk, MINISIGN_PK_LEN);
}

static const char keyfile_comment[] = "untrusted comment: custody secret key ";

/* Interpret a decoded key file blob. */
static int
keyfile_fields(struct sign_keyfile *out, const uint8_t *blob, struct custody_err *err)
{
    uint8_t id[MINISIGN_KEY_ID_LEN];

    if (memcmp(blob, KEYFILE_MAGIC, 6))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "not a custody secret key (bad magic)");
    if (blob[6] != KEYFILE_VERSION)
        return custody_err_set(err, CUSTODY_ERR_VERSION,
                               "custody secret key of unsupported version %u", blob[6]);
    if (blob[7] != blob[8] || blob[7] > 1 || blob[9] || blob[10] || blob[11])
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "custody secret key with unknown algorithms");
    out->encrypted = blob[7];
    out->t_cost = get32(blob + 12);
    out->m_cost = get32(blob + 16);
    out->parallelism = get32(blob + 20);
    if (out->encrypted &&
        (out->t_cost < 1 || out->t_cost > 64 || out->parallelism < 1 || out->parallelism > 16 ||
         out->m_cost < 8 * out->parallelism || out->m_cost > (1u << 21)))
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "custody secret key with out-of-range Argon2 parameters "
                               "(t=%u m=%u KiB p=%u)",
                               out->t_cost, out->m_cost, out->parallelism);
    if (!out->encrypted && (out->t_cost || out->m_cost || out->parallelism))
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "unencrypted custody secret key with Argon2 parameters");
    memcpy(out->salt, blob + 24, 16);
    memcpy(out->nonce, blob + 40, 12);
    memcpy(out->pub.key_id, blob + 52, MINISIGN_KEY_ID_LEN);
    memcpy(out->pub.pk, blob + 60, MINISIGN_PK_LEN);
    memcpy(out->sealed, blob + KEYFILE_HEADER_LEN, SEED_LEN);
    memcpy(out->tag, blob + KEYFILE_HEADER_LEN + SEED_LEN, 16);
    memcpy(out->header, blob, KEYFILE_HEADER_LEN);
    sign_key_id(id, out->pub.pk);
    if (memcmp(id, out->pub.key_id, MINISIGN_KEY_ID_LEN))
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "damaged custody secret key: key id does not match its public key");
    return 0;
}

int
sign_keyfile_parse(struct sign_keyfile *out, const char *text, size_t len, struct custody_err *err)
{
    uint8_t blob[KEYFILE_BLOB_LEN];
    int rc;
    const char *nl, *b64;
    size_t b64len;

    memset(out, 0, sizeof(*out));
    nl = memchr(text, '\n', len);
    if (!nl || (size_t)(nl - text) < strlen(keyfile_comment) ||
        memcmp(text, keyfile_comment, strlen(keyfile_comment))) {
        if (len >= 19 && !memcmp(text, "untrusted comment: ", 19))
            return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                   "not a custody secret key (a minisign key file? custody "
                                   "keys are made with 'custody-casedb keygen')");
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "not a custody secret key (no 'untrusted comment: custody secret "
                               "key' line)");
    }
    b64 = nl + 1;
    b64len = len - (size_t)(b64 - text);
    if (b64len && b64[b64len - 1] == '\n')
        b64len--;
    if (b64len != (KEYFILE_BLOB_LEN + 2) / 3 * 4)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "damaged custody secret key: the key line has %zu characters, "
                               "expected %d (truncated?)",
                               b64len, (KEYFILE_BLOB_LEN + 2) / 3 * 4);
    if (base64_decode_exact(blob, sizeof(blob), b64, b64len) < 0)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "damaged custody secret key: the key line is not base64");
    /* The blob holds the sealed (or, unencrypted, the plain) seed: wipe it. */
    rc = keyfile_fields(out, blob, err);
    explicit_bzero(blob, sizeof(blob));
    if (rc < 0)
        explicit_bzero(out, sizeof(*out));
    return rc;
}

/* Argon2id(pass, salt) -> 32-byte AES key in secure memory. */
static int
derive_key(uint8_t *key, const struct sign_keyfile *kf, const char *pass, size_t passlen,
           struct custody_err *err)
{
    unsigned long params[4] = {32, kf->t_cost, kf->m_cost, kf->parallelism};
    gcry_kdf_hd_t hd = NULL;
    gcry_error_t ge;

    ge = gcry_kdf_open(&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, params, 4, pass, passlen, kf->salt,
                       sizeof(kf->salt), NULL, 0, NULL, 0);
    if (!ge)
        ge = gcry_kdf_compute(hd, NULL);
    if (!ge)
        ge = gcry_kdf_final(hd, 32, key);
    gcry_kdf_close(hd);
    if (ge)
        return gcry_fail(err, ge, "Argon2id key derivation failed");
    return 0;
}

/* AES-256-GCM over the seed with the header as associated data. decrypt: check
 * the tag; a mismatch is CUSTODY_ERR_CRYPTO (wrong passphrase or damaged file). */
static int
gcm_run(uint8_t *out, const uint8_t *in, uint8_t tag[16], const uint8_t *key,
        const struct sign_keyfile *kf, const uint8_t *header, int decrypt, struct custody_err *err)
{
    gcry_cipher_hd_t hd = NULL;
    gcry_error_t ge;
    int rc = 0;

    ge = gcry_cipher_open(&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, GCRY_CIPHER_SECURE);
    if (!ge)
        ge = gcry_cipher_setkey(hd, key, 32);
    if (!ge)
        ge = gcry_cipher_setiv(hd, kf->nonce, sizeof(kf->nonce));
    if (!ge)
        ge = gcry_cipher_authenticate(hd, header, KEYFILE_HEADER_LEN);
    if (!ge)
        ge = decrypt ? gcry_cipher_decrypt(hd, out, SEED_LEN, in, SEED_LEN)
                     : gcry_cipher_encrypt(hd, out, SEED_LEN, in, SEED_LEN);
    if (ge) {
        rc = gcry_fail(err, ge, "AES-256-GCM failed");
        goto out;
    }
    if (decrypt) {
        ge = gcry_cipher_checktag(hd, tag, 16);
        if (ge)
            rc = custody_err_set(err, CUSTODY_ERR_CRYPTO,
                                 "wrong passphrase, or the secret key file is damaged");
    } else if ((ge = gcry_cipher_gettag(hd, tag, 16))) {
        rc = gcry_fail(err, ge, "AES-256-GCM failed");
    }
out:
    gcry_cipher_close(hd);
    return rc;
}

/* The checksum of an unencrypted key file: SHA-256(header || seed), first 16 bytes. */
static void
plain_checksum(uint8_t tag[16], const uint8_t *header, const uint8_t *seed)
{
    uint8_t buf[KEYFILE_HEADER_LEN + SEED_LEN], d[32];

    memcpy(buf, header, KEYFILE_HEADER_LEN);
    memcpy(buf + KEYFILE_HEADER_LEN, seed, SEED_LEN);
    hash_buffer(HASH_SHA256, d, buf, sizeof(buf));
    memcpy(tag, d, 16);
    explicit_bzero(buf, sizeof(buf));
}

int
sign_seckey_open(struct sign_seckey **out, const struct sign_keyfile *kf, const char *pass,
                 size_t passlen, struct custody_err *err)
{
    struct sign_seckey *k = NULL;
    uint8_t *key = NULL;
    uint8_t tag[16], pk[MINISIGN_PK_LEN];
    int rc;

    *out = NULL;
    if (!(k = seckey_alloc(err)))
        return err ? err->code : CUSTODY_ERR_NOMEM;
    if (kf->encrypted) {
        if (!pass) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "the secret key needs a passphrase");
            goto fail;
        }
        if (!(key = gcry_malloc_secure(32))) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of secure memory");
            goto fail;
        }
        if ((rc = derive_key(key, kf, pass, passlen, err)) < 0)
            goto fail;
        memcpy(tag, kf->tag, 16);
        if ((rc = gcm_run(k->seed, kf->sealed, tag, key, kf, kf->header, 1, err)) < 0)
            goto fail;
    } else {
        memcpy(k->seed, kf->sealed, SEED_LEN);
        plain_checksum(tag, kf->header, k->seed);
        if (memcmp(tag, kf->tag, 16)) {
            rc = custody_err_set(err, CUSTODY_ERR_CRYPTO,
                                 "the unencrypted secret key file is damaged (checksum)");
            goto fail;
        }
    }
    /* The decrypted seed must give the public key the header names. */
    if ((rc = ed25519_public(pk, k->seed, err)) < 0)
        goto fail;
    if (memcmp(pk, kf->pub.pk, MINISIGN_PK_LEN)) {
        rc = custody_err_set(err, CUSTODY_ERR_CRYPTO,
                             "the secret key file is damaged: its seed does not match its "
                             "public key");
        goto fail;
    }
    k->pub = kf->pub;
    gcry_free(key);
    *out = k;
    return 0;
fail:
    gcry_free(key);
    sign_seckey_free(k);
    return rc;
}

int
sign_seckey_write(const struct sign_seckey *k, const char *path, const char *pass, size_t passlen,
                  struct custody_err *err)
{
    struct sign_keyfile kf;
    struct strbuf text = STRBUF_INIT;
    uint8_t blob[KEYFILE_BLOB_LEN];
    uint8_t *key = NULL;
    char hex[MINISIGN_KEY_ID_HEX];
    int fd = -1, rc = 0, created = 0;

    memset(&kf, 0, sizeof(kf));
    kf.encrypted = pass != NULL;
    kf.pub = k->pub;
    if (kf.encrypted) {
        if (passlen == 0) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                 "empty passphrase (use --unencrypted to store the key "
                                 "without one)");
            goto out;
        }
        kf.t_cost = SIGN_ARGON2_T;
        kf.m_cost = SIGN_ARGON2_M_KIB;
        kf.parallelism = SIGN_ARGON2_P;
        gcry_randomize(kf.salt, sizeof(kf.salt), GCRY_STRONG_RANDOM);
        gcry_create_nonce(kf.nonce, sizeof(kf.nonce));
    }
    header_build(blob, &kf);
    if (kf.encrypted) {
        if (!(key = gcry_malloc_secure(32))) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of secure memory");
            goto out;
        }
        if ((rc = derive_key(key, &kf, pass, passlen, err)) < 0)
            goto out;
        if ((rc = gcm_run(blob + KEYFILE_HEADER_LEN, k->seed, blob + KEYFILE_HEADER_LEN + SEED_LEN,
                          key, &kf, blob, 0, err)) < 0)
            goto out;
    } else {
        memcpy(blob + KEYFILE_HEADER_LEN, k->seed, SEED_LEN);
        plain_checksum(blob + KEYFILE_HEADER_LEN + SEED_LEN, blob, k->seed);
    }
    minisign_key_id_hex(hex, k->pub.key_id);
    strbuf_grow(&text, 512); /* never reallocated: no unwiped copy of the seed left behind */
    strbuf_addf(&text, "%s%s%s\n", keyfile_comment, hex, kf.encrypted ? "" : " (UNENCRYPTED)");
    base64_encode(&text, blob, sizeof(blob));
    strbuf_addch(&text, '\n');
    if ((fd = io_create_exclusive(path, 0600, err)) < 0) {
        rc = fd;
        goto out;
    }
    created = 1;
    if (fchmod(fd, 0600) < 0 || io_write_full(fd, text.buf, text.len) < 0 || fsync(fd) < 0) {
        rc =
            custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot write '%s'", path);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc =
            custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot write '%s'", path);
        goto out;
    }
    fd = -1;
    rc = io_fsync_parent(path, err);
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && created)
        unlink(path);
    /* The text holds the (possibly unencrypted) seed: wipe before freeing. */
    if (text.buf)
        explicit_bzero(text.buf, text.len);
    strbuf_release(&text);
    explicit_bzero(blob, sizeof(blob));
    gcry_free(key);
    return rc;
}

int
sign_seckey_read(struct sign_seckey **out, const char *path, const struct sign_pass_src *src,
                 struct custody_err *err)
{
    struct strbuf text = STRBUF_INIT;
    struct sign_keyfile kf;
    char *pass = NULL;
    size_t passlen = 0;
    int rc;

    *out = NULL;
    if ((rc = io_read_file(&text, path, 4096, err)) < 0)
        goto out;
    if ((rc = sign_keyfile_parse(&kf, text.buf, text.len, err)) < 0) {
        custody_err_prefix(err, "'%s'", path);
        goto out;
    }
    if (kf.encrypted) {
        char prompt[256];
        snprintf(prompt, sizeof(prompt), "Passphrase for '%s': ", path);
        if ((rc = sign_passphrase_get(&pass, &passlen, src, prompt, 0, err)) < 0)
            goto out;
    }
    if ((rc = sign_seckey_open(out, &kf, pass, passlen, err)) < 0)
        custody_err_prefix(err, "'%s'", path);
out:
    sign_passphrase_free(pass, passlen);
    if (text.buf)
        explicit_bzero(text.buf, text.len);
    strbuf_release(&text);
    explicit_bzero(&kf, sizeof(kf));
    return rc;
}

/* ---- public key files ---- */

int
sign_pubkey_write(const struct minisign_pubkey *pk, const char *path, struct custody_err *err)
{
    struct strbuf text = STRBUF_INIT;
    int rc;

    minisign_pubkey_format(&text, pk);
    rc = io_write_file_atomic(path, text.buf, text.len, 0644, 0, err);
    strbuf_release(&text);
    return rc;
}

int
sign_pubkey_read(struct minisign_pubkey *out, const char *path, struct custody_err *err)
{
    struct strbuf text = STRBUF_INIT;
    uint8_t id[MINISIGN_KEY_ID_LEN];
    int rc;

    if ((rc = io_read_file(&text, path, 4096, err)) < 0)
        goto out;
    if ((rc = minisign_pubkey_parse(out, text.buf, text.len, err)) < 0) {
        custody_err_prefix(err, "'%s'", path);
        goto out;
    }
    sign_key_id(id, out->pk);
    if (memcmp(id, out->key_id, MINISIGN_KEY_ID_LEN))
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "'%s': not a custody public key (its key id is not derived from "
                             "the key; keys are made with 'custody-casedb keygen')",
                             path);
out:
    strbuf_release(&text);
    return rc;
}

/* ---- minisign signatures ---- */

/* BLAKE2b-512 of msg, minisign's prehash. */
static int
prehash(uint8_t out[64], const void *msg, size_t len, struct custody_err *err)
{
    gcry_md_hd_t hd;
    gcry_error_t ge = gcry_md_open(&hd, GCRY_MD_BLAKE2B_512, 0);

    if (ge)
        return gcry_fail(err, ge, "BLAKE2b-512 is not available");
    gcry_md_write(hd, msg, len);
    memcpy(out, gcry_md_read(hd, GCRY_MD_BLAKE2B_512), 64);
    gcry_md_close(hd);
    return 0;
}

int
sign_minisig(struct strbuf *out, const struct sign_seckey *k, const void *msg, size_t len,
             const char *trusted_comment, struct custody_err *err)
{
    struct minisign_sig s;
    uint8_t digest[64];
    struct strbuf global = STRBUF_INIT;
    char hex[MINISIGN_KEY_ID_HEX], uc[64];
    int rc;

    memset(&s, 0, sizeof(s));
    if (!minisign_comment_ok(trusted_comment))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "trusted comment has control characters or is too long");
    if ((rc = crypto_init(err)) < 0 || (rc = prehash(digest, msg, len, err)) < 0)
        return rc;
    s.prehashed = 1;
    memcpy(s.key_id, k->pub.key_id, MINISIGN_KEY_ID_LEN);
    if ((rc = sign_raw(s.sig, k, digest, sizeof(digest), err)) < 0)
        goto out;
    strbuf_add(&global, s.sig, MINISIGN_SIG_LEN);
    strbuf_addstr(&global, trusted_comment);
    if ((rc = sign_raw(s.global_sig, k, global.buf, global.len, err)) < 0)
        goto out;
    minisign_key_id_hex(hex, k->pub.key_id);
    snprintf(uc, sizeof(uc), "signature from custody secret key %s", hex);
    s.untrusted_comment = uc;
    s.trusted_comment = (char *)trusted_comment;
    minisign_sig_format(out, &s);
out:
    strbuf_release(&global);
    return rc;
}

int
sign_minisig_verify(int *valid, struct strbuf *reason, char **trusted_comment,
                    const struct minisign_pubkey *pk, const void *msg, size_t len,
                    const char *minisig, size_t siglen, struct custody_err *err)
{
    struct minisign_sig s;
    struct custody_err perr = {0};
    struct strbuf global = STRBUF_INIT;
    uint8_t digest[64];
    int ok = 0, rc;

    *valid = 0;
    if (trusted_comment)
        *trusted_comment = NULL;
    if ((rc = crypto_init(err)) < 0)
        return rc;
    if (minisign_sig_parse(&s, minisig, siglen, &perr) < 0) {
        if (perr.code == CUSTODY_ERR_NOMEM)
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        if (reason)
            strbuf_addf(reason, "malformed signature file: %s", perr.msg);
        return 0;
    }
    if (memcmp(s.key_id, pk->key_id, MINISIGN_KEY_ID_LEN)) {
        char a[MINISIGN_KEY_ID_HEX], b[MINISIGN_KEY_ID_HEX];
        minisign_key_id_hex(a, s.key_id);
        minisign_key_id_hex(b, pk->key_id);
        if (reason)
            strbuf_addf(reason, "signed by key %s, not by key %s", a, b);
        goto out;
    }
    if (s.prehashed) {
        if ((rc = prehash(digest, msg, len, err)) < 0)
            goto out;
        rc = sign_raw_verify(&ok, pk->pk, s.sig, digest, sizeof(digest), err);
    } else {
        rc = sign_raw_verify(&ok, pk->pk, s.sig, msg, len, err);
    }
    if (rc < 0)
        goto out;
    if (!ok) {
        if (reason)
            strbuf_addstr(reason, "signature does not match the file (changed or another file)");
        goto out;
    }
    strbuf_add(&global, s.sig, MINISIGN_SIG_LEN);
    strbuf_addstr(&global, s.trusted_comment);
    if ((rc = sign_raw_verify(&ok, pk->pk, s.global_sig, global.buf, global.len, err)) < 0)
        goto out;
    if (!ok) {
        if (reason)
            strbuf_addstr(reason, "trusted comment was changed (global signature fails)");
        goto out;
    }
    *valid = 1;
    if (trusted_comment) {
        *trusted_comment = s.trusted_comment;
        s.trusted_comment = NULL;
    }
out:
    strbuf_release(&global);
    minisign_sig_release(&s);
    return rc;
}

/* ---- passphrases ---- */

void
sign_passphrase_free(char *pass, size_t len)
{
    if (!pass)
        return;
    explicit_bzero(pass, len);
    gcry_free(pass);
}

/* Read one line (without LF / CRLF) from fd into a secure buffer. */
static int
read_line_secure(char **out, size_t *len, int fd, const char *what, struct custody_err *err)
{
    char *buf = gcry_malloc_secure(PASS_MAX + 1);
    size_t n = 0;

    *out = NULL;
    *len = 0;
    if (!buf)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of secure memory");
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR && !custody_interrupted)
            continue;
        if (r < 0) {
            int e = errno;
            sign_passphrase_free(buf, PASS_MAX + 1);
            return custody_err_errno(err, CUSTODY_ERR_IO, e, "cannot read the passphrase from %s",
                                     what);
        }
        if (r == 0 || c == '\n')
            break;
        if (n == PASS_MAX) {
            sign_passphrase_free(buf, PASS_MAX + 1);
            return custody_err_set(err, CUSTODY_ERR_USAGE, "passphrase from %s is too long", what);
        }
        buf[n++] = c;
    }
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

static void
tty_on_signal(int sig)
{
    custody_interrupted = sig;
}

/* Prompt and read without echo. Signals that would end the process while echo is
 * off are caught for the duration (as OpenBSD's readpassphrase does): the terminal
 * is restored first, then the signal is raised again for its previous handler. */
static int
tty_read(char **out, size_t *len, int fd, const char *prompt, struct custody_err *err)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
    struct sigaction sa, saved[sizeof(sigs) / sizeof(sigs[0])];
    struct termios old, noecho;
    volatile sig_atomic_t was = custody_interrupted;
    int rc, caught;

    if (tcgetattr(fd, &old) < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot use the terminal");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tty_on_signal; /* no SA_RESTART: read() returns EINTR */
    sigemptyset(&sa.sa_mask);
    custody_interrupted = 0;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, &saved[i]);
    noecho = old;
    noecho.c_lflag &= ~(tcflag_t)ECHO;
    noecho.c_lflag |= ECHONL;
    /* Echo off before the prompt appears, so nothing typed after it is shown. */
    if (tcsetattr(fd, TCSAFLUSH, &noecho) < 0 || io_write_full(fd, prompt, strlen(prompt)) < 0)
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot use the terminal");
    else
        rc = read_line_secure(out, len, fd, "the terminal", err);
    tcsetattr(fd, TCSAFLUSH, &old);
    caught = custody_interrupted;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &saved[i], NULL);
    custody_interrupted = caught ? caught : was;
    if (caught) {
        if (rc == 0) {
            sign_passphrase_free(*out, *len);
            *out = NULL;
            *len = 0;
        }
        io_write_full(fd, "\n", 1);
        raise(caught);
        return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted while reading the passphrase");
    }
    return rc;
}

int
sign_passphrase_get(char **out, size_t *len, const struct sign_pass_src *src, const char *prompt,
                    int confirm, struct custody_err *err)
{
    const char *env = src && !src->no_env ? getenv("CUSTODY_PASSPHRASE") : NULL;
    char *again = NULL;
    size_t againlen = 0;
    int fd, rc;

    *out = NULL;
    *len = 0;
    if ((rc = crypto_init(err)) < 0)
        return rc;
    if (src && src->file) {
        fd = open(src->file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                     "cannot open passphrase file '%s'", src->file);
        rc = read_line_secure(out, len, fd, "the passphrase file", err);
        close(fd);
        return rc;
    }
    if (env) {
        size_t n = strlen(env);
        if (n > PASS_MAX)
            return custody_err_set(err, CUSTODY_ERR_USAGE, "CUSTODY_PASSPHRASE is too long");
        if (!(*out = gcry_malloc_secure(n + 1)))
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of secure memory");
        memcpy(*out, env, n + 1);
        *len = n;
        return 0;
    }
    fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "no passphrase: give --passphrase-file FILE, set "
                               "CUSTODY_PASSPHRASE or run on a terminal");
    rc = tty_read(out, len, fd, prompt, err);
    if (rc == 0 && confirm) {
        rc = tty_read(&again, &againlen, fd, "Repeat the passphrase: ", err);
        if (rc == 0 && (againlen != *len || memcmp(again, *out, *len)))
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "the passphrases do not match");
        sign_passphrase_free(again, againlen);
    }
    close(fd);
    if (rc < 0) {
        sign_passphrase_free(*out, *len);
        *out = NULL;
        *len = 0;
    }
    return rc;
}
