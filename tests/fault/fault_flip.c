/* LD_PRELOAD fault injection for custody-acquire tests: the byte at one chosen offset
 * of one chosen output file is written inverted, as a bad disk or cable would store it,
 * while the program believes it wrote the right data.
 *   CUSTODY_FAULT_FILE=/path/to/output   (matched once it exists)
 *   CUSTODY_FAULT_FLIP=OFFSET            (bytes)
 * Test-only code: it is never linked into the tools. */
/* Define pwrite and pwrite64 separately: no large-file renaming here (off_t is 64-bit
 * on the 64-bit targets custody supports). */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault_common.h"

/* A copy of buf with the target byte inverted when [off, off+count) holds it, else
 * NULL. Aligned, so that O_DIRECT writes of the copy still work. */
static void *
flipped(const void *buf, size_t count, off_t off)
{
    const char *spec = getenv("CUSTODY_FAULT_FLIP");
    uint64_t at;
    void *copy;

    if (!spec || off < 0)
        return NULL;
    at = strtoull(spec, NULL, 0);
    if (at < (uint64_t)off || at >= (uint64_t)off + count)
        return NULL;
    if (posix_memalign(&copy, 4096, count ? count : 1) != 0)
        return NULL;
    memcpy(copy, buf, count);
    ((unsigned char *)copy)[at - (uint64_t)off] ^= 0xff;
    return copy;
}

ssize_t
write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    void *copy = NULL;
    ssize_t n;

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (fault_is_target(fd))
        copy = flipped(buf, count, lseek(fd, 0, SEEK_CUR));
    n = real(fd, copy ? copy : buf, count);
    free(copy);
    return n;
}

ssize_t
pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    void *copy = NULL;
    ssize_t n;

    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (fault_is_target(fd))
        copy = flipped(buf, count, offset);
    n = real(fd, copy ? copy : buf, count, offset);
    free(copy);
    return n;
}

ssize_t
pwrite(int fd, const void *buf, size_t count, off_t offset)
{
    return pwrite64(fd, buf, count, offset);
}
