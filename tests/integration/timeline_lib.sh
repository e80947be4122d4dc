# Helpers for the custody-timeline integration tests (sourced after lib.sh).

# tsk_reference IMAGE...: what fls prints for every file system of the image, with
# the prefixes custody-timeline documents: '/' for a file system without a
# partition table, '/p<row>/' per mmls row, '/p<row>/p<row>/' inside a BSD label,
# '/v<n>/' per APFS volume.
tsk_reference() {
  local rows slot start desc bsd s2 st2 i blk
  if rows=$(mmls "$@" 2>/dev/null); then
    while read -r slot start desc; do
      if [[ "$desc" == *BSD* ]] && bsd=$(mmls -t bsd -o "$start" "$@" 2>/dev/null); then
        while read -r s2 st2; do
          fls -o "$st2" -r -m "/p$slot/p$s2/" "$@" 2>/dev/null || true
        done < <(echo "$bsd" | awk '$2 != "Meta" && $2 != "-------" && $1 ~ /^[0-9]+:$/ {print $1 + 0, $3 + 0}')
        continue
      fi
      fls -o "$start" -r -m "/p$slot/" "$@" 2>/dev/null || true
    done < <(echo "$rows" | awk '$2 != "Meta" && $2 != "-------" && $1 ~ /^[0-9]+:$/ {print $1 + 0, $3 + 0, $0}')
    return 0
  fi
  fls -r -m / "$@" 2>/dev/null && return 0
  i=0
  for blk in $(pstat "$@" 2>/dev/null | sed -n 's/.*APSB Block Number: \([0-9]*\).*/\1/p'); do
    fls -P apfs -B "$blk" -r -m "/v$i/" "$@" 2>/dev/null || true
    i=$((i + 1))
  done
  return 0
}

# body_parity DB EVIDENCE IMAGE...: the set of body lines we export equals fls's.
# Lines matching the regex $PARITY_EXCLUDE (documented differences) are left out.
body_parity() {
  local db=$1 ev=$2 ex=${PARITY_EXCLUDE:-^\$}
  shift 2
  tsk_reference "$@" | grep -Ev -- "$ex" | sort -u >"$WORK/ref.body"
  custody-timeline export --case-db "$db" --evidence "$ev" --format body | grep -Ev -- "$ex" |
    sort -u >"$WORK/ours.body"
  [ -s "$WORK/ref.body" ] || fail "fls printed nothing for $*"
  if ! diff "$WORK/ref.body" "$WORK/ours.body" >"$WORK/body.diff"; then
    head -30 "$WORK/body.diff" >&2
    fail "body lines of $ev differ from fls (< fls, > ours)"
  fi
}
