/* The case database schema, version by version. Version N's script takes a
 * database from N-1 to N; PRAGMA user_version records the version reached. */
#include "db_internal.h"

/* Version 1: everything the toolkit needs. Times are INTEGER ns since the epoch, UTC.
 * Names from evidence (paths) are BLOBs: arbitrary bytes, kept exactly. */
static const char schema_v1[] =
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  case_number TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  organisation TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  station_uuid TEXT NOT NULL UNIQUE" /* this database's own id: its custody chain */
    ");"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  tool TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  argv TEXT NOT NULL,"    /* shell-quoted command line */
    "  library_versions TEXT," /* JSON */
    "  hostname TEXT,"
    "  username TEXT,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  exit_status INTEGER" /* NULL while running or when killed */
    ");"
    "CREATE TABLE examiners ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT,"
    "  public_key TEXT,"    /* minisign public key, base64 line */
    "  key_id TEXT UNIQUE," /* hex of the first 8 bytes of SHA-256(public key) */
    "  added_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"
    "  revoked_reason TEXT"
    ");"
    "CREATE TABLE assets ("
    "  id INTEGER PRIMARY KEY,"
    "  hostname TEXT NOT NULL UNIQUE,"
    "  asset_tag TEXT,"
    "  serial TEXT,"
    "  location TEXT,"
    "  owner TEXT,"
    "  notes TEXT,"
    "  status TEXT NOT NULL DEFAULT 'registered' CHECK (status IN"
    "    ('registered','acquired','verified','cleared','decommissioned')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  added_by TEXT" /* tool that created the row */
    ");"
    "CREATE TABLE evidence ("
    "  id INTEGER PRIMARY KEY,"
    "  asset_id INTEGER NOT NULL REFERENCES assets(id),"
    "  label TEXT NOT NULL,"
    "  vendor TEXT,"
    "  model TEXT,"
    "  serial TEXT,"
    "  size INTEGER,"        /* bytes */
    "  sector_size INTEGER," /* logical, bytes */
    "  physical_sector_size INTEGER,"
    "  notes TEXT,"
    "  added_by TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (asset_id, label)"
    ");"
    "CREATE TABLE acquisitions ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    "  examiner_id INTEGER REFERENCES examiners(id),"
    "  run_id INTEGER REFERENCES runs(id),"
    "  format TEXT NOT NULL CHECK (format IN ('e01','raw')),"
    "  source TEXT NOT NULL,"
    "  source_identity TEXT," /* JSON: device, vendor, model, serial, sizes */
    "  output_base TEXT,"
    "  media_size INTEGER,"
    "  sector_size INTEGER,"
    "  md5 TEXT, sha1 TEXT, sha256 TEXT,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  status TEXT NOT NULL CHECK (status IN"
    "    ('running','complete','incomplete','failed','interrupted')),"
    "  error TEXT,"
    "  bad_sectors INTEGER NOT NULL DEFAULT 0,"
    "  verify_image TEXT," /* pass, fail, skipped */
    "  verify_source TEXT,"
    "  compression TEXT, segment_size INTEGER, chunk_sectors INTEGER,"
    "  case_number TEXT, evidence_number TEXT, description TEXT, notes TEXT,"
    "  examiner_name TEXT,"
    "  tool_version TEXT,"
    "  library_versions TEXT," /* JSON */
    "  command_line TEXT,"
    "  manifest TEXT,"
    "  manifest_sig TEXT"
    ");"
    "CREATE TABLE acquisition_files ("
    "  id INTEGER PRIMARY KEY,"
    "  acquisition_id INTEGER NOT NULL REFERENCES acquisitions(id),"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL," /* file name as written beside the manifest */
    "  size INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  UNIQUE (acquisition_id, seq)"
    ");"
    "CREATE TABLE read_errors ("
    "  id INTEGER PRIMARY KEY,"
    "  acquisition_id INTEGER NOT NULL REFERENCES acquisitions(id),"
    "  first_sector INTEGER NOT NULL,"
    "  sector_count INTEGER NOT NULL"
    ");"
    "CREATE TABLE verifications ("
    "  id INTEGER PRIMARY KEY,"
    "  acquisition_id INTEGER REFERENCES acquisitions(id),"
    "  asset_id INTEGER REFERENCES assets(id),"
    "  run_id INTEGER REFERENCES runs(id),"
    "  kind TEXT NOT NULL," /* image, case, clearance */
    "  verifier_key_id TEXT,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  verdict TEXT NOT NULL," /* pass, fail, cannot-check */
    "  report TEXT"            /* JSON */
    ");"
    /* The append-only custody log: one hash chain per station database (chain =
     * station uuid). Names, not row ids, are hashed, so entries survive a merge. */
    "CREATE TABLE custody_events ("
    "  id INTEGER PRIMARY KEY,"
    "  chain TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  action TEXT NOT NULL CHECK (action IN ('registered','acquired','verified','released',"
    "    'received','stored','accessed','sealed','cleared','decommissioned','key-revoked',"
    "    'note','merged')),"
    "  asset TEXT,"    /* hostname */
    "  evidence TEXT," /* label */
    "  actor TEXT,"    /* examiner name */
    "  key_id TEXT,"
    "  location TEXT,"
    "  purpose TEXT,"
    "  details TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  entry_hash TEXT NOT NULL,"
    "  signature TEXT," /* base64 Ed25519 over entry_hash */
    "  UNIQUE (chain, seq)"
    ");"
    "CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events"
    "  BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;"
    "CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events"
    "  BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;"
    "CREATE TABLE checkpoints ("
    "  id INTEGER PRIMARY KEY,"
    "  chain TEXT NOT NULL,"
    "  entries INTEGER NOT NULL,"
    "  head_hash TEXT NOT NULL,"
    "  key_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  statement TEXT NOT NULL," /* the signed text */
    "  signature TEXT NOT NULL"
    ");"
    "CREATE TABLE merges ("
    "  id INTEGER PRIMARY KEY,"
    "  source_station TEXT NOT NULL,"
    "  source_head_hash TEXT,"
    "  source_entries INTEGER,"
    "  merged_at INTEGER NOT NULL,"
    "  run_id INTEGER REFERENCES runs(id)"
    ");"
    /* Timeline: volumes and file systems found in an evidence image. */
    "CREATE TABLE partitions ("
    "  id INTEGER PRIMARY KEY,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    "  idx INTEGER NOT NULL,"    /* order found in the image */
    "  offset INTEGER NOT NULL," /* bytes from the start of the image */
    "  length INTEGER,"          /* bytes */
    "  description TEXT,"
    "  vs_type TEXT,"         /* dos, gpt, bsd, mac, sun, apfs (pool), none */
    "  slot INTEGER,"         /* TSK volume-system address (mmls first column), NULL without one */
    "  prefix TEXT NOT NULL," /* body-file path prefix: '' or '/p2' or '/p2/v0' */
    "  fs_type TEXT,"
    "  status TEXT NOT NULL," /* ok, no-fs, error, partial */
    "  error TEXT,"
    "  files INTEGER NOT NULL DEFAULT 0,"
    "  events INTEGER NOT NULL DEFAULT 0,"
    "  run_id INTEGER REFERENCES runs(id),"
    "  UNIQUE (evidence_id, idx)"
    ");"
    /* One row per file-system name (body-file line); NTFS $FILE_NAME and each
     * alternate data stream are rows of their own, as fls prints them. */
    "CREATE TABLE files ("
    "  id INTEGER PRIMARY KEY,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    "  partition_id INTEGER REFERENCES partitions(id),"
    "  path BLOB NOT NULL," /* raw bytes from '/', ':stream' appended for NTFS streams */
    "  link BLOB,"          /* symbolic link target, raw bytes */
    "  inode TEXT,"         /* meta address as fls prints it: 12, 35-128-1 */
    "  name_type INTEGER, meta_type INTEGER," /* TSK_FS_NAME_TYPE / META_TYPE; meta NULL: none */
    "  mode INTEGER, uid INTEGER, gid INTEGER, size INTEGER,"
    "  flags INTEGER NOT NULL DEFAULT 0," /* 1 deleted, 2 orphan, 4 $FILE_NAME, 8 ioc, 16 realloc */
    "  atime INTEGER, mtime INTEGER, ctime INTEGER, crtime INTEGER," /* ns UTC, NULL unset */
    "  md5 TEXT, sha256 TEXT,"
    "  ioc_name TEXT"
    ");"
    "CREATE TABLE log_sources ("
    "  id INTEGER PRIMARY KEY,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    "  partition_id INTEGER REFERENCES partitions(id),"
    "  path BLOB NOT NULL,"
    "  inode TEXT,"
    "  type TEXT NOT NULL,"
    "  tz TEXT,"
    "  lines INTEGER NOT NULL DEFAULT 0,"
    "  events INTEGER NOT NULL DEFAULT 0,"
    "  warnings INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT," /* ok, partial, error */
    "  error TEXT"
    ");"
    "CREATE TABLE parse_warnings ("
    "  id INTEGER PRIMARY KEY,"
    "  log_source_id INTEGER NOT NULL REFERENCES log_sources(id),"
    "  location TEXT," /* line number or byte offset */
    "  message TEXT NOT NULL,"
    "  raw BLOB"
    ");"
    /* Timeline events: file-system times (file_id set, the rest in files) and log
     * records. Columns used by file-system events come first. */
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    "  ts INTEGER NOT NULL,"  /* ns UTC */
    "  kind TEXT NOT NULL,"   /* m a c b for files; the normalized action for logs */
    "  source TEXT NOT NULL," /* fs, syslog, auth, wtmp, web, dpkg, ... */
    "  file_id INTEGER,"      /* files(id) for fs events (not enforced: bulk-load speed) */
    "  flags INTEGER NOT NULL DEFAULT 0," /* 1 deleted, 4 $FILE_NAME, 8 ioc, 16 year inferred,
                                           32 time from mtime */
    "  partition_id INTEGER REFERENCES partitions(id),"
    "  log_source_id INTEGER REFERENCES log_sources(id),"
    "  path BLOB," /* log events: the path the record names (web path, command) */
    "  inode TEXT, size INTEGER, mode INTEGER, uid INTEGER, gid INTEGER,"
    "  host TEXT, user TEXT, ip TEXT, port INTEGER, program TEXT, pid INTEGER,"
    "  message TEXT,"
    "  location TEXT," /* where the raw record is: line number or byte offset */
    "  tz TEXT,"
    "  data TEXT" /* JSON with source-specific fields (method, status, bytes, agent, ...) */
    ");"
    "CREATE TABLE iocs ("
    "  id INTEGER PRIMARY KEY,"
    "  hash TEXT NOT NULL," /* lowercase hex */
    "  algo TEXT NOT NULL," /* MD5, SHA1, SHA256 */
    "  name TEXT,"
    "  source TEXT," /* the --ioc file it came from */
    "  UNIQUE (hash)"
    ");"
    "CREATE INDEX evidence_asset ON evidence(asset_id);"
    "CREATE INDEX acquisitions_evidence ON acquisitions(evidence_id);"
    "CREATE INDEX files_evidence ON files(evidence_id, partition_id);"
    /* file_id: a file's events are found by (evidence, time, file) exactly (query.c
     * text search), even where many files share a timestamp (1 s or 2 s clocks). */
    "CREATE INDEX events_evidence_ts ON events(evidence_id, ts, file_id);"
    /* Query support (casedb/query.c): covering indexes for pivots by IP and user,
     * and hash look-ups. */
    "CREATE INDEX events_ip ON events(ip, evidence_id, ts) WHERE ip IS NOT NULL;"
    "CREATE INDEX events_user ON events(user, evidence_id, ts) WHERE user IS NOT NULL;"
    "CREATE INDEX files_md5 ON files(md5) WHERE md5 IS NOT NULL;"
    "CREATE INDEX files_sha256 ON files(sha256) WHERE sha256 IS NOT NULL;"
    /* Full-text indexes (external content: no copy of the text): log events by
     * message and path, files by path (once per file, not per M/A/C/B event).
     * query.c brings them up to date when a text query needs it, so bulk loads do
     * not pay for them; deleting or changing indexed rows marks them stale, which
     * forces a rebuild (stale entries could otherwise match). */
    "CREATE VIEW event_text(id, message, path) AS"
    "  SELECT id, message, path FROM events WHERE file_id IS NULL;"
    "CREATE VIEW file_text(id, message, path) AS SELECT id, NULL, path FROM files;"
    "CREATE VIRTUAL TABLE event_fts USING fts5(message, path, content='event_text',"
    "  content_rowid='id', columnsize=0);"
    "CREATE VIRTUAL TABLE file_fts USING fts5(message, path, content='file_text',"
    "  content_rowid='id', columnsize=0);"
    "CREATE TABLE text_index_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  events_max INTEGER NOT NULL," /* highest events.id looked at */
    "  files_max INTEGER NOT NULL,"  /* highest files.id looked at */
    "  stale INTEGER NOT NULL"       /* 1: indexed rows were deleted or changed */
    ");"
    "INSERT INTO text_index_state VALUES (1, 0, 0, 0);"
    "CREATE TRIGGER events_text_delete AFTER DELETE ON events"
    "  WHEN old.file_id IS NULL AND (SELECT stale = 0 AND old.id <= events_max"
    "  FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;"
    "CREATE TRIGGER events_text_update AFTER UPDATE OF message, path, file_id ON events"
    "  WHEN (SELECT old.id <= events_max FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;"
    "CREATE TRIGGER files_text_delete AFTER DELETE ON files"
    "  WHEN (SELECT stale = 0 AND old.id <= files_max FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;"
    "CREATE TRIGGER files_text_update AFTER UPDATE OF path ON files"
    "  WHEN (SELECT old.id <= files_max FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;";

/* Version 2: file-system events are no longer rows of events. A file's M, A, C and
 * B times are its events, read from files through one index per time: four index
 * entries per file instead of four rows and four index entries, which halves what
 * a build writes. Queries read log events and the four times of files as arms of
 * one statement (query.c). events keeps log records and loses file_id (with the
 * view and triggers that named it, recreated without it). The timeline view shows
 * both kinds of event, for SQL by hand: a file-system event has a negative id
 * (-4 * file id - 3 + 0..3 for a, m, c, b) and the file's id as file_id. */
static const char schema_v2[] =
    "DELETE FROM events WHERE file_id IS NOT NULL;"
    "DROP INDEX IF EXISTS events_evidence_ts;"
    "DROP TRIGGER events_text_delete;"
    "DROP TRIGGER events_text_update;"
    "DROP VIEW event_text;"
    "ALTER TABLE events DROP COLUMN file_id;"
    "CREATE VIEW event_text(id, message, path) AS SELECT id, message, path FROM events;"
    "CREATE TRIGGER events_text_delete AFTER DELETE ON events"
    "  WHEN (SELECT stale = 0 AND old.id <= events_max FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;"
    "CREATE TRIGGER events_text_update AFTER UPDATE OF message, path ON events"
    "  WHEN (SELECT old.id <= events_max FROM text_index_state WHERE id = 1)"
    "  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;"
    "CREATE INDEX events_evidence_ts ON events(evidence_id, ts);"
    "DROP INDEX IF EXISTS files_evidence;"
    "CREATE INDEX files_atime ON files(evidence_id, atime);"
    "CREATE INDEX files_mtime ON files(evidence_id, mtime);"
    "CREATE INDEX files_ctime ON files(evidence_id, ctime);"
    "CREATE INDEX files_crtime ON files(evidence_id, crtime);"
    "CREATE VIEW timeline(id, evidence_id, ts, kind, source, file_id, flags, partition_id,"
    "  log_source_id, path, inode, size, mode, uid, gid, host, user, ip, port, program, pid,"
    "  message, location, tz, data) AS"
    "  SELECT id, evidence_id, ts, kind, source, NULL, flags, partition_id, log_source_id, path,"
    "  inode, size, mode, uid, gid, host, user, ip, port, program, pid, message, location, tz,"
    "  data FROM events"
    "  UNION ALL SELECT -4 * id - 3, evidence_id, atime, 'a', 'fs', id, flags, partition_id, NULL,"
    "  path, inode, size, mode, uid, gid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL FROM files WHERE atime IS NOT NULL"
    "  UNION ALL SELECT -4 * id - 2, evidence_id, mtime, 'm', 'fs', id, flags, partition_id, NULL,"
    "  path, inode, size, mode, uid, gid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL FROM files WHERE mtime IS NOT NULL"
    "  UNION ALL SELECT -4 * id - 1, evidence_id, ctime, 'c', 'fs', id, flags, partition_id, NULL,"
    "  path, inode, size, mode, uid, gid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL FROM files WHERE ctime IS NOT NULL"
    "  UNION ALL SELECT -4 * id, evidence_id, crtime, 'b', 'fs', id, flags, partition_id, NULL,"
    "  path, inode, size, mode, uid, gid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL FROM files WHERE crtime IS NOT NULL;";

const struct casedb_fs_time casedb_fs_times[4] = {
    {"atime", 'a'}, {"mtime", 'm'}, {"ctime", 'c'}, {"crtime", 'b'}};

static const char *const migrations[] = {
    schema_v1,
    schema_v2,
};

int
casedb_schema_latest(void)
{
    return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

int
casedb_schema_migrate(sqlite3 *db, int from, struct custody_err *err)
{
    int latest = casedb_schema_latest();

    for (int v = from + 1; v <= latest; v++) {
        char *msg = NULL;
        char pragma[64];
        if (sqlite3_exec(db, migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK) {
            custody_err_set(err, CUSTODY_ERR_DB, "cannot migrate case database to version %d: %s",
                            v, msg ? msg : "unknown error");
            sqlite3_free(msg);
            return CUSTODY_ERR_DB;
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
        if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
            return custody_err_set(err, CUSTODY_ERR_DB, "cannot record schema version %d", v);
    }
    return 0;
}
