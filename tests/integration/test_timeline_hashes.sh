#!/usr/bin/env bash
# --hash-files and --ioc: MD5 of deleted files equals the DFTT answer sheets where
# TSK recovers them (and equals icat's output for every hashed name: TSK is the
# judge), SHA-256 of allocated files equals sha256sum of the originals, IOC matches
# are flagged on files and events, counted, recorded and exported.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 icat md5sum sha256sum mkfs.ext4 python3
custody-casedb init case.db --case-number TEST-1 --title hashes -q

md5_of() { # label path -> md5 column
  sqlite3 case.db "SELECT f.md5 FROM files f JOIN evidence e ON e.id = f.evidence_id WHERE e.label = '$1' AND f.path = CAST('$2' AS BLOB) AND (f.flags & 4) = 0"
}

# Every hashed name's MD5 equals what `icat IMAGE INODE` gives.
icat_agrees() { # label image
  local n=0 path inode md5
  while IFS='|' read -r inode md5; do
    [ "$(icat "$2" "$inode" | md5sum | cut -d' ' -f1)" = "$md5" ] || fail "$1: md5 of inode $inode differs from icat"
    n=$((n + 1))
  done < <(sqlite3 case.db "SELECT f.inode, f.md5 FROM files f JOIN evidence e ON e.id = f.evidence_id WHERE e.label = '$1' AND f.md5 IS NOT NULL")
  [ $n -gt 5 ] || fail "$1: only $n files hashed"
}

fs=$CUSTODY_TESTDATA/images/fs
if [ -f "$fs/dftt-7-ntfs-undel.dd" ]; then
  ntfs=$fs/dftt-7-ntfs-undel.dd
  expect_status 0 custody-timeline build --case-db case.db --evidence dftt/ntfs --hash-files "$ntfs"
  # DFTT #7 answer sheet (images/dftt-docs/7-undel-ntfs/index.html): all recovered.
  while read -r path want; do
    got=$(md5_of ntfs "$path")
    [ "$got" = "$want" ] || fail "ntfs $path: md5 '$got', answer sheet $want"
  done <<'SHEET'
/res1.dat 9036637712b491904cd0bfbdbe648453
/sing1.dat 59b20779f69ff9f0ac5fcd2c38835a79
/mult1.dat ffd27bd782bdce67750b6b9ee069d2ef
/mult1.dat:ADS ba1b9eedb1c091ddca253d35dde8f616
/frag1.dat 7a3bc5b763bef201202108f4ba128149
/frag2.dat 0e80ab84ef0087e60dfc67b88a1cf13e
/dir1/mult2.dat 59cf0e9cd107bc1e75afb7374f6e05bb
/dir1/dir2/frag3.dat 21121699487f3fbbdb9a4b3391b6d3e0
/$OrphanFiles/sing2.dat c229626f6a71b167ad7e50c4f2fccdb1
SHEET
  icat_agrees ntfs "$ntfs"

  fat=$fs/dftt-6-fat16-undel.dd
  expect_status 0 custody-timeline build --case-db case.db --evidence dftt/fat --hash-files "$fat"
  # DFTT #6: TSK recovers the contiguous files; for the fragmented ones it reads
  # the clusters after the first (no FAT chain is left), giving the values the
  # answer sheet lists for tools that do not notice fragmentation.
  while read -r path want; do
    got=$(md5_of fat "$path")
    [ "$got" = "$want" ] || fail "fat $path: md5 '$got', expected $want"
  done <<'SHEET'
/_ing.dat 59b20779f69ff9f0ac5fcd2c38835a79
/_ult1.dat ffd27bd782bdce67750b6b9ee069d2ef
/_ir1/mult2.dat 59cf0e9cd107bc1e75afb7374f6e05bb
/_rag1.dat c4f3b9a0f17d464f4fc61b94ecf6cc21
/_rag2.dat 965370acfa85aa7e26ab04bbd45cdcae
/_ir1/dir2/frag3.dat a7a14ac62f79fdea4056ed5e8bcf97ef
SHEET
  icat_agrees fat "$fat"
else
  echo "no test data: DFTT checks not run"
fi

# Allocated files on a generated ext4: SHA-256 equals sha256sum of the originals.
mkdir -p tree/sub
head -c 100000 /dev/urandom >tree/big.bin
echo "known bad" >tree/sub/evil.sh
echo "harmless" >tree/ok.txt
: >tree/empty
make_ext4 ext4.img 8 tree
evil_sha=$(sha256sum tree/sub/evil.sh | cut -d' ' -f1)
big_md5=$(md5sum tree/big.bin | cut -d' ' -f1)
{
  echo "# known bad hashes"
  echo "$evil_sha dropper script"
  echo "${big_md5^^}"
  echo "da39a3ee5e6b4b0d3255bfef95601890afd80709 sha1 of nothing"
} >iocs.txt
expect_status 0 custody-timeline build --case-db case.db --evidence srv/sda --ioc iocs.txt --json ext4.img
assert_contains out '"ioc_files": 3'
assert_contains out '"iocs_loaded": 3'
for f in big.bin sub/evil.sh ok.txt empty; do
  got=$(sqlite3 case.db "SELECT sha256 FROM files WHERE path = CAST('/$f' AS BLOB)")
  [ "$got" = "$(sha256sum "tree/$f" | cut -d' ' -f1)" ] || fail "sha256 of /$f: '$got'"
done
sqlite3 case.db "SELECT path, ioc_name FROM files WHERE flags & 8 ORDER BY path" >ioc.txt
assert_contains ioc.txt "/sub/evil.sh|dropper script"
assert_contains ioc.txt "/big.bin|"
assert_contains ioc.txt "/empty|sha1 of nothing"
[ "$(wc -l <ioc.txt)" = 3 ] || fail "unexpected ioc matches: $(cat ioc.txt)"
ev=$(sqlite3 case.db "SELECT count(*) FROM timeline WHERE path = CAST('/sub/evil.sh' AS BLOB) AND (flags & 8) = 8")
[ "$ev" -ge 3 ] || fail "ioc events not flagged ($ev)"
# the flagged events, and only they, through the query filter
want=$(sqlite3 case.db "SELECT count(*) FROM timeline WHERE (flags & 8) = 8")
custody-timeline query --case-db case.db --ioc-only --count >n.txt || fail "query --ioc-only"
[ "$(cat n.txt)" = "$want" ] && [ "$want" -ge 9 ] || fail "query --ioc-only: $(cat n.txt), want $want"
sqlite3 case.db "SELECT algo, name FROM iocs ORDER BY algo" >iocs-db.txt
assert_contains iocs-db.txt "SHA256|dropper script"
assert_contains iocs-db.txt "MD5|"
assert_contains iocs-db.txt "SHA1|sha1 of nothing"
custody-timeline export --case-db case.db --evidence srv/sda --format jsonl >ev.jsonl
grep -F '"path":"/sub/evil.sh"' ev.jsonl | grep -qF '"ioc":"dropper script"' || fail "ioc not in jsonl"
# Without --hash-files nothing is hashed.
expect_status 0 custody-timeline build --case-db case.db --evidence srv/plain ext4.img
n=$(sqlite3 case.db "SELECT count(*) FROM files f JOIN evidence e ON e.id = f.evidence_id WHERE e.label = 'plain' AND f.md5 IS NOT NULL")
[ "$n" = 0 ] || fail "files hashed without --hash-files"
# A malformed IOC file is refused before anything is recorded.
printf '%s\nnot-a-hash\n' "$evil_sha" >bad-iocs.txt
expect_status 2 custody-timeline build --case-db case.db --evidence srv/x --ioc bad-iocs.txt ext4.img
assert_contains err "line 2"
echo "hashes and iocs: ok"
