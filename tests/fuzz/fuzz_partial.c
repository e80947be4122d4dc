/* libFuzzer target: the partial-E01 walker of custody-acquire --resume
 * (acquire/partial.c), which reads segment files an attacker may have written. Any
 * input must give a chunk count or a clean error, never a crash, a hang or a leak. */
#include "fuzz_file.h"
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
    const char *paths[1];
    struct resume_scan scan;
    struct custody_err err;

    paths[0] = fuzz_input_file("partial", "x.E01.partial", data, size);
    /* 64 sectors of 512 bytes, as the seeds were written. */
    if (resume_scan_e01(&scan, paths, 1, 512, 64, &err) == 0 && scan.chunks > (size / 8) + 1)
        abort(); /* every chunk takes at least a few stored bytes */
    return 0;
}
