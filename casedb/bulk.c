/* Bulk-load devices shared by the timeline build and the log ingest (bulk.h). */
#include "bulk.h"

#include <stdlib.h>
#include <string.h>

/* A bound on the read map during a direct load, not a reservation. */
#define DB_DIRECT_MMAP "PRAGMA mmap_size = 17179869184"

int
db_indexes_drop(struct casedb *db, struct db_index_set *set, const char *table, int keep_partial,
                struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    char **names = NULL;
    size_t n = 0;
    int rc;

    if ((rc = db_prepare(
             db, &st,
             "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
             "tbl_name = ?1 AND sql IS NOT NULL AND (?2 = 0 OR sql NOT LIKE '% WHERE %')",
             err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, keep_partial);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(set->sql, (set->n + 1) * sizeof(*grown));
        char **grown_names = grown ? realloc(names, (n + 1) * sizeof(*grown_names)) : NULL;
        if (grown)
            set->sql = grown;
        if (grown_names) {
            names = grown_names;
            /* counted even when a copy fails, so that both are freed (free(NULL)) */
            names[n++] = db_col_strdup(st, 0);
            set->sql[set->n++] = db_col_strdup(st, 1);
        }
        if (!grown_names || !names[n - 1] || !set->sql[set->n - 1]) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = db_fail(db, rc, err, "cannot list the indexes");
        goto out;
    }
    /* dropped once the listing is finished: SQLite refuses while it runs */
    sqlite3_finalize(st);
    st = NULL;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* the name as SQLite holds it, quoted: nothing parsed out of the SQL */
        char *drop = sqlite3_mprintf("DROP INDEX \"%w\"", names[i]);
        if (!drop) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            break;
        }
        if ((rc = sqlite3_exec(db->db, drop, NULL, NULL, NULL)) != SQLITE_OK)
            rc = db_fail(db, rc, err, "cannot drop an index for the bulk load");
        sqlite3_free(drop);
    }
out:
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int
db_indexes_rebuild(struct casedb *db, struct db_index_set *set, struct custody_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < set->n && rc == 0; i++)
        if ((rc = sqlite3_exec(db->db, set->sql[i], NULL, NULL, NULL)) != SQLITE_OK)
            rc = db_fail(db, rc, err, "cannot rebuild an index after the bulk load");
    db_index_set_release(set);
    return rc;
}

void
db_index_set_release(struct db_index_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->sql[i]);
    free(set->sql);
    set->sql = NULL;
    set->n = 0;
}

/* The journal mode the connection reports after sql ("PRAGMA journal_mode [= X]"),
 * in buf; "" when the statement failed (e.g. locked). */
static void
journal_mode(struct casedb *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *st = NULL;

    buf[0] = '\0';
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

int
db_direct_begin(struct casedb *db)
{
    char mode[16];

    journal_mode(db, "PRAGMA journal_mode", mode, sizeof(mode));
    if (strcmp(mode, "wal") != 0)
        return 0;
    journal_mode(db, "PRAGMA journal_mode = DELETE", mode, sizeof(mode));
    if (strcmp(mode, "delete") != 0)
        return 0;
    /* both best effort: without them the load is only slower */
    sqlite3_exec(db->db, "PRAGMA synchronous = EXTRA", NULL, NULL, NULL);
    sqlite3_exec(db->db, DB_DIRECT_MMAP, NULL, NULL, NULL);
    return 1;
}

int
db_direct_end(struct casedb *db, struct custody_err *err)
{
    char mode[16];

    sqlite3_exec(db->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    sqlite3_exec(db->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
    journal_mode(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));
    if (strcmp(mode, "wal") != 0)
        return custody_err_set(err, CUSTODY_ERR_BUSY,
                               "cannot switch case database '%s' back to WAL mode (another "
                               "process has it open); the load is committed, and the next "
                               "command that writes to the case switches it back",
                               db->path);
    return 0;
}
