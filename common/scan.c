/* The parallel read-inflate-hash pipeline (see scan.h).
 * Jobs move through a ring: the reading thread fills a free slot (READ), a worker
 * inflates and checks its chunks (DECODED), and each of the three hash threads
 * consumes the slots strictly in order; the third to finish frees the slot. One
 * mutex and one condition variable: jobs are about 1 MiB, so contention is small. */
#include "scan.h"
#include "deflate.h"
#include "thread_prio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "codec.h"
#include "io.h"

#define RING 12
#define JOB_BYTES (1u << 20)
#define CHUNK_SLACK 1024 /* a stored chunk may exceed the chunk size by this much */

enum { SLOT_FREE, SLOT_READ, SLOT_DECODING, SLOT_DECODED };

struct chunk_ref {
    uint64_t off;    /* in the input buffer */
    uint32_t stored; /* bytes stored */
    uint32_t expect; /* media bytes */
    /* Most bytes it may hold: expect, except for the last chunk, where libewf keeps
     * the source's tail beyond the last whole sector (a source whose size is not a
     * multiple of the sector size); its stored hashes cover those bytes too. */
    uint32_t cap;
    int compressed;
    int missing;       /* could not be read in full */
    int fd;            /* segment file holding it */
    int dfd;           /* the same file opened with O_DIRECT, or -1 */
    uint64_t file_off; /* where in that file */
};

struct job {
    int state;
    int consumed;
    uint64_t seq;
    uint64_t first_chunk;
    size_t n_chunks;
    struct chunk_ref *refs;
    uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t out_len;
    /* the media bytes of each chunk, in order: in `out`, or in `in` for an
     * uncompressed chunk (hashed without a copy) */
    const uint8_t **ptrs;
    uint32_t *lens;
    const char **bad; /* per chunk: reason or NULL */
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job jobs[RING];
    uint64_t produced; /* jobs handed out so far */
    int producer_done;
    int abort;
    int workers;
    size_t chunk_size;
    size_t chunks_per_job;
    uint64_t sectors_per_chunk, bytes_per_sector;
    struct scan_result *res;
    struct multihash *mh[HASH_COUNT];
    uint8_t *zeros; /* chunk_size zero bytes (see struct zero_memo) */
};

void
scan_result_release(struct scan_result *r)
{
    if (!r)
        return;
    free(r->bad);
    memset(r, 0, sizeof(*r));
}

static void
record_bad(struct pipe *p, uint64_t chunk, const char *reason)
{
    struct scan_result *r = p->res;
    uint64_t first = chunk * p->sectors_per_chunk;

    r->bad_count++;
    if (r->n_bad < SCAN_BAD_KEEP) {
        struct scan_bad *b = &r->bad[r->n_bad++];
        b->chunk = chunk;
        b->first_sector = first;
        b->sectors = p->sectors_per_chunk;
        b->reason = reason;
    }
}

/* The last compressed chunk that inflated, checksum and all, to nothing but zeros:
 * the empty parts of a disk are thousands of byte-identical chunks, and inflating is
 * a pure function, so the same stored bytes give the same zeros again without
 * inflating them (a memcmp of some tens of bytes instead). */
#define ZERO_MEMO_MAX 512

struct zero_memo {
    uint8_t stream[ZERO_MEMO_MAX];
    uint32_t stored;      /* 0: nothing remembered */
    uint32_t out;         /* bytes of zeros it inflates to */
    const uint8_t *zeros; /* the pipe's chunk of zeros, hashed in place of the output */
};

static void
decode_job(struct codec_inflater *z, struct zero_memo *memo, struct job *j)
{
    size_t pos = 0;

    for (size_t i = 0; i < j->n_chunks; i++) {
        struct chunk_ref *c = &j->refs[i];
        uint8_t *dst = j->out + pos;
        const uint8_t *src = j->in + c->off;
        const uint8_t *ptr = dst; /* what the hash threads read */
        const char *reason = NULL;

        j->bad[i] = NULL;
        if (!c->missing && !c->compressed && c->stored >= 4 && c->stored - 4 > c->expect &&
            c->stored - 4 <= c->cap)
            c->expect = c->stored - 4; /* the last chunk's tail, see cap */
        if (c->missing) {
            reason = "chunk data missing (file truncated or unreadable)";
        } else if (c->compressed) {
            size_t got = 0;
            if (memo->stored && c->stored == memo->stored && memo->out <= c->cap &&
                memcmp(src, memo->stream, memo->stored) == 0) {
                ptr = memo->zeros; /* hashed from there: not even a memset */
                got = memo->out;
            } else if (codec_inflate(z, dst, c->cap, &got, src, c->stored, &reason) == 0 &&
                       c->stored <= ZERO_MEMO_MAX && chunk_all_zero(dst, got)) {
                memcpy(memo->stream, src, c->stored);
                memo->stored = c->stored;
                memo->out = (uint32_t)got;
            }
            if (!reason) {
                if (got < c->expect)
                    reason = "chunk decompresses to fewer bytes than the chunk holds";
                else
                    c->expect = (uint32_t)got; /* see cap */
            }
        } else if (c->stored != c->expect + 4) {
            reason = "uncompressed chunk has the wrong size";
        } else {
            uint32_t want = (uint32_t)src[c->expect] | (uint32_t)src[c->expect + 1] << 8 |
                            (uint32_t)src[c->expect + 2] << 16 | (uint32_t)src[c->expect + 3] << 24;
            /* hashed straight from the input buffer: no copy */
            ptr = src;
            if (chunk_adler32(src, c->expect) != want)
                reason = "chunk checksum (Adler-32) mismatch";
        }
        if (reason) {
            /* An uncompressed chunk whose checksum failed is hashed as stored (as
             * ewfverify does); data that cannot be decoded is hashed as zeros. */
            if (c->compressed || c->missing || c->stored != c->expect + 4) {
                memset(dst, 0, c->expect);
                ptr = dst;
            }
            j->bad[i] = reason;
        }
        j->ptrs[i] = ptr;
        j->lens[i] = c->expect;
        pos += c->expect;
    }
    j->out_len = pos;
}

struct worker_arg {
    struct pipe *p;
    struct codec_inflater *z;
    struct zero_memo memo;
};

static void *
worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct pipe *p = wa->p;

    thread_prio_helper();

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct job *j = NULL;
        uint64_t best = UINT64_MAX;
        for (int i = 0; i < RING; i++)
            if (p->jobs[i].state == SLOT_READ && p->jobs[i].seq < best) {
                best = p->jobs[i].seq;
                j = &p->jobs[i];
            }
        if (!j) {
            if (p->producer_done || p->abort)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        j->state = SLOT_DECODING;
        pthread_mutex_unlock(&p->mu);
        decode_job(wa->z, &wa->memo, j);
        pthread_mutex_lock(&p->mu);
        for (size_t i = 0; i < j->n_chunks; i++)
            if (j->bad[i])
                record_bad(p, j->first_chunk + i, j->bad[i]);
        j->state = SLOT_DECODED;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* hash threads: hash_thread_algos */
#define SCAN_HASHERS HASH_THREADS

struct hasher_arg {
    struct pipe *p;
    unsigned algos; /* HASH_F_* */
};

static void *
hasher_main(void *arg)
{
    struct hasher_arg *ha = arg;
    struct pipe *p = ha->p;
    uint64_t seq = 0;

    if (!(ha->algos & HASH_F_MD5))
        thread_prio_helper();

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct job *j = &p->jobs[seq % RING];
        if (p->abort)
            break;
        if (j->state == SLOT_DECODED && j->seq == seq) {
            pthread_mutex_unlock(&p->mu);
            for (size_t i = 0; i < j->n_chunks; i++)
                multihash_update_each(p->mh, ha->algos, j->ptrs[i], j->lens[i]);
            pthread_mutex_lock(&p->mu);
            if (++j->consumed == SCAN_HASHERS) {
                p->res->bytes += j->out_len; /* counted once, by whoever frees the slot */
                j->state = SLOT_FREE;
                pthread_cond_broadcast(&p->cv);
            }
            seq++;
            continue;
        }
        if (p->producer_done && seq >= p->produced)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Wait for slot seq % RING to be free and return it (NULL when aborted). */
static struct job *
claim_slot(struct pipe *p, uint64_t seq)
{
    struct job *j = &p->jobs[seq % RING];

    pthread_mutex_lock(&p->mu);
    while (j->state != SLOT_FREE && !p->abort)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    if (p->abort)
        return NULL;
    j->seq = seq;
    j->consumed = 0;
    j->n_chunks = 0;
    j->in_len = 0;
    j->out_len = 0;
    return j;
}

static void
publish(struct pipe *p, struct job *j, int state)
{
    pthread_mutex_lock(&p->mu);
    j->state = state;
    p->produced = j->seq + 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Start workers and hashers; the caller then produces and calls pipe_finish. */
struct running {
    pthread_t workers[64];
    struct worker_arg wargs[64];
    int n_workers;
    pthread_t hashers[SCAN_HASHERS];
    struct hasher_arg hargs[SCAN_HASHERS];
    int n_hashers;
};

static int
pipe_init(struct pipe *p, struct scan_result *res, size_t chunk_size, size_t chunks_per_job,
          size_t in_per_job, struct custody_err *err)
{
    memset(p, 0, sizeof(*p));
    p->res = res;
    p->chunk_size = chunk_size;
    p->chunks_per_job = chunks_per_job;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    res->bad = calloc(SCAN_BAD_KEEP, sizeof(*res->bad));
    p->zeros = calloc(1, chunk_size);
    if (!res->bad || !p->zeros)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (int i = 0; i < HASH_COUNT; i++) {
        int rc = multihash_new(&p->mh[i], 1u << i, err);
        if (rc < 0)
            return rc;
    }
    for (int i = 0; i < RING; i++) {
        struct job *j = &p->jobs[i];
        j->refs = calloc(chunks_per_job, sizeof(*j->refs));
        j->bad = calloc(chunks_per_job, sizeof(*j->bad));
        if (posix_memalign((void **)&j->out, IO_DIRECT_ALIGN, chunk_size * chunks_per_job) != 0)
            j->out = NULL;
        j->ptrs = calloc(chunks_per_job, sizeof(*j->ptrs));
        j->lens = calloc(chunks_per_job, sizeof(*j->lens));
        if (!j->ptrs || !j->lens)
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        j->in = NULL;
        if (in_per_job && posix_memalign((void **)&j->in, IO_DIRECT_ALIGN, in_per_job) != 0)
            j->in = NULL;
        if (!j->refs || !j->bad || !j->out || (in_per_job && !j->in))
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    return 0;
}

static void
pipe_destroy(struct pipe *p)
{
    free(p->zeros);
    for (int i = 0; i < HASH_COUNT; i++)
        multihash_free(p->mh[i]);
    for (int i = 0; i < RING; i++) {
        free(p->jobs[i].refs);
        free(p->jobs[i].bad);
        free(p->jobs[i].out);
        free(p->jobs[i].ptrs);
        free(p->jobs[i].lens);
        free(p->jobs[i].in);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

static int
pipe_start(struct pipe *p, struct running *rn, int workers, struct custody_err *err)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    memset(rn, 0, sizeof(*rn));
    if (workers <= 0)
        workers = cpus > 0 ? (int)cpus : 2;
    if (workers > 64)
        workers = 64;
    for (int i = 0; i < workers; i++) {
        int rc = codec_inflater_new(&rn->wargs[i].z, err);
        if (rc < 0)
            return rc;
        rn->wargs[i].p = p;
        rn->wargs[i].memo.zeros = p->zeros;
        if (pthread_create(&rn->workers[i], NULL, worker_main, &rn->wargs[i]) != 0) {
            codec_inflater_free(rn->wargs[i].z);
            rn->wargs[i].z = NULL;
            return custody_err_set(err, CUSTODY_ERR, "cannot start a thread");
        }
        pthread_setname_np(rn->workers[i], "verify-inflate");
        rn->n_workers++;
    }
    for (int i = 0; i < SCAN_HASHERS; i++) {
        rn->hargs[i].p = p;
        char name[16];
        rn->hargs[i].algos = hash_thread_algos(i);
        if (pthread_create(&rn->hashers[i], NULL, hasher_main, &rn->hargs[i]) != 0)
            return custody_err_set(err, CUSTODY_ERR, "cannot start a thread");
        snprintf(name, sizeof(name), "verify-%s", hash_thread_name(i));
        pthread_setname_np(rn->hashers[i], name);
        rn->n_hashers++;
    }
    return 0;
}

/* End production (abort when failed), join everything, take the digests. */
static void
pipe_finish(struct pipe *p, struct running *rn, int failed)
{
    pthread_mutex_lock(&p->mu);
    p->producer_done = 1;
    if (failed)
        p->abort = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < rn->n_workers; i++) {
        pthread_join(rn->workers[i], NULL);
        codec_inflater_free(rn->wargs[i].z);
    }
    for (int i = 0; i < rn->n_hashers; i++)
        pthread_join(rn->hashers[i], NULL);
    if (!failed) {
        char hex[HASH_COUNT][HASH_HEX_MAX];
        for (int i = 0; i < HASH_COUNT; i++) {
            multihash_final(p->mh[i], hex);
            memcpy(p->res->computed[i], hex[i], HASH_HEX_MAX);
        }
    }
}

static int
cmp_bad(const void *a, const void *b)
{
    const struct scan_bad *x = a, *y = b;
    return x->chunk < y->chunk ? -1 : x->chunk > y->chunk;
}

/* Read the stored chunks of a job: runs of chunks that follow each other in one
 * file (the usual case: a table's chunks are contiguous) in one pread each. A run
 * is read with O_DIRECT when its file allows it, from the aligned block before it
 * to the aligned block after it (scan_ewf placed it in the buffer so that this
 * block lands aligned): no copy through the page cache, which costs more CPU than
 * the inflating and the checksums together. */
static int
read_job(struct job *j, const struct ewf_layout *l, struct custody_err *err)
{
    size_t i = 0;

    while (i < j->n_chunks) {
        struct chunk_ref *c = &j->refs[i];
        size_t k = i + 1, len, valid;
        ssize_t n = -1;

        if (c->missing || c->stored == 0) {
            i++;
            continue;
        }
        len = c->stored;
        while (k < j->n_chunks && !j->refs[k].missing && j->refs[k].stored &&
               j->refs[k].fd == c->fd && j->refs[k].file_off == c->file_off + len &&
               j->refs[k].off == c->off + len) {
            len += j->refs[k].stored;
            k++;
        }
        size_t head = (size_t)(c->file_off % IO_DIRECT_ALIGN);
        if (c->dfd >= 0 && c->off >= head && (c->off - head) % IO_DIRECT_ALIGN == 0) {
            size_t want = (head + len + IO_DIRECT_ALIGN - 1) / IO_DIRECT_ALIGN * IO_DIRECT_ALIGN;
            n = io_pread_full(c->dfd, j->in + c->off - head, want, c->file_off - head);
            if (n >= 0)
                n = (size_t)n > head ? (ssize_t)((size_t)n - head) : 0;
            else if (errno != EINVAL)
                goto fail;
        }
        if (n < 0) /* no O_DIRECT here (or refused): through the page cache */
            n = io_pread_full(c->fd, j->in + c->off, len, c->file_off);
        if (n < 0)
            goto fail;
        valid = (size_t)n < len ? (size_t)n : len;
        /* a short read (the file shrank under us): what is missing is missing */
        for (size_t m = i; m < k; m++)
            if (j->refs[m].off + j->refs[m].stored > c->off + valid)
                j->refs[m].missing = 1;
        i = k;
        continue;
    fail : {
        const char *path = "?";
        for (size_t s = 0; s < l->n_segments; s++)
            if (l->segments[s].fd == c->fd)
                path = l->segments[s].path;
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s' at offset %llu",
                                 path, (unsigned long long)c->file_off);
    }
    }
    return 0;
}

int
scan_ewf(struct scan_result *res, const struct ewf_layout *l, const struct scan_options *opt,
         struct custody_err *err)
{
    struct pipe p;
    struct running rn;
    size_t chunk_size = (size_t)l->sectors_per_chunk * l->bytes_per_sector;
    size_t per_job, in_per_job;
    uint64_t seq = 0, chunk = 0, done_bytes = 0;
    uint8_t *entries = NULL;
    struct job *j = NULL;
    double t0 = custody_mono_seconds();
    int rc = 0, started = 0, *dfds = NULL;

    memset(res, 0, sizeof(*res));
    if (!l->data_complete || chunk_size == 0 || chunk_size > (64u << 20))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "the image's chunks cannot be located");
    per_job = JOB_BYTES / chunk_size;
    if (per_job == 0)
        per_job = 1;
    /* Each run of chunks may start up to two aligned blocks further (see read_job). */
    in_per_job = per_job * (chunk_size + CHUNK_SLACK + 2 * IO_DIRECT_ALIGN) + IO_DIRECT_ALIGN;
    dfds = calloc(l->n_segments ? l->n_segments : 1, sizeof(*dfds));
    if (!dfds)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < l->n_segments; s++)
        dfds[s] = l->segments[s].fd >= 0
                      ? open(l->segments[s].path, O_RDONLY | O_CLOEXEC | O_DIRECT)
                      : -1;
    rc = pipe_init(&p, res, chunk_size, per_job, in_per_job, err);
    if (rc < 0)
        goto out;
    p.sectors_per_chunk = l->sectors_per_chunk;
    p.bytes_per_sector = l->bytes_per_sector;
    rc = pipe_start(&p, &rn, opt ? opt->workers : 0, err);
    started = 1;
    if (rc < 0)
        goto out;
    for (size_t t = 0; t < l->n_tables && rc == 0; t++) {
        const struct ewf_table *tb = &l->tables[t];
        const struct ewf_segment *s = &l->segments[tb->segment];
        uint8_t *grown = realloc(entries, (size_t)tb->entries * 4 + 4);
        if (!grown) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            break;
        }
        entries = grown;
        if (io_pread_full(s->fd, entries, (size_t)tb->entries * 4, tb->entries_at) !=
            (ssize_t)tb->entries * 4) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno ? errno : EIO,
                                   "cannot read '%s' at offset %llu", s->path,
                                   (unsigned long long)tb->entries_at);
            break;
        }
        for (uint32_t i = 0; i < tb->entries; i++, chunk++) {
            uint32_t e = io_le32(entries + 4 * i);
            uint64_t off = tb->base + (e & 0x7fffffffu);
            uint64_t end = i + 1 < tb->entries
                               ? tb->base + (io_le32(entries + 4 * (i + 1)) & 0x7fffffffu)
                               : tb->data_end;
            uint64_t media_off = chunk * chunk_size;
            uint64_t expect =
                l->media_size - media_off < chunk_size ? l->media_size - media_off : chunk_size;
            struct chunk_ref *c;

            if (custody_interrupted) {
                rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
                break;
            }
            if (!j) {
                j = claim_slot(&p, seq);
                if (!j) {
                    rc = custody_err_set(err, CUSTODY_ERR, "scan aborted");
                    break;
                }
                j->first_chunk = chunk;
            }
            c = &j->refs[j->n_chunks++];
            c->off = j->in_len;
            c->expect = (uint32_t)expect;
            c->cap = chunk + 1 == l->chunk_count ? (uint32_t)chunk_size : (uint32_t)expect;
            c->compressed = (e & 0x80000000u) != 0;
            c->missing = 0;
            if (end <= off || end - off > chunk_size + CHUNK_SLACK) {
                c->stored = 0;
                c->missing = 1;
            } else {
                c->stored = (uint32_t)(end - off);
                c->fd = s->fd;
                c->dfd = dfds[tb->segment];
                c->file_off = off;
                struct chunk_ref *prev = j->n_chunks > 1 ? c - 1 : NULL;
                if (!prev || prev->missing || prev->fd != c->fd ||
                    prev->file_off + prev->stored != off) {
                    /* A new run: place it so its aligned block lands aligned. */
                    size_t at =
                        (j->in_len + IO_DIRECT_ALIGN - 1) / IO_DIRECT_ALIGN * IO_DIRECT_ALIGN;
                    j->in_len = at + (size_t)(off % IO_DIRECT_ALIGN);
                }
                c->off = j->in_len;
                j->in_len += c->stored;
            }
            done_bytes += expect;
            if (j->n_chunks == per_job) {
                if ((rc = read_job(j, l, err)) < 0)
                    break;
                publish(&p, j, SLOT_READ);
                j = NULL;
                seq++;
                if (opt && opt->progress)
                    opt->progress(opt->progress_ctx, done_bytes, l->media_size);
            }
        }
    }
    if (rc == 0 && j) {
        if ((rc = read_job(j, l, err)) == 0) {
            publish(&p, j, SLOT_READ);
            j = NULL;
        }
    }
    res->chunks = chunk;
out:
    if (started)
        pipe_finish(&p, &rn, rc < 0);
    if (res->bad)
        qsort(res->bad, res->n_bad, sizeof(*res->bad), cmp_bad);
    if (rc == 0 && (res->bytes < l->media_size || res->bytes - l->media_size >= chunk_size))
        rc = custody_err_set(err, CUSTODY_ERR, "internal error: hashed %llu of %llu bytes",
                             (unsigned long long)res->bytes, (unsigned long long)l->media_size);
    res->seconds = custody_mono_seconds() - t0;
    pipe_destroy(&p);
    free(entries);
    for (size_t s = 0; s < l->n_segments; s++)
        if (dfds[s] >= 0)
            close(dfds[s]);
    free(dfds);
    return rc;
}

int
scan_raw(struct scan_result *res, const char *const *paths, size_t n,
         const struct scan_options *opt, struct custody_err *err)
{
    struct pipe p;
    struct running rn;
    uint64_t seq = 0, total = 0, done_bytes = 0;
    double t0 = custody_mono_seconds();
    struct io_seq_reader r = {-1, -1, 0};
    int rc = 0, started = 0;

    memset(res, 0, sizeof(*res));
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0)
            total += (uint64_t)st.st_size;
    }
    rc = pipe_init(&p, res, JOB_BYTES, 1, 0, err);
    if (rc < 0)
        goto out;
    rc = pipe_start(&p, &rn, 1, err);
    started = 1;
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* O_DIRECT where the file system allows it: no copy through the page cache. */
        if ((rc = io_seq_open(&r, paths[i], err)) < 0)
            break;
        for (;;) {
            struct job *j;
            ssize_t got;
            if (custody_interrupted) {
                rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
                break;
            }
            j = claim_slot(&p, seq);
            if (!j) {
                rc = custody_err_set(err, CUSTODY_ERR, "scan aborted");
                break;
            }
            got = io_seq_read(&r, j->out, JOB_BYTES);
            if (got < 0) {
                rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'", paths[i]);
                break;
            }
            if (got == 0)
                break; /* slot stays free, seq unchanged */
            j->out_len = (size_t)got;
            j->n_chunks = 1;
            j->ptrs[0] = j->out;
            j->lens[0] = (uint32_t)got;
            publish(&p, j, SLOT_DECODED);
            seq++;
            done_bytes += (uint64_t)got;
            if (opt && opt->progress)
                opt->progress(opt->progress_ctx, done_bytes, total);
        }
        io_seq_close(&r);
    }
out:
    io_seq_close(&r);
    if (started)
        pipe_finish(&p, &rn, rc < 0);
    res->seconds = custody_mono_seconds() - t0;
    pipe_destroy(&p);
    return rc;
}
