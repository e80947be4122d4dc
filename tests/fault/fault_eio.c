/* LD_PRELOAD fault injection for custody-acquire tests: reads that touch chosen byte
 * ranges of one chosen file fail with EIO, as a disk with unreadable sectors does.
 *   CUSTODY_FAULT_FILE=/path/to/source
 *   CUSTODY_FAULT_EIO=OFFSET:LENGTH[,OFFSET:LENGTH...]   (bytes)
 *   CUSTODY_FAULT_ERRNO=ENXIO                            (optional: fail with this instead)
 * Test-only code: it is never linked into the tools. */
/* Define pread and pread64 separately: no large-file renaming here (off_t is 64-bit
 * on the 64-bit targets custody supports). */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault_common.h"

static int
fault_errno(void)
{
    const char *e = getenv("CUSTODY_FAULT_ERRNO");

    if (e && !strcmp(e, "ENXIO"))
        return ENXIO;
    if (e && !strcmp(e, "ENODEV"))
        return ENODEV;
    return EIO;
}

/* 1 when [off, off+len) overlaps a configured range. */
static int
overlaps(uint64_t off, uint64_t len)
{
    const char *spec = getenv("CUSTODY_FAULT_EIO");

    if (!spec || len == 0)
        return 0;
    while (*spec) {
        char *end;
        uint64_t a = strtoull(spec, &end, 0), b;
        if (*end != ':')
            return 0;
        b = strtoull(end + 1, &end, 0);
        if (off < a + b && a < off + len)
            return 1;
        if (*end != ',')
            break;
        spec = end + 1;
    }
    return 0;
}

ssize_t
pread64(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);

    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
    if (fault_is_target(fd) && overlaps((uint64_t)offset, count)) {
        errno = fault_errno();
        return -1;
    }
    return real(fd, buf, count, offset);
}

ssize_t
pread(int fd, void *buf, size_t count, off_t offset)
{
    return pread64(fd, buf, count, offset);
}

ssize_t
read(int fd, void *buf, size_t count)
{
    static ssize_t (*real)(int, void *, size_t);

    if (!real)
        real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    if (fault_is_target(fd)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (pos >= 0 && overlaps((uint64_t)pos, count)) {
            errno = fault_errno();
            return -1;
        }
    }
    return real(fd, buf, count);
}
