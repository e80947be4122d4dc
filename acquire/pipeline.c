/* The acquisition pipeline. One reader fills a ring of blocks; MD5, SHA-1 and
 * SHA-256 each run on their own thread over every block in order; a pool of workers
 * compresses the chunks of any block that is ready; one writer owns the output (the
 * libewf handle has no locking) and writes blocks in order. A block returns to the
 * reader when all three hashes and the writer are done with it, so memory stays at
 * at most RING blocks (and RING_BYTES of them) whatever the size of the disk. */
#include "internal.h"
#include "thread_prio.h"

#include "cli.h"
#include "deflate.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING 8                           /* blocks in flight, at most */
#define RING_BYTES (UINT64_C(64) << 20)  /* ... and at most this much media in flight */
#define BLOCK_TARGET (UINT32_C(4) << 20) /* bytes per block, rounded to whole chunks */
#define MAX_WORKERS 16

enum {
    SLOT_FREE = 0,
    SLOT_FILLED = 1,
};

struct slot {
    int state;
    uint64_t seq;
    uint64_t offset;
    size_t len;    /* media bytes in data */
    uint8_t *data; /* block_size bytes, 4096-aligned for O_DIRECT */
    int hashed;    /* hash threads done with it */
    int compress;  /* 0 waiting, 1 claimed, 2 done */
    int written;
    uint8_t *cdata; /* per chunk: chunk_size + slack bytes */
    size_t *csize;  /* compressed size, 0 = stored uncompressed */
    uint32_t *sum;  /* Adler-32 of uncompressed chunks */
};

struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot slots[RING];
    int nslots;       /* slots in use: fewer when chunks (hence blocks) are very large */
    uint64_t end_seq; /* blocks the reader produced; valid when reader_done */
    int reader_done;
    int stop;                             /* writer failed: reader stops */
    size_t block_size, chunk_size, cslot; /* cslot: bytes per compressed chunk slot */
    int compressing;                      /* E01: chunks go through the workers */
    enum deflate_level level;
    int use_deflate; /* compression fast or best */
    struct acquire_source *src;
    struct acquire_sink *sink;
    uint64_t media_size; /* 0 unknown */
    int pad;             /* zero-pad the last sector (E01) */
    uint32_t sector_size;
    struct range_list *bad;
    uint64_t bytes_read; /* progress */
    uint64_t bad_sectors;
    struct multihash *mh[HASH_COUNT];
    struct custody_err read_err, write_err;
    int read_failed, write_failed, interrupted, complete;
    int deflate_failed;
};

static void
lock(struct pipeline *p)
{
    pthread_mutex_lock(&p->mu);
}

static void
unlock(struct pipeline *p)
{
    pthread_mutex_unlock(&p->mu);
}

static void
release_if_done(struct pipeline *p, struct slot *s)
{
    if (s->hashed == HASH_THREADS && s->written) {
        s->state = SLOT_FREE;
        pthread_cond_broadcast(&p->cv);
    }
}

static void *
reader_main(void *arg)
{
    struct pipeline *p = arg;
    uint64_t seq = 0, offset = 0;

    thread_prio_helper();

    for (;;) {
        struct slot *s = &p->slots[seq % (uint64_t)p->nslots];
        lock(p);
        while (s->state != SLOT_FREE && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        unlock(p);
        if (stop)
            break;
        if (custody_interrupted) {
            p->interrupted = 1;
            break;
        }
        size_t want = p->block_size;
        if (p->media_size && offset + want > p->media_size)
            want = (size_t)(p->media_size - offset);
        if (want == 0) {
            p->complete = 1;
            break;
        }
        struct range_list local = {0};
        ssize_t n = source_read(p->src, s->data, want, offset, &local, &p->read_err);
        if (n < 0) {
            range_list_free(&local);
            if (p->read_err.code == CUSTODY_ERR_INTR)
                p->interrupted = 1;
            else
                p->read_failed = 1;
            break;
        }
        size_t len = (size_t)n;
        /* A short read because of a signal is not the end of the source. */
        int cut = custody_interrupted && len < want;
        int at_end = len < want && !cut;
        if (at_end && p->src->size_known && offset + len < p->src->size) {
            /* A stream that ends before its --size, or a file that shrank. */
            custody_err_set(&p->read_err, CUSTODY_ERR_IO, "source '%s' ended at byte %llu of %llu",
                            p->src->path, (unsigned long long)(offset + len),
                            (unsigned long long)p->src->size);
            p->read_failed = 1;
        }
        if (at_end && p->pad && len % p->sector_size) {
            size_t padded = (len / p->sector_size + 1) * p->sector_size;
            memset(s->data + len, 0, padded - len);
            len = padded;
        }
        lock(p);
        for (size_t i = 0; i < local.n; i++)
            range_list_add(p->bad, local.v[i].first_sector, local.v[i].count);
        p->bad_sectors = p->bad->sectors;
        if (len > 0) {
            s->seq = seq;
            s->offset = offset;
            s->len = len;
            s->hashed = 0;
            s->written = 0;
            s->compress = p->compressing ? 0 : 2;
            s->state = SLOT_FILLED;
            seq++;
            offset += len;
            p->bytes_read = offset;
            pthread_cond_broadcast(&p->cv);
        }
        unlock(p);
        range_list_free(&local);
        if (p->read_failed)
            break;
        if (cut) {
            p->interrupted = 1;
            break;
        }
        if (at_end) {
            p->complete = 1;
            break;
        }
    }
    lock(p);
    p->end_seq = seq;
    p->reader_done = 1;
    pthread_cond_broadcast(&p->cv);
    unlock(p);
    return NULL;
}

/* Wait for block seq to be filled; NULL when the reader ended before it. */
static struct slot *
wait_block(struct pipeline *p, uint64_t seq, int need_compressed)
{
    struct slot *s = &p->slots[seq % (uint64_t)p->nslots];

    lock(p);
    for (;;) {
        if (s->state == SLOT_FILLED && s->seq == seq && (!need_compressed || s->compress == 2))
            break;
        if (p->reader_done && seq >= p->end_seq) {
            unlock(p);
            return NULL;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
    unlock(p);
    return s;
}

struct hash_arg {
    struct pipeline *p;
    unsigned algos; /* hash_thread_algos */
};

static void *
hash_main(void *arg)
{
    struct hash_arg *h = arg;
    struct pipeline *p = h->p;

    if (!(h->algos & HASH_F_MD5))
        thread_prio_helper();
    for (uint64_t seq = 0;; seq++) {
        struct slot *s = wait_block(p, seq, 0);
        if (!s)
            break;
        multihash_update_each(p->mh, h->algos, s->data, s->len);
        lock(p);
        s->hashed++;
        release_if_done(p, s);
        unlock(p);
    }
    return NULL;
}

/* Fast compression only: probe the first PROBE_BYTES of a chunk with a quick deflate
 * first (chunk_deflate_probe), and store the chunk uncompressed when they do not
 * shrink by PROBE_MIN_GAIN. Encrypted, compressed and random data (where deflate
 * costs most and gains nothing) then costs a small fraction of a compression; a
 * chunk that starts incompressible and turns compressible later is stored whole,
 * which makes the image a little larger, never wrong. */
#define PROBE_BYTES 4096
#define PROBE_MIN_GAIN 64

static int
probe_incompressible(const struct pipeline *p, struct chunk_deflater *d, uint8_t *scratch,
                     const uint8_t *in, size_t n)
{
    if (p->level != DEFLATE_FAST || n < 4 * PROBE_BYTES)
        return 0;
    return chunk_deflate_probe(d, scratch, in, PROBE_BYTES, PROBE_MIN_GAIN);
}

/* A worker's last chunk of zeros and its compressed form: the empty space of a disk is
 * thousands of identical chunks, and compression is a pure function, so the stream
 * made for one is copied for the next instead of compressing it again. */
#define ZERO_MEMO_MAX 1024

struct zero_memo {
    uint8_t stream[ZERO_MEMO_MAX];
    size_t in;  /* chunk bytes it holds (0: nothing remembered) */
    size_t out; /* compressed bytes */
};

static void
compress_block(struct pipeline *p, struct chunk_deflater *d, struct zero_memo *memo, struct slot *s)
{
    size_t chunks = (s->len + p->chunk_size - 1) / p->chunk_size;

    for (size_t c = 0; c < chunks; c++) {
        const uint8_t *in = s->data + c * p->chunk_size;
        uint8_t *out_buf = s->cdata + c * p->cslot;
        size_t n = s->len - c * p->chunk_size;
        if (n > p->chunk_size)
            n = p->chunk_size;
        size_t out = 0;
        int zero = p->use_deflate && chunk_all_zero(in, n);
        if (zero && memo->in == n) {
            memcpy(out_buf, memo->stream, memo->out);
            out = memo->out;
        } else if (p->use_deflate && !probe_incompressible(p, d, out_buf, in, n)) {
            /* Keep the compressed form only when it is smaller, as EnCase does. */
            out = chunk_deflate(d, out_buf, n - 1, in, n);
            if (zero && out > 0 && out <= ZERO_MEMO_MAX) {
                memcpy(memo->stream, out_buf, out);
                memo->in = n;
                memo->out = out;
            }
        }
        s->csize[c] = out;
        if (out == 0)
            s->sum[c] = chunk_adler32(in, n);
    }
}

static void *
worker_main(void *arg)
{
    struct pipeline *p = arg;
    struct chunk_deflater *d = NULL;
    struct custody_err err = {0};

    thread_prio_helper();
    struct zero_memo memo = {.in = 0};

    if (p->use_deflate && chunk_deflater_new(&d, p->level, &err) < 0) {
        lock(p);
        p->deflate_failed = 1;
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        unlock(p);
    }
    lock(p);
    for (;;) {
        struct slot *pick = NULL;
        for (int i = 0; i < p->nslots; i++) {
            struct slot *s = &p->slots[i];
            if (s->state == SLOT_FILLED && s->compress == 0 && (!pick || s->seq < pick->seq))
                pick = s;
        }
        if (!pick) {
            if (p->reader_done)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pick->compress = 1;
        unlock(p);
        if (d || !p->use_deflate)
            compress_block(p, d, &memo, pick);
        lock(p);
        pick->compress = 2;
        pthread_cond_broadcast(&p->cv);
    }
    unlock(p);
    chunk_deflater_free(d);
    return NULL;
}

static int
write_block(struct pipeline *p, struct slot *s)
{
    if (!p->compressing)
        return sink_write_raw(p->sink, s->data, s->len, &p->write_err);
    size_t chunks = (s->len + p->chunk_size - 1) / p->chunk_size;
    for (size_t c = 0; c < chunks; c++) {
        const uint8_t *in = s->data + c * p->chunk_size;
        size_t n = s->len - c * p->chunk_size;
        if (n > p->chunk_size)
            n = p->chunk_size;
        int rc;
        if (s->csize[c])
            rc = sink_write_chunk(p->sink, s->cdata + c * p->cslot, s->csize[c], n, 1, 0,
                                  &p->write_err);
        else
            rc = sink_write_chunk(p->sink, in, n, n, 0, s->sum[c], &p->write_err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void *
writer_main(void *arg)
{
    struct pipeline *p = arg;

    thread_prio_helper();

    for (uint64_t seq = 0;; seq++) {
        struct slot *s = wait_block(p, seq, 1);
        if (!s)
            break;
        if (!p->write_failed && write_block(p, s) < 0) {
            lock(p);
            p->write_failed = 1;
            p->stop = 1;
            pthread_cond_broadcast(&p->cv);
            unlock(p);
        }
        lock(p);
        s->written = 1;
        release_if_done(p, s);
        unlock(p);
    }
    return NULL;
}

static unsigned
worker_count(const struct acquire_opts *o)
{
    long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_WORKERS)
        n = MAX_WORKERS;
    return (unsigned)n;
}

int
pipeline_run(struct pipeline_stats *st, struct acquire_source *src, struct acquire_sink *sink,
             const struct acquire_opts *o, uint64_t media_size, uint32_t chunk_sectors,
             int pad_to_sector, struct range_list *bad, struct custody_err *err)
{
    struct pipeline *p = calloc(1, sizeof(*p));
    pthread_t reader, writer, hashers[HASH_THREADS], workers[MAX_WORKERS];
    struct hash_arg hargs[HASH_THREADS];
    unsigned nworkers = 0, nhash = 0;
    int reader_up = 0, writer_up = 0, rc = 0;

    memset(st, 0, sizeof(*st));
    if (!p)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->src = src;
    p->sink = sink;
    p->media_size = media_size;
    p->pad = pad_to_sector;
    p->sector_size = src->sector_size;
    p->bad = bad;
    p->chunk_size = (size_t)chunk_sectors * src->sector_size;
    p->block_size = BLOCK_TARGET / p->chunk_size * p->chunk_size;
    if (p->block_size == 0)
        p->block_size = p->chunk_size;
    p->compressing = o->format == ACQUIRE_E01;
    p->use_deflate = p->compressing && o->compression != EWF_COMPRESSION_NONE;
    p->level = o->compression == EWF_COMPRESSION_BEST ? DEFLATE_BEST : DEFLATE_FAST;
    p->cslot = p->chunk_size + 64;
    size_t chunks = p->block_size / p->chunk_size;
    p->nslots = (int)(RING_BYTES / p->block_size);
    if (p->nslots > RING)
        p->nslots = RING;
    if (p->nslots < 2)
        p->nslots = 2;
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        if (posix_memalign((void **)&s->data, 4096, p->block_size) != 0) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (p->compressing) {
            s->cdata = malloc(chunks * p->cslot);
            s->csize = calloc(chunks, sizeof(size_t));
            s->sum = calloc(chunks, sizeof(uint32_t));
            if (!s->cdata || !s->csize || !s->sum) {
                rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
    }
    for (int a = 0; a < HASH_COUNT; a++)
        if ((rc = multihash_new(&p->mh[a], 1u << a, err)) < 0)
            goto out;

    /* Named threads, so that perf and top show which one waits or works. */
    if (pthread_create(&writer, NULL, writer_main, p) != 0)
        goto thread_fail;
    pthread_setname_np(writer, "acq-writer");
    writer_up = 1;
    for (; nhash < HASH_THREADS; nhash++) {
        char name[16];
        hargs[nhash].p = p;
        hargs[nhash].algos = hash_thread_algos((int)nhash);
        if (pthread_create(&hashers[nhash], NULL, hash_main, &hargs[nhash]) != 0)
            goto thread_fail;
        snprintf(name, sizeof(name), "acq-%s", hash_thread_name((int)nhash));
        pthread_setname_np(hashers[nhash], name);
    }
    if (p->compressing) {
        unsigned want = worker_count(o);
        for (; nworkers < want; nworkers++) {
            if (pthread_create(&workers[nworkers], NULL, worker_main, p) != 0)
                goto thread_fail;
            pthread_setname_np(workers[nworkers], "acq-deflate");
        }
    }
    if (pthread_create(&reader, NULL, reader_main, p) != 0)
        goto thread_fail;
    pthread_setname_np(reader, "acq-reader");
    reader_up = 1;

    /* Report progress while the threads work; wake at once when the reader ends. */
    int kicked = 0;
    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 250 * 1000 * 1000;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        lock(p);
        while (!p->reader_done && !custody_interrupted &&
               pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == 0)
            ;
        int done = p->reader_done;
        uint64_t bytes = p->bytes_read, badn = p->bad_sectors;
        unlock(p);
        /* The signal may have reached another thread while the reader waits on a
         * pipe: send it on, so its read returns EINTR and it stops. */
        if (custody_interrupted && !done && !kicked) {
            pthread_kill(reader, (int)custody_interrupted);
            kicked = 1;
        }
        if (o->progress)
            o->progress(o->progress_ctx, bytes, media_size, badn);
        if (done)
            break;
        if (kicked) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    goto join;

thread_fail:
    rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot start the acquisition threads");
    lock(p);
    p->stop = 1;
    if (!reader_up) {
        p->reader_done = 1;
        p->end_seq = 0;
    }
    pthread_cond_broadcast(&p->cv);
    unlock(p);
join:
    if (reader_up)
        pthread_join(reader, NULL);
    for (unsigned i = 0; i < nhash; i++)
        pthread_join(hashers[i], NULL);
    for (unsigned i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    if (writer_up)
        pthread_join(writer, NULL);
    if (rc < 0)
        goto out;

    st->bytes = p->bytes_read;
    st->written = sink_media_written(p->sink);
    st->interrupted = p->interrupted || (custody_interrupted && !p->complete);
    if (p->write_failed) {
        *err = p->write_err;
        st->failed = 1;
        rc = err->code ? err->code : CUSTODY_ERR_IO;
    } else if (p->read_failed) {
        *err = p->read_err;
        st->failed = 1;
        rc = err->code ? err->code : CUSTODY_ERR_IO;
    } else if (p->deflate_failed) {
        st->failed = 1;
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "cannot start the compressor");
    } else if (st->interrupted) {
        rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted by signal %d",
                             (int)custody_interrupted);
    } else {
        st->complete = p->complete;
        for (int a = 0; a < HASH_COUNT; a++) {
            char hex[HASH_COUNT][HASH_HEX_MAX];
            multihash_final(p->mh[a], hex);
            memcpy(st->hash[a], hex[a], HASH_HEX_MAX);
        }
    }
out:
    for (int a = 0; a < HASH_COUNT; a++)
        multihash_free(p->mh[a]);
    for (int i = 0; i < p->nslots; i++) {
        free(p->slots[i].data);
        free(p->slots[i].cdata);
        free(p->slots[i].csize);
        free(p->slots[i].sum);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    return rc;
}
