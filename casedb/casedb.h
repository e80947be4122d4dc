/* The case database: one SQLite file per case. This header is the core: opening,
 * transactions, the case, tool runs, assets, evidence items and examiners.
 * Other modules of casedb/ (acquisitions, custody log, timeline events) have their
 * own headers. Only casedb/ includes <sqlite3.h>. */
#ifndef CUSTODY_CASEDB_H
#define CUSTODY_CASEDB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct casedb; /* opaque */

#define CASEDB_UUID_LEN 36

struct casedb_case {
    char uuid[CASEDB_UUID_LEN + 1];
    char station_uuid[CASEDB_UUID_LEN + 1]; /* this database's own id (its custody chain) */
    char *case_number;
    char *title;
    char *organisation; /* may be NULL */
    int64_t created_at; /* ns since epoch, UTC */
};
void casedb_case_release(struct casedb_case *c);

enum {
    CASEDB_READONLY = 1, /* open read-only (verification of another party's database) */
    /* The connection is used by one thread only: SQLite's multi-thread mode, without
     * the mutex every call takes in serialized mode (about a tenth of an export's CPU).
     * Callers that share a handle between threads (custody-verify) must not set it. */
    CASEDB_ONE_THREAD = 2,
};

const char *casedb_sqlite_version(void);
/* Highest schema version this build knows. */
int casedb_schema_latest(void);

/* Create a new case database at path; refuses an existing file. c->uuid empty means
 * generate one (a station joining a case passes the case's uuid). The station uuid
 * is always generated. */
int casedb_create(struct casedb **out, const char *path, const struct casedb_case *c,
                  struct custody_err *err);
/* Open an existing case database. A file that is not a custody case database, or
 * one from a newer schema, is refused without being changed. */
int casedb_open(struct casedb **out, const char *path, int flags, struct custody_err *err);
/* casedb_open of *path, or of $CUSTODY_CASE_DB when *path is NULL (then *path is
 * set to it): how every tool names its case database. */
int casedb_open_named(struct casedb **out, const char **path, int flags, struct custody_err *err);
/* Accepts NULL. */
void casedb_close(struct casedb *db);
const char *casedb_path(const struct casedb *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Busy waits up to the busy timeout, then
 * CUSTODY_ERR_BUSY. casedb_rollback accepts a database with no open transaction. */
int casedb_begin(struct casedb *db, struct custody_err *err);
int casedb_commit(struct casedb *db, struct custody_err *err);
void casedb_rollback(struct casedb *db);

int casedb_get_case(struct casedb *db, struct casedb_case *out, struct custody_err *err);
/* PRAGMA integrity_check; *ok = 1 when "ok". */
int casedb_integrity_check(struct casedb *db, int *ok, struct custody_err *err);

/* ---- tool runs ---- */
/* Record the start of a tool run with its exact command line and library versions. */
int casedb_run_begin(struct casedb *db, const char *tool, int argc, char **argv, int64_t *run_id,
                     struct custody_err *err);
/* The same with the command line already shell-quoted (captured before getopt
 * reordered argv). */
int casedb_run_begin_line(struct casedb *db, const char *tool, const char *command_line,
                          int64_t *run_id, struct custody_err *err);
int casedb_run_end(struct casedb *db, int64_t run_id, int exit_status, struct custody_err *err);

/* ---- assets (servers) ---- */
struct casedb_asset {
    int64_t id;
    char *hostname;
    char *asset_tag, *serial, *location, *owner, *notes; /* may be NULL */
    char *status; /* registered, acquired, verified, cleared, decommissioned */
    char *added_by;
    int64_t created_at, updated_at; /* ns UTC */
};
void casedb_asset_release(struct casedb_asset *a);
void casedb_asset_list_free(struct casedb_asset *list, size_t n);
/* Insert; a->hostname required, status defaults to registered. CUSTODY_ERR_EXISTS
 * when the hostname is taken. */
int casedb_asset_add(struct casedb *db, const struct casedb_asset *a, int64_t *id_out,
                     struct custody_err *err);
/* CUSTODY_ERR_NOTFOUND when there is no such asset. */
int casedb_asset_get(struct casedb *db, const char *hostname, struct casedb_asset *out,
                     struct custody_err *err);
int casedb_asset_get_by_id(struct casedb *db, int64_t id, struct casedb_asset *out,
                           struct custody_err *err);
/* Get, or create with added_by when missing; *created tells which. */
int casedb_asset_ensure(struct casedb *db, const char *hostname, const char *added_by,
                        struct casedb_asset *out, int *created, struct custody_err *err);
int casedb_asset_list(struct casedb *db, struct casedb_asset **out, size_t *n,
                      struct custody_err *err);
int casedb_asset_set_status(struct casedb *db, int64_t id, const char *status,
                            struct custody_err *err);
int casedb_status_valid(const char *status);

/* ---- evidence items (disks, volumes) ---- */
struct casedb_evidence {
    int64_t id;
    int64_t asset_id;
    char *hostname; /* the asset's, filled by get/list */
    char *label;
    char *vendor, *model, *serial, *notes, *added_by; /* may be NULL */
    int64_t size;                                     /* bytes, -1 unknown */
    int64_t sector_size, physical_sector_size;        /* bytes, -1 unknown */
    int64_t created_at;
};
void casedb_evidence_release(struct casedb_evidence *e);
void casedb_evidence_list_free(struct casedb_evidence *list, size_t n);
int casedb_evidence_add(struct casedb *db, const struct casedb_evidence *e, int64_t *id_out,
                        struct custody_err *err);
/* Name an evidence item: hostname may be NULL when only one asset has that label;
 * several matches give CUSTODY_ERR_AMBIGUOUS with the candidates ("host/label")
 * in the message. */
int casedb_evidence_resolve(struct casedb *db, const char *hostname, const char *label,
                            struct casedb_evidence *out, struct custody_err *err);
int casedb_evidence_get_by_id(struct casedb *db, int64_t id, struct casedb_evidence *out,
                              struct custody_err *err);
/* Resolve, or create the asset and/or evidence when missing (added_by records who). */
int casedb_evidence_ensure(struct casedb *db, const char *hostname, const char *label,
                           const char *added_by, struct casedb_evidence *out, int *created,
                           struct custody_err *err);
/* Fill in identity fields that are still unknown (size, sector sizes, vendor, model, serial). */
int casedb_evidence_update_identity(struct casedb *db, const struct casedb_evidence *e,
                                    struct custody_err *err);
/* asset_id 0: all. */
int casedb_evidence_list(struct casedb *db, int64_t asset_id, struct casedb_evidence **out,
                         size_t *n, struct custody_err *err);

/* ---- examiners ---- */
struct casedb_examiner {
    int64_t id;
    char *name, *role;
    char *public_key; /* minisign public key (base64 line), may be NULL */
    char *key_id;     /* 16 hex digits, may be NULL */
    int64_t added_at;
    int64_t revoked_at; /* 0 when not revoked */
    char *revoked_reason;
};
void casedb_examiner_release(struct casedb_examiner *x);
void casedb_examiner_list_free(struct casedb_examiner *list, size_t n);
int casedb_examiner_add(struct casedb *db, const struct casedb_examiner *x, int64_t *id_out,
                        struct custody_err *err);
int casedb_examiner_list(struct casedb *db, struct casedb_examiner **out, size_t *n,
                         struct custody_err *err);
int casedb_examiner_by_key_id(struct casedb *db, const char *key_id, struct casedb_examiner *out,
                              struct custody_err *err);
int casedb_examiner_by_name(struct casedb *db, const char *name, struct casedb_examiner *out,
                            struct custody_err *err);
int casedb_examiner_revoke(struct casedb *db, int64_t id, int64_t when, const char *reason,
                           struct custody_err *err);

/* ---- summary ---- */
struct casedb_status {
    int64_t assets_by_status[5]; /* registered, acquired, verified, cleared, decommissioned */
    int64_t assets, evidence, examiners;
    int64_t acq_by_status[5]; /* running, complete, incomplete, failed, interrupted */
    int64_t acquisitions;
    int64_t events, files, custody_entries, runs;
};
extern const char *const casedb_asset_statuses[5];
extern const char *const casedb_acq_statuses[5];
int casedb_get_status(struct casedb *db, struct casedb_status *out, struct custody_err *err);

/* A random RFC 4122 version-4 uuid. */
int casedb_uuid_v4(char out[CASEDB_UUID_LEN + 1], struct custody_err *err);

#endif
