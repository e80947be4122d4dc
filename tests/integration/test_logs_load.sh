#!/usr/bin/env bash
# custody-timeline ingest's load paths: a file parsed on a second thread gives
# exactly the rows (events and warnings, ids included) of a parse on one thread
# (--threads 2 against --threads 1);
# a disk that fills up half-way through a threaded load (LD_PRELOAD ENOSPC on the
# case database) fails loudly and leaves the earlier load of the file whole.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 gzip awk

# ---- generated inputs over 1 MiB (the threaded path's threshold) with hostile
# bytes, broken headers and junk lines (parse warnings), continuation lines and a
# gzip copy
awk 'BEGIN {
  for (i = 0; i < 30000; i++) {
    printf "Mar %2d %02d:%02d:%02d web01 sshd[%d]: Failed password for root from 10.0.%d.%d port %d ssh2\n",
      1 + int(i / 3000) % 28, int(i / 3600) % 24, int(i / 60) % 60, i % 60, i, int(i / 250) % 250, i % 250, 1024 + i
    if (i % 997 == 0) printf "Mar 45 12:00:00 web01 x: a broken header %d\n", i
    if (i % 1499 == 0) printf "Mar  1 00:00:00 web01 app[1]: bad \377\376 bytes \033[31m %d\n", i
    if (i % 1777 == 0) printf "    continued line %d\n", i
  } }' > auth.log
awk 'BEGIN {
  for (i = 0; i < 12000; i++) {
    printf "10.1.%d.%d - - [01/Jan/2024:00:%02d:%02d +0000] \"GET /p.php?id=%d HTTP/1.1\" %d %d \"-\" \"agent %d\"\n",
      int(i / 250) % 250, i % 250, int(i / 60) % 60, i % 60, i, (i % 7 ? 200 : 404), i, i % 13
    if (i % 1009 == 0) printf "not an access log line %d\n", i
  } }' > access.log
gzip -c auth.log > auth.log.1.gz
[ "$(stat -c %s auth.log)" -gt 1048576 ] && [ "$(stat -c %s access.log)" -gt 1048576 ] ||
  fail "inputs under the 1 MiB threshold"

new_case one.db
new_case two.db
expect_status 1 custody-timeline ingest --case-db one.db --evidence srv1/sda --threads 1 \
  auth.log access.log auth.log.1.gz
cp out one.out
expect_status 1 custody-timeline ingest --case-db two.db --evidence srv1/sda --threads 2 \
  auth.log access.log auth.log.1.gz
diff one.out out || fail "per-file summaries differ between one and two threads"
n=$(sqlite3 two.db "SELECT count(*) FROM events")
[ "$n" -gt 70000 ] || fail "only $n events"
[ "$(sqlite3 two.db "SELECT count(*) FROM parse_warnings")" -gt 40 ] || fail "no warnings"
for t in events parse_warnings log_sources; do
  cols='*'
  [ $t = log_sources ] && cols='id, path, type, lines, events, warnings, status, error'
  d=$(sqlite3 two.db "ATTACH 'one.db' AS o;
        SELECT (SELECT count(*) FROM (SELECT $cols FROM $t EXCEPT SELECT $cols FROM o.$t)) +
               (SELECT count(*) FROM (SELECT $cols FROM o.$t EXCEPT SELECT $cols FROM $t))")
  [ "$d" = 0 ] || fail "$t: $d rows differ between one and two threads"
done
expect_status 2 custody-timeline ingest --case-db two.db --evidence srv1/sda --threads 3 auth.log
# hostile bytes: replaced in the text column, kept in data, never raw in the case
[ "$(sqlite3 two.db "SELECT count(*) FROM events WHERE program = 'app' AND
      json_extract(data, '$.message_hex') IS NOT NULL AND instr(message, char(65533)) > 0")" -gt 0 ] ||
  fail "invalid UTF-8 not handled on the threaded path"
[ "$(sqlite3 two.db "PRAGMA integrity_check")" = ok ] || fail "integrity"

# ---- disk full half-way through a re-ingest: exit 2, and the earlier load of the
# file (events, warnings, source row) is still there, whole
enospc=$CUSTODY_BUILD/tests/fault/libcustody_fault_enospc.so
[ -e "$enospc" ] || { echo "SKIP: fault-injection library missing" >&2; exit 77; }
awk 'BEGIN { for (i = 0; i < 150000; i++)
  printf "2026-03-14T%02d:%02d:%02d+00:00 web01 sshd[%d]: Failed password for root from 10.0.%d.%d port %d ssh2\n",
    int(i / 3600) % 24, int(i / 60) % 60, i % 60, i, int(i / 250) % 250, i % 250, 1024 + i % 60000 }' > big.log
new_case full.db
expect_status 1 custody-timeline ingest --case-db full.db --evidence srv1/sda auth.log
expect_status 0 custody-timeline ingest --case-db full.db --evidence srv1/sda big.log
before=$(sqlite3 full.db "SELECT count(*) || '/' || (SELECT count(*) FROM parse_warnings) || '/' ||
                          (SELECT group_concat(id || path || events, ',') FROM log_sources) FROM events")
size=$(stat -c %s full.db)
rc=0
CUSTODY_FAULT_ENOSPC_MATCH=full.db CUSTODY_FAULT_ENOSPC_AFTER=$((size / 3)) LD_PRELOAD=$enospc \
  custody-timeline ingest --case-db full.db --evidence srv1/sda --threads 2 big.log > out 2> err || rc=$?
[ "$rc" = 2 ] || { cat err >&2; fail "disk full: exit $rc, not 2"; }
grep -qi "full\|space" err || { cat err >&2; fail "disk full: no reason given"; }
[ "$(sqlite3 full.db "PRAGMA integrity_check")" = ok ] || fail "integrity after disk full"
after=$(sqlite3 full.db "SELECT count(*) || '/' || (SELECT count(*) FROM parse_warnings) || '/' ||
                         (SELECT group_concat(id || path || events, ',') FROM log_sources) FROM events")
[ "$after" = "$before" ] || fail "disk full half-way changed the case: $before -> $after"
# once there is room, the same re-ingest goes through and replaces
expect_status 0 custody-timeline ingest --case-db full.db --evidence srv1/sda big.log
[ "$(sqlite3 full.db "SELECT count(*) FROM events e JOIN log_sources s ON s.id = e.log_source_id
      WHERE s.path = CAST('big.log' AS BLOB)")" = 150000 ] || fail "re-ingest after disk full"
[ "$(sqlite3 full.db "PRAGMA journal_mode")" = wal ] || fail "not back in WAL mode"
echo ok
