/* Unit tests of the timeline core: body-file lines as fls prints them, the --ioc
 * parser, the content hook (the log parsers' way into images), and the order of
 * mactime's lines (mac_sort) against a plain compare-everything sort. */
#include "check.h"

#include "cli.h"
#include "hash.h"
#include "mac_sort.h"
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_body_lines(void)
{
    struct strbuf sb = STRBUF_INIT;
    struct tl_file f;

    memset(&f, 0, sizeof(f));
    f.path = "/dir/a\nb";
    f.path_len = 8;
    f.inode = "12";
    f.name_type = 5; /* regular */
    f.meta_type = 1;
    f.mode = 0644 | 04000;
    f.uid = 1000;
    f.gid = 100;
    f.size = 42;
    f.time[0] = 1500000000123456789LL; /* atime */
    f.time[1] = -1;                    /* mtime: 1 ns before the epoch: sec -1 */
    f.time_set = 3;
    timeline_body_line(&sb, "/p2", &f);
    CHECK_STR(sb.buf, "0|/p2/dir/a^b|12|r/rrwSr--r--|1000|100|42|1500000000|4294967295|0|0\n");

    strbuf_reset(&sb);
    f.flags = TL_F_DELETED | TL_F_REALLOC | TL_F_FNAME;
    f.inode = "35-48-2";
    f.link = "t\x1bx";
    f.link_len = 3;
    f.md5 = "d41d8cd98f00b204e9800998ecf8427e";
    timeline_body_name(&sb, "", &f);
    CHECK_STR(sb.buf, "/dir/a^b ($FILE_NAME) -> t^x (deleted-realloc)");

    strbuf_reset(&sb);
    memset(&f, 0, sizeof(f));
    f.path = "/gone|x";
    f.path_len = 7;
    f.inode = "0";
    f.name_type = 5;
    f.meta_type = -1; /* no metadata: fls prints zeros */
    f.flags = TL_F_DELETED;
    timeline_body_line(&sb, "", &f);
    CHECK_STR(sb.buf, "0|/gone|x (deleted)|0|r/----------|0|0|0|0|0|0|0\n");
    strbuf_release(&sb);
}

static void
test_ioc(void)
{
    char path[] = "/tmp/custody-ioc-XXXXXX";
    struct ioc_set *s = NULL;
    struct custody_err err = {0};
    int fd = mkstemp(path);
    FILE *fp;

    REQUIRE(fd >= 0);
    fp = fdopen(fd, "w");
    fputs("# comment\n\n"
          "D41D8CD98F00B204E9800998ECF8427E  empty file\n"
          "  da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\tsha256 empty\n",
          fp);
    fclose(fp);
    REQUIRE(ioc_set_load(&s, path, &err) == 0);
    CHECK_INT(ioc_set_count(s), 3);
    CHECK(ioc_set_has_sha1(s));
    CHECK_STR(ioc_set_match(s, "d41d8cd98f00b204e9800998ecf8427e"), "empty file");
    CHECK_STR(ioc_set_match(s, "da39a3ee5e6b4b0d3255bfef95601890afd80709"), "");
    CHECK_STR(ioc_set_match(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
              "sha256 empty");
    CHECK(ioc_set_match(s, "00000000000000000000000000000000") == NULL);
    CHECK(ioc_set_match(s, "") == NULL);
    ioc_set_free(s);

    fp = fopen(path, "w");
    fputs("d41d8cd98f00b204e9800998ecf8427e\nd41d8cd98f00b204e9800998ecf8427\n", fp);
    fclose(fp);
    CHECK(ioc_set_load(&s, path, &err) == CUSTODY_ERR_FORMAT);
    CHECK(strstr(err.msg, "line 2") != NULL);
    fp = fopen(path, "w");
    fputs("d41d8cd98f00b204e9800998ecf8427ez name\n", fp);
    fclose(fp);
    CHECK(ioc_set_load(&s, path, &err) == CUSTODY_ERR_FORMAT);
    unlink(path);
}

struct hook_state {
    int64_t file_id, partition_id;
    int begins, ends, complete;
    struct multihash *mh;
    uint64_t bytes;
};

static int64_t
hook_want(void *ctx, const char *path, size_t len, int64_t size, int deleted)
{
    (void)ctx;
    (void)deleted;
    return len == 14 && !memcmp(path, "/passwords.txt", 14) ? size : 0;
}

static int
hook_begin(void *ctx, struct casedb *db, int64_t evidence_id, int64_t partition_id, int64_t file_id,
           const struct tl_file *f, struct custody_err *err)
{
    struct hook_state *h = ctx;
    (void)db;
    (void)evidence_id;
    h->begins++;
    h->file_id = file_id;
    h->partition_id = partition_id;
    CHECK_STR(f->inode, "14");
    return multihash_new(&h->mh, HASH_F_MD5, err);
}

static int
hook_data(void *ctx, const void *buf, size_t len, struct custody_err *err)
{
    struct hook_state *h = ctx;
    (void)err;
    multihash_update(h->mh, buf, len);
    h->bytes += len;
    return 0;
}

static int
hook_end(void *ctx, int complete, const char *error, struct custody_err *err)
{
    struct hook_state *h = ctx;
    (void)err;
    h->ends++;
    h->complete = complete && !error;
    return 0;
}

static void
test_content_hook(void)
{
    const char *data = getenv("CUSTODY_TESTDATA");
    char dir[] = "/tmp/custody-tl-XXXXXX";
    char dbpath[256], image[512];
    char hex[HASH_COUNT][HASH_HEX_MAX];
    struct casedb_case c = {0};
    struct casedb *db = NULL;
    struct custody_err err = {0};
    struct hook_state h = {0};
    struct timeline_content_hook hook = {&h, hook_want, hook_begin, hook_data, hook_end};
    struct timeline_build_opts o = {0};
    struct timeline_build_result r;
    const char *images[1];
    char *argv[] = {"test_timeline", NULL};

    if (!data) {
        fprintf(stderr, "no CUSTODY_TESTDATA: content hook test skipped\n");
        return;
    }
    snprintf(image, sizeof(image), "%s/images/fs/dfvfs-ext2.raw", data);
    if (access(image, R_OK) != 0) {
        fprintf(stderr, "no %s: content hook test skipped\n", image);
        return;
    }
    REQUIRE(crypto_init(&err) == 0);
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(dbpath, sizeof(dbpath), "%s/case.db", dir);
    c.case_number = "T-1";
    c.title = "hook";
    REQUIRE(casedb_create(&db, dbpath, &c, &err) == 0);
    images[0] = image;
    o.images = images;
    o.n_images = 1;
    o.asset = "host";
    o.evidence = "disk";
    o.time_limit = 60;
    o.max_events = 1000;
    o.content = &hook;
    o.argc = 1;
    o.argv = argv;
    REQUIRE(timeline_build(db, &o, &r, &err) == 0);
    CHECK_INT(r.skipped, 0);
    CHECK_INT(r.files, 7);
    CHECK_INT(h.begins, 1);
    CHECK_INT(h.ends, 1);
    CHECK(h.complete);
    CHECK_INT(h.bytes, 116);
    CHECK(h.file_id > 0);
    CHECK(h.partition_id > 0);
    multihash_final(h.mh, hex);
    /* icat dfvfs-ext2.raw 14 | md5sum */
    CHECK_STR(hex[HASH_MD5], "39cb097008d17660abd0539891a672af");
    multihash_free(h.mh);
    timeline_build_result_release(&r);
    casedb_close(db);
    snprintf(image, sizeof(image), "rm -rf '%s'", dir);
    CHECK(system(image) == 0);
}

/* The reference: every entry (second, key bytes, file, letter) sorted by compare,
 * equal (second, key) merged, the last file of each run shown. */
struct ref_ent {
    int64_t sec;
    const char *key;
    size_t len;
    uint32_t file;
    unsigned bit;
};

static int
ref_cmp(const void *pa, const void *pb)
{
    const struct ref_ent *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c;

    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if ((c = memcmp(a->key, b->key, n)) != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->file > b->file) - (a->file < b->file);
}

static uint64_t
rnd(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void
mac_sort_round(uint64_t seed, size_t nfiles, int64_t span, int64_t base)
{
    static const char *const inodes[] = {"12", "12-128-1", "123", "123456789012-128-4", "1", "9"};
    static const char *const names[] = {"/a",
                                        "/ab",
                                        "/a\"b",
                                        "/srv/data/file_00",
                                        "/srv/data/file_0",
                                        "/\xff\xfe",
                                        "/",
                                        "/srv/data/file_00 (deleted)"};
    struct mac_sort s;
    struct mac_line line;
    struct ref_ent *ref;
    struct custody_err err = {0};
    size_t nref = 0, pos = 0, r = 0, lines = 0;
    uint64_t st = seed;

    mac_sort_init(&s);
    ref = calloc(nfiles * 4 + 1, sizeof(*ref));
    REQUIRE(ref != NULL);
    for (uint32_t i = 0; i < nfiles; i++) {
        size_t key = s.keys.len;
        const char *ino = inodes[rnd(&st) % 6];
        int64_t sec[4];
        unsigned mask = (unsigned)(rnd(&st) % 16);
        strbuf_addstr(&s.keys, ino);
        strbuf_addch(&s.keys, ',');
        strbuf_addstr(&s.keys, names[rnd(&st) % 8]);
        if (rnd(&st) % 2)
            strbuf_addf(&s.keys, "%u", (unsigned)(rnd(&st) % 50));
        for (int b = 0; b < 4; b++)
            sec[b] = base + (span ? (int64_t)(rnd(&st) % (uint64_t)span) : 0);
        REQUIRE(mac_sort_add(&s, key, strlen(ino), sec, mask) == i);
        for (unsigned b = 0; b < 4; b++)
            if (mask & (1u << b))
                ref[nref++] = (struct ref_ent){sec[b], NULL, s.keys.len - key, i, 1u << b};
    }
    for (size_t i = 0; i < nref; i++) /* keys are read after the arena stopped moving */
        ref[i].key = s.keys.buf + s.files[ref[i].file].key;
    qsort(ref, nref, sizeof(*ref), ref_cmp);
    REQUIRE(mac_sort_run(&s, &err) == 0);
    while (mac_sort_next(&s, &pos, &line)) {
        size_t j = r;
        unsigned macb = 0;
        REQUIRE(r < nref);
        while (j < nref && ref[j].sec == ref[r].sec && ref[j].len == ref[r].len &&
               !memcmp(ref[j].key, ref[r].key, ref[r].len))
            macb |= ref[j++].bit;
        CHECK_INT(line.sec, ref[r].sec);
        CHECK_INT(line.macb, macb);
        CHECK_INT(line.file, ref[j - 1].file);
        r = j;
        lines++;
    }
    CHECK_INT(r, nref);
    CHECK(lines > 0 || nref == 0);
    free(ref);
    mac_sort_release(&s);
}

static void
test_mac_sort(void)
{
    struct mac_sort s;
    struct strbuf sb = STRBUF_INIT;
    struct mac_line line;
    struct custody_err err = {0};
    const int64_t t[4] = {100, 100, 5, 100};
    size_t pos = 0;

    /* small spans (many equal seconds: merging), wide ones, negative seconds, the
     * full 32-bit range of fls's times, nothing at all */
    mac_sort_round(1, 3000, 3, 1772323200);
    mac_sort_round(2, 20000, 1000, 0);
    mac_sort_round(3, 5000, 4294967296LL, 0);
    mac_sort_round(4, 5000, 1LL << 34, -(1LL << 33));
    mac_sort_round(5, 1, 0, 7);
    mac_sort_round(6, 0, 0, 0);

    /* The printed tail: inode, the name in quotes with its quotes doubled. */
    mac_sort_init(&s);
    strbuf_addstr(&s.keys, "35-128-1,/a \"b\",c");
    mac_sort_add(&s, 0, 8, t, MAC_M | MAC_A | MAC_C);
    REQUIRE(mac_sort_run(&s, &err) == 0);
    REQUIRE(mac_sort_next(&s, &pos, &line));
    CHECK_INT(line.sec, 5);
    CHECK_INT(line.macb, MAC_C);
    REQUIRE(mac_sort_next(&s, &pos, &line));
    CHECK_INT(line.sec, 100);
    CHECK_INT(line.macb, MAC_M | MAC_A);
    mac_sort_add_meta_name(&s, line.file, &sb);
    CHECK_STR(sb.buf, "35-128-1,\"/a \"\"b\"\",c\"\n");
    CHECK(!mac_sort_next(&s, &pos, &line));
    mac_sort_release(&s);
    strbuf_release(&sb);
}

int
main(void)
{
    test_body_lines();
    test_mac_sort();
    test_ioc();
    test_content_hook();
    CHECK_DONE();
}
