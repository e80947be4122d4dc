/* Acquisitions in the case database: the row custody-acquire writes as 'running'
 * before it reads a byte, and the outcome (hashes, output files, unreadable ranges,
 * verification) it writes at the end. A killed run leaves 'running', which every
 * report counts as not complete. */
#ifndef CUSTODY_CASEDB_ACQUISITIONS_H
#define CUSTODY_CASEDB_ACQUISITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "error.h"
#include "manifest.h"

/* What is known when the acquisition starts. Strings may be NULL unless noted. */
struct casedb_acquisition {
    const char *uuid;            /* required */
    int64_t evidence_id;         /* required */
    int64_t run_id;              /* 0: none */
    int64_t examiner_id;         /* 0: none */
    const char *format;          /* required: e01, raw */
    const char *source;          /* required: path or "-" */
    const char *source_identity; /* JSON object */
    const char *output_base;
    int64_t media_size, sector_size; /* bytes, -1 unknown */
    const char *compression;
    int64_t segment_size, chunk_sectors; /* -1 unknown */
    const char *case_number, *evidence_number, *description, *notes, *examiner_name;
    const char *tool_version, *library_versions, *command_line;
    int64_t started_at; /* ns UTC */
};

/* Insert the row with status 'running' in its own transaction; *id_out gets its id. */
int casedb_acquisition_begin(struct casedb *db, const struct casedb_acquisition *a, int64_t *id_out,
                             struct custody_err *err);

/* How it ended. */
struct casedb_acquisition_outcome {
    const char *status;                       /* complete, incomplete, failed, interrupted */
    const char *error;                        /* why it failed, NULL when it did not */
    int64_t ended_at;                         /* ns UTC */
    int64_t media_size;                       /* bytes acquired, -1 unknown */
    const char *md5, *sha1, *sha256;          /* NULL when not computed to the end */
    const char *verify_image, *verify_source; /* pass, fail, skipped */
    const char *manifest, *manifest_sig;      /* text, NULL when none */
    const struct manifest_file *files;        /* output files with size and SHA-256 */
    size_t n_files;
    const struct manifest_range *read_errors; /* unreadable ranges (sectors) */
    size_t n_read_errors;
};

/* Update the row, add its files and read errors, in one transaction. */
int casedb_acquisition_finish(struct casedb *db, int64_t id,
                              const struct casedb_acquisition_outcome *o, struct custody_err *err);

/* An acquisition as custody-acquire --resume finds it. */
struct casedb_acquisition_state {
    int64_t id, evidence_id, asset_id;
    char *status;      /* running, complete, incomplete, failed, interrupted */
    char *format;      /* e01, raw */
    char *output_base; /* may be NULL */
    char *manifest;    /* the manifest text recorded at the end, NULL when none */
};

/* The acquisition with this uuid: 0, or CUSTODY_ERR_NOTFOUND. Free with
 * casedb_acquisition_state_release. */
int casedb_acquisition_get(struct casedb *db, const char *uuid,
                           struct casedb_acquisition_state *out, struct custody_err *err);
void casedb_acquisition_state_release(struct casedb_acquisition_state *s);

/* --resume: an interrupted or failed acquisition is running again. Its status goes
 * back to 'running' (so a resume that is killed is reported as incomplete, like any
 * killed run) and the output files and unreadable ranges of the partial image are
 * dropped: casedb_acquisition_finish records those of the resumed image. One
 * transaction; CUSTODY_ERR_NOTFOUND when the row is not interrupted or failed. */
int casedb_acquisition_resume(struct casedb *db, int64_t id, struct custody_err *err);

#endif
