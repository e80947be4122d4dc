/* The file-system timeline in the case database: bulk loading of partitions and
 * files (a file's M/A/C/B times are its events: schema v2), and the readers the
 * exporters use. */
#include "timeline_store.h"
#include "bulk.h"

#include "db_internal.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

/* Below this many existing files, dropping the secondary indexes of files and
 * building them again after the load is cheaper than keeping them up to date row
 * by row; above it, rebuilding them would cost more than the load. */
#define TL_REINDEX_MAX_FILES 2000000
/* The same for events, which a build adds to only for the logs inside the image:
 * its indexes are rebuilt only while rebuilding them is cheap. */
#define TL_REINDEX_MAX_EVENTS 200000
/* How long the commit of a load written through a rollback journal waits for
 * readers that opened the case during the load (WAL commits never wait). */
#define TL_DIRECT_COMMIT_WAIT_MS (30 * 60 * 1000)
/* Page cache for a bulk load, KiB (a bound, not a reservation). */
#define TL_CACHE_KIB "262144"

struct timeline_load {
    struct casedb *db;
    int64_t evidence_id, run_id;
    sqlite3_stmt *ins_file, *ins_part, *upd_part, *ins_ioc;
    struct db_index_set indexes; /* dropped for the load (tl_drop_indexes) */
    int direct;                  /* the load runs with a rollback journal (db_direct_begin) */
};

static int
tl_exec(struct casedb *db, const char *sql, struct custody_err *err, const char *what)
{
    int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return db_fail(db, sqlite3_extended_errcode(db->db), err, what);
    return 0;
}

static int
tl_exec_id(struct casedb *db, const char *sql, int64_t id, struct custody_err *err,
           const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st, sql, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = db_exec_stmt(db, st, err, what);
    sqlite3_finalize(st);
    return rc;
}

/* Drop the indexes of files and events (theirs and any another module added),
 * remembering their SQL, when the tables are small enough to re-index. Partial
 * indexes (WHERE ...) stay: most loaded rows are not in them, so keeping them
 * costs less than the full scan that rebuilding one would take. */
static int
tl_drop_indexes(struct timeline_load *l, struct custody_err *err)
{
    static const struct {
        const char *table, *max_sql;
        int64_t limit;
    } t[] = {{"files", "SELECT coalesce(max(id), 0) FROM files", TL_REINDEX_MAX_FILES},
             {"events", "SELECT coalesce(max(id), 0) FROM events", TL_REINDEX_MAX_EVENTS}};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sqlite3_stmt *st = NULL;
        int64_t rows = 0;
        int rc;
        if ((rc = db_prepare(l->db, &st, t[i].max_sql, err)) < 0)
            return rc;
        if (sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (rows <= t[i].limit &&
            (rc = db_indexes_drop(l->db, &l->indexes, t[i].table, 1, err)) < 0)
            return rc;
    }
    return 0;
}

/* A build writes tens of MB of new pages: through a rollback journal when it can
 * (bulk.h: about 9% less CPU for the 100k-file bench). Back to WAL after the
 * commit or rollback; when another process opened the case in the meantime the
 * switch is refused, the case stays valid in rollback mode, and the next command
 * that writes to it switches it back (casedb_open). */
static void
tl_direct_end(struct timeline_load *l)
{
    struct custody_err ignored = {0};

    if (!l->direct)
        return;
    l->direct = 0;
    (void)db_direct_end(l->db, &ignored);
}

void
timeline_load_abort(struct timeline_load *l)
{
    if (!l)
        return;
    casedb_rollback(l->db);
    sqlite3_exec(l->db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    sqlite3_finalize(l->ins_file);
    sqlite3_finalize(l->ins_part);
    sqlite3_finalize(l->upd_part);
    sqlite3_finalize(l->ins_ioc);
    db_index_set_release(&l->indexes);
    tl_direct_end(l); /* statements finalized: the mode can change */
    free(l);
}

int
timeline_load_begin(struct timeline_load **out, struct casedb *db, int64_t evidence_id,
                    int64_t run_id, struct custody_err *err)
{
    struct timeline_load *l = calloc(1, sizeof(*l));
    int rc;

    *out = NULL;
    if (!l)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    l->db = db;
    l->evidence_id = evidence_id;
    l->run_id = run_id;
    /* Outside the transaction, where these pragmas take effect (foreign_keys is a
     * no-op inside one; temp_store is refused inside one once the connection has
     * used temporary storage, as a migration's ALTER TABLE does). A bounded page
     * cache big enough that a large load and the index builds after it do not
     * spill to disk half-way, and the sorts for the indexes in memory. Foreign
     * keys last (so a failure leaves them on): every id this load writes is one it
     * just read or created, and checking each row's references would only cost
     * time; back on at commit or abort. */
    if ((rc = tl_exec(db,
                      "PRAGMA cache_size = -" TL_CACHE_KIB "; PRAGMA temp_store = MEMORY;"
                      " PRAGMA foreign_keys = OFF",
                      err, "cannot set up the connection for the load")) < 0) {
        free(l);
        return rc;
    }
    l->direct = db_direct_begin(db); /* also outside a transaction only */
    if ((rc = casedb_begin(db, err)) < 0) {
        sqlite3_exec(db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
        tl_direct_end(l);
        free(l);
        return rc;
    }
    /* Rows of other modules that point at this evidence's partitions keep their
     * data but lose the link (the partitions are about to be replaced). */
    if ((rc = tl_exec_id(db,
                         "UPDATE events SET partition_id = NULL WHERE partition_id IN "
                         "(SELECT id FROM partitions WHERE evidence_id = ?1)",
                         evidence_id, err, "cannot unlink events from old partitions")) < 0 ||
        /* logs found inside the old partitions are parsed again by this build
         * (docs/logs.md); logs ingested from outside an image have no partition */
        (rc =
             tl_exec_id(db,
                        "DELETE FROM events WHERE log_source_id IN (SELECT id FROM log_sources "
                        "WHERE partition_id IN (SELECT id FROM partitions WHERE evidence_id = ?1))",
                        evidence_id, err, "cannot delete old log events")) < 0 ||
        (rc = tl_exec_id(db,
                         "DELETE FROM parse_warnings WHERE log_source_id IN (SELECT id FROM "
                         "log_sources WHERE partition_id IN (SELECT id FROM partitions WHERE "
                         "evidence_id = ?1))",
                         evidence_id, err, "cannot delete old parse warnings")) < 0 ||
        (rc = tl_exec_id(db,
                         "DELETE FROM log_sources WHERE partition_id IN "
                         "(SELECT id FROM partitions WHERE evidence_id = ?1)",
                         evidence_id, err, "cannot delete old log sources")) < 0 ||
        (rc = tl_exec_id(db, "DELETE FROM files WHERE evidence_id = ?1", evidence_id, err,
                         "cannot delete old files")) < 0 ||
        (rc = tl_exec_id(db, "DELETE FROM partitions WHERE evidence_id = ?1", evidence_id, err,
                         "cannot delete old partitions")) < 0)
        goto fail;
    if ((rc = tl_drop_indexes(l, err)) < 0)
        goto fail;
    if ((rc = db_prepare(db, &l->ins_file,
                         "INSERT INTO files (evidence_id, partition_id, path, link, inode, "
                         "name_type, meta_type, mode, uid, gid, size, flags, atime, mtime, ctime, "
                         "crtime, md5, sha256, ioc_name) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                         "?17, ?18, ?19)",
                         err)) < 0 ||
        (rc = db_prepare(db, &l->ins_part,
                         "INSERT INTO partitions (evidence_id, idx, offset, length, description, "
                         "vs_type, slot, prefix, fs_type, status, error, run_id) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                         err)) < 0 ||
        (rc = db_prepare(db, &l->upd_part,
                         "UPDATE partitions SET fs_type = ?2, status = ?3, error = ?4, "
                         "files = ?5, events = ?6 WHERE id = ?1",
                         err)) < 0 ||
        (rc = db_prepare(db, &l->ins_ioc,
                         "INSERT INTO iocs (hash, algo, name, source) VALUES (?1, ?2, ?3, ?4) "
                         "ON CONFLICT (hash) DO UPDATE SET name = coalesce(excluded.name, name), "
                         "source = excluded.source",
                         err)) < 0)
        goto fail;
    sqlite3_bind_int64(l->ins_file, 1, evidence_id);
    *out = l;
    return 0;
fail:
    timeline_load_abort(l);
    return rc;
}

int
timeline_load_partition(struct timeline_load *l, const struct tl_partition *p, int64_t *id_out,
                        struct custody_err *err)
{
    sqlite3_stmt *st = l->ins_part;
    int rc;

    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, l->evidence_id);
    sqlite3_bind_int(st, 2, p->idx);
    sqlite3_bind_int64(st, 3, p->offset);
    db_bind_opt_int(st, 4, p->length);
    db_bind_text(st, 5, p->desc);
    db_bind_text(st, 6, p->vs_type);
    db_bind_opt_int(st, 7, p->slot);
    db_bind_text(st, 8, p->prefix ? p->prefix : "");
    db_bind_text(st, 9, p->fs_type);
    db_bind_text(st, 10, p->status ? p->status : "partial");
    db_bind_text(st, 11, p->error);
    db_bind_opt_int(st, 12, l->run_id > 0 ? l->run_id : -1);
    if ((rc = db_exec_stmt(l->db, st, err, "cannot record partition")) < 0)
        return rc;
    *id_out = sqlite3_last_insert_rowid(l->db->db);
    return 0;
}

int
timeline_load_partition_done(struct timeline_load *l, int64_t partition_id,
                             const struct tl_partition *p, struct custody_err *err)
{
    sqlite3_stmt *st = l->upd_part;

    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, partition_id);
    db_bind_text(st, 2, p->fs_type);
    db_bind_text(st, 3, p->status);
    db_bind_text(st, 4, p->error);
    sqlite3_bind_int64(st, 5, p->files);
    sqlite3_bind_int64(st, 6, p->events);
    return db_exec_stmt(l->db, st, err, "cannot record partition result");
}

int
timeline_load_file(struct timeline_load *l, int64_t partition_id, const struct tl_file *f,
                   int64_t *file_id_out, int *events_out, struct custody_err *err)
{
    sqlite3_stmt *st = l->ins_file;
    int n = 0;

    *events_out = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 2, partition_id);
    sqlite3_bind_blob(st, 3, f->path_len ? f->path : "", (int)f->path_len, SQLITE_STATIC);
    if (f->link)
        sqlite3_bind_blob(st, 4, f->link_len ? f->link : "", (int)f->link_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, f->inode, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, f->name_type);
    if (f->meta_type >= 0) {
        sqlite3_bind_int(st, 7, f->meta_type);
        sqlite3_bind_int64(st, 8, f->mode);
        sqlite3_bind_int64(st, 9, f->uid);
        sqlite3_bind_int64(st, 10, f->gid);
        sqlite3_bind_int64(st, 11, f->size);
    } else {
        for (int i = 7; i <= 11; i++)
            sqlite3_bind_null(st, i);
    }
    sqlite3_bind_int(st, 12, (int)f->flags);
    for (int i = 0; i < 4; i++) {
        if (f->time_set & (1u << i))
            sqlite3_bind_int64(st, 13 + i, f->time[i]);
        else
            sqlite3_bind_null(st, 13 + i);
    }
    if (f->md5)
        sqlite3_bind_text(st, 17, f->md5, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 17);
    if (f->sha256)
        sqlite3_bind_text(st, 18, f->sha256, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 18);
    if (f->ioc_name)
        sqlite3_bind_text(st, 19, f->ioc_name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 19);
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_fail(l->db, sqlite3_extended_errcode(l->db->db), err, "cannot insert file");
    if (file_id_out)
        *file_id_out = sqlite3_last_insert_rowid(l->db->db);
    for (int i = 0; i < 4; i++)
        if (f->time_set & (1u << i))
            n++;
    *events_out = n; /* a file's set times are its events */
    return 0;
}

int
timeline_load_ioc(struct timeline_load *l, const char *hash, const char *algo, const char *name,
                  const char *source, struct custody_err *err)
{
    sqlite3_stmt *st = l->ins_ioc;

    sqlite3_reset(st);
    db_bind_text(st, 1, hash);
    db_bind_text(st, 2, algo);
    db_bind_text(st, 3, name);
    db_bind_text(st, 4, source);
    return db_exec_stmt(l->db, st, err, "cannot record ioc");
}

int
timeline_load_commit(struct timeline_load *l, struct custody_err *err)
{
    int rc = 0;

    if ((rc = db_indexes_rebuild(l->db, &l->indexes, err)) < 0)
        goto done;
    /* Planner statistics from a sample: a full ANALYZE would cost as much as the load. */
    if ((rc = tl_exec(l->db, "PRAGMA analysis_limit = 1000; ANALYZE files", err,
                      "cannot analyze")) < 0)
        goto done;
    /* Statements must be finished before COMMIT can release the write lock. */
    sqlite3_finalize(l->ins_file);
    sqlite3_finalize(l->ins_part);
    sqlite3_finalize(l->upd_part);
    sqlite3_finalize(l->ins_ioc);
    l->ins_file = l->ins_part = l->upd_part = l->ins_ioc = NULL;
    /* With a rollback journal the commit needs every reader gone, and one that
     * came after the load began may be in the middle of a long export: wait for
     * it rather than throw the whole build away after CASEDB_BUSY_TIMEOUT_MS. */
    if (l->direct)
        sqlite3_busy_timeout(l->db->db, TL_DIRECT_COMMIT_WAIT_MS);
    rc = casedb_commit(l->db, err);
    if (l->direct)
        sqlite3_busy_timeout(l->db->db, CASEDB_BUSY_TIMEOUT_MS);
done:
    timeline_load_abort(l); /* after a commit, the rollback is a no-op */
    return rc;
}

/* ---- reading ---- */

#define TL_ROW_COLS                                                                                \
    "f.id, f.partition_id, f.evidence_id, a.hostname, e.label, p.prefix, p.fs_type, f.path, "      \
    "f.link, f.inode, f.name_type, f.meta_type, f.mode, f.uid, f.gid, f.size, f.flags, f.atime, "  \
    "f.mtime, f.ctime, f.crtime, f.md5, f.sha256, f.ioc_name"

static const char *
tl_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static void
tl_fill_row(sqlite3_stmt *st, int c, struct tl_row *r)
{
    memset(r, 0, sizeof(*r));
    r->file_id = sqlite3_column_int64(st, c + 0);
    r->partition_id = sqlite3_column_int64(st, c + 1);
    r->evidence_id = sqlite3_column_int64(st, c + 2);
    r->host = tl_text(st, c + 3);
    r->label = tl_text(st, c + 4);
    r->prefix = tl_text(st, c + 5);
    if (!r->prefix)
        r->prefix = "";
    r->fs_type = tl_text(st, c + 6);
    r->f.path = sqlite3_column_blob(st, c + 7);
    r->f.path_len = (size_t)sqlite3_column_bytes(st, c + 7);
    if (!r->f.path)
        r->f.path = "";
    if (sqlite3_column_type(st, c + 8) != SQLITE_NULL) {
        r->f.link = sqlite3_column_blob(st, c + 8);
        r->f.link_len = (size_t)sqlite3_column_bytes(st, c + 8);
        if (!r->f.link)
            r->f.link = "";
    }
    r->f.inode = tl_text(st, c + 9);
    if (!r->f.inode)
        r->f.inode = "0";
    r->f.name_type = sqlite3_column_int(st, c + 10);
    if (sqlite3_column_type(st, c + 11) == SQLITE_NULL) {
        r->f.meta_type = -1;
    } else {
        r->f.meta_type = sqlite3_column_int(st, c + 11);
        r->f.mode = sqlite3_column_int64(st, c + 12);
        r->f.uid = sqlite3_column_int64(st, c + 13);
        r->f.gid = sqlite3_column_int64(st, c + 14);
        r->f.size = sqlite3_column_int64(st, c + 15);
    }
    r->f.flags = (unsigned)sqlite3_column_int(st, c + 16);
    for (int i = 0; i < 4; i++) {
        if (sqlite3_column_type(st, c + 17 + i) != SQLITE_NULL) {
            r->f.time[i] = sqlite3_column_int64(st, c + 17 + i);
            r->f.time_set |= 1u << i;
        }
    }
    r->f.md5 = tl_text(st, c + 21);
    r->f.sha256 = tl_text(st, c + 22);
    r->f.ioc_name = tl_text(st, c + 23);
}

int
timeline_files_foreach(struct casedb *db, int64_t evidence_id,
                       int (*cb)(void *ctx, const struct tl_row *r), void *ctx,
                       struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct tl_row r;
    int rc;

    rc = db_prepare(db, &st,
                    evidence_id > 0
                        ? "SELECT " TL_ROW_COLS " FROM files f JOIN partitions p ON p.id = "
                          "f.partition_id JOIN evidence e ON e.id = f.evidence_id JOIN assets a "
                          "ON a.id = e.asset_id WHERE f.evidence_id = ?1 ORDER BY f.id"
                        : "SELECT " TL_ROW_COLS " FROM files f JOIN partitions p ON p.id = "
                          "f.partition_id JOIN evidence e ON e.id = f.evidence_id JOIN assets a "
                          "ON a.id = e.asset_id ORDER BY f.id",
                    err);
    if (rc < 0)
        return rc;
    if (evidence_id > 0)
        sqlite3_bind_int64(st, 1, evidence_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        tl_fill_row(st, 0, &r);
        if ((rc = cb(ctx, &r)) != 0)
            goto done;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read files");
done:
    sqlite3_finalize(st);
    return rc;
}

/* Names the body rows need, loaded once: partition prefixes, and host and label
 * of each evidence item when exporting all of them. Rows arrive grouped by
 * partition, so the lookup is a compare with the last one in the common case. */
struct tl_names {
    struct tl_name {
        int64_t id;
        char *a, *b; /* prefix; or host and label */
    } * v;
    size_t n, last;
};

static void
tl_names_release(struct tl_names *nm)
{
    for (size_t i = 0; i < nm->n; i++) {
        free(nm->v[i].a);
        free(nm->v[i].b);
    }
    free(nm->v);
    memset(nm, 0, sizeof(*nm));
}

/* Rows of (id, text, text) in ascending id order. */
static int
tl_names_load(struct casedb *db, struct tl_names *nm, const char *sql, int64_t bind,
              struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if ((rc = db_prepare(db, &st, sql, err)) < 0)
        return rc;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, bind);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nm->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct tl_name *g = realloc(nm->v, cap * sizeof(*g));
            if (!g)
                abort();
            nm->v = g;
        }
        nm->v[nm->n].id = sqlite3_column_int64(st, 0);
        nm->v[nm->n].a = db_col_strdup(st, 1);
        nm->v[nm->n].b = db_col_strdup(st, 2);
        nm->n++;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read files");
    sqlite3_finalize(st);
    return rc;
}

static const struct tl_name *
tl_names_find(struct tl_names *nm, int64_t id)
{
    size_t lo = 0, hi = nm->n;

    if (nm->n && nm->v[nm->last].id == id)
        return &nm->v[nm->last];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nm->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == nm->n || nm->v[lo].id != id)
        return NULL;
    nm->last = lo;
    return &nm->v[lo];
}

/* The range of file ids of evidence_id; the whole range when it is the only
 * evidence item (then finding it would cost more than it saves). */
static int
tl_id_range(struct casedb *db, int64_t evidence_id, int64_t *lo, int64_t *hi,
            struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    rc = db_prepare(db, &st,
                    "SELECT min(id), max(id) FROM files WHERE evidence_id = ?1 AND (SELECT "
                    "count(*) FROM evidence) > 1",
                    err);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, evidence_id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            *lo = sqlite3_column_int64(st, 0);
            *hi = sqlite3_column_int64(st, 1);
        }
        rc = SQLITE_DONE;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read files");
    sqlite3_finalize(st);
    return rc;
}

int
timeline_body_rows_foreach(struct casedb *db, int64_t evidence_id,
                           int (*cb)(void *ctx, const struct tl_row *r), void *ctx,
                           struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct tl_names parts, evs;
    struct tl_row r;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    int rc;

    memset(&parts, 0, sizeof(parts));
    memset(&evs, 0, sizeof(evs));
    /* Map the file rather than read() it page by page (as query.c does); only
     * about speed, so a failure to set it is not an error. */
    sqlite3_exec(db->db, "PRAGMA mmap_size = 2147418112", NULL, NULL, NULL);
    /* Only the columns a body line needs, without joins or sub-selects: prefixes,
     * hosts and labels come from the small tables, read once. Each column read
     * costs, so the columns stop at md5 (the table's order). */
    if ((rc = tl_names_load(db, &parts,
                            "SELECT id, prefix, NULL FROM partitions WHERE ?1 = 0 OR "
                            "evidence_id = ?1 ORDER BY id",
                            evidence_id > 0 ? evidence_id : 0, err)) < 0)
        goto done;
    if (evidence_id <= 0 &&
        (rc = tl_names_load(db, &evs,
                            "SELECT e.id, a.hostname, e.label FROM evidence e JOIN assets a ON "
                            "a.id = e.asset_id ORDER BY e.id",
                            0, err)) < 0)
        goto done;
    /* In id order: a rowid scan, over the id range of the evidence item when the
     * case holds others (the index on evidence_id would need a sort by id). */
    if (evidence_id > 0 && (rc = tl_id_range(db, evidence_id, &lo, &hi, err)) < 0)
        goto done;
    rc = db_prepare(db, &st,
                    "SELECT f.evidence_id, f.partition_id, f.path, f.link, f.inode, f.name_type, "
                    "f.meta_type, f.mode, f.uid, f.gid, f.size, f.flags, f.atime, f.mtime, "
                    "f.ctime, f.crtime, f.md5 FROM files f WHERE f.id BETWEEN ?2 AND ?3 AND (?1 = "
                    "0 OR +f.evidence_id = ?1) ORDER BY f.id",
                    err);
    if (rc < 0)
        goto done;
    sqlite3_bind_int64(st, 1, evidence_id > 0 ? evidence_id : 0);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    memset(&r, 0, sizeof(r));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const struct tl_name *p;
        int64_t pid = sqlite3_column_int64(st, 1);
        r.f.link = NULL;
        r.f.link_len = 0;
        r.f.time_set = 0;
        r.partition_id = pid;
        r.prefix = (p = tl_names_find(&parts, pid)) && p->a ? p->a : "";
        if (evidence_id <= 0) {
            const struct tl_name *e = tl_names_find(&evs, sqlite3_column_int64(st, 0));
            r.host = e ? e->a : NULL;
            r.label = e ? e->b : NULL;
        }
        r.f.path = sqlite3_column_blob(st, 2);
        r.f.path_len = (size_t)sqlite3_column_bytes(st, 2);
        if (!r.f.path)
            r.f.path = "";
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            r.f.link = sqlite3_column_blob(st, 3);
            r.f.link_len = (size_t)sqlite3_column_bytes(st, 3);
            if (!r.f.link)
                r.f.link = "";
        }
        r.f.inode = tl_text(st, 4);
        if (!r.f.inode)
            r.f.inode = "0";
        r.f.name_type = sqlite3_column_int(st, 5);
        if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
            r.f.meta_type = -1;
            r.f.mode = r.f.uid = r.f.gid = r.f.size = 0;
        } else {
            r.f.meta_type = sqlite3_column_int(st, 6);
            r.f.mode = sqlite3_column_int64(st, 7);
            r.f.uid = sqlite3_column_int64(st, 8);
            r.f.gid = sqlite3_column_int64(st, 9);
            r.f.size = sqlite3_column_int64(st, 10);
        }
        r.f.flags = (unsigned)sqlite3_column_int(st, 11);
        for (int i = 0; i < 4; i++) {
            r.f.time[i] = 0;
            if (sqlite3_column_type(st, 12 + i) != SQLITE_NULL) {
                r.f.time[i] = sqlite3_column_int64(st, 12 + i);
                r.f.time_set |= 1u << i;
            }
        }
        r.f.md5 = tl_text(st, 16);
        if ((rc = cb(ctx, &r)) != 0)
            goto done;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read files");
done:
    sqlite3_finalize(st);
    tl_names_release(&parts);
    tl_names_release(&evs);
    return rc;
}

int
timeline_fs_events_foreach(struct casedb *db, int64_t evidence_id, int64_t from, int64_t to,
                           int (*cb)(void *ctx, const struct tl_event *e), void *ctx,
                           struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    struct tl_row r;
    struct tl_event ev;
    int rc;

    /* A file's set times are its events (schema v2): four arms over files, each
     * read through its time index (then file id) and merged by the ORDER BY
     * without a sort; ties in file, then a, m, c, b order (the last column). */
    for (int i = 0; i < 4; i++)
        strbuf_addf(&sql,
                    "%sSELECT f.%s, '%c', f.flags & 13, " TL_ROW_COLS ", %d FROM files f JOIN"
                    " partitions p ON p.id = f.partition_id JOIN evidence e ON e.id ="
                    " f.evidence_id JOIN assets a ON a.id = e.asset_id WHERE %s AND f.%s >= ?2"
                    " AND f.%s < ?3",
                    i ? " UNION ALL " : "", casedb_fs_times[i].col, casedb_fs_times[i].kind, i,
                    evidence_id > 0 ? "f.evidence_id = ?1" : "?1 = 0", casedb_fs_times[i].col,
                    casedb_fs_times[i].col);
    strbuf_addstr(&sql, " ORDER BY 1, 4, 28"); /* time, file id, kind */
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, evidence_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = tl_text(st, 1);
        if (!kind || !*kind)
            kind = "?";
        tl_fill_row(st, 3, &r);
        ev.ts = sqlite3_column_int64(st, 0);
        ev.kind = kind[0];
        ev.flags = (unsigned)sqlite3_column_int(st, 2);
        ev.row = &r;
        if ((rc = cb(ctx, &ev)) != 0)
            goto done;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read events");
done:
    sqlite3_finalize(st);
    return rc;
}

void
tl_partition_list_free(struct tl_partition_info *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].vs_type);
        free(list[i].desc);
        free(list[i].prefix);
        free(list[i].fs_type);
        free(list[i].status);
        free(list[i].error);
    }
    free(list);
}

int
timeline_partitions_list(struct casedb *db, int64_t evidence_id, struct tl_partition_info **out,
                         size_t *n, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct tl_partition_info *list = NULL;
    size_t count = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = db_prepare(db, &st,
                         "SELECT id, idx, slot, offset, length, vs_type, description, prefix, "
                         "fs_type, status, error, files, events FROM partitions WHERE "
                         "evidence_id = ?1 ORDER BY idx",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, evidence_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_partition_info *grown = realloc(list, (count + 1) * sizeof(*list));
        struct tl_partition_info *p;
        if (!grown)
            abort();
        list = grown;
        p = &list[count++];
        p->id = sqlite3_column_int64(st, 0);
        p->idx = sqlite3_column_int(st, 1);
        p->slot = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
        p->offset = sqlite3_column_int64(st, 3);
        p->length = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
        p->vs_type = db_col_strdup(st, 5);
        p->desc = db_col_strdup(st, 6);
        p->prefix = db_col_strdup(st, 7);
        p->fs_type = db_col_strdup(st, 8);
        p->status = db_col_strdup(st, 9);
        p->error = db_col_strdup(st, 10);
        p->files = sqlite3_column_int64(st, 11);
        p->events = sqlite3_column_int64(st, 12);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        tl_partition_list_free(list, count);
        return db_fail(db, rc, err, "cannot list partitions");
    }
    *out = list;
    *n = count;
    return 0;
}
