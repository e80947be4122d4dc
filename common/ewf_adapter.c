/* libewf adapter. */
#include "ewf_adapter.h"
#include "ewf_layout.h"
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

const char *
ewf_version(void)
{
    return libewf_get_version();
}

/* Append the first line of a libewf error to the message already in err, free it,
 * and return err's code. */
static int
ewf_fail(struct custody_err *err, libewf_error_t **lerr)
{
    char buf[512] = "";

    if (lerr && *lerr) {
        libewf_error_sprint(*lerr, buf, sizeof(buf));
        libewf_error_free(lerr);
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = '\0';
    }
    if (!err)
        return CUSTODY_ERR_LIB;
    if (buf[0]) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", buf);
    }
    return err->code;
}

int
ewf_is_segment(const char *path, struct custody_err *err)
{
    static const uint8_t evf[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    static const uint8_t lvf[8] = {'L', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    uint8_t sig[8];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                 path);
    n = read(fd, sig, sizeof(sig));
    close(fd);
    if (n < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'", path);
    return n == 8 && (!memcmp(sig, evf, 8) || !memcmp(sig, lvf, 8));
}

struct ewf_reader {
    libewf_handle_t *handle;
    char **names;
    int count;
    int globbed; /* names came from libewf_glob */
};

void
ewf_reader_close(struct ewf_reader *r)
{
    if (!r)
        return;
    if (r->handle) {
        libewf_handle_close(r->handle, NULL);
        libewf_handle_free(&r->handle, NULL);
    }
    if (r->globbed) {
        libewf_glob_free(r->names, r->count, NULL);
    } else if (r->names) {
        for (int i = 0; i < r->count; i++)
            free(r->names[i]);
        free(r->names);
    }
    free(r);
}

int
ewf_reader_open(struct ewf_reader **out, const char *const *paths, int npaths,
                struct custody_err *err)
{
    libewf_error_t *lerr = NULL;
    struct ewf_reader *r;
    int rc;

    *out = NULL;
    if (npaths < 1)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no image files given");
    r = calloc(1, sizeof(*r));
    if (!r)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (int i = 0; i < npaths; i++) {
        rc = ewf_is_segment(paths[i], err);
        if (rc < 0)
            goto fail;
        if (rc == 0) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s' is not an EWF segment file",
                                 paths[i]);
            goto fail;
        }
    }
    if (npaths == 1) {
        if (libewf_glob(paths[0], strlen(paths[0]), LIBEWF_FORMAT_UNKNOWN, &r->names, &r->count,
                        &lerr) != 1) {
            custody_err_set(err, CUSTODY_ERR_LIB, "cannot find the segments of '%s'", paths[0]);
            rc = ewf_fail(err, &lerr);
            goto fail;
        }
        r->globbed = 1;
    } else {
        r->names = calloc((size_t)npaths, sizeof(char *));
        if (!r->names) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (int i = 0; i < npaths; i++) {
            r->names[i] = strdup(paths[i]);
            if (!r->names[i]) {
                rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
                goto fail;
            }
            r->count++;
        }
    }
    if (libewf_handle_initialize(&r->handle, &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot initialise libewf for '%s'", paths[0]);
        rc = ewf_fail(err, &lerr);
        goto fail;
    }
    if (libewf_handle_open(r->handle, r->names, r->count, LIBEWF_OPEN_READ, &lerr) != 1) {
        libewf_handle_free(&r->handle, NULL);
        custody_err_set(err, CUSTODY_ERR_FORMAT, "cannot open EWF image '%s'", paths[0]);
        rc = ewf_fail(err, &lerr);
        goto fail;
    }
    *out = r;
    return 0;
fail:
    ewf_reader_close(r);
    return rc;
}

int
ewf_reader_media(const struct ewf_reader *r, struct ewf_media *m)
{
    size64_t size = 0;
    uint32_t bps = 0, spc = 0;
    uint64_t sectors = 0;

    memset(m, 0, sizeof(*m));
    if (libewf_handle_get_media_size(r->handle, &size, NULL) != 1 ||
        libewf_handle_get_bytes_per_sector(r->handle, &bps, NULL) != 1 ||
        libewf_handle_get_sectors_per_chunk(r->handle, &spc, NULL) != 1 ||
        libewf_handle_get_number_of_sectors(r->handle, &sectors, NULL) != 1)
        return CUSTODY_ERR_LIB;
    m->media_size = size;
    m->bytes_per_sector = bps;
    m->sectors_per_chunk = spc;
    m->sector_count = sectors;
    return 0;
}

int
ewf_reader_segments(const struct ewf_reader *r, const char *const **names, int *count)
{
    *names = (const char *const *)r->names;
    *count = r->count;
    return 0;
}

ssize_t
ewf_reader_read(struct ewf_reader *r, void *buf, size_t len, uint64_t offset,
                struct custody_err *err)
{
    libewf_error_t *lerr = NULL;
    ssize_t n = libewf_handle_read_random(r->handle, buf, len, (off64_t)offset, &lerr);

    if (n < 0) {
        char where[64];
        snprintf(where, sizeof(where), "%llu", (unsigned long long)offset);
        custody_err_set(err, CUSTODY_ERR_IO, "cannot read EWF image at offset %s", where);
        return ewf_fail(err, &lerr);
    }
    return n;
}

int
ewf_reader_stored_hash(struct ewf_reader *r, const char *name, char *hex, size_t hexsize)
{
    uint8_t value[256];

    if (libewf_handle_get_utf8_hash_value(r->handle, (const uint8_t *)name, strlen(name), value,
                                          sizeof(value), NULL) != 1)
        return 0;
    snprintf(hex, hexsize, "%s", (const char *)value);
    for (char *p = hex; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p + 32);
    return hex[0] != '\0';
}

int
ewf_reader_header(struct ewf_reader *r, const char *name, char *value, size_t size)
{
    if (size == 0)
        return 0;
    value[0] = '\0';
    if (libewf_handle_get_utf8_header_value(r->handle, (const uint8_t *)name, strlen(name),
                                            (uint8_t *)value, size, NULL) != 1)
        return 0;
    return 1;
}

typedef int (*ewf_count_fn)(libewf_handle_t *, uint32_t *, libewf_error_t **);
typedef int (*ewf_range_fn)(libewf_handle_t *, uint32_t, uint64_t *, uint64_t *, libewf_error_t **);

static int
ewf_ranges(struct ewf_reader *r, ewf_count_fn count_fn, ewf_range_fn range_fn, uint64_t **ranges,
           size_t *count, struct custody_err *err)
{
    uint32_t n = 0;
    uint64_t *v;

    *ranges = NULL;
    *count = 0;
    if (count_fn(r->handle, &n, NULL) != 1)
        return custody_err_set(err, CUSTODY_ERR_LIB, "cannot list error ranges of EWF image");
    if (n == 0)
        return 0;
    v = calloc((size_t)n * 2, sizeof(uint64_t));
    if (!v)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (range_fn(r->handle, i, &v[2 * i], &v[2 * i + 1], NULL) != 1) {
            free(v);
            return custody_err_set(err, CUSTODY_ERR_LIB, "cannot read error range %u", i);
        }
    }
    *ranges = v;
    *count = n;
    return 0;
}

int
ewf_reader_acquiry_errors(struct ewf_reader *r, uint64_t **ranges, size_t *count,
                          struct custody_err *err)
{
    return ewf_ranges(r, libewf_handle_get_number_of_acquiry_errors,
                      libewf_handle_get_acquiry_error, ranges, count, err);
}

int
ewf_reader_checksum_errors(struct ewf_reader *r, uint64_t **ranges, size_t *count,
                           struct custody_err *err)
{
    return ewf_ranges(r, libewf_handle_get_number_of_checksum_errors,
                      libewf_handle_get_checksum_error, ranges, count, err);
}

/* ======================================================================
 * Writing (custody-acquire). libewf 20140813 has no locking: the one writer
 * thread of the acquisition pipeline owns the handle from open to close.
 * ====================================================================== */

struct ewf_writer {
    libewf_handle_t *handle;
    char *base;
    int finished;
};

uint64_t
ewf_chunk_count(uint64_t media_size, uint32_t bytes_per_sector, uint32_t spc)
{
    uint64_t chunk = (uint64_t)spc * bytes_per_sector;

    if (chunk == 0)
        return 0;
    return media_size / chunk + (media_size % chunk != 0);
}

uint32_t
ewf_choose_sectors_per_chunk(uint64_t media_size, uint32_t bytes_per_sector, uint32_t requested)
{
    uint32_t spc = requested ? requested : 64;

    if (bytes_per_sector == 0)
        return 0;
    for (uint32_t s = spc; s <= 32768; s *= 2)
        if (ewf_chunk_count(media_size, bytes_per_sector, s) <= EWF_BUDGET_CHUNKS)
            return s;
    /* Over 256 TiB at 512-byte sectors: the largest chunk, if libewf can write it. */
    if (spc <= 32768 && ewf_chunk_count(media_size, bytes_per_sector, 32768) <= EWF_MAX_CHUNKS)
        return 32768;
    return 0;
}

int
ewf_writer_segment_name(char *out, size_t size, const char *base, unsigned idx)
{
    if (idx == 0 || (idx > 99 && idx - 100 >= 22u * 26 * 26)) /* E..Z as the first letter */
        return CUSTODY_ERR_USAGE;
    if (strlen(base) + 5 > size) /* ".E01" and the NUL */
        return CUSTODY_ERR_USAGE;
    ewf_segment_name(out, size, base, 'E', idx);
    return 0;
}

static int
ewf_set_header(struct ewf_writer *w, const char *name, const char *value, struct custody_err *err)
{
    libewf_error_t *lerr = NULL;

    if (!value || !*value)
        return 0;
    if (libewf_handle_set_utf8_header_value(w->handle, (const uint8_t *)name, strlen(name),
                                            (const uint8_t *)value, strlen(value), &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot set EWF header value '%s'", name);
        return ewf_fail(err, &lerr);
    }
    return 0;
}

void
ewf_writer_close(struct ewf_writer *w)
{
    if (!w)
        return;
    if (w->handle) {
        libewf_handle_close(w->handle, NULL);
        libewf_handle_free(&w->handle, NULL);
    }
    free(w->base);
    free(w);
}

int
ewf_writer_open(struct ewf_writer **out, const struct ewf_writer_opts *o, struct custody_err *err)
{
    static const int8_t levels[] = {LIBEWF_COMPRESSION_NONE, LIBEWF_COMPRESSION_FAST,
                                    LIBEWF_COMPRESSION_BEST};
    libewf_error_t *lerr = NULL;
    struct ewf_writer *w;
    char first[4096];
    char *names[1];
    int rc;

    *out = NULL;
    if (ewf_writer_segment_name(first, sizeof(first), o->base, 1) < 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "output name '%s' is too long", o->base);
    if (access(first, F_OK) == 0)
        return custody_err_set(err, CUSTODY_ERR_EXISTS, "'%s' exists", first);
    w = calloc(1, sizeof(*w));
    if (!w || !(w->base = strdup(o->base))) {
        free(w);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    if (libewf_handle_initialize(&w->handle, &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot initialise libewf");
        rc = ewf_fail(err, &lerr);
        goto fail;
    }
    names[0] = w->base;
    if (libewf_handle_open(w->handle, names, 1, LIBEWF_OPEN_WRITE, &lerr) != 1) {
        libewf_handle_free(&w->handle, NULL);
        custody_err_set(err, CUSTODY_ERR_IO, "cannot create EWF image '%s'", first);
        rc = ewf_fail(err, &lerr);
        goto fail;
    }
    if (libewf_handle_set_format(w->handle, LIBEWF_FORMAT_ENCASE6, &lerr) != 1 ||
        libewf_handle_set_bytes_per_sector(w->handle, o->bytes_per_sector, &lerr) != 1 ||
        libewf_handle_set_sectors_per_chunk(w->handle, o->sectors_per_chunk, &lerr) != 1 ||
        (o->media_size && libewf_handle_set_media_size(w->handle, o->media_size, &lerr) != 1) ||
        libewf_handle_set_maximum_segment_size(w->handle, o->segment_size, &lerr) != 1 ||
        libewf_handle_set_compression_values(w->handle, levels[o->compression], 0, &lerr) != 1 ||
        libewf_handle_set_media_type(w->handle, LIBEWF_MEDIA_TYPE_FIXED, &lerr) != 1 ||
        libewf_handle_set_media_flags(w->handle, o->physical ? LIBEWF_MEDIA_FLAG_PHYSICAL : 0,
                                      &lerr) != 1 ||
        libewf_handle_set_error_granularity(w->handle, 1, &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot set EWF media values for '%s'", first);
        rc = ewf_fail(err, &lerr);
        goto fail;
    }
    if ((rc = ewf_set_header(w, "case_number", o->case_number, err)) < 0 ||
        (rc = ewf_set_header(w, "evidence_number", o->evidence_number, err)) < 0 ||
        (rc = ewf_set_header(w, "examiner_name", o->examiner, err)) < 0 ||
        (rc = ewf_set_header(w, "description", o->description, err)) < 0 ||
        (rc = ewf_set_header(w, "notes", o->notes, err)) < 0 ||
        (rc = ewf_set_header(w, "model", o->model, err)) < 0 ||
        (rc = ewf_set_header(w, "serial_number", o->serial_number, err)) < 0 ||
        (rc = ewf_set_header(w, "acquiry_software", "custody-acquire", err)) < 0 ||
        (rc = ewf_set_header(w, "acquiry_software_version", o->software_version, err)) < 0 ||
        (rc = ewf_set_header(w, "acquiry_operating_system", "Linux", err)) < 0)
        goto fail;
    *out = w;
    return 0;
fail:
    ewf_writer_close(w);
    return rc;
}

/* libewf 20140813 loses errno when a write fails (a short write is reported without
 * it). Find the likely cause so the message says "disk full" or "file too large":
 * ENOSPC when the output's file system has less room than the write needed, EFBIG
 * when a segment reached the file-size limit (ulimit -f); 0 when neither. */
static int
ewf_write_cause(const struct ewf_writer *w, size_t need)
{
    struct statvfs vfs;
    struct rlimit lim;
    char path[4096], dir[4096];
    const char *slash = strrchr(w->base, '/');

    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - w->base), w->base);
    else
        snprintf(dir, sizeof(dir), ".");
    if (statvfs(dir[0] ? dir : "/", &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)need + 65536)
        return ENOSPC;
    if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
        for (unsigned i = 1; ewf_writer_segment_name(path, sizeof(path), w->base, i) == 0; i++) {
            struct stat sb;
            if (stat(path, &sb) < 0)
                break;
            if ((uint64_t)sb.st_size + need > (uint64_t)lim.rlim_cur)
                return EFBIG;
        }
    }
    return 0;
}

int
ewf_writer_write_chunk(struct ewf_writer *w, const void *data, size_t size, size_t data_size,
                       int compressed, uint32_t checksum, struct custody_err *err)
{
    libewf_error_t *lerr = NULL;
    uint8_t checksum_le[4] = {(uint8_t)checksum, (uint8_t)(checksum >> 8),
                              (uint8_t)(checksum >> 16), (uint8_t)(checksum >> 24)};
    ssize_t n;

    /* libewf wants a checksum buffer even for compressed chunks (their Adler-32 is
     * inside the zlib stream and write_checksum is 0 then). */
    errno = 0;
    n = libewf_handle_write_chunk(w->handle, data, size, data_size, compressed ? 1 : 0, checksum_le,
                                  checksum, compressed ? 0 : 1, &lerr);
    if (n < 0 || (size_t)n != size) {
        int e = errno ? errno : ewf_write_cause(w, size);
        int code = (e == ENOSPC || e == EFBIG) ? CUSTODY_ERR_NOSPACE : CUSTODY_ERR_IO;
        if (code == CUSTODY_ERR_NOSPACE)
            custody_err_errno(err, code, e, "cannot write EWF image '%s'", w->base);
        else
            custody_err_set(err, code, "cannot write EWF image '%s'", w->base);
        return ewf_fail(err, &lerr);
    }
    return 0;
}

int
ewf_writer_add_error(struct ewf_writer *w, uint64_t first_sector, uint64_t count,
                     struct custody_err *err)
{
    libewf_error_t *lerr = NULL;

    if (libewf_handle_append_acquiry_error(w->handle, first_sector, count, &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot record acquiry error in '%s'", w->base);
        return ewf_fail(err, &lerr);
    }
    return 0;
}

int
ewf_writer_set_hashes(struct ewf_writer *w, const char *md5_hex, const char *sha1_hex,
                      struct custody_err *err)
{
    libewf_error_t *lerr = NULL;
    uint8_t md5[16], sha1[20];

    if (hex_decode(md5, sizeof(md5), md5_hex) < 0 || hex_decode(sha1, sizeof(sha1), sha1_hex) < 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "bad hash value for '%s'", w->base);
    if (libewf_handle_set_md5_hash(w->handle, md5, sizeof(md5), &lerr) != 1 ||
        libewf_handle_set_sha1_hash(w->handle, sha1, sizeof(sha1), &lerr) != 1) {
        custody_err_set(err, CUSTODY_ERR_LIB, "cannot store hashes in '%s'", w->base);
        return ewf_fail(err, &lerr);
    }
    return 0;
}

int
ewf_writer_finish(struct ewf_writer *w, struct custody_err *err)
{
    libewf_error_t *lerr = NULL;

    errno = 0;
    if (libewf_handle_write_finalize(w->handle, &lerr) < 0) {
        int e = errno ? errno : ewf_write_cause(w, 1 << 20);
        if (e == ENOSPC || e == EFBIG)
            custody_err_errno(err, CUSTODY_ERR_NOSPACE, e, "cannot finish EWF image '%s'", w->base);
        else
            custody_err_set(err, CUSTODY_ERR_IO, "cannot finish EWF image '%s'", w->base);
        return ewf_fail(err, &lerr);
    }
    w->finished = 1;
    return 0;
}
