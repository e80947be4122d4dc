#!/usr/bin/env bash
# Install every Debian 12 package custody needs to build, test and benchmark.
# Idempotent: installs only what is missing. Not root: prints the command, exits 2.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang clang-format
  libewf-dev ewf-tools libtsk-dev sleuthkit libgcrypt20-dev libsqlite3-dev sqlite3
  zlib1g-dev libisal-dev libdeflate-dev libbz2-dev liblzma-dev
  e2fsprogs dosfstools mtools fdisk util-linux minisign
  xz-utils unzip bzip2 gzip python3 python3-rdflib libclang-rt-14-dev chromium
  dc3dd hyperfine time
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages; as root run:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 2
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd >/dev/null
