#!/usr/bin/env bash
# `cmake --install` puts every custody tool and its man page in place, and
# `man TOOL` renders it.
. "$(dirname "$0")/lib.sh"
need_cmd cmake man
[ -n "${CUSTODY_BUILD:-}" ] || skip "CUSTODY_BUILD not set"
cmake --install "$CUSTODY_BUILD" --prefix "$WORK/prefix" >install.log 2>&1 || { cat install.log; fail "install failed"; }
found=0
for tool in "$CUSTODY_BIN"/custody-*; do
  name=$(basename "$tool")
  found=$((found + 1))
  [ -x "$WORK/prefix/bin/$name" ] || fail "$name not installed"
  page=$WORK/prefix/share/man/man1/$name.1
  [ -f "$page" ] || fail "no man page for $name"
  MANWIDTH=80 man -l "$page" >man.txt 2>man.err || { cat man.err; fail "man $name failed"; }
  assert_contains man.txt "NAME"
  assert_contains man.txt "$name"
  MANPATH="$WORK/prefix/share/man" man -w "$name" >/dev/null || fail "man cannot find $name"
  "$WORK/prefix/bin/$name" --version >ver.txt || fail "$name --version failed"
  assert_contains ver.txt "libewf"
done
[ "$found" -ge 1 ] || fail "no custody tools were built"
echo "installed and documented: $found tools"
