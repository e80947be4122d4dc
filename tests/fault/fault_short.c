/* LD_PRELOAD fault injection for custody-acquire tests: reads of one chosen file
 * return at most N bytes per call (short reads), as pipes and some devices do.
 *   CUSTODY_FAULT_FILE=/path/to/source
 *   CUSTODY_FAULT_SHORT=N
 * Test-only code: it is never linked into the tools. */
/* Define pread and pread64 separately: no large-file renaming here (off_t is 64-bit
 * on the 64-bit targets custody supports). */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault_common.h"

static size_t
limit(size_t count)
{
    const char *s = getenv("CUSTODY_FAULT_SHORT");
    size_t n = s ? (size_t)strtoull(s, NULL, 0) : 0;

    return n > 0 && count > n ? n : count;
}

ssize_t
pread64(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);

    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
    if (fault_is_target(fd))
        count = limit(count);
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
    if (fault_is_target(fd))
        count = limit(count);
    return real(fd, buf, count);
}
