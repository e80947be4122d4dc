/* Safe I/O helpers. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
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
