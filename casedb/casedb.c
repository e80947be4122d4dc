/* Opening, creating and migrating case databases; transactions; runs; status. */
#include "db_internal.h"

#include "cli.h"
#include "hash.h"
#include "io.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const casedb_asset_statuses[5] = {"registered", "acquired", "verified", "cleared",
                                              "decommissioned"};
const char *const casedb_acq_statuses[5] = {"running", "complete", "incomplete", "failed",
                                            "interrupted"};

/* SQLite's global allocation statistics take one more mutex per malloc and free:
 * about 4% of the CPU of a timeline build. Nothing here reads them. */
static void
casedb_sqlite_setup(void)
{
    /* Only before SQLite initializes itself; afterwards a harmless SQLITE_MISUSE. */
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *
casedb_sqlite_version(void)
{
    return sqlite3_libversion();
}

const char *
casedb_path(const struct casedb *db)
{
    return db->path;
}

int
db_fail(struct casedb *db, int sqlite_rc, struct custody_err *err, const char *what)
{
    int primary = sqlite_rc & 0xff;
    const char *msg = db && db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(sqlite_rc);
    const char *path = db && db->path ? db->path : "?";

    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return custody_err_set(err, CUSTODY_ERR_BUSY, "case database '%s' is busy: %s: %s", path,
                               what, msg);
    if (sqlite_rc == SQLITE_CONSTRAINT_UNIQUE || sqlite_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return custody_err_set(err, CUSTODY_ERR_EXISTS, "%s: %s", what, msg);
    if (primary == SQLITE_READONLY)
        return custody_err_set(err, CUSTODY_ERR_IO, "case database '%s' is read-only: %s: %s", path,
                               what, msg);
    if (primary == SQLITE_FULL)
        return custody_err_set(err, CUSTODY_ERR_NOSPACE, "case database '%s': %s: %s", path, what,
                               msg);
    return custody_err_set(err, CUSTODY_ERR_DB, "case database '%s': %s: %s", path, what, msg);
}

int
db_prepare(struct casedb *db, sqlite3_stmt **st, const char *sql, struct custody_err *err)
{
    int rc = sqlite3_prepare_v2(db->db, sql, -1, st, NULL);

    if (rc != SQLITE_OK)
        return db_fail(db, rc, err, "cannot prepare statement");
    return 0;
}

int
db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

int
db_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v < 0)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_int64(st, idx, v);
}

char *
db_col_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *t;
    char *s;

    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    t = sqlite3_column_text(st, col);
    s = strdup(t ? (const char *)t : "");
    if (!s)
        abort();
    return s;
}

int
db_exec_stmt(struct casedb *db, sqlite3_stmt *st, struct custody_err *err, const char *what)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, sqlite3_extended_errcode(db->db), err, what);
    return 0;
}

static int
db_exec(struct casedb *db, const char *sql, struct custody_err *err, const char *what)
{
    int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return db_fail(db, sqlite3_extended_errcode(db->db), err, what);
    return 0;
}

static int
db_pragma_int(struct casedb *db, const char *sql, int64_t *out, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st, sql, err);

    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(db, sqlite3_extended_errcode(db->db), err, "cannot read database header");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_uuid_v4(char out[CASEDB_UUID_LEN + 1], struct custody_err *err)
{
    uint8_t b[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot open '/dev/urandom'");
    n = read(fd, b, sizeof(b));
    close(fd);
    if (n != (ssize_t)sizeof(b))
        return custody_err_set(err, CUSTODY_ERR_IO, "cannot read '/dev/urandom'");
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, CASEDB_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

void
casedb_close(struct casedb *db)
{
    if (!db)
        return;
    /* Move committed pages from the WAL into the database file even when a reader
     * is still open (SQLite does so by itself only for the last connection), so a
     * copy of CASE.db alone holds everything that was committed. */
    if (db->db && !db->readonly)
        sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (db->db)
        sqlite3_close_v2(db->db);
    free(db->path);
    free(db);
}

static int
casedb_alloc(struct casedb **out, const char *path, struct custody_err *err)
{
    struct casedb *db = calloc(1, sizeof(*db));

    *out = NULL;
    if (!db)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    db->path = strdup(path);
    if (!db->path) {
        free(db);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    *out = db;
    return 0;
}

/* Connection settings that every open needs (none of them writes to the file). */
static int
casedb_configure(struct casedb *db, struct custody_err *err)
{
    int rc;

    sqlite3_busy_timeout(db->db, CASEDB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->db, 1);
    if ((rc = db_exec(db, "PRAGMA foreign_keys = ON", err, "cannot enable foreign keys")) < 0)
        return rc;
    /* FULL: a committed custody record survives power loss, not only a crash. */
    return db_exec(db, "PRAGMA synchronous = FULL", err, "cannot set synchronous mode");
}

int
casedb_create(struct casedb **out, const char *path, const struct casedb_case *c,
              struct custody_err *err)
{
    struct casedb *db = NULL;
    sqlite3_stmt *st = NULL;
    char uuid[CASEDB_UUID_LEN + 1], station[CASEDB_UUID_LEN + 1];
    int fd, rc, created = 0;

    *out = NULL;
    if (!c->case_number || !*c->case_number || !c->title || !*c->title)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "a case needs a case number and a title");
    if (c->uuid[0]) {
        snprintf(uuid, sizeof(uuid), "%s", c->uuid);
    } else if ((rc = casedb_uuid_v4(uuid, err)) < 0) {
        return rc;
    }
    if ((rc = casedb_uuid_v4(station, err)) < 0)
        return rc;
    /* Create the file exclusively first, so an existing file is never touched. */
    fd = io_create_exclusive(path, 0640, err);
    if (fd < 0)
        return fd;
    close(fd);
    created = 1;
    if ((rc = casedb_alloc(&db, path, err)) < 0)
        goto fail;
    casedb_sqlite_setup();
    rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = db_fail(db, rc, err, "cannot open");
        goto fail;
    }
    if ((rc = casedb_configure(db, err)) < 0)
        goto fail;
    if ((rc = db_exec(db, "PRAGMA journal_mode = WAL", err, "cannot enable WAL")) < 0)
        goto fail;
    if ((rc = casedb_begin(db, err)) < 0)
        goto fail;
    {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d", CASEDB_APPLICATION_ID);
        if ((rc = db_exec(db, pragma, err, "cannot set application id")) < 0)
            goto fail;
    }
    if ((rc = casedb_schema_migrate(db->db, 0, err)) < 0)
        goto fail;
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO cases (uuid, case_number, title, organisation, created_at,"
                         " station_uuid) VALUES (?, ?, ?, ?, ?, ?)",
                         err)) < 0)
        goto fail;
    db_bind_text(st, 1, uuid);
    db_bind_text(st, 2, c->case_number);
    db_bind_text(st, 3, c->title);
    db_bind_text(st, 4, c->organisation);
    sqlite3_bind_int64(st, 5, c->created_at ? c->created_at : custody_now_ns());
    db_bind_text(st, 6, station);
    if ((rc = db_exec_stmt(db, st, err, "cannot record the case")) < 0)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = casedb_commit(db, err)) < 0)
        goto fail;
    *out = db;
    return 0;
fail:
    sqlite3_finalize(st);
    casedb_close(db);
    if (created) {
        /* Remove only what we created: the file did not exist before. */
        struct strbuf sb = STRBUF_INIT;
        unlink(path);
        strbuf_addf(&sb, "%s-wal", path);
        unlink(sb.buf);
        strbuf_reset(&sb);
        strbuf_addf(&sb, "%s-shm", path);
        unlink(sb.buf);
        strbuf_release(&sb);
    }
    return rc;
}

/* 1 when path's folder cannot be written and no WAL file is pending beside it. */
static int
readonly_media(const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    char *slash;
    int ro;

    strbuf_addstr(&sb, path);
    slash = strrchr(sb.buf, '/');
    if (slash)
        strbuf_setlen(&sb, (size_t)(slash - sb.buf) + (slash == sb.buf));
    else
        strbuf_setlen(&sb, 0);
    ro = access(sb.len ? sb.buf : ".", W_OK) != 0;
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%s-wal", path);
    if (ro && access(sb.buf, F_OK) == 0)
        ro = 0; /* committed data may still be in the WAL: open normally, fail loudly */
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%s-journal", path);
    if (ro && access(sb.buf, F_OK) == 0)
        ro = 0; /* a load cut short (log_store.c) to roll back: never read it as is */
    strbuf_release(&sb);
    return ro;
}

int
casedb_open(struct casedb **out, const char *path, int flags, struct custody_err *err)
{
    struct casedb *db = NULL;
    struct stat sb;
    int64_t app_id = 0, version = 0;
    int rc, latest = casedb_schema_latest();
    const int mutex = (flags & CASEDB_ONE_THREAD) ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX;

    *out = NULL;
    if (stat(path, &sb) < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                 "cannot open case database '%s'", path);
    if (!S_ISREG(sb.st_mode))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s' is not a case database file", path);
    if ((rc = casedb_alloc(&db, path, err)) < 0)
        return rc;
    db->readonly = (flags & CASEDB_READONLY) != 0;
    casedb_sqlite_setup();
    if (db->readonly && readonly_media(path)) {
        /* A regulator's copy on read-only media: WAL cannot create its -shm file, so
         * open immutable (nothing else can be changing it there). */
        struct strbuf uri = STRBUF_INIT;
        strbuf_addstr(&uri, "file:");
        for (const char *p = path; *p; p++) {
            if (*p == '%' || *p == '?' || *p == '#')
                strbuf_addf(&uri, "%%%02X", (unsigned char)*p);
            else
                strbuf_addch(&uri, *p);
        }
        strbuf_addstr(&uri, "?immutable=1");
        rc =
            sqlite3_open_v2(uri.buf, &db->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | mutex, NULL);
        strbuf_release(&uri);
    } else {
        rc = sqlite3_open_v2(path, &db->db,
                             (db->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | mutex,
                             NULL);
    }
    if (rc != SQLITE_OK) {
        rc = db_fail(db, rc, err, "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(db->db, CASEDB_BUSY_TIMEOUT_MS);
    /* Read the header before anything can write: a file that is not ours stays untouched. */
    rc = db_pragma_int(db, "PRAGMA application_id", &app_id, err);
    if (rc < 0) {
        if (rc == CUSTODY_ERR_DB)
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "'%s' is not a custody case database (not an SQLite database)",
                                 path);
        goto fail;
    }
    if (app_id != CASEDB_APPLICATION_ID) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "'%s' is not a custody case database (SQLite file of another program)",
                             path);
        goto fail;
    }
    if ((rc = db_pragma_int(db, "PRAGMA user_version", &version, err)) < 0)
        goto fail;
    if (version > latest) {
        rc = custody_err_set(err, CUSTODY_ERR_VERSION,
                             "case database '%s' has schema version %lld; this custody %s knows "
                             "versions 1 to %d: upgrade custody",
                             path, (long long)version, CUSTODY_VERSION, latest);
        goto fail;
    }
    if (!db->readonly && sqlite3_db_readonly(db->db, "main") == 1) {
        rc = custody_err_set(err, CUSTODY_ERR_IO, "case database '%s' is read-only", path);
        goto fail;
    }
    if ((rc = casedb_configure(db, err)) < 0)
        goto fail;
    if (version < latest) {
        if (db->readonly) {
            rc = custody_err_set(err, CUSTODY_ERR_VERSION,
                                 "case database '%s' has schema version %lld and needs migrating "
                                 "to %d, which a read-only open cannot do",
                                 path, (long long)version, latest);
            goto fail;
        }
        if ((rc = casedb_begin(db, err)) < 0)
            goto fail;
        if ((rc = casedb_schema_migrate(db->db, (int)version, err)) < 0 ||
            (rc = casedb_commit(db, err)) < 0) {
            casedb_rollback(db);
            goto fail;
        }
    }
    /* A large log load runs with a rollback journal (log_store.c) and switches
     * back to WAL after its commit; if it could not (killed, or the case was open
     * elsewhere), a writer switches back. Best effort: refused while another
     * process has the case open, and a no-op in WAL mode. */
    if (!db->readonly)
        sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    *out = db;
    return 0;
fail:
    casedb_close(db);
    return rc;
}

int
casedb_open_named(struct casedb **out, const char **path, int flags, struct custody_err *err)
{
    *out = NULL;
    if (!*path)
        *path = getenv("CUSTODY_CASE_DB");
    if (!*path || !**path)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "no case database: give --case-db CASE.db or set CUSTODY_CASE_DB");
    return casedb_open(out, *path, flags, err);
}

int
casedb_begin(struct casedb *db, struct custody_err *err)
{
    return db_exec(db, "BEGIN IMMEDIATE", err, "cannot begin transaction");
}

int
casedb_commit(struct casedb *db, struct custody_err *err)
{
    return db_exec(db, "COMMIT", err, "cannot commit transaction");
}

void
casedb_rollback(struct casedb *db)
{
    if (db && db->db && !sqlite3_get_autocommit(db->db))
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

void
casedb_case_release(struct casedb_case *c)
{
    if (!c)
        return;
    free(c->case_number);
    free(c->title);
    free(c->organisation);
    c->case_number = c->title = c->organisation = NULL;
}

int
casedb_get_case(struct casedb *db, struct casedb_case *out, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = db_prepare(db, &st,
                         "SELECT uuid, station_uuid, case_number, title, organisation, created_at"
                         " FROM cases ORDER BY id LIMIT 1",
                         err)) < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->uuid, sizeof(out->uuid), "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->station_uuid, sizeof(out->station_uuid), "%s",
                 (const char *)sqlite3_column_text(st, 1));
        out->case_number = db_col_strdup(st, 2);
        out->title = db_col_strdup(st, 3);
        out->organisation = db_col_strdup(st, 4);
        out->created_at = sqlite3_column_int64(st, 5);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "case database '%s' holds no case", db->path);
    } else {
        rc = db_fail(db, rc, err, "cannot read the case");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_integrity_check(struct casedb *db, int *ok, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *ok = 0;
    if ((rc = db_prepare(db, &st, "PRAGMA integrity_check", err)) < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        *ok = r && !strcmp(r, "ok");
        rc = 0;
    } else {
        rc = db_fail(db, rc, err, "cannot check integrity");
    }
    sqlite3_finalize(st);
    return rc;
}

int
casedb_run_begin(struct casedb *db, const char *tool, int argc, char **argv, int64_t *run_id,
                 struct custody_err *err)
{
    struct strbuf args = STRBUF_INIT;
    int rc;

    cli_argv_string(&args, argc, argv);
    rc = casedb_run_begin_line(db, tool, args.buf, run_id, err);
    strbuf_release(&args);
    return rc;
}

int
casedb_run_begin_line(struct casedb *db, const char *tool, const char *command_line,
                      int64_t *run_id, struct custody_err *err)
{
    struct strbuf libs = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    char host[256] = "";
    struct passwd *pw = getpwuid(geteuid());
    int rc;

    *run_id = 0;
    cli_versions_json(&libs, casedb_sqlite_version());
    gethostname(host, sizeof(host) - 1);
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO runs (tool, version, argv, library_versions, hostname,"
                         " username, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, tool);
    db_bind_text(st, 2, CUSTODY_VERSION);
    db_bind_text(st, 3, command_line);
    db_bind_text(st, 4, libs.buf);
    db_bind_text(st, 5, host);
    db_bind_text(st, 6, pw ? pw->pw_name : NULL);
    sqlite3_bind_int64(st, 7, custody_now_ns());
    if ((rc = db_exec_stmt(db, st, err, "cannot record the tool run")) < 0)
        goto out;
    *run_id = sqlite3_last_insert_rowid(db->db);
out:
    sqlite3_finalize(st);
    strbuf_release(&libs);
    return rc;
}

int
casedb_run_end(struct casedb *db, int64_t run_id, int exit_status, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st, "UPDATE runs SET ended_at = ?, exit_status = ? WHERE id = ?",
                         err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, custody_now_ns());
    sqlite3_bind_int(st, 2, exit_status);
    sqlite3_bind_int64(st, 3, run_id);
    rc = db_exec_stmt(db, st, err, "cannot record the end of the tool run");
    sqlite3_finalize(st);
    return rc;
}

static int
count_query(struct casedb *db, const char *sql, int64_t *out, struct custody_err *err)
{
    return db_pragma_int(db, sql, out, err);
}

int
casedb_get_status(struct casedb *db, struct casedb_status *out, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = db_prepare(db, &st, "SELECT status, count(*) FROM assets GROUP BY status", err)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < 5; i++)
            if (s && !strcmp(s, casedb_asset_statuses[i]))
                out->assets_by_status[i] = sqlite3_column_int64(st, 1);
        out->assets += sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, err, "cannot count assets");
    if ((rc = db_prepare(db, &st, "SELECT status, count(*) FROM acquisitions GROUP BY status",
                         err)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < 5; i++)
            if (s && !strcmp(s, casedb_acq_statuses[i]))
                out->acq_by_status[i] = sqlite3_column_int64(st, 1);
        out->acquisitions += sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, rc, err, "cannot count acquisitions");
    if ((rc = count_query(db, "SELECT count(*) FROM evidence", &out->evidence, err)) < 0 ||
        (rc = count_query(db, "SELECT count(*) FROM examiners", &out->examiners, err)) < 0 ||
        /* log events, and the files' times (their file-system events) */
        (rc = count_query(db,
                          "SELECT (SELECT count(*) FROM events) + (SELECT coalesce(sum(events), "
                          "0) FROM partitions)",
                          &out->events, err)) < 0 ||
        (rc = count_query(db, "SELECT count(*) FROM files", &out->files, err)) < 0 ||
        (rc = count_query(db, "SELECT count(*) FROM custody_events", &out->custody_entries, err)) <
            0 ||
        (rc = count_query(db, "SELECT count(*) FROM runs", &out->runs, err)) < 0)
        return rc;
    return 0;
}
