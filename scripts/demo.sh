#!/usr/bin/env bash
# Install, build and run the demo case in ./demo-case/ (or $DEMO_DIR): a generated
# server disk goes through the whole of custody:
#   keys -> case -> acquire (signed E01) -> verify (four eyes) -> timeline (file
#   systems and logs) -> query, pivot, plot -> clearance -> decommission -> report.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
echo "== building custody"
bash "$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
export PATH="$root/build/bin:$PATH"
demo=${DEMO_DIR:-$PWD/demo-case}
if [ -e "$demo" ]; then
  echo "demo: '$demo' exists; remove it or set DEMO_DIR" >&2
  exit 2
fi
mkdir -p "$demo"
cd "$demo"
export CUSTODY_CASE_DB=$demo/case.db
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "a server disk to preserve: MBR + ext4 with /etc, /var/log, bash histories, a deleted dropper"
bash "$root/scripts/make-server-disk.sh" web01-sda.img
sha256sum web01-sda.img

step "examiner and verifier keys (Ed25519, minisign format; passphrases from files for the demo)"
printf 'ann demo passphrase\n' > ann.pass
printf 'rita demo passphrase\n' > rita.pass
run custody-casedb keygen --out ann --passphrase-file ann.pass
run custody-casedb keygen --out rita --passphrase-file rita.pass

step "the case"
run custody-casedb init case.db --case-number DEMO-001 --title "Demo telecom breach" \
    --organisation "Demo regulator"
run custody-casedb examiner add --name "Ann Examiner" --role examiner --pub ann.pub
run custody-casedb examiner add --name "Rita Verifier" --role verifier --pub rita.pub
run custody-casedb asset add web01 --location "DC1 rack 4" --owner ops --asset-tag T-0042

step "acquire: E01 with MD5/SHA-1/SHA-256 in one pass, signed manifest, recorded in the case"
run custody-acquire web01-sda.img --output web01-sda --case-db case.db --asset web01 \
    --evidence sda --examiner "Ann Examiner" --description "web01 system disk" \
    --key ann.key --passphrase-file ann.pass
ls -l web01-sda.*

step "independent checks with stock tools"
if command -v ewfverify >/dev/null; then run ewfverify -q web01-sda.E01 | tail -1; fi
run minisign -V -p ann.pub -m web01-sda.manifest
grep '^SHA256 (' web01-sda.manifest | sha256sum -c --ignore-missing

step "verify the image against its signed manifest, trusting only Ann's public key"
run custody-verify web01-sda.E01 --trusted-keys ann.pub

step "timeline: every file-system event and server log line into the case database"
run custody-timeline build --case-db case.db --evidence web01/sda web01-sda.E01

step "query the intrusion window"
run custody-timeline query --case-db case.db --from 2026-03-14T02:00:00Z --to 2026-03-14T02:30:00Z \
    --format table
step "where did 203.0.113.7 go?"
run custody-timeline pivot --case-db case.db --ip 203.0.113.7
run custody-timeline plot --case-db case.db --bucket minute --by source --from 2026-03-14T02:00:00Z \
    --to 2026-03-14T02:30:00Z --svg activity.svg

step "clearance: a second person verifies everything before the server may go"
run custody-verify clearance --case-db case.db --asset web01 --key rita.key \
    --passphrase-file rita.pass --trusted-keys ann.pub --trusted-keys rita.pub
run custody-casedb asset decommission web01 --key rita.key --passphrase-file rita.pass

step "the case: status, custody log, report, CASE/UCO export"
run custody-casedb status || true
run custody-casedb custody log
run custody-casedb report --html report.html
run custody-casedb export --format case --out case.jsonld
printf '\ndemo case in %s: report.html, activity.svg, case.jsonld, web01-sda.E01\n' "$demo"
