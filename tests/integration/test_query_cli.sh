#!/usr/bin/env bash
# custody-timeline query, pivot and plot end to end on a generated case: filters,
# every output format checked by an independent reader (python's json, csv and
# xml.etree; TSK's mactime for --format mactime), and bad input.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 python3 custody-timeline custody-casedb

expect_status 0 custody-casedb init case.db --case-number Q-1 --title "query test"
export CUSTODY_CASE_DB=$WORK/case.db
expect_status 0 custody-casedb asset add web1
expect_status 0 custody-casedb asset add db1
expect_status 0 custody-casedb evidence add --asset web1 --evidence sda
expect_status 0 custody-casedb evidence add --asset db1 --evidence sda

# 300 files with pinned times (several sharing a second, so MACB letters merge),
# one event per time that is set; plus hostile log events.
sqlite3 -bail case.db <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO files (id, evidence_id, path, inode, name_type, meta_type, mode, uid, gid, size,
                   flags, atime, mtime, ctime, crtime)
SELECT i, 1 + (i % 2), CAST('/srv/data/f' || i || CASE WHEN i % 7 = 0 THEN ' x,"q".txt'
                                                   ELSE '.txt' END AS BLOB),
       CAST(100 + i AS TEXT), 5, 1, 420, 1000, 1000, i * 10, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
       (1772323200 + (i / 3) * 60) * 1000000000 + i,
       (1772323200 + (i / 3) * 60) * 1000000000,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (1772323200 + i * 30) * 1000000000 END,
       (1772323200 + (i / 3) * 60 + 1) * 1000000000
FROM n;
INSERT INTO events (evidence_id, ts, kind, source, user, ip, program, message) VALUES
 (1, 1772330400000000000, 'ssh-login-success', 'auth', 'root', '203.0.113.5', 'sshd',
  'Accepted password for root from 203.0.113.5 port 2222 ssh2'),
 (2, 1772409600000000000, 'ssh-login-success', 'auth', 'root', '203.0.113.5', 'sshd',
  'Accepted publickey for root from 203.0.113.5'),
 (2, 1772330500000000000, 'ssh-login-failure', 'auth', 'admin', '2001:db8::7', 'sshd',
  'Failed password for admin from 2001:db8::7'),
 (1, 1772323199000000000, 'cron-command', 'syslog', NULL, NULL, 'cron',
  '=HYPERLINK("http://evil.example/")' || char(27) || ']0;pwned' || char(7) ||
  '<script>alert(1)</script>' || CAST(X'C3FF' AS TEXT));
SQL
# the files' times are their file-system events; the timeline view has both
total=$(sqlite3 case.db 'SELECT count(*) FROM timeline')

# ---- counts and filters through the CLI ----
expect_status 0 custody-timeline query --count
[ "$(cat out)" = "$total" ] || fail "count $(cat out) != $total"
expect_status 0 custody-timeline query --format jsonl
[ "$(wc -l <out)" = "$total" ] || fail "jsonl lines != $total"
expect_status 0 custody-timeline query --count --asset db1 --source auth
[ "$(cat out)" = 2 ] || fail "db1 auth: $(cat out)"
expect_status 0 custody-timeline query --count --ip 203.0.113.0/24
[ "$(cat out)" = 2 ] || fail "cidr v4: $(cat out)"
expect_status 0 custody-timeline query --count --ip 2001:db8::/48
[ "$(cat out)" = 1 ] || fail "cidr v6: $(cat out)"
expect_status 0 custody-timeline query --count --from 2026-03-01T00:00:00Z --to 2026-03-01T00:01:00Z
want=$(sqlite3 case.db "SELECT count(*) FROM timeline WHERE ts >= 1772323200000000000 AND ts < 1772323260000000000")
[ "$(cat out)" = "$want" ] || fail "range: $(cat out) != $want"
expect_status 0 custody-timeline query --count --from 2026-03-01T01:00:00+01:00 --to 1772323260
[ "$(cat out)" = "$want" ] || fail "range with zone and epoch: $(cat out) != $want"
expect_status 0 custody-timeline query --count --path '/srv/data/f7 x,"q".txt'
[ "$(cat out)" = 4 ] || fail "glob with comma and quotes: $(cat out)"
expect_status 0 custody-timeline query --count --text 'accepted AND publickey'
[ "$(cat out)" = 1 ] || fail "fts: $(cat out)"
expect_status 0 custody-timeline query --format csv --limit 2 --order -time
[ "$(wc -l <out)" = 3 ] || fail "limit 2 + header"
expect_status 0 custody-timeline query --explain --asset web1 --from 2026-03-01 --limit 1000
assert_contains out "events_evidence_ts"

# ---- hostile content in each format ----
for f in table csv json jsonl l2tcsv timesketch; do
  expect_status 0 custody-timeline query --format "$f" --source syslog
  if grep -q $'\x1b' out || grep -q $'\x07' out; then fail "$f: terminal control bytes"; fi
done
expect_status 0 custody-timeline query --format csv --source syslog
assert_contains out "\"'=HYPERLINK(\"\"http://evil.example/\"\")\\x1b]0;pwned\\x07<script>"
expect_status 0 custody-timeline query --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==int(sys.argv[2])' out "$total" \
  || fail "json"

# ---- filters, order and limit against SQL over the timeline view (an independent
# statement: one scan of a UNION ALL view, not the per-arm index merge query.c builds).
# Each case: CLI options | WHERE | ORDER BY direction | LIMIT (0: none).
diff_case() {
  local opts=$1 where=$2 dir=$3 lim=$4 order
  if [ "$dir" = desc ]; then
    order="t.ts DESC, t.file_id DESC, t.id DESC"
  else
    order="t.ts, t.file_id, t.id"
  fi
  # shellcheck disable=SC2086
  eval "custody-timeline query --format jsonl $opts" >q.jsonl 2>q.err || fail "query $opts: $(cat q.err)"
  python3 -c 'import json,sys
for l in open(sys.argv[1]): d=json.loads(l); print(d["ts_ns"], d["id"])' q.jsonl >q.got
  sqlite3 case.db "SELECT t.ts, t.id FROM timeline t JOIN evidence ev ON ev.id = t.evidence_id
    JOIN assets a ON a.id = ev.asset_id WHERE $where ORDER BY $order
    $([ "$lim" = 0 ] || echo "LIMIT $lim")" | tr '|' ' ' >q.want
  [ -s q.want ] || [ "$lim" = -1 ] || fail "differential case with no rows: $opts"
  cmp -s q.want q.got || { diff q.want q.got | head -5 >&2; fail "query $opts differs from SQL"; }
}
diff_case "" "1" asc 0
diff_case "--from 2026-03-01T00:10:00Z --to 2026-03-01T01:00:00Z" \
  "t.ts >= 1772323800000000000 AND t.ts < 1772326800000000000" asc 0
diff_case "--asset db1" "a.hostname = 'db1'" asc 0
diff_case "--asset web1 --order -time --limit 37" "a.hostname = 'web1'" desc 37
diff_case "--source fs --action m --action c" "t.source = 'fs' AND t.kind IN ('m', 'c')" asc 0
diff_case "--source auth --source fs --action b --action ssh-login-success" \
  "t.source IN ('auth', 'fs') AND t.kind IN ('b', 'ssh-login-success')" asc 0
diff_case "--path '/srv/data/f1*'" "CAST(t.path AS TEXT) GLOB '/srv/data/f1*'" asc 0
diff_case "--deleted-only --from 2026-03-01T00:30:00Z" \
  "(t.flags & 1) != 0 AND t.ts >= 1772325000000000000" asc 0
diff_case "--from 2026-03-01T01:00:00Z --limit 25" "t.ts >= 1772326800000000000" asc 25
diff_case "--evidence db1/sda --order -time" "a.hostname = 'db1'" desc 0

# ---- timesketch: every line valid JSON, required fields, datetime parses ----
expect_status 0 custody-timeline query --format timesketch --tz Asia/Tokyo
python3 - out "$total" <<'PY' || fail "timesketch"
import json, sys, datetime
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    n += 1
    for k in ("message", "datetime", "timestamp_desc"):
        assert isinstance(d[k], str) and d[k], (k, d)
    t = datetime.datetime.fromisoformat(d["datetime"])
    assert t.utcoffset() == datetime.timedelta(0), d
assert n == int(sys.argv[2]), n
PY

# --order none reads files and log events in storage order: the same events
for filt in "" "--asset db1 --from 2026-03-01T00:30:00Z" "--action m --action b --path /srv/data/f1*"; do
  # shellcheck disable=SC2086
  expect_status 0 custody-timeline query --format timesketch $filt
  sort out >ts.time
  # shellcheck disable=SC2086
  expect_status 0 custody-timeline query --format timesketch --order none $filt
  sort out | cmp -s - ts.time || fail "timesketch --order none differs ($filt)"
  [ -s ts.time ] || fail "timesketch: no events for '$filt'"
done

# ---- l2tcsv: plaso's header, 17 columns ----
expect_status 0 custody-timeline query --format l2tcsv
[ "$(head -1 out)" = "date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,version,filename,inode,notes,format,extra" ] \
  || fail "l2tcsv header"
awk -F, 'NF != 17 { print NR": "NF; bad=1 } END { exit bad }' out || fail "l2tcsv columns"
[ "$(($(wc -l <out) - 1))" = "$total" ] || fail "l2tcsv rows"

# ---- mactime: equal to TSK's mactime over our own body file ----
if command -v mactime >/dev/null; then
  expect_status 0 custody-timeline query --format body
  cp out body.txt
  [ "$(wc -l <body.txt)" = 300 ] || fail "body: one line per file"
  # --order none: the same lines, a file without any time included (as fls lists it)
  sqlite3 case.db "INSERT INTO files (id, evidence_id, path, inode, name_type, meta_type)
                   VALUES (301, 1, CAST('/srv/data/untimed' AS BLOB), '9999', 5, NULL)"
  expect_status 0 custody-timeline query --format body
  cp out body.txt
  expect_status 0 custody-timeline query --format body --order none
  sort out >none.sorted
  sort body.txt | cmp -s - none.sorted || fail "body --order none differs from body"
  grep -q '^0|/web1/sda/srv/data/untimed|9999|' none.sorted || fail "body --order none lost a file without times"
  sqlite3 case.db "DELETE FROM files WHERE id = 301"
  expect_status 0 custody-timeline query --format body
  cp out body.txt
  mactime -b body.txt -d -y >mactime.ref
  # Deliberate difference: unset times (0 in the body file) are not events.
  grep -v '^0000-00-00T00:00:00Z' mactime.ref >mactime.want
  expect_status 0 custody-timeline query --format mactime
  diff -u mactime.want out >mactime.diff || { head -20 mactime.diff >&2; fail "mactime differs"; }
  # the same from the events in time order (--limit takes the streaming path)
  expect_status 0 custody-timeline query --format mactime --limit 100000
  diff -u mactime.want out >mactime.diff || { head -20 mactime.diff >&2; fail "mactime (events) differs"; }
  # a time range: only the times inside it
  expect_status 0 custody-timeline query --format mactime --from 2026-03-01T00:10:00Z --to 2026-03-01T00:20:00Z
  awk -F, 'NR > 1 && ($1 < "2026-03-01T00:10:00Z" || $1 >= "2026-03-01T00:20:00Z") { bad = 1 } END { exit bad }' out \
    || fail "mactime range"
  grep '^2026-03-01T00:1' mactime.want >range.want
  tail -n +2 out | diff -u range.want - >/dev/null || fail "mactime range differs from mactime's lines in the range"
fi

# ---- pivot ----
expect_status 0 custody-timeline pivot --ip 203.0.113.0/24 --json
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert [a["asset"] for a in d["assets"]]==["web1","db1"], d
assert all(a["count"]==1 for a in d["assets"]), d' out || fail "pivot json"
expect_status 0 custody-timeline pivot --user nobody
assert_contains out "not seen on any asset"
expect_status 2 custody-timeline pivot --ip 1.2.3.4 --user root
expect_status 2 custody-timeline pivot --hash nothex

# ---- plot: SVG parses, one series per group, totals equal the query ----
expect_status 0 custody-timeline plot --bucket hour --by asset --svg plot.svg --title '<b>&"x"'
python3 - plot.svg "$total" <<'PY' || fail "svg"
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
series = root.findall("s:g[@class='series']", ns)
assert sorted(g.get("data-series") for g in series) == ["db1", "web1"], series
total = sum(int(r.get("data-count")) for g in series for r in g.findall("s:rect", ns))
assert total == int(sys.argv[2]), total
PY
expect_status 2 custody-timeline plot --bucket hour --svg plot.svg   # never overwritten
assert_contains err "plot.svg"
expect_status 0 custody-timeline plot --bucket minute --by source --source syslog --source auth \
  --html page.html
grep -q '<script' page.html && fail "html: script element"
grep -qi 'src=' page.html && fail "html: external resource"
grep -o 'https\?://[^"]*' page.html | grep -v '^http://www.w3.org/2000/svg$' | grep -v '^http://evil.example/' \
  && fail "html: network reference"
assert_contains page.html "&lt;script&gt;alert(1)&lt;/script&gt;"
python3 -c 'import sys,html.parser; html.parser.HTMLParser().feed(open(sys.argv[1]).read())' page.html

# ---- bad input ----
expect_status 2 custody-timeline query --from 2026-02-30
assert_contains err "'2026-02-30' is not a time"
expect_status 2 custody-timeline query --to tomorrow
expect_status 2 custody-timeline query --format xml
assert_contains err "unknown format 'xml'"
assert_contains err "Try 'custody-timeline query --help'"
expect_status 2 custody-timeline query --tz Mars/Base
assert_contains err "unknown time zone"
expect_status 2 custody-timeline query --ip 300.1.1.1
expect_status 2 custody-timeline query --path '/srv/[abc'
expect_status 2 custody-timeline query --text 'AND accepted'
assert_contains err "bad --text query"
expect_status 2 custody-timeline query --asset nosuchhost
expect_status 2 custody-timeline query --evidence sda
assert_contains err "sda"
expect_status 0 custody-timeline query --path '/no/such/*' --format csv
[ "$(wc -l <out)" = 1 ] || fail "no-match glob: header only"
touch exists.csv
expect_status 2 custody-timeline query --format csv --output exists.csv
[ ! -s exists.csv ] || fail "existing output changed"
expect_status 2 custody-timeline plot --bucket week --svg x.svg
expect_status 2 custody-timeline plot --bucket hour
expect_status 2 custody-timeline query --case-db /nonexistent.db

# an empty case: honest empty results
expect_status 0 custody-casedb init empty.db --case-number E --title empty
expect_status 0 custody-timeline query --case-db empty.db --format csv
[ "$(wc -l <out)" = 1 ] || fail "empty case csv"
expect_status 0 custody-timeline query --case-db empty.db --text anything --count
[ "$(cat out)" = 0 ] || fail "empty case text"
expect_status 0 custody-timeline plot --case-db empty.db --bucket day --svg empty.svg
python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' empty.svg

# a database from a newer schema, and a file that is not a case database
cp empty.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
expect_status 2 custody-timeline query --case-db newer.db
assert_contains err "schema version 99"
echo "not a database" >junk.db
expect_status 2 custody-timeline query --case-db junk.db
assert_contains err "not a custody case database"
echo "ok"
