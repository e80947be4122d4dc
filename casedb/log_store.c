/* Loading parsed logs: prepared statements reused for every row, events copied
 * into an arena and inserted LOG_BATCH rows per step. */
#include "log_store.h"
#include "bulk.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "strbuf.h"
#include "utf8.h"

/* Events are inserted LOG_BATCH rows per statement step: one multi-row INSERT
 * costs far less per row than one step (and reset) per row. */
#define LOG_BATCH 32
#define LOG_EVENT_COLS 18

/* A string of a pending event: bytes in the writer's arena, or NULL. */
struct pending_str {
    size_t off, n;
    int null;
};

/* An event copied out of the caller's buffers until its batch is inserted. */
struct pending_event {
    int64_t evidence_id, partition_id, source_id, ts, port, pid, flags;
    struct pending_str kind, source, path, host, user, ip, program, message, location, tz, data;
};

struct casedb_log_writer {
    struct casedb *db;
    sqlite3_stmt *ins_source, *fin_source, *ins_event, *ins_events, *ins_warning;
    sqlite3_stmt *find_source, *del_events, *del_warnings, *del_source;
    struct db_index_set indexes; /* dropped by bulk_begin, rebuilt by bulk_end */
    int direct;                  /* direct_begin switched the case to a rollback journal */
    struct pending_event pending[LOG_BATCH];
    size_t n_pending;
    struct strbuf arena; /* the pending events' bytes */
};

#define LOG_EVENT_INSERT                                                                           \
    "INSERT INTO events (evidence_id, partition_id, ts, kind, source, log_source_id, path, host,"  \
    " user, ip, port, program, pid, message, location, tz, flags, data) VALUES "

/* INSERT INTO events ... VALUES (?,...), ... with rows rows of LOG_EVENT_COLS
 * parameters each, numbered in order. */
static int
prepare_event_insert(struct casedb_log_writer *w, sqlite3_stmt **st, size_t rows,
                     struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    int rc;

    strbuf_addstr(&sql, LOG_EVENT_INSERT);
    for (size_t r = 0; r < rows; r++) {
        strbuf_addstr(&sql, r ? ",(" : "(");
        for (size_t c = 0; c < LOG_EVENT_COLS; c++)
            strbuf_addstr(&sql, c ? ",?" : "?");
        strbuf_addch(&sql, ')');
    }
    rc = db_prepare(w->db, st, sql.buf, err);
    strbuf_release(&sql);
    return rc;
}

int
casedb_log_writer_open(struct casedb_log_writer **out, struct casedb *db, struct custody_err *err)
{
    struct casedb_log_writer *w = calloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    if (!w)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    w->db = db;
    strbuf_init(&w->arena);
    /* bulk loading: a larger page cache for the events indexes (a bound, not a
     * reservation); no foreign-key look-ups per row: every id the writer stores
     * is one its caller just created or looked up (back on in writer_close) */
    if ((rc = sqlite3_exec(db->db, "PRAGMA cache_size = -65536; PRAGMA foreign_keys = OFF", NULL,
                           NULL, NULL)) != SQLITE_OK) {
        free(w);
        return db_fail(db, rc, err, "cannot set up bulk loading");
    }
    if ((rc =
             db_prepare(db, &w->ins_source,
                        "INSERT INTO log_sources (evidence_id, partition_id, path, inode, type, tz,"
                        " status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'loading')",
                        err)) < 0 ||
        (rc = db_prepare(db, &w->fin_source,
                         "UPDATE log_sources SET type = ?2, lines = ?3, events = ?4, warnings = ?5,"
                         " status = ?6, error = ?7 WHERE id = ?1",
                         err)) < 0 ||
        (rc = prepare_event_insert(w, &w->ins_event, 1, err)) < 0 ||
        (rc = prepare_event_insert(w, &w->ins_events, LOG_BATCH, err)) < 0 ||
        (rc = db_prepare(db, &w->ins_warning,
                         "INSERT INTO parse_warnings (log_source_id, location, message, raw)"
                         " VALUES (?1, ?2, ?3, ?4)",
                         err)) < 0 ||
        (rc = db_prepare(db, &w->find_source,
                         "SELECT id FROM log_sources WHERE evidence_id = ?1 AND path = ?2 AND"
                         " partition_id IS ?3",
                         err)) < 0 ||
        (rc = db_prepare(db, &w->del_events, "DELETE FROM events WHERE log_source_id = ?1", err)) <
            0 ||
        (rc = db_prepare(db, &w->del_warnings,
                         "DELETE FROM parse_warnings WHERE log_source_id = ?1", err)) < 0 ||
        (rc = db_prepare(db, &w->del_source, "DELETE FROM log_sources WHERE id = ?1", err)) < 0) {
        casedb_log_writer_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

void
casedb_log_writer_close(struct casedb_log_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->ins_source);
    sqlite3_finalize(w->fin_source);
    sqlite3_finalize(w->ins_event);
    sqlite3_finalize(w->ins_events);
    sqlite3_finalize(w->ins_warning);
    sqlite3_finalize(w->find_source);
    sqlite3_finalize(w->del_events);
    sqlite3_finalize(w->del_warnings);
    sqlite3_finalize(w->del_source);
    strbuf_release(&w->arena);
    if (w->direct) { /* a failed load: rolled back by the caller */
        struct custody_err ignored = {0};
        casedb_log_direct_end(w, &ignored);
    }
    /* foreign keys were paused for the writer (a no-op inside a transaction, whose
     * owner turns them back on) */
    sqlite3_exec(w->db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    db_index_set_release(&w->indexes);
    free(w);
}

static int
bind_blob(sqlite3_stmt *st, int idx, struct casedb_bytes b)
{
    if (!b.p)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_blob(st, idx, b.p, (int)b.n, SQLITE_STATIC);
}

static int
step_reset(struct casedb_log_writer *w, sqlite3_stmt *st, struct custody_err *err, const char *what)
{
    int rc = db_exec_stmt(w->db, st, err, what);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int
casedb_log_source_replace(struct casedb_log_writer *w, const struct casedb_log_source *src,
                          int64_t *deleted, struct custody_err *err)
{
    int64_t ids[64];
    size_t n = 0;
    int rc;

    *deleted = 0;
    for (;;) { /* in rounds: ids are collected first, then deleted */
        n = 0;
        sqlite3_bind_int64(w->find_source, 1, src->evidence_id);
        bind_blob(w->find_source, 2, src->path);
        db_bind_opt_int(w->find_source, 3, src->partition_id);
        while ((rc = sqlite3_step(w->find_source)) == SQLITE_ROW && n < 64)
            ids[n++] = sqlite3_column_int64(w->find_source, 0);
        sqlite3_reset(w->find_source);
        sqlite3_clear_bindings(w->find_source);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_fail(w->db, rc, err, "cannot look up log sources");
        if (n == 0)
            return 0;
        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_int64(w->del_events, 1, ids[i]);
            if ((rc = step_reset(w, w->del_events, err, "cannot delete log events")) < 0)
                return rc;
            sqlite3_bind_int64(w->del_warnings, 1, ids[i]);
            if ((rc = step_reset(w, w->del_warnings, err, "cannot delete parse warnings")) < 0)
                return rc;
            sqlite3_bind_int64(w->del_source, 1, ids[i]);
            if ((rc = step_reset(w, w->del_source, err, "cannot delete log source")) < 0)
                return rc;
            (*deleted)++;
        }
    }
}

#define LOG_BULK_MIN_ROWS 100000
int
casedb_log_direct_begin(struct casedb_log_writer *w, uint64_t expected_rows,
                        struct custody_err *err)
{
    (void)err;
    if (expected_rows < LOG_BULK_MIN_ROWS || w->direct)
        return 0;
    w->direct = db_direct_begin(w->db);
    return 0;
}

int
casedb_log_direct_end(struct casedb_log_writer *w, struct custody_err *err)
{
    if (!w->direct)
        return 0;
    w->direct = 0;
    return db_direct_end(w->db, err);
}

int
casedb_log_bulk_begin(struct casedb_log_writer *w, uint64_t expected_rows, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t rows = 0;
    int rc;

    if (expected_rows < LOG_BULK_MIN_ROWS || w->indexes.n)
        return 0;
    if ((rc = db_prepare(w->db, &st, "SELECT coalesce(max(id), 0) FROM events", err)) < 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((uint64_t)rows >= expected_rows)
        return 0;
    /* log events fill the partial ip and user indexes too: all of them go */
    return db_indexes_drop(w->db, &w->indexes, "events", 0, err);
}

int
casedb_log_bulk_end(struct casedb_log_writer *w, struct custody_err *err)
{
    int rc = casedb_log_flush(w, err);

    if (rc < 0) {
        db_index_set_release(&w->indexes);
        return rc;
    }
    return db_indexes_rebuild(w->db, &w->indexes, err);
}

int
casedb_log_source_add(struct casedb_log_writer *w, const struct casedb_log_source *src,
                      int64_t *id_out, struct custody_err *err)
{
    sqlite3_stmt *st = w->ins_source;
    int rc;

    /* Events still pending here belong to a source whose load failed and was
     * rolled back (a finished source has flushed its events): drop them. */
    w->n_pending = 0;
    strbuf_reset(&w->arena);
    sqlite3_bind_int64(st, 1, src->evidence_id);
    db_bind_opt_int(st, 2, src->partition_id);
    bind_blob(st, 3, src->path);
    db_bind_text(st, 4, src->inode);
    db_bind_text(st, 5, src->type ? src->type : "unknown");
    db_bind_text(st, 6, src->tz);
    if ((rc = step_reset(w, st, err, "cannot add log source")) < 0)
        return rc;
    *id_out = sqlite3_last_insert_rowid(w->db->db);
    return 0;
}

int
casedb_log_source_finish(struct casedb_log_writer *w, int64_t id, const char *type, uint64_t lines,
                         uint64_t events, uint64_t warnings, const char *status, const char *error,
                         struct custody_err *err)
{
    sqlite3_stmt *st = w->fin_source;
    int rc;

    if ((rc = casedb_log_flush(w, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, type ? type : "unknown");
    sqlite3_bind_int64(st, 3, (int64_t)lines);
    sqlite3_bind_int64(st, 4, (int64_t)events);
    sqlite3_bind_int64(st, 5, (int64_t)warnings);
    db_bind_text(st, 6, status);
    db_bind_text(st, 7, error);
    return step_reset(w, st, err, "cannot update log source");
}

/* Copy evidence bytes into the arena as TEXT that is valid UTF-8: invalid
 * sequences and NUL become U+FFFD. */
static struct pending_str
keep_text(struct casedb_log_writer *w, struct casedb_bytes b)
{
    struct pending_str r = {w->arena.len, 0, b.p == NULL};
    const uint8_t *p = b.p;
    size_t i = 0;
    uint32_t cp;

    if (!b.p)
        return r;
    if (!memchr(b.p, 0, b.n) && utf8_valid(b.p, b.n)) {
        strbuf_add(&w->arena, b.p, b.n);
    } else {
        while (i < b.n) {
            size_t k = p[i] ? utf8_decode(p + i, b.n - i, &cp) : 0;
            if (k == 0) {
                strbuf_add(&w->arena, "\xef\xbf\xbd", 3);
                i++;
            } else {
                strbuf_add(&w->arena, p + i, k);
                i += k;
            }
        }
    }
    r.n = w->arena.len - r.off;
    return r;
}

static struct pending_str
keep_bytes(struct casedb_log_writer *w, struct casedb_bytes b)
{
    struct pending_str r = {w->arena.len, b.n, b.p == NULL};

    if (b.p)
        strbuf_add(&w->arena, b.p, b.n);
    return r;
}

static struct pending_str
keep_cstr(struct casedb_log_writer *w, const char *s)
{
    struct casedb_bytes b = {s, s ? strlen(s) : 0};
    return keep_bytes(w, b);
}

static void
bind_pending(struct casedb_log_writer *w, sqlite3_stmt *st, int idx, struct pending_str s, int text)
{
    const char *p = w->arena.buf + s.off;

    if (s.null)
        sqlite3_bind_null(st, idx);
    else if (text)
        sqlite3_bind_text(st, idx, s.n ? p : "", (int)s.n, SQLITE_STATIC);
    else
        sqlite3_bind_blob(st, idx, s.n ? p : "", (int)s.n, SQLITE_STATIC);
}

/* Bind pending event e as row number row (0-based) of st. */
static void
bind_event_row(struct casedb_log_writer *w, sqlite3_stmt *st, int row,
               const struct pending_event *e)
{
    int b = row * LOG_EVENT_COLS;

    sqlite3_bind_int64(st, b + 1, e->evidence_id);
    db_bind_opt_int(st, b + 2, e->partition_id);
    sqlite3_bind_int64(st, b + 3, e->ts);
    bind_pending(w, st, b + 4, e->kind, 1);
    bind_pending(w, st, b + 5, e->source, 1);
    sqlite3_bind_int64(st, b + 6, e->source_id);
    bind_pending(w, st, b + 7, e->path, 0);
    bind_pending(w, st, b + 8, e->host, 1);
    bind_pending(w, st, b + 9, e->user, 1);
    bind_pending(w, st, b + 10, e->ip, 1);
    db_bind_opt_int(st, b + 11, e->port);
    bind_pending(w, st, b + 12, e->program, 1);
    db_bind_opt_int(st, b + 13, e->pid);
    bind_pending(w, st, b + 14, e->message, 1);
    bind_pending(w, st, b + 15, e->location, 1);
    bind_pending(w, st, b + 16, e->tz, 1);
    sqlite3_bind_int64(st, b + 17, e->flags);
    bind_pending(w, st, b + 18, e->data, 1);
}

/* Insert the pending events, in order: full batches with one step, the rest
 * one row at a time. The arena is emptied whatever happens (on failure the
 * caller rolls the transaction back). */
static int
flush_events(struct casedb_log_writer *w, struct custody_err *err)
{
    int rc = 0;

    if (w->n_pending == LOG_BATCH) {
        for (int i = 0; i < LOG_BATCH; i++)
            bind_event_row(w, w->ins_events, i, &w->pending[i]);
        rc = step_reset(w, w->ins_events, err, "cannot add log events");
    } else {
        for (size_t i = 0; i < w->n_pending && rc == 0; i++) {
            bind_event_row(w, w->ins_event, 0, &w->pending[i]);
            rc = step_reset(w, w->ins_event, err, "cannot add log event");
        }
    }
    w->n_pending = 0;
    strbuf_reset(&w->arena);
    return rc;
}

int
casedb_log_event_add(struct casedb_log_writer *w, int64_t evidence_id, int64_t partition_id,
                     int64_t source_id, const struct casedb_log_event *ev, struct custody_err *err)
{
    struct pending_event *e = &w->pending[w->n_pending];

    e->evidence_id = evidence_id;
    e->partition_id = partition_id;
    e->source_id = source_id;
    e->ts = ev->ts;
    e->port = ev->port;
    e->pid = ev->pid;
    e->flags = ev->flags;
    e->kind = keep_cstr(w, ev->kind);
    e->source = keep_cstr(w, ev->source);
    e->path = keep_bytes(w, ev->path);
    e->host = keep_text(w, ev->host);
    e->user = keep_text(w, ev->user);
    e->ip = keep_text(w, ev->ip);
    e->program = keep_text(w, ev->program);
    e->message = keep_text(w, ev->message);
    e->location = keep_cstr(w, ev->location);
    e->tz = keep_cstr(w, ev->tz);
    e->data = keep_cstr(w, ev->data);
    if (++w->n_pending < LOG_BATCH)
        return 0;
    return flush_events(w, err);
}

int
casedb_log_flush(struct casedb_log_writer *w, struct custody_err *err)
{
    if (!w->n_pending)
        return 0;
    return flush_events(w, err);
}

int
casedb_log_warning_add(struct casedb_log_writer *w, int64_t source_id, const char *location,
                       const char *message, struct casedb_bytes raw, struct custody_err *err)
{
    sqlite3_stmt *st = w->ins_warning;

    sqlite3_bind_int64(st, 1, source_id);
    db_bind_text(st, 2, location);
    db_bind_text(st, 3, message);
    bind_blob(st, 4, raw);
    return step_reset(w, st, err, "cannot add parse warning");
}
