/* Hash a stream of blocks with MD5, SHA-1 and SHA-256 (or some of them), each on its
 * own thread, while the calling thread reads: the read-back runs at the speed of the
 * slowest hash, not of their sum, and the reads overlap the hashing. */
#include "internal.h"
#include "thread_prio.h"

#include "cli.h"
#include "io.h"

#include <errno.h>
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
    unsigned algos;
};

struct rehash_arg {
    struct rehash *h;
    unsigned algos; /* a hash thread's share (hash_thread_algos) of the algos asked */
};

static void *
rehash_main(void *arg)
{
    struct rehash_arg *a = arg;
    struct rehash *h = a->h;

    if (!(a->algos & HASH_F_MD5) && (h->algos & HASH_F_MD5))
        thread_prio_helper();
    for (uint64_t seq = 0;; seq++) {
        int slot = (int)(seq % REHASH_RING);
        pthread_mutex_lock(&h->mu);
        while (h->produced <= seq && !h->done)
            pthread_cond_wait(&h->cv, &h->mu);
        int have = h->produced > seq;
        pthread_mutex_unlock(&h->mu);
        if (!have)
            break;
        multihash_update_each(h->mh, a->algos, h->buf[slot], h->len[slot]);
        pthread_mutex_lock(&h->mu);
        h->pending[slot]--;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

int
rehash_stream(char hex[HASH_COUNT][HASH_HEX_MAX], unsigned algos, rehash_read_fn read_fn, void *ctx,
              uint64_t *total, struct custody_err *err)
{
    struct rehash h;
    struct rehash_arg args[HASH_THREADS];
    pthread_t threads[HASH_THREADS];
    int started = 0, rc = 0;

    memset(&h, 0, sizeof(h));
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    h.algos = algos;
    *total = 0;
    for (int a = 0; a < HASH_COUNT; a++)
        hex[a][0] = '\0';
    for (int i = 0; i < REHASH_RING; i++)
        if (posix_memalign((void **)&h.buf[i], IO_DIRECT_ALIGN, REHASH_BLOCK) != 0) {
            h.buf[i] = NULL;
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto out;
        }
    for (int a = 0; a < HASH_COUNT; a++)
        if ((algos & (1u << a)) && (rc = multihash_new(&h.mh[a], 1u << a, err)) < 0)
            goto out;
    for (int t = 0; t < HASH_THREADS; t++) {
        char name[16];
        if (!(algos & hash_thread_algos(t)))
            continue;
        args[started].h = &h;
        args[started].algos = algos & hash_thread_algos(t);
        if (pthread_create(&threads[started], NULL, rehash_main, &args[started]) != 0) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot start the hash threads");
            break;
        }
        snprintf(name, sizeof(name), "rehash-%s", hash_thread_name(t));
        pthread_setname_np(threads[started], name);
        started++;
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
            if (!h.mh[a])
                continue;
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

struct seq_ctx {
    struct io_seq_reader r;
    const char *path;
};

static ssize_t
seq_read_cb(void *ctx, uint8_t *buf, size_t len, uint64_t offset, struct custody_err *err)
{
    struct seq_ctx *c = ctx;
    ssize_t n;

    (void)offset;
    if (custody_interrupted)
        return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
    n = io_seq_read(&c->r, buf, len);
    if (n < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s' at offset %llu",
                                 c->path, (unsigned long long)c->r.pos);
    return n;
}

int
rehash_file_sha256(char hex[HASH_HEX_MAX], const char *path, uint64_t *size,
                   struct custody_err *err)
{
    struct seq_ctx c = {.path = path};
    char all[HASH_COUNT][HASH_HEX_MAX];
    int rc;

    if ((rc = io_seq_open(&c.r, path, err)) < 0)
        return rc;
    rc = rehash_stream(all, HASH_F_SHA256, seq_read_cb, &c, size, err);
    io_seq_close(&c.r);
    if (rc == 0)
        memcpy(hex, all[HASH_SHA256], HASH_HEX_MAX);
    return rc;
}
