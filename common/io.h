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
/* Exactly len bytes at offset: 0, or -1 (error, or the file ends first). */
int io_pread_exact(int fd, void *buf, size_t len, uint64_t offset);

/* Little-endian integers of on-disk structures (EWF). */
static inline uint32_t
io_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
io_le64(const uint8_t *p)
{
    return (uint64_t)io_le32(p) | (uint64_t)io_le32(p + 4) << 32;
}
/* Write all len bytes; 0 or -1 with errno set. */
int io_write_full(int fd, const void *buf, size_t len);

/* Direct I/O (O_DIRECT) moves data between the disk and our buffer without copying it
 * through the page cache: the copy and the page-cache bookkeeping cost more CPU than
 * the hashes on large images. A direct transfer needs its buffer address, file offset
 * and length to be multiples of IO_DIRECT_ALIGN. */
#define IO_DIRECT_ALIGN 4096

/* A file read from start to end: aligned parts with O_DIRECT when the file system
 * allows it, the rest (an unaligned tail, a short read) through the page cache. */
struct io_seq_reader {
    int fd;       /* buffered */
    int dfd;      /* O_DIRECT, -1 when unavailable */
    uint64_t pos; /* bytes read so far */
};

/* Open path read-only. 0, or a negative code with err filled. */
int io_seq_open(struct io_seq_reader *r, const char *path, struct custody_err *err);
/* Read up to len bytes (less only at end of file); -1 with errno set. Use a buffer
 * aligned to IO_DIRECT_ALIGN for the direct path to be taken. */
ssize_t io_seq_read(struct io_seq_reader *r, void *buf, size_t len);
/* Close (accepts a reader that was never opened, when zeroed with fd = dfd = -1). */
void io_seq_close(struct io_seq_reader *r);

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
