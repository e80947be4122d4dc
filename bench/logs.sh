#!/usr/bin/env bash
# Benchmark: custody-timeline ingest of a generated 1,000,000-line auth.log and a
# 1,000,000-line access log, against `gzip -c FILE > /dev/null` on the same file
# in the same run (the issue's target: parsing and loading at least as fast as
# gzip compresses). Each step runs RUNS times (default 3), alternating; medians.
# Also timed: ingest --threads 1 (no parser thread), --threads 2 (a parser thread
# whatever the load; the default picks it only when a core is idle) and
# ingest --dry-run (parse only).
#   bench/logs.sh [BUILD_DIR]      (default: <repo>/build)
# Inputs are cached in $BENCH_WORK (default /tmp/custody-bench-logs); LINES
# overrides the line count.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
T="$build/bin/custody-timeline"
C="$build/bin/custody-casedb"
W=${BENCH_WORK:-/tmp/custody-bench-logs}
RUNS=${RUNS:-3}
LINES=${LINES:-1000000}
[ -x "$T" ] && [ -x "$C" ] || { echo "bench: build first ($T missing)" >&2; exit 2; }
for t in gzip awk sqlite3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (scripts/deps.sh)" >&2; exit 2; }
done
mkdir -p "$W"
cd "$W"

if [ ! -f auth.log ] || [ "$(wc -l < auth.log)" != "$LINES" ]; then
  echo "bench: generating auth.log ($LINES lines)" >&2
  awk -v n="$LINES" 'BEGIN {
    split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", mon, " ")
    for (i = 0; i < n; i++) {
      t = i * 30; d = 1 + int(t / 86400) % 28; m = mon[1 + int(t / (86400 * 28)) % 12]
      h = int(t / 3600) % 24; mi = int(t / 60) % 60; s = t % 60
      ip = sprintf("%d.%d.%d.%d", 10 + i % 200, i % 251, (i * 7) % 253, 1 + i % 250)
      pid = 1000 + i % 60000; k = i % 8
      printf "%s %2d %02d:%02d:%02d web01 ", m, d, h, mi, s
      if (k == 0) printf "sshd[%d]: Accepted publickey for alice from %s port %d ssh2: RSA SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n", pid, ip, 1024 + i % 60000
      else if (k == 1) printf "sshd[%d]: Failed password for root from %s port %d ssh2\n", pid, ip, 1024 + i % 60000
      else if (k == 2) printf "sshd[%d]: Invalid user admin%d from %s port %d\n", pid, i % 97, ip, 1024 + i % 60000
      else if (k == 3) printf "sudo:    alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get install pkg%d\n", i % 9, i % 1000
      else if (k == 4) printf "CRON[%d]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)\n", pid
      else if (k == 5) printf "sshd[%d]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)\n", pid
      else if (k == 6) printf "systemd-logind[412]: New session %d of user alice.\n", i
      else printf "sshd[%d]: Disconnected from user alice %s port %d\n", pid, ip, 1024 + i % 60000
    } }' > auth.log
fi
if [ ! -f access.log ] || [ "$(wc -l < access.log)" != "$LINES" ]; then
  echo "bench: generating access.log ($LINES lines)" >&2
  awk -v n="$LINES" 'BEGIN {
    split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", mon, " ")
    split("GET GET GET POST HEAD", meth, " ")
    for (i = 0; i < n; i++) {
      t = i * 3; d = 1 + int(t / 86400) % 28; m = mon[1 + int(t / (86400 * 28)) % 12]
      h = int(t / 3600) % 24; mi = int(t / 60) % 60; s = t % 60
      ip = sprintf("%d.%d.%d.%d", 11 + i % 200, i % 251, (i * 7) % 253, 1 + i % 250)
      printf "%s - - [%02d/%s/2024:%02d:%02d:%02d +0000] \"%s /wp-content/themes/t%d/page.php?id=%d&q=search+term HTTP/1.1\" %d %d \"https://example.com/ref/%d\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\"\n", ip, d, m, h, mi, s, meth[1 + i % 5], i % 50, i, (i % 17 ? 200 : 404), 500 + i % 30000, i % 100
    } }' > access.log
fi

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wall and CPU (user+sys) seconds of a command: the machine may be shared, so CPU
# time is printed beside wall time
timed() { # VAR_WALL VAR_CPU CMD...
  local out
  /usr/bin/time -f '%e %U %S' -o "$W/time.out" "${@:3}" >/dev/null
  out=$(tail -1 "$W/time.out")
  printf -v "$1" '%s' "$(echo "$out" | awk '{print $1}')"
  printf -v "$2" '%s' "$(echo "$out" | awk '{print $2 + $3}')"
}
gzip_to_null() { gzip -c "$1" > /dev/null; }
export -f gzip_to_null

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
for f in auth.log access.log; do
  ing=() gz=() ingc=() gzc=() dry=() dryc=() one=() onec=() two=() twoc=()
  lines=$(wc -l < "$f")
  bytes=$(stat -c %s "$f")
  for r in $(seq 1 "$RUNS"); do
    rm -f case.db case.db-wal case.db-shm
    "$C" init case.db --case-number BENCH --title bench -q
    timed w c "$T" ingest --case-db case.db --evidence web01/sda --quiet "$f"
    ing+=("$w")
    ingc+=("$c")
    n=$(sqlite3 case.db "SELECT count(*) FROM events")
    [ "$n" = "$lines" ] || { echo "bench: $f: $n events for $lines lines" >&2; exit 1; }
    rm -f case.db case.db-wal case.db-shm
    "$C" init case.db --case-number BENCH --title bench -q
    timed w c "$T" ingest --case-db case.db --evidence web01/sda --quiet --threads 1 "$f"
    one+=("$w")
    onec+=("$c")
    rm -f case.db case.db-wal case.db-shm
    "$C" init case.db --case-number BENCH --title bench -q
    timed w c "$T" ingest --case-db case.db --evidence web01/sda --quiet --threads 2 "$f"
    two+=("$w")
    twoc+=("$c")
    timed w c "$T" ingest --dry-run --quiet "$f"
    dry+=("$w")
    dryc+=("$c")
    timed w c bash -c 'gzip_to_null "$1"' sh "$f"
    gz+=("$w")
    gzc+=("$c")
  done
  mi=$(median "${ing[@]}")
  mg=$(median "${gz[@]}")
  mic=$(median "${ingc[@]}")
  mgc=$(median "${gzc[@]}")
  md=$(median "${dry[@]}")
  mdc=$(median "${dryc[@]}")
  mo=$(median "${one[@]}")
  moc=$(median "${onec[@]}")
  mt=$(median "${two[@]}")
  mtc=$(median "${twoc[@]}")
  dbb=$(stat -c %s case.db)
  # SQLite's own floor for the same rows, no parsing at all: the events this run
  # stored, copied into an empty table (rows already built, no fsync), then each
  # index of events built on its own. The (evidence_id, ts) index is the one the
  # query issue's time-range target needs; ip and user serve its pivots.
  fi_=() fe=() fp=() fu=()
  for r in $(seq 1 "$RUNS"); do
    rm -f floor.db floor.db-journal
    # one process, warm cache; CPU (user + sys) of each statement from .timer
    sqlite3 floor.db >floor.out <<SQL
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA temp_store = MEMORY;
ATTACH 'case.db' AS s;
CREATE TABLE events AS SELECT * FROM s.events WHERE 0;
SELECT count(*) FROM s.events;
.timer on
BEGIN;
INSERT INTO events SELECT * FROM s.events;
CREATE INDEX e_ts ON events(evidence_id, ts);
CREATE INDEX e_ip ON events(ip, evidence_id, ts) WHERE ip IS NOT NULL;
CREATE INDEX e_user ON events(user, evidence_id, ts) WHERE user IS NOT NULL;
COMMIT;
SQL
    mapfile -t t < <(awk '/^Run Time:/ { print $6 + $8 }' floor.out)
    fi_+=("${t[1]}") fe+=("${t[2]}") fp+=("${t[3]}") fu+=("${t[4]}")
  done
  rm -f floor.db floor.db-journal floor.out
  mfi=$(median "${fi_[@]}") mfe=$(median "${fe[@]}") mfp=$(median "${fp[@]}") mfu=$(median "${fu[@]}")
  awk -v f="$f" -v l="$lines" -v b="$bytes" -v ti="$mi" -v tg="$mg" -v ci="$mic" -v cg="$mgc" -v db="$dbb" -v td="$md" -v cd="$mdc" -v to="$mo" -v co="$moc" -v t2="$mt" -v c2="$mtc" -v la="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    printf "%-10s %d lines, %.1f MiB, %.0f db bytes/event\n", f, l, b / 1048576, db / l
    printf "  wall: ingest %6.2f s %9.0f lines/s | gzip -c %6.2f s %9.0f lines/s | ingest/gzip speed %.2fx\n", ti, l / ti, tg, l / tg, tg / ti
    printf "  cpu:  ingest %6.2f s %9.0f lines/s | gzip -c %6.2f s %9.0f lines/s | ingest/gzip speed %.2fx\n", ci, l / ci, cg, l / cg, cg / ci
    printf "  parse only (ingest --dry-run): wall %6.2f s, cpu %6.2f s %9.0f lines/s | parse/gzip speed (cpu) %.2fx\n", td, cd, l / cd, cg / cd
    printf "  ingest --threads 1: wall %6.2f s, cpu %6.2f s | ingest/gzip speed wall %.2fx, cpu %.2fx\n", to, co, tg / to, cg / co
    printf "  ingest --threads 2: wall %6.2f s, cpu %6.2f s | ingest/gzip speed wall %.2fx, cpu %.2fx\n", t2, c2, tg / t2, cg / c2
    printf "  load average after this file: %s\n", la }'
  awk -v cg="$mgc" -v i="$mfi" -v e="$mfe" -v p="$mfp" -v u="$mfu" 'BEGIN {
    printf "  SQLite floor (cpu, one warm process: the stored rows copied, no parsing, no fsync): insert %.2f s, (evidence_id, ts) index %.2f s, ip index %.2f s, user index %.2f s\n", i, e, p, u
    printf "    insert + time index %.2f s = %.2fx gzip; + ip and user indexes %.2f s = %.2fx gzip\n", i + e, cg / (i + e), i + e + p + u, cg / (i + e + p + u) }'
done
echo "(medians of $RUNS runs; each ingest into a fresh case database, synchronous=FULL;
 wall time depends on the machine's load, CPU time = user + sys of the process, both
 threads; load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
