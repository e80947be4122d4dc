/* Safe I/O helpers: full reads and writes, exclusive creation, atomic replace. */
#ifndef CUSTODY_IO_H
#define CUSTODY_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/* Read up to len bytes, retrying on EINTR and short reads. Returns bytes read
 * (less than len only at end of file) or -1 with errno set. */
ssize_t io_read_full(int fd, void *buf, size_t len);
/* Same with pread at offset. */
ssize_t io_pread_full(int fd, void *buf, size_t len, uint64_t offset);
/* Write all len bytes; 0 or -1 with errno set. */
int io_write_full(int fd, const void *buf, size_t len);

/* Create path exclusively (O_CREAT|O_EXCL|O_CLOEXEC, write-only) with mode.
 * Returns fd or a negative code (CUSTODY_ERR_EXISTS when it exists). */
int io_create_exclusive(const char *path, mode_t mode, struct custody_err *err);

/* Read a whole file (at most max bytes; larger is CUSTODY_ERR_FORMAT) into sb. */
int io_read_file(struct strbuf *sb, const char *path, size_t max, struct custody_err *err);

enum {
    IO_REPLACE = 1, /* allow replacing an existing file; otherwise CUSTODY_ERR_EXISTS */
};

/* Write data to path via a temporary file in the same directory: write, fsync,
 * rename (or link, to refuse an existing target), fsync the directory. Readers
 * never see a half-written file. */
int io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags,
                         struct custody_err *err);

/* fsync the directory that holds path. */
int io_fsync_parent(const char *path, struct custody_err *err);

#endif
