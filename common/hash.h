/* MD5, SHA-1 and SHA-256 over libgcrypt, streaming, with hex output. */
#ifndef CUSTODY_HASH_H
#define CUSTODY_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum hash_algo {
    HASH_MD5 = 0,
    HASH_SHA1 = 1,
    HASH_SHA256 = 2,
    HASH_COUNT = 3,
};

#define HASH_F_MD5 (1u << HASH_MD5)
#define HASH_F_SHA1 (1u << HASH_SHA1)
#define HASH_F_SHA256 (1u << HASH_SHA256)
#define HASH_F_ALL (HASH_F_MD5 | HASH_F_SHA1 | HASH_F_SHA256)

#define HASH_MAX_LEN 32
#define HASH_HEX_MAX (HASH_MAX_LEN * 2 + 1)

/* Digest length in bytes, and the names used in manifests and E01 ("MD5", "SHA1", "SHA256"). */
size_t hash_len(enum hash_algo algo);
const char *hash_name(enum hash_algo algo);

/* Initialise libgcrypt once per process (thread-safe, idempotent; secure memory
 * for keys is set up here). Every entry point that hashes or signs calls it. */
int crypto_init(struct custody_err *err);
/* The linked libgcrypt version string. */
const char *crypto_version(void);

/* A set of running digests. Opaque; one thread at a time. */
struct multihash;

/* algos: HASH_F_* bits. Caller frees with multihash_free. */
int multihash_new(struct multihash **out, unsigned algos, struct custody_err *err);
void multihash_update(struct multihash *mh, const void *data, size_t len);
/* Finish; hex[algo] receives lowercase hex for each selected algo (others ""). */
void multihash_final(struct multihash *mh, char hex[HASH_COUNT][HASH_HEX_MAX]);
void multihash_free(struct multihash *mh);

/* The hashing threads of custody's pipelines: MD5 on one thread (the slowest
 * hash, sequential: the bound on two cores), SHA-1 and SHA-256 together on
 * another, at a lower priority (thread_prio.h). */
#define HASH_THREADS 2
/* HASH_F_* of hash thread i (0 <= i < HASH_THREADS) and its name suffix. */
unsigned hash_thread_algos(int i);
const char *hash_thread_name(int i);
/* Feed data to mh[a] for every algo a in algos, a 64 KiB piece to all of them
 * after the other while it is still in the core's cache (each hash reading every
 * byte from memory on its own costs about 10% more CPU). */
void multihash_update_each(struct multihash *const mh[HASH_COUNT], unsigned algos, const void *data,
                           size_t len);

/* One-shot digest of a buffer into out (hash_len(algo) bytes). */
void hash_buffer(enum hash_algo algo, uint8_t *out, const void *data, size_t len);

/* Hash a whole file with the selected algorithms. */
int hash_file(char hex[HASH_COUNT][HASH_HEX_MAX], const char *path, unsigned algos,
              uint64_t *size_out, struct custody_err *err);

/* Parse hex of exactly 2*len characters into out; 0 or CUSTODY_ERR_FORMAT. */
int hex_decode(uint8_t *out, size_t len, const char *hex);

#endif
