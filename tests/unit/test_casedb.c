/* Unit tests for the casedb core: create/open, refusal of foreign and newer
 * databases, assets, evidence naming, examiners, runs, status. */
#include "check.h"

#include "casedb.h"
#include "strbuf.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/custody-test-casedb.XXXXXX";

static void
path_in(struct strbuf *sb, const char *name)
{
    strbuf_reset(sb);
    strbuf_addf(sb, "%s/%s", dir, name);
}

static int
run(const char *cmd)
{
    return system(cmd);
}

static void
test_create_open(void)
{
    struct strbuf p = STRBUF_INIT, cmd = STRBUF_INIT;
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_case c = {0}, got;

    path_in(&p, "case.db");
    c.case_number = "2026-041";
    c.title = "Telecom breach";
    CHECK(casedb_create(&db, p.buf, &c, &err) == 0);
    REQUIRE(db);
    REQUIRE(casedb_get_case(db, &got, &err) == 0);
    CHECK_STR(got.case_number, "2026-041");
    CHECK_STR(got.title, "Telecom breach");
    CHECK(got.organisation == NULL);
    CHECK_INT(strlen(got.uuid), 36);
    CHECK(got.uuid[14] == '4');
    CHECK(strcmp(got.uuid, got.station_uuid) != 0);
    casedb_case_release(&got);
    casedb_close(db);

    /* an existing file is refused and untouched */
    db = NULL;
    CHECK_INT(casedb_create(&db, p.buf, &c, &err), CUSTODY_ERR_EXISTS);
    CHECK(db == NULL);
    CHECK(casedb_open(&db, p.buf, 0, &err) == 0);
    int ok = 0;
    CHECK(casedb_integrity_check(db, &ok, &err) == 0 && ok);
    casedb_close(db);

    /* joining a case keeps its uuid */
    struct casedb_case join = c;
    snprintf(join.uuid, sizeof(join.uuid), "%s", "0f0e0d0c-0b0a-4908-8706-050403020100");
    path_in(&p, "station.db");
    CHECK(casedb_create(&db, p.buf, &join, &err) == 0);
    CHECK(casedb_get_case(db, &got, &err) == 0);
    CHECK_STR(got.uuid, "0f0e0d0c-0b0a-4908-8706-050403020100");
    casedb_case_release(&got);
    casedb_close(db);

    /* missing fields */
    struct casedb_case bad = {0};
    bad.case_number = "x";
    path_in(&p, "bad.db");
    CHECK_INT(casedb_create(&db, p.buf, &bad, &err), CUSTODY_ERR_USAGE);
    CHECK(access(p.buf, F_OK) != 0);

    /* not SQLite at all: refused, unchanged */
    path_in(&p, "text.db");
    strbuf_reset(&cmd);
    strbuf_addf(&cmd, "printf 'not a database' > '%s'", p.buf);
    REQUIRE(run(cmd.buf) == 0);
    CHECK_INT(casedb_open(&db, p.buf, 0, &err), CUSTODY_ERR_FORMAT);
    CHECK(strstr(err.msg, "text.db") != NULL);
    struct stat st;
    CHECK(stat(p.buf, &st) == 0 && st.st_size == 14);

    /* another program's SQLite database: refused */
    path_in(&p, "other.db");
    strbuf_reset(&cmd);
    strbuf_addf(&cmd, "sqlite3 '%s' 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'", p.buf);
    if (run(cmd.buf) == 0) {
        CHECK_INT(casedb_open(&db, p.buf, 0, &err), CUSTODY_ERR_FORMAT);
        CHECK(strstr(err.msg, "another program") != NULL);
    }

    /* a newer schema version: refused with both versions named */
    path_in(&p, "case.db");
    strbuf_reset(&cmd);
    strbuf_addf(&cmd, "cp '%s' '%s/newer.db' && sqlite3 '%s/newer.db' 'PRAGMA user_version = 99'",
                p.buf, dir, dir);
    if (run(cmd.buf) == 0) {
        path_in(&p, "newer.db");
        CHECK_INT(casedb_open(&db, p.buf, 0, &err), CUSTODY_ERR_VERSION);
        CHECK(strstr(err.msg, "99") != NULL);
        CHECK(strstr(err.msg, "versions 1 to") != NULL);
    }

    /* nonexistent */
    path_in(&p, "nope.db");
    CHECK_INT(casedb_open(&db, p.buf, 0, &err), CUSTODY_ERR_NOTFOUND);
    strbuf_release(&p);
    strbuf_release(&cmd);
}

static void
test_records(void)
{
    struct strbuf p = STRBUF_INIT;
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_asset a = {0}, got;
    struct casedb_evidence e = {0}, ge;
    int64_t id1 = 0, id2 = 0;
    int created = 0;

    path_in(&p, "case.db");
    REQUIRE(casedb_open(&db, p.buf, 0, &err) == 0);
    a.hostname = "web01";
    a.location = "DC1 'rack' 4; DROP TABLE assets;--";
    CHECK(casedb_asset_add(db, &a, &id1, &err) == 0);
    CHECK_INT(casedb_asset_add(db, &a, NULL, &err), CUSTODY_ERR_EXISTS);
    CHECK(strstr(err.msg, "'web01'") != NULL);
    a.hostname = "db01";
    a.location = NULL;
    CHECK(casedb_asset_add(db, &a, &id2, &err) == 0);
    a.hostname = "x";
    a.status = "bogus";
    CHECK_INT(casedb_asset_add(db, &a, NULL, &err), CUSTODY_ERR_USAGE);
    REQUIRE(casedb_asset_get(db, "web01", &got, &err) == 0);
    CHECK_STR(got.location, "DC1 'rack' 4; DROP TABLE assets;--");
    CHECK_STR(got.status, "registered");
    casedb_asset_release(&got);
    CHECK_INT(casedb_asset_get(db, "nothere", &got, &err), CUSTODY_ERR_NOTFOUND);
    CHECK(casedb_asset_set_status(db, id1, "acquired", &err) == 0);
    CHECK_INT(casedb_asset_set_status(db, id1, "lost", &err), CUSTODY_ERR_USAGE);

    e.asset_id = id1;
    e.label = "sda";
    e.size = 1 << 20;
    e.sector_size = 512;
    e.physical_sector_size = -1;
    CHECK(casedb_evidence_add(db, &e, NULL, &err) == 0);
    CHECK_INT(casedb_evidence_add(db, &e, NULL, &err), CUSTODY_ERR_EXISTS);
    e.asset_id = 9999;
    CHECK_INT(casedb_evidence_add(db, &e, NULL, &err), CUSTODY_ERR_NOTFOUND);
    REQUIRE(casedb_evidence_resolve(db, NULL, "sda", &ge, &err) == 0);
    CHECK_STR(ge.hostname, "web01");
    CHECK_INT(ge.size, 1 << 20);
    CHECK_INT(ge.physical_sector_size, -1);
    casedb_evidence_release(&ge);

    /* a second asset with the same label makes the bare label ambiguous */
    e.asset_id = id2;
    CHECK(casedb_evidence_add(db, &e, NULL, &err) == 0);
    CHECK_INT(casedb_evidence_resolve(db, NULL, "sda", &ge, &err), CUSTODY_ERR_AMBIGUOUS);
    CHECK(strstr(err.msg, "db01/sda") && strstr(err.msg, "web01/sda"));
    CHECK(casedb_evidence_resolve(db, "db01", "sda", &ge, &err) == 0);
    CHECK_STR(ge.hostname, "db01");
    casedb_evidence_release(&ge);
    CHECK_INT(casedb_evidence_resolve(db, "db01", "sdz", &ge, &err), CUSTODY_ERR_NOTFOUND);

    /* ensure creates asset and evidence once, then finds them */
    CHECK(casedb_evidence_ensure(db, "mail01", "nvme0n1", "custody-timeline", &ge, &created,
                                 &err) == 0);
    CHECK_INT(created, 1);
    CHECK_STR(ge.added_by, "custody-timeline");
    casedb_evidence_release(&ge);
    CHECK(casedb_evidence_ensure(db, "mail01", "nvme0n1", "x", &ge, &created, &err) == 0);
    CHECK_INT(created, 0);
    ge.size = 4096;
    ge.model = NULL;
    CHECK(casedb_evidence_update_identity(db, &ge, &err) == 0);
    int64_t eid = ge.id;
    casedb_evidence_release(&ge);
    CHECK(casedb_evidence_get_by_id(db, eid, &ge, &err) == 0);
    CHECK_INT(ge.size, 4096);
    casedb_evidence_release(&ge);
    CHECK_INT(casedb_evidence_ensure(db, NULL, "sdq", "x", &ge, &created, &err),
              CUSTODY_ERR_NOTFOUND);

    struct casedb_evidence *list = NULL;
    size_t n = 0;
    CHECK(casedb_evidence_list(db, 0, &list, &n, &err) == 0);
    CHECK_INT(n, 3);
    casedb_evidence_list_free(list, n);
    CHECK(casedb_evidence_list(db, id1, &list, &n, &err) == 0);
    CHECK_INT(n, 1);
    casedb_evidence_list_free(list, n);

    /* examiners */
    struct casedb_examiner x = {0}, gx;
    int64_t xid = 0;
    x.name = "Ann Examiner";
    x.role = "examiner";
    x.key_id = "0123456789abcdef";
    CHECK(casedb_examiner_add(db, &x, &xid, &err) == 0);
    CHECK_INT(casedb_examiner_add(db, &x, NULL, &err), CUSTODY_ERR_EXISTS);
    CHECK(casedb_examiner_by_key_id(db, "0123456789abcdef", &gx, &err) == 0);
    CHECK_STR(gx.name, "Ann Examiner");
    CHECK_INT(gx.revoked_at, 0);
    casedb_examiner_release(&gx);
    CHECK(casedb_examiner_revoke(db, xid, 12345, "laptop stolen", &err) == 0);
    CHECK_INT(casedb_examiner_revoke(db, xid, 12346, "again", &err), CUSTODY_ERR_EXISTS);
    CHECK(casedb_examiner_by_name(db, "Ann Examiner", &gx, &err) == 0);
    CHECK_INT(gx.revoked_at, 12345);
    casedb_examiner_release(&gx);

    /* runs and status */
    char *argv[] = {"custody-test", "--flag", "va lue"};
    int64_t run_id = 0;
    CHECK(casedb_run_begin(db, "custody-test", 3, argv, &run_id, &err) == 0);
    CHECK(run_id > 0);
    CHECK(casedb_run_end(db, run_id, 0, &err) == 0);
    struct casedb_status s;
    CHECK(casedb_get_status(db, &s, &err) == 0);
    CHECK_INT(s.assets, 3);
    CHECK_INT(s.assets_by_status[1], 1);
    CHECK_INT(s.evidence, 3);
    CHECK_INT(s.examiners, 1);
    CHECK_INT(s.runs, 1);

    /* transactions roll back */
    CHECK(casedb_begin(db, &err) == 0);
    a.hostname = "temp";
    a.status = NULL;
    CHECK(casedb_asset_add(db, &a, NULL, &err) == 0);
    casedb_rollback(db);
    CHECK_INT(casedb_asset_get(db, "temp", &got, &err), CUSTODY_ERR_NOTFOUND);
    casedb_rollback(db); /* no transaction open: harmless */
    casedb_close(db);

    /* read-only open refuses writes with a clear error */
    REQUIRE(casedb_open(&db, p.buf, CASEDB_READONLY, &err) == 0);
    a.hostname = "ro";
    CHECK(casedb_asset_add(db, &a, NULL, &err) < 0);
    CHECK(strstr(err.msg, "read-only") != NULL);
    casedb_close(db);
    casedb_close(NULL);
    strbuf_release(&p);
}

int
main(void)
{
    REQUIRE(mkdtemp(dir));
    test_create_open();
    test_records();
    struct strbuf cmd = STRBUF_INIT;
    strbuf_addf(&cmd, "rm -rf '%s'", dir);
    run(cmd.buf);
    strbuf_release(&cmd);
    CHECK_DONE();
}
