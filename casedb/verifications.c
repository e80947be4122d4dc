/* Acquisitions as verification reads them, and the verifications table (see
 * verifications.h). */
#include "verifications.h"

#include <stdlib.h>
#include <string.h>

#include "custody.h"
#include "db_internal.h"

#include <stdio.h>

static void
vacq_release(struct casedb_vacq *a)
{
    free(a->uuid);
    free(a->evidence_label);
    free(a->hostname);
    free(a->examiner_key_id);
    free(a->examiner_name);
    free(a->format);
    free(a->output_base);
    free(a->status);
    free(a->md5);
    free(a->sha1);
    free(a->sha256);
    free(a->manifest);
    free(a->manifest_sig);
    for (size_t i = 0; i < a->n_files; i++) {
        free(a->files[i].name);
        free(a->files[i].sha256);
    }
    free(a->files);
    free(a->read_errors);
}

void
casedb_vacq_list_free(struct casedb_vacq *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        vacq_release(&list[i]);
    free(list);
}

static int64_t
col_int(sqlite3_stmt *st, int col, int64_t null_value)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? null_value : sqlite3_column_int64(st, col);
}

static int
load_files(struct casedb *db, struct casedb_vacq *a, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if ((rc = db_prepare(db, &st,
                         "SELECT name, size, sha256 FROM acquisition_files WHERE acquisition_id "
                         "= ? ORDER BY seq",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, a->id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (a->n_files == cap) {
            cap = cap ? cap * 2 : 8;
            struct casedb_vfile *p = realloc(a->files, cap * sizeof(*p));
            if (!p)
                abort();
            a->files = p;
        }
        struct casedb_vfile *f = &a->files[a->n_files++];
        f->name = db_col_strdup(st, 0);
        f->size = col_int(st, 1, -1);
        f->sha256 = db_col_strdup(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, err, "cannot list acquisition files");
    if ((rc = db_prepare(db, &st,
                         "SELECT first_sector, sector_count FROM read_errors WHERE "
                         "acquisition_id = ? ORDER BY first_sector, id",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, a->id);
    cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (a->n_read_errors == cap) {
            cap = cap ? cap * 2 : 8;
            struct casedb_vrange *p = realloc(a->read_errors, cap * sizeof(*p));
            if (!p)
                abort();
            a->read_errors = p;
        }
        a->read_errors[a->n_read_errors].first_sector = sqlite3_column_int64(st, 0);
        a->read_errors[a->n_read_errors].count = sqlite3_column_int64(st, 1);
        a->n_read_errors++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, err, "cannot list read errors");
    return 0;
}

int
casedb_vacq_list(struct casedb *db, int64_t asset_id, int64_t evidence_id, struct casedb_vacq **out,
                 size_t *n, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct casedb_vacq *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = db_prepare(db, &st,
                         "SELECT q.id, q.uuid, q.evidence_id, e.asset_id, e.label, a.hostname, "
                         "q.examiner_id, x.key_id, COALESCE(x.name, q.examiner_name), q.format, "
                         "q.output_base, q.status, q.media_size, q.sector_size, q.md5, q.sha1, "
                         "q.sha256, q.started_at, q.ended_at, q.manifest, q.manifest_sig "
                         "FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id "
                         "JOIN assets a ON a.id = e.asset_id "
                         "LEFT JOIN examiners x ON x.id = q.examiner_id "
                         "WHERE (?1 = 0 OR e.asset_id = ?1) AND (?2 = 0 OR q.evidence_id = ?2) "
                         "ORDER BY q.id",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, asset_id);
    sqlite3_bind_int64(st, 2, evidence_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            struct casedb_vacq *p = realloc(list, cap * sizeof(*p));
            if (!p)
                abort();
            list = p;
        }
        struct casedb_vacq *a = &list[count++];
        memset(a, 0, sizeof(*a));
        a->id = sqlite3_column_int64(st, 0);
        a->uuid = db_col_strdup(st, 1);
        a->evidence_id = sqlite3_column_int64(st, 2);
        a->asset_id = sqlite3_column_int64(st, 3);
        a->evidence_label = db_col_strdup(st, 4);
        a->hostname = db_col_strdup(st, 5);
        a->examiner_id = col_int(st, 6, 0);
        a->examiner_key_id = db_col_strdup(st, 7);
        a->examiner_name = db_col_strdup(st, 8);
        a->format = db_col_strdup(st, 9);
        a->output_base = db_col_strdup(st, 10);
        a->status = db_col_strdup(st, 11);
        a->media_size = col_int(st, 12, -1);
        a->sector_size = col_int(st, 13, -1);
        a->md5 = db_col_strdup(st, 14);
        a->sha1 = db_col_strdup(st, 15);
        a->sha256 = db_col_strdup(st, 16);
        a->started_at = col_int(st, 17, 0);
        a->ended_at = col_int(st, 18, 0);
        a->manifest = db_col_strdup(st, 19);
        a->manifest_sig = db_col_strdup(st, 20);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        casedb_vacq_list_free(list, count);
        return db_fail(db, rc, err, "cannot list acquisitions");
    }
    for (size_t i = 0; i < count; i++) {
        if ((rc = load_files(db, &list[i], err)) < 0) {
            casedb_vacq_list_free(list, count);
            return rc;
        }
    }
    *out = list;
    *n = count;
    return 0;
}

int
casedb_verification_add(struct casedb *db, const struct casedb_verification *v, int64_t *id_out,
                        struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st,
                         "INSERT INTO verifications (acquisition_id, asset_id, run_id, kind, "
                         "verifier_key_id, started_at, ended_at, verdict, report) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         err)) < 0)
        return rc;
    db_bind_opt_int(st, 1, v->acquisition_id > 0 ? v->acquisition_id : -1);
    db_bind_opt_int(st, 2, v->asset_id > 0 ? v->asset_id : -1);
    db_bind_opt_int(st, 3, v->run_id > 0 ? v->run_id : -1);
    db_bind_text(st, 4, v->kind);
    db_bind_text(st, 5, v->verifier_key_id);
    sqlite3_bind_int64(st, 6, v->started_at);
    db_bind_opt_int(st, 7, v->ended_at > 0 ? v->ended_at : -1);
    db_bind_text(st, 8, v->verdict);
    db_bind_text(st, 9, v->report);
    rc = db_exec_stmt(db, st, err, "cannot record the verification");
    sqlite3_finalize(st);
    if (rc == 0 && id_out)
        *id_out = sqlite3_last_insert_rowid(db->db);
    return rc;
}

int
casedb_asset_decommission(struct casedb *db, const char *hostname, const struct sign_seckey *key,
                          int *refused, char *reason, size_t reason_size, int64_t *seq,
                          struct custody_err *err)
{
    struct casedb_asset a = {0};
    struct custody_entry ent = {0};
    struct custody_new e = {"decommissioned", hostname, NULL, NULL, "decommission", NULL, NULL, 0};
    int rc;

    *refused = 0;
    *seq = 0;
    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    if ((rc = casedb_asset_get(db, hostname, &a, err)) < 0)
        goto fail;
    if (!a.status || strcmp(a.status, "cleared") != 0) {
        *refused = 1;
        snprintf(reason, reason_size,
                 "asset '%s' is '%s', not 'cleared': run custody-verify clearance first", hostname,
                 a.status ? a.status : "(no status)");
        casedb_rollback(db);
        casedb_asset_release(&a);
        return 0;
    }
    if ((rc = custody_append(db, &e, key, &ent, err)) < 0)
        goto fail;
    if ((rc = casedb_asset_set_status(db, a.id, "decommissioned", err)) < 0)
        goto fail;
    if ((rc = casedb_commit(db, err)) < 0)
        goto fail;
    *seq = ent.seq;
    custody_entry_release(&ent);
    casedb_asset_release(&a);
    return 0;
fail:
    casedb_rollback(db);
    custody_entry_release(&ent);
    casedb_asset_release(&a);
    return rc;
}
