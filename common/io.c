/* Safe I/O helpers. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t
io_read_full(int fd, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t
io_pread_full(int fd, void *buf, size_t len, uint64_t offset)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int
io_pread_exact(int fd, void *buf, size_t len, uint64_t offset)
{
    ssize_t n = io_pread_full(fd, buf, len, offset);
    return n == (ssize_t)len ? 0 : -1;
}

int
io_write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int
io_seq_open(struct io_seq_reader *r, const char *path, struct custody_err *err)
{
    r->pos = 0;
    r->dfd = -1;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                 path);
    /* Not every file system takes O_DIRECT (tmpfs does not): then buffered only. */
    r->dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
    return 0;
}

static int
io_aligned(uint64_t v)
{
    return v % IO_DIRECT_ALIGN == 0;
}

ssize_t
io_seq_read(struct io_seq_reader *r, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        char *p = (char *)buf + done;
        size_t want = len - done;
        ssize_t n;
        if (r->dfd >= 0 && io_aligned((uintptr_t)p) && io_aligned(r->pos) &&
            want >= IO_DIRECT_ALIGN) {
            n = pread(r->dfd, p, want / IO_DIRECT_ALIGN * IO_DIRECT_ALIGN, (off_t)r->pos);
            if (n < 0 && errno == EINVAL) {
                /* The file system refused this transfer after all: buffered from now on. */
                close(r->dfd);
                r->dfd = -1;
                continue;
            }
        } else {
            n = pread(r->fd, p, want, (off_t)r->pos);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
        r->pos += (uint64_t)n;
    }
    return (ssize_t)done;
}

void
io_seq_close(struct io_seq_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    if (r->dfd >= 0)
        close(r->dfd);
    r->fd = r->dfd = -1;
}

int
io_create_exclusive(const char *path, mode_t mode, struct custody_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            return custody_err_set(err, CUSTODY_ERR_EXISTS,
                                   "refusing to overwrite existing file '%s'", path);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot create '%s'", path);
    }
    return fd;
}

int
io_read_file(struct strbuf *sb, const char *path, size_t max, struct custody_err *err)
{
    char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                 path);
    for (;;) {
        ssize_t n = io_read_full(fd, buf, sizeof(buf));
        if (n < 0) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'", path);
            break;
        }
        if (sb->len + (size_t)n > max) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s' is larger than %zu bytes", path,
                                 max);
            break;
        }
        strbuf_add(sb, buf, (size_t)n);
        if ((size_t)n < sizeof(buf))
            break;
    }
    close(fd);
    return rc;
}

int
io_fsync_parent(const char *path, struct custody_err *err)
{
    char *copy = strdup(path);
    int fd, rc = 0;

    if (!copy)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot open directory of '%s'", path);
    } else {
        if (fsync(fd) < 0 && errno != EINVAL)
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot sync directory of '%s'",
                                   path);
        close(fd);
    }
    free(copy);
    return rc;
}

int
io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags,
                     struct custody_err *err)
{
    char tmp[PATH_MAX];
    int fd, rc;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "path too long: '%s'", path);
    if (!(flags & IO_REPLACE) && access(path, F_OK) == 0)
        return custody_err_set(err, CUSTODY_ERR_EXISTS, "refusing to overwrite existing file '%s'",
                               path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                 "cannot create temporary file for '%s'", path);
    if (fchmod(fd, mode) < 0 || io_write_full(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot write '%s'", tmp);
    }
    if (close(fd) < 0) {
        int e = errno;
        unlink(tmp);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot write '%s'", tmp);
    }
    if (flags & IO_REPLACE) {
        rc = rename(tmp, path);
    } else {
        /* link() fails with EEXIST instead of silently replacing a file that
         * appeared since the access() check above. */
        rc = link(tmp, path);
        unlink(tmp);
    }
    if (rc < 0) {
        int e = errno;
        if (flags & IO_REPLACE)
            unlink(tmp);
        if (e == EEXIST)
            return custody_err_set(err, CUSTODY_ERR_EXISTS,
                                   "refusing to overwrite existing file '%s'", path);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot create '%s'", path);
    }
    return io_fsync_parent(path, err);
}
