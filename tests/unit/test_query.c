/* Timeline queries against a small hand-checked case: filter boundaries, time
 * zones, CIDR (v4 and v6), globs with special characters, FTS operators, pivots,
 * histograms, the full-text index upkeep, and every output format fed hostile
 * content. The fixture rows are loaded with the sqlite3 shell (only casedb/ may
 * include <sqlite3.h>); the test is skipped when the shell is missing. */
#include "check.h"

#include "casedb.h"
#include "cli.h"
#include "format.h"
#include "io.h"
#include "plot.h"
#include "query.h"
#include "query_out.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T0 1772323200LL /* 2026-03-01T00:00:00Z */
#define NS 1000000000LL

static char dir[] = "/tmp/custody-test-query-XXXXXX";

static const char fixture[] =
    /* files: index.php, a webshell with [ ] * ? in its name (deleted, IOC), a name
     * with space, comma and quotes */
    "INSERT INTO files (id, evidence_id, path, inode, name_type, meta_type, mode, uid, gid,"
    " size, flags, atime, mtime, ctime, crtime, md5, sha256, ioc_name) VALUES"
    " (1, 1, CAST('/var/www/html/index.php' AS BLOB), '12', 5, 1, 420, 33, 33, 1200, 0,"
    "  1772323210000000000, 1772323200000000000, NULL, NULL,"
    "  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, NULL),"
    " (2, 1, CAST('/var/www/html/up[1]*?.php' AS BLOB), '13', 5, 1, 493, 33, 33, 66, 9,"
    "  NULL, 1772326800000000000, NULL, NULL, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',"
    "  NULL, 'webshell'),"
    " (3, 2, CAST('/tmp/a b,\"c\".sh' AS BLOB), '14', 5, 1, 420, 0, 0, 10, 0,"
    "  NULL, NULL, 1772409600500000000, NULL, NULL, NULL, NULL);"
    /* log events; the files' times above are the file-system events, with ids
     * -4 * file id - 3 + (0 a, 1 m, 2 c, 3 b): -6 and -7 (file 1, m and a), -10
     * (file 2, m), -13 (file 3, c) */
    "INSERT INTO events (id, evidence_id, ts, kind, source, path, user, ip, port,"
    " program, pid, message, flags) VALUES"
    " (4, 1, 1772330400000000000, 'ssh-login-success', 'auth', NULL, 'root',"
    "  '203.0.113.5', 2222, 'sshd', 811,"
    "  'Accepted password for root from 203.0.113.5 port 2222 ssh2', 0),"
    " (5, 1, 1772330401000000000, 'web-request', 'web', CAST('/shell.php?cmd=id' AS BLOB),"
    "  NULL, '2001:db8::7', NULL, NULL, NULL, 'GET /shell.php?cmd=id HTTP/1.1', 0),"
    " (6, 2, 1772330500000000000, 'ssh-login-failure', 'auth', NULL, 'admin',"
    "  '203.0.113.77', NULL, 'sshd', NULL, 'Failed password for admin from 203.0.113.77', 0),"
    " (7, 2, 1772409600000000000, 'ssh-login-success', 'auth', NULL, 'root',"
    "  '203.0.113.5', NULL, 'sshd', NULL, 'Accepted publickey for root from 203.0.113.5', 0),"
    " (8, 2, 1772323199000000000, 'cron-command', 'syslog', NULL, NULL, NULL, NULL,"
    "  'cron', NULL, '=cmd|'' /C calc''!A0 <script>alert(1)</script> ' || char(27) ||"
    "  '[31mRED' || CAST(X'FF' AS TEXT), 0),"
    " (10, 1, 1772413200000000000, 'logout', 'auth', NULL, NULL, '198.51.100.1', NULL,"
    "  'sshd', NULL, 'Connection closed by 198.51.100.1', 0);";

static int
sql_shell(const char *db, const char *sql)
{
    struct strbuf cmd = STRBUF_INIT;
    FILE *p;
    int rc;

    strbuf_addf(&cmd, "sqlite3 -bail '%s' >/dev/null", db);
    p = popen(cmd.buf, "w");
    strbuf_release(&cmd);
    if (!p)
        return -1;
    fputs(sql, p);
    fputs("\n", p);
    rc = pclose(p);
    return rc == 0 ? 0 : -1;
}

struct ids {
    int64_t v[64];
    int n;
};

static int
collect_ids(void *ctx, const struct casedb_event_row *r)
{
    struct ids *ids = ctx;
    if (ids->n < 64)
        ids->v[ids->n++] = r->id;
    return 0;
}

/* The ids the filter returns, as "1,2,3" (time order). */
static char *
run(struct casedb *db, const struct casedb_filter *f, int *rc_out)
{
    struct custody_err err = {0};
    struct ids ids = {{0}, 0};
    struct strbuf sb = STRBUF_INIT;
    int64_t n = 0;
    int rc = casedb_query(db, f, collect_ids, &ids, &n, &err);

    if (rc_out)
        *rc_out = rc;
    if (rc < 0) {
        strbuf_addf(&sb, "error %d: %s", rc, err.msg);
        return strbuf_detach(&sb, NULL);
    }
    for (int i = 0; i < ids.n; i++)
        strbuf_addf(&sb, "%s%lld", i ? "," : "", (long long)ids.v[i]);
    return strbuf_detach(&sb, NULL);
}

#define CHECK_IDS(f, expect)                                                                       \
    do {                                                                                           \
        char *got_ = run(db, &(f), NULL);                                                          \
        CHECK_STR(got_, expect);                                                                   \
        free(got_);                                                                                \
    } while (0)

static int64_t
parse(const char *s)
{
    int64_t ns = 0;
    struct custody_err err = {0};
    if (query_out_parse_time(s, &ns, &err) < 0)
        return -1;
    return ns;
}

static void
test_time_parsing(void)
{
    struct custody_err err = {0};
    int64_t ns;

    CHECK_INT(parse("2026-03-01T00:00:00Z"), T0 * NS);
    CHECK_INT(parse("2026-03-01T01:00:00+01:00"), T0 * NS);
    CHECK_INT(parse("2026-02-28T19:00:00-05:00"), T0 * NS);
    CHECK_INT(parse("2026-03-01T00:00:00"), T0 * NS); /* no zone: UTC */
    CHECK_INT(parse("2026-03-01 00:00"), T0 * NS);
    CHECK_INT(parse("2026-03-01"), T0 * NS);
    CHECK_INT(parse("1772323200"), T0 * NS);
    CHECK_INT(parse("1772323200.25"), T0 * NS + 250000000);
    CHECK_INT(parse("2026-03-01T00:00:00.000000001Z"), T0 * NS + 1);
    CHECK(query_out_parse_time("2026-02-30", &ns, &err) == CUSTODY_ERR_USAGE);
    CHECK(strstr(err.msg, "'2026-02-30' is not a time") != NULL);
    CHECK(query_out_parse_time("2025-02-29", &ns, &err) < 0);
    CHECK(query_out_parse_time("2024-02-29", &ns, &err) == 0);
    CHECK(query_out_parse_time("yesterday", &ns, &err) < 0);
    CHECK(query_out_parse_time("2026-03-01T24:00", &ns, &err) < 0);
    CHECK(query_out_parse_time("1772323200.", &ns, &err) < 0);
    CHECK(query_out_parse_time("", &ns, &err) < 0);
    CHECK(query_out_parse_time("-5", &ns, &err) < 0);
    CHECK(query_out_zone("Mars/Olympus_Mons", &err) == CUSTODY_ERR_USAGE);
    CHECK(strstr(err.msg, "unknown time zone 'Mars/Olympus_Mons'") != NULL);
    CHECK(query_out_zone("../../etc/passwd", &err) == CUSTODY_ERR_USAGE);
    CHECK(query_out_zone("/etc/passwd", &err) == CUSTODY_ERR_USAGE);
    CHECK(query_out_zone("Europe/Berlin", &err) == 0);
    CHECK(query_out_zone("UTC", &err) == 0);
}

/* The fast UTC formatter against gmtime, over centuries, leap days, before 1970. */
static void
test_utc_format(void)
{
    struct fmt_writer w;
    struct fmt_display d = {NULL, 0, 0};
    struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    int64_t probes[] = {0,
                        -1,
                        1,
                        951782400LL * NS,
                        951868799LL * NS + 999999999,
                        4107542400LL * NS,
                        -2208988800LL * NS,
                        4102444799LL * NS,
                        68256000LL * NS};
    uint64_t x = 88172645463325252ull;
    int bad = 0;

    fmt_writer_init(&w, fmt_find("timesketch"), -1, &d);
    for (int i = 0; i < 20000; i++) {
        int64_t ns;
        if (i < (int)(sizeof(probes) / sizeof(probes[0]))) {
            ns = probes[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ns = (int64_t)(x >> 1) - (INT64_C(1) << 62);
        }
        int64_t sec = fmt_seconds(ns);
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        strbuf_reset(&a);
        strbuf_reset(&b);
        fmt_time_utc_us(&w, &a, ns);
        strbuf_addf(&b, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (long long)((ns - sec * NS) / 1000));
        if (strcmp(a.buf, b.buf) && bad++ < 5)
            fprintf(stderr, "utc: %lld: %s != %s\n", (long long)ns, a.buf, b.buf);
    }
    CHECK(bad == 0);
    fmt_writer_release(&w);
    strbuf_release(&a);
    strbuf_release(&b);
}

static void
test_filters(struct casedb *db)
{
    struct casedb_filter f;
    char *got;
    int rc;

    memset(&f, 0, sizeof(f));
    CHECK_IDS(f, "8,-6,-7,-10,4,5,6,7,-13,10");

    /* --from inclusive, --to exclusive, at nanosecond precision */
    f.has_from = f.has_to = 1;
    f.from = T0 * NS;
    f.to = (T0 + 3600) * NS;
    CHECK_IDS(f, "-6,-7");
    f.to = (T0 + 3600) * NS + 1;
    CHECK_IDS(f, "-6,-7,-10");
    f.from = parse("2026-03-01T02:00:00+02:00"); /* = T0 */
    f.to = parse("2026-03-01T00:00:10Z");
    CHECK_IDS(f, "-6");
    f.from = parse("2026-03-02");
    f.to = parse("2026-03-02T00:00:00.5Z");
    CHECK_IDS(f, "7");
    f.to = parse("2026-03-02T00:00:00.500000001Z");
    CHECK_IDS(f, "7,-13");
    f.to = f.from;
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);

    /* assets, evidence */
    memset(&f, 0, sizeof(f));
    f.assets[f.n_assets++] = "db1";
    CHECK_IDS(f, "8,6,7,-13");
    f.assets[f.n_assets++] = "web1";
    CHECK_IDS(f, "8,-6,-7,-10,4,5,6,7,-13,10");
    memset(&f, 0, sizeof(f));
    f.assets[f.n_assets++] = "nosuch";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_NOTFOUND);
    free(got);
    memset(&f, 0, sizeof(f));
    f.evidence[f.n_evidence++] = "web1/sda";
    CHECK_IDS(f, "-6,-7,-10,4,5,10");
    f.assets[f.n_assets++] = "db1"; /* --asset and --evidence: both must hold */
    CHECK_IDS(f, "");
    memset(&f, 0, sizeof(f));
    f.evidence[f.n_evidence++] = "db1/sda";
    f.evidence[f.n_evidence++] = "web1/sda";
    f.evidence[f.n_evidence++] = "db1/sda";
    CHECK_IDS(f, "8,-6,-7,-10,4,5,6,7,-13,10");
    memset(&f, 0, sizeof(f));
    f.evidence[f.n_evidence++] = "sda"; /* two assets have an "sda" */
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_AMBIGUOUS);
    free(got);

    /* source, action, user */
    memset(&f, 0, sizeof(f));
    f.sources[f.n_sources++] = "auth";
    CHECK_IDS(f, "4,6,7,10");
    f.actions[f.n_actions++] = "ssh-login-success";
    CHECK_IDS(f, "4,7");
    memset(&f, 0, sizeof(f));
    f.user = "root";
    CHECK_IDS(f, "4,7");
    f.user = "roo";
    CHECK_IDS(f, "");

    /* IP and CIDR, v4 and v6 */
    memset(&f, 0, sizeof(f));
    f.ip = "203.0.113.5";
    CHECK_IDS(f, "4,7");
    f.ip = "::ffff:203.0.113.5";
    CHECK_IDS(f, "4,7");
    f.ip = "203.0.113.0/24";
    CHECK_IDS(f, "4,6,7");
    f.ip = "203.0.113.64/26"; /* .64 - .127 */
    CHECK_IDS(f, "6");
    f.ip = "0.0.0.0/0";
    CHECK_IDS(f, "4,6,7,10");
    f.ip = "2001:db8::/32";
    CHECK_IDS(f, "5");
    f.ip = "2001:0db8:0:0::7";
    CHECK_IDS(f, "5");
    f.ip = "2001:db9::/32";
    CHECK_IDS(f, "");
    f.ip = "203.0.113.0/33";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);
    f.ip = "203.0.113";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);

    /* globs: the whole path; special characters escaped with a backslash */
    memset(&f, 0, sizeof(f));
    f.path_glob = "/var/www/*";
    CHECK_IDS(f, "-6,-7,-10");
    f.path_glob = "/var/www/html/up\\[1\\]\\*\\?.php";
    CHECK_IDS(f, "-10");
    f.path_glob = "/var/www/html/up[1]*"; /* a set: "up1...", which is not there */
    CHECK_IDS(f, "");
    f.path_glob = "*shell.php\\?cmd=*";
    CHECK_IDS(f, "5");
    f.path_glob = "/tmp/a b,\"c\".sh";
    CHECK_IDS(f, "-13");
    f.path_glob = "/var/www/html/[!i]*";
    CHECK_IDS(f, "-10");
    f.path_glob = "/nothing/*";
    CHECK_IDS(f, "");
    f.path_glob = "/var/[www";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);
    f.path_glob = "/var/www\\";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);

    /* flags */
    memset(&f, 0, sizeof(f));
    f.ioc_only = 1;
    CHECK_IDS(f, "-10");
    memset(&f, 0, sizeof(f));
    f.deleted_only = 1;
    CHECK_IDS(f, "-10");

    /* order and limit */
    memset(&f, 0, sizeof(f));
    f.descending = 1;
    f.limit = 3;
    CHECK_IDS(f, "10,-13,7");
    f.descending = 0;
    CHECK_IDS(f, "8,-6,-7");

    /* combinations: AND across fields, OR within a list */
    memset(&f, 0, sizeof(f));
    f.sources[f.n_sources++] = "auth";
    f.sources[f.n_sources++] = "web";
    f.assets[f.n_assets++] = "web1";
    f.has_from = 1;
    f.from = (T0 + 7200) * NS;
    CHECK_IDS(f, "4,5,10");
}

static void
test_text(struct casedb *db, const char *path)
{
    struct casedb_filter f;
    struct custody_err err = {0};
    int stale = 0, rc;
    char *got;

    memset(&f, 0, sizeof(f));
    CHECK(casedb_text_index_stale(db, &stale, &err) == 0);
    CHECK(stale == 1); /* nothing indexed yet */
    f.text = "accepted";
    CHECK_IDS(f, "4,7");
    CHECK(casedb_text_index_stale(db, &stale, &err) == 0);
    CHECK(stale == 0);
    f.text = "accepted AND publickey";
    CHECK_IDS(f, "7");
    f.text = "accepted NOT root";
    CHECK_IDS(f, "");
    f.text = "password OR closed";
    CHECK_IDS(f, "4,6,10");
    f.text = "\"shell.php\""; /* a phrase: shell, php; in the path and the message */
    CHECK_IDS(f, "5");
    f.text = "index"; /* the path of a file */
    CHECK_IDS(f, "-6,-7");
    f.text = "path:tmp";
    CHECK_IDS(f, "-13");
    f.text = "publ*";
    CHECK_IDS(f, "7");
    f.text = "NEAR(failed admin, 2)";
    CHECK_IDS(f, "6");
    f.text = "accepted AND";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    CHECK(strstr(got, "bad --text query") != NULL);
    free(got);
    f.text = "nosuchcol:foo";
    got = run(db, &f, &rc);
    CHECK(rc == CUSTODY_ERR_USAGE);
    free(got);

    /* Deleting indexed events marks the index stale; the next text query rebuilds
     * it and no longer finds them. New events are added incrementally. */
    REQUIRE(sql_shell(path, "DELETE FROM events WHERE id = 7;"
                            "INSERT INTO events (id, evidence_id, ts, kind, source, message)"
                            " VALUES (11, 2, 1772420000000000000, 'note', 'syslog',"
                            " 'publickey rotated');") == 0);
    CHECK(casedb_text_index_stale(db, &stale, &err) == 0);
    CHECK(stale == 1);
    f.text = "publickey";
    CHECK_IDS(f, "11");
    REQUIRE(sql_shell(path, "INSERT INTO events (id, evidence_id, ts, kind, source, message)"
                            " VALUES (12, 2, 1772420001000000000, 'note', 'syslog',"
                            " 'publickey again');"
                            "INSERT INTO events (id, evidence_id, ts, kind, source, message,"
                            " user, ip) VALUES (7, 2, 1772409600000000000, 'ssh-login-success',"
                            " 'auth', 'Accepted publickey for root from 203.0.113.5', 'root',"
                            " '203.0.113.5');"
                            "DELETE FROM events WHERE id IN (11, 12);") == 0);
    f.text = "publickey";
    CHECK_IDS(f, "7");
}

struct piv {
    struct strbuf sb;
};

static int
collect_pivot(void *ctx, const struct casedb_pivot_row *r)
{
    struct piv *p = ctx;
    strbuf_addf(&p->sb, "%s:%lld:%lld:%lld;", r->asset, (long long)(r->first_seen / NS - T0),
                (long long)(r->last_seen / NS - T0), (long long)r->count);
    return 0;
}

static void
check_pivot(struct casedb *db, enum casedb_pivot_kind k, const char *v, const char *expect)
{
    struct piv p;
    struct custody_err err = {0};
    int rc;

    strbuf_init(&p.sb);
    rc = casedb_pivot(db, k, v, NULL, collect_pivot, &p, &err);
    if (rc < 0)
        strbuf_addf(&p.sb, "error: %s", err.msg);
    CHECK_STR(p.sb.buf, expect);
    strbuf_release(&p.sb);
}

static void
test_pivot(struct casedb *db)
{
    check_pivot(db, CASEDB_PIVOT_IP, "203.0.113.5", "web1:7200:7200:1;db1:86400:86400:1;");
    check_pivot(db, CASEDB_PIVOT_IP, "203.0.113.0/24", "web1:7200:7200:1;db1:7300:86400:2;");
    check_pivot(db, CASEDB_PIVOT_USER, "root", "web1:7200:7200:1;db1:86400:86400:1;");
    check_pivot(db, CASEDB_PIVOT_HASH, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "web1:3600:3600:1;");
    check_pivot(db, CASEDB_PIVOT_HASH, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "web1:0:10:2;");
    check_pivot(db, CASEDB_PIVOT_PATH, "/var/www/*", "web1:0:3600:3;");
    check_pivot(db, CASEDB_PIVOT_IP, "192.0.2.1", "");
    check_pivot(db, CASEDB_PIVOT_HASH, "xyz", "error: 'xyz' is not an MD5 or SHA-256 in hex");
}

struct hist {
    struct strbuf sb;
    int64_t total;
};

static int
collect_hist(void *ctx, const struct casedb_bucket_row *r)
{
    struct hist *h = ctx;
    strbuf_addf(&h->sb, "%lld/%s=%lld;", (long long)((r->start / NS - T0) / 86400), r->group,
                (long long)r->count);
    h->total += r->count;
    return 0;
}

static void
test_histogram(struct casedb *db)
{
    struct casedb_filter f;
    struct hist h;
    struct custody_err err = {0};

    memset(&f, 0, sizeof(f));
    strbuf_init(&h.sb);
    h.total = 0;
    CHECK(casedb_histogram(db, &f, 86400 * NS, CASEDB_GROUP_ASSET, collect_hist, &h, &err) == 0);
    CHECK_STR(h.sb.buf, "-1/db1=1;0/db1=1;0/web1=5;1/db1=2;1/web1=1;");
    CHECK_INT(h.total, 10);
    strbuf_reset(&h.sb);
    f.sources[f.n_sources++] = "fs";
    CHECK(casedb_histogram(db, &f, 86400 * NS, CASEDB_GROUP_ACTION, collect_hist, &h, &err) == 0);
    CHECK_STR(h.sb.buf, "0/a=1;0/m=2;1/c=1;");
    strbuf_release(&h.sb);
}

static void
test_explain(struct casedb *db)
{
    struct casedb_filter f;
    struct strbuf sb = STRBUF_INIT;
    struct custody_err err = {0};

    memset(&f, 0, sizeof(f));
    f.assets[f.n_assets++] = "web1";
    f.has_from = f.has_to = 1;
    f.from = T0 * NS;
    f.to = (T0 + 86400) * NS;
    f.limit = 1000;
    CHECK(casedb_query_explain(db, &f, &sb, &err) == 0);
    CHECK(strstr(sb.buf, "events_evidence_ts") != NULL);
    /* The values are parameters, never part of the SQL text. */
    CHECK(strstr(sb.buf, "1772323200") == NULL);
    strbuf_reset(&sb);
    CHECK(casedb_pivot_explain(db, CASEDB_PIVOT_IP, "203.0.113.5", &sb, &err) == 0);
    CHECK(strstr(sb.buf, "events_ip") != NULL);
    CHECK(strstr(sb.buf, "203.0.113") == NULL);
    strbuf_release(&sb);
}

/* Run a format over the case (or one evidence item) into a file; returns its contents. */
static char *
export_ev(struct casedb *db, const char *fmt, const char *tz, const char *file,
          const char *evidence, int64_t want_rows)
{
    struct casedb_filter f;
    struct custody_err err = {0};
    struct fmt_display d = {tz, 0, 0};
    struct strbuf sb = STRBUF_INIT;
    int64_t rows = 0;
    int fd;

    memset(&f, 0, sizeof(f));
    if (evidence)
        f.evidence[f.n_evidence++] = evidence;
    REQUIRE(query_out_zone(tz, &err) == 0);
    unlink(file);
    fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(query_out_write(db, &f, fmt_find(fmt), &d, fd, &rows, &err) == 0);
    close(fd);
    CHECK_INT(rows, want_rows);
    REQUIRE(io_read_file(&sb, file, 1 << 20, &err) == 0);
    return strbuf_detach(&sb, NULL);
}

static char *
run_export(struct casedb *db, const char *fmt, const char *tz, const char *file)
{
    return export_ev(db, fmt, tz, file, NULL, 10);
}

static int
python_ok(const char *script, const char *file)
{
    struct strbuf cmd = STRBUF_INIT;
    int rc;

    strbuf_addf(&cmd, "python3 -c '%s' '%s'", script, file);
    rc = system(cmd.buf);
    strbuf_release(&cmd);
    return rc == 0;
}

static int
has_python(void)
{
    return system("python3 -c 'import json, csv, xml.etree.ElementTree' 2>/dev/null") == 0;
}

static void
test_formats(struct casedb *db)
{
    struct strbuf file = STRBUF_INIT;
    char *out;

    strbuf_addf(&file, "%s/out", dir);
    CHECK(fmt_find("nosuch") == NULL);

    /* csv: formula defence, quoting, no raw control bytes */
    out = run_export(db, "csv", NULL, file.buf);
    CHECK(strncmp(out, "time,asset,evidence,source,action,path,", 39) == 0);
    CHECK(strstr(out, ",\"'=cmd|' /C calc'!A0 <script>alert(1)</script> \\x1b[31mRED\\xff\",") !=
          NULL);
    CHECK(strstr(out, "\"/tmp/a b,\"\"c\"\".sh\"") != NULL);
    CHECK(strchr(out, 0x1b) == NULL);
    CHECK(strstr(out, "2026-03-01T00:00:00.000000000Z,web1,sda,fs,m,/var/www/html/index.php,12,"
                      "1200,r/rrw-r--r--,33,33,") != NULL);
    if (has_python())
        CHECK(python_ok("import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=\"\")));"
                        " assert len(rows)==11 and all(len(r)==25 for r in rows), rows",
                        file.buf));
    free(out);

    /* --tz changes display only */
    out = run_export(db, "csv", "Asia/Kolkata", file.buf);
    CHECK(strstr(out, "2026-03-01T05:30:00.000000000+05:30,web1,sda,fs,m,") != NULL);
    free(out);

    /* json / jsonl: valid UTF-8 JSON; invalid path bytes kept in path_hex */
    out = run_export(db, "jsonl", NULL, file.buf);
    CHECK(strchr(out, 0x1b) == NULL);
    CHECK(strstr(out, "\\u001b[31mRED\\ufffd") != NULL);
    if (has_python())
        CHECK(python_ok("import json,sys; [json.loads(l) for l in open(sys.argv[1], "
                        "encoding=\"utf-8\")]",
                        file.buf));
    free(out);
    out = run_export(db, "json", NULL, file.buf);
    if (has_python())
        CHECK(python_ok("import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==10",
                        file.buf));
    free(out);

    /* timesketch: message, datetime (parseable, UTC), timestamp_desc on every line */
    out = run_export(db, "timesketch", "Europe/Berlin", file.buf);
    CHECK(strstr(out, "\"datetime\":\"2026-03-01T00:00:00.000000+00:00\"") != NULL);
    CHECK(strstr(out, "\"timestamp_desc\":\"Content Modification Time\"") != NULL);
    if (has_python())
        CHECK(python_ok("import json,sys,datetime\n"
                        "n=0\n"
                        "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
                        "  d=json.loads(l); n+=1\n"
                        "  assert d[\"message\"] and d[\"timestamp_desc\"], d\n"
                        "  t=datetime.datetime.fromisoformat(d[\"datetime\"])\n"
                        "  assert t.utcoffset()==datetime.timedelta(0)\n"
                        "  assert int(t.timestamp()*1000000)==d[\"timestamp\"], d\n"
                        "assert n==10",
                        file.buf));
    free(out);

    /* l2tcsv: plaso's header, 17 columns on every line */
    out = run_export(db, "l2tcsv", NULL, file.buf);
    CHECK(strncmp(out,
                  "date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,version,"
                  "filename,inode,notes,format,extra\n",
                  104) == 0);
    CHECK(strstr(out, "03/01/2026,00:00:00,UTC,M...,FILE,File stat,Content Modification Time,-,"
                      "web1,/web1/sda/var/www/html/index.php,") != NULL);
    if (has_python())
        CHECK(python_ok("import sys; ls=open(sys.argv[1], encoding=\"utf-8\").read()"
                        ".splitlines(); assert len(ls)==11 and all(len(l.split(\",\"))==17 "
                        "for l in ls), ls",
                        file.buf));
    CHECK(strstr(out, ",'=cmd|' /C calc'!A0") != NULL);
    free(out);

    /* body: one line per file, fls -m layout */
    out = export_ev(db, "body", NULL, file.buf, NULL, 3); /* rows: the 3 files */
    CHECK_STR(
        out,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|/web1/sda/var/www/html/index.php|12|r/rrw-r--r--|33|33|"
        "1200|1772323210|1772323200|0|0\n"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb|/web1/sda/var/www/html/up[1]*?.php (deleted)|13|"
        "r/rrwxr-xr-x|33|33|66|0|1772326800|0|0\n"
        "0|/db1/sda/tmp/a b,\"c\".sh|14|r/rrw-r--r--|0|0|10|0|0|1772409600|0\n");
    free(out);

    /* one evidence item: no "/host/label" prefix, as export --evidence writes */
    out = export_ev(db, "body", NULL, file.buf, "web1/sda", 2);
    CHECK(strncmp(out, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|/var/www/html/index.php|12|", 60) == 0);
    free(out);

    /* mactime: MACB merged per file and second */
    out = export_ev(db, "mactime", NULL, file.buf, NULL, 3); /* rows: the 3 files */
    CHECK_STR(
        out,
        "Date,Size,Type,Mode,UID,GID,Meta,File Name\n"
        "2026-03-01T00:00:00Z,1200,m...,r/rrw-r--r--,33,33,12,\"/web1/sda/var/www/html/"
        "index.php\"\n"
        "2026-03-01T00:00:10Z,1200,.a..,r/rrw-r--r--,33,33,12,\"/web1/sda/var/www/html/"
        "index.php\"\n"
        "2026-03-01T01:00:00Z,66,m...,r/rrwxr-xr-x,33,33,13,"
        "\"/web1/sda/var/www/html/up[1]*?.php (deleted)\"\n"
        "2026-03-02T00:00:00Z,10,..c.,r/rrw-r--r--,0,0,14,\"/db1/sda/tmp/a b,\"\"c\"\".sh\"\n");
    free(out);

    /* table: escaped for a terminal */
    out = run_export(db, "table", NULL, file.buf);
    CHECK(strchr(out, 0x1b) == NULL);
    CHECK(strstr(out, "\\x1b[31mRED\\xff") != NULL);
    CHECK(strncmp(out, "TIME ", 5) == 0);
    free(out);
    strbuf_release(&file);
}

static void
test_plot(struct casedb *db)
{
    struct casedb_filter f;
    struct plot_opts o;
    struct custody_err err = {0};
    struct strbuf sb = STRBUF_INIT, file = STRBUF_INIT;
    int64_t total = 0;

    memset(&f, 0, sizeof(f));
    memset(&o, 0, sizeof(o));
    o.bucket_ns = 3600 * NS;
    o.by = CASEDB_GROUP_SOURCE;
    o.title = "case <\"x\"> & 'y'";
    REQUIRE(plot_svg(db, &f, &o, &sb, &total, &err) == 0);
    CHECK_INT(total, 10);
    CHECK(strstr(sb.buf, "case &lt;&quot;x&quot;&gt; &amp; &#39;y&#39;") != NULL);
    strbuf_addf(&file, "%s/plot.svg", dir);
    unlink(file.buf);
    REQUIRE(io_write_file_atomic(file.buf, sb.buf, sb.len, 0600, 0, &err) == 0);
    if (has_python())
        CHECK(python_ok("import sys, xml.etree.ElementTree as ET\n"
                        "ns={\"s\":\"http://www.w3.org/2000/svg\"}\n"
                        "r=ET.parse(sys.argv[1]).getroot()\n"
                        "g=r.findall(\"s:g[@class=\\\"series\\\"]\", ns)\n"
                        "names=sorted(x.get(\"data-series\") for x in g)\n"
                        "assert names==[\"auth\",\"fs\",\"syslog\",\"web\"], names\n"
                        "tot=sum(int(b.get(\"data-count\")) for x in g for b in x)\n"
                        "assert tot==10, tot",
                        file.buf));
    /* a hostile asset name in the legend and the HTML event list */
    strbuf_reset(&sb);
    o.by = CASEDB_GROUP_ACTION;
    REQUIRE(plot_html(db, &f, &o, &sb, &total, &err) == 0);
    CHECK(strstr(sb.buf, "<script>") == NULL);
    CHECK(strstr(sb.buf, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(sb.buf, "http://") == NULL || strstr(sb.buf, "http://www.w3.org/2000/svg"));
    CHECK(strstr(sb.buf, "src=") == NULL);
    CHECK(strchr(sb.buf, 0x1b) == NULL);
    /* an empty result is a valid plot that says so */
    strbuf_reset(&sb);
    f.user = "nobody";
    REQUIRE(plot_svg(db, &f, &o, &sb, &total, &err) == 0);
    CHECK_INT(total, 0);
    CHECK(strstr(sb.buf, "no events match") != NULL);
    /* too many buckets */
    memset(&f, 0, sizeof(f));
    strbuf_reset(&sb);
    o.bucket_ns = NS;
    CHECK(plot_svg(db, &f, &o, &sb, &total, &err) == CUSTODY_ERR_USAGE);
    strbuf_release(&sb);
    strbuf_release(&file);
}

/* strbuf_fmt_i64 against printf, at the digit-pair edges and the extremes. */
static void
test_fmt_i64(void)
{
    static const int64_t edge[] = {0,
                                   1,
                                   9,
                                   10,
                                   99,
                                   100,
                                   101,
                                   999,
                                   1000,
                                   -1,
                                   -10,
                                   -99,
                                   -100,
                                   INT64_MAX,
                                   INT64_MIN,
                                   1767226448751741197LL,
                                   -1767226448751741197LL};
    char got[24], want[32];
    int bad = 0;

    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
        size_t n = strbuf_fmt_i64(got, edge[i]);
        snprintf(want, sizeof(want), "%lld", (long long)edge[i]);
        CHECK_STR(got, want);
        CHECK_INT(n, strlen(want));
    }
    for (int64_t v = -200000; v < 200000 && !bad; v += 3) {
        strbuf_fmt_i64(got, v);
        snprintf(want, sizeof(want), "%lld", (long long)v);
        bad = strcmp(got, want) != 0;
    }
    CHECK(!bad);
    /* the unsigned form (meta addresses, uid, gid) up to UINT64_MAX, and the
     * appending forms */
    static const uint64_t uedge[] = {0, 9, 10, 99, 100, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof(uedge) / sizeof(uedge[0]); i++) {
        size_t n = strbuf_fmt_u64(got, uedge[i]);
        snprintf(want, sizeof(want), "%llu", (unsigned long long)uedge[i]);
        CHECK_STR(got, want);
        CHECK_INT(n, strlen(want));
    }
    struct strbuf sb = STRBUF_INIT;
    strbuf_add_i64(&sb, INT64_MIN);
    strbuf_addch(&sb, ',');
    strbuf_add_u64(&sb, UINT64_MAX);
    CHECK_STR(sb.buf, "-9223372036854775808,18446744073709551615");
    strbuf_release(&sb);
}

int
main(void)
{
    struct casedb *db = NULL;
    struct casedb_case c;
    struct custody_err err = {0};
    struct casedb_asset a;
    struct casedb_evidence e;
    struct strbuf path = STRBUF_INIT;
    int64_t id;

    if (system("sqlite3 -version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "sqlite3 shell missing: skipped\n");
        return 77;
    }
    REQUIRE(mkdtemp(dir) != NULL);
    test_time_parsing();
    test_utc_format();
    test_fmt_i64();
    strbuf_addf(&path, "%s/case.db", dir);
    memset(&c, 0, sizeof(c));
    c.case_number = "Q-1";
    c.title = "query test";
    REQUIRE(casedb_create(&db, path.buf, &c, &err) == 0);
    memset(&a, 0, sizeof(a));
    a.hostname = "web1";
    REQUIRE(casedb_asset_add(db, &a, &id, &err) == 0);
    a.hostname = "db1";
    REQUIRE(casedb_asset_add(db, &a, &id, &err) == 0);
    memset(&e, 0, sizeof(e));
    e.size = e.sector_size = e.physical_sector_size = -1;
    e.label = "sda";
    e.asset_id = 1;
    REQUIRE(casedb_evidence_add(db, &e, &id, &err) == 0);
    e.asset_id = 2;
    REQUIRE(casedb_evidence_add(db, &e, &id, &err) == 0);
    casedb_close(db);
    REQUIRE(sql_shell(path.buf, fixture) == 0);
    REQUIRE(casedb_open(&db, path.buf, 0, &err) == 0);

    test_filters(db);
    test_pivot(db);
    test_histogram(db);
    test_explain(db);
    test_formats(db);
    test_plot(db);
    test_text(db, path.buf);

    casedb_close(db);
    strbuf_reset(&path);
    strbuf_addf(&path, "rm -rf '%s'", dir);
    if (system(path.buf) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    strbuf_release(&path);
    CHECK_DONE();
}
