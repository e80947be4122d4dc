#!/usr/bin/env bash
# custody-verify on E01 sets: the public good/bad samples, sets made with ewfacquire
# and then broken (truncated, last segment deleted, renamed, swapped, extra, 0-byte,
# not EWF, flipped byte), 50 random byte flips, and hostile header values in the
# text, JSON and HTML reports. Oracle for good sets: ewfverify and md5sum/sha*sum.
set -uo pipefail
V="$CUSTODY_BIN/custody-verify"
TD="${CUSTODY_TESTDATA:-}"
command -v ewfacquire >/dev/null || { echo "ewfacquire missing: skip"; exit 77; }
[ -d "$TD/ewf" ] || { echo "testdata missing: skip"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN -- ARGS: run custody-verify, require exit RC and PATTERN in stdout
expect() {
    local rc=$1 pat=$2
    shift 3
    "$V" "$@" >"$W/out" 2>"$W/err"
    local got=$?
    if [ "$got" -ne "$rc" ]; then
        bad "custody-verify $* exited $got, wanted $rc"
        cat "$W/out" "$W/err"
    elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$W/out" "$W/err"; then
        bad "custody-verify $*: no line matching '$pat'"
        cat "$W/out" "$W/err"
    fi
    if [ "$rc" -ne 0 ] && grep -q '^verdict: VERIFIED' "$W/out"; then
        bad "custody-verify $*: a VERIFIED verdict on bad evidence"
    fi
}

# --- public good samples: exit 0 and the MD5 ewfverify computes
for f in "$TD"/ewf/good/*.E01; do
    case "$f" in *split.E02 | *split.E01) ;; esac
    md5=$(ewfverify -q "$f" 2>/dev/null | awk -F'\t+' '/MD5 hash calculated/ {print $2}')
    expect 0 "PASS MD5 vs E01: $md5" -- "$f"
done
expect 0 "PASS SHA1 vs E01: 067bc6ab29685ee19b0cf82c9d15ac510d1e7d95" -- \
    "$TD/ewf/good/sleuthkit-imageformat_mmls_1.E01"
# raw twins: SHA-256 of the media equals sha256sum of the raw image
sha=$(sha256sum "$TD/images/partition/tsk_volume_system.raw" | cut -d' ' -f1)
expect 0 "not stored \(computed $sha\)" -- "$TD/ewf/good/plaso-image-split.E01"

# --- public bad samples: exit 1 with the exact reason
B="$TD/ewf/bad"
expect 1 "is not an EWF segment file \(no EVF signature\)" -- "$B/derived/ext2-badsig.E01"
expect 1 "is truncated: section 'sectors' at offset 1871" -- "$B/derived/ext2-truncated-6000.E01"
expect 1 "FAIL: chunk: chunk 9 \(sectors 576-639\)" -- "$B/derived/image-split-bitflip.E01"
expect 1 "FAIL: MD5 vs E01: computed cee0f6f174f10091b23cc03976f6dac9" -- \
    "$B/derived/image-split-bitflip.E01"
expect 1 "segment 2 \('plaso-image-split.E02'\) is missing: .* ends with a 'next' section" -- \
    "$B/derived/missing-segment/plaso-image-split.E01"
expect 1 "sleuthkit-bogus.E01' is empty \(0 bytes\)" -- "$B/upstream/sleuthkit-bogus.E01"

# --- our own sets made with ewfacquire (hostile header values)
cd "$W" || exit 2
head -c 2300000 /dev/urandom >src.bin
head -c 1000000 /dev/zero >>src.bin
truncate -s 3145728 src.bin
esc=$(printf '\033[31mred')
ewfacquire -u -t "$W/img" -c fast -S 1048576 -d sha1 -C 'C-<b>1</b>' \
    -e '<script>alert(1)</script>' -D "desc & \"quotes\" $esc" -N "notes'" src.bin \
    >/dev/null 2>&1 || { bad "ewfacquire failed"; exit 1; }
[ -f img.E03 ] || { bad "expected a 3-segment set"; ls -l; }
md5=$(md5sum <src.bin | cut -d' ' -f1)
sha1=$(sha1sum <src.bin | cut -d' ' -f1)
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
expect 0 "PASS MD5 vs E01: $md5" -- img.E01
expect 0 "PASS SHA1 vs E01: $sha1" -- img.E01
expect 0 "SHA256 vs E01: not stored \(computed $sha256\)" -- img.E01
expect 0 "3 segment files, numbered 1-3" -- img.E01
expect 0 "PASS MD5" -- --threads 1 img.E01
# naming the second segment finds the whole set
expect 0 "3 segment files" -- img.E02
# terminal safety: the ESC byte of the description is shown escaped
"$V" img.E01 >out.txt
grep -q $'\033' out.txt && bad "an escape byte reached the text report"
grep -qF 'desc & "quotes" \x1b[31mred' out.txt || bad "description not shown escaped"
# JSON: valid, verdict pass, header values intact
"$V" --json img.E01 >out.json || bad "--json exit status"
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["verdict"]=="pass", d["verdict"]
vals=[f["value"] for f in d["facts"]]
assert "<script>alert(1)</script>" in vals, vals
assert any(c["check"]=="MD5 vs E01" and c["status"]=="pass" for c in d["checks"])
' out.json || bad "JSON report"
# HTML: escaped, self-contained, refuses to overwrite
"$V" --html report.html img.E01 >/dev/null || bad "--html exit status"
grep -q '<script>' report.html && bad "unescaped <script> in the HTML report"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' report.html || bad "examiner not escaped in HTML"
grep -qF 'C-&lt;b&gt;1&lt;/b&gt;' report.html || bad "case number not escaped in HTML"
grep -qiE '(src|href)=' report.html && bad "HTML report refers to outside resources"
"$V" --html report.html img.E01 >/dev/null 2>&1
[ $? -eq 2 ] || bad "--html over an existing file must exit 2"

# --- broken copies of the set
fresh() { rm -rf "$W/s" && mkdir "$W/s" && cp "$W"/img.E0? "$W/s/" && cd "$W/s" || exit 2; }
fresh; rm img.E03
expect 1 "segment 3 \('img.E03'\) is missing: 'img.E02' ends with a 'next' section" -- img.E01
fresh; truncate -s 500000 img.E02
expect 1 "'img.E02' is truncated: section 'sectors' at offset 1141" -- img.E01
fresh; truncate -s -1 img.E03
expect 1 "'img.E03' is truncated" -- img.E01
fresh; mv img.E02 x && mv img.E03 img.E02 && mv x img.E03
expect 1 "'img.E03' holds segment 2, which belongs in 'img.E02'" -- img.E01
fresh; mv img.E02 img.E07
expect 1 "'img.E07' holds segment 2, which belongs in 'img.E02'" -- img.E01
fresh; cp img.E03 img.E04
expect 1 "extra segment 'img.E04'" -- img.E01
# files beside the set in the other letter case are not segments (img.err, a
# notes file); a copy in the set's own case is
fresh; echo "notes" >img.err && cp img.E03 img.Err
expect 0 "" -- img.E01
fresh; cp img.E03 img.EAA
expect 1 "extra segment 'img.EAA'" -- img.E01
fresh; : >img.E02
expect 1 "'img.E02' is empty \(0 bytes\)" -- img.E01
fresh; echo "short" >img.E02
expect 1 "'img.E02' is too short for an EWF segment" -- img.E01
fresh; head -c 4096 /dev/urandom >img.E02
expect 1 "'img.E02' is not an EWF segment file \(no EVF signature\)" -- img.E01
# a flipped byte inside chunk data of the second segment: sector range named
fresh; printf '\x55' | dd of=img.E02 bs=1 seek=300000 conv=notrunc 2>/dev/null
expect 1 "FAIL: chunk: chunk [0-9]+ \(sectors [0-9]+-[0-9]+\)" -- img.E01
# 0-byte and non-EWF files named on the command line
: >"$W/empty.E01"
expect 1 "empty.E01' is empty \(0 bytes\)" -- "$W/empty.E01"
# nonexistent: could not run
expect 2 "cannot open" -- "$W/nonexistent.E01"
expect 2 "" -- --threads 0 img.E01

# --- randomized: 50 single-byte changes, each at a new random position, 50 detections,
# in a set written by our own custody-acquire when it is built (else ewfacquire's)
cd "$W" || exit 2
if [ -x "$CUSTODY_BIN/custody-acquire" ]; then
    mkdir ours
    "$CUSTODY_BIN/custody-acquire" src.bin --output "$W/ours/img" --segment-size 1M -q ||
        bad "custody-acquire failed"
    expect 0 "PASS SHA256 vs manifest: $sha256" -- ours/img.E01
    [ -f ours/img.E03 ] || bad "custody-acquire: expected 3 segments"
    rm -f img.E0?
    cp ours/img.E0? .
    echo "randomized test on custody-acquire's E01 set"
fi
fresh
python3 - "$V" <<'PY' || bad "randomized byte flips"
import os, random, subprocess, sys
files = ["img.E01", "img.E02", "img.E03"]
sizes = [os.path.getsize(f) for f in files]
positions = random.sample(range(sum(sizes)), 50)  # 50 distinct positions
detected = 0
for pos in positions:
    i = 0
    while pos >= sizes[i]:
        pos -= sizes[i]
        i += 1
    with open(files[i], "r+b") as f:
        f.seek(pos)
        orig = f.read(1)[0]
        f.seek(pos)
        f.write(bytes([orig ^ random.randrange(1, 256)]))
    r = subprocess.run([sys.argv[1], "--quiet", "img.E01"], capture_output=True, text=True)
    if r.returncode == 1 and any(l.startswith("FAIL") for l in r.stdout.splitlines()):
        detected += 1
    else:
        print(f"byte change at {files[i]} offset {pos} not detected (exit {r.returncode})")
        print(r.stdout, r.stderr)
    with open(files[i], "r+b") as f:  # restore
        f.seek(pos)
        f.write(bytes([orig]))
print(f"randomized: {detected} of 50 byte changes detected")
sys.exit(0 if detected == 50 else 1)
PY
# restored: the set verifies again
expect 0 "PASS MD5 vs E01" -- img.E01

# --- empty space: byte-identical compressed chunks of zeros are inflated once and
# then recognised by their stored bytes; a changed byte in a later one (its stored
# bytes no longer those remembered) is still inflated, checked and reported
if [ -x "$CUSTODY_BIN/custody-acquire" ]; then
    cd "$W" || exit 2
    mkdir zeros
    head -c 65536 /dev/urandom >zeros/src.bin
    head -c $((64 * 32768)) /dev/zero >>zeros/src.bin
    "$CUSTODY_BIN/custody-acquire" zeros/src.bin --output "$W/zeros/img" -q ||
        bad "custody-acquire of the zeros failed"
    expect 0 "PASS MD5 vs E01" -- zeros/img.E01
    chmod u+w zeros/img.E01
    python3 - zeros/img.E01 <<'PY' || bad "could not find the zero chunks"
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
start = 2 * (32768 + 4)  # after the two stored random chunks (and the headers)
for p in range(start, len(data)):
    for n in range(16, 600):
        if data[p:p + n] == data[p + n:p + 2 * n] == data[p + 2 * n:p + 3 * n]:
            break
    else:
        continue
    break
else:
    sys.exit(1)
at = p + 40 * n + n // 2  # inside zero chunk 40, media chunk 42
data[at] ^= 0x5a
open(path, "wb").write(data)
PY
    expect 1 "FAIL: chunk: chunk 42 \(sectors 2688-2751\)" -- zeros/img.E01
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
