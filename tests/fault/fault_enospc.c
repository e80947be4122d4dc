/* LD_PRELOAD fault injection for custody-acquire tests: the output disk fills up.
 * Writes to files whose name contains a chosen string succeed until a chosen number
 * of bytes has been written to them in all, then fail with ENOSPC (the write that
 * crosses the limit is cut short first, as a file system does).
 *   CUSTODY_FAULT_ENOSPC_MATCH=TEXT    e.g. "full.E0" for the image segments
 *   CUSTODY_FAULT_ENOSPC_AFTER=BYTES
 * Test-only code: it is never linked into the tools. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static _Atomic long long written;

/* How many of count bytes may be written to fd: count when not a target. */
static size_t
allowed(int fd, size_t count)
{
    const char *match = getenv("CUSTODY_FAULT_ENOSPC_MATCH");
    const char *after = getenv("CUSTODY_FAULT_ENOSPC_AFTER");
    char link[64], path[4096];
    ssize_t n;

    if (!match || !after || count == 0)
        return count;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0)
        return count;
    path[n] = '\0';
    if (!strstr(path, match))
        return count;
    long long limit = (long long)strtoull(after, NULL, 0);
    long long before = atomic_fetch_add(&written, (long long)count);
    if (before >= limit)
        return 0;
    if (before + (long long)count > limit)
        return (size_t)(limit - before);
    return count;
}

ssize_t
write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    size_t ok = allowed(fd, count);

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (ok == 0 && count > 0) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, ok);
}

ssize_t
pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    size_t ok = allowed(fd, count);

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (ok == 0 && count > 0) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, ok, offset);
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
    size_t total = 0;

    if (!real)
        real = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    size_t ok = allowed(fd, total);
    if (ok == total)
        return real(fd, iov, iovcnt);
    if (ok == 0) {
        errno = ENOSPC;
        return -1;
    }
    /* Cut short: write the first ok bytes only (through the real write: they are
     * counted already). */
    ssize_t (*real_write)(int, const void *, size_t) =
        (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    size_t done = 0;
    for (int i = 0; i < iovcnt && done < ok; i++) {
        size_t n = iov[i].iov_len < ok - done ? iov[i].iov_len : ok - done;
        ssize_t w = real_write(fd, iov[i].iov_base, n);
        if (w < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)w;
    }
    return (ssize_t)done;
}
