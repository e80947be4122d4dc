/* Hash a stream of blocks with MD5, SHA-1 and SHA-256 on three threads while the
 * calling thread reads: the read-back verification runs at the speed of the slowest
 * hash, not of their sum. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define REHASH_RING 4
#define REHASH_BLOCK (4u << 20)

struct rehash {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *buf[REHASH_RING];
    size_t len[REHASH_RING];
    int pending[REHASH_RING]; /* hash threads still to consume the block */
    uint64_t produced;        /* blocks filled */
    int done;                 /* no more blocks */
    struct multihash *mh[HASH_COUNT];
};

struct rehash_arg {
    struct rehash *h;
    int algo;
};

static void *
rehash_main(void *arg)
{
    struct rehash_arg *a = arg;
    struct rehash *h = a->h;

    for (uint64_t seq = 0;; seq++) {
        int slot = (int)(seq % REHASH_RING);
        pthread_mutex_lock(&h->mu);
        while (h->produced <= seq && !h->done)
            pthread_cond_wait(&h->cv, &h->mu);
        int have = h->produced > seq;
        pthread_mutex_unlock(&h->mu);
        if (!have)
            break;
        multihash_update(h->mh[a->algo], h->buf[slot], h->len[slot]);
        pthread_mutex_lock(&h->mu);
        h->pending[slot]--;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

int
rehash_stream(char hex[HASH_COUNT][HASH_HEX_MAX], rehash_read_fn read_fn, void *ctx,
              uint64_t *total, struct custody_err *err)
{
    struct rehash h;
    struct rehash_arg args[HASH_COUNT];
    pthread_t threads[HASH_COUNT];
    int started = 0, rc = 0;

    memset(&h, 0, sizeof(h));
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    *total = 0;
    for (int i = 0; i < REHASH_RING; i++)
        if (!(h.buf[i] = malloc(REHASH_BLOCK))) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto out;
        }
    for (int a = 0; a < HASH_COUNT; a++)
        if ((rc = multihash_new(&h.mh[a], 1u << a, err)) < 0)
            goto out;
    for (; started < HASH_COUNT; started++) {
        args[started].h = &h;
        args[started].algo = started;
        if (pthread_create(&threads[started], NULL, rehash_main, &args[started]) != 0) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot start the hash threads");
            break;
        }
    }
    for (uint64_t seq = 0; rc == 0; seq++) {
        int slot = (int)(seq % REHASH_RING);
        pthread_mutex_lock(&h.mu);
        while (h.pending[slot] > 0)
            pthread_cond_wait(&h.cv, &h.mu);
        pthread_mutex_unlock(&h.mu);
        ssize_t n = read_fn(ctx, h.buf[slot], REHASH_BLOCK, *total, err);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        if (n == 0)
            break;
        *total += (uint64_t)n;
        pthread_mutex_lock(&h.mu);
        h.len[slot] = (size_t)n;
        h.pending[slot] = started;
        h.produced = seq + 1;
        pthread_cond_broadcast(&h.cv);
        pthread_mutex_unlock(&h.mu);
    }
    pthread_mutex_lock(&h.mu);
    h.done = 1;
    pthread_cond_broadcast(&h.cv);
    pthread_mutex_unlock(&h.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (rc == 0) {
        for (int a = 0; a < HASH_COUNT; a++) {
            char one[HASH_COUNT][HASH_HEX_MAX];
            multihash_final(h.mh[a], one);
            memcpy(hex[a], one[a], HASH_HEX_MAX);
        }
    }
out:
    for (int a = 0; a < HASH_COUNT; a++)
        multihash_free(h.mh[a]);
    for (int i = 0; i < REHASH_RING; i++)
        free(h.buf[i]);
    pthread_mutex_destroy(&h.mu);
    pthread_cond_destroy(&h.cv);
    return rc;
}
