#!/usr/bin/env bash
# A case database of schema version 1 (file-system events stored as rows of events)
# is migrated to version 2 (a file's times are its events, read from files) by the
# first command that opens it for writing; read-only commands refuse it with a
# clear message instead of misreading it. After the migration the same events come
# back, in the same order, and the log events are untouched.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 custody-timeline custody-casedb

expect_status 0 custody-casedb init case.db --case-number M-1 --title "migration test"
export CUSTODY_CASE_DB=$WORK/case.db
expect_status 0 custody-casedb asset add web1
expect_status 0 custody-casedb evidence add --asset web1 --evidence sda

# Back to the version 1 shape, with three files whose six set times are event rows,
# and one log event between them.
sqlite3 -bail case.db <<'SQL'
DROP VIEW timeline;
DROP INDEX files_atime; DROP INDEX files_mtime; DROP INDEX files_ctime; DROP INDEX files_crtime;
DROP INDEX events_evidence_ts;
DROP TRIGGER events_text_delete; DROP TRIGGER events_text_update; DROP VIEW event_text;
ALTER TABLE events ADD COLUMN file_id INTEGER;
CREATE VIEW event_text(id, message, path) AS
  SELECT id, message, path FROM events WHERE file_id IS NULL;
CREATE TRIGGER events_text_delete AFTER DELETE ON events
  WHEN old.file_id IS NULL AND (SELECT stale = 0 AND old.id <= events_max
  FROM text_index_state WHERE id = 1)
  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;
CREATE TRIGGER events_text_update AFTER UPDATE OF message, path, file_id ON events
  WHEN (SELECT old.id <= events_max FROM text_index_state WHERE id = 1)
  BEGIN UPDATE text_index_state SET stale = 1 WHERE id = 1; END;
CREATE INDEX events_evidence_ts ON events(evidence_id, ts, file_id);
CREATE INDEX files_evidence ON files(evidence_id, partition_id);
INSERT INTO partitions (id, evidence_id, idx, offset, prefix, fs_type, status, files, events)
VALUES (1, 1, 0, 0, '', 'ext4', 'ok', 3, 6);
INSERT INTO files (id, evidence_id, partition_id, path, inode, name_type, meta_type, mode, uid,
                   gid, size, flags, atime, mtime, ctime, crtime) VALUES
 (1, 1, 1, CAST('/etc/passwd' AS BLOB), '12', 5, 1, 420, 0, 0, 10, 0,
  1772323210000000000, 1772323200000000000, 1772323200000000000, NULL),
 (2, 1, 1, CAST('/tmp/x.sh' AS BLOB), '13', 5, 1, 493, 0, 0, 5, 1,
  NULL, 1772323220000000000, NULL, NULL),
 (3, 1, 1, CAST('/root' AS BLOB), '14', 3, 2, 448, 0, 0, 4096, 0,
  1772323230000000000, NULL, NULL, 1772323240000000000);
INSERT INTO events (evidence_id, ts, kind, source, file_id, flags)
SELECT evidence_id, t, k, 'fs', id, flags & 13 FROM (
  SELECT evidence_id, atime AS t, 'a' AS k, id, flags FROM files WHERE atime IS NOT NULL UNION ALL
  SELECT evidence_id, mtime, 'm', id, flags FROM files WHERE mtime IS NOT NULL UNION ALL
  SELECT evidence_id, ctime, 'c', id, flags FROM files WHERE ctime IS NOT NULL UNION ALL
  SELECT evidence_id, crtime, 'b', id, flags FROM files WHERE crtime IS NOT NULL);
INSERT INTO events (evidence_id, ts, kind, source, user, ip, program, message) VALUES
 (1, 1772323215000000000, 'ssh-login-success', 'auth', 'root', '203.0.113.5', 'sshd',
  'Accepted password for root from 203.0.113.5 port 2222 ssh2');
PRAGMA user_version = 1;
SQL
[ "$(sqlite3 case.db 'SELECT count(*) FROM events')" = 7 ] || fail "version 1 fixture"
cp case.db before.db
cp case.db v1-build.db

# On read-only media: refused, named, and the file is not changed (root ignores
# permission bits, so drop to nobody).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  chmod 755 "$WORK"
  mkdir rodir && cp case.db rodir/ && chmod 644 rodir/case.db && chmod 555 rodir
  expect_status 2 as_nobody "$CUSTODY_BIN/custody-timeline" query --count --case-db rodir/case.db
  assert_contains err "needs migrating"
  cmp -s rodir/case.db before.db || fail "a read-only query changed the database"
fi

# The first command that can write migrates (a reader too, when the file is writable).
expect_status 0 custody-timeline query --count
[ "$(cat out)" = 7 ] || fail "count while migrating: $(cat out)"
[ "$(sqlite3 case.db 'PRAGMA user_version')" = 2 ] || fail "not migrated"
[ "$(sqlite3 case.db 'SELECT count(*) FROM events')" = 1 ] || fail "file-system event rows kept"
[ "$(sqlite3 case.db "SELECT kind || ' ' || user FROM events")" = "ssh-login-success root" ] ||
  fail "log event lost"
for i in files_atime files_mtime files_ctime files_crtime events_evidence_ts; do
  [ "$(sqlite3 case.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$i'")" = 1 ] ||
    fail "index $i missing"
done
[ "$(sqlite3 case.db "SELECT count(*) FROM sqlite_master WHERE name = 'files_evidence'")" = 0 ] ||
  fail "old index kept"
[ "$(sqlite3 case.db 'SELECT count(*) FROM timeline')" = 7 ] || fail "timeline view"
[ "$(sqlite3 case.db "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'file_id'")" = 0 ] ||
  fail "events.file_id kept"
# the full-text index over the recreated view: log text and file paths
expect_status 0 custody-timeline query --count --text Accepted
[ "$(cat out)" = 1 ] || fail "full text on log events after migration: $(cat out)"
expect_status 0 custody-timeline query --count --text passwd
[ "$(cat out)" = 3 ] || fail "full text on file paths after migration: $(cat out)"

# The same events, in time order, file-system ones read from files.
expect_status 0 custody-timeline query --count
[ "$(cat out)" = 7 ] || fail "count after migration: $(cat out)"
expect_status 0 custody-timeline query --format csv
# columns 5 and 6: action, path
cut -d, -f5,6 out | tail -n +2 | tr -d '"' >got.txt
printf '%s\n' m,/etc/passwd c,/etc/passwd a,/etc/passwd ssh-login-success, m,/tmp/x.sh a,/root \
  b,/root >want.txt
diff -u want.txt got.txt || fail "order or kinds after migration"
expect_status 0 custody-timeline query --count --deleted-only
[ "$(cat out)" = 1 ] || fail "deleted flag after migration: $(cat out)"
expect_status 0 custody-timeline query --count --source fs --action a
[ "$(cat out)" = 2 ] || fail "--source fs --action a: $(cat out)"
expect_status 0 custody-casedb status --json
assert_contains out '"events": 7'
# A build straight onto a version 1 case: the migration and the load run in one
# process (the migration's ALTER TABLE leaves temporary storage open; the load
# must still set up its page cache), and the rebuilt evidence replaces the old.
if command -v mkfs.ext4 >/dev/null; then
  mkdir tree && printf 'root:x:0:0::/root:/bin/sh\n' >tree/passwd && mkdir tree/sub &&
    printf 'x' >tree/sub/a.txt
  truncate -s 8M fs.img && mkfs.ext4 -q -F -E root_owner=0:0 -d tree fs.img ||
    fail "mkfs.ext4"
  expect_status 0 custody-timeline build --case-db v1-build.db --evidence web1/sda fs.img
  [ "$(sqlite3 v1-build.db 'PRAGMA user_version')" = 2 ] || fail "build did not migrate"
  [ "$(sqlite3 v1-build.db 'SELECT count(*) FROM events')" = 1 ] || fail "build: log event lost"
  fls -r -m / fs.img | sort >fls.txt 2>/dev/null || true
  expect_status 0 custody-timeline export --case-db v1-build.db --evidence web1/sda --format body
  sort out >ours.txt
  if [ -s fls.txt ]; then
    cmp -s fls.txt ours.txt || fail "build on a migrated case: body differs from fls"
  fi
  [ "$(sqlite3 v1-build.db "SELECT count(*) FROM files WHERE path = CAST('/etc/passwd' AS BLOB)")" = 0 ] ||
    fail "the old files of the evidence were not replaced"
fi
echo "schema migration 1 -> 2: all checks passed"
