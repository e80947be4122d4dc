#!/usr/bin/env bash
# Install, build and run the demo case in ./demo-case/: a generated server disk,
# a fresh case database, and every stage of custody that exists so far.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
bash "$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
bin=$root/build/bin
demo=${DEMO_DIR:-$PWD/demo-case}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
export CUSTODY_CASE_DB=$demo/case.db

echo "== generating a server disk image (ext4 with /etc, /var/log, /home)"
bash "$root/scripts/make-server-disk.sh" "$demo/web01-sda.img" >/dev/null

echo "== creating the case"
"$bin/custody-casedb" init case.db --case-number DEMO-001 --title "Demo breach" \
    --organisation "Demo regulator"
"$bin/custody-casedb" asset add web01 --location "DC1 rack 4" --owner "ops"
"$bin/custody-casedb" evidence add --asset web01 --evidence sda \
    --size "$(stat -c %s web01-sda.img)" --sector-size 512

echo "== case status"
"$bin/custody-casedb" status || true
