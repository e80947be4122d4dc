/* The acquisition manifest (BASE.manifest): a UTF-8, LF-terminated text file in a
 * fixed field order, one "key: value" per line with values escaped, and one BSD-tag
 * line per output file ("SHA256 (BASE.E01) = <hex>") so `sha256sum -c` can check
 * the segments. Written by custody-acquire, parsed by custody-verify, signed with
 * minisign-format Ed25519 signatures (sign.h).
 *
 * Contract shared by acquire (writer), verify (parser) and the keys module (owner of
 * the implementation in manifest.c). */
#ifndef CUSTODY_MANIFEST_H
#define CUSTODY_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"
#include "strbuf.h"

struct manifest_file {
    char *name;    /* file name relative to the manifest's folder (no '/') */
    uint64_t size; /* bytes */
    char sha256[HASH_HEX_MAX];
};

struct manifest_range {
    uint64_t first_sector;
    uint64_t count;
};

struct manifest {
    char *acquisition_uuid;
    char *case_uuid, *case_number;
    char *asset, *evidence; /* hostname, evidence label */
    char *evidence_number, *description, *notes;
    char *source;      /* path or "-" */
    char *source_type; /* block-device, file, stream, remote */
    char *device_vendor, *device_model, *device_serial;
    uint64_t media_size;           /* bytes */
    uint32_t sector_size;          /* logical, bytes */
    uint32_t physical_sector_size; /* bytes, 0 unknown */
    char *format;                  /* e01, raw */
    char *compression;             /* none, fast, best */
    uint64_t segment_size;         /* bytes, 0 unsplit */
    uint32_t chunk_sectors;
    char *chunk_note; /* why chunk_sectors differs from the requested size; NULL when not */
    char md5[HASH_HEX_MAX], sha1[HASH_HEX_MAX], sha256[HASH_HEX_MAX]; /* of the media */
    int64_t started_at, ended_at;                                     /* ns UTC */
    char *status;  /* complete, incomplete, failed, interrupted */
    char *resumed; /* --resume: what was kept from the interrupted run; NULL when not resumed */
    struct manifest_range *read_errors; /* unreadable sectors, zero-filled in the image */
    size_t n_read_errors;
    char *verify_image;     /* pass, fail, skipped */
    char *verify_source;    /* pass, fail, skipped */
    char *tool_version;     /* "custody-acquire 0.1.0" */
    char *library_versions; /* "libewf 20140813; tsk 4.11.1; ..." */
    char *command_line;
    char *examiner, *key_id; /* key_id: 16 hex digits, may be NULL (unsigned) */
    struct manifest_file *files;
    size_t n_files;
};

/* Free every owned string and array; m is zeroed. Accepts NULL. */
void manifest_release(struct manifest *m);
/* Serialise in the fixed field order. */
void manifest_format(struct strbuf *out, const struct manifest *m);
/* The trusted comment of BASE.manifest.minisig: names the case, the evidence and
 * the media SHA-256 ("custody manifest case NUMBER (UUID) evidence HOST/LABEL
 * sha256 HEX"); values escaped and bounded so it always satisfies
 * minisign_comment_ok. */
void manifest_trusted_comment(struct strbuf *out, const struct manifest *m);
/* 1 when name can be listed in a manifest (parse accepts it): non-empty, valid
 * UTF-8, no '/', no control characters, not "." or "..". Writers check their
 * output names with it before creating any file. */
int manifest_file_name_ok(const char *name);
/* Parse what manifest_format writes; strict (unknown keys, bad order, bad escapes,
 * duplicate fields: CUSTODY_ERR_FORMAT naming the line). */
int manifest_parse(struct manifest *m, const char *text, size_t len, struct custody_err *err);

#endif
