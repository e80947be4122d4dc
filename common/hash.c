/* libgcrypt adapter for digests. The only place besides the signing code that
 * includes <gcrypt.h>. */
#include "hash.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const int gcry_algos[HASH_COUNT] = {GCRY_MD_MD5, GCRY_MD_SHA1, GCRY_MD_SHA256};
static const char *const names[HASH_COUNT] = {"MD5", "SHA1", "SHA256"};
static const size_t lens[HASH_COUNT] = {16, 20, 32};

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static const char *crypto_init_version; /* set once by crypto_do_init */

static void
crypto_do_init(void)
{
    crypto_init_version = gcry_check_version(GCRYPT_VERSION);
    if (!crypto_init_version)
        return;
    /* 1 MiB of locked secure memory for secret keys and passphrases. */
    gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
    gcry_control(GCRYCTL_INIT_SECMEM, 1 << 20, 0);
    gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

int
crypto_init(struct custody_err *err)
{
    pthread_once(&crypto_once, crypto_do_init);
    if (!crypto_init_version)
        return custody_err_set(err, CUSTODY_ERR_CRYPTO, "libgcrypt is older than %s",
                               GCRYPT_VERSION);
    return 0;
}

const char *
crypto_version(void)
{
    return gcry_check_version(NULL);
}

size_t
hash_len(enum hash_algo algo)
{
    return lens[algo];
}

const char *
hash_name(enum hash_algo algo)
{
    return names[algo];
}

struct multihash {
    gcry_md_hd_t hd;
    unsigned algos;
};

int
multihash_new(struct multihash **out, unsigned algos, struct custody_err *err)
{
    struct multihash *mh;
    gcry_error_t ge;
    int rc;

    *out = NULL;
    if ((rc = crypto_init(err)) < 0)
        return rc;
    mh = calloc(1, sizeof(*mh));
    if (!mh)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    mh->algos = algos;
    ge = gcry_md_open(&mh->hd, 0, 0);
    for (int a = 0; !ge && a < HASH_COUNT; a++)
        if (algos & (1u << a))
            ge = gcry_md_enable(mh->hd, gcry_algos[a]);
    if (ge) {
        multihash_free(mh);
        return custody_err_set(err, CUSTODY_ERR_CRYPTO, "cannot start digest: %s",
                               gcry_strerror(ge));
    }
    *out = mh;
    return 0;
}

void
multihash_update(struct multihash *mh, const void *data, size_t len)
{
    gcry_md_write(mh->hd, data, len);
}

void
multihash_final(struct multihash *mh, char hex[HASH_COUNT][HASH_HEX_MAX])
{
    static const char digits[] = "0123456789abcdef";

    gcry_md_final(mh->hd);
    for (int a = 0; a < HASH_COUNT; a++) {
        hex[a][0] = '\0';
        if (!(mh->algos & (1u << a)))
            continue;
        const unsigned char *d = gcry_md_read(mh->hd, gcry_algos[a]);
        for (size_t i = 0; i < lens[a]; i++) {
            hex[a][2 * i] = digits[d[i] >> 4];
            hex[a][2 * i + 1] = digits[d[i] & 15];
        }
        hex[a][2 * lens[a]] = '\0';
    }
}

void
multihash_free(struct multihash *mh)
{
    if (!mh)
        return;
    gcry_md_close(mh->hd);
    free(mh);
}

void
hash_buffer(enum hash_algo algo, uint8_t *out, const void *data, size_t len)
{
    crypto_init(NULL);
    gcry_md_hash_buffer(gcry_algos[algo], out, data, len);
}

int
hash_file(char hex[HASH_COUNT][HASH_HEX_MAX], const char *path, unsigned algos, uint64_t *size_out,
          struct custody_err *err)
{
    struct multihash *mh = NULL;
    size_t bufsize = 1 << 20;
    char *buf = NULL;
    uint64_t total = 0;
    int fd = -1, rc;

    if ((rc = multihash_new(&mh, algos, err)) < 0)
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'", path);
        goto out;
    }
    buf = malloc(bufsize);
    if (!buf) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t n = io_read_full(fd, buf, bufsize);
        if (n < 0) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s' at offset %llu",
                                   path, (unsigned long long)total);
            goto out;
        }
        multihash_update(mh, buf, (size_t)n);
        total += (uint64_t)n;
        if ((size_t)n < bufsize)
            break;
    }
    multihash_final(mh, hex);
    if (size_out)
        *size_out = total;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    multihash_free(mh);
    return rc;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
hex_decode(uint8_t *out, size_t len, const char *hex)
{
    if (strlen(hex) != 2 * len)
        return CUSTODY_ERR_FORMAT;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CUSTODY_ERR_FORMAT;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

unsigned
hash_thread_algos(int i)
{
    return i == 0 ? HASH_F_MD5 : HASH_F_SHA1 | HASH_F_SHA256;
}

const char *
hash_thread_name(int i)
{
    return i == 0 ? "md5" : "sha";
}

#define HASH_PIECE (64u << 10)

void
multihash_update_each(struct multihash *const mh[HASH_COUNT], unsigned algos, const void *data,
                      size_t len)
{
    const uint8_t *d = data;

    while (len) {
        size_t n = len < HASH_PIECE ? len : HASH_PIECE;
        for (int a = 0; a < HASH_COUNT; a++)
            if (algos & (1u << a))
                multihash_update(mh[a], d, n);
        d += n;
        len -= n;
    }
}
