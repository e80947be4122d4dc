/* Log parsers: every file of ../shared/testdata/logs with its expected event and
 * warning counts (plaso's where the README gives them; differences explained),
 * year inference, time zones and DST, utmp layouts, hostile lines. */
#include "check.h"

#include "cli.h"
#include "io.h"
#include "log_ingest.h"
#include "logs.h"
#include "strbuf.h"

#include <sys/stat.h>
#include <unistd.h>

#define MAXEV 1024

struct ev {
    int64_t ts;
    char action[40], source[16], user[64], ip[64], host[64], program[64];
    char path[256], method[16];
    int64_t port, pid, bytes;
    int status;
    unsigned flags;
    uint64_t line, offset;
    char msg[512];
    size_t msg_len;
};

struct run {
    struct ev ev[MAXEV];
    size_t n;
    size_t nwarn;
    char warn[8][160];
    const char *type;
    int rc;
    struct custody_err err;
};

static struct run R;

static void
cp(char *dst, size_t size, struct log_str s)
{
    size_t n = s.p ? (s.n < size - 1 ? s.n : size - 1) : 0;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static int
on_ev(void *arg, const struct log_event *e, struct custody_err *err)
{
    (void)arg;
    (void)err;
    if (R.n < MAXEV) {
        struct ev *x = &R.ev[R.n];
        memset(x, 0, sizeof(*x));
        x->ts = e->ts;
        snprintf(x->action, sizeof(x->action), "%s", e->action);
        snprintf(x->source, sizeof(x->source), "%s", e->source);
        cp(x->user, sizeof(x->user), e->user);
        cp(x->ip, sizeof(x->ip), e->ip);
        cp(x->host, sizeof(x->host), e->host);
        cp(x->program, sizeof(x->program), e->program);
        cp(x->path, sizeof(x->path), e->path);
        cp(x->method, sizeof(x->method), e->method);
        x->msg_len = e->message.n < sizeof(x->msg) ? e->message.n : sizeof(x->msg);
        if (e->message.p)
            memcpy(x->msg, e->message.p, x->msg_len);
        x->port = e->port;
        x->pid = e->pid;
        x->status = e->status;
        x->bytes = e->bytes;
        x->flags = e->flags;
        x->line = e->line;
        x->offset = e->offset;
    }
    R.n++;
    return 0;
}

static int
on_warn(void *arg, const struct log_warning *w, struct custody_err *err)
{
    (void)arg;
    (void)err;
    if (R.nwarn < 8)
        snprintf(R.warn[R.nwarn], sizeof(R.warn[0]), "%s", w->message);
    R.nwarn++;
    return 0;
}

static int64_t
ns_of(const char *iso)
{
    int64_t ns = 0;
    if (custody_parse_time(iso, &ns) < 0) {
        fprintf(stderr, "bad time in test: %s\n", iso);
        exit(1);
    }
    return ns;
}

static void
parse_buf(const void *data, size_t len, const char *name, int64_t mtime, const char *type,
          const struct log_tz *tz)
{
    struct log_ctx ctx;

    memset(&R, 0, sizeof(R));
    memset(&ctx, 0, sizeof(ctx));
    ctx.name = name;
    ctx.mtime = mtime;
    ctx.tz = tz;
    ctx.on_event = on_ev;
    ctx.on_warning = on_warn;
    R.rc = log_parse_buffer(&ctx, &R.type, data, len, type, &R.err);
    CHECK_INT(ctx.events, R.n);
    CHECK_INT(ctx.warnings, R.nwarn);
}

static const char *testdata;

static int
parse_file(const char *rel, int64_t mtime, const char *type)
{
    struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
    struct custody_err err = {0};

    strbuf_addf(&path, "%s/logs/%s", testdata, rel);
    if (io_read_file(&sb, path.buf, 64 << 20, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        check_failures++;
        return -1;
    }
    parse_buf(sb.buf, sb.len, path.buf, mtime, type, NULL);
    strbuf_release(&sb);
    strbuf_release(&path);
    return 0;
}

struct expect {
    const char *file;
    const char *type;  /* forced type, or NULL to sniff */
    const char *found; /* parser expected to run; NULL: the parse must fail */
    int events, warnings;
};

/* mtime for year-less files: 2015-12-01, so that plaso-syslog's Feb 29 lands in
 * 2012 (three year wraps before its last record, as plaso's test expects). */
#define MTIME_2015 "2015-12-01T00:00:00Z"

static const struct expect expects[] = {
    /* syslog */
    {"syslog/beats-syslog-tz-offset.log", NULL, "syslog", 3, 0},
    /* line 3 "veridian lookup for opt failed" has no "prog:" tag; it has the shape
     * of rsyslog's forward format ("hostname log_tag text"), so it is kept as an
     * event (tag_without_colon) rather than dropped */
    {"syslog/lnav-logfile_bad_syslog.0", NULL, "syslog", 4, 0},
    {"syslog/lnav-logfile_dst.0", NULL, "syslog", 10, 0},
    {"syslog/lnav-logfile_syslog.0", NULL, "syslog", 4, 0},
    {"syslog/lnav-logfile_syslog.1", NULL, "syslog", 4, 0},
    /* 17 physical lines, 10 of them tab-indented continuations */
    {"syslog/lnav-logfile_syslog.3", NULL, "syslog", 7, 0},
    {"syslog/lnav-logfile_syslog_with_mixed_times.0", NULL, "syslog", 13, 0},
    /* 17-byte broken gzip: nothing readable, one warning for the damage */
    {"syslog/lnav-textfile_broken_gz.txt.gz", NULL, "unknown", 0, 1},
    /* plaso: 16 events + 1 warning (the "MMM 22" line) */
    {"syslog/plaso-syslog", NULL, "syslog", 16, 1},
    /* older 15-line copy: "MMM" warning, 2 continuation lines */
    {"syslog/plaso-syslog.gz", NULL, "syslog", 12, 1},
    {"syslog/plaso-syslog.bz2", NULL, "syslog", 12, 1},
    {"syslog/plaso-syslog.xz", NULL, "syslog", 12, 1},
    {"syslog/plaso-syslog_chromeos", NULL, "syslog", 8, 0},
    {"syslog/plaso-syslog_cron.log", NULL, "syslog", 9, 0}, /* plaso: 9 */
    {"syslog/plaso-syslog_osx", NULL, "syslog", 2, 0},      /* plaso: 2 */
    {"syslog/plaso-syslog_rsyslog", NULL, "syslog", 5, 0},
    /* 10 records, one with an embedded newline: 9 records + its continuation */
    {"syslog/plaso-syslog_rsyslog_ForwardFormat", NULL, "syslog", 9, 0},
    {"syslog/plaso-syslog_rsyslog_SysklogdFileFormat", NULL, "syslog", 9, 0},
    {"syslog/plaso-syslog_rsyslog_SyslogProtocol23Format", NULL, "syslog", 9, 0}, /* plaso: 9 */
    {"syslog/plaso-syslog_rsyslog_TraditionalForwardFormat", NULL, "syslog", 9, 0},
    {"syslog/plaso-syslog_rsyslog_traditional", NULL, "syslog", 8, 0},
    /* auth */
    {"auth/beats-auth-test.log", NULL, "syslog", 10, 0},
    {"auth/beats-auth-timestamp.log", NULL, "syslog", 2, 0},
    {"auth/plaso-syslog_ssh.log", NULL, "syslog", 9, 0},
    /* web */
    {"web/beats-apache-access-test.log", NULL, "access", 7, 0},
    {"web/beats-nginx-access.log", NULL, "access", 13, 0},
    {"web/beats-nginx-test-with-host.log", NULL, "access", 10, 0},
    {"web/beats-nginx-test.log", NULL, "access", 7, 0},
    {"web/lnav-logfile_access_log.0", NULL, "access", 3, 0},
    {"web/lnav-logfile_bad_access_log.0", NULL, "access", 2, 1},
    /* plaso: 14 + 1 (the Googlebot line's user agent has no closing quote) */
    {"web/plaso-apache_access.log", NULL, "access", 14, 1},
    /* dpkg / apt */
    /* plaso: 10 events, one per block; we also emit one event per package in the
     * Install/Upgrade/Remove/Purge lists (797), so "was X installed" is a query */
    {"dpkg/plaso-apt_history.log", NULL, "apt-history", 807, 0},
    {"dpkg/plaso-dpkg.log", NULL, "dpkg", 4, 0}, /* plaso: 4 */
    /* misc */
    {"misc/plaso-bash_history", NULL, "bash-history", 4, 0}, /* plaso: 4 */
    {"misc/plaso-selinux-audit.log", NULL, "audit", 7, 4},   /* plaso: 7 + 4 */
    {"misc/plaso-vsftpd.log", NULL, "vsftpd", 25, 0},        /* plaso: 25 */
    /* utmp/wtmp (names do not say wtmp: the type is given, as an analyst would) */
    {"wtmp/plaso-utmp", "wtmp", "wtmp", 14, 0}, /* plaso: 14 */
    {"wtmp/plaso-utmp_aarch64", "wtmp", "wtmp", 6, 0},
    /* plaso: 2 + 2 (type 99 records); we also warn about the 50-byte partial tail */
    {"wtmp/plaso-utmp_corrupted", "wtmp", "wtmp", 2, 3},
    {"wtmp/plaso-utmp_s390", "wtmp", "wtmp", 6, 0},
    {"wtmp/plaso-utmp_x86_64", "wtmp", "wtmp", 6, 0},
    /* macOS utmpx (628-byte records): refused, not misread */
    {"wtmp/plaso-utmpx_mac", "wtmp", NULL, 0, 0},
    {"wtmp/plaso-utmpx_mac", NULL, NULL, 0, 0},
    /* 4 records as utmpdump reads them + the stray byte */
    {"wtmp/plaso-wtmp.1", "wtmp", "wtmp", 4, 1},
    {"wtmp/util-linux-wtmp-a.LE", "wtmp", "wtmp", 19, 0},
    {"wtmp/util-linux-wtmp-a.BE", "wtmp", "wtmp", 19, 0},
    {"wtmp/util-linux-wtmp-b.LE", "wtmp", "wtmp", 10, 0},
    {"wtmp/util-linux-wtmp-ipv6.LE", "wtmp", "wtmp", 2, 0},
    {"wtmp/util-linux-wtmp-ipv6.BE", "wtmp", "wtmp", 2, 0},
    /* one record, type 29813, negative pid: no layout fits, so the file is refused */
    {"wtmp/util-linux-fuzz-last-github-1097", "wtmp", NULL, 0, 0},
    /* `last` output (text): no parser claims it */
    {"wtmp/util-linux-last-nodns.expected.txt", NULL, NULL, 0, 0},
};

static void
test_all_files(void)
{
    for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
        const struct expect *x = &expects[i];
        if (parse_file(x->file, ns_of(MTIME_2015), x->type) < 0)
            continue;
        if (!x->found) {
            if (R.rc != CUSTODY_ERR_FORMAT)
                fprintf(stderr, "%s: expected a format error, got %d\n", x->file, R.rc);
            CHECK_INT(R.rc, CUSTODY_ERR_FORMAT);
            continue;
        }
        if (R.rc < 0 || strcmp(R.type, x->found) || (int)R.n != x->events ||
            (int)R.nwarn != x->warnings)
            fprintf(stderr, "%s: rc %d type %s events %zu warnings %zu (%s) [%s]\n", x->file, R.rc,
                    R.type, R.n, R.nwarn, R.err.msg, R.nwarn ? R.warn[0] : "");
        CHECK_INT(R.rc, 0);
        CHECK_STR(R.type, x->found);
        CHECK_INT(R.n, x->events);
        CHECK_INT(R.nwarn, x->warnings);
    }
}

static const struct ev *
find(const char *action, size_t nth)
{
    for (size_t i = 0; i < R.n && i < MAXEV; i++)
        if (!strcmp(R.ev[i].action, action) && nth-- == 0)
            return &R.ev[i];
    return NULL;
}

static void
test_auth_fields(void)
{
    const struct ev *e;

    parse_file("auth/beats-auth-test.log", ns_of("2024-03-01T00:00:00Z"), NULL);
    REQUIRE((e = find("ssh-login-success", 0)) != NULL);
    CHECK_STR(e->source, "auth");
    CHECK_STR(e->user, "vagrant");
    CHECK_STR(e->ip, "10.0.2.2");
    CHECK_INT(e->port, 63673);
    CHECK_INT(e->pid, 3402);
    CHECK_STR(e->host, "localhost");
    CHECK_INT(e->ts, ns_of("2024-02-21T21:54:44Z"));
    CHECK(e->flags & LOG_FLAG_YEAR_INFERRED);
    REQUIRE((e = find("ssh-invalid-user", 0)) != NULL);
    CHECK_STR(e->user, "test");
    CHECK_STR(e->ip, "10.0.2.2");
    REQUIRE((e = find("ssh-login-failure", 0)) != NULL);
    CHECK_STR(e->user, "root");
    CHECK_STR(e->ip, "216.160.83.57");
    CHECK_INT(e->port, 29160);
    REQUIRE((e = find("sudo-command", 1)) != NULL);
    CHECK_STR(e->user, "vagrant");
    CHECK_STR(e->path, "/bin/cat /var/log/secure");
    REQUIRE((e = find("sudo-denied", 0)) != NULL);
    CHECK_STR(e->user, "tsg");
    REQUIRE((e = find("group-added", 0)) != NULL);
    CHECK_STR(e->user, "apache");
    REQUIRE((e = find("user-added", 0)) != NULL);
    CHECK_STR(e->user, "apache");
    CHECK_STR(e->program, "useradd");

    parse_file("auth/plaso-syslog_ssh.log", ns_of("2024-03-20T00:00:00Z"), NULL);
    REQUIRE((e = find("ssh-login-success", 1)) != NULL);
    CHECK_STR(e->ip, "2001:0db8:0a0b:12f0:0000:0000:0000:0001");
    CHECK_INT(e->port, 42532);
    CHECK_INT(R.n, 9);

    parse_file("syslog/plaso-syslog_cron.log", ns_of("2024-03-20T00:00:00Z"), NULL);
    REQUIRE((e = find("cron-command", 1)) != NULL);
    CHECK_STR(e->source, "cron");
    CHECK_STR(e->user, "root");
    CHECK_STR(e->path, "sleep $(( 1 * 60 )); touch /tmp/afile.txt");

    /* attacker-chosen user names must not shift the ip/port fields */
    static const char evil[] =
        "2026-03-14T02:11:05+00:00 web01 sshd[811]: Failed password for invalid user x from "
        "1.1.1.1 port 1 from 203.0.113.7 port 51022 ssh2\n"
        "2026-03-14T02:11:06+00:00 web01 sshd[812]: Accepted password for alice from "
        "198.51.100.2 port 2222 ssh2\n"
        "2026-03-14T02:11:07+00:00 web01 su[813]: (to root) alice on pts/0\n"
        "2026-03-14T02:11:08+00:00 web01 sshd[814]: pam_unix(sshd:session): session opened for "
        "user alice(uid=1000) by (uid=0)\n"
        "2026-03-14T02:11:09+00:00 web01 systemd-logind[1]: New session 7 of user alice.\n"
        "2026-03-14T02:11:10+00:00 web01 sshd[814]: pam_unix(sshd:session): session closed for "
        "user alice\n";
    parse_buf(evil, sizeof(evil) - 1, "auth.log", INT64_MIN, NULL, NULL);
    REQUIRE(R.n == 6);
    CHECK_STR(R.ev[0].action, "ssh-login-failure");
    CHECK_STR(R.ev[0].ip, "203.0.113.7");
    CHECK_INT(R.ev[0].port, 51022);
    CHECK_STR(R.ev[0].user, "x from 1.1.1.1 port 1");
    CHECK_STR(R.ev[1].action, "ssh-login-success");
    CHECK_INT(R.ev[1].ts, ns_of("2026-03-14T02:11:06Z"));
    CHECK(!(R.ev[1].flags & (LOG_FLAG_YEAR_INFERRED | LOG_FLAG_LOCAL_TIME)));
    CHECK_STR(R.ev[2].action, "su");
    CHECK_STR(R.ev[2].user, "alice");
    CHECK_STR(R.ev[3].action, "session-open");
    CHECK_STR(R.ev[3].user, "alice");
    CHECK_STR(R.ev[4].action, "session-open");
    CHECK_STR(R.ev[5].action, "session-close");
}

static void
test_syslog_formats(void)
{
    const struct ev *e;

    /* RFC 3339 with and without offsets; a zone-less stamp takes ctx->tz (UTC here) */
    parse_file("syslog/beats-syslog-tz-offset.log", INT64_MIN, NULL);
    REQUIRE(R.n == 3);
    CHECK_INT(R.ev[0].ts, ns_of("1986-04-25T21:23:45.101Z"));
    CHECK_INT(R.ev[1].ts, ns_of("1986-04-25T21:23:45.388424Z"));
    CHECK_INT(R.ev[2].ts, ns_of("2019-06-14T10:40:20.912134Z"));
    CHECK(R.ev[2].flags & LOG_FLAG_LOCAL_TIME);
    CHECK(!(R.ev[0].flags & LOG_FLAG_LOCAL_TIME));

    /* RFC 5424 */
    parse_file("syslog/plaso-syslog_rsyslog_SyslogProtocol23Format", INT64_MIN, NULL);
    REQUIRE(R.n == 9);
    CHECK_INT(R.ev[0].ts, ns_of("2021-03-06T04:07:38.251122Z"));
    CHECK_STR(R.ev[0].program, "log_tag");
    CHECK_STR(R.ev[4].program, "systemd");
    CHECK_INT(R.ev[4].pid, 1);
    CHECK(R.ev[1].msg_len == strlen("this is info\nwith another line") &&
          !memcmp(R.ev[1].msg, "this is info\nwith another line", R.ev[1].msg_len));

    /* forward format: records run together on one physical line */
    parse_file("syslog/plaso-syslog_rsyslog_ForwardFormat", INT64_MIN, NULL);
    REQUIRE(R.n == 9);
    CHECK_STR(R.ev[3].msg, "this is critical");
    CHECK_INT(R.ev[3].line, 2);
    CHECK_STR(R.ev[4].program, "systemd");

    /* continuation lines and "last message repeated" */
    parse_file("syslog/plaso-syslog", ns_of(MTIME_2015), NULL);
    REQUIRE((e = find("message-repeated", 0)) != NULL);
    REQUIRE((e = find("message", 0)) != NULL);
    CHECK_INT(e->ts, ns_of("2012-01-22T07:52:33Z"));
    /* the leap day, 2012 */
    int leap = 0;
    for (size_t i = 0; i < R.n; i++)
        if (R.ev[i].ts == ns_of("2012-02-29T01:15:43Z"))
            leap = 1;
    CHECK(leap);
    /* fractional seconds */
    int frac = 0;
    for (size_t i = 0; i < R.n; i++)
        if (R.ev[i].ts == ns_of("2013-03-23T23:01:18.123Z"))
            frac = 1;
    CHECK(frac);
}

/* Times a signed 64-bit nanosecond count cannot hold (found by the fuzzers as
 * signed overflows): a warning with the record's place, never a wrapped date. */
static void
test_time_range(void)
{
    static const char sys[] = "9999-12-31T23:59:59+00:00 web01 sshd[1]: far future\n"
                              "2024-03-01T10:00:00+00:00 web01 sshd[2]: fine\n";
    static const char audit[] = "type=USER_LOGIN msg=audit(99999999999.000:1): pid=1 res=success\n";
    static const char web[] = "1.2.3.4 - - [01/Jan/9999:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n";
    static const char bash[] = "#99999999999\nls\n#1700000000\nid\n";

    CHECK_INT(log_ns(INT64_MAX / 1000000000, 0), INT64_MAX / 1000000000 * 1000000000);
    CHECK_INT(log_ns(INT64_MAX / 1000000000 + 1, 0), LOG_TS_INVALID);
    CHECK_INT(log_ns(INT64_MIN / 1000000000 - 1, 0), LOG_TS_INVALID);
    CHECK_INT(log_ns(-1, 5), -999999995);

    parse_buf(sys, sizeof(sys) - 1, "syslog", ns_of("2025-01-01T00:00:00Z"), "syslog", NULL);
    CHECK_INT(R.rc, 0);
    CHECK_INT(R.n, 1);
    CHECK_INT(R.nwarn, 1);
    CHECK(strstr(R.warn[0], "1677-2262") != NULL);
    CHECK_INT(R.ev[0].ts, ns_of("2024-03-01T10:00:00Z"));
    parse_buf(audit, sizeof(audit) - 1, "audit.log", 0, "audit", NULL);
    CHECK_INT(R.n, 0);
    CHECK_INT(R.nwarn, 1);
    parse_buf(web, sizeof(web) - 1, "access.log", 0, "access", NULL);
    CHECK_INT(R.n, 0);
    CHECK(R.nwarn >= 1);
    /* a damaged gzip (a header, then garbage) whose parser refuses what came out:
     * the refusal names the damage (found by fuzz_log_wtmp) */
    static const char gz[] = "\x1f\x8b\x08\x00"
                             "000000:000000";
    parse_buf(gz, sizeof(gz) - 1, "wtmp", 0, "wtmp", NULL);
    CHECK_INT(R.rc, CUSTODY_ERR_FORMAT);
    CHECK(strstr(R.err.msg, "the compressed stream is damaged") != NULL);
    parse_buf(bash, sizeof(bash) - 1, "/root/.bash_history", 0, "bash-history", NULL);
    CHECK_INT(R.n, 1);
    CHECK_INT(R.nwarn, 1);
    CHECK_INT(R.ev[0].ts, 1700000000LL * 1000000000);
}

static void
test_year_inference(void)
{
    static const char roll[] = "Dec 30 23:59:59 h p: a\nDec 31 12:00:00 h p: b\n"
                               "Jan  1 00:00:01 h p: c\nJan  2 10:00:00 h p: d\n";
    static const char leap[] = "Feb 28 10:00:00 h p: a\nFeb 29 10:00:00 h p: b\n";
    static const char late[] = "Dec 31 23:00:00 h p: a\n";

    /* rollover: the last record is in the mtime's year, earlier ones roll back */
    parse_buf(roll, sizeof(roll) - 1, "syslog", ns_of("2025-01-03T00:00:00Z"), NULL, NULL);
    REQUIRE(R.n == 4);
    CHECK_INT(R.ev[0].ts, ns_of("2024-12-30T23:59:59Z"));
    CHECK_INT(R.ev[1].ts, ns_of("2024-12-31T12:00:00Z"));
    CHECK_INT(R.ev[2].ts, ns_of("2025-01-01T00:00:01Z"));
    CHECK_INT(R.ev[3].ts, ns_of("2025-01-02T10:00:00Z"));
    CHECK(R.ev[0].flags & LOG_FLAG_YEAR_INFERRED);

    /* lnav's rollover sample: Dec -> Jan (test data; the rest runs without it) */
    if (testdata && access(testdata, R_OK) == 0) {
        parse_file("syslog/lnav-logfile_syslog.1", ns_of("2007-01-04T00:00:00Z"), NULL);
        REQUIRE(R.n == 4);
        CHECK_INT(R.ev[0].ts, ns_of("2006-12-03T09:23:38Z"));
        CHECK_INT(R.ev[3].ts, ns_of("2007-01-03T09:47:02Z"));
    }

    /* a file last written in January whose last record is in December: previous year */
    parse_buf(late, sizeof(late) - 1, "syslog", ns_of("2025-01-02T00:00:00Z"), NULL, NULL);
    REQUIRE(R.n == 1);
    CHECK_INT(R.ev[0].ts, ns_of("2024-12-31T23:00:00Z"));

    /* leap day: valid in 2024, a warning (not a shifted date) in 2023 */
    parse_buf(leap, sizeof(leap) - 1, "syslog", ns_of("2024-03-10T00:00:00Z"), NULL, NULL);
    CHECK_INT(R.n, 2);
    CHECK_INT(R.nwarn, 0);
    CHECK_INT(R.ev[1].ts, ns_of("2024-02-29T10:00:00Z"));
    parse_buf(leap, sizeof(leap) - 1, "syslog", ns_of("2023-03-10T00:00:00Z"), NULL, NULL);
    CHECK_INT(R.n, 1);
    CHECK_INT(R.nwarn, 1);

    /* yum.log has no year either */
    static const char yum[] = "Dec 31 10:00:00 Installed: nc-1.0-1.x86_64\n"
                              "Jan 01 10:00:00 Erased: telnet\n";
    parse_buf(yum, sizeof(yum) - 1, "yum.log", ns_of("2025-02-01T00:00:00Z"), NULL, NULL);
    REQUIRE(R.n == 2);
    CHECK_STR(R.type, "yum");
    CHECK_STR(R.ev[0].action, "package-installed");
    CHECK_STR(R.ev[0].path, "nc-1.0-1.x86_64");
    CHECK_INT(R.ev[0].ts, ns_of("2024-12-31T10:00:00Z"));
    CHECK_STR(R.ev[1].action, "package-removed");
    CHECK_INT(R.ev[1].ts, ns_of("2025-01-01T10:00:00Z"));
}

static void
test_time_zones(void)
{
    struct log_tz *tz = NULL;
    struct custody_err err = {0};
    struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;

    /* names that must not reach the file system */
    CHECK(log_tz_load(&tz, "../../etc/passwd", &err) == CUSTODY_ERR_USAGE);
    CHECK(log_tz_load(&tz, "/etc/localtime", &err) == CUSTODY_ERR_USAGE);
    CHECK(log_tz_load(&tz, "No/Such_Zone", &err) == CUSTODY_ERR_USAGE);
    CHECK(log_tz_load(&tz, "+25:00", &err) == CUSTODY_ERR_USAGE);

    REQUIRE(log_tz_load(&tz, "+05:30", &err) == 0);
    static const char dp[] = "2024-01-01 12:00:00 install nc:amd64 <none> 1.0\n";
    parse_buf(dp, sizeof(dp) - 1, "dpkg.log", INT64_MIN, NULL, tz);
    REQUIRE(R.n == 1);
    CHECK_INT(R.ev[0].ts, ns_of("2024-01-01T06:30:00Z"));
    CHECK(R.ev[0].flags & LOG_FLAG_LOCAL_TIME);
    log_tz_free(tz);
    tz = NULL;

    if (log_tz_load(&tz, "America/Los_Angeles", &err) < 0) {
        fprintf(stderr, "no tz database, DST checks skipped: %s\n", err.msg);
        return;
    }
    /* DST fall-back 2013-11-03 02:00 PDT -> 01:00 PST: the log goes 01:59 -> 01:24.
     * The repeated hour is read so time keeps moving forward. */
    strbuf_addf(&path, "%s/logs/syslog/lnav-logfile_dst.0", testdata);
    REQUIRE(io_read_file(&sb, path.buf, 1 << 20, &err) == 0);
    parse_buf(sb.buf, sb.len, path.buf, ns_of("2013-11-10T00:00:00Z"), NULL, tz);
    REQUIRE(R.n == 10);
    CHECK_INT(R.ev[0].ts, ns_of("2013-11-03T08:01:03Z")); /* 01:01:03 PDT */
    CHECK_INT(R.ev[4].ts, ns_of("2013-11-03T08:59:14Z")); /* 01:59:14 PDT */
    CHECK_INT(R.ev[5].ts, ns_of("2013-11-03T09:24:56Z")); /* 01:24:56 PST */
    CHECK_INT(R.ev[8].ts, ns_of("2013-11-03T10:08:19Z")); /* 02:08:19 PST */
    for (size_t i = 1; i < R.n; i++)
        CHECK(R.ev[i].ts >= R.ev[i - 1].ts);
    /* spring forward 2024-03-10: 02:30 does not exist; read with the offset before */
    static const char gap[] = "2024-03-10 01:59:00 startup archives unpack\n"
                              "2024-03-10 02:30:00 startup archives unpack\n"
                              "2024-03-10 03:00:00 startup archives unpack\n";
    parse_buf(gap, sizeof(gap) - 1, "dpkg.log", INT64_MIN, NULL, tz);
    REQUIRE(R.n == 3);
    CHECK_INT(R.ev[0].ts, ns_of("2024-03-10T09:59:00Z"));
    CHECK_INT(R.ev[1].ts, ns_of("2024-03-10T10:30:00Z"));
    CHECK_INT(R.ev[2].ts, ns_of("2024-03-10T10:00:00Z"));
    log_tz_free(tz);
    strbuf_release(&sb);
    strbuf_release(&path);
}

static void
test_utmp_layouts(void)
{
    struct ev le[32], be[32];
    size_t n;

    /* the same records little- and big-endian, 384 bytes */
    parse_file("wtmp/util-linux-wtmp-a.LE", INT64_MIN, "wtmp");
    n = R.n;
    memcpy(le, R.ev, sizeof(le));
    parse_file("wtmp/util-linux-wtmp-a.BE", INT64_MIN, "wtmp");
    REQUIRE(n == R.n && n == 19);
    memcpy(be, R.ev, sizeof(be));
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(le[i].ts, be[i].ts);
        CHECK_STR(le[i].action, be[i].action);
        CHECK_STR(le[i].user, be[i].user);
        CHECK_INT(le[i].pid, be[i].pid);
        CHECK_STR(le[i].ip, be[i].ip);
    }
    /* 400-byte records: aarch64 (LE) and s390x (BE) */
    parse_file("wtmp/plaso-utmp_aarch64", INT64_MIN, "wtmp");
    REQUIRE(R.n == 6);
    CHECK_STR(R.ev[2].action, "boot");
    CHECK_STR(R.ev[2].user, "reboot");
    CHECK_STR(R.ev[2].ip, "4.3.2.1");
    CHECK_INT(R.ev[2].pid, 18);
    CHECK_INT(R.ev[2].offset, 800);
    parse_file("wtmp/plaso-utmp_s390", INT64_MIN, "wtmp");
    REQUIRE(R.n == 6);
    CHECK_STR(R.ev[2].action, "boot");
    CHECK_STR(R.ev[3].action, "shutdown");
    CHECK_INT(R.ev[2].pid, 32);
    CHECK_INT(R.ev[2].ts, ns_of("2026-07-04T05:00:25Z"));
    /* the stray byte: 4 records as utmpdump reads them, not `last`'s misaligned ones */
    parse_file("wtmp/plaso-wtmp.1", INT64_MIN, "wtmp");
    REQUIRE(R.n == 4);
    CHECK_STR(R.ev[0].action, "login");
    CHECK_STR(R.ev[0].user, "userA");
    CHECK_STR(R.ev[0].path, "pts/32");
    CHECK_STR(R.ev[0].ip, "10.10.122.1");
    CHECK_INT(R.ev[0].ts, ns_of("2011-12-01T17:36:38.432935Z"));
    /* IPv6 address */
    parse_file("wtmp/util-linux-wtmp-ipv6.BE", INT64_MIN, "wtmp");
    REQUIRE(R.n == 2);
    CHECK_STR(R.ev[0].ip, "2001:503:ba3e::2:30");
    /* btmp: failed logins */
    parse_buf(NULL, 0, "btmp", INT64_MIN, "wtmp", NULL);
    CHECK_INT(R.rc, 0);
}

static void
test_web_fields(void)
{
    const struct ev *e;

    parse_file("web/plaso-apache_access.log", INT64_MIN, NULL);
    REQUIRE((e = find("web-request", 3)) != NULL);
    CHECK_STR(e->method, "GET");
    CHECK_STR(e->path, "/wp-content/themes/darkmode/evil.php?cmd=ver%3B+uname+-a");
    CHECK_INT(e->status, 200);
    CHECK_INT(e->bytes, 694);
    CHECK_STR(e->ip, "192.168.0.2");
    /* quotes inside the request do not end it */
    REQUIRE((e = find("web-request", 12)) != NULL);
    CHECK_STR(e->path, "/$%7B(\"TextString\"+\"123456\")%7D/actionChain1.action");
    CHECK_INT(e->status, 404);
    REQUIRE((e = find("web-request", 13)) != NULL);
    CHECK_STR(e->user, "pyllyukko@EXAMPLE.COM");
    CHECK_INT(e->ts, ns_of("2019-11-16T07:46:42Z"));
    /* vhost_combined and X-Forwarded-For lists: ip is the connecting peer */
    parse_file("web/beats-nginx-test-with-host.log", INT64_MIN, NULL);
    REQUIRE(R.n == 10);
    CHECK_STR(R.ev[0].ip, "127.0.0.1");
    CHECK_STR(R.ev[4].ip, "10.2.1.185");
    CHECK_STR(R.ev[5].ip, "10.2.2.121");
    CHECK_STR(R.ev[7].ip, "unix:");
    CHECK_INT(R.ev[7].status, 400);
    CHECK_STR(R.ev[7].method, ""); /* "hello": garbage request, kept */
    parse_file("web/beats-apache-access-test.log", INT64_MIN, NULL);
    REQUIRE(R.n == 7);
    CHECK_STR(R.ev[0].ip, "::1");
    CHECK_INT(R.ev[0].ts, ns_of("2016-12-26T14:16:29Z"));
    CHECK_INT(R.ev[2].status, 408); /* "-" request */
    CHECK_INT(R.ev[2].bytes, -1);

    static const char errlog[] =
        "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client "
        "72.15.99.187:50000] AH00128: File does not exist: /var/www/html/x\n"
        "2016/10/25 14:49:34 [error] 54053#0: *1 open() \"/usr/share/nginx/html/favicon.ico\" "
        "failed (2: No such file or directory), client: 127.0.0.1, server: localhost\n"
        "PHP Stack trace:\n";
    parse_buf(errlog, sizeof(errlog) - 1, "error.log", INT64_MIN, NULL, NULL);
    CHECK_STR(R.type, "errorlog");
    REQUIRE(R.n == 2);
    CHECK_INT(R.nwarn, 1);
    CHECK_STR(R.ev[0].ip, "72.15.99.187");
    CHECK_INT(R.ev[0].port, 50000);
    CHECK_INT(R.ev[0].pid, 35708);
    CHECK_INT(R.ev[0].ts, ns_of("2000-10-11T14:32:52.123456Z"));
    CHECK_STR(R.ev[1].ip, "127.0.0.1");
}

static void
test_misc(void)
{
    /* JSON integers without printf: the extremes */
    {
        struct strbuf sb = STRBUF_INIT;
        log_extra_int(&sb, "a", 0);
        log_extra_int(&sb, "b", -1);
        log_extra_int(&sb, "c", INT64_MIN);
        log_extra_int(&sb, "d", INT64_MAX);
        log_extra_int(&sb, "e", 2025);
        CHECK_STR(sb.buf, "\"a\":0,\"b\":-1,\"c\":-9223372036854775808,"
                          "\"d\":9223372036854775807,\"e\":2025");
        strbuf_release(&sb);
    }
    /* bash history: stamped commands, a multi-line one, unstamped ones at mtime */
    static const char hist[] = "ls -la\n#1700000000\nwget http://x/y.sh\n#1700000010\nfor i in 1 "
                               "2; do\necho $i\ndone\n";
    parse_buf(hist, sizeof(hist) - 1, "/home/alice/.bash_history", ns_of("2024-01-01T00:00:00Z"),
              NULL, NULL);
    REQUIRE(R.n == 3);
    CHECK_STR(R.ev[0].path, "ls -la");
    CHECK(R.ev[0].flags & LOG_FLAG_TIME_FROM_MTIME);
    CHECK_INT(R.ev[0].ts, ns_of("2024-01-01T00:00:00Z"));
    CHECK_STR(R.ev[0].user, "alice");
    CHECK_INT(R.ev[1].ts, 1700000000LL * 1000000000);
    CHECK(!(R.ev[1].flags & LOG_FLAG_TIME_FROM_MTIME));
    CHECK_STR(R.ev[2].path, "for i in 1 2; do\necho $i\ndone");
    CHECK_STR(R.ev[2].action, "shell-command");

    parse_file("misc/plaso-selinux-audit.log", INT64_MIN, NULL);
    REQUIRE(R.n == 7);
    CHECK_INT(R.ev[0].ts, 1337845201174000000LL);
    CHECK_INT(R.ev[0].pid, 25443);

    static const char audit[] = "type=USER_LOGIN msg=audit(1700000000.500:77): pid=1 uid=0 "
                                "auid=1000 ses=3 msg='op=login acct=\"alice\" exe=\"/usr/sbin/"
                                "sshd\" hostname=? addr=203.0.113.7 terminal=ssh res=failed'\n";
    parse_buf(audit, sizeof(audit) - 1, "audit.log", INT64_MIN, NULL, NULL);
    REQUIRE(R.n == 1);
    CHECK_STR(R.ev[0].action, "login-failure");
    CHECK_STR(R.ev[0].user, "alice");
    CHECK_STR(R.ev[0].ip, "203.0.113.7");
    CHECK_INT(R.ev[0].ts, 1700000000500000000LL);

    parse_file("dpkg/plaso-apt_history.log", INT64_MIN, NULL);
    const struct ev *e = find("apt-command", 5);
    REQUIRE(e != NULL);
    CHECK_STR(e->user, "jxs");
    CHECK_STR(e->path, "apt-get install forensics-all");
    CHECK_INT(e->ts, ns_of("2019-07-12T04:08:31Z"));
    REQUIRE((e = find("package-removed", 0)) != NULL);

    /* lastlog: uid 1000 logged in from 203.0.113.7 */
    static uint8_t ll[292 * 1001];
    memset(ll, 0, sizeof(ll));
    uint8_t *r = ll + 292 * 1000;
    uint32_t t = 1700000000;
    memcpy(r, &t, 4); /* x86-64 lastlog is little-endian; so is this test host */
    memcpy(r + 4, "pts/0", 5);
    memcpy(r + 36, "203.0.113.7", 11);
    parse_buf(ll, sizeof(ll), "/var/log/lastlog", INT64_MIN, NULL, NULL);
    REQUIRE(R.n == 1);
    CHECK_STR(R.ev[0].action, "last-login");
    CHECK_INT(R.ev[0].ts, 1700000000LL * 1000000000);
    CHECK_INT(R.ev[0].offset, 292 * 1000);

    /* path discovery for build */
    CHECK(log_path_wanted("/var/log/auth.log.2.gz"));
    CHECK(log_path_wanted("var/log/nginx/access.log"));
    CHECK(log_path_wanted("/home/bob/.bash_history"));
    CHECK(log_path_wanted("/var/log/apt/history.log.1.xz"));
    CHECK(!log_path_wanted("/etc/passwd"));
    CHECK(!log_path_wanted("/home/bob/notes.txt"));
    /* the anchors that spare fnmatch must not hide a match */
    CHECK(log_path_wanted("/var/run/utmp"));
    CHECK(log_path_wanted("/run/utmp"));
    CHECK(log_path_wanted("var/run/utmp"));
    CHECK(log_path_wanted("/srv/chroot/var/log/syslog.1"));
    CHECK(log_path_wanted("/var/log/lastlog"));
    CHECK(!log_path_wanted("/var/log/lastlog.1"));
    CHECK(log_path_wanted("/home/a/b/.bash_history"));
    CHECK(log_path_wanted("/root/.bash_history"));
    CHECK(log_path_wanted("/var/log/dnf.librepo.log"));
    CHECK(log_path_wanted("/var/log/audit/audit.log.3"));
    CHECK(!log_path_wanted("/xvar/log/syslog"));
    CHECK(!log_path_wanted("/var/lib/dpkg/status"));
    CHECK(!log_path_wanted("/home/.bash_history"));
    CHECK(!log_path_wanted("/var/logs/syslog"));
}

static void
test_hostile(void)
{
    /* escape sequences, invalid UTF-8, NUL, SQL quotes: kept byte for byte */
    static const char bad[] = "2026-03-14T02:11:05+00:00 web01 evil[1]: \x1b]0;pwned\x07\x1b[31m"
                              "red'; DROP TABLE events; -- \xff\xfe\xc0\xaf x\0y\n"
                              "\xff\xff\xff\xff\n"
                              "2026-03-14T02:11:06+00:00 web01 ok[2]: fine\n";
    parse_buf(bad, sizeof(bad) - 1, "syslog", INT64_MIN, NULL, NULL);
    REQUIRE(R.n == 2);
    static const char want[] = "\x1b]0;pwned\x07\x1b[31mred'; DROP TABLE events; -- "
                               "\xff\xfe\xc0\xaf x\0y\n\xff\xff\xff\xff";
    size_t wn = sizeof(want) - 1;
    CHECK_INT(R.ev[0].msg_len, wn);
    CHECK(R.ev[0].msg_len == wn && !memcmp(R.ev[0].msg, want, wn));
    /* binary garbage is not a log */
    static const uint8_t junk[] = {0x00, 0x01, 0x02, 0xff, 0xfe, 0x10, 0x11, 0x7f, 0x80};
    parse_buf(junk, sizeof(junk), "blob", INT64_MIN, NULL, NULL);
    CHECK_INT(R.rc, CUSTODY_ERR_FORMAT);
    /* every parser survives every test file fed to it (no crash, sane counts) */
    for (const struct log_parser *const *p = log_parsers(); *p; p++)
        for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
            parse_file(expects[i].file, ns_of(MTIME_2015), (*p)->type);
            CHECK(R.rc == 0 || R.rc == CUSTODY_ERR_FORMAT);
        }
    /* truncated lines at the very end of a buffer, no newline */
    static const char cut[] = "Mar  6 04:07";
    parse_buf(cut, sizeof(cut) - 1, "syslog", INT64_MIN, "syslog", NULL);
    CHECK_INT(R.n, 0);
    CHECK_INT(R.nwarn, 1);
}

int
main(void)
{
    testdata = getenv("CUSTODY_TESTDATA");
    test_year_inference();
    test_time_range();
    if (!testdata || access(testdata, R_OK) != 0) {
        fprintf(stderr, "no test data (CUSTODY_TESTDATA): file tests skipped\n");
        if (check_failures)
            CHECK_DONE();
        return 77;
    }
    test_time_zones();
    test_misc();
    test_all_files();
    test_auth_fields();
    test_syslog_formats();
    test_utmp_layouts();
    test_web_fields();
    test_hostile();
    CHECK_DONE();
}
