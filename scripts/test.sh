#!/usr/bin/env bash
# Install dependencies, build with -Werror, run every test; then rebuild with
# ASan+UBSan and run every test again. Exit status: 0 when both runs pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh

echo "== format and banned-function checks"
bash scripts/check-style.sh

echo "== build (RelWithDebInfo, -Werror)"
bash scripts/build.sh "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ctest"
(cd "$root/build" && ctest --output-on-failure -j2 --timeout 900)

echo "== build (ASan+UBSan)"
bash scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCUSTODY_SANITIZE=ON
echo "== ctest under ASan+UBSan"
# verify_asan_link_order=0: fault-injection tests LD_PRELOAD their own library
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$root/build-asan" && ctest --output-on-failure -j2 --timeout 1800)

# libFuzzer targets (tests/fuzz): built with clang, each run 10 s on its seed corpus.
if command -v clang >/dev/null 2>&1; then
  echo "== fuzz targets (clang + libFuzzer, 10 s each)"
  CC=clang cmake -S "$root" -B "$root/build-fuzz" -DCUSTODY_FUZZ=ON -DCUSTODY_WERROR=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build-fuzz" -j2 --target fuzzers
  (cd "$root/build-fuzz" && ctest --output-on-failure -L fuzz)
else
  echo "== fuzz targets skipped: clang not installed"
fi
