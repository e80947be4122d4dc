/* Bulk loads into the case database (casedb-internal): the two devices the
 * timeline build and the log ingest share to load hundreds of thousands of rows
 * at once.
 *
 * 1. Indexes dropped before the load and built again after it, in one sorted pass
 *    each, instead of updating every B-tree row by row.
 * 2. A "direct" load: a case nobody else has open leaves WAL mode for the load, so
 *    new pages go into CASE.db once (WAL, then the checkpoint, writes them twice).
 *    The commit stays atomic and durable: a crash rolls the journal back, and
 *    synchronous = EXTRA also syncs the folder after the journal is deleted (with
 *    FULL, a power cut could bring a deleted journal back and undo a committed
 *    load). Other processes wait for the load instead of reading beside it.
 *    Leaving WAL needs every other connection closed: SQLite refuses at once
 *    otherwise, and the load goes through the WAL as usual. */
#ifndef CUSTODY_CASEDB_BULK_H
#define CUSTODY_CASEDB_BULK_H

#include <stddef.h>

#include "db_internal.h"

/* The CREATE INDEX statements dropped for a load. Zero-initialise. */
struct db_index_set {
    char **sql;
    size_t n;
};

/* Drop the indexes of table (those another module added too), remembering their
 * SQL in set. With keep_partial, partial indexes (... WHERE ...) stay: when most
 * loaded rows are not in them, keeping them costs less than the full scan a
 * rebuild takes. Inside the caller's transaction. */
int db_indexes_drop(struct casedb *db, struct db_index_set *set, const char *table,
                    int keep_partial, struct custody_err *err);
/* Build the dropped indexes again (inside the caller's transaction) and empty set. */
int db_indexes_rebuild(struct casedb *db, struct db_index_set *set, struct custody_err *err);
/* Forget the set without rebuilding (the load was rolled back: so were the drops). */
void db_index_set_release(struct db_index_set *set);

/* Outside a transaction: switch a WAL case that no other process has open to a
 * rollback journal, synchronous = EXTRA and a large read map for the index
 * builds. Returns 1 when switched, 0 when the load goes through the WAL. */
int db_direct_begin(struct casedb *db);
/* After the commit or rollback, with every statement of the load finalized: back
 * to WAL, FULL and no map. CUSTODY_ERR_BUSY when another process opened the case
 * meanwhile and holds it: the data stays committed, and casedb_open of the next
 * writer switches the case back. */
int db_direct_end(struct casedb *db, struct custody_err *err);

#endif
