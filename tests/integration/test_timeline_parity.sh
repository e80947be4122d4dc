#!/usr/bin/env bash
# Parity with The Sleuth Kit: for every test image fls reads, the set of lines of
# `custody-timeline export --format body` equals the set of lines of
# `fls -o OFFSET -r -m PREFIX` over its partitions (PREFIX '/' for a file system
# without a partition table, '/p<slot>/' per partition as mmls numbers it,
# '/p<slot>/p<sub>/' inside a BSD label, '/v<n>/' per APFS volume); and the
# mactime export equals `mactime -b BODY -d` over that body file, byte for byte.
set -uo pipefail
bin=${CUSTODY_BIN:?}
data=${CUSTODY_TESTDATA:-}
[ -n "$data" ] && [ -d "$data/images" ] || { echo "skip: no testdata"; exit 77; }
command -v fls >/dev/null && command -v mmls >/dev/null && command -v mactime >/dev/null ||
    { echo "skip: no sleuthkit"; exit 77; }
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/custody-casedb" init "$tmp/case.db" --case-number T-1 --title parity >/dev/null || exit 2
fail=0
checked=0

# The fls reference with the documented prefixes (tsk_reference).
. "${CUSTODY_SRC:-$(dirname "$0")/../..}/tests/integration/timeline_lib.sh"

check() { # name image...
    local name=$1
    shift
    tsk_reference "$@" | LC_ALL=C sort -u >"$tmp/ref.txt"
    if [ ! -s "$tmp/ref.txt" ]; then
        echo "  $name: fls reads nothing, not compared"
        return
    fi
    "$bin/custody-timeline" build --case-db "$tmp/case.db" --evidence "parity/$name" \
        --quiet --time-limit 60 "$@"
    local rc=$?
    if [ $rc -eq 2 ]; then
        echo "FAIL $name: build exit 2"
        fail=1
        return
    fi
    "$bin/custody-timeline" export --case-db "$tmp/case.db" --evidence "parity/$name" \
        --format body | LC_ALL=C sort -u >"$tmp/ours.txt"
    if ! diff "$tmp/ref.txt" "$tmp/ours.txt" >"$tmp/diff.txt"; then
        echo "FAIL $name: body lines differ from fls (< fls, > ours):"
        head -20 "$tmp/diff.txt"
        fail=1
    else
        echo "  ok $name: $(wc -l <"$tmp/ours.txt") lines equal fls (build exit $rc)"
    fi
    # And the mactime export equals mactime over that body file.
    "$bin/custody-timeline" export --case-db "$tmp/case.db" --evidence "parity/$name" \
        --format body >"$tmp/b.body"
    mactime -b "$tmp/b.body" -d >"$tmp/ref.csv"
    "$bin/custody-timeline" export --case-db "$tmp/case.db" --evidence "parity/$name" \
        --format mactime >"$tmp/ours.csv"
    if ! cmp -s "$tmp/ref.csv" "$tmp/ours.csv"; then
        echo "FAIL $name: mactime export differs from mactime -b BODY -d"
        diff "$tmp/ref.csv" "$tmp/ours.csv" | head -10
        fail=1
    fi
    checked=$((checked + 1))
}

# Plain images (unpacking the compressed ones to the temporary folder).
for f in "$data"/images/fs/* "$data"/images/partition/*; do
    base=$(basename "$f")
    case "$base" in
    *.splitraw.001) continue ;;
    *.splitraw.000) check "$base" "$f" "${f%.000}.001"; continue ;;
    *.xz) xz -dkc "$f" >"$tmp/${base%.xz}"; img="$tmp/${base%.xz}" ;;
    *.zip)
        mkdir -p "$tmp/z"
        unzip -o -q "$f" -d "$tmp/z" || { echo "FAIL cannot unzip $base"; fail=1; continue; }
        img=$(find "$tmp/z" -type f \( -name '*.dd' -o -name '*.dmg' -o -name '*.raw' -o -name '*.img' \) | head -1)
        ;;
    *) img=$f ;;
    esac
    check "$base" "$img"
    rm -rf "$tmp/z" "$tmp/${base%.xz}"
done
# The split raw image again, given by its first part only (TSK finds the rest).
check "splitraw-first-only" "$data/images/fs/dfvfs-ext2.splitraw.000"
# E01 sets, by their first segment.
for f in "$data"/ewf/good/*.E01; do
    check "$(basename "$f")" "$f"
done

echo "checked $checked images"
[ $checked -gt 15 ] || { echo "FAIL: too few images compared"; fail=1; }
exit $fail
