/* Unit tests for keys and signatures (common/sign.c, minisign.c, base64.c),
 * with the stock minisign as the oracle when it is installed. */
#include "base64.h"
#include "check.h"
#include "hash.h"
#include "io.h"
#include "minisign.h"
#include "sign.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/custody-sign-XXXXXX";

static const char *
path_in(struct strbuf *sb, const char *name)
{
    strbuf_reset(sb);
    strbuf_addf(sb, "%s/%s", dir, name);
    return sb->buf;
}

static void
write_text(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    REQUIRE(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void
test_base64(void)
{
    struct strbuf sb = STRBUF_INIT;
    uint8_t out[8];

    base64_encode(&sb, "foobar", 6);
    CHECK_STR(sb.buf, "Zm9vYmFy");
    strbuf_reset(&sb);
    base64_encode(&sb, "fo", 2);
    CHECK_STR(sb.buf, "Zm8=");
    CHECK(base64_decode_exact(out, 2, "Zm8=", 4) == 0 && out[0] == 'f' && out[1] == 'o');
    CHECK(base64_decode_exact(out, 2, "Zm9=", 4) < 0); /* non-zero unused bits */
    CHECK(base64_decode_exact(out, 2, "Zm8", 3) < 0);
    CHECK(base64_decode_exact(out, 2, "Zm8A", 4) < 0);
    CHECK(base64_decode_exact(out, 1, "Zg==", 4) == 0 && out[0] == 'f');
    CHECK(base64_decode_exact(out, 1, "Zg=A", 4) < 0);
    CHECK(base64_decode_exact(out, 3, "Zm9v", 4) == 0);
    CHECK(base64_decode_exact(out, 3, "Zm9*", 4) < 0);
    strbuf_release(&sb);
}

static void
test_keys(void)
{
    struct strbuf p = STRBUF_INIT, text = STRBUF_INIT, p2 = STRBUF_INIT;
    struct custody_err err = {0};
    struct sign_seckey *k = NULL, *k2 = NULL;
    struct minisign_pubkey pub, pub2;
    struct sign_pass_src src = {0};
    struct sign_keyfile kf;
    struct stat st;
    char *pass;
    size_t passlen;

    REQUIRE(sign_keygen(&k, &err) == 0);
    sign_seckey_public(k, &pub);
    {
        uint8_t id[8];
        sign_key_id(id, pub.pk);
        CHECK(memcmp(id, pub.key_id, 8) == 0);
    }
    REQUIRE(sign_seckey_write(k, path_in(&p, "a.key"), "correct horse", 13, &err) == 0);
    REQUIRE(stat(p.buf, &st) == 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    /* refusal to overwrite, file unchanged */
    CHECK(sign_seckey_write(k, p.buf, "x", 1, &err) == CUSTODY_ERR_EXISTS);
    CHECK(sign_seckey_write(k, p.buf, "other", 5, &err) == CUSTODY_ERR_EXISTS);
    CHECK(sign_seckey_write(k, path_in(&p2, "e.key"), "", 0, &err) == CUSTODY_ERR_USAGE);
    CHECK(access(p2.buf, F_OK) != 0);

    /* round trip through a passphrase file */
    write_text(path_in(&p2, "pass"), "correct horse\n", 14);
    src.file = p2.buf;
    REQUIRE(sign_seckey_read(&k2, path_in(&p, "a.key"), &src, &err) == 0);
    sign_seckey_public(k2, &pub2);
    CHECK(memcmp(&pub, &pub2, sizeof(pub)) == 0);
    sign_seckey_free(k2);
    k2 = NULL;
    /* and through the environment */
    src.file = NULL;
    setenv("CUSTODY_PASSPHRASE", "correct horse", 1);
    CHECK(sign_seckey_read(&k2, p.buf, &src, &err) == 0);
    sign_seckey_free(k2);
    k2 = NULL;
    /* wrong passphrase */
    setenv("CUSTODY_PASSPHRASE", "correct horsf", 1);
    CHECK(sign_seckey_read(&k2, p.buf, &src, &err) == CUSTODY_ERR_CRYPTO);
    CHECK(strstr(err.msg, "wrong passphrase") != NULL);
    CHECK(k2 == NULL);
    setenv("CUSTODY_PASSPHRASE", "correct horse", 1);

    /* truncated, flipped, other formats */
    REQUIRE(io_read_file(&text, p.buf, 4096, &err) == 0);
    REQUIRE(sign_keyfile_parse(&kf, text.buf, text.len, &err) == 0);
    CHECK(kf.encrypted == 1 && kf.m_cost == SIGN_ARGON2_M_KIB);
    for (size_t cut = 0; cut < text.len - 1; cut += 7)
        CHECK(sign_keyfile_parse(&kf, text.buf, cut, &err) < 0);
    write_text(path_in(&p2, "trunc.key"), text.buf, text.len / 2);
    CHECK(sign_seckey_read(&k2, p2.buf, &src, &err) == CUSTODY_ERR_FORMAT);
    CHECK(strstr(err.msg, "truncated") != NULL);
    {
        /* flip one base64 character in the sealed seed, then in the salt (header) */
        char *nl = strchr(text.buf, '\n');
        size_t b = (size_t)(nl + 1 - text.buf);
        struct strbuf t2 = STRBUF_INIT;
        size_t where[2] = {b + 130, b + 40}; /* seed area, salt area */
        for (int w = 0; w < 2; w++) {
            strbuf_reset(&t2);
            strbuf_add(&t2, text.buf, text.len);
            t2.buf[where[w]] = t2.buf[where[w]] == 'A' ? 'B' : 'A';
            write_text(path_in(&p2, "flip.key"), t2.buf, t2.len);
            CHECK(sign_seckey_read(&k2, p2.buf, &src, &err) < 0);
            CHECK(k2 == NULL);
            unlink(p2.buf);
        }
        strbuf_release(&t2);
    }
    /* a public key, a minisign secret key, random text */
    strbuf_reset(&text);
    minisign_pubkey_format(&text, &pub);
    CHECK(sign_keyfile_parse(&kf, text.buf, text.len, &err) == CUSTODY_ERR_FORMAT);
    {
        const char *ms =
            "untrusted comment: minisign encrypted secret key\n"
            "RWRTY0IyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
        CHECK(sign_keyfile_parse(&kf, ms, strlen(ms), &err) == CUSTODY_ERR_FORMAT);
        CHECK(strstr(err.msg, "minisign") != NULL);
        CHECK(sign_keyfile_parse(&kf, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36, &err) ==
              CUSTODY_ERR_FORMAT);
    }

    /* unencrypted round trip, checksum catches damage */
    REQUIRE(sign_seckey_write(k, path_in(&p, "plain.key"), NULL, 0, &err) == 0);
    REQUIRE(sign_seckey_read(&k2, p.buf, NULL, &err) == 0);
    sign_seckey_public(k2, &pub2);
    CHECK(memcmp(&pub, &pub2, sizeof(pub)) == 0);
    sign_seckey_free(k2);
    k2 = NULL;

    /* public key files */
    REQUIRE(sign_pubkey_write(&pub, path_in(&p, "a.pub"), &err) == 0);
    CHECK(sign_pubkey_write(&pub, p.buf, &err) == CUSTODY_ERR_EXISTS);
    REQUIRE(sign_pubkey_read(&pub2, p.buf, &err) == 0);
    CHECK(memcmp(&pub, &pub2, sizeof(pub)) == 0);
    CHECK(sign_pubkey_read(&pub2, path_in(&p2, "a.key"), &err) < 0);

    /* passphrase sources: none available without a terminal is a usage error */
    unsetenv("CUSTODY_PASSPHRASE");
    {
        int tty = open("/dev/tty", O_RDWR);
        if (tty < 0)
            CHECK(sign_passphrase_get(&pass, &passlen, NULL, "p: ", 0, &err) == CUSTODY_ERR_USAGE);
        else
            close(tty);
    }
    sign_seckey_free(k);
    sign_seckey_free(NULL);
    strbuf_release(&p);
    strbuf_release(&p2);
    strbuf_release(&text);
}

static void
test_signatures(void)
{
    struct strbuf sig = STRBUF_INIT, why = STRBUF_INIT, p = STRBUF_INIT, p2 = STRBUF_INIT,
                  p3 = STRBUF_INIT;
    struct custody_err err = {0};
    struct sign_seckey *k = NULL, *other = NULL;
    struct minisign_pubkey pub, opub;
    const char msg[] = "custody-manifest: 1\ncase-number: C-1\n";
    char *tc = NULL;
    int valid;
    uint8_t raw[64];

    REQUIRE(sign_keygen(&k, &err) == 0);
    REQUIRE(sign_keygen(&other, &err) == 0);
    sign_seckey_public(k, &pub);
    sign_seckey_public(other, &opub);
    REQUIRE(sign_minisig(&sig, k, msg, strlen(msg), "case C-1 evidence sda sha256 abc", &err) == 0);
    REQUIRE(sign_minisig_verify(&valid, &why, &tc, &pub, msg, strlen(msg), sig.buf, sig.len,
                                &err) == 0);
    CHECK(valid == 1);
    CHECK_STR(tc, "case C-1 evidence sda sha256 abc");
    free(tc);
    /* one byte of the message */
    {
        char m2[sizeof(msg)];
        memcpy(m2, msg, sizeof(msg));
        m2[5] ^= 1;
        CHECK(sign_minisig_verify(&valid, &why, NULL, &pub, m2, strlen(m2), sig.buf, sig.len,
                                  &err) == 0);
        CHECK(valid == 0);
        CHECK(strstr(why.buf, "does not match") != NULL);
    }
    /* another key */
    strbuf_reset(&why);
    CHECK(sign_minisig_verify(&valid, &why, NULL, &opub, msg, strlen(msg), sig.buf, sig.len,
                              &err) == 0);
    CHECK(valid == 0 && strstr(why.buf, "signed by key") != NULL);
    /* trusted comment edited */
    {
        struct minisign_sig s;
        struct strbuf t = STRBUF_INIT;
        REQUIRE(minisign_sig_parse(&s, sig.buf, sig.len, &err) == 0);
        CHECK(s.prehashed == 1);
        free(s.trusted_comment);
        s.trusted_comment = strdup("case C-2 evidence sda sha256 abc");
        minisign_sig_format(&t, &s);
        strbuf_reset(&why);
        CHECK(sign_minisig_verify(&valid, &why, NULL, &pub, msg, strlen(msg), t.buf, t.len, &err) ==
              0);
        CHECK(valid == 0 && strstr(why.buf, "trusted comment") != NULL);
        minisign_sig_release(&s);
        strbuf_release(&t);
    }
    /* garbage signature file: a verdict, not an error */
    strbuf_reset(&why);
    CHECK(sign_minisig_verify(&valid, &why, NULL, &pub, msg, strlen(msg), "junk\n", 5, &err) == 0);
    CHECK(valid == 0 && strstr(why.buf, "malformed") != NULL);
    CHECK(sign_minisig(&why, k, msg, 3, "bad\ncomment", &err) == CUSTODY_ERR_USAGE);

    /* raw signatures */
    REQUIRE(sign_raw(raw, k, "entry", 5, &err) == 0);
    CHECK(sign_raw_verify(&valid, pub.pk, raw, "entry", 5, &err) == 0 && valid);
    CHECK(sign_raw_verify(&valid, pub.pk, raw, "entrz", 5, &err) == 0 && !valid);
    CHECK(sign_raw_verify(&valid, opub.pk, raw, "entry", 5, &err) == 0 && !valid);
    raw[63] ^= 0x80;
    CHECK(sign_raw_verify(&valid, pub.pk, raw, "entry", 5, &err) == 0 && !valid);

    /* The stock minisign is the oracle. */
    if (system("command -v minisign >/dev/null 2>&1") == 0) {
        char msg2[sizeof(msg)];
        REQUIRE(sign_pubkey_write(&pub, path_in(&p, "m.pub"), &err) == 0);
        write_text(path_in(&p2, "m.manifest"), msg, strlen(msg));
        write_text(path_in(&p3, "m.manifest.minisig"), sig.buf, sig.len);
        CHECK(run("minisign -V -q -p '%s' -m '%s' -x '%s' >/dev/null 2>&1", p.buf, p2.buf,
                  p3.buf) == 0);
        memcpy(msg2, msg, sizeof(msg));
        msg2[strlen(msg2) - 2] ^= 0x01;
        write_text(p2.buf, msg2, strlen(msg2));
        CHECK(run("minisign -V -q -p '%s' -m '%s' -x '%s' >/dev/null 2>&1", p.buf, p2.buf,
                  p3.buf) != 0);
        /* and we verify what minisign signs, legacy and prehashed */
        write_text(p2.buf, msg, strlen(msg));
        if (run("cd '%s' && minisign -G -W -p ms.pub -s ms.key >/dev/null 2>&1", dir) == 0) {
            struct strbuf pk = STRBUF_INIT, s = STRBUF_INIT;
            struct minisign_pubkey mpub;
            unlink(p3.buf);
            REQUIRE(run("cd '%s' && minisign -S -s ms.key -m m.manifest -t 'from minisign' "
                        ">/dev/null 2>&1",
                        dir) == 0);
            REQUIRE(io_read_file(&pk, path_in(&p, "ms.pub"), 4096, &err) == 0);
            REQUIRE(minisign_pubkey_parse(&mpub, pk.buf, pk.len, &err) == 0);
            REQUIRE(io_read_file(&s, p3.buf, 4096, &err) == 0);
            REQUIRE(sign_minisig_verify(&valid, &why, &tc, &mpub, msg, strlen(msg), s.buf, s.len,
                                        &err) == 0);
            CHECK(valid == 1);
            CHECK_STR(tc, "from minisign");
            free(tc);
            /* minisign's default trusted comment ("timestamp:..<TAB>file:..<TAB>hashed") */
            unlink(p3.buf);
            REQUIRE(run("cd '%s' && minisign -S -s ms.key -m m.manifest >/dev/null 2>&1", dir) ==
                    0);
            strbuf_reset(&s);
            REQUIRE(io_read_file(&s, p3.buf, 4096, &err) == 0);
            REQUIRE(sign_minisig_verify(&valid, &why, &tc, &mpub, msg, strlen(msg), s.buf, s.len,
                                        &err) == 0);
            CHECK(valid == 1);
            CHECK(tc && strstr(tc, "\tfile:m.manifest\t") != NULL);
            free(tc);
            /* the legacy "Ed" format (minisign -l) */
            unlink(p3.buf);
            REQUIRE(run("cd '%s' && minisign -S -l -s ms.key -m m.manifest -t 'legacy' "
                        ">/dev/null 2>&1",
                        dir) == 0);
            strbuf_reset(&s);
            REQUIRE(io_read_file(&s, p3.buf, 4096, &err) == 0);
            {
                struct minisign_sig ls;
                REQUIRE(minisign_sig_parse(&ls, s.buf, s.len, &err) == 0);
                CHECK(ls.prehashed == 0);
                minisign_sig_release(&ls);
            }
            REQUIRE(sign_minisig_verify(&valid, &why, &tc, &mpub, msg, strlen(msg), s.buf, s.len,
                                        &err) == 0);
            CHECK(valid == 1);
            CHECK_STR(tc, "legacy");
            free(tc);
            CHECK(sign_minisig_verify(&valid, &why, NULL, &mpub, msg, strlen(msg) - 1, s.buf, s.len,
                                      &err) == 0 &&
                  valid == 0);
            /* a minisign key is not a custody public key (its id is random) */
            CHECK(sign_pubkey_read(&mpub, p.buf, &err) == CUSTODY_ERR_FORMAT);
            strbuf_release(&pk);
            strbuf_release(&s);
        }
    } else {
        fprintf(stderr, "minisign not installed: interoperability not checked\n");
    }
    sign_seckey_free(k);
    sign_seckey_free(other);
    strbuf_release(&sig);
    strbuf_release(&why);
    strbuf_release(&p);
    strbuf_release(&p2);
    strbuf_release(&p3);
}

int
main(void)
{
    struct custody_err err = {0};

    REQUIRE(crypto_init(&err) == 0);
    REQUIRE(mkdtemp(dir));
    test_base64();
    test_keys();
    test_signatures();
    run("rm -rf '%s'", dir);
    CHECK_DONE();
}
