# Helpers for the interop tests (exports, report, merge): build station databases
# with servers, acquisitions and custody entries. Sourced, not run.
#
# Until custody-acquire lands, acquisitions are written with the sqlite3 CLI exactly
# as the schema v1 tables hold them (hashes are real digests of a small generated
# "disk"); custody entries are real signed entries made with custody-casedb custody add.

set -euo pipefail
shopt -s inherit_errexit

: "${CUSTODY_BIN:?CUSTODY_BIN not set (run from ctest)}"
CASEDB="$CUSTODY_BIN/custody-casedb"

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

# station_acquire DB HOST LABEL EXAMINER [SERIAL]: register the server and disk (real
# CLI), then record a complete acquisition of a generated 256 KiB disk with one
# unreadable range, its output file, and an 'acquired' custody entry.
station_acquire() {
    local db=$1 host=$2 label=$3 examiner=$4 serial=${5:-SN-$2-$3}
    local disk md5 sha1 sha256 size uuid now acq
    "$CASEDB" asset add "$host" --serial "HW-$host" --location "rack 7" --case-db "$db" >/dev/null 2>/dev/null ||
        true
    "$CASEDB" evidence add --asset "$host" --evidence "$label" --serial "$serial" \
        --model "Virtual Disk" --vendor "ACME" --size 262144 --sector-size 512 --case-db "$db" >/dev/null
    disk=$(mktemp "$WORK/disk.XXXXXX")
    head -c 262144 /dev/urandom >"$disk"
    md5=$(md5sum <"$disk" | cut -d' ' -f1)
    sha1=$(sha1sum <"$disk" | cut -d' ' -f1)
    sha256=$(sha256sum <"$disk" | cut -d' ' -f1)
    size=$(stat -c %s "$disk")
    uuid=$(cat /proc/sys/kernel/random/uuid)
    now=$(date +%s%N)
    q "$db" "INSERT INTO acquisitions (uuid, evidence_id, format, source, source_identity,
        output_base, media_size, sector_size, md5, sha1, sha256, started_at, ended_at, status,
        bad_sectors, verify_image, verify_source, compression, case_number, evidence_number,
        description, examiner_name, tool_version, library_versions, command_line)
        SELECT '$uuid', e.id, 'raw', '/dev/sdb', '{\"device\":\"/dev/sdb\"}', 'img-$host',
        $size, 512, '$md5', '$sha1', '$sha256', $now, $((now + 5000000000)), 'complete', 8,
        'pass', 'skipped', 'none', (SELECT case_number FROM cases), 'EX-$host',
        'image of $host', $(sql_str "$examiner"), 'custody-acquire 0.1.0',
        '{\"libewf\":\"20140813\",\"sqlite\":\"3.40.1\"}',
        'custody-acquire /dev/sdb --output img-$host --format raw'
        FROM evidence e JOIN assets a ON a.id = e.asset_id
        WHERE a.hostname = $(sql_str "$host") AND e.label = $(sql_str "$label")"
    acq=$(q "$db" "SELECT id FROM acquisitions WHERE uuid = '$uuid'")
    q "$db" "INSERT INTO acquisition_files (acquisition_id, seq, name, size, sha256)
        VALUES ($acq, 0, 'img-$host.raw', $size, '$sha256');
        INSERT INTO read_errors (acquisition_id, first_sector, sector_count) VALUES ($acq, 100, 8);
        UPDATE assets SET status = 'acquired' WHERE hostname = $(sql_str "$host")"
    custody_append "$db" acquired "$host" "$label" "$examiner" "sha256 $sha256"
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
