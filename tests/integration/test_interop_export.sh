#!/usr/bin/env bash
# CASE/UCO JSON-LD and DFXML exports of a merged case (two stations, four
# acquisitions), parsed by independent tools: Debian's python3-rdflib for the JSON-LD
# (properties, ids, no blank nodes, counts round-tripped against the database) and
# python3's xml.etree for the DFXML (no DFXML schema is packaged in Debian 12, so the
# DFXML is checked structurally, not validated against dfxml.xsd). Hostile values
# (markup, quotes, control bytes, invalid UTF-8) must not break either document.
. "$(dirname "$0")/interop-lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import rdflib' 2>/dev/null; then
    echo "SKIP: python3-rdflib missing (scripts/deps.sh installs it)" >&2
    exit 77
fi

cd "$WORK"
lab lab.db "Breach <b>at</b> ACME"
station st1.db lab.db "Alice Examiner"
station st2.db lab.db "Bob \"Tables\" Examiner"
station_acquire st1.db web1 sda "Alice Examiner" >/dev/null
station_acquire st1.db db1 sda "Alice Examiner" >/dev/null
station_acquire st2.db mail1 sda "Bob \"Tables\" Examiner" >/dev/null
hostile=$(station_acquire st2.db '<script>alert(1)</script>' nvme0n1 "Bob \"Tables\" Examiner" bad \
    --description $'</description><evil/>\x01]]>\xffA' --notes 'x" onerror="alert(1)')
custody_append st2.db released '<script>alert(1)</script>' nvme0n1 "Bob \"Tables\" Examiner" "to courier"
examiner st2.db "Carol"
custody_append st2.db received '<script>alert(1)</script>' nvme0n1 "Carol" "from courier"
custody_append st2.db cleared '<script>alert(1)</script>' nvme0n1 "Carol" "four eyes"
# Hostile values as an E01 header might carry them (description and notes above, through
# custody-acquire): markup, a quote that would close an attribute, a CDATA end, control
# bytes, invalid UTF-8, a bidi override. The recorded command line and library versions
# are rewritten too, as a station database could hold them.
q st2.db "UPDATE acquisitions SET
    command_line = 'custody-acquire --notes \"<a href=x>\" ' || char(27) || '[31m' || char(8238),
    library_versions = '{\"libewf\": \"2014<0813\", \"evil\\\"key\": \"v&1\"}'
    WHERE uuid = '$hostile'"
q st2.db "UPDATE evidence SET model = '\"onerror=alert(1) x=\"', vendor = '<img src=x>'
    WHERE label = 'nvme0n1'"
q st2.db "INSERT INTO verifications (acquisition_id, kind, verifier_key_id, started_at, ended_at,
    verdict) SELECT id, 'image', '0011223344556677', 5, 6, 'pass' FROM acquisitions
    WHERE uuid = '$hostile'"
merge lab.db st1.db -q
merge lab.db st2.db -q

"$CASEDB" export --case-db lab.db --format case --out case.jsonld --json >export.json ||
    fail "CASE export failed"
# Refuses to overwrite.
set +e
"$CASEDB" export --case-db lab.db --format case --out case.jsonld 2>over.txt
rc=$?
set -e
[ $rc = 2 ] || fail "export overwrote an existing file (exit $rc)"

sqlite3 -json lab.db "SELECT uuid, md5, sha1, sha256, media_size FROM acquisitions" >acq.json
sqlite3 -json lab.db "SELECT name, size, sha256 FROM acquisition_files" >files.json
counts=$(q lab.db "SELECT (SELECT count(*) FROM acquisitions), (SELECT count(*) FROM verifications),
    (SELECT count(*) FROM custody_events), (SELECT count(*) FROM evidence),
    (SELECT count(*) FROM assets), (SELECT count(*) FROM acquisition_files)")
$PY - case.jsonld acq.json files.json "$counts" "$(q lab.db 'SELECT uuid FROM cases')" <<'EOF'
import json, re, sys, uuid
import rdflib
from rdflib import BNode, Literal, URIRef, Namespace, RDF

path, acq_path, files_path, counts, case_uuid = sys.argv[1:6]
n_acq, n_ver, n_cust, n_ev, n_assets, n_files = (int(x) for x in counts.split("|"))
rdflib.NORMALIZE_LITERALS = False  # keep the lexical form: CASE wants upper-case hex
g = rdflib.Graph()
g.parse(path, format="json-ld")
INV = Namespace("https://ontology.caseontology.org/case/investigation/")
CORE = Namespace("https://ontology.unifiedcyberontology.org/uco/core/")
ACT = Namespace("https://ontology.unifiedcyberontology.org/uco/action/")
OBS = Namespace("https://ontology.unifiedcyberontology.org/uco/observable/")
TYP = Namespace("https://ontology.unifiedcyberontology.org/uco/types/")
IDN = Namespace("https://ontology.unifiedcyberontology.org/uco/identity/")
TOOL = Namespace("https://ontology.unifiedcyberontology.org/uco/tool/")
errors = []

def check(cond, msg):
    if not cond:
        errors.append(msg)

uuid_re = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
for s, p, o in g:
    check(not isinstance(s, BNode) and not isinstance(o, BNode), f"blank node in {s} {p} {o}")
subjects = set(s for s in g.subjects() if isinstance(s, URIRef))
for s in subjects:
    check(uuid_re.search(str(s)) is not None, f"@id {s} does not end in a uuid")
# @id unique: in the JSON text, each node object is written once.
doc = json.load(open(path))
ids = [n["@id"] for n in doc["@graph"]]
def walk(v):
    if isinstance(v, dict):
        if "@type" in v and "@id" in v and v is not None:
            yield v["@id"]
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
all_nodes = list(walk(doc["@graph"]))
dups = set(i for i in all_nodes if all_nodes.count(i) > 1)
check(not dups, f"duplicate @id: {sorted(dups)[:5]}")

def of_type(t):
    return set(g.subjects(RDF.type, t))

inv = of_type(INV.Investigation)
check(len(inv) == 1, f"{len(inv)} investigations")
check(any(str(x).endswith(case_uuid) for x in inv), "investigation id is not the case uuid")
actions = of_type(INV.InvestigativeAction)
check(len(actions) == n_acq + n_ver + n_cust,
      f"{len(actions)} actions, database has {n_acq}+{n_ver}+{n_cust}")
names = [str(g.value(a, CORE.name)) for a in actions]
check(names.count("acquisition") == n_acq, "acquisition actions != acquisitions")
check(names.count("verification") == n_ver, "verification actions != verifications")
check("transfer" in names and "clearance" in names, f"no transfer/clearance actions: {set(names)}")
for a in actions:
    check(g.value(a, ACT.instrument) is not None, f"action {a} without instrument")
    check(g.value(a, ACT.startTime) is not None, f"action {a} without start time")
    check(g.value(a, ACT.performer) is not None, f"action {a} without performer")
    check(g.value(a, ACT.result) is not None, f"action {a} without result")
    check(g.value(a, ACT.endTime) is not None, f"action {a} without end time")
    for p in (ACT.performer,):
        who = g.value(a, p)
        check((who, RDF.type, IDN.Identity) in g, f"performer {who} is not an Identity")
    tool = g.value(a, ACT.instrument)
    check((tool, RDF.type, TOOL.Tool) in g, f"instrument {tool} is not a Tool")
    check(g.value(tool, TOOL.version) is not None or True, "")
VOCAB = {"Complete/Finish", "Error", "Fail", "Ongoing", "Pending", "Success", "Unknown"}
for a in actions:
    st = g.value(a, ACT.actionStatus)
    check(st is None or str(st) in VOCAB, f"action status {st} not in ActionStatusTypeVocab")
for a in actions:
    if str(g.value(a, CORE.name)) == "acquisition":
        check(g.value(a, ACT.endTime) is not None, f"acquisition {a} without end time")
        check(g.value(a, ACT.location) is not None, f"acquisition {a} without location")
        check(len(list(g.objects(a, ACT.object))) == 1, f"acquisition {a} has no input device")
        check(len(list(g.objects(a, ACT.result))) >= 3, f"acquisition {a} has too few results")
tools = of_type(TOOL.Tool)
check(any(str(g.value(t, CORE.name)) == "custody-acquire" and str(g.value(t, TOOL.version)) == "0.1.0"
          for t in tools), "custody-acquire 0.1.0 not a Tool")
idents = [str(g.value(i, CORE.name)) for i in of_type(IDN.Identity)]
check('Bob "Tables" Examiner' in idents and "Alice Examiner" in idents, f"identities {idents}")
observables = of_type(OBS.ObservableObject)
check(len(observables) == n_assets + n_ev + n_acq + n_files,
      f"{len(observables)} observables, expected {n_assets}+{n_ev}+{n_acq}+{n_files}")
prov = of_type(INV.ProvenanceRecord)
check(len(prov) == n_acq, f"{len(prov)} provenance records for {n_acq} acquisitions")
for p in prov:
    check(g.value(p, INV.exhibitNumber) is not None, "provenance record without exhibit number")

# Every acquisition's three hashes, upper case, on its image; every file's SHA256.
def hashes_of(obj):
    out = {}
    for facet in g.objects(obj, CORE.hasFacet):
        for h in g.objects(facet, OBS.hash):
            out[str(g.value(h, TYP.hashMethod))] = str(g.value(h, TYP.hashValue))
    return out

def size_of(obj):
    for facet in g.objects(obj, CORE.hasFacet):
        v = g.value(facet, OBS.sizeInBytes)
        if v is not None and (facet, RDF.type, OBS.ContentDataFacet) in g:
            return int(v)
    return None

images = {}
for o in observables:
    images[str(o)] = o
acqs = json.load(open(acq_path))
check(len(acqs) == 4, f"{len(acqs)} acquisitions in the database, expected 4")
for row in acqs:
    want = "urn:custody:kb:image-" + str(uuid.uuid5(uuid.UUID(case_uuid), "image/" + row["uuid"]))
    img = [o for k, o in images.items() if k == want]
    check(len(img) == 1, f"acquisition {row['uuid']}: {len(img)} image observables")
    if not img:
        continue
    h = hashes_of(img[0])
    for algo, col in (("MD5", "md5"), ("SHA1", "sha1"), ("SHA256", "sha256")):
        check(h.get(algo) == row[col].upper(), f"{row['uuid']} {algo}: {h.get(algo)} != {row[col]}")
        check(h.get(algo, "").upper() == h.get(algo, ""), f"{algo} not upper case")
    check(size_of(img[0]) == row["media_size"], f"{row['uuid']} size {size_of(img[0])}")
files = json.load(open(files_path))
found = 0
for o in observables:
    for facet in g.objects(o, CORE.hasFacet):
        if (facet, RDF.type, OBS.FileFacet) in g:
            name = str(g.value(facet, OBS.fileName))
            row = [f for f in files if f["name"] == name]
            check(len(row) == 1, f"file {name} not in the database")
            if row:
                check(hashes_of(o).get("SHA256") == row[0]["sha256"].upper(), f"file {name} hash")
                found += 1
check(found == n_files, f"{found} image files exported, {n_files} in the database")
# Hostile strings survive as literals, byte for byte where valid UTF-8.
check(any("<script>alert(1)</script>" in str(o) for o in g.objects(None, CORE.name)),
      "hostile host name lost")
if errors:
    print("\n".join(errors[:30]))
    sys.exit(1)
print(f"rdflib: {len(g)} triples, {len(actions)} actions, {len(observables)} observables")
EOF

# Same case, same ids: the export is deterministic.
"$CASEDB" export --case-db lab.db --format case --out case2.jsonld -q
cmp -s case.jsonld case2.jsonld || fail "two CASE exports of the same case differ"

# ---- DFXML ----
"$CASEDB" export --case-db lab.db --format dfxml --acquisition "$hostile" --out acq.xml -q ||
    fail "DFXML export failed"
id=$(q lab.db "SELECT id FROM acquisitions WHERE uuid = '$hostile'")
"$CASEDB" export --case-db lab.db --format dfxml --acquisition "$id" --out acq-by-id.xml -q
set +e
"$CASEDB" export --case-db lab.db --format dfxml --acquisition nope --out nope.xml 2>nope.txt
rc=$?
set -e
[ $rc = 2 ] && grep -q "no acquisition 'nope'" nope.txt || fail "unknown acquisition: exit $rc"
[ ! -e nope.xml ] || fail "output written for an unknown acquisition"
row=$(q lab.db "SELECT md5, sha1, sha256, media_size FROM acquisitions WHERE uuid = '$hostile'")
$PY - acq.xml "$row" <<'EOF'
import sys
import xml.etree.ElementTree as ET
path, row = sys.argv[1:3]
md5, sha1, sha256, size = row.split("|")
NS = "{http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML}"
C = "{urn:custody:dfxml:1}"
root = ET.parse(path).getroot()
errors = []
def check(c, m):
    if not c:
        errors.append(m)
check(root.tag == NS + "dfxml", f"root {root.tag}")
check(root.get("version") == "1.2.0", "version")
cr = root.find(NS + "creator")
check(cr is not None, "no creator")
check(cr.findtext(NS + "program") == "custody-acquire", f"program {cr.findtext(NS + 'program')}")
check(cr.findtext(NS + "version") == "0.1.0", "version")
cl = cr.findtext(f"{NS}execution_environment/{NS}command_line")
check(cl is not None and '"<a href=x>"' in cl, f"command line {cl!r}")
check("\x1b" not in cl and "\u202e" not in cl, "control characters reached the XML")
libs = {l.get("name"): l.get("version") for l in cr.findall(NS + "library")}
check(libs.get("libewf") == "2014<0813", f"libraries {libs}")
check(libs.get('evil"key') == "v&1", f"libraries {libs}")
src = root.find(NS + "source")
check(src.findtext(NS + "sectorsize") == "512", "sector size")
check(src.findtext(NS + "image_size") == size, "image size")
check(src.findtext(NS + "device_model") == '"onerror=alert(1) x="', "device model")
check(src.findtext(NS + "image_filename", "").endswith(".raw"), "image file name")
check(src.findtext(C + "device_vendor") == "<img src=x>", "vendor")
d = root.find(NS + "diskimageobject")
hd = {h.get("type"): h.text for h in d.findall(NS + "hashdigest")}
check(hd == {"md5": md5, "sha1": sha1, "sha256": sha256}, f"hashdigests {hd}")
runs = d.findall(f"{NS}byte_runs/{NS}byte_run")
check(len(runs) == 1 and runs[0].get("img_offset") == str(100 * 512) and runs[0].get("len") == str(8 * 512),
      f"read-error byte runs {[r.attrib for r in runs]}")
md = root.find(NS + "metadata")
desc = md.findtext("{http://purl.org/dc/elements/1.1/}description")
check(desc is not None and desc.startswith("</description><evil/>") and "]]>" in desc, f"description {desc!r}")
check(root.find(f".//{NS}evil") is None and root.find(".//evil") is None, "hostile markup became an element")
fo = root.findall(NS + "fileobject")
check(len(fo) == 1 and fo[0].find(NS + "hashdigest").get("type") == "sha256", "fileobject")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("dfxml: structure ok")
EOF
cmp -s <(grep -v export_command_line acq.xml) <(grep -v export_command_line acq-by-id.xml) ||
    fail "DFXML by id and by uuid differ"
echo "PASS: exports"
