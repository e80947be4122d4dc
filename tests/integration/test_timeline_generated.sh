#!/usr/bin/env bash
# custody-timeline on generated ext4, FAT and partitioned images with deleted
# files, odd names (spaces, newline, '|', invalid UTF-8, escape sequences) and
# pinned times: body export equals fls, mactime export equals mactime, JSON
# export is valid UTF-8 with the original bytes, terminal output is escaped,
# nanoseconds survive, rebuilds replace, unknown evidence is created.
. "$(dirname "$0")/lib.sh"
. "$CUSTODY_SRC/tests/integration/timeline_lib.sh"
need_cmd fls mmls mactime debugfs mkfs.ext4 mkfs.vfat mcopy mdel sfdisk python3

T1=1262304000 # 2010-01-01
T2=1500000000
mkdir -p tree/dir/sub tree/other
echo alpha >"tree/with space.txt"
echo nl >"tree/new"$'\n'"line"
echo pipe >"tree/pipe|name"
echo bad >"tree/bad"$'\xff\xfe'"utf8"
echo esc >"tree/esc"$'\033'"[31mred"
echo gone >tree/dir/deleted.txt
echo keep >tree/dir/sub/deep.txt
ln -s "dir/sub/deep.txt" tree/link
# fls prints a link target raw: this one would split its line and color a terminal.
ln -s "evil"$'\033'"[31m"$'\n'"target" tree/badlink
for i in $(seq 1 40); do echo "$i" >"tree/other/f$i"; done

make_ext4 ext4.img 16 tree
pin_times ext4.img "/with space.txt" $T1
pin_times ext4.img /dir/sub/deep.txt $T2
# 123456789 ns on the mtime of deep.txt (ext4 extra field: ns << 2)
debugfs -w -R "set_inode_field /dir/sub/deep.txt mtime_extra $((123456789 << 2))" ext4.img >/dev/null 2>&1
debugfs -w -R "rm /dir/deleted.txt" ext4.img >/dev/null 2>&1
debugfs -w -R "rm /other/f7" ext4.img >/dev/null 2>&1

mkdir fattree
echo one >"fattree/long name with spaces.txt"
echo two >fattree/DELME.TXT
echo three >fattree/keep.txt
make_fat fat.img 8 fattree
MTOOLS_SKIP_CHECK=1 mdel -i fat.img ::DELME.TXT

make_partitioned disk.img ext4.img fat.img
# The same file systems behind a GPT and a Sun disk label (cylinder-aligned).
truncate -s 40M gptdisk.img
printf 'label: gpt\nstart=2048, size=32768\nstart=36864, size=16384\n' | sfdisk -q gptdisk.img
dd if=ext4.img of=gptdisk.img bs=512 seek=2048 conv=notrunc status=none
dd if=fat.img of=gptdisk.img bs=512 seek=36864 conv=notrunc status=none
truncate -s 64M sundisk.img
printf 'label: sun\nstart=16065, size=48195, type=83\nstart=64260, size=48195, type=83\n' |
  sfdisk -q sundisk.img 2>/dev/null || truncate -s 0 sundisk.img

custody-casedb init case.db --case-number TEST-1 --title "timeline test" -q
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/sda ext4.img
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/fat fat.img
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/disk disk.img
assert_contains out "/p2"
assert_contains out "/p3"
PARITY_EXCLUDE='badlink|^target\|' body_parity case.db srv1/sda ext4.img
# Documented difference: control bytes in link targets print as '^'.
custody-timeline export --case-db case.db --evidence srv1/sda --format body >b.txt
grep -qF '/badlink -> evil^[31m^target|' b.txt || fail "link target not sanitized"
body_parity case.db srv1/fat fat.img
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/gptdisk gptdisk.img
PARITY_EXCLUDE='badlink|^target\|' body_parity case.db srv1/gptdisk gptdisk.img
if [ -s sundisk.img ] && mmls sundisk.img | grep -q Sun; then
  truncate -s 20M ext4-20.img
  mkfs.ext4 -q -F -d fattree ext4-20.img
  dd if=ext4-20.img of=sundisk.img bs=512 seek=16065 conv=notrunc status=none
  dd if=fat.img of=sundisk.img bs=512 seek=64260 conv=notrunc status=none
  expect_status 0 custody-timeline build --case-db case.db --evidence srv1/sundisk --json sundisk.img
  assert_contains out '"vs_type": "sun"'
  body_parity case.db srv1/sundisk sundisk.img
else
  echo "sfdisk cannot write a Sun label here: Sun case not run"
fi
PARITY_EXCLUDE='badlink|^target\|' body_parity case.db srv1/disk disk.img

# Deleted files are there, marked as fls marks them.
custody-timeline export --case-db case.db --evidence srv1/sda --format body >body.txt
assert_contains body.txt "/dir/deleted.txt (deleted)"
custody-timeline export --case-db case.db --evidence srv1/fat --format body >fbody.txt
grep -q "(deleted)" fbody.txt || fail "FAT deleted entry missing"
# Pinned times.
grep -F "/with space.txt|" body.txt | grep -q "|$T1|$T1|$T1|$T1\$" || fail "pinned times lost"

# '|' in a name: printed unescaped, exactly as fls does (documented ambiguity).
grep -qF '/pipe|name|' body.txt || fail "pipe name not as fls prints it"
# Control bytes in names: '^' in body lines, as fls.
grep -qF '/new^line|' body.txt || fail "newline not printed as ^"
grep -qF '/esc^[31mred|' body.txt || fail "escape not printed as ^"
if grep -q $'\033' body.txt; then fail "raw escape byte in body export"; fi

# mactime export equals mactime over our (= fls's) body file. The '|' name is the
# documented difference: mactime splits it into wrong columns, we do not.
grep -vF 'pipe|name' body.txt | grep -v badlink >body-nopipe.txt
mactime -b body-nopipe.txt -d >ref.csv
custody-timeline export --case-db case.db --evidence srv1/sda --format mactime | grep -vF 'pipe|name' | grep -v badlink >ours.csv
diff ref.csv ours.csv >mac.diff || { head -20 mac.diff >&2; fail "mactime export differs from mactime"; }
custody-timeline export --case-db case.db --evidence srv1/sda --format mactime >ours-all.csv
assert_contains ours-all.csv '"/pipe|name"'
for ev in srv1/fat srv1/disk; do
  custody-timeline export --case-db case.db --evidence $ev --format body | grep -vF 'pipe|name' | grep -v badlink >b.txt
  mactime -b b.txt -d >r.csv
  custody-timeline export --case-db case.db --evidence $ev --format mactime | grep -vF 'pipe|name' | grep -v badlink >o.csv
  cmp -s r.csv o.csv || { diff r.csv o.csv | head >&2; fail "mactime differs for $ev"; }
done

# JSON lines: valid UTF-8, exact bytes in path_hex, nanoseconds kept.
custody-timeline export --case-db case.db --evidence srv1/sda --format jsonl >ev.jsonl
python3 - ev.jsonl <<'PY' || fail "jsonl check failed"
import json, sys
raw = open(sys.argv[1], 'rb').read()
text = raw.decode('utf-8')  # raises on invalid UTF-8
paths = {}
for line in text.splitlines():
    o = json.loads(line)
    for k in ('datetime', 'ts_ns', 'kind', 'path', 'inode'):
        assert k in o, k
    p = bytes.fromhex(o['path_hex']) if 'path_hex' in o else o['path'].encode()
    paths[p] = o
assert b'/bad\xff\xfeutf8' in paths, sorted(paths)
assert paths[b'/bad\xff\xfeutf8']['path_hex'] == b'/bad\xff\xfeutf8'.hex()
assert b'/new\nline' in paths and b'/pipe|name' in paths and b'/esc\x1b[31mred' in paths
deep = [json.loads(l) for l in text.splitlines() if json.loads(l)['path'] == '/dir/sub/deep.txt']
m = [o for o in deep if o['kind'] == 'm']
assert m and m[0]['ts_ns'] == 1500000000123456789, m
assert m[0]['datetime'] == '2017-07-14T02:40:00.123456789Z', m[0]['datetime']
PY

# Rebuild replaces: same counts, no duplicates.
# jsonl export order: time, then file, then a, m, c, b - as SQL over the timeline view
python3 -c 'import json, sys
for l in open(sys.argv[1]): o = json.loads(l); print("%d|%s|%s" % (o["ts_ns"], o["kind"], o["inode"]))' ev.jsonl >ev.order
sqlite3 case.db "SELECT t.ts, t.kind, t.inode FROM timeline t JOIN evidence e ON e.id = t.evidence_id
                 JOIN assets a ON a.id = e.asset_id WHERE a.hostname = 'srv1' AND e.label = 'sda'
                 AND t.source = 'fs' ORDER BY t.ts, t.file_id, t.id" >view.order
[ -s view.order ] && cmp -s view.order ev.order || fail "jsonl export order differs from the timeline view"
n1=$(custody-timeline export --case-db case.db --evidence srv1/sda --format jsonl | wc -l)
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/sda ext4.img
n2=$(custody-timeline export --case-db case.db --evidence srv1/sda --format jsonl | wc -l)
[ "$n1" = "$n2" ] || fail "rebuild changed the event count: $n1 -> $n2"
files=$(sqlite3 case.db "SELECT count(*) FROM files f JOIN evidence e ON e.id = f.evidence_id WHERE e.label = 'sda'")
[ "$files" = "$(wc -l <body.txt)" ] || fail "rebuild left duplicate files ($files rows)"
# The load runs with a rollback journal and leaves the case in WAL mode; with the
# case open in another process it goes through the WAL instead, same rows.
[ "$(sqlite3 case.db 'PRAGMA journal_mode')" = wal ] || fail "the build left the case out of WAL mode"
{ echo "SELECT count(*) FROM files;"; sleep 20; } | sqlite3 case.db >/dev/null &
reader=$!
sleep 0.5
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/sda ext4.img
kill $reader 2>/dev/null || true
wait $reader 2>/dev/null || true
n3=$(custody-timeline export --case-db case.db --evidence srv1/sda --format jsonl | wc -l)
[ "$n3" = "$n2" ] || fail "a build beside a reader changed the event count: $n2 -> $n3"
[ "$(sqlite3 case.db 'PRAGMA journal_mode')" = wal ] || fail "a build beside a reader left the case out of WAL mode"
# The other evidence items are untouched by the rebuild.
custody-timeline export --case-db case.db --evidence srv1/fat --format body | cmp -s - fbody.txt || fail "rebuild touched another evidence"

# An unknown evidence item is created, recorded as added by the timeline run.
expect_status 0 custody-timeline build --case-db case.db --evidence newhost/disk9 --json ext4.img
assert_contains out '"evidence_created": true'
sqlite3 case.db "SELECT added_by FROM evidence WHERE label = 'disk9'" >added.txt
assert_contains added.txt "custody-timeline (run"
sqlite3 case.db "SELECT added_by FROM assets WHERE hostname = 'newhost'" >added.txt
assert_contains added.txt "custody-timeline"
# A label alone that does not exist, without an asset: a clear error, exit 2.
expect_status 2 custody-timeline build --case-db case.db --evidence nosuch ext4.img
assert_contains err "no evidence 'nosuch'"

# A hostile GPT partition name reaches the terminal escaped.
truncate -s 4M gpt.img
printf 'label: gpt\nstart=2048, size=4096, name="evil\033[31mname"\n' | sfdisk -q gpt.img
expect_status 0 custody-timeline build --case-db case.db --evidence srv1/gpt gpt.img
if grep -q $'\033' out; then fail "raw escape from a partition name on the terminal"; fi
assert_contains out 'evil\x1b[31mname'

# Exports refuse to overwrite.
echo x >exists.txt
expect_status 2 custody-timeline export --case-db case.db --format body -o exists.txt
expect_status 0 custody-timeline export --case-db case.db --evidence srv1/sda --format body -o new.body --json
assert_contains out '"lines": '"$(wc -l <body.txt)"
cmp -s new.body body.txt || fail "export -o differs from stdout export"
expect_status 2 custody-timeline export --case-db case.db --format body --json
# Usage errors.
expect_status 2 custody-timeline export --case-db case.db --format nope
expect_status 2 custody-timeline build --case-db case.db ext4.img
echo "generated images: ok"
