/* The custody log: appending signed, hash-chained entries, and checking them.
 * An entry's hash is SHA-256 over a length-prefixed encoding of every field and
 * the previous entry's hash, so no two different entries share a hash and no
 * entry can move without breaking the chain. */
#include "custody.h"

#include "base64.h"
#include "cli.h"
#include "db_internal.h"
#include "hash.h"
#include "io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const actions[] = {
    "registered", "acquired", "verified",       "released",    "received", "stored", "accessed",
    "sealed",     "cleared",  "decommissioned", "key-revoked", "note",     "merged",
};

int
custody_action_valid(const char *action)
{
    for (size_t i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(action, actions[i]))
            return 1;
    return 0;
}

void
custody_entry_release(struct custody_entry *e)
{
    if (!e)
        return;
    free(e->chain);
    free(e->action);
    free(e->asset);
    free(e->evidence);
    free(e->actor);
    free(e->key_id);
    free(e->location);
    free(e->purpose);
    free(e->details);
    free(e->signature);
    memset(e, 0, sizeof(*e));
}

void
custody_entry_list_free(struct custody_entry *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        custody_entry_release(&list[i]);
    free(list);
}

/* ---- hashing ---- */

/* Length-prefixed: 8-byte big-endian length then the bytes; NULL is the length
 * 2^64-1 with no bytes, so NULL and "" differ. */
static void
enc_str(struct strbuf *b, const char *s)
{
    uint64_t len = s ? strlen(s) : UINT64_MAX;
    uint8_t l[8];

    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)(len >> (56 - 8 * i));
    strbuf_add(b, l, 8);
    if (s)
        strbuf_add(b, s, strlen(s));
}

static void
enc_int(struct strbuf *b, int64_t v)
{
    uint8_t l[16] = {0};

    l[7] = 8;
    for (int i = 0; i < 8; i++)
        l[8 + i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    strbuf_add(b, l, 16);
}

static void
sha256_hex(char out[CUSTODY_HASH_HEX], const void *data, size_t len)
{
    uint8_t d[32];
    struct strbuf sb = STRBUF_INIT;

    hash_buffer(HASH_SHA256, d, data, len);
    strbuf_addhex(&sb, d, 32);
    memcpy(out, sb.buf, CUSTODY_HASH_HEX);
    strbuf_release(&sb);
}

void
custody_genesis_hash(char out[CUSTODY_HASH_HEX], const char *case_uuid, const char *chain)
{
    struct strbuf b = STRBUF_INIT;

    enc_str(&b, "custody-chain-v1");
    enc_str(&b, case_uuid);
    enc_str(&b, chain);
    sha256_hex(out, b.buf, b.len);
    strbuf_release(&b);
}

void
custody_entry_hash(char out[CUSTODY_HASH_HEX], const struct custody_entry *e)
{
    struct strbuf b = STRBUF_INIT;

    enc_str(&b, "custody-entry-v1");
    enc_str(&b, e->chain);
    enc_int(&b, e->seq);
    enc_int(&b, e->ts);
    enc_str(&b, e->action);
    enc_str(&b, e->asset);
    enc_str(&b, e->evidence);
    enc_str(&b, e->actor);
    enc_str(&b, e->key_id);
    enc_str(&b, e->location);
    enc_str(&b, e->purpose);
    enc_str(&b, e->details);
    enc_str(&b, e->prev_hash);
    sha256_hex(out, b.buf, b.len);
    strbuf_release(&b);
}

/* What the signature covers: a domain label and the entry hash's 32 bytes. */
static int
sig_message(struct strbuf *msg, const char *entry_hash)
{
    uint8_t h[32];

    if (hex_decode(h, 32, entry_hash) < 0)
        return CUSTODY_ERR_FORMAT;
    enc_str(msg, "custody-entry-sig-v1");
    strbuf_add(msg, h, 32);
    return 0;
}

/* ---- reading entries ---- */

#define ENTRY_COLS                                                                                 \
    "id, chain, seq, ts, action, asset, evidence, actor, key_id, location, purpose, details,"      \
    " prev_hash, entry_hash, signature"

static void
copy_hex(char out[CUSTODY_HASH_HEX], sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? strlen((const char *)t) : 0;

    if (n >= CUSTODY_HASH_HEX)
        n = CUSTODY_HASH_HEX - 1;
    memcpy(out, t ? (const char *)t : "", n);
    out[n] = 0;
}

static void
entry_from_row(sqlite3_stmt *st, struct custody_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    e->chain = db_col_strdup(st, 1);
    e->seq = sqlite3_column_int64(st, 2);
    e->ts = sqlite3_column_int64(st, 3);
    e->action = db_col_strdup(st, 4);
    e->asset = db_col_strdup(st, 5);
    e->evidence = db_col_strdup(st, 6);
    e->actor = db_col_strdup(st, 7);
    e->key_id = db_col_strdup(st, 8);
    e->location = db_col_strdup(st, 9);
    e->purpose = db_col_strdup(st, 10);
    e->details = db_col_strdup(st, 11);
    copy_hex(e->prev_hash, st, 12);
    copy_hex(e->entry_hash, st, 13);
    e->signature = db_col_strdup(st, 14);
    if (!e->chain)
        e->chain = strdup("");
}

static int
list_where(struct casedb *db, const char *sql_tail, const char *arg, struct custody_entry **out,
           size_t *n, struct custody_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    struct custody_entry *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    strbuf_addf(&sql, "SELECT " ENTRY_COLS " FROM custody_events %s", sql_tail);
    rc = db_prepare(db, &st, sql.buf, err);
    strbuf_release(&sql);
    if (rc < 0)
        return rc;
    if (arg)
        db_bind_text(st, 1, arg);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            struct custody_entry *p;
            cap = cap ? cap * 2 : 16;
            p = realloc(list, cap * sizeof(*list));
            if (!p)
                abort();
            list = p;
        }
        entry_from_row(st, &list[count++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        custody_entry_list_free(list, count);
        return db_fail(db, rc, err, "cannot read the custody log");
    }
    *out = list;
    *n = count;
    return 0;
}

int
custody_list(struct casedb *db, struct custody_entry **out, size_t *n, struct custody_err *err)
{
    return list_where(db, "ORDER BY chain, seq, id", NULL, out, n, err);
}

/* ---- appending ---- */

static int
savepoint(struct casedb *db, const char *sql, struct custody_err *err)
{
    int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return db_fail(db, sqlite3_extended_errcode(db->db), err, "custody log transaction");
    return 0;
}

/* The registered, unrevoked examiner holding key k. */
static int
signer_examiner(struct casedb *db, const struct sign_seckey *k, struct casedb_examiner *x,
                char key_id[MINISIGN_KEY_ID_HEX], struct custody_err *err)
{
    struct minisign_pubkey pub, reg;
    int rc;

    sign_seckey_public(k, &pub);
    minisign_key_id_hex(key_id, pub.key_id);
    if ((rc = casedb_examiner_by_key_id(db, key_id, x, err)) < 0) {
        if (rc == CUSTODY_ERR_NOTFOUND)
            custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                            "key %s is not registered in the case (custody-casedb examiner add "
                            "--pub KEY.pub)",
                            key_id);
        return rc;
    }
    if (!x->public_key || minisign_pubkey_parse(&reg, x->public_key, strlen(x->public_key), NULL) ||
        memcmp(reg.pk, pub.pk, MINISIGN_PK_LEN)) {
        casedb_examiner_release(x);
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "the public key registered for key id %s is not this key", key_id);
    }
    if (x->revoked_at) {
        casedb_examiner_release(x);
        return custody_err_set(err, CUSTODY_ERR_USAGE, "key %s was revoked", key_id);
    }
    return 0;
}

static int
append_locked(struct casedb *db, const struct custody_new *n, const struct sign_seckey *key,
              struct custody_entry *out, struct custody_err *err)
{
    struct casedb_case c = {0};
    struct casedb_examiner x = {0};
    struct custody_entry e;
    struct strbuf msg = STRBUF_INIT, b64 = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    char key_id[MINISIGN_KEY_ID_HEX];
    int rc;

    memset(&e, 0, sizeof(e));
    if ((rc = casedb_get_case(db, &c, err)) < 0)
        goto out;
    if (key && (rc = signer_examiner(db, key, &x, key_id, err)) < 0)
        goto out;
    e.chain = strdup(c.station_uuid);
    e.ts = n->ts ? n->ts : custody_now_ns();
    e.action = strdup(n->action);
    e.asset = n->asset ? strdup(n->asset) : NULL;
    e.evidence = n->evidence ? strdup(n->evidence) : NULL;
    e.actor = key ? strdup(x.name) : (n->actor ? strdup(n->actor) : NULL);
    e.key_id = key ? strdup(key_id) : NULL;
    e.location = n->location ? strdup(n->location) : NULL;
    e.purpose = n->purpose ? strdup(n->purpose) : NULL;
    e.details = n->details ? strdup(n->details) : NULL;
    if (!e.chain || !e.action) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = db_prepare(db, &st,
                         "SELECT seq, entry_hash FROM custody_events WHERE chain = ?1"
                         " ORDER BY seq DESC LIMIT 1",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, e.chain);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(st, 0) + 1;
        copy_hex(e.prev_hash, st, 1);
    } else if (rc == SQLITE_DONE) {
        e.seq = 1;
        custody_genesis_hash(e.prev_hash, c.uuid, e.chain);
    } else {
        rc = db_fail(db, rc, err, "cannot read the custody log head");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    custody_entry_hash(e.entry_hash, &e);
    if (key) {
        uint8_t sig[MINISIGN_SIG_LEN];
        if ((rc = sig_message(&msg, e.entry_hash)) < 0 ||
            (rc = sign_raw(sig, key, msg.buf, msg.len, err)) < 0)
            goto out;
        base64_encode(&b64, sig, sizeof(sig));
        e.signature = strbuf_detach(&b64, NULL);
    }
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO custody_events (chain, seq, ts, action, asset, evidence,"
                         " actor, key_id, location, purpose, details, prev_hash, entry_hash,"
                         " signature) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, e.chain);
    sqlite3_bind_int64(st, 2, e.seq);
    sqlite3_bind_int64(st, 3, e.ts);
    db_bind_text(st, 4, e.action);
    db_bind_text(st, 5, e.asset);
    db_bind_text(st, 6, e.evidence);
    db_bind_text(st, 7, e.actor);
    db_bind_text(st, 8, e.key_id);
    db_bind_text(st, 9, e.location);
    db_bind_text(st, 10, e.purpose);
    db_bind_text(st, 11, e.details);
    db_bind_text(st, 12, e.prev_hash);
    db_bind_text(st, 13, e.entry_hash);
    db_bind_text(st, 14, e.signature);
    if ((rc = db_exec_stmt(db, st, err, "cannot append to the custody log")) < 0)
        goto out;
    e.id = sqlite3_last_insert_rowid(db->db);
    if (out) {
        *out = e;
        memset(&e, 0, sizeof(e));
    }
out:
    sqlite3_finalize(st);
    strbuf_release(&msg);
    strbuf_release(&b64);
    custody_entry_release(&e);
    casedb_examiner_release(&x);
    casedb_case_release(&c);
    return rc;
}

int
custody_append(struct casedb *db, const struct custody_new *n, const struct sign_seckey *key,
               struct custody_entry *out, struct custody_err *err)
{
    int rc;

    if (out)
        memset(out, 0, sizeof(*out));
    if (!custody_action_valid(n->action))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "unknown custody action '%s'",
                               n->action ? n->action : "");
    /* Outside a transaction, take the write lock first (BEGIN IMMEDIATE waits for
     * it): reading the head and then upgrading would fail at once when another
     * process appends concurrently. Inside one, a savepoint. */
    if (sqlite3_get_autocommit(db->db)) {
        if ((rc = casedb_begin(db, err)) < 0)
            return rc;
        if ((rc = append_locked(db, n, key, out, err)) < 0 || (rc = casedb_commit(db, err)) < 0) {
            casedb_rollback(db);
            if (out)
                custody_entry_release(out);
            return rc;
        }
        return 0;
    }
    if ((rc = savepoint(db, "SAVEPOINT custody_append", err)) < 0)
        return rc;
    rc = append_locked(db, n, key, out, err);
    if (rc < 0) {
        sqlite3_exec(db->db, "ROLLBACK TO custody_append; RELEASE custody_append", NULL, NULL,
                     NULL);
        return rc;
    }
    if ((rc = savepoint(db, "RELEASE custody_append", err)) < 0) {
        if (out)
            custody_entry_release(out);
        return rc;
    }
    return 0;
}

int
custody_transfer(struct casedb *db, const char *asset, const char *evidence, const char *location,
                 const char *purpose, const struct sign_seckey *from, const struct sign_seckey *to,
                 struct custody_err *err)
{
    struct custody_new n = {0};
    struct minisign_pubkey a, b;
    int rc;

    sign_seckey_public(from, &a);
    sign_seckey_public(to, &b);
    if (!memcmp(a.pk, b.pk, MINISIGN_PK_LEN))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "a hand-over needs two different keys (giver and receiver)");
    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    n.asset = asset;
    n.evidence = evidence;
    n.location = location;
    n.purpose = purpose;
    n.ts = custody_now_ns();
    n.action = "released";
    if ((rc = custody_append(db, &n, from, NULL, err)) < 0)
        goto fail;
    n.action = "received";
    if ((rc = custody_append(db, &n, to, NULL, err)) < 0)
        goto fail;
    if ((rc = casedb_commit(db, err)) < 0)
        goto fail;
    return 0;
fail:
    casedb_rollback(db);
    return rc;
}

int
custody_revoke_key(struct casedb *db, const char *key_id, const char *reason, int64_t when,
                   const struct sign_seckey *by, struct custody_err *err)
{
    struct casedb_examiner x = {0};
    struct custody_new n = {0};
    struct strbuf details = STRBUF_INIT;
    int rc;

    if (!when)
        when = custody_now_ns();
    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    if ((rc = casedb_examiner_by_key_id(db, key_id, &x, err)) < 0)
        goto fail;
    if (x.revoked_at) {
        rc = custody_err_set(err, CUSTODY_ERR_EXISTS, "key %s is already revoked", key_id);
        goto fail;
    }
    /* The entry first: the revoked key may be the one signing its own revocation. */
    strbuf_addf(&details, "revoked key %s", key_id);
    if (reason && *reason)
        strbuf_addf(&details, ": %s", reason);
    n.action = "key-revoked";
    n.details = details.buf;
    n.ts = when;
    if ((rc = custody_append(db, &n, by, NULL, err)) < 0)
        goto fail;
    if ((rc = casedb_examiner_revoke(db, x.id, when, reason, err)) < 0)
        goto fail;
    if ((rc = casedb_commit(db, err)) < 0)
        goto fail;
    casedb_examiner_release(&x);
    strbuf_release(&details);
    return 0;
fail:
    casedb_rollback(db);
    casedb_examiner_release(&x);
    strbuf_release(&details);
    return rc;
}

/* ---- checkpoints ---- */

void
custody_checkpoint_release(struct custody_checkpoint *cp)
{
    if (!cp)
        return;
    free(cp->statement);
    free(cp->minisig);
    memset(cp, 0, sizeof(*cp));
}

static void
checkpoint_statement(struct strbuf *sb, const struct custody_checkpoint *cp)
{
    strbuf_addf(sb,
                "custody-checkpoint: 1\ncase-uuid: %s\nchain: %s\nentries: %lld\n"
                "head-hash: %s\nkey-id: %s\ncreated-at: ",
                cp->case_uuid, cp->chain, (long long)cp->entries, cp->head_hash, cp->key_id);
    custody_format_time(sb, cp->created_at);
    strbuf_addch(sb, '\n');
}

int
custody_checkpoint_make(struct casedb *db, const struct sign_seckey *key,
                        struct custody_checkpoint *out, struct custody_err *err)
{
    struct casedb_case c = {0};
    struct minisign_pubkey pub;
    struct strbuf stmt = STRBUF_INIT, sig = STRBUF_INIT, tc = STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = casedb_get_case(db, &c, err)) < 0)
        goto out;
    memcpy(out->case_uuid, c.uuid, sizeof(out->case_uuid));
    memcpy(out->chain, c.station_uuid, sizeof(out->chain));
    if ((rc = db_prepare(db, &st,
                         "SELECT seq, entry_hash FROM custody_events WHERE chain = ?1"
                         " ORDER BY seq DESC LIMIT 1",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, out->chain);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "the custody log is empty: nothing to "
                             "checkpoint");
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = db_fail(db, rc, err, "cannot read the custody log head");
        goto out;
    }
    out->entries = sqlite3_column_int64(st, 0);
    copy_hex(out->head_hash, st, 1);
    sqlite3_finalize(st);
    st = NULL;
    sign_seckey_public(key, &pub);
    minisign_key_id_hex(out->key_id, pub.key_id);
    out->created_at = custody_now_ns();
    checkpoint_statement(&stmt, out);
    strbuf_addf(&tc, "custody checkpoint case %s chain %s entries %lld head %s", out->case_uuid,
                out->chain, (long long)out->entries, out->head_hash);
    if ((rc = sign_minisig(&sig, key, stmt.buf, stmt.len, tc.buf, err)) < 0)
        goto out;
    if ((rc = db_prepare(db, &st,
                         "INSERT INTO checkpoints (chain, entries, head_hash, key_id, created_at,"
                         " statement, signature) VALUES (?,?,?,?,?,?,?)",
                         err)) < 0)
        goto out;
    db_bind_text(st, 1, out->chain);
    sqlite3_bind_int64(st, 2, out->entries);
    db_bind_text(st, 3, out->head_hash);
    db_bind_text(st, 4, out->key_id);
    sqlite3_bind_int64(st, 5, out->created_at);
    db_bind_text(st, 6, stmt.buf);
    db_bind_text(st, 7, sig.buf);
    if ((rc = db_exec_stmt(db, st, err, "cannot record the checkpoint")) < 0)
        goto out;
    out->statement = strbuf_detach(&stmt, NULL);
    out->minisig = strbuf_detach(&sig, NULL);
out:
    sqlite3_finalize(st);
    strbuf_release(&stmt);
    strbuf_release(&sig);
    strbuf_release(&tc);
    casedb_case_release(&c);
    if (rc < 0)
        custody_checkpoint_release(out);
    return rc;
}

/* "key: value\n" at *p with exactly this key; value copied into out (size max). */
static int
cp_line(const char **p, const char *end, const char *key, char *out, size_t max)
{
    size_t klen = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t vlen;

    if (!nl || (size_t)(nl - *p) < klen + 2 || memcmp(*p, key, klen) || (*p)[klen] != ':' ||
        (*p)[klen + 1] != ' ')
        return CUSTODY_ERR_FORMAT;
    vlen = (size_t)(nl - *p) - klen - 2;
    if (vlen == 0 || vlen >= max || memchr(*p + klen + 2, 0, vlen))
        return CUSTODY_ERR_FORMAT;
    memcpy(out, *p + klen + 2, vlen);
    out[vlen] = 0;
    *p = nl + 1;
    return 0;
}

/* Exactly n lowercase hex digits. */
static int
lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* 8-4-4-4-12 lowercase hex. */
static int
uuid_like(const char *s)
{
    if (strlen(s) != CASEDB_UUID_LEN)
        return 0;
    for (int i = 0; i < CASEDB_UUID_LEN; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !lower_hex((char[]){s[i], 0}, 1))
            return 0;
    }
    return 1;
}

int
custody_checkpoint_parse(struct custody_checkpoint *out, const char *statement, size_t len,
                         const char *minisig, size_t siglen, struct custody_err *err)
{
    const char *p = statement, *end = statement + len;
    char ver[8], entries[24], created[64];
    struct strbuf again = STRBUF_INIT;
    uint64_t n;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (cp_line(&p, end, "custody-checkpoint", ver, sizeof(ver)) || strcmp(ver, "1") ||
        cp_line(&p, end, "case-uuid", out->case_uuid, sizeof(out->case_uuid)) ||
        cp_line(&p, end, "chain", out->chain, sizeof(out->chain)) ||
        cp_line(&p, end, "entries", entries, sizeof(entries)) ||
        cp_line(&p, end, "head-hash", out->head_hash, sizeof(out->head_hash)) ||
        cp_line(&p, end, "key-id", out->key_id, sizeof(out->key_id)) ||
        cp_line(&p, end, "created-at", created, sizeof(created)) || p != end ||
        cli_parse_u64(entries, &n) < 0 || n == 0 || n > INT64_MAX ||
        custody_parse_time(created, &out->created_at) < 0 || !lower_hex(out->head_hash, 64) ||
        !lower_hex(out->key_id, MINISIGN_KEY_ID_HEX - 1) || !uuid_like(out->case_uuid) ||
        !uuid_like(out->chain)) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "not a custody checkpoint statement");
        goto fail;
    }
    out->entries = (int64_t)n;
    checkpoint_statement(&again, out);
    if (again.len != len || memcmp(again.buf, statement, len)) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "custody checkpoint statement is not in canonical form");
        goto fail;
    }
    out->statement = strndup(statement, len);
    out->minisig = strndup(minisig, siglen);
    if (!out->statement || !out->minisig) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto fail;
    }
    strbuf_release(&again);
    return 0;
fail:
    strbuf_release(&again);
    custody_checkpoint_release(out);
    return rc;
}

int
custody_checkpoint_read(struct custody_checkpoint *out, const char *path, struct custody_err *err)
{
    struct strbuf st = STRBUF_INIT, sig = STRBUF_INIT, sp = STRBUF_INIT;
    int rc;

    memset(out, 0, sizeof(*out));
    strbuf_addf(&sp, "%s.minisig", path);
    if ((rc = io_read_file(&st, path, 65536, err)) < 0 ||
        (rc = io_read_file(&sig, sp.buf, 65536, err)) < 0)
        goto out;
    if ((rc = custody_checkpoint_parse(out, st.buf, st.len, sig.buf, sig.len, err)) < 0)
        custody_err_prefix(err, "'%s'", path);
out:
    strbuf_release(&st);
    strbuf_release(&sig);
    strbuf_release(&sp);
    return rc;
}

int
custody_checkpoint_write(const struct custody_checkpoint *cp, const char *path,
                         struct custody_err *err)
{
    struct strbuf sp = STRBUF_INIT;
    int rc;

    strbuf_addf(&sp, "%s.minisig", path);
    if ((rc = io_write_file_atomic(path, cp->statement, strlen(cp->statement), 0644, 0, err)) < 0)
        goto out;
    if ((rc = io_write_file_atomic(sp.buf, cp->minisig, strlen(cp->minisig), 0644, 0, err)) < 0)
        unlink(path);
out:
    strbuf_release(&sp);
    return rc;
}

/* ---- the checker ---- */

const char *
custody_finding_name(enum custody_finding_kind kind)
{
    static const char *const names[] = {
        "hash-mismatch", "broken-link", "sequence-gap",  "bad-signature", "unsigned",
        "unknown-key",   "revoked-key", "untrusted-key", "checkpoint",
    };
    if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[kind];
}

void
custody_report_release(struct custody_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_findings; i++) {
        free(r->findings[i].chain);
        free(r->findings[i].reason);
    }
    free(r->findings);
    memset(r, 0, sizeof(*r));
}

static void add_finding(struct custody_report *r, enum custody_finding_kind kind, const char *chain,
                        int64_t seq, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add_finding(struct custody_report *r, enum custody_finding_kind kind, const char *chain,
            int64_t seq, const char *fmt, ...)
{
    struct custody_finding *f;
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    f = realloc(r->findings, (r->n_findings + 1) * sizeof(*f));
    if (!f)
        abort();
    r->findings = f;
    f += r->n_findings++;
    f->kind = kind;
    f->chain = strdup(chain ? chain : "");
    f->seq = seq;
    f->reason = strdup(buf);
    if (!f->chain || !f->reason)
        abort();
}

/* An examiner key as the checker sees it. */
struct known_key {
    char key_id[MINISIGN_KEY_ID_HEX];
    struct minisign_pubkey pub;
    int usable; /* the registered public key parses and matches its key id */
    int trusted;
    int64_t revoked_at;     /* 0: not revoked */
    int64_t revoked_at_seq; /* seq of its key-revoked entry in the chain being checked, 0 none */
};

static struct known_key *
find_key(struct known_key *keys, size_t n, const char *key_id)
{
    for (size_t i = 0; key_id && i < n; i++)
        if (!strcmp(keys[i].key_id, key_id))
            return &keys[i];
    return NULL;
}

static int
load_keys(struct casedb *db, const struct custody_check_opts *opts, struct known_key **out,
          size_t *n, struct custody_err *err)
{
    struct casedb_examiner *xs = NULL;
    size_t nx = 0;
    struct known_key *keys;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = casedb_examiner_list(db, &xs, &nx, err)) < 0)
        return rc;
    keys = calloc(nx + 1, sizeof(*keys));
    if (!keys)
        abort();
    for (size_t i = 0; i < nx; i++) {
        struct known_key *k = &keys[*n];
        uint8_t id[MINISIGN_KEY_ID_LEN];
        if (!xs[i].key_id || strlen(xs[i].key_id) != MINISIGN_KEY_ID_HEX - 1)
            continue;
        memcpy(k->key_id, xs[i].key_id, MINISIGN_KEY_ID_HEX);
        k->revoked_at = xs[i].revoked_at;
        if (xs[i].public_key &&
            minisign_pubkey_parse(&k->pub, xs[i].public_key, strlen(xs[i].public_key), NULL) == 0) {
            char hex[MINISIGN_KEY_ID_HEX];
            sign_key_id(id, k->pub.pk);
            minisign_key_id_hex(hex, id);
            k->usable = !memcmp(id, k->pub.key_id, MINISIGN_KEY_ID_LEN) && !strcmp(hex, k->key_id);
        }
        for (size_t t = 0; opts && t < opts->n_trusted; t++)
            if (k->usable && !memcmp(opts->trusted[t].pk, k->pub.pk, MINISIGN_PK_LEN))
                k->trusted = 1;
        (*n)++;
    }
    casedb_examiner_list_free(xs, nx);
    *out = keys;
    return 0;
}

static void
check_signature(struct custody_report *r, const struct custody_entry *e, const char *hash,
                struct known_key *keys, size_t nkeys, const struct custody_check_opts *opts,
                struct custody_err *err, int *fatal)
{
    struct known_key *k;
    struct strbuf msg = STRBUF_INIT;
    uint8_t sig[MINISIGN_SIG_LEN];
    int valid = 0;

    if (!e->signature || !e->key_id) {
        add_finding(r, CUSTODY_F_UNSIGNED, e->chain, e->seq, "entry %lld (%s) is not signed",
                    (long long)e->seq, e->action ? e->action : "?");
        return;
    }
    k = find_key(keys, nkeys, e->key_id);
    if (!k || !k->usable) {
        add_finding(r, CUSTODY_F_UNKNOWN_KEY, e->chain, e->seq,
                    "entry %lld (%s) is signed by key %s, which no examiner of the case holds",
                    (long long)e->seq, e->action ? e->action : "?", e->key_id);
        return;
    }
    if (base64_decode_exact(sig, sizeof(sig), e->signature, strlen(e->signature)) < 0 ||
        sig_message(&msg, hash) < 0) {
        add_finding(r, CUSTODY_F_SIGNATURE, e->chain, e->seq,
                    "entry %lld (%s): the signature is malformed", (long long)e->seq,
                    e->action ? e->action : "?");
        goto out;
    }
    if (sign_raw_verify(&valid, k->pub.pk, sig, msg.buf, msg.len, err) < 0) {
        *fatal = err ? err->code : CUSTODY_ERR_CRYPTO;
        goto out;
    }
    if (!valid) {
        add_finding(r, CUSTODY_F_SIGNATURE, e->chain, e->seq,
                    "entry %lld (%s): the signature of key %s does not verify (forged, moved "
                    "or the entry was edited)",
                    (long long)e->seq, e->action ? e->action : "?", e->key_id);
        goto out;
    }
    if ((k->revoked_at && e->ts > k->revoked_at) ||
        (k->revoked_at_seq && e->seq > k->revoked_at_seq)) {
        struct strbuf t = STRBUF_INIT;
        custody_format_time(&t, k->revoked_at);
        add_finding(r, CUSTODY_F_REVOKED, e->chain, e->seq,
                    "entry %lld (%s) is signed by key %s after its revocation (%s)",
                    (long long)e->seq, e->action ? e->action : "?", e->key_id,
                    k->revoked_at ? t.buf : "recorded in the log");
        strbuf_release(&t);
    }
    if (opts && opts->trusted && !k->trusted)
        add_finding(r, CUSTODY_F_UNTRUSTED, e->chain, e->seq,
                    "entry %lld (%s) is signed by key %s, which is registered in the case "
                    "but not among the trusted keys",
                    (long long)e->seq, e->action ? e->action : "?", e->key_id);
out:
    strbuf_release(&msg);
}

/* "revoked key XXXXXXXXXXXXXXXX..." in a key-revoked entry's details. */
static void
note_revocation(const struct custody_entry *e, struct known_key *keys, size_t nkeys)
{
    static const char pre[] = "revoked key ";
    char id[MINISIGN_KEY_ID_HEX];
    struct known_key *k;

    if (!e->action || strcmp(e->action, "key-revoked") || !e->details ||
        strncmp(e->details, pre, sizeof(pre) - 1) ||
        strlen(e->details) < sizeof(pre) - 1 + MINISIGN_KEY_ID_HEX - 1)
        return;
    memcpy(id, e->details + sizeof(pre) - 1, MINISIGN_KEY_ID_HEX - 1);
    id[MINISIGN_KEY_ID_HEX - 1] = 0;
    if ((k = find_key(keys, nkeys, id)) && !k->revoked_at_seq)
        k->revoked_at_seq = e->seq;
}

static int
check_checkpoint(struct custody_report *r, const struct custody_checkpoint *cp,
                 const char *case_uuid, const struct custody_entry *list, size_t n,
                 struct known_key *keys, size_t nkeys, const struct custody_check_opts *opts,
                 struct custody_err *err)
{
    const struct custody_entry *at = NULL;
    struct known_key *k = find_key(keys, nkeys, cp->key_id);
    struct strbuf why = STRBUF_INIT;
    int64_t have = 0;
    int valid = 0, rc = 0;

    if (strcmp(cp->case_uuid, case_uuid)) {
        add_finding(r, CUSTODY_F_CHECKPOINT, cp->chain, 0,
                    "entry %lld: the checkpoint is for another case (%s)", (long long)cp->entries,
                    cp->case_uuid);
        return 0;
    }
    /* The checkpoint's own signature: by a key of the case, or a trusted key. */
    if (k && k->usable) {
        if ((rc = sign_minisig_verify(&valid, &why, NULL, &k->pub, cp->statement,
                                      strlen(cp->statement), cp->minisig, strlen(cp->minisig),
                                      err)) < 0)
            goto out;
    }
    for (size_t t = 0; !valid && opts && t < opts->n_trusted; t++) {
        strbuf_reset(&why);
        if ((rc = sign_minisig_verify(&valid, &why, NULL, &opts->trusted[t], cp->statement,
                                      strlen(cp->statement), cp->minisig, strlen(cp->minisig),
                                      err)) < 0)
            goto out;
    }
    if (!valid) {
        add_finding(r, CUSTODY_F_CHECKPOINT, cp->chain, cp->entries,
                    "entry %lld: the checkpoint's signature does not verify with key %s%s%s",
                    (long long)cp->entries, cp->key_id, why.len ? ": " : "", why.buf);
        goto out;
    }
    if (opts && opts->trusted && (!k || !k->trusted)) {
        int any = 0;
        for (size_t t = 0; t < opts->n_trusted; t++) {
            int v = 0;
            if ((rc = sign_minisig_verify(&v, NULL, NULL, &opts->trusted[t], cp->statement,
                                          strlen(cp->statement), cp->minisig, strlen(cp->minisig),
                                          err)) < 0)
                goto out;
            any |= v;
        }
        if (!any)
            add_finding(r, CUSTODY_F_UNTRUSTED, cp->chain, cp->entries,
                        "entry %lld: the checkpoint is signed by key %s, not a trusted key",
                        (long long)cp->entries, cp->key_id);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].chain, cp->chain))
            continue;
        have++;
        if (list[i].seq == cp->entries && !at)
            at = &list[i];
    }
    if (!at) {
        add_finding(r, CUSTODY_F_CHECKPOINT, cp->chain, cp->entries,
                    "entry %lld is missing: the checkpoint of %lld entries (head %.16s...) "
                    "is not extended by the log, which has %lld entries (cut short)",
                    (long long)cp->entries, (long long)cp->entries, cp->head_hash, (long long)have);
    } else if (strcmp(at->entry_hash, cp->head_hash)) {
        add_finding(r, CUSTODY_F_CHECKPOINT, cp->chain, cp->entries,
                    "entry %lld differs from the checkpoint (hash %.16s... instead of %.16s...): "
                    "history was rewritten",
                    (long long)cp->entries, at->entry_hash, cp->head_hash);
    }
out:
    strbuf_release(&why);
    return rc;
}

int
custody_check(struct casedb *db, const struct custody_check_opts *opts, struct custody_report *out,
              struct custody_err *err)
{
    struct casedb_case c = {0};
    struct custody_entry *list = NULL;
    struct known_key *keys = NULL;
    size_t n = 0, nkeys = 0;
    int rc, fatal = 0;

    memset(out, 0, sizeof(*out));
    if ((rc = crypto_init(err)) < 0)
        return rc;
    if ((rc = casedb_get_case(db, &c, err)) < 0)
        goto out;
    if ((rc = custody_list(db, &list, &n, err)) < 0)
        goto out;
    if ((rc = load_keys(db, opts, &keys, &nkeys, err)) < 0)
        goto out;
    out->n_entries = n;
    for (size_t i = 0; i < n && !fatal;) {
        /* One chain: entries i..j-1, in seq order. */
        size_t j = i;
        const char *chain = list[i].chain;
        char expect_prev[CUSTODY_HASH_HEX];
        int64_t expect_seq = 1;

        while (j < n && !strcmp(list[j].chain, chain))
            j++;
        out->n_chains++;
        for (size_t k = 0; k < nkeys; k++)
            keys[k].revoked_at_seq = 0;
        custody_genesis_hash(expect_prev, c.uuid, chain);
        for (size_t x = i; x < j && !fatal; x++) {
            struct custody_entry *e = &list[x];
            char h[CUSTODY_HASH_HEX];

            if (e->seq != expect_seq) {
                if (e->seq == expect_seq + 1)
                    add_finding(out, CUSTODY_F_GAP, chain, expect_seq,
                                "entry %lld is missing (deleted?): entry %lld follows entry %lld",
                                (long long)expect_seq, (long long)e->seq,
                                (long long)expect_seq - 1);
                else if (e->seq > expect_seq)
                    add_finding(out, CUSTODY_F_GAP, chain, expect_seq,
                                "entries %lld-%lld are missing (deleted?): entry %lld follows "
                                "entry %lld",
                                (long long)expect_seq, (long long)e->seq - 1, (long long)e->seq,
                                (long long)expect_seq - 1);
                else
                    add_finding(out, CUSTODY_F_GAP, chain, e->seq,
                                "entry %lld appears again (sequence number repeated)",
                                (long long)e->seq);
            }
            custody_entry_hash(h, e);
            if (strcmp(h, e->entry_hash))
                add_finding(out, CUSTODY_F_HASH, chain, e->seq,
                            "entry %lld (%s): its fields do not match its hash (edited)",
                            (long long)e->seq, e->action ? e->action : "?");
            if (strcmp(e->prev_hash, expect_prev))
                add_finding(out, CUSTODY_F_LINK, chain, e->seq,
                            x == i ? "entry %lld (%s) does not link to the start of the chain "
                                     "for this case (entries before it removed, or another "
                                     "case's log)"
                                   : "entry %lld (%s) does not link to the entry before it "
                                     "(entries removed, reordered or inserted)",
                            (long long)e->seq, e->action ? e->action : "?");
            check_signature(out, e, h, keys, nkeys, opts, err, &fatal);
            note_revocation(e, keys, nkeys);
            memcpy(expect_prev, e->entry_hash, CUSTODY_HASH_HEX);
            expect_seq = (e->seq >= expect_seq ? e->seq : expect_seq - 1) + 1;
            if (!strcmp(chain, c.station_uuid)) {
                memcpy(out->head_hash, e->entry_hash, CUSTODY_HASH_HEX);
                out->head_seq = e->seq;
            }
        }
        i = j;
    }
    if (fatal) {
        rc = fatal;
        goto out;
    }
    for (size_t i = 0; opts && i < opts->n_checkpoints; i++)
        if ((rc = check_checkpoint(out, &opts->checkpoints[i], c.uuid, list, n, keys, nkeys, opts,
                                   err)) < 0)
            goto out;
    rc = 0;
out:
    if (rc < 0)
        custody_report_release(out);
    custody_entry_list_free(list, n);
    free(keys);
    casedb_case_release(&c);
    return rc;
}
