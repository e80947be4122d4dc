/* Acquisition rows, their output files and their unreadable ranges. */
#include "acquisitions.h"
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

int
casedb_acquisition_begin(struct casedb *db, const struct casedb_acquisition *a, int64_t *id_out,
                         struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *id_out = 0;
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO acquisitions (uuid, evidence_id, examiner_id, run_id,"
                         " format, source, source_identity, output_base, media_size,"
                         " sector_size, started_at, status, compression, segment_size,"
                         " chunk_sectors, case_number, evidence_number, description, notes,"
                         " examiner_name, tool_version, library_versions, command_line)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running',"
                         " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, a->uuid);
    sqlite3_bind_int64(st, 2, a->evidence_id);
    if (a->examiner_id > 0)
        sqlite3_bind_int64(st, 3, a->examiner_id);
    if (a->run_id > 0)
        sqlite3_bind_int64(st, 4, a->run_id);
    db_bind_text(st, 5, a->format);
    db_bind_text(st, 6, a->source);
    db_bind_text(st, 7, a->source_identity);
    db_bind_text(st, 8, a->output_base);
    db_bind_opt_int(st, 9, a->media_size);
    db_bind_opt_int(st, 10, a->sector_size);
    sqlite3_bind_int64(st, 11, a->started_at);
    db_bind_text(st, 12, a->compression);
    db_bind_opt_int(st, 13, a->segment_size);
    db_bind_opt_int(st, 14, a->chunk_sectors);
    db_bind_text(st, 15, a->case_number);
    db_bind_text(st, 16, a->evidence_number);
    db_bind_text(st, 17, a->description);
    db_bind_text(st, 18, a->notes);
    db_bind_text(st, 19, a->examiner_name);
    db_bind_text(st, 20, a->tool_version);
    db_bind_text(st, 21, a->library_versions);
    db_bind_text(st, 22, a->command_line);
    rc = db_exec_stmt(db, st, err, "cannot record the acquisition");
    sqlite3_finalize(st);
    if (rc == 0)
        *id_out = sqlite3_last_insert_rowid(db->db);
    return rc;
}

static int
acquisition_update(struct casedb *db, int64_t id, const struct casedb_acquisition_outcome *o,
                   struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    uint64_t bad = 0;
    int rc;

    for (size_t i = 0; i < o->n_read_errors; i++)
        bad += o->read_errors[i].count;
    if ((rc = db_prepare(db, &st,
                         "UPDATE acquisitions SET status = ?1, error = ?2, ended_at = ?3,"
                         " media_size = coalesce(?4, media_size), md5 = ?5, sha1 = ?6,"
                         " sha256 = ?7, bad_sectors = ?8, verify_image = ?9,"
                         " verify_source = ?10, manifest = ?11, manifest_sig = ?12"
                         " WHERE id = ?13 AND status = 'running'",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, o->status);
    db_bind_text(st, 2, o->error);
    sqlite3_bind_int64(st, 3, o->ended_at);
    db_bind_opt_int(st, 4, o->media_size);
    db_bind_text(st, 5, o->md5);
    db_bind_text(st, 6, o->sha1);
    db_bind_text(st, 7, o->sha256);
    sqlite3_bind_int64(st, 8, (int64_t)bad);
    db_bind_text(st, 9, o->verify_image);
    db_bind_text(st, 10, o->verify_source);
    db_bind_text(st, 11, o->manifest);
    db_bind_text(st, 12, o->manifest_sig);
    sqlite3_bind_int64(st, 13, id);
    rc = db_exec_stmt(db, st, err, "cannot record the acquisition outcome");
    if (rc == 0 && sqlite3_changes(db->db) != 1)
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                             "acquisition %lld is not running in the case database", (long long)id);
    sqlite3_finalize(st);
    return rc;
}

static int
acquisition_add_files(struct casedb *db, int64_t id, const struct casedb_acquisition_outcome *o,
                      struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st,
                         "INSERT INTO acquisition_files (acquisition_id, seq, name, size, sha256)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
                         err)) < 0)
        return rc;
    for (size_t i = 0; i < o->n_files && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        db_bind_text(st, 3, o->files[i].name);
        sqlite3_bind_int64(st, 4, (int64_t)o->files[i].size);
        db_bind_text(st, 5, o->files[i].sha256);
        rc = db_exec_stmt(db, st, err, "cannot record an acquisition file");
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO read_errors (acquisition_id, first_sector, sector_count)"
                         " VALUES (?1, ?2, ?3)",
                         err)) < 0)
        return rc;
    for (size_t i = 0; i < o->n_read_errors && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)o->read_errors[i].first_sector);
        sqlite3_bind_int64(st, 3, (int64_t)o->read_errors[i].count);
        rc = db_exec_stmt(db, st, err, "cannot record a read error");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_acquisition_finish(struct casedb *db, int64_t id, const struct casedb_acquisition_outcome *o,
                          struct custody_err *err)
{
    int rc;

    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    if ((rc = acquisition_update(db, id, o, err)) < 0 ||
        (rc = acquisition_add_files(db, id, o, err)) < 0) {
        casedb_rollback(db);
        return rc;
    }
    return casedb_commit(db, err);
}

void
casedb_acquisition_state_release(struct casedb_acquisition_state *s)
{
    if (!s)
        return;
    free(s->status);
    free(s->format);
    free(s->output_base);
    free(s->manifest);
    memset(s, 0, sizeof(*s));
}

int
casedb_acquisition_get(struct casedb *db, const char *uuid, struct casedb_acquisition_state *out,
                       struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = db_prepare(db, &st,
                         "SELECT a.id, a.evidence_id, e.asset_id, a.status, a.format,"
                         " a.output_base, a.manifest FROM acquisitions a"
                         " JOIN evidence e ON e.id = a.evidence_id WHERE a.uuid = ?1",
                         err)) < 0)
        return rc;
    db_bind_text(st, 1, uuid);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->evidence_id = sqlite3_column_int64(st, 1);
        out->asset_id = sqlite3_column_int64(st, 2);
        out->status = db_col_strdup(st, 3);
        out->format = db_col_strdup(st, 4);
        out->output_base = db_col_strdup(st, 5);
        out->manifest = db_col_strdup(st, 6);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no acquisition '%s' in the case database",
                             uuid);
    } else {
        rc = db_fail(db, rc, err, "cannot read the acquisition");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_acquisition_resume(struct casedb *db, int64_t id, struct custody_err *err)
{
    static const char *const sql[] = {
        "UPDATE acquisitions SET status = 'running', ended_at = NULL, error = NULL,"
        " md5 = NULL, sha1 = NULL, sha256 = NULL, bad_sectors = 0, verify_image = NULL,"
        " verify_source = NULL WHERE id = ?1 AND status IN ('interrupted', 'failed')",
        "DELETE FROM acquisition_files WHERE acquisition_id = ?1",
        "DELETE FROM read_errors WHERE acquisition_id = ?1",
    };
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++) {
        if ((rc = db_prepare(db, &st, sql[i], err)) < 0)
            break;
        sqlite3_bind_int64(st, 1, id);
        rc = db_exec_stmt(db, st, err, "cannot record the resumed acquisition");
        if (rc == 0 && i == 0 && sqlite3_changes(db->db) != 1)
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                                 "acquisition %lld is not interrupted or failed in the case "
                                 "database",
                                 (long long)id);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == 0)
        return casedb_commit(db, err);
    casedb_rollback(db);
    return rc;
}
