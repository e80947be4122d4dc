#!/usr/bin/env bash
# Time custody-casedb merge of a station database holding one disk with FILES files
# and EVENTS timeline events into a lab database: median of 3 runs, and the no-op
# re-merge. Usage: bench/merge.sh BUILD_DIR [FILES] [EVENTS]
set -euo pipefail
bin=$(cd "${1:?usage: bench/merge.sh BUILD_DIR [FILES] [EVENTS]}" && pwd)/bin
files=${2:-100000}
events=${3:-400000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
db="$bin/custody-casedb"
"$db" keygen --out lab --unencrypted -q 2>/dev/null
"$db" init lab.db --case-number B --title bench -q
"$db" examiner add --name Lab --pub lab.pub --case-db lab.db >/dev/null
"$db" init st.db --join lab.db -q
"$db" asset add srv --case-db st.db >/dev/null
"$db" evidence add --asset srv --evidence sda --case-db st.db >/dev/null
sqlite3 st.db "
INSERT INTO partitions (evidence_id, idx, offset, status, prefix) VALUES (1, 0, 1048576, 'ok', 'p0');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $files)
INSERT INTO files (evidence_id, partition_id, path, inode, size, mtime)
  SELECT 1, 1, CAST('/var/log/f' || i AS BLOB), i, i, i * 1000000000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $events)
INSERT INTO events (evidence_id, partition_id, ts, kind, source, message)
  SELECT 1, 1, i * 1000000000, 'login', 'auth', 'event ' || i FROM n;"
echo "station: $files files, $events events, $(stat -c %s st.db) bytes"
times=()
for i in 1 2 3; do
    sqlite3 lab.db ".backup lab$i.db"
    t0=$(date +%s.%N)
    "$db" merge --case-db lab$i.db st.db --key lab.key -q
    times+=("$(echo "$(date +%s.%N) - $t0" | bc)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
t0=$(date +%s.%N)
"$db" merge --case-db lab1.db st.db --key lab.key -q
again=$(echo "$(date +%s.%N) - $t0" | bc)
echo "merge: runs ${times[*]} s, median $median s; re-merge (nothing new) $again s"
