/* Unit tests of the interop modules: markup escaping, name-based uuids, and the
 * exports, report and merge on a database built through the casedb API. */
#include "check.h"

#include "casedb.h"
#include "export_case.h"
#include "export_dfxml.h"
#include "hash.h"
#include "markup.h"
#include "merge.h"
#include "case_report.h"

#include <unistd.h>

static void
test_markup(void)
{
    struct strbuf sb = STRBUF_INIT;

    CHECK(markup_escape_str(&sb, "<a href=\"x\" onerror='y'>&amp;</a>") == 1);
    CHECK_STR(sb.buf, "&lt;a href=&quot;x&quot; onerror=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    strbuf_reset(&sb);
    /* control bytes, invalid UTF-8, a bidi override, DEL: each one U+FFFD */
    CHECK(markup_escape(&sb,
                        "a\x01"
                        "b\xff"
                        "c\xe2\x80\xae"
                        "d\x7f"
                        "e",
                        11) == 0);
    CHECK_STR(sb.buf, "a\xef\xbf\xbd"
                      "b\xef\xbf\xbd"
                      "c\xef\xbf\xbd"
                      "d\xef\xbf\xbd"
                      "e");
    strbuf_reset(&sb);
    /* valid UTF-8, tab and newline are kept */
    CHECK(markup_escape_str(&sb, "Gr\xc3\xbc\xc3\x9f\x65\t\n") == 1);
    CHECK_STR(sb.buf, "Gr\xc3\xbc\xc3\x9f\x65\t\n");
    strbuf_reset(&sb);
    CHECK(markup_escape_str(&sb, NULL) == 1 && sb.len == 0);
    /* a truncated sequence at the end */
    CHECK(markup_escape(&sb, "x\xc3", 2) == 0);
    CHECK_STR(sb.buf, "x\xef\xbf\xbd");
    strbuf_reset(&sb);
    /* the visible form (plot labels): the same entities, the bytes shown as \xHH */
    static const char label[] = "<i>\x1b[31m\xff\xe2\x80\xae&'\"\\";
    markup_escape_visible(&sb, label, sizeof(label) - 1);
    CHECK_STR(sb.buf, "&lt;i&gt;\\x1b[31m\\xff\\xe2\\x80\\xae&amp;&#39;&quot;\\\\");
    strbuf_release(&sb);
}

static void
test_uuid_v5(void)
{
    char u[CASEDB_UUID_LEN + 1];
    struct custody_err err = {0};

    /* RFC 4122 appendix (as corrected): uuid5(NAMESPACE_DNS, "python.org") */
    REQUIRE(export_uuid_v5(u, "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", &err) == 0);
    CHECK_STR(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    CHECK(export_uuid_v5(u, "not-a-uuid", "x", &err) == CUSTODY_ERR_FORMAT);
}

/* An empty case through the API: every module runs, refuses what it must. */
static void
test_empty_case(void)
{
    char path[] = "/tmp/custody-test-interop-XXXXXX";
    struct casedb_case c = {0};
    struct casedb *db = NULL;
    struct custody_err err = {0};
    struct strbuf out = STRBUF_INIT, wal = STRBUF_INIT;
    struct export_case_stats stats;
    struct merge_result res;
    struct casedb_asset a = {0};
    int64_t id;
    int fd = mkstemp(path);

    REQUIRE(fd >= 0);
    close(fd);
    unlink(path);
    c.case_number = "C-1";
    c.title = "<t>";
    REQUIRE(casedb_create(&db, path, &c, &err) == 0);
    a.hostname = "h\x01<x>";
    REQUIRE(casedb_asset_add(db, &a, &id, &err) == 0);

    REQUIRE(export_case_jsonld(&out, db, &stats, &err) == 0);
    CHECK(stats.actions == 0 && stats.observables == 1 && stats.provenance_records == 0);
    CHECK(strstr(out.buf, "\"case-investigation:Investigation\"") != NULL);
    CHECK(strstr(out.buf, "h\\u0001\\u003cx\\u003e") != NULL);
    strbuf_reset(&out);

    REQUIRE(case_report_html(&out, db, NULL, &err) == 0);
    CHECK(strstr(out.buf, "<td>h\xef\xbf\xbd&lt;x&gt;</td>") != NULL);
    CHECK(strstr(out.buf, "&lt;t&gt;") != NULL);
    CHECK(strstr(out.buf, "</html>") != NULL);
    strbuf_reset(&out);

    CHECK(export_acquisition_lookup(&id, db, "1", &err) == CUSTODY_ERR_NOTFOUND);
    CHECK(export_dfxml(&out, db, 42, NULL, &err) == CUSTODY_ERR_NOTFOUND);

    /* merging a database into itself is a conflict, not an error, and writes nothing */
    REQUIRE(merge_station(&res, db, path, NULL, 0, NULL, &err) == 0);
    CHECK(res.n_problems == 1 && strstr(res.problems.buf, "is this database") != NULL);
    CHECK(res.merge_id == 0);
    merge_result_release(&res);
    CHECK(merge_station(&res, db, "/nonexistent/x.db", NULL, 0, NULL, &err) < 0);
    merge_result_release(&res);

    casedb_close(db);
    unlink(path);
    strbuf_addf(&wal, "%s-wal", path);
    unlink(wal.buf);
    strbuf_reset(&wal);
    strbuf_addf(&wal, "%s-shm", path);
    unlink(wal.buf);
    strbuf_release(&wal);
    strbuf_release(&out);
}

int
main(void)
{
    struct custody_err err = {0};

    REQUIRE(crypto_init(&err) == 0);
    test_markup();
    test_uuid_v5();
    test_empty_case();
    CHECK_DONE();
}
