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

#endif
