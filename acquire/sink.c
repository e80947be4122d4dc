/* The outputs: an E01 set through the libewf adapter, or raw files written here
 * (BASE.raw, or BASE.000, BASE.001, ... when split). Created exclusively. */
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
    struct ewf_writer *ewf;
    /* raw */
    int fd;
    int split;
    uint64_t segment_size, in_segment;
    uint64_t flushed; /* bytes of the open segment whose writeback has been started */
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
    sink_add_path(k, path);
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
        if (io_write_full(k->fd, data, n) < 0) {
            int e = errno;
            raw_name(path, sizeof(path), k->base, k->split, k->segment);
            return custody_err_errno(err, custody_err_from_errno(e), e, "cannot write '%s'", path);
        }
        k->in_segment += n;
        data += n;
        len -= n;
        /* Start writeback as we go, so the disk works while we hash and the fsync
         * that makes the image durable at the end has little left to do. */
        if (k->in_segment - k->flushed >= RAW_WRITEBACK_BYTES) {
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

    k->ewf_unflushed += size;
    if (rc == 0 && k->ewf_unflushed >= RAW_WRITEBACK_BYTES) {
        ewf_writeback(k);
        k->ewf_unflushed = 0;
    }
    return rc;
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
    static const char *const suffixes[] = {".raw", ".log", ".manifest", ".manifest.minisig"};
    char path[4200];

    *paths = NULL;
    *n = 0;
    for (unsigned i = 1; ewf_writer_segment_name(path, sizeof(path), o->output, i) == 0; i++) {
        if (access(path, F_OK) != 0)
            break;
        add_if_exists(paths, n, path);
    }
    for (unsigned i = 0;; i++) {
        raw_name(path, sizeof(path), o->output, 1, i);
        if (access(path, F_OK) != 0)
            break;
        add_if_exists(paths, n, path);
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", o->output, suffixes[i]);
        add_if_exists(paths, n, path);
    }
    return 0;
}
