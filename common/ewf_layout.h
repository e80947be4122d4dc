/* Read-only structural parser of EWF (E01) segment sets, written from the public
 * format description: file headers, the section chain of every segment, the volume,
 * table, hash and digest sections. It does not use libewf, so that it can say
 * exactly what is wrong with a set libewf would open silently (a missing last
 * segment, a renamed or foreign segment, a truncated file). */
#ifndef CUSTODY_EWF_LAYOUT_H
#define CUSTODY_EWF_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"

struct ewf_segment {
    char *path;
    int fd;             /* read-only, -1 when it could not be opened */
    uint64_t size;      /* bytes */
    uint32_t number;    /* from the file header; 0 when unreadable */
    int ends_with_done; /* last section is 'done' (last segment of the set) */
    int ends_with_next; /* last section is 'next' (the set continues) */
    int usable;         /* header readable and the section chain could be walked */
};

/* One table section: where the entries are and which chunks they describe. */
struct ewf_table {
    size_t segment;       /* index into segments */
    uint64_t entries_at;  /* file offset of the first entry */
    uint32_t entries;     /* number of chunks */
    uint64_t base;        /* base offset the entries are relative to */
    uint64_t data_end;    /* end of the section holding the chunk data */
    uint64_t first_chunk; /* media chunk number of the first entry */
};

struct ewf_layout {
    struct ewf_segment *segments; /* in segment-number order after ewf_layout_open */
    size_t n_segments;
    struct ewf_table *tables;
    size_t n_tables;

    int have_volume;
    uint32_t chunk_count; /* from the volume section */
    uint32_t sectors_per_chunk;
    uint32_t bytes_per_sector;
    uint64_t sector_count;
    uint64_t media_size;    /* sector_count * bytes_per_sector */
    uint64_t chunks_listed; /* chunks found in the tables */

    /* Hashes stored in hash, digest and xhash sections ("" when not stored). */
    char stored[HASH_COUNT][HASH_HEX_MAX];

    /* Acquiry errors (error2 section): first sector, count pairs. */
    uint64_t *acquiry_errors;
    size_t n_acquiry_errors;

    /* Structural findings: each one is a reason the set fails. Empty when sound. */
    char **problems;
    size_t n_problems;
    int data_complete; /* every chunk of the media can be located */
    int logical;       /* LVF (logical evidence) segments: not a disk image */
};

/* The segment file name for number n next to base ("IMG" -> "IMG.E01", ... "IMG.E99",
 * "IMG.EAA", ...), with the letter case of `letter` ('E' or 'e'). */
void ewf_segment_name(char *out, size_t size, const char *base, char letter, uint32_t n);

/* Open and check a set. With one path, every file named like a segment of the same
 * base (BASE.E01, BASE.E02, ... in either case) next to it is taken into the set, so
 * that extra and foreign files are found too. Problems with the evidence are findings
 * in the layout; a negative return means it could not run at all (out of memory, a
 * directory that cannot be listed). Caller frees with ewf_layout_free. */
int ewf_layout_open(struct ewf_layout **out, const char *const *paths, int npaths,
                    struct custody_err *err);
/* The same for exactly the files given (segment numbers from their headers), without
 * looking for others next to them: for a writer that knows which files it wrote. */
int ewf_layout_open_files(struct ewf_layout **out, const char *const *paths, int npaths,
                          struct custody_err *err);
void ewf_layout_free(struct ewf_layout *l);

/* 1 when path looks like an EWF segment name (.E01, .e01, .Exx, .Lxx), else 0. */
int ewf_name_is_segment(const char *path);

#endif
