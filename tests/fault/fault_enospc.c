/* LD_PRELOAD fault injection for custody-acquire tests: the output disk fills up.
 * Writes to files whose name contains a chosen string succeed until a chosen number
 * of bytes has been written to them in all, then fail with ENOSPC (the write that
 * crosses the limit is cut short first, to whole 4 KiB blocks on an O_DIRECT
 * descriptor, as a file system does).
 *   CUSTODY_FAULT_ENOSPC_MATCH=TEXT    e.g. "full.E0" for the image segments
 *   CUSTODY_FAULT_ENOSPC_AFTER=BYTES
 * Test-only code: it is never linked into the tools. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static _Atomic long long written;

static int
is_target(int fd)
{
    const char *match = getenv("CUSTODY_FAULT_ENOSPC_MATCH");
    char link[64], path[4096];
    ssize_t n;

    if (!match || !getenv("CUSTODY_FAULT_ENOSPC_AFTER"))
        return 0;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strstr(path, match) != NULL;
}

/* How many of count bytes a target may take now. */
static size_t
allowed(int fd, size_t count)
{
    long long limit = (long long)strtoull(getenv("CUSTODY_FAULT_ENOSPC_AFTER"), NULL, 0);
    long long before = atomic_load(&written);
    size_t ok = count;

    if (before >= limit)
        return 0;
    if (before + (long long)count > limit) {
        int fl = fcntl(fd, F_GETFL);
        ok = (size_t)(limit - before);
        if (fl >= 0 && (fl & O_DIRECT))
            ok = ok / 4096 * 4096;
    }
    return ok;
}

static ssize_t
account(ssize_t w)
{
    if (w > 0)
        atomic_fetch_add(&written, (long long)w);
    return w;
}

ssize_t
write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (count == 0 || !is_target(fd))
        return real(fd, buf, count);
    size_t ok = allowed(fd, count);
    if (ok == 0) {
        errno = ENOSPC;
        return -1;
    }
    return account(real(fd, buf, ok));
}

ssize_t
pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (count == 0 || !is_target(fd))
        return real(fd, buf, count, offset);
    size_t ok = allowed(fd, count);
    if (ok == 0) {
        errno = ENOSPC;
        return -1;
    }
    return account(real(fd, buf, ok, offset));
}

ssize_t
pwrite(int fd, const void *buf, size_t count, off_t offset)
{
    return pwrite64(fd, buf, count, offset);
}

ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
    static ssize_t (*real)(int, const struct iovec *, int);
    static ssize_t (*real_write)(int, const void *, size_t);
    size_t total = 0, done = 0;

    if (!real) {
        real = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
        real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    }
    if (!is_target(fd))
        return real(fd, iov, iovcnt);
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    size_t ok = allowed(fd, total);
    if (ok == total)
        return account(real(fd, iov, iovcnt));
    if (ok == 0) {
        errno = ENOSPC;
        return -1;
    }
    for (int i = 0; i < iovcnt && done < ok; i++) {
        size_t n = iov[i].iov_len < ok - done ? iov[i].iov_len : ok - done;
        ssize_t w = account(real_write(fd, iov[i].iov_base, n));
        if (w < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)w;
    }
    return (ssize_t)done;
}
