/* Unit tests for common/: strbuf, UTF-8, JSON writer, I/O helpers, hashes, CLI parsing. */
#include "check.h"

#include "cli.h"
#include "error.h"
#include "hash.h"
#include "io.h"
#include "json.h"
#include "strbuf.h"
#include "thread_prio.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
test_strbuf(void)
{
    struct strbuf sb = STRBUF_INIT;

    /* an untouched buffer is a valid empty string */
    CHECK(sb.buf != NULL && sb.buf[0] == '\0' && sb.len == 0);
    strbuf_addstr(&sb, "abc");
    strbuf_addf(&sb, "-%d-", 42);
    for (int i = 0; i < 1000; i++)
        strbuf_addch(&sb, 'x');
    CHECK_INT(sb.len, 3 + 4 + 1000);
    CHECK(!memcmp(sb.buf, "abc-42-x", 8));
    CHECK(sb.buf[sb.len] == '\0');
    strbuf_reset(&sb);
    strbuf_addhex(&sb, (const uint8_t *)"\x00\xff\x10", 3);
    CHECK_STR(sb.buf, "00ff10");
    strbuf_release(&sb);
    CHECK_INT(sb.len, 0);
    CHECK_STR(sb.buf, "");

    /* terminal-safe output: escape sequences, controls, bidi overrides, bad UTF-8 */
    strbuf_add_safe(&sb,
                    "a\x1b[31mb\n\\c\xff\xe2\x80\xae"
                    "d\xc3\xa9",
                    17);
    CHECK_STR(sb.buf, "a\\x1b[31mb\\x0a\\\\c\\xff\\xe2\\x80\\xaed\xc3\xa9");
    strbuf_release(&sb);
}

static void
test_utf8(void)
{
    uint32_t cp;

    CHECK(utf8_valid("plain", 5));
    CHECK(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(!utf8_valid("\x80", 1));             /* stray continuation */
    CHECK_INT(utf8_decode((const uint8_t *)"\xe2\x82\xac", 3, &cp), 3);
    CHECK_INT(cp, 0x20ac);
    /* the eight-bytes-at-a-time ASCII path: a bad or good sequence at every
     * position of every length up to 24 bytes is judged as on its own */
    for (size_t len = 1; len <= 24; len++) {
        for (size_t at = 0; at < len; at++) {
            char buf[32];
            memset(buf, 'a', sizeof(buf));
            buf[at] = (char)0xff;
            CHECK(!utf8_valid(buf, len));
            buf[at] = (char)0x80;
            CHECK(!utf8_valid(buf, len));
            if (at + 2 <= len) {
                buf[at] = (char)0xc3;
                buf[at + 1] = (char)0xa9;
                CHECK(utf8_valid(buf, len));
                CHECK(!utf8_valid(buf, at + 1)); /* cut after the lead byte */
            }
        }
    }
}

static void
test_json(void)
{
    struct strbuf sb = STRBUF_INIT;
    struct json_writer w;

    json_init(&w, &sb, 0);
    json_begin_object(&w);
    json_kv_str(&w, "a", "x\"y\\z\n\t\x01");
    json_kv_int(&w, "n", -5);
    json_kv_uint(&w, "u", 18446744073709551615ULL);
    json_kv_bool(&w, "t", 1);
    json_kv_str(&w, "null", NULL);
    json_key(&w, "arr");
    json_begin_array(&w);
    json_int(&w, 1);
    json_begin_object(&w);
    json_end_object(&w);
    json_begin_array(&w);
    json_end_array(&w);
    json_end_array(&w);
    json_kv_str(&w, "html", "</script><b>&");
    json_kv_double(&w, "nan", 0.0 / 0.0);
    json_end_object(&w);
    CHECK_STR(sb.buf, "{\"a\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"n\":-5,\"u\":18446744073709551615,"
                      "\"t\":true,\"null\":null,\"arr\":[1,{},[]],"
                      "\"html\":\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\",\"nan\":null}");

    /* invalid UTF-8: replaced, original bytes kept in <key>_hex */
    strbuf_reset(&sb);
    json_init(&w, &sb, 0);
    json_begin_object(&w);
    json_kv_bytes(&w, "name",
                  "a\xff"
                  "b",
                  3);
    json_kv_bytes(&w, "ok", "\xc3\xa9", 2);
    json_end_object(&w);
    CHECK_STR(sb.buf, "{\"name\":\"a\\ufffdb\",\"name_hex\":\"61ff62\",\"ok\":\"\xc3\xa9\"}");

    /* pretty printing nests and separates */
    strbuf_reset(&sb);
    json_init(&w, &sb, 1);
    json_begin_object(&w);
    json_kv_int(&w, "a", 1);
    json_kv_int(&w, "b", 2);
    json_end_object(&w);
    CHECK_STR(sb.buf, "{\n  \"a\": 1,\n  \"b\": 2\n}");
    strbuf_release(&sb);
}

static void
test_io(void)
{
    char dir[] = "/tmp/custody-test-io.XXXXXX";
    struct custody_err err = {0};
    struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
    int fd;

    REQUIRE(mkdtemp(dir));
    strbuf_addf(&path, "%s/out", dir);
    fd = io_create_exclusive(path.buf, 0600, &err);
    REQUIRE(fd >= 0);
    CHECK(io_write_full(fd, "hello", 5) == 0);
    close(fd);
    CHECK_INT(io_create_exclusive(path.buf, 0600, &err), CUSTODY_ERR_EXISTS);
    CHECK(strstr(err.msg, "refusing to overwrite") != NULL);

    /* atomic write refuses to replace unless asked, and leaves no temp files */
    CHECK_INT(io_write_file_atomic(path.buf, "new", 3, 0644, 0, &err), CUSTODY_ERR_EXISTS);
    CHECK(io_read_file(&sb, path.buf, 100, &err) == 0);
    CHECK_STR(sb.buf, "hello");
    CHECK(io_write_file_atomic(path.buf, "new", 3, 0644, IO_REPLACE, &err) == 0);
    strbuf_reset(&sb);
    CHECK(io_read_file(&sb, path.buf, 100, &err) == 0);
    CHECK_STR(sb.buf, "new");
    strbuf_reset(&sb);
    CHECK_INT(io_read_file(&sb, path.buf, 2, &err), CUSTODY_ERR_FORMAT);

    strbuf_reset(&path);
    strbuf_addf(&path, "%s/fresh", dir);
    CHECK(io_write_file_atomic(path.buf, "x", 1, 0640, 0, &err) == 0);
    struct stat st;
    CHECK(stat(path.buf, &st) == 0 && (st.st_mode & 0777) == 0640);

    strbuf_reset(&path);
    strbuf_addf(&path, "%s/missing/dir/file", dir);
    CHECK(io_write_file_atomic(path.buf, "x", 1, 0640, 0, &err) < 0);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);

    strbuf_reset(&sb);
    strbuf_addf(&sb, "rm -rf '%s'", dir);
    CHECK(system(sb.buf) == 0);
    strbuf_release(&sb);
    strbuf_release(&path);
}

/* io_seq_read: a file of an unaligned size read through aligned and unaligned buffers
 * and odd request sizes (direct and buffered parts mixed) gives exactly its bytes. */
static void
test_io_seq(void)
{
    char dir[] = "/tmp/custody-test-seq.XXXXXX";
    struct custody_err err = {0};
    struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
    size_t size = 3 * IO_DIRECT_ALIGN * 7 + 1234;
    uint8_t *data = malloc(size), *buf = NULL;
    int fd;

    REQUIRE(data && mkdtemp(dir));
    REQUIRE(posix_memalign((void **)&buf, IO_DIRECT_ALIGN, size + 2 * IO_DIRECT_ALIGN) == 0);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 2654435761u >> 13);
    strbuf_addf(&path, "%s/seq", dir);
    fd = io_create_exclusive(path.buf, 0600, &err);
    REQUIRE(fd >= 0);
    REQUIRE(io_write_full(fd, data, size) == 0);
    close(fd);
    static const size_t steps[] = {IO_DIRECT_ALIGN * 4, 5000, IO_DIRECT_ALIGN, 1 << 20};
    for (size_t shift = 0; shift <= 1; shift++) {
        for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            struct io_seq_reader r;
            uint8_t *dst = buf + shift; /* shift 1: never aligned, buffered only */
            size_t got = 0;
            ssize_t n;
            REQUIRE(io_seq_open(&r, path.buf, &err) == 0);
            while ((n = io_seq_read(&r, dst + got,
                                    steps[k] < size + 1 - got ? steps[k] : size + 1 - got)) > 0)
                got += (size_t)n;
            CHECK(n == 0);
            CHECK_INT(got, size);
            CHECK(r.pos == size);
            CHECK(memcmp(dst, data, size) == 0);
            io_seq_close(&r);
            io_seq_close(&r); /* closing twice is harmless */
        }
    }
    struct io_seq_reader none;
    CHECK(io_seq_open(&none, "/nonexistent/seq", &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent/seq") != NULL);

    strbuf_addf(&sb, "rm -rf '%s'", dir);
    CHECK(system(sb.buf) == 0);
    strbuf_release(&sb);
    strbuf_release(&path);
    free(data);
    free(buf);
}

static void
test_hash(void)
{
    struct custody_err err = {0};
    struct multihash *mh = NULL;
    char hex[HASH_COUNT][HASH_HEX_MAX];

    REQUIRE(multihash_new(&mh, HASH_F_ALL, &err) == 0);
    multihash_update(mh, "ab", 2);
    multihash_update(mh, "c", 1);
    multihash_final(mh, hex);
    multihash_free(mh);
    CHECK_STR(hex[HASH_MD5], "900150983cd24fb0d6963f7d28e17f72");
    CHECK_STR(hex[HASH_SHA1], "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_STR(hex[HASH_SHA256], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    REQUIRE(multihash_new(&mh, HASH_F_SHA256, &err) == 0);
    multihash_final(mh, hex);
    multihash_free(mh);
    CHECK_STR(hex[HASH_MD5], "");
    CHECK_STR(hex[HASH_SHA256], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    uint8_t bin[4];
    CHECK(hex_decode(bin, 4, "00fFa5") < 0);
    CHECK(hex_decode(bin, 4, "00ffa5zz") < 0);
    CHECK(hex_decode(bin, 4, "00ffa510") == 0 && bin[1] == 0xff && bin[3] == 0x10);

    CHECK(hash_file(hex, "/nonexistent/file", HASH_F_ALL, NULL, &err) < 0);
    CHECK(strstr(err.msg, "'/nonexistent/file'") != NULL);
}

/* The pipelines' hash threads: each algo of a thread fed piece by piece gives the
 * digest of the whole buffer; the threads share all three algos, MD5 alone. */
static void
test_hash_threads(void)
{
    struct custody_err err = {0};
    struct multihash *each[HASH_COUNT] = {NULL}, *whole = NULL;
    char got[HASH_COUNT][HASH_HEX_MAX], want[HASH_COUNT][HASH_HEX_MAX];
    size_t len = (3u << 16) + 12345; /* pieces of 64 KiB and a tail */
    uint8_t *buf = malloc(len);
    unsigned all = 0;

    REQUIRE(buf != NULL);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 131 + (i >> 9));
    for (int t = 0; t < HASH_THREADS; t++) {
        CHECK((all & hash_thread_algos(t)) == 0);
        all |= hash_thread_algos(t);
    }
    CHECK(all == HASH_F_ALL && hash_thread_algos(0) == HASH_F_MD5);
    for (int a = 0; a < HASH_COUNT; a++)
        REQUIRE(multihash_new(&each[a], 1u << a, &err) == 0);
    REQUIRE(multihash_new(&whole, HASH_F_ALL, &err) == 0);
    multihash_update_each(each, HASH_F_SHA1 | HASH_F_SHA256, buf, 1000);
    multihash_update_each(each, HASH_F_SHA1 | HASH_F_SHA256, buf + 1000, len - 1000);
    multihash_update_each(each, HASH_F_MD5, buf, len);
    multihash_update(whole, buf, len);
    multihash_final(whole, want);
    for (int a = 0; a < HASH_COUNT; a++) {
        char hex[HASH_COUNT][HASH_HEX_MAX];
        multihash_final(each[a], hex);
        memcpy(got[a], hex[a], sizeof(got[a]));
        multihash_free(each[a]);
        CHECK_STR(got[a], want[a]);
    }
    multihash_free(whole);
    free(buf);
}

/* A helper thread lowers its own priority, and only its own. */
static void *
prio_thread(void *arg)
{
    int *after = arg;

    thread_prio_helper();
    *after = getpriority(PRIO_PROCESS, (id_t)gettid());
    return NULL;
}

static void
test_thread_prio(void)
{
    int before = getpriority(PRIO_PROCESS, (id_t)gettid()), after = 99;
    pthread_t t;

    REQUIRE(pthread_create(&t, NULL, prio_thread, &after) == 0);
    pthread_join(t, NULL);
    CHECK(after == (before + THREAD_HELPER_NICE > 19 ? 19 : before + THREAD_HELPER_NICE));
    CHECK(getpriority(PRIO_PROCESS, (id_t)gettid()) == before);
}

/* The shared civil-date conversion against gmtime_r, every day from 1600 to 2400
 * (negative day counts, leap centuries). */
static void
test_civil(void)
{
    int bad = 0;

    for (int64_t days = -135140; days <= 157054 && !bad; days++) {
        time_t t = (time_t)(days * 86400);
        struct tm tm;
        int64_t y;
        unsigned m, d;
        custody_civil_from_days(days, &y, &m, &d);
        gmtime_r(&t, &tm);
        bad = y != tm.tm_year + 1900 || (int)m != tm.tm_mon + 1 || (int)d != tm.tm_mday;
    }
    CHECK(!bad);
}

static void
test_cli(void)
{
    uint64_t v;
    int64_t ns;
    struct strbuf sb = STRBUF_INIT;

    CHECK(cli_parse_u64("123", &v) == 0 && v == 123);
    CHECK(cli_parse_u64("-1", &v) < 0);
    CHECK(cli_parse_u64("12x", &v) < 0);
    CHECK(cli_parse_u64("", &v) < 0);
    CHECK(cli_parse_u64("18446744073709551616", &v) < 0);
    CHECK(cli_parse_size("2G", &v) == 0 && v == 2ULL << 30);
    CHECK(cli_parse_size("4KiB", &v) == 0 && v == 4096);
    CHECK(cli_parse_size("4KB", &v) == 0 && v == 4000);
    CHECK(cli_parse_size("1t", &v) == 0 && v == 1ULL << 40);
    CHECK(cli_parse_size("1Q", &v) < 0);
    CHECK(cli_parse_size("99999999999E", &v) < 0);

    custody_format_time(&sb, 1700000000123456789LL);
    CHECK_STR(sb.buf, "2023-11-14T22:13:20.123456789Z");
    CHECK(custody_parse_time(sb.buf, &ns) == 0 && ns == 1700000000123456789LL);
    strbuf_reset(&sb);
    custody_format_time(&sb, -1);
    CHECK_STR(sb.buf, "1969-12-31T23:59:59.999999999Z");
    CHECK(custody_parse_time("2023-11-14T23:13:20+01:00", &ns) == 0 &&
          ns == 1700000000LL * 1000000000);
    CHECK(custody_parse_time("2023-11-14", &ns) == 0 && ns == 1699920000LL * 1000000000);
    CHECK(custody_parse_time("2023-13-14", &ns) < 0);
    CHECK(custody_parse_time("2023-11-14T25:00", &ns) < 0);
    CHECK(custody_parse_time("yesterday", &ns) < 0);
    CHECK(custody_parse_time("9999-12-31T23:59:59Z", &ns) < 0); /* past 2262: no overflow */
    CHECK(custody_parse_time("1000-01-01", &ns) < 0);
    CHECK(custody_parse_time("2262-01-01T00:00:00Z", &ns) == 0 && ns > 0);
    CHECK(custody_parse_time("1678-01-01T00:00:00Z", &ns) == 0 && ns < 0);

    strbuf_reset(&sb);
    char *argv[] = {"custody-acquire", "/dev/sdb", "--notes", "it's here", "--x=$HOME"};
    cli_argv_string(&sb, 5, argv);
    CHECK_STR(sb.buf, "custody-acquire /dev/sdb --notes 'it'\\''s here' '--x=$HOME'");
    strbuf_release(&sb);
}

static void
test_err(void)
{
    struct custody_err err = {0};

    CHECK_INT(custody_err_errno(&err, CUSTODY_ERR_IO, EIO, "cannot read '%s' at offset %d",
                                "/dev/sdb", 4096),
              CUSTODY_ERR_IO);
    CHECK_STR(err.msg, "cannot read '/dev/sdb' at offset 4096: Input/output error");
    custody_err_prefix(&err, "acquiring '%s'", "sdb");
    CHECK_STR(err.msg,
              "acquiring 'sdb': cannot read '/dev/sdb' at offset 4096: Input/output error");
    CHECK_INT(custody_err_from_errno(ENOSPC), CUSTODY_ERR_NOSPACE);
    CHECK_INT(custody_err_set(NULL, CUSTODY_ERR_DB, "ignored"), CUSTODY_ERR_DB);
}

int
main(void)
{
    test_strbuf();
    test_utf8();
    test_json();
    test_io();
    test_io_seq();
    test_hash();
    test_hash_threads();
    test_thread_prio();
    test_civil();
    test_cli();
    test_err();
    CHECK_DONE();
}
