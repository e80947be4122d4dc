/* Private to acquire/: the source, the outputs and the pipeline between them. */
#ifndef CUSTODY_ACQUIRE_INTERNAL_H
#define CUSTODY_ACQUIRE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "acquire.h"
#include "strbuf.h"

/* Unreadable ranges in sectors, appended in increasing order, adjacent ones merged. */
struct range_list {
    struct manifest_range *v;
    size_t n, cap;
    uint64_t sectors;
};
void range_list_add(struct range_list *l, uint64_t first, uint64_t count);
void range_list_free(struct range_list *l);
/* Add the ranges of from at or after first_sector (cut at it) to to. */
void resume_add_ranges(struct range_list *to, const struct range_list *from, uint64_t first_sector);

enum source_kind {
    SOURCE_FILE,
    SOURCE_BLOCK,
    SOURCE_STREAM,
    SOURCE_REMOTE, /* a framed stream from custody-acquire --send */
};

struct acquire_source {
    int fd;
    enum source_kind kind;
    const char *path;
    uint64_t size; /* bytes; 0 when unknown (stream without --size) */
    int size_known;
    uint32_t sector_size, physical_sector_size;
    char *vendor, *model, *serial; /* sysfs, NULL unknown */
    int direct;                    /* read with O_DIRECT */
    int dfd;                       /* regular file: a second, O_DIRECT descriptor, or -1 */
    int mounted;                   /* mounted read-write and allowed */
    int readonly_set;              /* BLKROSET done */
    unsigned retries;
    uint64_t stream_pos;         /* bytes consumed from a stream */
    struct remote_state *remote; /* SOURCE_REMOTE */
    /* --resume: bytes [0, resume_bytes) come from the partial image (a stream's own
     * were read and compared before: resume_compare_source). */
    struct resume_state *resume;
    uint64_t resume_bytes;
};

/* ---- the framed stream between --send and --receive (stream.c) ---- */
struct remote_state;
/* Read the stream's header from fd and fill the source's identity. */
int remote_open(struct acquire_source *s, int fd, struct custody_err *err);
void remote_close(struct acquire_source *s);
ssize_t remote_read(struct acquire_source *s, uint8_t *buf, size_t len, struct range_list *bad,
                    struct custody_err *err);
/* The sender's path and hashes, once its end frame arrived (1), else 0. */
int remote_result(const struct acquire_source *s, const char **path,
                  const char *(*hash)[HASH_COUNT]);
/* After the last data: read the frames left (unreadable ranges of the last block, the
 * end frame). A stream longer than it said, or without its end: negative. */
int remote_finish(struct acquire_source *s, struct range_list *bad, struct custody_err *err);

/* Open read-only and learn the identity. */
int source_open(struct acquire_source *s, const char *path, uint64_t stream_size,
                const struct acquire_opts *o, struct strbuf *warnings, struct custody_err *err);
void source_close(struct acquire_source *s);
/* Read len bytes at offset (len a multiple of the sector size except at the end).
 * Unreadable sectors are zero-filled and added to bad. Returns bytes read (less
 * than len only at the end of the source), or negative when the source is gone
 * (ENODEV, ENXIO) or a stream fails. */
ssize_t source_read(struct acquire_source *s, uint8_t *buf, size_t len, uint64_t offset,
                    struct range_list *bad, struct custody_err *err);
/* Identity as a JSON object, for the database. */
void source_identity_json(const struct acquire_source *s, struct strbuf *out);

/* The output: an E01 set or raw files. Used only by the writer thread once open. */
struct acquire_sink;
int sink_open(struct acquire_sink **out, const struct acquire_opts *o, uint64_t media_size,
              uint32_t sector_size, uint32_t chunk_sectors, const struct acquire_source *src,
              struct custody_err *err);
/* Raw: write len bytes. */
int sink_write_raw(struct acquire_sink *k, const uint8_t *data, size_t len,
                   struct custody_err *err);
/* E01: one chunk. */
int sink_write_chunk(struct acquire_sink *k, const void *data, size_t size, size_t data_size,
                     int compressed, uint32_t checksum, struct custody_err *err);
/* Media bytes the outputs hold so far: raw bytes written, E01 chunks libewf took
 * (a chunk whose write failed does not count). */
uint64_t sink_media_written(const struct acquire_sink *k);
/* Close: with finish (E01: errors, hashes, closing sections; raw: fsync) or without
 * (a partial image). Fills the list of files written (names relative to BASE's folder). */
int sink_close(struct acquire_sink *k, int finish, const struct range_list *bad,
               const char hash[HASH_COUNT][HASH_HEX_MAX], struct custody_err *err);
/* Names (full paths) of the files written, after sink_close. */
int sink_files(struct acquire_sink *k, char ***paths, size_t *n);
/* File i's SHA-256 and size as computed while writing it (split raw, after a finishing
 * sink_close): 1, or 0 when not computed (E01, unsplit raw, a partial image). */
int sink_file_sha256(const struct acquire_sink *k, size_t i, char hex[HASH_HEX_MAX],
                     uint64_t *size);
void sink_free(struct acquire_sink *k);
/* Every output name that may exist for these options (BASE.E01.., BASE.raw,
 * BASE.000.., BASE.log, BASE.manifest, BASE.manifest.minisig): the existing ones. */
int outputs_existing(const struct acquire_opts *o, char ***paths, size_t *n);

/* The pipeline: reader, three hash threads, compression workers, writer. */
struct pipeline_stats {
    uint64_t bytes;   /* media bytes read and hashed */
    uint64_t written; /* media bytes the outputs hold (sink_media_written) */
    int complete;     /* reached the end of the source */
    int interrupted;  /* stopped by a signal */
    int failed;       /* read or write failure: err says which */
    char hash[HASH_COUNT][HASH_HEX_MAX];
};
int pipeline_run(struct pipeline_stats *st, struct acquire_source *src, struct acquire_sink *sink,
                 const struct acquire_opts *o, uint64_t media_size, uint32_t chunk_sectors,
                 int pad_to_sector, struct range_list *bad, struct custody_err *err);

/* ---- --resume: the partial image of an interrupted or failed run (partial.c) ---- */
struct resume_state;
struct resume_info {
    uint64_t kept;           /* bytes kept from the partial image (whole chunks) */
    uint64_t chunks;         /* E01 chunks checked and kept */
    uint64_t torn;           /* bytes of an incomplete chunk dropped at its end */
    uint64_t ewf_media_size; /* E01: media size in the volume section */
    const char *manifest_text, *log_text, *manifest_sha256;
    size_t manifest_len, log_len;
    const char *const *paths; /* the partial files */
    size_t n_paths;
};
/* Load BASE.manifest and BASE.log of the interrupted run, check that each partial
 * file has its recorded size and SHA-256 and that every chunk checks out, and find
 * the bytes kept. Refuses finished, running (killed) and damaged acquisitions. */
int resume_load(struct resume_state **out, const struct acquire_opts *o, struct custody_err *err);
void resume_free(struct resume_state *rs);
const struct manifest *resume_manifest(const struct resume_state *rs);
void resume_info(const struct resume_state *rs, struct resume_info *info);
/* The source is the one read before: kind, size, sector sizes, vendor/model/serial. */
int resume_check_identity(const struct resume_state *rs, const struct acquire_source *s,
                          struct custody_err *err);
/* Re-read the first and the last window bytes before the resume point from a file
 * or a device, or everything kept from a stream (which must start again from byte
 * 0), and compare them with the image: sectors compared, or negative. */
int64_t resume_compare_source(struct resume_state *rs, struct acquire_source *s, uint64_t window,
                              struct custody_err *err);
/* The E01 walk alone (for tests and the fuzzer): decode every chunk of the segment
 * files in order; 0 with what was found, or negative when damaged. */
struct resume_scan {
    uint64_t chunks, torn, media_sectors;
    int finished; /* a "done" section: the image was completed */
};
int resume_scan_e01(struct resume_scan *out, const char *const *paths, size_t n,
                    uint32_t sector_size, uint32_t chunk_sectors, struct custody_err *err);
/* Kept bytes at offset (read in increasing order; a smaller offset restarts). */
ssize_t resume_read(struct resume_state *rs, uint8_t *buf, size_t len, uint64_t offset,
                    struct custody_err *err);

/* Read up to len bytes at offset into buf: bytes read, 0 at the end, or negative. */
typedef ssize_t (*rehash_read_fn)(void *ctx, uint8_t *buf, size_t len, uint64_t offset,
                                  struct custody_err *err);
/* The digests selected by algos (HASH_F_* bits) of everything read_fn returns, one
 * thread per digest while the calling thread reads (into buffers aligned for O_DIRECT);
 * hex[] of the others is "". */
int rehash_stream(char hex[HASH_COUNT][HASH_HEX_MAX], unsigned algos, rehash_read_fn read_fn,
                  void *ctx, uint64_t *total, struct custody_err *err);
/* SHA-256 and size of a file read with O_DIRECT where possible, reading and hashing
 * on two threads (the manifest's per-file hash of an E01 segment). */
int rehash_file_sha256(char hex[HASH_HEX_MAX], const char *path, uint64_t *size,
                       struct custody_err *err);

#endif
