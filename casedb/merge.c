/* Merging station databases. The station's file is checked on its own read-only
 * connection first (schema, integrity, custody chains), then attached read-only to
 * the case database, where every conflict is looked for before anything is written,
 * and everything is copied in one transaction with set-based INSERT ... SELECT.
 * Rows are matched by what identifies them across databases (host name, evidence
 * label, acquisition uuid, key id, chain and sequence number), never by row id. */
#include "merge.h"

#include "db_internal.h"

#include "cli.h"
#include "custody.h"
#include "manifest.h"
#include "minisign.h"
#include "sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
merge_result_release(struct merge_result *r)
{
    if (!r)
        return;
    free(r->source_head_hash);
    r->source_head_hash = NULL;
    strbuf_release(&r->problems);
}

static void
problem(struct strbuf *sb, size_t *n, const char *kind, const char *text)
{
    strbuf_addf(sb, "%s: %s\n", kind, text);
    (*n)++;
}

/* Run a query whose rows are one text column each; each row becomes a problem line. */
static int
collect(struct casedb *db, const char *sql, const char *bind1, const char *kind, struct strbuf *sb,
        size_t *n, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st, sql, err);

    if (rc < 0)
        return rc;
    if (bind1)
        for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++)
            db_bind_text(st, i, bind1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        problem(sb, n, kind, (const char *)sqlite3_column_text(st, 0));
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot compare the databases");
    sqlite3_finalize(st);
    return rc;
}

/* Execute a writing statement; adds the number of changed rows to *count. */
static int
exec_count(struct casedb *db, const char *sql, const char *bind1, int64_t *count,
           struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st, sql, err);

    if (rc < 0)
        return rc;
    if (bind1)
        for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++)
            db_bind_text(st, i, bind1);
    rc = db_exec_stmt(db, st, err, "cannot merge");
    if (rc == 0 && count)
        *count += sqlite3_changes(db->db);
    sqlite3_finalize(st);
    return rc;
}

/* Every finding of the custody checker on the source is a sign of tampering:
 * entries copied into the case must verify there exactly as they did at the station. */
static int
check_source_log(struct merge_result *res, struct casedb *src, struct custody_err *err)
{
    struct custody_report rep;
    struct strbuf line = STRBUF_INIT;
    int rc;

    memset(&rep, 0, sizeof(rep));
    if ((rc = custody_check(src, NULL, &rep, err)) < 0)
        return rc;
    for (size_t i = 0; i < rep.n_findings; i++) {
        const struct custody_finding *f = &rep.findings[i];
        if (f->kind == CUSTODY_F_UNTRUSTED)
            continue; /* no trusted keys are given to a merge: not a finding here */
        strbuf_reset(&line);
        if (f->seq > 0)
            strbuf_addf(&line, "custody chain %s entry %lld: %s: %s", f->chain, (long long)f->seq,
                        custody_finding_name(f->kind), f->reason);
        else
            strbuf_addf(&line, "custody chain %s: %s: %s", f->chain, custody_finding_name(f->kind),
                        f->reason);
        problem(&res->problems, &res->n_problems, "tampered", line.buf);
    }
    strbuf_release(&line);
    custody_report_release(&rep);
    return 0;
}

/* Compare a manifest's hash with the row's (both lowercase hex; NULL/"" = none). */
static int
same_hash(const char *row, const char *manifest)
{
    if (!row || !*row)
        return !manifest || !*manifest;
    return manifest && !strcasecmp(row, manifest);
}

/* One acquisition's manifest and signature against its row. */
static void
check_manifest(struct merge_result *res, struct casedb *src, sqlite3_stmt *st)
{
    const char *uuid = (const char *)sqlite3_column_text(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 5);
    const char *sig = (const char *)sqlite3_column_text(st, 6);
    struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;
    struct manifest m;
    struct custody_err e = {0};

    memset(&m, 0, sizeof(m));
    if (sig && !text) {
        strbuf_addf(&line, "acquisition %s: a manifest signature without its manifest", uuid);
        goto out;
    }
    if (!text)
        goto out; /* unsigned, unmanifested: nothing to hold the row against */
    if (sig) {
        struct minisign_sig ms;
        struct minisign_pubkey pk;
        char kid[MINISIGN_KEY_ID_HEX];
        sqlite3_stmt *kq = NULL;
        int valid = 0, found = 0;

        memset(&ms, 0, sizeof(ms));
        if (minisign_sig_parse(&ms, sig, strlen(sig), &e) < 0) {
            strbuf_addf(&line, "acquisition %s: manifest signature unreadable: %s", uuid, e.msg);
            goto out;
        }
        minisign_key_id_hex(kid, ms.key_id);
        minisign_sig_release(&ms);
        if (db_prepare(src, &kq, "SELECT public_key FROM examiners WHERE key_id = ?", &e) == 0) {
            db_bind_text(kq, 1, kid);
            while (!found && sqlite3_step(kq) == SQLITE_ROW) {
                const char *b64 = (const char *)sqlite3_column_text(kq, 0);
                found = b64 && minisign_pubkey_parse(&pk, b64, strlen(b64), NULL) == 0;
            }
            sqlite3_finalize(kq);
        }
        if (!found) {
            strbuf_addf(&line,
                        "acquisition %s: manifest signed by key %s, which no examiner of the "
                        "station database holds",
                        uuid, kid);
            goto out;
        }
        if (sign_minisig_verify(&valid, &why, NULL, &pk, text, strlen(text), sig, strlen(sig), &e) <
                0 ||
            !valid) {
            strbuf_addf(&line, "acquisition %s: manifest signature does not verify: %s", uuid,
                        why.len ? why.buf : e.msg);
            goto out;
        }
    }
    if (manifest_parse(&m, text, strlen(text), &e) < 0) {
        strbuf_addf(&line, "acquisition %s: manifest unreadable: %s", uuid, e.msg);
        goto out;
    }
    if (!m.acquisition_uuid || strcmp(m.acquisition_uuid, uuid) != 0)
        strbuf_addf(&line, "acquisition %s: its manifest is of acquisition %s", uuid,
                    m.acquisition_uuid ? m.acquisition_uuid : "(none)");
    else if (!same_hash((const char *)sqlite3_column_text(st, 1), m.md5) ||
             !same_hash((const char *)sqlite3_column_text(st, 2), m.sha1) ||
             !same_hash((const char *)sqlite3_column_text(st, 3), m.sha256))
        strbuf_addf(&line, "acquisition %s: the hashes in the database differ from its %s manifest",
                    uuid, sig ? "signed" : "unsigned");
    else if (sqlite3_column_type(st, 4) != SQLITE_NULL &&
             (uint64_t)sqlite3_column_int64(st, 4) != m.media_size)
        strbuf_addf(&line, "acquisition %s: media size %lld in the database, %llu in its manifest",
                    uuid, (long long)sqlite3_column_int64(st, 4), (unsigned long long)m.media_size);
    else if ((uint64_t)sqlite3_column_int64(st, 7) != m.n_files)
        strbuf_addf(&line, "acquisition %s: %lld output files in the database, %zu in its manifest",
                    uuid, (long long)sqlite3_column_int64(st, 7), m.n_files);
    if (!line.len) {
        /* every output file's SHA-256 as the manifest lists it */
        sqlite3_stmt *fq = NULL;
        if (db_prepare(src, &fq,
                       "SELECT f.name, f.sha256, f.size FROM acquisition_files f"
                       " JOIN acquisitions q ON q.id = f.acquisition_id WHERE q.uuid = ?",
                       &e) == 0) {
            db_bind_text(fq, 1, uuid);
            while (!line.len && sqlite3_step(fq) == SQLITE_ROW) {
                const char *name = (const char *)sqlite3_column_text(fq, 0);
                size_t i;
                for (i = 0; i < m.n_files; i++)
                    if (!strcmp(m.files[i].name, name))
                        break;
                if (i == m.n_files ||
                    !same_hash((const char *)sqlite3_column_text(fq, 1), m.files[i].sha256) ||
                    (uint64_t)sqlite3_column_int64(fq, 2) != m.files[i].size)
                    strbuf_addf(&line, "acquisition %s: output file '%s' differs from its manifest",
                                uuid, name);
            }
            sqlite3_finalize(fq);
        }
    }
out:
    if (line.len)
        problem(&res->problems, &res->n_problems, "tampered", line.buf);
    manifest_release(&m);
    strbuf_release(&line);
    strbuf_release(&why);
}

/* Acquisition rows must agree with the manifests recorded with them, and signed
 * manifests must verify with the key of an examiner of the station. */
static int
check_source_acquisitions(struct merge_result *res, struct casedb *src, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(src, &st,
                        "SELECT uuid, md5, sha1, sha256, media_size, manifest, manifest_sig,"
                        " (SELECT count(*) FROM acquisition_files WHERE acquisition_id = q.id)"
                        " FROM acquisitions q ORDER BY id",
                        err);

    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        check_manifest(res, src, st);
    rc = rc == SQLITE_DONE ? 0 : db_fail(src, rc, err, "cannot read the station's acquisitions");
    sqlite3_finalize(st);
    return rc;
}

/* Everything about the source that can be learned on its own connection. */
static int
inspect_source(struct merge_result *res, struct casedb *db, const char *path,
               struct custody_err *err)
{
    struct casedb *src = NULL;
    struct casedb_case mine, theirs;
    sqlite3_stmt *st = NULL;
    int ok = 0, rc;

    memset(&mine, 0, sizeof(mine));
    memset(&theirs, 0, sizeof(theirs));
    if ((rc = casedb_open(&src, path, CASEDB_READONLY, err)) < 0) {
        custody_err_prefix(err, "cannot merge '%s'", path);
        goto out;
    }
    if ((rc = casedb_get_case(db, &mine, err)) < 0 || (rc = casedb_get_case(src, &theirs, err)) < 0)
        goto out;
    snprintf(res->source_station, sizeof(res->source_station), "%s", theirs.station_uuid);
    if (strcmp(mine.uuid, theirs.uuid) != 0) {
        struct strbuf l = STRBUF_INIT;
        strbuf_addf(&l, "case uuid %s in '%s' is not this case's %s (case number %s vs %s)",
                    theirs.uuid, path, mine.uuid, theirs.case_number, mine.case_number);
        problem(&res->problems, &res->n_problems, "conflict", l.buf);
        strbuf_release(&l);
    }
    if (!strcmp(mine.station_uuid, theirs.station_uuid)) {
        struct strbuf l = STRBUF_INIT;
        strbuf_addf(&l, "'%s' is this database (or a copy of it): station %s", path,
                    mine.station_uuid);
        problem(&res->problems, &res->n_problems, "conflict", l.buf);
        strbuf_release(&l);
    }
    if ((rc = casedb_integrity_check(src, &ok, err)) < 0)
        goto out;
    if (!ok)
        problem(&res->problems, &res->n_problems, "tampered",
                "the station database fails SQLite's integrity check");
    if ((rc = check_source_log(res, src, err)) < 0 ||
        (rc = check_source_acquisitions(res, src, err)) < 0)
        goto out;
    /* The head of the station's own chain is what the merged entry names. */
    if ((rc = db_prepare(src, &st,
                         "SELECT entry_hash, seq FROM custody_events WHERE chain = ?"
                         " ORDER BY seq DESC LIMIT 1",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, theirs.station_uuid);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        res->source_head_hash = db_col_strdup(st, 0);
        res->source_entries = sqlite3_column_int64(st, 1);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = db_fail(src, rc, err, "cannot read the station's custody log");
    }
out:
    sqlite3_finalize(st);
    casedb_case_release(&mine);
    casedb_case_release(&theirs);
    casedb_close(src);
    return rc;
}

/* Percent-encode a path into an SQLite URI that opens it read-only. */
static void
readonly_uri(struct strbuf *sb, const char *path)
{
    strbuf_addstr(sb, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            strbuf_addch(sb, *p);
        else
            strbuf_addf(sb, "%%%02X", *p);
    }
    strbuf_addstr(sb, "?mode=ro");
}

/* Asset, evidence and acquisition fields that must agree when both sides know them. */
static int
find_conflicts(struct merge_result *res, struct casedb *db, const char *my_station,
               struct custody_err *err)
{
    static const char *const asset_fields[] = {"serial", "asset_tag"};
    static const char *const evidence_fields[] = {"vendor", "model",       "serial",
                                                  "size",   "sector_size", "physical_sector_size"};
    static const char *const acq_fields[] = {"md5",         "sha1",   "sha256",      "media_size",
                                             "sector_size", "status", "started_at",  "ended_at",
                                             "bad_sectors", "format", "manifest_sig"};
    struct strbuf sql = STRBUF_INIT;
    struct strbuf *p = &res->problems;
    size_t *n = &res->n_problems;
    int rc = 0;

    for (size_t i = 0; i < sizeof(asset_fields) / sizeof(asset_fields[0]) && rc == 0; i++) {
        const char *f = asset_fields[i];
        strbuf_reset(&sql);
        strbuf_addf(&sql,
                    "SELECT printf('asset %%Q: %s %%Q in the case, %%Q in the station database',"
                    " m.hostname, m.%s, s.%s) FROM src.assets s JOIN main.assets m"
                    " ON m.hostname = s.hostname WHERE s.%s IS NOT NULL AND m.%s IS NOT NULL"
                    " AND s.%s <> m.%s",
                    f, f, f, f, f, f, f);
        rc = collect(db, sql.buf, NULL, "conflict", p, n, err);
    }
    for (size_t i = 0; i < sizeof(evidence_fields) / sizeof(evidence_fields[0]) && rc == 0; i++) {
        const char *f = evidence_fields[i];
        strbuf_reset(&sql);
        strbuf_addf(&sql,
                    "SELECT printf('evidence %%Q/%%Q: %s %%Q in the case, %%Q in the station"
                    " database', a.hostname, m.label, m.%s, s.%s) FROM src.evidence s"
                    " JOIN src.assets sa ON sa.id = s.asset_id"
                    " JOIN main.assets a ON a.hostname = sa.hostname"
                    " JOIN main.evidence m ON m.asset_id = a.id AND m.label = s.label"
                    " WHERE s.%s IS NOT NULL AND m.%s IS NOT NULL AND s.%s <> m.%s",
                    f, f, f, f, f, f, f);
        rc = collect(db, sql.buf, NULL, "conflict", p, n, err);
    }
    if (rc == 0)
        rc = collect(db,
                     "SELECT printf('acquisition %s: of %Q/%Q in the case, of %Q/%Q in the"
                     " station database', s.uuid, ma.hostname, me.label, sa.hostname, se.label)"
                     " FROM src.acquisitions s JOIN src.evidence se ON se.id = s.evidence_id"
                     " JOIN src.assets sa ON sa.id = se.asset_id"
                     " JOIN main.acquisitions m ON m.uuid = s.uuid"
                     " JOIN main.evidence me ON me.id = m.evidence_id"
                     " JOIN main.assets ma ON ma.id = me.asset_id"
                     " WHERE ma.hostname <> sa.hostname OR me.label <> se.label",
                     NULL, "conflict", p, n, err);
    for (size_t i = 0; i < sizeof(acq_fields) / sizeof(acq_fields[0]) && rc == 0; i++) {
        const char *f = acq_fields[i];
        strbuf_reset(&sql);
        strbuf_addf(&sql,
                    "SELECT printf('acquisition %%s: %s %%Q in the case, %%Q in the station"
                    " database', s.uuid, m.%s, s.%s) FROM src.acquisitions s"
                    " JOIN main.acquisitions m ON m.uuid = s.uuid WHERE s.%s IS NOT m.%s"
                    /* a station's finished acquisition completes one merged while running */
                    " AND NOT (m.status = 'running' AND s.status <> 'running'"
                    "   AND '%s' NOT IN ('started_at', 'format'))",
                    f, f, f, f, f, f);
        rc = collect(db, sql.buf, NULL, "conflict", p, n, err);
    }
    if (rc == 0)
        rc = collect(db,
                     "SELECT printf('examiner key %s: %Q with key %Q in the case, %Q with key %Q"
                     " in the station database', s.key_id, m.name, m.public_key, s.name,"
                     " s.public_key) FROM src.examiners s JOIN main.examiners m"
                     " ON m.key_id = s.key_id"
                     " WHERE s.name <> m.name OR s.public_key IS NOT m.public_key",
                     NULL, "conflict", p, n, err);
    if (rc == 0)
        rc = collect(db,
                     "SELECT printf('custody chain %s entry %d: entry hash %s in the case, %s in"
                     " the station database', s.chain, s.seq, m.entry_hash, s.entry_hash)"
                     " FROM src.custody_events s JOIN main.custody_events m"
                     " ON m.chain = s.chain AND m.seq = s.seq"
                     " WHERE s.entry_hash <> m.entry_hash OR s.signature IS NOT m.signature"
                     " OR s.prev_hash <> m.prev_hash",
                     NULL, "conflict", p, n, err);
    if (rc == 0)
        rc = collect(db,
                     "SELECT printf('custody chain %s (this database''s own): the station"
                     " database holds %d entries of it that this database does not have',"
                     " ?, count(*)) FROM src.custody_events s WHERE s.chain = ?"
                     " AND NOT EXISTS (SELECT 1 FROM main.custody_events m"
                     "   WHERE m.chain = s.chain AND m.seq = s.seq) HAVING count(*) > 0",
                     my_station, "conflict", p, n, err);
    if (rc == 0)
        rc = collect(
            db,
            "WITH pairs AS (SELECT s.id AS sid, m.id AS mid, a.hostname AS host, m.label AS label"
            "   FROM src.evidence s JOIN src.assets sa ON sa.id = s.asset_id"
            "   JOIN main.assets a ON a.hostname = sa.hostname"
            "   JOIN main.evidence m ON m.asset_id = a.id AND m.label = s.label),"
            " counts AS (SELECT host, label,"
            "   (SELECT count(*) FROM main.partitions WHERE evidence_id = mid) AS mp,"
            "   (SELECT count(*) FROM main.files WHERE evidence_id = mid) AS mf,"
            "   (SELECT count(*) FROM main.events WHERE evidence_id = mid) AS me,"
            "   (SELECT count(*) FROM main.log_sources WHERE evidence_id = mid) AS ml,"
            "   (SELECT count(*) FROM src.partitions WHERE evidence_id = sid) AS sp,"
            "   (SELECT count(*) FROM src.files WHERE evidence_id = sid) AS sf,"
            "   (SELECT count(*) FROM src.events WHERE evidence_id = sid) AS se,"
            "   (SELECT count(*) FROM src.log_sources WHERE evidence_id = sid) AS sl FROM pairs)"
            " SELECT printf('timeline of %Q/%Q: %d partitions, %d files, %d events, %d log"
            " sources in the case, %d, %d, %d, %d in the station database', host, label, mp, mf,"
            " me, ml, sp, sf, se, sl) FROM counts WHERE mp + mf + me + ml > 0"
            " AND sp + sf + se + sl > 0 AND (mp <> sp OR mf <> sf OR me <> se OR ml <> sl)",
            NULL, "conflict", p, n, err);
    strbuf_release(&sql);
    return rc;
}

/* Rank of an asset status, so that merging only ever moves a server forward. */
#define STATUS_RANK(col)                                                                           \
    "(CASE " col " WHEN 'registered' THEN 0 WHEN 'acquired' THEN 1 WHEN 'verified' THEN 2"         \
    " WHEN 'cleared' THEN 3 WHEN 'decommissioned' THEN 4 ELSE -1 END)"

static const char *const merge_statements[] = {
    /* maps from the station's row ids to ours */
    "CREATE TEMP TABLE merge_runmap (src_id INTEGER PRIMARY KEY, dst_id INTEGER)",
    "CREATE TEMP TABLE merge_assetmap (src_id INTEGER PRIMARY KEY, dst_id INTEGER)",
    "CREATE TEMP TABLE merge_evmap (src_id INTEGER PRIMARY KEY, dst_id INTEGER)",
    "CREATE TEMP TABLE merge_exmap (src_id INTEGER PRIMARY KEY, dst_id INTEGER)",
    "CREATE TEMP TABLE merge_acqmap (src_id INTEGER PRIMARY KEY, dst_id INTEGER, new INTEGER)",
    "CREATE TEMP TABLE merge_tlcopy (src_id INTEGER PRIMARY KEY, dst_id INTEGER)",
    "CREATE TEMP TABLE merge_offsets (p INTEGER, f INTEGER, l INTEGER, w INTEGER, e INTEGER)",
};

static const char *const merge_cleanup[] = {
    "DROP TABLE IF EXISTS temp.merge_runmap",  "DROP TABLE IF EXISTS temp.merge_assetmap",
    "DROP TABLE IF EXISTS temp.merge_evmap",   "DROP TABLE IF EXISTS temp.merge_exmap",
    "DROP TABLE IF EXISTS temp.merge_acqmap",  "DROP TABLE IF EXISTS temp.merge_tlcopy",
    "DROP TABLE IF EXISTS temp.merge_offsets",
};

/* A column computed rather than copied: col = expr (aliases of the step's FROM). */
struct col_map {
    const char *col, *expr;
};

/* One step of the copy: either a statement as is, or an INSERT generated from the
 * columns main.<table> and src.<table> share (so columns other modules add to their
 * tables travel without this file knowing them), with maps overriding some columns.
 * "id" is copied only when mapped (shifted); otherwise the row gets a new id. */
struct copy_step {
    const char *sql;
    const char *table;
    const struct col_map *maps; /* ends with {NULL, NULL} */
    const char *from;           /* "FROM src.<table> s ..." */
    size_t count_field;         /* offsetof into merge_result, or NOCOUNT */
};

#define R(field) offsetof(struct merge_result, field)
#define NOCOUNT ((size_t)-1)
#define SQL(text, count)                                                                           \
    {                                                                                              \
        text, NULL, NULL, NULL, count                                                              \
    }
#define GEN(table, maps, from, count)                                                              \
    {                                                                                              \
        NULL, table, maps, from, count                                                             \
    }

static const struct col_map no_maps[] = {{NULL, NULL}};
static const struct col_map evidence_maps[] = {{"asset_id", "am.dst_id"}, {NULL, NULL}};
static const struct col_map acq_maps[] = {{"evidence_id", "ev.dst_id"},
                                          {"examiner_id", "ex.dst_id"},
                                          {"run_id", "rn.dst_id"},
                                          {NULL, NULL}};
static const struct col_map acq_child_maps[] = {{"acquisition_id", "q.dst_id"}, {NULL, NULL}};
static const struct col_map verification_maps[] = {
    {"acquisition_id", "ma.id"}, {"asset_id", "am.dst_id"}, {"run_id", "rn.dst_id"}, {NULL, NULL}};
static const struct col_map partition_maps[] = {
    {"id", "s.id + o.p"}, {"evidence_id", "t.dst_id"}, {"run_id", "rn.dst_id"}, {NULL, NULL}};
static const struct col_map file_maps[] = {{"id", "s.id + o.f"},
                                           {"evidence_id", "t.dst_id"},
                                           {"partition_id", "s.partition_id + o.p"},
                                           {NULL, NULL}};
static const struct col_map log_source_maps[] = {{"id", "s.id + o.l"},
                                                 {"evidence_id", "t.dst_id"},
                                                 {"partition_id", "s.partition_id + o.p"},
                                                 {NULL, NULL}};
static const struct col_map warning_maps[] = {
    {"id", "s.id + o.w"}, {"log_source_id", "s.log_source_id + o.l"}, {NULL, NULL}};
static const struct col_map event_maps[] = {{"id", "s.id + o.e"},
                                            {"evidence_id", "t.dst_id"},
                                            {"partition_id", "s.partition_id + o.p"},
                                            {"log_source_id", "s.log_source_id + o.l"},
                                            {NULL, NULL}};

static const struct copy_step copy_steps[] = {
    /* Examiners by key id (or by name when they have no key); revocations travel. */
    GEN("examiners", no_maps,
        "FROM src.examiners s WHERE NOT EXISTS (SELECT 1 FROM main.examiners m"
        " WHERE (s.key_id IS NOT NULL AND m.key_id = s.key_id)"
        "  OR (s.key_id IS NULL AND m.key_id IS NULL AND m.name = s.name)) ORDER BY s.id",
        R(examiners)),
    SQL("UPDATE main.examiners SET revoked_at = (SELECT s.revoked_at FROM src.examiners s"
        " WHERE s.key_id = main.examiners.key_id), revoked_reason = (SELECT s.revoked_reason"
        " FROM src.examiners s WHERE s.key_id = main.examiners.key_id)"
        " WHERE revoked_at IS NULL AND key_id IN (SELECT key_id FROM src.examiners"
        " WHERE revoked_at IS NOT NULL)",
        R(examiners)),
    SQL("INSERT INTO temp.merge_exmap SELECT s.id, (SELECT min(m.id) FROM main.examiners m"
        " WHERE (s.key_id IS NOT NULL AND m.key_id = s.key_id)"
        "  OR (s.key_id IS NULL AND m.key_id IS NULL AND m.name = s.name)) FROM src.examiners s",
        NOCOUNT),
    /* Tool runs, identified by what ran where and when. */
    GEN("runs", no_maps,
        "FROM src.runs s WHERE NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.tool = s.tool"
        " AND m.argv = s.argv AND m.started_at = s.started_at AND m.hostname IS s.hostname)"
        " ORDER BY s.id",
        R(runs)),
    SQL("INSERT INTO temp.merge_runmap SELECT s.id, (SELECT min(m.id) FROM main.runs m"
        " WHERE m.tool = s.tool AND m.argv = s.argv AND m.started_at = s.started_at"
        " AND m.hostname IS s.hostname) FROM src.runs s",
        NOCOUNT),
    /* Servers by host name; a server's status only moves forward. */
    GEN("assets", no_maps,
        "FROM src.assets s WHERE NOT EXISTS (SELECT 1 FROM main.assets m"
        " WHERE m.hostname = s.hostname) ORDER BY s.id",
        R(assets)),
    SQL("UPDATE main.assets SET status = (SELECT s.status FROM src.assets s"
        " WHERE s.hostname = main.assets.hostname), updated_at = (SELECT s.updated_at"
        " FROM src.assets s WHERE s.hostname = main.assets.hostname)"
        " WHERE " STATUS_RANK("status") " < (SELECT " STATUS_RANK(
            "s.status") " FROM src.assets s"
                        " WHERE s.hostname = main.assets.hostname)",
        R(assets)),
    SQL("UPDATE main.assets SET serial = coalesce(serial, (SELECT s.serial FROM src.assets s"
        " WHERE s.hostname = main.assets.hostname)), asset_tag = coalesce(asset_tag,"
        " (SELECT s.asset_tag FROM src.assets s WHERE s.hostname = main.assets.hostname)),"
        " location = coalesce(location, (SELECT s.location FROM src.assets s"
        " WHERE s.hostname = main.assets.hostname))"
        " WHERE (serial IS NULL OR asset_tag IS NULL OR location IS NULL) AND EXISTS (SELECT 1"
        " FROM src.assets s WHERE s.hostname = main.assets.hostname AND ((main.assets.serial"
        " IS NULL AND s.serial IS NOT NULL) OR (main.assets.asset_tag IS NULL AND s.asset_tag IS"
        " NOT NULL) OR (main.assets.location IS NULL AND s.location IS NOT NULL)))",
        R(assets)),
    SQL("INSERT INTO temp.merge_assetmap SELECT s.id, m.id FROM src.assets s JOIN main.assets m"
        " ON m.hostname = s.hostname",
        NOCOUNT),
    /* Evidence items by server and label; unknown identity fields are filled in. */
    GEN("evidence", evidence_maps,
        "FROM src.evidence s JOIN temp.merge_assetmap am ON am.src_id = s.asset_id"
        " WHERE NOT EXISTS (SELECT 1 FROM main.evidence m WHERE m.asset_id = am.dst_id"
        " AND m.label = s.label) ORDER BY s.id",
        R(evidence)),
    SQL("INSERT INTO temp.merge_evmap SELECT s.id, m.id FROM src.evidence s"
        " JOIN temp.merge_assetmap am ON am.src_id = s.asset_id"
        " JOIN main.evidence m ON m.asset_id = am.dst_id AND m.label = s.label",
        NOCOUNT),
    SQL("UPDATE main.evidence SET"
        " vendor = coalesce(vendor, (SELECT s.vendor FROM src.evidence s JOIN temp.merge_evmap x"
        "   ON x.src_id = s.id WHERE x.dst_id = main.evidence.id)),"
        " model = coalesce(model, (SELECT s.model FROM src.evidence s JOIN temp.merge_evmap x"
        "   ON x.src_id = s.id WHERE x.dst_id = main.evidence.id)),"
        " serial = coalesce(serial, (SELECT s.serial FROM src.evidence s JOIN temp.merge_evmap x"
        "   ON x.src_id = s.id WHERE x.dst_id = main.evidence.id)),"
        " size = coalesce(size, (SELECT s.size FROM src.evidence s JOIN temp.merge_evmap x"
        "   ON x.src_id = s.id WHERE x.dst_id = main.evidence.id)),"
        " sector_size = coalesce(sector_size, (SELECT s.sector_size FROM src.evidence s"
        "   JOIN temp.merge_evmap x ON x.src_id = s.id WHERE x.dst_id = main.evidence.id))"
        " WHERE id IN (SELECT x.dst_id FROM temp.merge_evmap x JOIN src.evidence s"
        "   ON s.id = x.src_id WHERE (main.evidence.vendor IS NULL AND s.vendor IS NOT NULL)"
        "   OR (main.evidence.model IS NULL AND s.model IS NOT NULL)"
        "   OR (main.evidence.serial IS NULL AND s.serial IS NOT NULL)"
        "   OR (main.evidence.size IS NULL AND s.size IS NOT NULL)"
        "   OR (main.evidence.sector_size IS NULL AND s.sector_size IS NOT NULL))",
        R(evidence)),
    /* Acquisitions by uuid, with their output files and unreadable ranges. */
    SQL("INSERT INTO temp.merge_acqmap SELECT s.id, NULL, 1 FROM src.acquisitions s"
        " WHERE NOT EXISTS (SELECT 1 FROM main.acquisitions m WHERE m.uuid = s.uuid)",
        NOCOUNT),
    /* An acquisition merged while it was running, finished at the station since: its
     * outcome, files and unreadable ranges complete our row. */
    SQL("INSERT INTO temp.merge_acqmap SELECT s.id, m.id, 0 FROM src.acquisitions s"
        " JOIN main.acquisitions m ON m.uuid = s.uuid WHERE m.status = 'running'"
        " AND s.status <> 'running'",
        NOCOUNT),
    GEN("acquisitions", acq_maps,
        "FROM src.acquisitions s JOIN temp.merge_acqmap q ON q.src_id = s.id AND q.new = 1"
        " JOIN temp.merge_evmap ev ON ev.src_id = s.evidence_id"
        " LEFT JOIN temp.merge_exmap ex ON ex.src_id = s.examiner_id"
        " LEFT JOIN temp.merge_runmap rn ON rn.src_id = s.run_id ORDER BY s.id",
        R(acquisitions)),
    SQL("UPDATE temp.merge_acqmap SET dst_id = (SELECT m.id FROM main.acquisitions m"
        " JOIN src.acquisitions s ON s.uuid = m.uuid WHERE s.id = temp.merge_acqmap.src_id)"
        " WHERE new = 1",
        NOCOUNT),
    SQL("UPDATE main.acquisitions SET (ended_at, status, error, media_size, sector_size, md5,"
        " sha1, sha256, bad_sectors, verify_image, verify_source, manifest, manifest_sig) ="
        " (SELECT s.ended_at, s.status, s.error, s.media_size, s.sector_size, s.md5, s.sha1,"
        " s.sha256, s.bad_sectors, s.verify_image, s.verify_source, s.manifest, s.manifest_sig"
        " FROM src.acquisitions s JOIN temp.merge_acqmap q ON q.src_id = s.id"
        " WHERE q.dst_id = main.acquisitions.id)"
        " WHERE id IN (SELECT dst_id FROM temp.merge_acqmap WHERE new = 0)",
        R(acquisitions)),
    GEN("acquisition_files", acq_child_maps,
        "FROM src.acquisition_files s JOIN temp.merge_acqmap q ON q.src_id = s.acquisition_id"
        " ORDER BY s.id",
        R(acquisition_files)),
    GEN("read_errors", acq_child_maps,
        "FROM src.read_errors s JOIN temp.merge_acqmap q ON q.src_id = s.acquisition_id"
        " ORDER BY s.id",
        R(read_errors)),
    /* Verifications, identified by what was verified, by whom, when. */
    GEN("verifications", verification_maps,
        "FROM src.verifications s LEFT JOIN src.acquisitions sa ON sa.id = s.acquisition_id"
        " LEFT JOIN main.acquisitions ma ON ma.uuid = sa.uuid"
        " LEFT JOIN temp.merge_assetmap am ON am.src_id = s.asset_id"
        " LEFT JOIN temp.merge_runmap rn ON rn.src_id = s.run_id"
        " WHERE NOT EXISTS (SELECT 1 FROM main.verifications m WHERE m.kind = s.kind"
        " AND m.started_at = s.started_at AND m.verifier_key_id IS s.verifier_key_id"
        " AND m.acquisition_id IS ma.id AND m.asset_id IS am.dst_id) ORDER BY s.id",
        R(verifications)),
    /* The custody log, verbatim: every station keeps its own chain. */
    GEN("custody_events", no_maps,
        "FROM src.custody_events s WHERE NOT EXISTS (SELECT 1 FROM main.custody_events m"
        " WHERE m.chain = s.chain AND m.seq = s.seq) ORDER BY s.chain, s.seq",
        R(custody_entries)),
    GEN("checkpoints", no_maps,
        "FROM src.checkpoints s WHERE NOT EXISTS (SELECT 1 FROM main.checkpoints m"
        " WHERE m.chain = s.chain AND m.entries = s.entries AND m.head_hash = s.head_hash"
        " AND m.signature = s.signature) ORDER BY s.id",
        R(checkpoints)),
    SQL("INSERT OR IGNORE INTO main.iocs (hash, algo, name, source) SELECT hash, algo, name,"
        " source FROM src.iocs",
        NOCOUNT),
    /* Timelines: copied for an evidence item only when this database has none of it
     * (find_conflicts refused differing ones). Row ids are shifted past ours, which
     * keeps every reference between the timeline tables intact, and puts the rows
     * after the full-text index's high-water mark, so they are indexed next time. */
    SQL("INSERT INTO temp.merge_tlcopy SELECT x.src_id, x.dst_id FROM temp.merge_evmap x"
        " WHERE NOT EXISTS (SELECT 1 FROM main.partitions WHERE evidence_id = x.dst_id)"
        " AND NOT EXISTS (SELECT 1 FROM main.files WHERE evidence_id = x.dst_id)"
        " AND NOT EXISTS (SELECT 1 FROM main.events WHERE evidence_id = x.dst_id)"
        " AND NOT EXISTS (SELECT 1 FROM main.log_sources WHERE evidence_id = x.dst_id)",
        NOCOUNT),
    SQL("INSERT INTO temp.merge_offsets SELECT (SELECT coalesce(max(id), 0) FROM main.partitions),"
        " (SELECT coalesce(max(id), 0) FROM main.files),"
        " (SELECT coalesce(max(id), 0) FROM main.log_sources),"
        " (SELECT coalesce(max(id), 0) FROM main.parse_warnings),"
        " (SELECT coalesce(max(id), 0) FROM main.events)",
        NOCOUNT),
    GEN("partitions", partition_maps,
        "FROM src.partitions s JOIN temp.merge_tlcopy t ON t.src_id = s.evidence_id"
        " JOIN temp.merge_offsets o LEFT JOIN temp.merge_runmap rn ON rn.src_id = s.run_id",
        R(partitions)),
    GEN("files", file_maps,
        "FROM src.files s JOIN temp.merge_tlcopy t ON t.src_id = s.evidence_id"
        " JOIN temp.merge_offsets o",
        R(files)),
    GEN("log_sources", log_source_maps,
        "FROM src.log_sources s JOIN temp.merge_tlcopy t ON t.src_id = s.evidence_id"
        " JOIN temp.merge_offsets o",
        R(log_sources)),
    GEN("parse_warnings", warning_maps,
        "FROM src.parse_warnings s JOIN src.log_sources ls ON ls.id = s.log_source_id"
        " JOIN temp.merge_tlcopy t ON t.src_id = ls.evidence_id JOIN temp.merge_offsets o",
        NOCOUNT),
    GEN("events", event_maps,
        "FROM src.events s JOIN temp.merge_tlcopy t ON t.src_id = s.evidence_id"
        " JOIN temp.merge_offsets o",
        R(events)),
};

/* Column names of schema.table (names come from our own schema statements). */
static int
table_columns(struct casedb *db, const char *schema, const char *table, struct strbuf *names,
              struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    struct strbuf sql = STRBUF_INIT;
    int rc;

    strbuf_addf(&sql, "PRAGMA %s.table_info(%s)", schema, table);
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    strbuf_reset(names);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 1);
        strbuf_add(names, n, strlen(n) + 1); /* NUL-separated */
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot read a table's columns");
    sqlite3_finalize(st);
    return rc;
}

static int
has_name(const struct strbuf *list, const char *name)
{
    for (size_t i = 0; i < list->len; i += strlen(list->buf + i) + 1)
        if (!strcmp(list->buf + i, name))
            return 1;
    return 0;
}

/* "INSERT INTO main.T (columns) SELECT expressions FROM ..." for a generated step. */
static int
generate_insert(struct casedb *db, const struct copy_step *step, struct strbuf *sql,
                struct custody_err *err)
{
    struct strbuf mine = STRBUF_INIT, theirs = STRBUF_INIT, exprs = STRBUF_INIT;
    int rc, n = 0;

    if ((rc = table_columns(db, "main", step->table, &mine, err)) < 0 ||
        (rc = table_columns(db, "src", step->table, &theirs, err)) < 0)
        goto out;
    strbuf_reset(sql);
    strbuf_addf(sql, "INSERT INTO main.%s (", step->table);
    for (size_t i = 0; i < mine.len; i += strlen(mine.buf + i) + 1) {
        const char *col = mine.buf + i, *expr = NULL;
        for (const struct col_map *m = step->maps; m->col; m++)
            if (!strcmp(m->col, col))
                expr = m->expr;
        if (!expr && (!strcmp(col, "id") || !has_name(&theirs, col)))
            continue; /* a new row id; a column the station's schema lacks gets its default */
        strbuf_addf(sql, "%s\"%s\"", n ? ", " : "", col);
        if (expr)
            strbuf_addf(&exprs, "%s%s", n ? ", " : "", expr);
        else
            strbuf_addf(&exprs, "%ss.\"%s\"", n ? ", " : "", col);
        n++;
    }
    strbuf_addf(sql, ") SELECT %s %s", exprs.buf ? exprs.buf : "", step->from);
out:
    strbuf_release(&mine);
    strbuf_release(&theirs);
    strbuf_release(&exprs);
    return rc;
}

static int64_t
total_changes(const struct merge_result *r)
{
    return r->examiners + r->runs + r->assets + r->evidence + r->acquisitions +
           r->acquisition_files + r->read_errors + r->verifications + r->custody_entries +
           r->checkpoints + r->partitions + r->files + r->log_sources + r->events;
}

static void
merge_details(struct strbuf *sb, const struct merge_result *r, const char *path)
{
    strbuf_addf(sb, "merged station database %s ('%s'): head %s after %lld entries; brought",
                r->source_station, path, r->source_head_hash ? r->source_head_hash : "(empty log)",
                (long long)r->source_entries);
    strbuf_addf(sb,
                " %lld servers, %lld evidence items, %lld acquisitions (%lld files, %lld read"
                " errors), %lld verifications, %lld custody entries, %lld checkpoints, %lld"
                " examiners, %lld timeline files (their times are file-system events) and %lld"
                " log events",
                (long long)r->assets, (long long)r->evidence, (long long)r->acquisitions,
                (long long)r->acquisition_files, (long long)r->read_errors,
                (long long)r->verifications, (long long)r->custody_entries,
                (long long)r->checkpoints, (long long)r->examiners, (long long)r->files,
                (long long)r->events);
}

static int
already_merged(struct casedb *db, const struct merge_result *r, int *yes, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st,
                        "SELECT 1 FROM main.merges WHERE source_station = ?"
                        " AND source_head_hash IS ?",
                        err);

    *yes = 0;
    if (rc < 0)
        return rc;
    db_bind_text(st, 1, r->source_station);
    db_bind_text(st, 2, r->source_head_hash);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *yes = 1;
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : db_fail(db, rc, err, "cannot read merges");
    sqlite3_finalize(st);
    return rc;
}

int
merge_station(struct merge_result *res, struct casedb *db, const char *other_path,
              const struct sign_seckey *key, int argc, char **argv, struct custody_err *err)
{
    struct strbuf uri = STRBUF_INIT, details = STRBUF_INIT, sql = STRBUF_INIT;
    struct casedb_case mine;
    sqlite3_stmt *st = NULL;
    int attached = 0, in_tx = 0, rc;

    memset(res, 0, sizeof(*res));
    memset(&mine, 0, sizeof(mine));
    if ((rc = inspect_source(res, db, other_path, err)) < 0)
        goto out;
    if (res->n_problems)
        goto out; /* a different case or a tampered file: compare nothing further */
    if ((rc = casedb_get_case(db, &mine, err)) < 0)
        goto out;

    readonly_uri(&uri, other_path);
    if ((rc = db_prepare(db, &st, "ATTACH DATABASE ? AS src", err)) < 0)
        goto out;
    db_bind_text(st, 1, uri.buf);
    rc = db_exec_stmt(db, st, err, "cannot attach the station database");
    sqlite3_finalize(st);
    st = NULL;
    if (rc < 0)
        goto out;
    attached = 1;
    if ((rc = casedb_begin(db, err)) < 0)
        goto out;
    in_tx = 1;
    if ((rc = find_conflicts(res, db, mine.station_uuid, err)) < 0 || res->n_problems)
        goto out;
    for (size_t i = 0; i < sizeof(merge_statements) / sizeof(merge_statements[0]); i++)
        if ((rc = exec_count(db, merge_statements[i], NULL, NULL, err)) < 0)
            goto out;
    for (size_t i = 0; i < sizeof(copy_steps) / sizeof(copy_steps[0]); i++) {
        const struct copy_step *step = &copy_steps[i];
        int64_t *count =
            step->count_field == NOCOUNT ? NULL : (int64_t *)((char *)res + step->count_field);
        if (!step->sql && (rc = generate_insert(db, step, &sql, err)) < 0)
            goto out;
        if ((rc = exec_count(db, step->sql ? step->sql : sql.buf, NULL, count, err)) < 0) {
            custody_err_prefix(err, "merge step %zu (%s)", i + 1,
                               step->table ? step->table : "update");
            goto out;
        }
    }
    if (total_changes(res) == 0) {
        int yes;
        if ((rc = already_merged(db, res, &yes, err)) < 0)
            goto out;
        if (yes) {
            res->nothing_new = 1;
            goto out; /* rolled back: merging the same database twice changes nothing */
        }
    }
    merge_details(&details, res, other_path);
    {
        int64_t run_id = 0;
        if (argv && (rc = casedb_run_begin(db, "custody-casedb", argc, argv, &run_id, err)) < 0)
            goto out;
        if ((rc = db_prepare(db, &st,
                             "INSERT INTO main.merges (source_station, source_head_hash,"
                             " source_entries, merged_at, run_id) VALUES (?, ?, ?, ?, ?)",
                             err)) < 0)
            goto out;
        db_bind_text(st, 1, res->source_station);
        db_bind_text(st, 2, res->source_head_hash);
        sqlite3_bind_int64(st, 3, res->source_entries);
        sqlite3_bind_int64(st, 4, custody_now_ns());
        db_bind_opt_int(st, 5, run_id > 0 ? run_id : -1);
        if ((rc = db_exec_stmt(db, st, err, "cannot record the merge")) < 0)
            goto out;
        res->merge_id = sqlite3_last_insert_rowid(db->db);
        if (run_id > 0 && (rc = casedb_run_end(db, run_id, 0, err)) < 0)
            goto out;
    }
    {
        struct custody_new n = {0};
        n.action = "merged";
        n.details = details.buf;
        n.purpose = "merge of a station database into the case";
        if ((rc = custody_append(db, &n, key, NULL, err)) < 0) {
            custody_err_prefix(err, "cannot record the merge in the custody log");
            goto out;
        }
    }
    if ((rc = casedb_commit(db, err)) < 0)
        goto out;
    in_tx = 0;
out:
    sqlite3_finalize(st);
    if (in_tx) {
        casedb_rollback(db);
        res->merge_id = 0;
    }
    if (attached) {
        for (size_t i = 0; i < sizeof(merge_cleanup) / sizeof(merge_cleanup[0]); i++)
            sqlite3_exec(db->db, merge_cleanup[i], NULL, NULL, NULL);
        sqlite3_exec(db->db, "DETACH DATABASE src", NULL, NULL, NULL);
    }
    strbuf_release(&uri);
    strbuf_release(&details);
    strbuf_release(&sql);
    casedb_case_release(&mine);
    return rc;
}
