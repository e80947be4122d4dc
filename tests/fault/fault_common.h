/* Shared by the fault-injection libraries: is fd the file named by CUSTODY_FAULT_FILE? */
#ifndef CUSTODY_FAULT_COMMON_H
#define CUSTODY_FAULT_COMMON_H

#include <stdlib.h>
#include <sys/stat.h>

static int
fault_is_target(int fd)
{
    const char *path = getenv("CUSTODY_FAULT_FILE");
    struct stat a, b;

    if (!path || fstat(fd, &a) < 0 || stat(path, &b) < 0)
        return 0;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

#endif
