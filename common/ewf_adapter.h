/* The libewf adapter: the only code that includes <libewf.h>. libewf errors become
 * custody_err messages here. libewf 20140813 has no locking: one thread per handle. */
#ifndef CUSTODY_EWF_ADAPTER_H
#define CUSTODY_EWF_ADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

const char *ewf_version(void);

/* 1 when the file starts with an EWF segment signature (EVF or LVF), 0 when not,
 * negative when it cannot be read. */
int ewf_is_segment(const char *path, struct custody_err *err);

/* ---- reading ---- */

struct ewf_reader;

struct ewf_media {
    uint64_t media_size; /* bytes */
    uint32_t bytes_per_sector;
    uint32_t sectors_per_chunk;
    uint64_t sector_count;
};

/* Open an E01 set read-only. With one path naming the first segment (.E01), the
 * rest of the set is found with libewf_glob; otherwise all segments are given.
 * Caller frees with ewf_reader_close. */
int ewf_reader_open(struct ewf_reader **out, const char *const *paths, int npaths,
                    struct custody_err *err);
void ewf_reader_close(struct ewf_reader *r);
int ewf_reader_media(const struct ewf_reader *r, struct ewf_media *m);
/* Segment file names libewf uses (after globbing). Valid until close. */
int ewf_reader_segments(const struct ewf_reader *r, const char *const **names, int *count);
/* Read len bytes at offset; returns bytes read or negative. */
ssize_t ewf_reader_read(struct ewf_reader *r, void *buf, size_t len, uint64_t offset,
                        struct custody_err *err);
/* Stored hash by name ("MD5", "SHA1"); 1 and lowercase hex when stored, 0 when not. */
int ewf_reader_stored_hash(struct ewf_reader *r, const char *name, char *hex, size_t hexsize);
/* Header value ("case_number", "examiner_name", "description", "notes",
 * "evidence_number", "acquiry_software_version", ...): 1 when present, 0 when not. */
int ewf_reader_header(struct ewf_reader *r, const char *name, char *value, size_t size);
/* Acquiry error ranges recorded in the image (first sector, count). */
int ewf_reader_acquiry_errors(struct ewf_reader *r, uint64_t **ranges, size_t *count,
                              struct custody_err *err);
/* Checksum (CRC) errors found so far while reading (first sector, count pairs). */
int ewf_reader_checksum_errors(struct ewf_reader *r, uint64_t **ranges, size_t *count,
                               struct custody_err *err);

/* ---- writing (custody-acquire) ---- */

/* An EnCase 6 image being written. One thread owns it (libewf has no locking). */
struct ewf_writer;

enum ewf_compression {
    EWF_COMPRESSION_NONE = 0,
    EWF_COMPRESSION_FAST = 1,
    EWF_COMPRESSION_BEST = 2,
};

struct ewf_writer_opts {
    const char *base;           /* BASE: segments are BASE.E01, BASE.E02, ... */
    uint64_t media_size;        /* bytes; 0 when unknown (streams) */
    uint32_t bytes_per_sector;  /* logical sector size */
    uint32_t sectors_per_chunk; /* see ewf_choose_sectors_per_chunk */
    uint64_t segment_size;      /* bytes, maximum per segment file */
    enum ewf_compression compression;
    int physical; /* 1: a physical device (media flag), 0: a file or volume */
    /* Header values; NULL leaves them out. Evidence strings are stored as given. */
    const char *case_number, *evidence_number, *examiner, *description, *notes;
    const char *model, *serial_number;
    const char *software_version; /* "custody-acquire 0.1.0" */
};

/* libewf 20140813 fails once an image holds 2^27 chunks (its offset tables): the
 * largest chunk count it can write, with a margin. */
#define EWF_MAX_CHUNKS ((UINT64_C(1) << 27) - 1024)

/* The largest chunk count custody-acquire chooses, for memory: libewf 20140813 keeps
 * about 8 bytes per chunk in its write-side tables for the whole image (measured:
 * 616 MB peak RSS at 67 M chunks), so 2^24 chunks cost it about 128 MiB; with our
 * pipeline's bounded buffers (<= 64 MiB of blocks + compressed chunks for chunks of
 * up to 4 MiB) and the process (~30 MiB) the peak stays under 256 MiB. */
#define EWF_BUDGET_CHUNKS (UINT64_C(1) << 24)

/* Sectors per chunk for media of media_size bytes: the requested value (64 by
 * default) doubled until the image stays at or under EWF_BUDGET_CHUNKS chunks. Media
 * too large for that even at 2^15 sectors (over 256 TiB at 512-byte sectors) get 2^15
 * when that stays under EWF_MAX_CHUNKS (memory then over the budget). Returns 0 when
 * nothing fits. */
uint32_t ewf_choose_sectors_per_chunk(uint64_t media_size, uint32_t bytes_per_sector,
                                      uint32_t requested);
/* Chunks of spc sectors needed for media_size bytes. */
uint64_t ewf_chunk_count(uint64_t media_size, uint32_t bytes_per_sector, uint32_t spc);

/* Create the image. Refuses to start when BASE.E01 exists. Caller closes with
 * ewf_writer_close (also after a failure, to keep what was written). */
int ewf_writer_open(struct ewf_writer **out, const struct ewf_writer_opts *o,
                    struct custody_err *err);
/* Append one chunk in order. data_size: the chunk's media bytes (the chunk size,
 * less for the last one). compressed: data is a zlib stream of size bytes;
 * otherwise data holds data_size bytes and checksum is their Adler-32. */
int ewf_writer_write_chunk(struct ewf_writer *w, const void *data, size_t size, size_t data_size,
                           int compressed, uint32_t checksum, struct custody_err *err);
/* Record an unreadable range in the acquiry-error section. */
int ewf_writer_add_error(struct ewf_writer *w, uint64_t first_sector, uint64_t count,
                         struct custody_err *err);
/* Store the media's MD5 and SHA-1 (lowercase hex) where ewfverify finds them. */
int ewf_writer_set_hashes(struct ewf_writer *w, const char *md5_hex, const char *sha1_hex,
                          struct custody_err *err);
/* Write the closing sections (hashes, tables, done). Without it the image is partial. */
int ewf_writer_finish(struct ewf_writer *w, struct custody_err *err);
/* Close the files; accepts NULL. */
void ewf_writer_close(struct ewf_writer *w);

/* Name of segment number idx (1-based) for BASE: BASE.E01 .. BASE.E99, BASE.EAA ..
 * (ewf_segment_name of ewf_layout.h, checked). Returns 0, or CUSTODY_ERR_USAGE past
 * the last name EWF allows or when out is too small. */
int ewf_writer_segment_name(char *out, size_t size, const char *base, unsigned idx);

#endif
