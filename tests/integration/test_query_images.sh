#!/usr/bin/env bash
# custody-timeline query on real images built by custody-timeline build: the body
# lines of `query --format body` equal fls -r -m (the same prefixes as export), and
# `query --format mactime` equals TSK's mactime -b BODY -d -y on that body file
# (documented differences aside); time and path filters agree with fls's times.
. "$(dirname "$0")/lib.sh"
. "$CUSTODY_SRC/tests/integration/timeline_lib.sh"
need_cmd fls mmls mactime debugfs mkfs.ext4 mkfs.vfat mcopy mdel sfdisk python3

T1=1262304000 # 2010-01-01T00:00:00Z
T2=1500000000 # 2017-07-14T02:40:00Z
mkdir -p tree/www/html tree/tmp
echo a >"tree/www/html/index.php"
echo b >"tree/www/html/up[1]*?.php"
echo c >"tree/tmp/a b,\"c\".sh"
echo d >"tree/tmp/bad"$'\xff'"name"
echo e >"tree/tmp/esc"$'\033'"[31mred"
echo f >tree/tmp/gone.txt
for i in $(seq 1 30); do echo "$i" >"tree/www/f$i"; done
make_ext4 ext4.img 16 tree
pin_times ext4.img /www/html/index.php $T1
pin_times ext4.img "/www/html/up[1]*?.php" $T2
debugfs -w -R "rm /tmp/gone.txt" ext4.img >/dev/null 2>&1
mkdir fattree
echo one >"fattree/long name.txt"
echo two >fattree/DELME.TXT
make_fat fat.img 8 fattree
MTOOLS_SKIP_CHECK=1 mdel -i fat.img ::DELME.TXT
make_partitioned disk.img ext4.img fat.img

new_case case.db
export CUSTODY_CASE_DB=$WORK/case.db
expect_status 0 custody-timeline build --evidence srv1/sda --no-logs disk.img

# body: the set of lines equals fls's (per partition, with export's prefixes)
tsk_reference disk.img | sort -u >ref.body
[ -s ref.body ] || fail "fls printed nothing"
expect_status 0 custody-timeline query --evidence srv1/sda --format body
sort -u out >ours.body
diff ref.body ours.body >body.diff || { head -20 body.diff >&2; fail "query body differs from fls"; }

# mactime: equal to mactime -b over the same body file, apart from the documented
# differences (unset times at 0000-00-00; size/mode/owner of same-named lines)
expect_status 0 custody-timeline query --evidence srv1/sda --format body
cp out body.txt
mactime -b body.txt -d -y | grep -v '^0000-00-00T00:00:00Z' | cut -d, -f1,3,7- >mac.ref
expect_status 0 custody-timeline query --evidence srv1/sda --format mactime
cut -d, -f1,3,7- out >mac.ours
diff mac.ref mac.ours >mac.diff || { head -20 mac.diff >&2; fail "query mactime differs from mactime"; }
[ "$(wc -l <mac.ref)" -gt 20 ] || fail "mactime reference too small"

# filters against the pinned times
expect_status 0 custody-timeline query --evidence srv1/sda --from $T2 --to $((T2 + 1)) --count
[ "$(cat out)" = 4 ] || fail "events at T2: $(cat out)"
expect_status 0 custody-timeline query --evidence srv1/sda --from 2017-07-14T04:40:00+02:00 \
  --to 2017-07-14T02:40:01Z --path '*/up\[1\]\*\?.php' --count
[ "$(cat out)" = 4 ] || fail "events of up[1]*?.php at T2: $(cat out)"
expect_status 0 custody-timeline query --evidence srv1/sda --deleted-only --format body
assert_contains out "gone.txt (deleted)"
assert_contains out "_ELME.TXT (deleted)" # FAT overwrites the first letter
expect_status 0 custody-timeline query --evidence srv1/sda --text 'index AND php' --format csv
assert_contains out "/www/html/index.php"
expect_status 0 custody-timeline pivot --path '*/index.php'
assert_contains out "srv1"
# terminal output of hostile names is escaped
expect_status 0 custody-timeline query --evidence srv1/sda --format table --path '*esc*'
grep -q $'\x1b' out && fail "escape sequence reached the table"
assert_contains out 'esc^[31mred' # body-name form: control bytes as '^', as fls
echo ok
