/* The outputs: an E01 set through the libewf adapter, or raw files written here
 * (BASE.raw, or BASE.000, BASE.001, ... when split). Created exclusively. Raw files
 * are written with O_DIRECT where the data is aligned (no copy into the page cache,
 * which costs more CPU than a hash), and the SHA-256 of each split file is computed
 * as it is written, so the manifest needs no second read of the image. */
#include "internal.h"

#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Start writeback of the output every 8 MiB (advisory: errors surface at fsync). */
#define RAW_WRITEBACK_BYTES (UINT64_C(8) << 20)

struct acquire_sink {
    enum acquire_format format;
    char *base;
    uint64_t media_written; /* media bytes the outputs hold: raw bytes, whole E01 chunks */
    struct ewf_writer *ewf;
    /* raw */
    int fd;
    int split;
    uint64_t segment_size, in_segment;
    uint64_t flushed;            /* bytes of the open segment whose writeback has been started */
    int direct;                  /* O_DIRECT is set on fd */
    int direct_ok;               /* the file system takes O_DIRECT */
    struct multihash *file_hash; /* split raw: SHA-256 of the open segment */
    char (*file_sha256)[HASH_HEX_MAX]; /* per path, "" when not computed */
    uint64_t *file_size;               /* per path: bytes written */
    /* e01 */
    uint64_t ewf_unflushed; /* chunk bytes handed to libewf since the last writeback */
    unsigned ewf_segment;   /* newest segment file seen (1 = BASE.E01) */
    unsigned segment;       /* index of the open raw segment */
    char **paths;
    size_t n_paths;
};

static void
sink_add_path(struct acquire_sink *k, const char *path)
{
    char **v = realloc(k->paths, (k->n_paths + 1) * sizeof(*v));
    if (!v || !(v[k->n_paths] = strdup(path)))
        abort();
    k->paths = v;
    char(*h)[HASH_HEX_MAX] = realloc(k->file_sha256, (k->n_paths + 1) * sizeof(*h));
    if (!h)
        abort();
    k->file_sha256 = h;
    h[k->n_paths][0] = '\0';
    uint64_t *sz = realloc(k->file_size, (k->n_paths + 1) * sizeof(*sz));
    if (!sz)
        abort();
    k->file_size = sz;
    sz[k->n_paths] = 0;
    k->n_paths++;
}

static void
raw_name(char *out, size_t size, const char *base, int split, unsigned idx)
{
    if (split)
        snprintf(out, size, "%s.%03u", base, idx);
    else
        snprintf(out, size, "%s.raw", base);
}

static int
raw_open_segment(struct acquire_sink *k, struct custody_err *err)
{
    char path[4200];
    int fd;

    raw_name(path, sizeof(path), k->base, k->split, k->segment);
    fd = io_create_exclusive(path, 0444, err);
    if (fd < 0)
        return fd;
    k->fd = fd;
    k->in_segment = 0;
    k->flushed = 0;
    k->direct = 0;
    sink_add_path(k, path);
    if (k->split) {
        int rc = multihash_new(&k->file_hash, HASH_F_SHA256, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The open segment is complete: its SHA-256 and size. */
static void
raw_end_segment(struct acquire_sink *k)
{
    k->file_size[k->n_paths - 1] = k->in_segment;
    if (k->file_hash) {
        char hex[HASH_COUNT][HASH_HEX_MAX];
        multihash_final(k->file_hash, hex);
        memcpy(k->file_sha256[k->n_paths - 1], hex[HASH_SHA256], HASH_HEX_MAX);
        multihash_free(k->file_hash);
        k->file_hash = NULL;
    }
}

/* Turn O_DIRECT on or off for the open segment. Off for good when the file system
 * refuses it. */
static void
raw_set_direct(struct acquire_sink *k, int on)
{
    int fl = fcntl(k->fd, F_GETFL);

    if (fl < 0 || fcntl(k->fd, F_SETFL, on ? (fl | O_DIRECT) : (fl & ~O_DIRECT)) < 0) {
        if (on)
            k->direct_ok = 0;
        return;
    }
    k->direct = on;
}

#define DIRECT_ALIGN 4096

/* Write n bytes at the end of the open segment: the aligned part directly, the rest
 * through the page cache. 0 or -1 with errno set. */
static int
raw_write(struct acquire_sink *k, const uint8_t *data, size_t n)
{
    while (n > 0) {
        size_t part = n;
        int aligned = k->direct_ok && (uintptr_t)data % DIRECT_ALIGN == 0 &&
                      k->in_segment % DIRECT_ALIGN == 0 && n >= DIRECT_ALIGN;
        if (aligned)
            part = n / DIRECT_ALIGN * DIRECT_ALIGN;
        if (aligned != k->direct) {
            raw_set_direct(k, aligned);
            if (aligned && !k->direct)
                continue; /* refused: buffered */
        }
        ssize_t w = write(k->fd, data, part);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EINVAL && k->direct) {
            /* The file system refused the direct write after all (nothing written). */
            k->direct_ok = 0;
            raw_set_direct(k, 0);
            continue;
        }
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        part = (size_t)w;
        data += part;
        n -= part;
        k->in_segment += part;
        k->media_written += part;
    }
    return 0;
}

int
sink_open(struct acquire_sink **out, const struct acquire_opts *o, uint64_t media_size,
          uint32_t sector_size, uint32_t chunk_sectors, const struct acquire_source *src,
          struct custody_err *err)
{
    struct acquire_sink *k = calloc(1, sizeof(*k));
    int rc;

    *out = NULL;
    if (!k || !(k->base = strdup(o->output))) {
        free(k);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    k->format = o->format;
    k->fd = -1;
    if (o->format == ACQUIRE_E01) {
        struct ewf_writer_opts w = {0};
        char version[64];
        snprintf(version, sizeof(version), "%s", CUSTODY_VERSION);
        w.base = o->output;
        w.media_size = media_size;
        w.bytes_per_sector = sector_size;
        w.sectors_per_chunk = chunk_sectors;
        w.segment_size = o->segment_size;
        w.compression = o->compression;
        w.physical = src->kind == SOURCE_BLOCK;
        w.case_number = o->case_number;
        w.evidence_number = o->evidence_number;
        w.examiner = o->examiner;
        w.description = o->description;
        w.notes = o->notes;
        w.model = src->model;
        w.serial_number = src->serial;
        w.software_version = version;
        if ((rc = ewf_writer_open(&k->ewf, &w, err)) < 0)
            goto fail;
    } else {
        k->split = o->segment_size_set;
        k->segment_size = o->segment_size;
        k->direct_ok = 1;
        if ((rc = raw_open_segment(k, err)) < 0)
            goto fail;
    }
    *out = k;
    return 0;
fail:
    sink_free(k);
    return rc;
}

int
sink_write_raw(struct acquire_sink *k, const uint8_t *data, size_t len, struct custody_err *err)
{
    char path[4200];

    while (len > 0) {
        size_t n = len;
        if (k->split && k->in_segment == k->segment_size) {
            raw_end_segment(k);
            if (fsync(k->fd) < 0 || close(k->fd) < 0) {
                k->fd = -1;
                raw_name(path, sizeof(path), k->base, 1, k->segment);
                return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                         "cannot write '%s'", path);
            }
            k->fd = -1;
            k->segment++;
            int rc = raw_open_segment(k, err);
            if (rc < 0)
                return rc;
        }
        if (k->split && n > k->segment_size - k->in_segment)
            n = (size_t)(k->segment_size - k->in_segment);
        if (k->file_hash)
            multihash_update(k->file_hash, data, n);
        if (raw_write(k, data, n) < 0) {
            int e = errno;
            raw_name(path, sizeof(path), k->base, k->split, k->segment);
            return custody_err_errno(err, custody_err_from_errno(e), e, "cannot write '%s'", path);
        }
        data += n;
        len -= n;
        /* Start writeback of what went through the page cache as we go, so the disk
         * works while we hash and the fsync that makes the image durable at the end
         * has little left to do (direct writes are on the disk already). */
        if (!k->direct && k->in_segment - k->flushed >= RAW_WRITEBACK_BYTES) {
            sync_file_range(k->fd, (off_t)k->flushed, (off_t)(k->in_segment - k->flushed),
                            SYNC_FILE_RANGE_WRITE);
            k->flushed = k->in_segment;
        }
    }
    return 0;
}

/* libewf keeps its segment files to itself and never syncs them: start writeback of
 * the newest one through a descriptor of our own (advisory; the fsync at the end
 * makes the image durable and reports errors). */
static void
ewf_writeback(struct acquire_sink *k)
{
    char path[4200];
    int fd;

    if (k->ewf_segment == 0)
        k->ewf_segment = 1;
    while (ewf_writer_segment_name(path, sizeof(path), k->base, k->ewf_segment + 1) == 0 &&
           access(path, F_OK) == 0)
        k->ewf_segment++;
    if (ewf_writer_segment_name(path, sizeof(path), k->base, k->ewf_segment) < 0)
        return;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    close(fd);
}

int
sink_write_chunk(struct acquire_sink *k, const void *data, size_t size, size_t data_size,
                 int compressed, uint32_t checksum, struct custody_err *err)
{
    int rc = ewf_writer_write_chunk(k->ewf, data, size, data_size, compressed, checksum, err);

    if (rc == 0)
        k->media_written += data_size;
    k->ewf_unflushed += size;
    if (rc == 0 && k->ewf_unflushed >= RAW_WRITEBACK_BYTES) {
        ewf_writeback(k);
        k->ewf_unflushed = 0;
    }
    return rc;
}

uint64_t
sink_media_written(const struct acquire_sink *k)
{
    return k->media_written;
}

/* The segment files libewf created: BASE.E01 up to the first missing name. */
static void
ewf_collect(struct acquire_sink *k)
{
    char path[4200];

    for (unsigned i = 1;; i++) {
        if (ewf_writer_segment_name(path, sizeof(path), k->base, i) < 0 || access(path, F_OK) != 0)
            break;
        sink_add_path(k, path);
    }
}

int
sink_close(struct acquire_sink *k, int finish, const struct range_list *bad,
           const char hash[HASH_COUNT][HASH_HEX_MAX], struct custody_err *err)
{
    int rc = 0;

    if (k->format == ACQUIRE_E01) {
        if (!k->ewf)
            return 0;
        if (finish) {
            for (size_t i = 0; rc == 0 && bad && i < bad->n; i++)
                rc = ewf_writer_add_error(k->ewf, bad->v[i].first_sector, bad->v[i].count, err);
            if (rc == 0)
                rc = ewf_writer_set_hashes(k->ewf, hash[HASH_MD5], hash[HASH_SHA1], err);
            if (rc == 0)
                rc = ewf_writer_finish(k->ewf, err);
        }
        if (!finish && bad && bad->n == 1 && bad->v[0].count > 0) {
            /* libewf 20140813 finalizes an image when it is closed: mark what was never
             * acquired as an acquiry error, so the partial image says so itself. */
            struct custody_err ignore = {0};
            ewf_writer_add_error(k->ewf, bad->v[0].first_sector, bad->v[0].count, &ignore);
        }
        ewf_writer_close(k->ewf);
        k->ewf = NULL;
        ewf_collect(k);
        /* libewf does not sync: make the finished segments durable before the manifest
         * says they exist. */
        for (size_t i = 0; rc == 0 && finish && i < k->n_paths; i++) {
            int fd = open(k->paths[i], O_RDONLY | O_CLOEXEC);
            if (fd < 0 || fsync(fd) < 0)
                rc = custody_err_errno(err, custody_err_from_errno(errno), errno,
                                       "cannot sync '%s'", k->paths[i]);
            if (fd >= 0)
                close(fd);
        }
        return rc;
    }
    if (k->fd >= 0) {
        if (finish)
            raw_end_segment(k);
        if (finish && fsync(k->fd) < 0)
            rc = custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot write '%s'",
                                   k->paths[k->n_paths - 1]);
        if (close(k->fd) < 0 && rc == 0 && finish)
            rc = custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot write '%s'",
                                   k->paths[k->n_paths - 1]);
        k->fd = -1;
    }
    return rc;
}

int
sink_files(struct acquire_sink *k, char ***paths, size_t *n)
{
    *paths = k->paths;
    *n = k->n_paths;
    return 0;
}

int
sink_file_sha256(const struct acquire_sink *k, size_t i, char hex[HASH_HEX_MAX], uint64_t *size)
{
    if (i >= k->n_paths || !k->file_sha256[i][0])
        return 0;
    memcpy(hex, k->file_sha256[i], HASH_HEX_MAX);
    *size = k->file_size[i];
    return 1;
}

void
sink_free(struct acquire_sink *k)
{
    if (!k)
        return;
    ewf_writer_close(k->ewf);
    if (k->fd >= 0)
        close(k->fd);
    for (size_t i = 0; i < k->n_paths; i++)
        free(k->paths[i]);
    free(k->paths);
    free(k->file_sha256);
    free(k->file_size);
    multihash_free(k->file_hash);
    free(k->base);
    free(k);
}

static void
add_if_exists(char ***v, size_t *n, const char *path)
{
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return;
    char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv || !(nv[*n] = strdup(path)))
        abort();
    *v = nv;
    (*n)++;
}

int
outputs_existing(const struct acquire_opts *o, char ***paths, size_t *n)
{
    static const char *const suffixes[] = {".raw", ".log", ".manifest", ".manifest.minisig",
                                           ".raw.partial"};
    char path[4200], partial[4300];

    *paths = NULL;
    *n = 0;
    /* Finished segments and those an interrupted run left (NAME.partial). */
    for (int p = 0; p < 2; p++) {
        for (unsigned i = 1; ewf_writer_segment_name(path, sizeof(path), o->output, i) == 0; i++) {
            snprintf(partial, sizeof(partial), "%s%s", path, p ? ".partial" : "");
            if (access(partial, F_OK) != 0)
                break;
            add_if_exists(paths, n, partial);
        }
        for (unsigned i = 0;; i++) {
            raw_name(path, sizeof(path), o->output, 1, i);
            snprintf(partial, sizeof(partial), "%s%s", path, p ? ".partial" : "");
            if (access(partial, F_OK) != 0)
                break;
            add_if_exists(paths, n, partial);
        }
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", o->output, suffixes[i]);
        add_if_exists(paths, n, path);
    }
    return 0;
}
