/* libFuzzer target: the partial-E01 walker of custody-acquire --resume
 * (acquire/partial.c), which reads segment files an attacker may have written. Any
 * input must give a chunk count or a clean error, never a crash, a hang or a leak. */
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    char path[128];
    const char *paths[1];
    struct resume_scan scan;
    struct custody_err err;
    int fd;

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/custody-fuzz-partial-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    snprintf(path, sizeof(path), "%s/x.E01.partial", dir);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    paths[0] = path;
    /* 64 sectors of 512 bytes, as the seeds were written. */
    if (resume_scan_e01(&scan, paths, 1, 512, 64, &err) == 0 && scan.chunks > (size / 8) + 1)
        abort(); /* every chunk takes at least a few stored bytes */
    return 0;
}
