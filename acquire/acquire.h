/* custody-acquire's core: image a block device, a file or a stream into an E01 set
 * or raw files, hashing while reading, surviving unreadable sectors, and recording
 * the acquisition (log, manifest, case database). */
#ifndef CUSTODY_ACQUIRE_H
#define CUSTODY_ACQUIRE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ewf_adapter.h"
#include "hash.h"
#include "manifest.h"

enum acquire_format {
    ACQUIRE_E01 = 0,
    ACQUIRE_RAW = 1,
};

#define ACQUIRE_DEFAULT_SEGMENT (UINT64_C(2) << 30) /* 2 GiB */
#define ACQUIRE_DEFAULT_RETRIES 2

/* Progress report from the acquisition; called about 4 times a second on the thread
 * that called acquire_run. total is 0 when unknown. */
typedef void (*acquire_progress_fn)(void *ctx, uint64_t done, uint64_t total, uint64_t bad_sectors);

struct acquire_opts {
    const char *source;  /* block device, regular file, or "-" for stdin */
    const char *receive; /* a --send stream to read ("-": stdin); source is then unused */
    const char *output;  /* BASE */
    enum acquire_format format;
    uint64_t segment_size; /* bytes; 0: E01 2 GiB, raw unsplit */
    int segment_size_set;  /* raw: split only when asked */
    enum ewf_compression compression;
    uint32_t chunk_sectors; /* requested sectors per chunk (default 64) */
    int chunk_sectors_set;  /* --chunk-sectors given */
    uint64_t stream_size;   /* --size for streams, 0 unknown */
    unsigned retries;       /* re-reads of a failing region before bisecting */
    unsigned threads;       /* compression workers; 0: online CPUs */
    int force;              /* replace existing outputs */
    int resume;             /* continue the interrupted or failed acquisition of BASE */
    int verify_image;       /* read the image back and compare hashes */
    int verify_source;      /* re-read the source and compare hashes */
    int allow_mounted, set_readonly;
    const char *case_number, *evidence_number, *examiner, *description, *notes;
    const char *case_db, *asset, *evidence; /* case database registration */
    const char *key_path;                   /* sign the manifest (BASE.manifest.minisig) */
    const char *passphrase_file;            /* else $CUSTODY_PASSPHRASE, else the terminal */
    int argc;                               /* exact command line, for the record */
    char **argv;
    acquire_progress_fn progress;
    void *progress_ctx;
};

/* Defaults: E01, fast, 64 sectors, 2 retries, verify the image. */
void acquire_opts_init(struct acquire_opts *o);

struct acquire_result {
    const char *status; /* complete, incomplete, failed, interrupted; NULL: never started */
    char uuid[40];      /* acquisition uuid */
    uint64_t media_size, bytes_read;
    uint32_t sector_size, chunk_sectors;
    char hash[HASH_COUNT][HASH_HEX_MAX]; /* of the media; "" when not complete */
    struct manifest_range *read_errors;  /* unreadable sectors, zero-filled */
    size_t n_read_errors;
    uint64_t bad_sectors;
    const char *verify_image, *verify_source; /* pass, fail, skipped */
    struct manifest_file *files;
    size_t n_files;
    char *manifest_path, *log_path;
    char *signature_path;   /* BASE.manifest.minisig, NULL when unsigned */
    char key_id[17];        /* signer's key id, "" when unsigned */
    char *warnings;         /* newline-separated, NULL when none */
    char *chunk_note;       /* why the chunk size differs from the requested one, or NULL */
    double seconds;         /* reading and writing, without verification */
    int64_t acquisition_id; /* case database row, 0 when none */
    int resumed;            /* --resume */
    uint64_t resumed_bytes; /* bytes kept from the partial image */
};

/* Run the acquisition. Returns 0 when it finished (res->status complete or
 * incomplete; check verify_* too); a negative code when it could not be done, with
 * res->status failed or interrupted when it had started (then the outputs are kept
 * and marked partial) or NULL when nothing was started or recorded. */
int acquire_run(struct acquire_result *res, const struct acquire_opts *o, struct custody_err *err);
void acquire_result_release(struct acquire_result *res);

/* custody-acquire --send: read o->source with the same bad-sector handling and write
 * a framed stream (identity, data, unreadable ranges, hashes) to out_fd, for
 * --receive on the examiner's station. Returns 0 all sent, 1 sent with unreadable
 * sectors, negative when it could not finish (an error frame was sent if possible). */
int acquire_send(const struct acquire_opts *o, int out_fd, struct custody_err *err);

/* The exit status for a result: 0 complete and verified, 1 finished but with
 * unreadable sectors or a failed verification, 2 not done. */
int acquire_exit_status(const struct acquire_result *res, int rc);

/* Sectors per chunk for the media (see ewf_choose_sectors_per_chunk). */
uint32_t acquire_chunk_sectors(uint64_t media_size, uint32_t sector_size, uint32_t requested);

#endif
