/* LD_PRELOAD fault injection for custody-acquire --resume tests: reads of one chosen
 * file stop at a chosen byte offset and hang there until a signal interrupts them,
 * so a test can interrupt an acquisition of a regular file at a known point.
 *   CUSTODY_FAULT_FILE=/path/to/source
 *   CUSTODY_FAULT_STALL_AT=BYTES     reads never cross this offset; reads at it hang
 *   CUSTODY_FAULT_STALL_MARK=PATH    created once a read hangs
 * A read at the offset never returns data: after 60 s without a signal it fails
 * with EINTR (the reader retries unless the tool was interrupted). The mark is
 * created 100 ms after the read started to sleep, by another thread: a signal the
 * test sends on seeing it cannot land before the sleep and be lost (it was, once
 * in CI under ASan: the read then went on after 60 s and the image was finished).
 * Test-only code: it is never linked into the tools. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "fault_common.h"

static void *
mark_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    sigset_t all;
    int m;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the tool's own threads */
    nanosleep(&ts, NULL);
    m = open((const char *)arg, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (m >= 0)
        close(m);
    return NULL;
}

ssize_t
pread64(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    const char *at = getenv("CUSTODY_FAULT_STALL_AT");

    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
    if (at && fault_is_target(fd)) {
        off_t stall = (off_t)strtoull(at, NULL, 0);
        if (offset < stall && offset + (off_t)count > stall)
            count = (size_t)(stall - offset);
        else if (offset >= stall) {
            const char *mark = getenv("CUSTODY_FAULT_STALL_MARK");
            struct timespec ts = {60, 0};
            pthread_t t;
            if (mark && pthread_create(&t, NULL, mark_later, (void *)mark) == 0)
                pthread_detach(t);
            nanosleep(&ts, NULL);
            errno = EINTR;
            return -1;
        }
    }
    return real(fd, buf, count, offset);
}

ssize_t
pread(int fd, void *buf, size_t count, off_t offset)
{
    return pread64(fd, buf, count, offset);
}
