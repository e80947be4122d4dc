#!/usr/bin/env bash
# The HTML case report of a merged case: self-contained, every value escaped (hostile
# host names, models and custody details with <script> and "onerror=), every server
# and acquisition shown. When Chromium is installed the page is rendered headless and
# the rendered DOM must show every server and contain no injected element; without
# Chromium that part is skipped (exit 77 after the static checks have passed).
. "$(dirname "$0")/interop-lib.sh"

cd "$WORK"
lab lab.db "Breach <i>at</i> ACME"
station st1.db lab.db "Alice Examiner"
station st2.db lab.db "Bob Examiner"
a1=$(station_acquire st1.db web1 sda "Alice Examiner")
station_acquire st1.db db1 sda "Alice Examiner" >/dev/null
station_acquire st2.db '<script>document.title="pwned"</script>' sda "Bob Examiner" >/dev/null
station_acquire st2.db 'x" onerror="alert(1)' sdb "Bob Examiner" bad >/dev/null
examiner st2.db "<img src=x onerror=alert(2)>"
custody_append st2.db released 'x" onerror="alert(1)' sdb "<img src=x onerror=alert(2)>" \
    '<script>alert(3)</script>'
q st2.db "UPDATE evidence SET model = '\"><img src=x onerror=alert(4)>' WHERE label = 'sdb'"
q st1.db "INSERT INTO verifications (acquisition_id, kind, verifier_key_id, started_at, ended_at,
    verdict) SELECT id, 'image', '0011223344556677', 5, 6, 'pass' FROM acquisitions
    WHERE uuid = '$a1'"
q st1.db "INSERT INTO checkpoints (chain, entries, head_hash, key_id, created_at, statement,
    signature) VALUES ((SELECT station_uuid FROM cases), 1, 'abcd', '0011223344556677', 7,
    'statement', 'sig')"
merge lab.db st1.db -q
merge lab.db st2.db -q

"$CASEDB" report --case-db lab.db --html report.html -q || fail "report failed"
set +e
"$CASEDB" report --case-db lab.db --html report.html 2>over.txt
rc=$?
set -e
[ $rc = 2 ] || fail "report overwrote an existing file (exit $rc)"

# Static checks: self-contained, escaped, complete.
grep -qi '<script' report.html && fail "a <script> reached the report unescaped"
grep -q 'onerror="alert' report.html && fail "an attribute injection reached the report"
grep -q '<img' report.html && fail "an <img> reached the report"
grep -qE '<[a-zA-Z]+[^>]*[[:space:]](src|href)=' report.html && fail "the report refers to something outside itself"
grep -q "Content-Security-Policy" report.html || fail "no Content-Security-Policy"
grep -q '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;' report.html ||
    fail "hostile host name not shown escaped"
for host in web1 db1; do
    grep -q "<td>$host</td>" report.html || fail "server $host missing"
done
for u in $(q lab.db "SELECT uuid FROM acquisitions"); do
    grep -q "$u" report.html || fail "acquisition $u missing"
done
for h in $(q lab.db "SELECT sha256 FROM acquisitions"); do
    grep -q "$h" report.html || fail "sha256 $h missing"
done
grep -q '100+8' report.html || fail "unreadable sectors missing"
for k in $(q lab.db "SELECT key_id FROM examiners"); do
    grep -q "$k" report.html || fail "examiner key $k missing"
done
grep -q 'id="examiners"' report.html && grep -q 'id="custody"' report.html && grep -q 'id="verifications"' report.html &&
    grep -q 'id="checkpoints"' report.html && grep -q 'id="timeline"' report.html &&
    grep -q 'id="merges"' report.html || fail "a report section is missing"
[ "$(grep -c 'class="server"' report.html)" = 4 ] || fail "not 4 server rows"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: static checks passed; chromium not installed, rendering not checked" >&2
    exit 77
fi
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" \
    --dump-dom "file://$WORK/report.html" >dom.html 2>chrome.log ||
    fail "chromium could not render the report: $(tail -5 chrome.log)"
/usr/bin/python3 - dom.html "$(q lab.db "SELECT hostname FROM assets")" <<'EOF'
import sys
from html.parser import HTMLParser
path, hosts = sys.argv[1], sys.argv[2].split("\n")

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.cells, self.in_server, self.title = [], [], 0, ""
        self.stack = []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)
        if tag == "tr" and dict(attrs).get("class") == "server":
            self.in_server = 1
            self.cells.append([])
    def handle_endtag(self, tag):
        if tag == "tr":
            self.in_server = 0
        if self.stack:
            self.stack.pop()
    def handle_data(self, d):
        if self.in_server:
            self.cells[-1].append(d)
        if self.stack and self.stack[-1] == "title":
            self.title += d

p = P()
p.feed(open(path, encoding="utf-8").read())
errors = []
for tag, attrs in p.tags:
    if tag in ("script", "img", "iframe", "object"):
        errors.append(f"rendered DOM has a <{tag}>")
    for a in attrs:
        if a.startswith("on"):
            errors.append(f"rendered DOM has an {a} attribute on <{tag}>")
shown = ["".join(c) for c in p.cells]
for h in hosts:
    if not any(row.startswith(h) for row in shown):
        errors.append(f"server {h!r} not shown; rows: {shown}")
if "pwned" == p.title:
    errors.append("title changed by a script")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"chromium: {len(shown)} servers rendered")
EOF
echo "PASS: report"
