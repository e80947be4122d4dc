# Helpers for the interop tests (exports, report, merge): build station databases
# with servers, acquisitions and custody entries. Sourced, not run.
#
# Acquisitions are made by the real custody-acquire --key (raw images of small
# generated disks, signed manifests, 'acquired' custody entries; unreadable sectors
# through the fault-injection library); other custody entries are real signed entries
# made with custody-casedb custody add.

set -euo pipefail
shopt -s inherit_errexit

: "${CUSTODY_BIN:?CUSTODY_BIN not set (run from ctest)}"
CASEDB="$CUSTODY_BIN/custody-casedb"
ACQUIRE="$CUSTODY_BIN/custody-acquire"
FAULT_EIO="${CUSTODY_BUILD:-$CUSTODY_BIN/..}/tests/fault/libcustody_fault_eio.so"
[ -x "$ACQUIRE" ] || { echo "SKIP: custody-acquire not built" >&2; exit 77; }
[ -e "$FAULT_EIO" ] || { echo "SKIP: fault-injection library missing" >&2; exit 77; }

if ! command -v sqlite3 >/dev/null; then
    echo "SKIP: sqlite3 CLI missing" >&2
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/custody-interop.XXXXXX")
[ -n "${CUSTODY_KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# q DB SQL: one value
q() {
    sqlite3 -batch -noheader "$1" "$2"
}

# sql_str S: S as an SQL string literal
sql_str() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

# station_uuid DB
station_uuid() {
    q "$1" "SELECT station_uuid FROM cases"
}

KEYS="$WORK/keys"
mkdir -p "$KEYS"

# key_of NAME: path (without .key/.pub) of NAME's key pair, made on first use
key_of() {
    local k
    k="$KEYS/$(printf '%s' "$1" | sha256sum | cut -c1-12)"
    [ -e "$k.key" ] || "$CASEDB" keygen --out "$k" --unencrypted -q 2>/dev/null
    echo "$k"
}

# examiner DB NAME: register NAME with a public key in DB
examiner() {
    "$CASEDB" examiner add --name "$2" --role examiner --pub "$(key_of "$2").pub" \
        --case-db "$1" >/dev/null
}

# custody_append DB ACTION HOST LABEL ACTOR [DETAILS]: a signed entry in DB's chain
custody_append() {
    "$CASEDB" custody add --case-db "$1" --action "$2" --asset "$3" --evidence "$4" \
        --key "$(key_of "$5").key" --location "lab 1" --purpose test --details "${6:-}" -q
}

# station_acquire DB HOST LABEL EXAMINER [bad] [acquire options...]: register the
# server and disk, image a generated 256 KiB disk into DB with the real
# custody-acquire (raw) signed with EXAMINER's key (signed manifest and 'acquired'
# custody entry, both written by custody-acquire). With "bad",
# sectors 100-107 fail with EIO (fault injection) and are recorded as unreadable.
# Prints the acquisition uuid.
station_acquire() {
    local db=$1 host=$2 label=$3 examiner=$4 bad=${5:-} disk base rc=0 uuid
    shift 4
    [ $# -gt 0 ] && shift
    "$CASEDB" asset add "$host" --serial "HW-$host" --location "rack 7" --case-db "$db" \
        >/dev/null 2>&1 || true
    "$CASEDB" evidence add --asset "$host" --evidence "$label" --serial "SN-$host-$label" \
        --model "Virtual Disk" --vendor "ACME" --size 262144 --sector-size 512 \
        --case-db "$db" >/dev/null
    disk=$(mktemp "$WORK/disk.XXXXXX")
    head -c 262144 /dev/urandom >"$disk"
    base=$(mktemp -u "$WORK/img.XXXXXX")
    if [ "$bad" = bad ]; then
        CUSTODY_FAULT_FILE=$disk CUSTODY_FAULT_EIO=$((100 * 512)):$((8 * 512)) \
            LD_PRELOAD=$FAULT_EIO ASAN_OPTIONS=verify_asan_link_order=0 \
            "$ACQUIRE" "$disk" --output "$base" --format raw --retries 0 --case-db "$db" \
            --asset "$host" --evidence "$label" --examiner "$examiner" \
            --key "$(key_of "$examiner").key" -q "$@" || rc=$?
        [ $rc = 1 ] || fail "custody-acquire with bad sectors exited $rc, not 1"
    else
        "$ACQUIRE" "$disk" --output "$base" --format raw --case-db "$db" --asset "$host" \
            --evidence "$label" --examiner "$examiner" --key "$(key_of "$examiner").key" \
            -q "$@" || fail "custody-acquire failed"
    fi
    uuid=$(q "$db" "SELECT uuid FROM acquisitions WHERE output_base LIKE '%$(basename "$base")'")
    [ -n "$uuid" ] || fail "custody-acquire recorded no acquisition"
    [ "$(q "$db" "SELECT manifest_sig IS NOT NULL FROM acquisitions WHERE uuid = '$uuid'")" = 1 ] ||
        fail "custody-acquire --key recorded no manifest signature"
    echo "$uuid"
}

# station DB CASE_DB NAME: a joined station with an examiner
station() {
    "$CASEDB" init "$1" --join "$2" -q
    examiner "$1" "$3"
}

# lab DB: the lab's case database with its examiner (who signs merges)
lab() {
    "$CASEDB" init "$1" --case-number "BR-2026-9" --title "${2:-Breach at ACME}" -q
    examiner "$1" "Lab Examiner"
}

# merge CASE_DB OTHER [args]: merge signed by the lab examiner
merge() {
    local db=$1 other=$2
    shift 2
    "$CASEDB" merge --case-db "$db" "$other" --key "$(key_of "Lab Examiner").key" "$@"
}
