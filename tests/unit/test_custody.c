/* Unit tests for casedb/custody.c: the entry encoding, appends inside and outside
 * transactions, the checker on an intact log, and checkpoints. (The tamper matrix
 * is in tests/integration/test_custody_log.sh.) */
#include "check.h"
#include "cli.h"
#include "custody.h"
#include "hash.h"

#include <unistd.h>

static void
test_encoding(void)
{
    struct custody_entry a = {0}, b = {0};
    char ha[CUSTODY_HASH_HEX], hb[CUSTODY_HASH_HEX], g1[CUSTODY_HASH_HEX], g2[CUSTODY_HASH_HEX];

    a.chain = "c";
    a.seq = 1;
    a.ts = 5;
    a.action = "note";
    a.location = "ab";
    a.purpose = "c";
    memcpy(a.prev_hash, "00", 3);
    b = a;
    custody_entry_hash(ha, &a);
    CHECK_INT(strlen(ha), 64);
    custody_entry_hash(hb, &b);
    CHECK_STR(ha, hb);
    /* moving bytes across a field boundary changes the hash */
    b.location = "a";
    b.purpose = "bc";
    custody_entry_hash(hb, &b);
    CHECK(strcmp(ha, hb) != 0);
    /* NULL and "" differ */
    b = a;
    b.details = "";
    custody_entry_hash(hb, &b);
    CHECK(strcmp(ha, hb) != 0);
    /* every field counts: seq, ts, prev hash */
    b = a;
    b.seq = 2;
    custody_entry_hash(hb, &b);
    CHECK(strcmp(ha, hb) != 0);
    b = a;
    b.ts = 6;
    custody_entry_hash(hb, &b);
    CHECK(strcmp(ha, hb) != 0);
    b = a;
    memcpy(b.prev_hash, "01", 3);
    custody_entry_hash(hb, &b);
    CHECK(strcmp(ha, hb) != 0);
    /* the genesis binds case and chain */
    custody_genesis_hash(g1, "case-a", "chain");
    custody_genesis_hash(g2, "case-b", "chain");
    CHECK(strcmp(g1, g2) != 0);
    custody_genesis_hash(g2, "case-achain", "");
    CHECK(strcmp(g1, g2) != 0);
    CHECK(custody_action_valid("released") && custody_action_valid("key-revoked"));
    CHECK(!custody_action_valid("deleted") && !custody_action_valid(NULL));
}

static void
test_log(const char *dir)
{
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_case c = {0};
    struct casedb_examiner x = {0};
    struct sign_seckey *k = NULL, *other = NULL;
    struct minisign_pubkey pub;
    struct custody_new n = {0};
    struct custody_entry e = {0};
    struct custody_report r;
    struct custody_checkpoint cp, cp2;
    struct custody_check_opts opts = {0};
    struct strbuf path = STRBUF_INIT, b64 = STRBUF_INIT;
    char hex[MINISIGN_KEY_ID_HEX];

    strbuf_addf(&path, "%s/case.db", dir);
    c.case_number = "T-1";
    c.title = "unit";
    REQUIRE(casedb_create(&db, path.buf, &c, &err) == 0);
    REQUIRE(casedb_get_case(db, &c, &err) == 0);
    REQUIRE(sign_keygen(&k, &err) == 0);
    REQUIRE(sign_keygen(&other, &err) == 0);
    sign_seckey_public(k, &pub);
    minisign_pubkey_b64(&b64, &pub);
    minisign_key_id_hex(hex, pub.key_id);
    x.name = "Ann";
    x.public_key = b64.buf;
    x.key_id = hex;
    REQUIRE(casedb_examiner_add(db, &x, NULL, &err) == 0);

    /* an unregistered key cannot append; a bad action is refused */
    n.action = "note";
    n.asset = "web01";
    n.evidence = "sda";
    CHECK(custody_append(db, &n, other, NULL, &err) == CUSTODY_ERR_NOTFOUND);
    n.action = "deleted";
    CHECK(custody_append(db, &n, k, NULL, &err) == CUSTODY_ERR_USAGE);

    /* outside a transaction */
    n.action = "acquired";
    n.location = "rack 4";
    REQUIRE(custody_append(db, &n, k, &e, &err) == 0);
    CHECK_INT(e.seq, 1);
    CHECK_STR(e.actor, "Ann");
    CHECK_STR(e.key_id, hex);
    CHECK_STR(e.chain, c.station_uuid);
    {
        char g[CUSTODY_HASH_HEX];
        custody_genesis_hash(g, c.uuid, c.station_uuid);
        CHECK_STR(e.prev_hash, g);
    }
    custody_entry_release(&e);
    /* inside a transaction that is rolled back: nothing stays */
    REQUIRE(casedb_begin(db, &err) == 0);
    n.action = "note";
    REQUIRE(custody_append(db, &n, k, NULL, &err) == 0);
    casedb_rollback(db);
    /* inside one that commits, two entries */
    REQUIRE(casedb_begin(db, &err) == 0);
    REQUIRE(custody_append(db, &n, k, NULL, &err) == 0);
    n.action = "stored";
    REQUIRE(custody_append(db, &n, k, &e, &err) == 0);
    REQUIRE(casedb_commit(db, &err) == 0);
    CHECK_INT(e.seq, 3);
    custody_entry_release(&e);
    /* unsigned entry: kept, and reported */
    n.action = "note";
    n.actor = "script";
    REQUIRE(custody_append(db, &n, NULL, &e, &err) == 0);
    CHECK(e.signature == NULL);
    custody_entry_release(&e);

    REQUIRE(custody_check(db, NULL, &r, &err) == 0);
    CHECK_INT(r.n_entries, 4);
    CHECK_INT(r.n_chains, 1);
    CHECK_INT(r.head_seq, 4);
    REQUIRE(r.n_findings == 1);
    CHECK(r.findings[0].kind == CUSTODY_F_UNSIGNED);
    CHECK_INT(r.findings[0].seq, 4);
    custody_report_release(&r);

    /* checkpoints: make, write, read back, check */
    REQUIRE(custody_checkpoint_make(db, k, &cp, &err) == 0);
    CHECK_INT(cp.entries, 4);
    CHECK_STR(cp.key_id, hex);
    strbuf_reset(&path);
    strbuf_addf(&path, "%s/cp", dir);
    REQUIRE(custody_checkpoint_write(&cp, path.buf, &err) == 0);
    CHECK(custody_checkpoint_write(&cp, path.buf, &err) == CUSTODY_ERR_EXISTS);
    REQUIRE(custody_checkpoint_read(&cp2, path.buf, &err) == 0);
    CHECK_STR(cp2.head_hash, cp.head_hash);
    opts.checkpoints = &cp2;
    opts.n_checkpoints = 1;
    REQUIRE(custody_check(db, &opts, &r, &err) == 0);
    CHECK_INT(r.n_findings, 1); /* still only the unsigned entry */
    custody_report_release(&r);
    /* a checkpoint naming more entries than the log has: cut short */
    cp2.entries = 9;
    REQUIRE(custody_check(db, &opts, &r, &err) == 0);
    CHECK_INT(r.n_findings, 2);
    CHECK(r.findings[1].kind == CUSTODY_F_CHECKPOINT);
    custody_report_release(&r);
    /* a statement not in canonical form */
    {
        const char *bad = "custody-checkpoint: 1\ncase-uuid: x\n";
        struct custody_checkpoint cp3;
        CHECK(custody_checkpoint_parse(&cp3, bad, strlen(bad), "", 0, &err) == CUSTODY_ERR_FORMAT);
    }
    custody_checkpoint_release(&cp);
    custody_checkpoint_release(&cp2);
    custody_checkpoint_release(NULL);

    /* trusted keys: with only another key trusted, Ann's entries are untrusted */
    {
        struct minisign_pubkey opub;
        sign_seckey_public(other, &opub);
        memset(&opts, 0, sizeof(opts));
        opts.trusted = &opub;
        opts.n_trusted = 1;
        REQUIRE(custody_check(db, &opts, &r, &err) == 0);
        CHECK_INT(r.n_findings, 4); /* 3 untrusted + 1 unsigned */
        custody_report_release(&r);
        opts.trusted = &pub;
        REQUIRE(custody_check(db, &opts, &r, &err) == 0);
        CHECK_INT(r.n_findings, 1);
        custody_report_release(&r);
    }
    /* revocation: the key signs its own revocation, then is refused */
    REQUIRE(custody_revoke_key(db, hex, "test", 0, k, &err) == 0);
    n.action = "note";
    CHECK(custody_append(db, &n, k, NULL, &err) == CUSTODY_ERR_USAGE);
    CHECK(custody_revoke_key(db, hex, "again", 0, other, &err) < 0);
    REQUIRE(custody_check(db, NULL, &r, &err) == 0);
    CHECK_INT(r.n_findings, 1);
    custody_report_release(&r);

    casedb_case_release(&c);
    sign_seckey_free(k);
    sign_seckey_free(other);
    casedb_close(db);
    strbuf_release(&path);
    strbuf_release(&b64);
}

int
main(void)
{
    char dir[] = "/tmp/custody-unit-XXXXXX";
    char cmd[128];
    struct custody_err err = {0};

    REQUIRE(crypto_init(&err) == 0);
    REQUIRE(mkdtemp(dir));
    test_encoding();
    test_log(dir);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    CHECK_DONE();
}
