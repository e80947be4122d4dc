#!/usr/bin/env bash
# `export --format mactime` and `query --format mactime` against TSK's mactime on
# a case made to stress their ordering and merging (timeline/mac_sort.c): 4,000
# files with duplicate names under other inodes and other sizes (mactime shows the
# details of the last line with a name), the same inode and name twice (merged),
# inodes sharing long prefixes (12, 12-128-1, 123456789012-128-4), names that
# differ only after their first bytes, quotes, commas, high bytes, unset times,
# files with no time at all, times from 1970 to 2106 and many files per second;
# two evidence items. Checked byte for byte in three zones (UTC, Europe/Berlin,
# Australia/Lord_Howe with its half-hour DST), per evidence item and for all.
# Also: both commands read a case on read-only media.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 python3 mactime custody-timeline custody-casedb

expect_status 0 custody-casedb init case.db --case-number M-1 --title "mactime order"
export CUSTODY_CASE_DB=$WORK/case.db
expect_status 0 custody-casedb asset add web1
expect_status 0 custody-casedb asset add db1
expect_status 0 custody-casedb evidence add --asset web1 --evidence sda
expect_status 0 custody-casedb evidence add --asset db1 --evidence sdb

python3 - >files.sql <<'PY'
import random
rng = random.Random(20261128)
def q(b):
    return "X'" + b.hex() + "'"
rows = []
names = []
for i in range(1, 4001):
    ev = 1 + (i % 2)
    r = rng.random()
    if names and r < 0.15:
        path = rng.choice(names)            # the same name again, another inode
    else:
        base = rng.choice([b'/srv/data/file', b'/srv/data/fil', b'/a', b'/srv/data/file_0',
                           b'/x/' + bytes([0xc3, 0xa9]), b'/q/with "quote"', b'/c/a,b,c',
                           b'/ff/' + bytes([0xff, 0xfe])])
        path = base + str(rng.randrange(0, 300)).encode()
        names.append(path)
    inode = rng.choice([str(rng.randrange(1, 40)), str(rng.randrange(1, 400000)),
                        '%d-128-1' % rng.randrange(1, 40), '123456789012-128-%d' % rng.randrange(1, 5),
                        '12', '12-128-1', '123'])
    if rng.random() < 0.05 and rows:
        prev = rows[-1]                      # same inode and name as the one before
        inode, path, ev = prev[2], prev[1], prev[0]
    def t():
        c = rng.random()
        if c < 0.15:
            return None
        if c < 0.25:
            return (1772323200 + rng.randrange(0, 3)) * 10**9 + rng.randrange(0, 10**9)
        if c < 0.30:
            return rng.randrange(1, 100000) * 10**9          # 1970, short numbers
        if c < 0.33:
            return (4294967295 - rng.randrange(0, 1000)) * 10**9
        return rng.randrange(0, 4294967296) * 10**9
    times = [t(), t(), t(), t()]
    meta = 'NULL' if i % 89 == 0 else '1'
    if i % 97 == 0 or meta == 'NULL':
        times = [None] * 4                   # no time at all (no metadata: no times)
    rows.append((ev, path, inode))
    vals = [str(i), str(ev), q(path), "'" + inode + "'", '5', meta, '420',
            str(rng.randrange(0, 3)), str(rng.randrange(0, 3)), str(rng.randrange(0, 5000)),
            str(rng.choice([0, 0, 0, 1]))] + ['NULL' if x is None else str(x) for x in times]
    print("INSERT INTO files (id, evidence_id, path, inode, name_type, meta_type, mode, uid, gid,"
          " size, flags, atime, mtime, ctime, crtime) VALUES (" + ", ".join(vals) + ");")
PY
(echo "BEGIN;"; cat files.sql; echo "COMMIT;") | sqlite3 -bail case.db

dups=$(sqlite3 case.db "SELECT count(*) FROM (SELECT path FROM files GROUP BY evidence_id, path
                        HAVING count(DISTINCT inode) > 1 AND count(DISTINCT size) > 1)")
[ "$dups" -gt 50 ] || fail "generator made too few duplicate names ($dups)"

# export: byte for byte what mactime -b BODY -d prints, in three zones
for ev in web1/sda db1/sdb all; do
  sel=(--evidence "$ev")
  [ "$ev" = all ] && sel=()
  expect_status 0 custody-timeline export "${sel[@]}" --format body
  mv out body.txt
  for zone in UTC Europe/Berlin Australia/Lord_Howe; do
    TZ=$zone mactime -b body.txt -d >ref.csv
    TZ=$zone expect_status 0 custody-timeline export "${sel[@]}" --format mactime
    [ "$(wc -l <ref.csv)" -gt 2000 ] || fail "mactime reference too small"
    cmp -s ref.csv out || { diff ref.csv out | head -20 >&2; fail "export mactime differs ($ev, $zone)"; }
  done
  # query: mactime -d -y, apart from the documented differences (no lines for
  # unset times; each line its own file's size, mode and owner)
  mactime -b body.txt -d -y | grep -v '^0000-00-00T00:00:00Z' | cut -d, -f1,3,7- >ref.y
  for extra in "" "--limit 1000000"; do
    # shellcheck disable=SC2086
    expect_status 0 custody-timeline query "${sel[@]}" --format mactime $extra
    cut -d, -f1,3,7- out >ours.y
    cmp -s ref.y ours.y || { diff ref.y ours.y | head -20 >&2; fail "query mactime differs ($ev $extra)"; }
  done
done

# Read-only media: export and query only read, so they work where the folder and
# the file cannot be written (root ignores permission bits: run as nobody).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  chmod 755 "$WORK"
  mkdir ro && cp case.db ro/ && chmod 444 ro/case.db && chmod 555 ro
  expect_status 0 custody-timeline export --evidence web1/sda --format mactime
  mv out want.csv
  expect_status 0 as_nobody "$CUSTODY_BIN/custody-timeline" export --case-db ro/case.db \
    --evidence web1/sda --format mactime
  cmp -s want.csv out || fail "export from read-only media differs"
  expect_status 0 custody-timeline query --evidence web1/sda --format mactime
  mv out want.q
  expect_status 0 as_nobody "$CUSTODY_BIN/custody-timeline" query --case-db ro/case.db \
    --evidence web1/sda --format mactime
  cmp -s want.q out || fail "query from read-only media differs"
  expect_status 0 as_nobody "$CUSTODY_BIN/custody-timeline" pivot --case-db ro/case.db --path '/a*'
  [ -z "$(ls -A ro | grep -v '^case.db$')" ] || fail "read-only media: files created beside the case"
  # a full-text query needs an index that was never built: a clear error, exit 2
  expect_status 2 as_nobody "$CUSTODY_BIN/custody-timeline" query --case-db ro/case.db --text data
  assert_contains err "read-only"
fi
echo "ok"
