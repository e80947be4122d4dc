#!/usr/bin/env bash
# Configure and build into a build folder: scripts/build.sh [BUILD_DIR] [cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
shift || true
cmake -S "$root" -B "$dir" -DCUSTODY_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j2
