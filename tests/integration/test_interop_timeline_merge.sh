#!/usr/bin/env bash
# A station images a generated server disk, builds its timeline, and the lab merges
# it: the lab's timeline of that disk must equal the station's (same body file), every
# event must point at a file of the same disk, and a second station with a different
# timeline of the same disk is refused as a conflict.
. "$(dirname "$0")/interop-lib.sh"

TIMELINE="$CUSTODY_BIN/custody-timeline"
[ -x "$TIMELINE" ] || { echo "SKIP: custody-timeline not built" >&2; exit 77; }
for c in mkfs.ext4 debugfs sfdisk; do
    command -v $c >/dev/null || { echo "SKIP: $c missing" >&2; exit 77; }
done

# custody-timeline's own tests check it for leaks; here it only makes the data, so a
# leak of its (or TSK's) must not fail the merge test under ASan.
timeline() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$TIMELINE" "$@"; }

cd "$WORK"
bash "$CUSTODY_SRC/scripts/make-server-disk.sh" server.img 16 >/dev/null 2>&1 ||
    { echo "SKIP: make-server-disk.sh could not build an image here" >&2; exit 77; }
lab lab.db
station st1.db lab.db "Alice Examiner"
"$ACQUIRE" server.img --output web01 --format raw --case-db st1.db --asset web01 \
    --evidence sda --examiner "Alice Examiner" -q || fail "custody-acquire of the server disk"
custody_append st1.db acquired web01 sda "Alice Examiner" "server disk"
timeline build --case-db st1.db --evidence web01/sda web01.raw >build.txt 2>&1 ||
    fail "timeline build: $(cat build.txt)"
n_events=$(q st1.db "SELECT count(*) FROM events")
[ "$n_events" -gt 10 ] || fail "station timeline has only $n_events events"

# The lab has other timeline rows already, so the merged ids must be shifted.
station st0.db lab.db "Bob Examiner"
"$ACQUIRE" server.img --output other --format raw --case-db st0.db --asset db01 \
    --evidence sda --examiner "Bob Examiner" -q
timeline build --case-db st0.db --evidence db01/sda other.raw >/dev/null 2>&1
merge lab.db st0.db -q || fail "merge of station 0"
merge lab.db st1.db --json >m.json || fail "merge of the timeline station: $(cat m.json)"
grep -q "\"events\": $n_events" m.json || fail "not all $n_events events merged: $(cat m.json)"

# timeline: the view of log events and the files' times (their file-system events)
for t in partitions files events timeline; do
    [ "$(q lab.db "SELECT count(*) FROM $t t JOIN evidence e ON e.id = t.evidence_id
        JOIN assets a ON a.id = e.asset_id WHERE a.hostname = 'web01'")" = \
        "$(q st1.db "SELECT count(*) FROM $t")" ] || fail "$t of web01 not all merged"
done
timeline export --case-db st1.db --evidence web01/sda --format body >st.body
timeline export --case-db lab.db --evidence web01/sda --format body >lab.body
[ -s st.body ] || fail "empty body file"
cmp -s st.body lab.body || fail "the lab's timeline of web01 differs: $(diff st.body lab.body | head -5)"

# Idempotent with a timeline too.
sqlite3 lab.db .dump >before.sql
merge lab.db st1.db -q
sqlite3 lab.db .dump >after.sql
cmp -s before.sql after.sql || fail "merging the timeline station twice changed the database"

# Another station with a different timeline of the same disk: a conflict.
# The case report's "Events by source" (log events grouped, file-system events from the
# partition counts and the time indexes) against SQL over the timeline view.
"$CASEDB" report --case-db lab.db --html report.html -q || fail "report of the merged case"
python3 - report.html >rep.txt <<'PY'
import html, re, sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.index("Events by source")
for row in re.findall(r"<tr>(.*?)</tr>", s[i:s.index("</table>", i)], re.S):
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    if cells:
        print("|".join(cells))
PY
q lab.db "SELECT source, count(*), min(ts), max(ts) FROM timeline GROUP BY source
          ORDER BY count(*) DESC, source" | python3 -c '
import sys, datetime
for line in sys.stdin:
    src, n, lo, hi = line.strip().split("|")
    def t(ns):
        ns = int(ns)
        d = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
        return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % 10**9)
    print("|".join([src, n, t(lo), t(hi)]))' >want.txt
grep -q '^fs|' want.txt || fail "no file-system events in the merged case"
diff -u want.txt rep.txt || fail "report's events by source differ from the timeline view"

station st2.db lab.db "Carol Examiner"
"$CASEDB" asset add web01 --serial HW-web01 --case-db st2.db >/dev/null
"$CASEDB" evidence add --asset web01 --evidence sda --case-db st2.db >/dev/null
sqlite3 st2.db "INSERT INTO events (evidence_id, ts, kind, source, message)
    VALUES (1, 1, 'note', 'manual', 'a different timeline')"
set +e
merge lab.db st2.db 2>conflict.txt
rc=$?
set -e
[ $rc = 1 ] || fail "a different timeline of web01/sda merged (exit $rc)"
grep -q "timeline of 'web01'/'sda'" conflict.txt || fail "timeline conflict not named: $(cat conflict.txt)"
echo "PASS: timeline merge ($n_events events)"
