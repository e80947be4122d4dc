/* Log sources, their parse warnings and their events in the case database.
 * A writer holds prepared statements for bulk loading; the caller wraps a whole
 * source in one transaction (casedb_begin/commit) so a source is never half-loaded. */
#ifndef CUSTODY_LOG_STORE_H
#define CUSTODY_LOG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "error.h"

/* Bytes from the evidence (not NUL-terminated). Text columns get valid UTF-8
 * (invalid sequences and NUL become U+FFFD); the caller keeps originals in the
 * event's data JSON as <field>_hex when it needs them. */
struct casedb_bytes {
    const void *p; /* NULL: SQL NULL */
    size_t n;
};

struct casedb_log_source {
    int64_t evidence_id;
    int64_t partition_id;     /* -1: none (a file collected outside an image) */
    struct casedb_bytes path; /* path inside the image, or as given */
    const char *inode;        /* NULL unknown */
    const char *type;         /* parser type */
    const char *tz;           /* zone applied to zone-less records */
};

struct casedb_log_event {
    int64_t ts;         /* ns UTC */
    const char *kind;   /* normalized action */
    const char *source; /* syslog, auth, web, wtmp, ... */
    struct casedb_bytes path, host, user, ip, program, message;
    int64_t port, pid;    /* -1 unknown */
    const char *location; /* "line 12" or "offset 1536" */
    const char *tz;       /* zone applied, NULL when the record carried its own */
    int64_t flags;
    const char *data; /* JSON object or NULL */
};

struct casedb_log_writer;

int casedb_log_writer_open(struct casedb_log_writer **out, struct casedb *db,
                           struct custody_err *err);
void casedb_log_writer_close(struct casedb_log_writer *w); /* accepts NULL */

/* Delete earlier loads of the same path for the same evidence and partition (with
 * their events and warnings): re-ingesting replaces. *deleted: sources removed. */
int casedb_log_source_replace(struct casedb_log_writer *w, const struct casedb_log_source *src,
                              int64_t *deleted, struct custody_err *err);
/* A large load into a case no other connection has open: before the caller's
 * transaction, switch the case from WAL to a rollback journal, so the load's
 * pages are written once, into the database file (WAL writes each page twice:
 * to the log, then to the file at checkpoint), and map the file for the index
 * builds. The commit is as atomic and durable as in WAL mode (synchronous=FULL,
 * a crash rolls the journal back), but other processes wait for the load instead
 * of reading beside it. Nothing happens when expected_rows is under 100,000, the
 * case is not in WAL mode, or another connection has it open. */
int casedb_log_direct_begin(struct casedb_log_writer *w, uint64_t expected_rows,
                            struct custody_err *err);
/* After the commit (or rollback): back to WAL. CUSTODY_ERR_BUSY when another
 * process opened the case meanwhile and holds it (the data stays committed;
 * casedb_open of a writer switches it back). */
int casedb_log_direct_end(struct casedb_log_writer *w, struct custody_err *err);
/* A large load into a small events table: drop the events indexes now (inside the
 * caller's transaction) and build them again in casedb_log_bulk_end, which is
 * cheaper than updating four B-trees per row. Nothing happens when expected_rows
 * is under 100,000 or not larger than the rows already there. */
int casedb_log_bulk_begin(struct casedb_log_writer *w, uint64_t expected_rows,
                          struct custody_err *err);
/* Recreate what bulk_begin dropped (call before committing). */
int casedb_log_bulk_end(struct casedb_log_writer *w, struct custody_err *err);
int casedb_log_source_add(struct casedb_log_writer *w, const struct casedb_log_source *src,
                          int64_t *id_out, struct custody_err *err);
/* status: "ok", "partial" (warnings or damage), "error" (error says why). */
int casedb_log_source_finish(struct casedb_log_writer *w, int64_t id, const char *type,
                             uint64_t lines, uint64_t events, uint64_t warnings, const char *status,
                             const char *error, struct custody_err *err);
/* Queue an event (its strings are copied) and insert queued events in batches:
 * an event is in the events table only after casedb_log_flush, which
 * casedb_log_source_finish and casedb_log_bulk_end call first. */
int casedb_log_event_add(struct casedb_log_writer *w, int64_t evidence_id, int64_t partition_id,
                         int64_t source_id, const struct casedb_log_event *ev,
                         struct custody_err *err);
int casedb_log_flush(struct casedb_log_writer *w, struct custody_err *err);
int casedb_log_warning_add(struct casedb_log_writer *w, int64_t source_id, const char *location,
                           const char *message, struct casedb_bytes raw, struct custody_err *err);

#endif
