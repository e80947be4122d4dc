/* Private to casedb/: the handle's layout and small statement helpers. */
#ifndef CUSTODY_DB_INTERNAL_H
#define CUSTODY_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>

#include "casedb.h"

/* 10 s: long enough for another process's acquisition record or a bulk load commit. */
#define CASEDB_BUSY_TIMEOUT_MS 10000

/* PRAGMA application_id of a custody case database: "CUST". */
#define CASEDB_APPLICATION_ID 0x43555354

struct casedb {
    sqlite3 *db;
    char *path;
    int readonly;
};

int casedb_schema_migrate(sqlite3 *db, int from, struct custody_err *err);

/* Schema v2: a file's set times are its file-system events. The four time columns
 * of files, each with its event letter, in the order that breaks ties between
 * equal times of one file (a, m, c, b; also the order of casedb_fs_event_id). */
struct casedb_fs_time {
    const char *col;
    char kind;
};
extern const struct casedb_fs_time casedb_fs_times[4];

/* Set err from the connection's last error: "what: sqlite message"; BUSY/LOCKED map
 * to CUSTODY_ERR_BUSY, CONSTRAINT UNIQUE to CUSTODY_ERR_EXISTS. Returns the code. */
int db_fail(struct casedb *db, int sqlite_rc, struct custody_err *err, const char *what);
int db_prepare(struct casedb *db, sqlite3_stmt **st, const char *sql, struct custody_err *err);
/* Bind a NUL-terminated string or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Bind an int64, or NULL when v < 0 and nullable. */
int db_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v);
/* strdup of a text column, NULL for SQL NULL. Aborts on out of memory. */
char *db_col_strdup(sqlite3_stmt *st, int col);
/* Step a statement that returns no rows; error message uses what. */
int db_exec_stmt(struct casedb *db, sqlite3_stmt *st, struct custody_err *err, const char *what);

#endif
