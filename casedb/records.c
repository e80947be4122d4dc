/* Assets, evidence items and examiners. */
#include "db_internal.h"

#include "cli.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

int
casedb_status_valid(const char *status)
{
    for (int i = 0; i < 5; i++)
        if (status && !strcmp(status, casedb_asset_statuses[i]))
            return 1;
    return 0;
}

void
casedb_asset_release(struct casedb_asset *a)
{
    if (!a)
        return;
    free(a->hostname);
    free(a->asset_tag);
    free(a->serial);
    free(a->location);
    free(a->owner);
    free(a->notes);
    free(a->status);
    free(a->added_by);
    memset(a, 0, sizeof(*a));
}

void
casedb_asset_list_free(struct casedb_asset *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        casedb_asset_release(&list[i]);
    free(list);
}

int
casedb_asset_add(struct casedb *db, const struct casedb_asset *a, int64_t *id_out,
                 struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t now = custody_now_ns();
    int rc;

    if (!a->hostname || !*a->hostname)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "an asset needs a hostname");
    if (a->status && !casedb_status_valid(a->status))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "unknown asset status '%s'", a->status);
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO assets (hostname, asset_tag, serial, location, owner, notes,"
                         " status, created_at, updated_at, added_by)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, a->hostname);
    db_bind_text(st, 2, a->asset_tag);
    db_bind_text(st, 3, a->serial);
    db_bind_text(st, 4, a->location);
    db_bind_text(st, 5, a->owner);
    db_bind_text(st, 6, a->notes);
    db_bind_text(st, 7, a->status ? a->status : "registered");
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_int64(st, 9, now);
    db_bind_text(st, 10, a->added_by);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(db->db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            rc = custody_err_set(err, CUSTODY_ERR_EXISTS, "asset '%s' already exists", a->hostname);
        else
            rc = db_fail(db, ext, err, "cannot add asset");
    } else {
        rc = 0;
        if (id_out)
            *id_out = sqlite3_last_insert_rowid(db->db);
    }
    sqlite3_finalize(st);
    return rc;
}

#define ASSET_COLS                                                                                 \
    "id, hostname, asset_tag, serial, location, owner, notes, status, added_by, created_at,"       \
    " updated_at"

static void
asset_from_row(sqlite3_stmt *st, struct casedb_asset *a)
{
    a->id = sqlite3_column_int64(st, 0);
    a->hostname = db_col_strdup(st, 1);
    a->asset_tag = db_col_strdup(st, 2);
    a->serial = db_col_strdup(st, 3);
    a->location = db_col_strdup(st, 4);
    a->owner = db_col_strdup(st, 5);
    a->notes = db_col_strdup(st, 6);
    a->status = db_col_strdup(st, 7);
    a->added_by = db_col_strdup(st, 8);
    a->created_at = sqlite3_column_int64(st, 9);
    a->updated_at = sqlite3_column_int64(st, 10);
}

static int
asset_get_where(struct casedb *db, const char *where, const char *text, int64_t id,
                struct casedb_asset *out, struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    strbuf_addf(&sql, "SELECT " ASSET_COLS " FROM assets WHERE %s", where);
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    if (text)
        db_bind_text(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        asset_from_row(st, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        if (text)
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no asset '%s' in the case", text);
        else
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no asset with id %lld", (long long)id);
    } else {
        rc = db_fail(db, rc, err, "cannot read asset");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_asset_get(struct casedb *db, const char *hostname, struct casedb_asset *out,
                 struct custody_err *err)
{
    return asset_get_where(db, "hostname = ?", hostname, 0, out, err);
}

int
casedb_asset_get_by_id(struct casedb *db, int64_t id, struct casedb_asset *out,
                       struct custody_err *err)
{
    return asset_get_where(db, "id = ?", NULL, id, out, err);
}

int
casedb_asset_ensure(struct casedb *db, const char *hostname, const char *added_by,
                    struct casedb_asset *out, int *created, struct custody_err *err)
{
    struct casedb_asset a = {0};
    int rc;

    if (created)
        *created = 0;
    rc = casedb_asset_get(db, hostname, out, err);
    if (rc != CUSTODY_ERR_NOTFOUND)
        return rc;
    a.hostname = (char *)hostname;
    a.added_by = (char *)added_by;
    if ((rc = casedb_asset_add(db, &a, NULL, err)) < 0)
        return rc;
    if (created)
        *created = 1;
    return casedb_asset_get(db, hostname, out, err);
}

int
casedb_asset_list(struct casedb *db, struct casedb_asset **out, size_t *n, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct casedb_asset *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = db_prepare(db, &st, "SELECT " ASSET_COLS " FROM assets ORDER BY hostname", err)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            struct casedb_asset *p = realloc(list, cap * sizeof(*list));
            if (!p)
                abort();
            list = p;
        }
        memset(&list[count], 0, sizeof(*list));
        asset_from_row(st, &list[count++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        casedb_asset_list_free(list, count);
        return db_fail(db, rc, err, "cannot list assets");
    }
    *out = list;
    *n = count;
    return 0;
}

int
casedb_asset_set_status(struct casedb *db, int64_t id, const char *status, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!casedb_status_valid(status))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "unknown asset status '%s'", status);
    if ((rc = db_prepare(db, &st, "UPDATE assets SET status = ?, updated_at = ? WHERE id = ?",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, custody_now_ns());
    sqlite3_bind_int64(st, 3, id);
    rc = db_exec_stmt(db, st, err, "cannot set asset status");
    sqlite3_finalize(st);
    return rc;
}

/* ---- evidence ---- */

void
casedb_evidence_release(struct casedb_evidence *e)
{
    if (!e)
        return;
    free(e->hostname);
    free(e->label);
    free(e->vendor);
    free(e->model);
    free(e->serial);
    free(e->notes);
    free(e->added_by);
    memset(e, 0, sizeof(*e));
}

void
casedb_evidence_list_free(struct casedb_evidence *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        casedb_evidence_release(&list[i]);
    free(list);
}

int
casedb_evidence_add(struct casedb *db, const struct casedb_evidence *e, int64_t *id_out,
                    struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!e->label || !*e->label)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "an evidence item needs a label");
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO evidence (asset_id, label, vendor, model, serial, size,"
                         " sector_size, physical_sector_size, notes, added_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, e->asset_id);
    db_bind_text(st, 2, e->label);
    db_bind_text(st, 3, e->vendor);
    db_bind_text(st, 4, e->model);
    db_bind_text(st, 5, e->serial);
    db_bind_opt_int(st, 6, e->size);
    db_bind_opt_int(st, 7, e->sector_size);
    db_bind_opt_int(st, 8, e->physical_sector_size);
    db_bind_text(st, 9, e->notes);
    db_bind_text(st, 10, e->added_by);
    sqlite3_bind_int64(st, 11, custody_now_ns());
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(db->db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            rc = custody_err_set(err, CUSTODY_ERR_EXISTS,
                                 "evidence '%s' already exists for this asset", e->label);
        else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no asset with id %lld",
                                 (long long)e->asset_id);
        else
            rc = db_fail(db, ext, err, "cannot add evidence");
    } else {
        rc = 0;
        if (id_out)
            *id_out = sqlite3_last_insert_rowid(db->db);
    }
    sqlite3_finalize(st);
    return rc;
}

#define EVIDENCE_COLS                                                                              \
    "e.id, e.asset_id, a.hostname, e.label, e.vendor, e.model, e.serial, e.notes, e.added_by,"     \
    " coalesce(e.size, -1), coalesce(e.sector_size, -1), coalesce(e.physical_sector_size, -1),"    \
    " e.created_at FROM evidence e JOIN assets a ON a.id = e.asset_id"

static void
evidence_from_row(sqlite3_stmt *st, struct casedb_evidence *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->asset_id = sqlite3_column_int64(st, 1);
    e->hostname = db_col_strdup(st, 2);
    e->label = db_col_strdup(st, 3);
    e->vendor = db_col_strdup(st, 4);
    e->model = db_col_strdup(st, 5);
    e->serial = db_col_strdup(st, 6);
    e->notes = db_col_strdup(st, 7);
    e->added_by = db_col_strdup(st, 8);
    e->size = sqlite3_column_int64(st, 9);
    e->sector_size = sqlite3_column_int64(st, 10);
    e->physical_sector_size = sqlite3_column_int64(st, 11);
    e->created_at = sqlite3_column_int64(st, 12);
}

static int
evidence_query(struct casedb *db, const char *where, const char *t1, const char *t2, int64_t id,
               struct casedb_evidence **out, size_t *n, struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    struct casedb_evidence *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    strbuf_addf(&sql, "SELECT " EVIDENCE_COLS " WHERE %s ORDER BY a.hostname, e.label", where);
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    if (t1)
        db_bind_text(st, 1, t1);
    if (t2)
        db_bind_text(st, 2, t2);
    if (!t1 && !t2 && id)
        sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            struct casedb_evidence *p = realloc(list, cap * sizeof(*list));
            if (!p)
                abort();
            list = p;
        }
        memset(&list[count], 0, sizeof(*list));
        evidence_from_row(st, &list[count++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        casedb_evidence_list_free(list, count);
        return db_fail(db, rc, err, "cannot read evidence");
    }
    *out = list;
    *n = count;
    return 0;
}

int
casedb_evidence_resolve(struct casedb *db, const char *hostname, const char *label,
                        struct casedb_evidence *out, struct custody_err *err)
{
    struct casedb_evidence *list = NULL;
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!label || !*label)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no evidence label given");
    if (hostname)
        rc = evidence_query(db, "a.hostname = ?1 AND e.label = ?2", hostname, label, 0, &list, &n,
                            err);
    else
        rc = evidence_query(db, "e.label = ?1", label, NULL, 0, &list, &n, err);
    if (rc < 0)
        return rc;
    if (n == 1) {
        *out = list[0];
        free(list);
        return 0;
    }
    if (n == 0) {
        casedb_evidence_list_free(list, n);
        if (hostname)
            return custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                                   "no evidence '%s' for asset '%s' in the case", label, hostname);
        return custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no evidence '%s' in the case", label);
    }
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&sb, "%s%s/%s", i ? ", " : "", list[i].hostname, list[i].label);
    rc = custody_err_set(err, CUSTODY_ERR_AMBIGUOUS,
                         "evidence '%s' is ambiguous: %zu assets have it (%s); name one with "
                         "--asset",
                         label, n, sb.buf);
    strbuf_release(&sb);
    casedb_evidence_list_free(list, n);
    return rc;
}

int
casedb_evidence_get_by_id(struct casedb *db, int64_t id, struct casedb_evidence *out,
                          struct custody_err *err)
{
    struct casedb_evidence *list = NULL;
    size_t n = 0;
    int rc = evidence_query(db, "e.id = ?1", NULL, NULL, id, &list, &n, err);

    memset(out, 0, sizeof(*out));
    if (rc < 0)
        return rc;
    if (n != 1) {
        casedb_evidence_list_free(list, n);
        return custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no evidence with id %lld",
                               (long long)id);
    }
    *out = list[0];
    free(list);
    return 0;
}

int
casedb_evidence_ensure(struct casedb *db, const char *hostname, const char *label,
                       const char *added_by, struct casedb_evidence *out, int *created,
                       struct custody_err *err)
{
    struct casedb_asset a;
    struct casedb_evidence e = {0};
    int rc;

    if (created)
        *created = 0;
    rc = casedb_evidence_resolve(db, hostname, label, out, err);
    if (rc != CUSTODY_ERR_NOTFOUND)
        return rc;
    if (!hostname)
        return custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                               "no evidence '%s' in the case; name its asset with --asset to "
                               "create it",
                               label);
    if ((rc = casedb_asset_ensure(db, hostname, added_by, &a, NULL, err)) < 0)
        return rc;
    e.asset_id = a.id;
    e.label = (char *)label;
    e.added_by = (char *)added_by;
    e.size = e.sector_size = e.physical_sector_size = -1;
    casedb_asset_release(&a);
    if ((rc = casedb_evidence_add(db, &e, NULL, err)) < 0)
        return rc;
    if (created)
        *created = 1;
    return casedb_evidence_resolve(db, hostname, label, out, err);
}

int
casedb_evidence_update_identity(struct casedb *db, const struct casedb_evidence *e,
                                struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st,
                         "UPDATE evidence SET size = coalesce(size, ?1),"
                         " sector_size = coalesce(sector_size, ?2),"
                         " physical_sector_size = coalesce(physical_sector_size, ?3),"
                         " vendor = coalesce(vendor, ?4), model = coalesce(model, ?5),"
                         " serial = coalesce(serial, ?6) WHERE id = ?7",
                         err)) < 0)
        return rc;
    db_bind_opt_int(st, 1, e->size);
    db_bind_opt_int(st, 2, e->sector_size);
    db_bind_opt_int(st, 3, e->physical_sector_size);
    db_bind_text(st, 4, e->vendor);
    db_bind_text(st, 5, e->model);
    db_bind_text(st, 6, e->serial);
    sqlite3_bind_int64(st, 7, e->id);
    rc = db_exec_stmt(db, st, err, "cannot update evidence identity");
    sqlite3_finalize(st);
    return rc;
}

int
casedb_evidence_list(struct casedb *db, int64_t asset_id, struct casedb_evidence **out, size_t *n,
                     struct custody_err *err)
{
    if (asset_id)
        return evidence_query(db, "e.asset_id = ?1", NULL, NULL, asset_id, out, n, err);
    return evidence_query(db, "1", NULL, NULL, 0, out, n, err);
}

/* ---- examiners ---- */

void
casedb_examiner_release(struct casedb_examiner *x)
{
    if (!x)
        return;
    free(x->name);
    free(x->role);
    free(x->public_key);
    free(x->key_id);
    free(x->revoked_reason);
    memset(x, 0, sizeof(*x));
}

void
casedb_examiner_list_free(struct casedb_examiner *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        casedb_examiner_release(&list[i]);
    free(list);
}

int
casedb_examiner_add(struct casedb *db, const struct casedb_examiner *x, int64_t *id_out,
                    struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!x->name || !*x->name)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "an examiner needs a name");
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO examiners (name, role, public_key, key_id, added_at)"
                         " VALUES (?, ?, ?, ?, ?)",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, x->name);
    db_bind_text(st, 2, x->role);
    db_bind_text(st, 3, x->public_key);
    db_bind_text(st, 4, x->key_id);
    sqlite3_bind_int64(st, 5, x->added_at ? x->added_at : custody_now_ns());
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(db->db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            rc = custody_err_set(err, CUSTODY_ERR_EXISTS, "key '%s' is already registered",
                                 x->key_id ? x->key_id : "");
        else
            rc = db_fail(db, ext, err, "cannot add examiner");
    } else {
        rc = 0;
        if (id_out)
            *id_out = sqlite3_last_insert_rowid(db->db);
    }
    sqlite3_finalize(st);
    return rc;
}

#define EXAMINER_COLS                                                                              \
    "id, name, role, public_key, key_id, added_at, coalesce(revoked_at, 0), revoked_reason"

static void
examiner_from_row(sqlite3_stmt *st, struct casedb_examiner *x)
{
    x->id = sqlite3_column_int64(st, 0);
    x->name = db_col_strdup(st, 1);
    x->role = db_col_strdup(st, 2);
    x->public_key = db_col_strdup(st, 3);
    x->key_id = db_col_strdup(st, 4);
    x->added_at = sqlite3_column_int64(st, 5);
    x->revoked_at = sqlite3_column_int64(st, 6);
    x->revoked_reason = db_col_strdup(st, 7);
}

int
casedb_examiner_list(struct casedb *db, struct casedb_examiner **out, size_t *n,
                     struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct casedb_examiner *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = db_prepare(db, &st, "SELECT " EXAMINER_COLS " FROM examiners ORDER BY id", err)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            struct casedb_examiner *p = realloc(list, cap * sizeof(*list));
            if (!p)
                abort();
            list = p;
        }
        memset(&list[count], 0, sizeof(*list));
        examiner_from_row(st, &list[count++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        casedb_examiner_list_free(list, count);
        return db_fail(db, rc, err, "cannot list examiners");
    }
    *out = list;
    *n = count;
    return 0;
}

static int
examiner_get(struct casedb *db, const char *where, const char *value, struct casedb_examiner *out,
             struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    strbuf_addf(&sql, "SELECT " EXAMINER_COLS " FROM examiners WHERE %s ORDER BY id LIMIT 1",
                where);
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    db_bind_text(st, 1, value);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        examiner_from_row(st, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no examiner '%s' in the case", value);
    } else {
        rc = db_fail(db, rc, err, "cannot read examiner");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_examiner_by_key_id(struct casedb *db, const char *key_id, struct casedb_examiner *out,
                          struct custody_err *err)
{
    return examiner_get(db, "key_id = ?1", key_id, out, err);
}

int
casedb_examiner_by_name(struct casedb *db, const char *name, struct casedb_examiner *out,
                        struct custody_err *err)
{
    return examiner_get(db, "name = ?1", name, out, err);
}

int
casedb_examiner_revoke(struct casedb *db, int64_t id, int64_t when, const char *reason,
                       struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st,
                         "UPDATE examiners SET revoked_at = ?, revoked_reason = ?"
                         " WHERE id = ? AND revoked_at IS NULL",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, when);
    db_bind_text(st, 2, reason);
    sqlite3_bind_int64(st, 3, id);
    rc = db_exec_stmt(db, st, err, "cannot revoke examiner key");
    if (rc == 0 && sqlite3_changes(db->db) == 0)
        rc = custody_err_set(err, CUSTODY_ERR_EXISTS, "examiner %lld is already revoked",
                             (long long)id);
    sqlite3_finalize(st);
    return rc;
}
