/* Unit tests for common/manifest.c: round trip, escaping, and the strict parser. */
#include "check.h"
#include "manifest.h"
#include "minisign.h"
#include "utf8.h"

static char *
dup(const char *s)
{
    return strdup(s);
}

static void
fill(struct manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->acquisition_uuid = dup("0b7c2f0e-5d3c-4c55-9c1f-1d2e3f405161");
    m->case_uuid = dup("6a0a3e8f-1111-4222-8333-944455556666");
    m->case_number = dup("CASE-2026-17");
    m->asset = dup("web01.example.org");
    m->evidence = dup("sda");
    /* hostile values: newline injection, backslashes, escape sequences, bidi, bad UTF-8 */
    m->description = dup("line1\nsha256: 0000\\x41 \x1b[31mred\r\t\xe2\x80\xae tail ");
    m->notes = dup("caf\xc3\xa9 \xff\xfe");
    m->examiner = dup("Ann Example");
    m->key_id = dup("0123456789abcdef");
    m->source = dup("-");
    m->source_type = dup("stream");
    m->media_size = 1073741824ull;
    m->sector_size = 512;
    m->physical_sector_size = 4096;
    m->format = dup("e01");
    m->compression = dup("fast");
    m->segment_size = 2147483648ull;
    m->chunk_sectors = 64;
    memcpy(m->md5, "d41d8cd98f00b204e9800998ecf8427e", 33);
    memcpy(m->sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", 41);
    memcpy(m->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 65);
    m->started_at = 1795809600123456789ll;
    m->ended_at = 1795809700000000001ll;
    m->status = dup("incomplete");
    m->resumed = dup("1048576 bytes (32 chunks) kept from the partial image");
    m->chunk_note = dup("the default chunk of 64 sectors raised to 128");
    m->n_read_errors = 2;
    m->read_errors = calloc(2, sizeof(*m->read_errors));
    m->read_errors[0].first_sector = 2048;
    m->read_errors[0].count = 8;
    m->read_errors[1].first_sector = 99999;
    m->read_errors[1].count = 1;
    m->verify_image = dup("pass");
    m->verify_source = dup("skipped");
    m->tool_version = dup("custody-acquire 0.1.0");
    m->library_versions = dup("libewf 20140813; libgcrypt 1.10.1");
    m->command_line = dup("custody-acquire /dev/sdb --output 'x y'");
    m->n_files = 2;
    m->files = calloc(2, sizeof(*m->files));
    m->files[0].name = dup("web01 sda.E01");
    m->files[0].size = 2147483648ull;
    memcpy(m->files[0].sha256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
           65);
    m->files[1].name = dup("web01 sda.E02");
    m->files[1].size = 12345;
    memcpy(m->files[1].sha256, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
           65);
}

/* Parse text; expect failure naming line `line` (0: any). */
static void
expect_bad(const char *text, size_t line)
{
    struct manifest m;
    struct custody_err err = {0};
    int rc = manifest_parse(&m, text, strlen(text), &err);
    CHECK(rc < 0);
    if (rc < 0 && line) {
        char want[64];
        snprintf(want, sizeof(want), "line %zu:", line);
        if (!strstr(err.msg, want))
            fprintf(stderr, "expected '%s' in: %s\n", want, err.msg);
        CHECK(strstr(err.msg, want) != NULL);
    }
    if (rc == 0)
        manifest_release(&m);
}

/* Replace the first occurrence of from with to in text (caller frees). */
static char *
replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    struct strbuf sb = STRBUF_INIT;
    REQUIRE(p);
    strbuf_add(&sb, text, (size_t)(p - text));
    strbuf_addstr(&sb, to);
    strbuf_addstr(&sb, p + strlen(from));
    return strbuf_detach(&sb, NULL);
}

/* Stock `sha256sum -c` checks the segment lines of a manifest (the key lines are
 * reported as improperly formatted and skipped) and fails on a changed segment. */
static void
check_sha256sum(void)
{
    char dir[] = "/tmp/custody-manifest-XXXXXX", cmd[512];
    struct manifest m = {0};
    struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
    struct custody_err err = {0};
    const char *names[2] = {"web01 sda.E01", "web01 sda.E02"};
    FILE *f;

    if (system("command -v sha256sum >/dev/null 2>&1") != 0) {
        fprintf(stderr, "sha256sum not installed: skipping its check\n");
        return;
    }
    REQUIRE(mkdtemp(dir));
    m.n_files = 2;
    m.files = calloc(2, sizeof(*m.files));
    for (int i = 0; i < 2; i++) {
        char hex[HASH_COUNT][HASH_HEX_MAX];
        strbuf_reset(&path);
        strbuf_addf(&path, "%s/%s", dir, names[i]);
        REQUIRE((f = fopen(path.buf, "w")) != NULL);
        fprintf(f, "segment %d\n", i);
        fclose(f);
        REQUIRE(hash_file(hex, path.buf, HASH_F_SHA256, NULL, &err) == 0);
        m.files[i].name = strdup(names[i]);
        memcpy(m.files[i].sha256, hex[HASH_SHA256], HASH_HEX_MAX);
    }
    m.case_number = strdup("C-1");
    manifest_format(&sb, &m);
    strbuf_reset(&path);
    strbuf_addf(&path, "%s/web01.manifest", dir);
    REQUIRE((f = fopen(path.buf, "w")) != NULL);
    fwrite(sb.buf, 1, sb.len, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd %s && sha256sum -c web01.manifest >/dev/null 2>&1", dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof(cmd), "cd %s && echo x >> 'web01 sda.E02'", dir);
    REQUIRE(system(cmd) == 0);
    snprintf(cmd, sizeof(cmd), "cd %s && sha256sum -c web01.manifest >/dev/null 2>&1", dir);
    CHECK(system(cmd) != 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    manifest_release(&m);
    strbuf_release(&sb);
    strbuf_release(&path);
}

int
main(void)
{
    struct manifest m, p;
    struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    struct custody_err err = {0};
    char *t, *t2;

    fill(&m);
    manifest_format(&a, &m);
    REQUIRE(utf8_valid(a.buf, a.len));
    /* No injected line: the description's newline is escaped. */
    CHECK(strstr(a.buf, "\nsha256: 0000") == NULL);
    CHECK(strstr(a.buf, "\x1b") == NULL);
    CHECK(strstr(a.buf, "SHA256 (web01 sda.E01) = aaaa") != NULL);
    CHECK(strstr(a.buf, "read-error: 2048 8\n") != NULL);
    /* "resumed" sits right after "status" (the parser is strict about order). */
    CHECK(strstr(a.buf, "status: incomplete\nresumed: 1048576 bytes") != NULL);
    CHECK(strstr(a.buf, "started-at: 2026-11-27T20:00:00.123456789Z") != NULL);
    REQUIRE(strncmp(a.buf, "custody-manifest: 1\n", 20) == 0);

    if (manifest_parse(&p, a.buf, a.len, &err) < 0) {
        fprintf(stderr, "%s\n%s\n", err.msg, a.buf);
        REQUIRE(0);
    }
    CHECK_STR(p.description, m.description);
    CHECK_STR(p.resumed, m.resumed);
    CHECK_STR(p.chunk_note, m.chunk_note);
    /* "chunk-note" sits right after "chunk-sectors". */
    CHECK(strstr(a.buf, "chunk-sectors: 64\nchunk-note: the default chunk") != NULL);
    CHECK_STR(p.notes, m.notes);
    CHECK_STR(p.source, "-");
    CHECK_STR(p.key_id, m.key_id);
    CHECK_INT(p.media_size, m.media_size);
    CHECK_INT(p.physical_sector_size, 4096);
    CHECK_INT(p.segment_size, m.segment_size);
    CHECK_INT(p.started_at, m.started_at);
    CHECK_INT(p.ended_at, m.ended_at);
    CHECK_STR(p.sha256, m.sha256);
    CHECK_INT(p.n_read_errors, 2);
    CHECK_INT(p.read_errors[1].first_sector, 99999);
    CHECK_INT(p.n_files, 2);
    CHECK_STR(p.files[1].name, "web01 sda.E02");
    CHECK_INT(p.files[1].size, 12345);
    CHECK_STR(p.files[1].sha256, m.files[1].sha256);
    CHECK(p.device_vendor == NULL);
    manifest_format(&b, &p);
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    manifest_release(&p);
    CHECK(p.files == NULL && p.description == NULL);

    /* Names with a backslash use GNU's escaped checksum line. */
    free(m.files[1].name);
    m.files[1].name = dup("odd\\name");
    strbuf_reset(&a);
    manifest_format(&a, &m);
    CHECK(strstr(a.buf, "\n\\SHA256 (odd\\\\name) = bbbb") != NULL);
    REQUIRE(manifest_parse(&p, a.buf, a.len, &err) == 0);
    CHECK_STR(p.files[1].name, "odd\\name");
    manifest_release(&p);
    CHECK(!manifest_file_name_ok("odd\\name"));
    CHECK(!manifest_file_name_ok("a/b"));
    CHECK(!manifest_file_name_ok("a\nb"));
    CHECK(!manifest_file_name_ok(""));
    CHECK(!manifest_file_name_ok("\xff"));
    CHECK(manifest_file_name_ok("web01 sda.E01"));

    /* The strict parser: each of these names the offending line. */
    expect_bad("", 0);
    expect_bad("custody-manifest: 2\n", 1);
    expect_bad("custody-manifest: 1", 1);
    expect_bad("case-uuid: x\n", 1);
    t = replace(a.buf, "asset: ", "assett: ");
    expect_bad(t, 5);
    free(t);
    t2 = replace(a.buf, "case-number: CASE-2026-17\n", "");
    t = replace(t2, "asset: web01.example.org\n",
                "asset: web01.example.org\ncase-number: CASE-2026-17\n"); /* order */
    expect_bad(t, 5);
    free(t);
    free(t2);
    t = replace(a.buf, "evidence: sda\n", "evidence: sda\nevidence: sdb\n"); /* repeat */
    expect_bad(t, 7);
    free(t);
    t = replace(a.buf, "media-size: 1073741824", "media-size: 01073741824");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "media-size: 1073741824", "media-size: 18446744073709551616");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "sector-size: 512", "sector-size: 4294967296");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "md5: d41d8", "md5: D41D8");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "evidence: sda", "evidence: s\\qa");
    expect_bad(t, 6);
    free(t);
    t = replace(a.buf, "evidence: sda", "evidence: s\\x00a");
    expect_bad(t, 6);
    free(t);
    t = replace(a.buf, "evidence: sda", "evidence: \\x73da"); /* non-canonical spelling */
    expect_bad(t, 6);
    free(t);
    t = replace(a.buf, "evidence: sda", "evidence: s\rda");
    expect_bad(t, 6);
    free(t);
    t = replace(a.buf, "evidence: sda", "evidence: s\xc3\x28");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "chunk-sectors: 64\n", ""); /* a number line missing */
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "SHA256 (web01 sda.E01)", "SHA256 (web01 sda.E03)");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf,
                "\\SHA256 (odd\\\\name) = "
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
                "");
    expect_bad(t, 0); /* a file without its checksum line */
    free(t);
    t = replace(a.buf, "file: 12345 ", "file: 12345 ../");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "read-error: 99999 1", "read-error: 99999 0");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, "started-at: 2026", "started-at: 2026x");
    expect_bad(t, 0);
    free(t);
    t = replace(a.buf, ".000000001Z", ".000000001+00:00"); /* another spelling of a time */
    expect_bad(t, 0);
    free(t);

    check_sha256sum();
    /* The trusted comment names case, evidence and media hash, on one safe line. */
    strbuf_reset(&b);
    manifest_trusted_comment(&b, &m);
    CHECK_STR(b.buf, "custody manifest case CASE-2026-17 (6a0a3e8f-1111-4222-8333-944455556666) "
                     "evidence web01.example.org/sda sha256 "
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(m.evidence);
    m.evidence = malloc(3001);
    memset(m.evidence, 'x', 3000);
    m.evidence[3000] = 0;
    free(m.asset);
    m.asset = dup("evil\nhost\x1b");
    strbuf_reset(&b);
    manifest_trusted_comment(&b, &m);
    CHECK(minisign_comment_ok(b.buf));
    CHECK(strstr(b.buf, "evil\\x0ahost\\x1b/") != NULL);
    manifest_release(&m);
    manifest_release(&m); /* zeroed: a second release is harmless */
    manifest_release(NULL);
    strbuf_release(&a);
    strbuf_release(&b);
    CHECK_DONE();
}
