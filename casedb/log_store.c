/* Loading parsed logs: prepared statements reused for every row. */
#include "log_store.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "strbuf.h"
#include "utf8.h"

struct casedb_log_writer {
    struct casedb *db;
    sqlite3_stmt *ins_source, *fin_source, *ins_event, *ins_warning;
    sqlite3_stmt *find_source, *del_events, *del_warnings, *del_source;
    struct strbuf tmp;
    char **index_sql; /* dropped by bulk_begin, recreated by bulk_end */
    size_t n_index;
};

int
casedb_log_writer_open(struct casedb_log_writer **out, struct casedb *db, struct custody_err *err)
{
    struct casedb_log_writer *w = calloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    if (!w)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    w->db = db;
    strbuf_init(&w->tmp);
    /* bulk loading: a larger page cache for the events indexes */
    if ((rc = sqlite3_exec(db->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL)) != SQLITE_OK) {
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
        (rc = db_prepare(db, &w->ins_event,
                         "INSERT INTO events (evidence_id, partition_id, ts, kind, source,"
                         " log_source_id, path, host, user, ip, port, program, pid, message,"
                         " location, tz, flags, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                         " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                         err)) < 0 ||
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
    sqlite3_finalize(w->ins_warning);
    sqlite3_finalize(w->find_source);
    sqlite3_finalize(w->del_events);
    sqlite3_finalize(w->del_warnings);
    sqlite3_finalize(w->del_source);
    strbuf_release(&w->tmp);
    for (size_t i = 0; i < w->n_index; i++)
        free(w->index_sql[i]);
    free(w->index_sql);
    free(w);
}

/* Bind evidence bytes as TEXT that is valid UTF-8: invalid sequences and NUL
 * become U+FFFD. Valid input (the usual case) is bound without a copy. */
static int
bind_text_bytes(struct casedb_log_writer *w, sqlite3_stmt *st, int idx, struct casedb_bytes b)
{
    const uint8_t *p = b.p;
    size_t i = 0;
    uint32_t cp;

    if (!b.p)
        return sqlite3_bind_null(st, idx);
    if (!memchr(b.p, 0, b.n) && utf8_valid(b.p, b.n))
        return sqlite3_bind_text(st, idx, b.p, (int)b.n, SQLITE_STATIC);
    strbuf_reset(&w->tmp);
    while (i < b.n) {
        size_t k = p[i] ? utf8_decode(p + i, b.n - i, &cp) : 0;
        if (k == 0) {
            strbuf_add(&w->tmp, "\xef\xbf\xbd", 3);
            i++;
        } else {
            strbuf_add(&w->tmp, p + i, k);
            i += k;
        }
    }
    return sqlite3_bind_text(st, idx, w->tmp.buf, (int)w->tmp.len, SQLITE_TRANSIENT);
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
casedb_log_bulk_begin(struct casedb_log_writer *w, uint64_t expected_rows, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t rows = 0;
    int rc;

    if (expected_rows < LOG_BULK_MIN_ROWS || w->n_index)
        return 0;
    if ((rc = db_prepare(w->db, &st, "SELECT coalesce(max(id), 0) FROM events", err)) < 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((uint64_t)rows >= expected_rows)
        return 0;
    if ((rc = db_prepare(w->db, &st,
                         "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND"
                         " tbl_name = 'events' AND sql IS NOT NULL",
                         err)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(w->index_sql, (w->n_index + 1) * sizeof(*grown));
        if (!grown)
            abort();
        w->index_sql = grown;
        w->index_sql[w->n_index++] = db_col_strdup(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(w->db, rc, err, "cannot list the events indexes");
    for (size_t i = 0; i < w->n_index; i++) {
        /* "CREATE INDEX name ON ..." -> "DROP INDEX name" (names are ours: no quoting) */
        const char *sql = w->index_sql[i], *name = strstr(sql, "INDEX ");
        struct strbuf drop = STRBUF_INIT;
        size_t n;
        if (!name)
            return custody_err_set(err, CUSTODY_ERR_DB, "unexpected index definition");
        name += 6;
        n = strcspn(name, " (");
        strbuf_addstr(&drop, "DROP INDEX ");
        strbuf_add(&drop, name, n);
        rc = sqlite3_exec(w->db->db, drop.buf, NULL, NULL, NULL);
        strbuf_release(&drop);
        if (rc != SQLITE_OK)
            return db_fail(w->db, rc, err, "cannot drop an events index");
    }
    return 0;
}

int
casedb_log_bulk_end(struct casedb_log_writer *w, struct custody_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < w->n_index; i++) {
        if (rc == 0 &&
            (rc = sqlite3_exec(w->db->db, w->index_sql[i], NULL, NULL, NULL)) != SQLITE_OK)
            rc = db_fail(w->db, rc, err, "cannot recreate an events index");
        free(w->index_sql[i]);
    }
    free(w->index_sql);
    w->index_sql = NULL;
    w->n_index = 0;
    return rc;
}

int
casedb_log_source_add(struct casedb_log_writer *w, const struct casedb_log_source *src,
                      int64_t *id_out, struct custody_err *err)
{
    sqlite3_stmt *st = w->ins_source;
    int rc;

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

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, type ? type : "unknown");
    sqlite3_bind_int64(st, 3, (int64_t)lines);
    sqlite3_bind_int64(st, 4, (int64_t)events);
    sqlite3_bind_int64(st, 5, (int64_t)warnings);
    db_bind_text(st, 6, status);
    db_bind_text(st, 7, error);
    return step_reset(w, st, err, "cannot update log source");
}

int
casedb_log_event_add(struct casedb_log_writer *w, int64_t evidence_id, int64_t partition_id,
                     int64_t source_id, const struct casedb_log_event *ev, struct custody_err *err)
{
    sqlite3_stmt *st = w->ins_event;

    sqlite3_bind_int64(st, 1, evidence_id);
    db_bind_opt_int(st, 2, partition_id);
    sqlite3_bind_int64(st, 3, ev->ts);
    db_bind_text(st, 4, ev->kind);
    db_bind_text(st, 5, ev->source);
    sqlite3_bind_int64(st, 6, source_id);
    bind_blob(st, 7, ev->path);
    bind_text_bytes(w, st, 8, ev->host);
    bind_text_bytes(w, st, 9, ev->user);
    bind_text_bytes(w, st, 10, ev->ip);
    db_bind_opt_int(st, 11, ev->port);
    bind_text_bytes(w, st, 12, ev->program);
    db_bind_opt_int(st, 13, ev->pid);
    /* the message is bound last of the converted texts: w->tmp is shared, and
     * SQLITE_TRANSIENT copies it at bind time */
    bind_text_bytes(w, st, 14, ev->message);
    db_bind_text(st, 15, ev->location);
    db_bind_text(st, 16, ev->tz);
    sqlite3_bind_int64(st, 17, ev->flags);
    db_bind_text(st, 18, ev->data);
    return step_reset(w, st, err, "cannot add log event");
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
