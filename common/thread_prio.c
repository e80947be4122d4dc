/* Per-thread priority for the hashing pipelines (thread_prio.h). */
#include "thread_prio.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

void
thread_prio_helper(void)
{
    pid_t tid = gettid();
    int now;

    errno = 0;
    now = getpriority(PRIO_PROCESS, (id_t)tid);
    if (now == -1 && errno)
        return;
    (void)setpriority(PRIO_PROCESS, (id_t)tid, now + THREAD_HELPER_NICE);
}
