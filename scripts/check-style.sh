#!/usr/bin/env bash
# CI style gate: clang-format clean, and none of the functions STYLE.md bans.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ ${#files[@]} -eq 0 ] && exit 0
clang-format --dry-run --Werror "${files[@]}"
if grep -nE '\b(gets|strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atof)[[:space:]]*\(' "${files[@]}"; then
  echo "check-style: banned function used (see ../shared/STYLE.md)" >&2
  exit 1
fi
echo "check-style: ${#files[@]} files clean"
