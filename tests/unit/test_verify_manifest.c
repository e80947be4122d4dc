/* Unit tests for custody-verify's manifest and signature checks (verify/
 * image_manifest.c, keyring.c) on raw and split raw images: a good signed
 * manifest, no trusted keys, an untrusted key, an edited manifest, a signature of
 * another file, an image one byte short, a missing or extra split file. */
#include "check.h"
#include "hash.h"
#include "io.h"
#include "manifest.h"
#include "sign.h"
#include "verify.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/custody-vm-XXXXXX";

static const char *
in_dir(struct strbuf *sb, const char *name)
{
    strbuf_reset(sb);
    strbuf_addf(sb, "%s/%s", dir, name);
    return sb->buf;
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static char *
xdup(const char *s)
{
    char *d = strdup(s);
    REQUIRE(d);
    return d;
}

/* Write BASE.manifest for the given files (media = their concatenation) and sign
 * it with k unless k is NULL. */
static void
make_manifest(const char *base, const char *const *names, size_t n, struct sign_seckey *k,
              const char *key_id)
{
    struct strbuf p = STRBUF_INIT, text = STRBUF_INIT, sig = STRBUF_INIT, tc = STRBUF_INIT;
    struct manifest m;
    struct multihash *mh = NULL;
    char media[HASH_COUNT][HASH_HEX_MAX];
    struct custody_err err;

    memset(&m, 0, sizeof(m));
    REQUIRE(multihash_new(&mh, HASH_F_ALL, &err) == 0);
    m.n_files = n;
    m.files = calloc(n, sizeof(*m.files));
    REQUIRE(m.files);
    for (size_t i = 0; i < n; i++) {
        struct strbuf data = STRBUF_INIT;
        char hex[HASH_COUNT][HASH_HEX_MAX];
        REQUIRE(io_read_file(&data, in_dir(&p, names[i]), 1 << 24, &err) == 0);
        multihash_update(mh, data.buf, data.len);
        hash_buffer(HASH_SHA256, (uint8_t *)hex[0], data.buf, data.len);
        strbuf_reset(&tc);
        strbuf_addhex(&tc, (uint8_t *)hex[0], 32);
        memcpy(m.files[i].sha256, tc.buf, 65);
        m.files[i].name = xdup(names[i]);
        m.files[i].size = data.len;
        m.media_size += data.len;
        strbuf_release(&data);
    }
    multihash_final(mh, media);
    multihash_free(mh);
    memcpy(m.md5, media[HASH_MD5], 33);
    memcpy(m.sha1, media[HASH_SHA1], 41);
    memcpy(m.sha256, media[HASH_SHA256], 65);
    m.case_number = xdup("C-<1>");
    m.asset = xdup("web01");
    m.evidence = xdup("sda");
    m.examiner = xdup("Ann <script>");
    m.key_id = key_id ? xdup(key_id) : NULL;
    m.source = xdup("/dev/sdb");
    m.source_type = xdup("block-device");
    m.sector_size = 512;
    m.format = xdup("raw");
    m.status = xdup("complete");
    m.started_at = 1795809600000000000ll;
    m.ended_at = 1795809700000000000ll;
    m.tool_version = xdup("custody-acquire 0.1.0");
    manifest_format(&text, &m);
    strbuf_reset(&p);
    strbuf_addf(&p, "%s/%s.manifest", dir, base);
    unlink(p.buf);
    write_bytes(p.buf, text.buf, text.len);
    if (k) {
        strbuf_reset(&tc);
        strbuf_addf(&tc, "case C-1 evidence sda sha256 %s", m.sha256);
        REQUIRE(sign_minisig(&sig, k, text.buf, text.len, tc.buf, &err) == 0);
        strbuf_addstr(&p, ".minisig");
        unlink(p.buf);
        write_bytes(p.buf, sig.buf, sig.len);
    }
    manifest_release(&m);
    strbuf_release(&p);
    strbuf_release(&text);
    strbuf_release(&sig);
    strbuf_release(&tc);
}

struct outcome {
    int exit_code;
    int anchored;
    struct report r;
};

static int
run(struct outcome *o, const char *image, const char *trusted, int require_sig)
{
    struct strbuf p = STRBUF_INIT;
    struct verify_options opt;
    struct custody_err err;
    const char *tk[1];
    const char *img[1];
    int rc;

    memset(&opt, 0, sizeof(opt));
    if (trusted) {
        tk[0] = trusted;
        opt.trusted_keys = tk;
        opt.n_trusted = 1;
    }
    opt.require_signature = require_sig;
    img[0] = in_dir(&p, image);
    report_init(&o->r, "image");
    rc = verify_images(&o->r, img, 1, &opt, &err);
    if (rc < 0)
        fprintf(stderr, "verify_images: %s\n", err.msg);
    report_finish(&o->r);
    o->exit_code = o->r.exit_code;
    o->anchored = o->r.anchored;
    strbuf_release(&p);
    return rc;
}

/* 1 when some check has this status, its name starts with name, and its detail
 * contains text. */
static int
has(const struct outcome *o, enum check_status st, const char *name, const char *text)
{
    for (size_t i = 0; i < o->r.n_checks; i++) {
        const struct check *c = &o->r.checks[i];
        if (c->status == st && !strncmp(c->name, name, strlen(name)) &&
            (!text || strstr(c->detail, text)))
            return 1;
    }
    return 0;
}

/* The anchor of the first check named name ("" when none). */
static const char *
anchor_of(const struct outcome *o, const char *name)
{
    for (size_t i = 0; i < o->r.n_checks; i++)
        if (!strcmp(o->r.checks[i].name, name))
            return o->r.checks[i].anchor ? o->r.checks[i].anchor : "";
    return "";
}

static void
dump(const struct outcome *o)
{
    struct strbuf sb = STRBUF_INIT;
    report_text(&sb, &o->r, 0);
    fputs(sb.buf, stderr);
    strbuf_release(&sb);
}

int
main(void)
{
    struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
    struct sign_seckey *k1 = NULL, *k2 = NULL;
    struct minisign_pubkey pub1, pub2;
    char id1[MINISIGN_KEY_ID_HEX];
    struct custody_err err;
    struct outcome o;
    uint8_t data[200000];
    const char *one[] = {"disk.raw"};
    const char *split[] = {"sp.000", "sp.001", "sp.002"};

    REQUIRE(crypto_init(&err) == 0);
    REQUIRE(mkdtemp(dir));
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + (i >> 9));
    REQUIRE(sign_keygen(&k1, &err) == 0);
    REQUIRE(sign_keygen(&k2, &err) == 0);
    sign_seckey_public(k1, &pub1);
    sign_seckey_public(k2, &pub2);
    minisign_key_id_hex(id1, pub1.key_id);
    mkdir(in_dir(&p, "trusted"), 0755);
    REQUIRE(sign_pubkey_write(&pub1, in_dir(&p, "trusted/ann.pub"), &err) == 0);
    REQUIRE(sign_pubkey_write(&pub2, in_dir(&p, "other.pub"), &err) == 0);
    write_bytes(in_dir(&p, "disk.raw"), data, sizeof(data));
    make_manifest("disk", one, 1, k1, id1);

    /* good, trusted key folder: all pass, anchored */
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "trusted"), 1) == 0);
    CHECK_INT(o.exit_code, 0);
    CHECK(o.anchored);
    CHECK(has(&o, CHECK_PASS, "signature", id1));
    CHECK(has(&o, CHECK_PASS, "SHA256 vs manifest", NULL));
    CHECK(has(&o, CHECK_PASS, "file disk.raw", NULL));
    CHECK(has(&o, CHECK_PASS, "media size vs manifest", "200000"));
    if (o.exit_code != 0)
        dump(&o);
    report_release(&o.r);

    /* no trusted keys: verified but not anchored; --require-signature fails */
    REQUIRE(run(&o, "disk.raw", NULL, 0) == 0);
    CHECK_INT(o.exit_code, 0);
    CHECK(!o.anchored);
    CHECK(has(&o, CHECK_CANNOT, "signature", "no trusted keys"));
    CHECK(!strncmp(anchor_of(&o, "SHA256 vs manifest"),
                   "self-consistent (manifest signed by unknown key", 46));
    report_release(&o.r);
    REQUIRE(run(&o, "disk.raw", NULL, 1) == 0);
    CHECK_INT(o.exit_code, 1);
    report_release(&o.r);

    /* an untrusted key */
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "other.pub"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "signature", "not among the trusted keys"));
    report_release(&o.r);

    /* an edited manifest (one byte of the examiner's name) */
    {
        struct strbuf t = STRBUF_INIT;
        REQUIRE(io_read_file(&t, in_dir(&p, "disk.manifest"), 1 << 20, &err) == 0);
        char *e = strstr(t.buf, "Ann <script>");
        REQUIRE(e);
        e[0] = 'B';
        unlink(p.buf);
        write_bytes(p.buf, t.buf, t.len);
        strbuf_release(&t);
    }
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "signature", "does not match the manifest"));
    CHECK(!o.anchored);
    report_release(&o.r);

    /* a signature of another file: a valid .minisig, but for different bytes */
    make_manifest("disk", one, 1, k1, id1);
    {
        struct strbuf sig = STRBUF_INIT;
        REQUIRE(sign_minisig(&sig, k1, "other", 5, "x", &err) == 0);
        unlink(in_dir(&p, "disk.manifest.minisig"));
        write_bytes(p.buf, sig.buf, sig.len);
        strbuf_release(&sig);
    }
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "signature", "does not match"));
    report_release(&o.r);

    /* signature missing although the manifest names a key */
    unlink(in_dir(&p, "disk.manifest.minisig"));
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "signature", "is missing"));
    report_release(&o.r);

    /* a raw image one byte short */
    make_manifest("disk", one, 1, k1, id1);
    REQUIRE(truncate(in_dir(&p, "disk.raw"), sizeof(data) - 1) == 0);
    REQUIRE(run(&o, "disk.raw", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "media size vs manifest", "199999"));
    CHECK(has(&o, CHECK_FAIL, "SHA256 vs manifest", NULL));
    CHECK(has(&o, CHECK_FAIL, "file disk.raw", "199999 bytes"));
    report_release(&o.r);

    /* a raw image with no manifest: nothing to compare with, exit 1 */
    unlink(in_dir(&p, "disk.manifest"));
    REQUIRE(run(&o, "disk.raw", NULL, 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_CANNOT, "media hashes", "nothing to compare"));
    report_release(&o.r);

    /* split raw: good, then a missing last piece, then an extra piece */
    write_bytes(in_dir(&p, "sp.000"), data, 80000);
    write_bytes(in_dir(&p, "sp.001"), data + 80000, 80000);
    write_bytes(in_dir(&p, "sp.002"), data + 160000, 40000);
    make_manifest("sp", split, 3, k1, id1);
    REQUIRE(run(&o, "sp.000", in_dir(&q, "trusted/ann.pub"), 1) == 0);
    CHECK_INT(o.exit_code, 0);
    CHECK(has(&o, CHECK_PASS, "SHA256 vs manifest", NULL));
    if (o.exit_code != 0)
        dump(&o);
    report_release(&o.r);
    write_bytes(in_dir(&p, "sp.003"), "x", 1);
    REQUIRE(run(&o, "sp.000", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "extra file", "sp.003"));
    report_release(&o.r);
    unlink(in_dir(&p, "sp.003"));
    unlink(in_dir(&p, "sp.002"));
    REQUIRE(run(&o, "sp.000", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "file sp.002", "missing"));
    report_release(&o.r);
    /* a gap: .001 missing while .002 exists */
    write_bytes(in_dir(&p, "sp.002"), data + 160000, 40000);
    unlink(in_dir(&p, "sp.001"));
    REQUIRE(run(&o, "sp.000", in_dir(&q, "trusted"), 0) == 0);
    CHECK_INT(o.exit_code, 1);
    CHECK(has(&o, CHECK_FAIL, "split files", "missing"));
    report_release(&o.r);

    /* an E01 with its signed manifest (ewfacquire makes the E01) */
    write_bytes(in_dir(&p, "src.bin"), data, sizeof(data));
    strbuf_reset(&q);
    strbuf_addf(&q, "ewfacquire -u -q -t '%s/ev' -c fast '%s' >/dev/null 2>&1", dir, p.buf);
    if (system(q.buf) == 0) {
        const char *e01[] = {"ev.E01"};
        make_manifest("ev", e01, 1, k1, id1);
        /* make_manifest hashed the E01 file as the media: put the source's hashes in */
        struct strbuf t = STRBUF_INIT;
        struct manifest m;
        char hex[HASH_COUNT][HASH_HEX_MAX];
        uint64_t size;
        REQUIRE(io_read_file(&t, in_dir(&p, "ev.manifest"), 1 << 20, &err) == 0);
        REQUIRE(manifest_parse(&m, t.buf, t.len, &err) == 0);
        REQUIRE(hash_file(hex, in_dir(&p, "src.bin"), HASH_F_ALL, &size, &err) == 0);
        memcpy(m.md5, hex[HASH_MD5], 33);
        memcpy(m.sha1, hex[HASH_SHA1], 41);
        memcpy(m.sha256, hex[HASH_SHA256], 65);
        m.media_size = size;
        strbuf_reset(&t);
        manifest_format(&t, &m);
        unlink(in_dir(&p, "ev.manifest"));
        write_bytes(p.buf, t.buf, t.len);
        strbuf_reset(&q);
        strbuf_addf(&q, "case C-1 evidence sda sha256 %s", m.sha256);
        struct strbuf sig = STRBUF_INIT;
        REQUIRE(sign_minisig(&sig, k1, t.buf, t.len, q.buf, &err) == 0);
        unlink(in_dir(&p, "ev.manifest.minisig"));
        write_bytes(p.buf, sig.buf, sig.len);
        manifest_release(&m);
        strbuf_release(&t);
        strbuf_release(&sig);
        REQUIRE(run(&o, "ev.E01", in_dir(&q, "trusted"), 1) == 0);
        CHECK_INT(o.exit_code, 0);
        CHECK(o.anchored);
        CHECK(has(&o, CHECK_PASS, "SHA256 vs manifest", hex[HASH_SHA256]));
        CHECK(has(&o, CHECK_PASS, "MD5 vs E01", hex[HASH_MD5]));
        CHECK(has(&o, CHECK_PASS, "file ev.E01", NULL));
        CHECK(has(&o, CHECK_PASS, "read errors vs manifest", NULL));
        /* the signed file hashes anchor the image's own checks */
        CHECK(!strncmp(anchor_of(&o, "chunks"), "trusted signature (key ", 23));
        CHECK(!strncmp(anchor_of(&o, "segments"), "trusted signature (key ", 23));
        if (o.exit_code != 0)
            dump(&o);
        report_release(&o.r);
        /* an extra segment beside it */
        REQUIRE(link(in_dir(&p, "ev.E01"), in_dir(&q, "ev.E02")) == 0);
        REQUIRE(run(&o, "ev.E01", in_dir(&q, "trusted"), 1) == 0);
        CHECK_INT(o.exit_code, 1);
        CHECK(has(&o, CHECK_FAIL, "extra file", "ev.E02"));
        CHECK(has(&o, CHECK_FAIL, "segments", "ev.E02"));
        report_release(&o.r);
    } else {
        fprintf(stderr, "ewfacquire not available: E01 manifest case skipped\n");
    }

    /* a malformed trusted key file: could not run */
    write_bytes(in_dir(&p, "bad.pub"), "nonsense\n", 9);
    CHECK(run(&o, "sp.000", in_dir(&q, "bad.pub"), 0) < 0);
    report_release(&o.r);

    sign_seckey_free(k1);
    sign_seckey_free(k2);
    strbuf_reset(&p);
    strbuf_addf(&p, "rm -rf '%s'", dir);
    CHECK(system(p.buf) == 0);
    strbuf_release(&p);
    strbuf_release(&q);
    CHECK_DONE();
}
