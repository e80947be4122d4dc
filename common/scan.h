/* Read a whole image once, in parallel, from its files (an E01 set through the
 * per-table descriptors of ewf_layout.h, not libewf's whole-image tables): the
 * reading thread fetches chunks, a pool of workers inflates them and checks every
 * chunk's checksum, and MD5, SHA-1 and SHA-256 run on three threads of their own over
 * the media in order. Memory stays bounded (a ring of a few MiB plus one descriptor
 * per table section), whatever the image size. Used by custody-verify and by
 * custody-acquire's read-back verification. */
#ifndef CUSTODY_SCAN_H
#define CUSTODY_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ewf_layout.h"
#include "hash.h"

/* A chunk that failed its check: media sectors and the reason. */
struct scan_bad {
    uint64_t chunk;
    uint64_t first_sector;
    uint64_t sectors;
    const char *reason; /* static text */
};

#define SCAN_BAD_KEEP 1000 /* bad chunks listed; more are only counted */

struct scan_result {
    char computed[HASH_COUNT][HASH_HEX_MAX];
    uint64_t bytes;       /* media bytes hashed */
    uint64_t chunks;      /* chunks checked (EWF) */
    uint64_t bad_count;   /* chunks that failed */
    struct scan_bad *bad; /* first SCAN_BAD_KEEP, in chunk order */
    size_t n_bad;
    double seconds;
};

void scan_result_release(struct scan_result *r);

/* Called from the reading thread now and then; done/total in media bytes. */
typedef void (*scan_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct scan_options {
    int workers; /* inflate threads; 0 = number of online CPUs */
    scan_progress_fn progress;
    void *progress_ctx;
};

/* Scan an EWF set whose layout has data_complete set. A damaged chunk is a finding
 * (counted, listed; hashed as stored when uncompressed, else as zeros), not an error.
 * Negative: could not run (I/O error, out of memory, interrupt). */
int scan_ewf(struct scan_result *res, const struct ewf_layout *l, const struct scan_options *opt,
             struct custody_err *err);

/* Scan raw files, concatenated in the order given (a split raw image). */
int scan_raw(struct scan_result *res, const char *const *paths, size_t n,
             const struct scan_options *opt, struct custody_err *err);

#endif
