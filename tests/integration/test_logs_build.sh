#!/usr/bin/env bash
# custody-timeline build parses the logs inside the images it walks: found by
# path (rotated and compressed copies included), read through TSK, stored with
# their partition and inode; rebuilding replaces them; --no-logs skips them.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 gzip mkfs.ext4 debugfs sfdisk
q() { sqlite3 -batch -noheader c.db "$@"; }

# the generated server disk (MBR + ext4)
bash "$CUSTODY_SRC/scripts/make-server-disk.sh" disk.img 16
new_case c.db
expect_status 0 custody-timeline build --case-db c.db --evidence srv1/sda disk.img
assert_contains out "6 logs parsed: 16 events, 0 parse warnings, 0 not readable"
[ "$(q "SELECT count(*) FROM log_sources WHERE partition_id IS NOT NULL AND inode IS NOT NULL
        AND status = 'ok'")" = 6 ] || fail "log sources"
[ "$(q "SELECT user || '@' || ip FROM events WHERE kind = 'ssh-login-success'")" = \
  "alice@203.0.113.7" ] || fail "login"
[ "$(q "SELECT CAST(s.path AS TEXT) || ' ' || s.inode FROM events e JOIN log_sources s ON
        s.id = e.log_source_id WHERE e.kind = 'sudo-command'")" = "/var/log/auth.log 25" ] ||
  fail "where the sudo record came from"
# root's unstamped history is dated with the file's mtime in the image (pinned by the script)
[ "$(q "SELECT count(*) FROM events WHERE kind = 'shell-command' AND user = 'root' AND
        flags & 32 AND ts = 1773457200000000000")" = 2 ] || fail "history mtime"
# the deleted dropper and /etc/passwd are not logs
[ "$(q "SELECT count(*) FROM log_sources WHERE CAST(path AS TEXT) LIKE '%dropper%' OR
        CAST(path AS TEXT) = '/etc/passwd'")" = 0 ] || fail "non-logs parsed"
fs_events=$(q "SELECT count(*) FROM timeline WHERE source = 'fs'")
[ "$fs_events" -gt 20 ] || fail "file-system events $fs_events"
log_events=$(q "SELECT count(*) FROM events WHERE log_source_id IS NOT NULL")
[ "$log_events" = 16 ] || fail "log events $log_events"

# logs ingested by hand for the same evidence survive a rebuild; image logs are replaced
printf '2026-03-14 05:00:00 install socat:amd64 <none> 1.7\n' > dpkg.log
expect_status 0 custody-timeline ingest --case-db c.db --evidence srv1/sda dpkg.log
expect_status 0 custody-timeline build --case-db c.db --evidence srv1/sda disk.img
[ "$(q "SELECT count(*) FROM timeline WHERE source = 'fs'")" = "$fs_events" ] || fail "fs twice"
[ "$(q "SELECT count(*) FROM events WHERE source = 'fs'")" = 0 ] ||
  fail "file-system events stored as event rows (schema v2 derives them from files)"
[ "$(q "SELECT count(*) FROM events WHERE log_source_id IS NOT NULL")" = $((log_events + 1)) ] ||
  fail "rebuild duplicated or lost log events"
[ "$(q "SELECT count(*) FROM log_sources")" = 7 ] || fail "log sources after rebuild"
[ "$(q "PRAGMA foreign_key_check")" = "" ] || fail "dangling references"

# --no-logs: nothing read
new_case n.db
expect_status 0 custody-timeline build --case-db n.db --evidence srv1/sda --no-logs disk.img
[ "$(sqlite3 n.db "SELECT count(*) FROM log_sources")" = 0 ] || fail "--no-logs"

# rotated, compressed and binary logs in a second file system; --tz for zone-less ones
mkdir -p r/var/log/apache2 r/var/log/apt r/home/bob r/etc
for i in $(seq 1 50); do
  printf 'Mar %2d 10:00:%02d web02 sshd[%d]: Failed password for root from 198.51.100.%d port %d ssh2\n' \
    $((i % 28 + 1)) $((i % 60)) $((100 + i)) "$i" $((40000 + i))
done | gzip -c > r/var/log/auth.log.2.gz
printf '10.9.8.7 - - [14/Mar/2026:02:09:58 +0000] "GET /x.php?c=id HTTP/1.1" 200 1 "-" "curl"\n' |
  xz -c > r/var/log/apache2/access.log.1.xz
printf '2026-03-14 03:00:00 install nmap:amd64 <none> 7.93\n' > r/var/log/dpkg.log
printf 'id\n' > r/home/bob/.bash_history
printf 'not a log\n' > r/etc/motd
# not named like a log: found by content under /var/log, and only when a parser claims it
mkdir -p r/var/log/myapp
printf '2026-03-14T02:30:00+00:00 web02 myapp[77]: user mallory exported the customer table\n' \
  > r/var/log/myapp/app.log
head -c 16384 /dev/zero > r/var/log/faillog
awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%c", (i * 7919) % 251 + 1 }' > r/var/log/blob.bin
if [ -d "${CUSTODY_TESTDATA:-/nonexistent}/logs/wtmp" ]; then
  cp "$CUSTODY_TESTDATA/logs/wtmp/util-linux-wtmp-a.LE" r/var/log/wtmp
fi
make_ext4 p2.img 8 r
make_partitioned disk2.img p2.img
new_case d.db
expect_status 0 custody-timeline build --case-db d.db --evidence srv1/sda --tz Europe/Berlin disk2.img
qd() { sqlite3 -batch -noheader d.db "$@"; }
[ "$(qd "SELECT count(*) FROM events WHERE kind = 'ssh-login-failure'")" = 50 ] || fail "gz log"
[ "$(qd "SELECT ip FROM events WHERE kind = 'web-request'")" = 10.9.8.7 ] || fail "xz log"
# 03:00 in Berlin (CET) is 02:00 UTC
[ "$(qd "SELECT ts || ' ' || tz FROM events WHERE kind = 'package-installed'")" = \
  "1773453600000000000 Europe/Berlin" ] || fail "build --tz"
[ "$(qd "SELECT user FROM events WHERE kind = 'shell-command'")" = bob ] || fail "history"
if [ -f r/var/log/wtmp ]; then
  [ "$(qd "SELECT count(*) FROM events WHERE source = 'wtmp'")" = 19 ] || fail "wtmp"
fi
[ "$(qd "SELECT count(*) FROM log_sources WHERE CAST(path AS TEXT) = '/etc/motd'")" = 0 ] ||
  fail "motd parsed"
[ "$(qd "SELECT type || ' ' || events FROM log_sources WHERE
         CAST(path AS TEXT) = '/var/log/myapp/app.log'")" = "syslog 1" ] || fail "content sniffing"
[ "$(qd "SELECT count(*) FROM log_sources WHERE CAST(path AS TEXT) IN
         ('/var/log/faillog', '/var/log/blob.bin')")" = 0 ] || fail "non-logs under /var/log parsed"
echo ok
