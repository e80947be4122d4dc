/* For fuzz targets whose code under test reads files: the input written to
 * DIR/name, DIR a folder made once per process (/tmp/custody-fuzz-TAG-XXXXXX).
 * Returns the path (static storage); aborts when the file cannot be written. */
#ifndef CUSTODY_FUZZ_FILE_H
#define CUSTODY_FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline const char *
fuzz_input_file(const char *tag, const char *name, const uint8_t *data, size_t size)
{
    static char dir[64], path[128];
    int fd;

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/custody-fuzz-%s-XXXXXX", tag);
        if (!mkdtemp(dir))
            abort();
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    return path;
}

#endif
