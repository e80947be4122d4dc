/* libewf adapter. */
#include "ewf_adapter.h"

#include <errno.h>
#include <fcntl.h>
#include <libewf.h>
#include <stdlib.h>
#include <string.h>
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
