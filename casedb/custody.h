/* The custody log: an append-only, hash-chained, Ed25519-signed record of who did
 * what with each evidence item (table custody_events), its checker, and signed
 * checkpoints. One chain per station database (chain = cases.station_uuid); the
 * first entry of a chain binds it to the case uuid. Format: docs/keys.md. */
#ifndef CUSTODY_CUSTODY_H
#define CUSTODY_CUSTODY_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"
#include "error.h"
#include "minisign.h"
#include "sign.h"

#define CUSTODY_HASH_HEX 65 /* 64 hex digits + NUL */

/* 1 when action is one of: registered acquired verified released received stored
 * accessed sealed cleared decommissioned key-revoked note merged. */
int custody_action_valid(const char *action);

/* What a caller appends. Strings may be NULL (absent). */
struct custody_new {
    const char *action;   /* required, custody_action_valid */
    const char *asset;    /* hostname */
    const char *evidence; /* evidence label */
    const char *location, *purpose, *details;
    const char *actor; /* only for unsigned entries (key NULL); else the key's examiner */
    int64_t ts;        /* ns UTC; 0 = now */
};

struct custody_entry {
    int64_t id; /* row id (not hashed) */
    char *chain;
    int64_t seq; /* 1, 2, ... within the chain */
    int64_t ts;  /* ns UTC */
    char *action, *asset, *evidence, *actor, *key_id, *location, *purpose, *details;
    char prev_hash[CUSTODY_HASH_HEX], entry_hash[CUSTODY_HASH_HEX];
    char *signature; /* base64 Ed25519 signature, NULL when unsigned */
};
void custody_entry_release(struct custody_entry *e);
void custody_entry_list_free(struct custody_entry *list, size_t n);

/* Append one entry to this station's chain, signed by key (the key must belong to
 * a registered examiner whose key is not revoked; actor and key_id come from that
 * examiner). key NULL appends an unsigned entry (the checker reports it). Works
 * inside or outside a transaction (uses a savepoint). out (may be NULL) receives
 * the entry as stored; the caller releases it. */
int custody_append(struct casedb *db, const struct custody_new *e, const struct sign_seckey *key,
                   struct custody_entry *out, struct custody_err *err);

/* A hand-over: `released` signed by the giver and `received` signed by the
 * receiver, in one transaction. */
int custody_transfer(struct casedb *db, const char *asset, const char *evidence,
                     const char *location, const char *purpose, const struct sign_seckey *from,
                     const struct sign_seckey *to, struct custody_err *err);

/* Revoke the examiner key key_id at `when` (0 = now) and record a `key-revoked`
 * entry signed by `by` (which may be the revoked key itself). Entries signed by a
 * revoked key after its revocation are reported by the checker. */
int custody_revoke_key(struct casedb *db, const char *key_id, const char *reason, int64_t when,
                       const struct sign_seckey *by, struct custody_err *err);

/* All entries, by chain then seq (the caller frees with custody_entry_list_free). */
int custody_list(struct casedb *db, struct custody_entry **out, size_t *n, struct custody_err *err);

/* ---- checkpoints ---- */

struct custody_checkpoint {
    char case_uuid[CASEDB_UUID_LEN + 1];
    char chain[CASEDB_UUID_LEN + 1];
    int64_t entries; /* number of entries the chain had */
    char head_hash[CUSTODY_HASH_HEX];
    char key_id[MINISIGN_KEY_ID_HEX];
    int64_t created_at; /* ns UTC */
    char *statement;    /* the signed text */
    char *minisig;      /* its minisign signature */
};
void custody_checkpoint_release(struct custody_checkpoint *cp);

/* Sign a checkpoint of this station's chain as it stands, record it in the
 * checkpoints table and return it (statement + minisig). An empty chain is
 * CUSTODY_ERR_USAGE. */
int custody_checkpoint_make(struct casedb *db, const struct sign_seckey *key,
                            struct custody_checkpoint *out, struct custody_err *err);
/* Parse a statement and its signature (signature not checked here). */
int custody_checkpoint_parse(struct custody_checkpoint *out, const char *statement, size_t len,
                             const char *minisig, size_t siglen, struct custody_err *err);
/* Read FILE and FILE.minisig. */
int custody_checkpoint_read(struct custody_checkpoint *out, const char *path,
                            struct custody_err *err);
/* Write FILE and FILE.minisig, both created exclusively. */
int custody_checkpoint_write(const struct custody_checkpoint *cp, const char *path,
                             struct custody_err *err);

/* ---- the checker ---- */

enum custody_finding_kind {
    CUSTODY_F_HASH,      /* an entry's fields do not match its hash: edited */
    CUSTODY_F_LINK,      /* prev hash does not name the entry before: removed, swapped, inserted */
    CUSTODY_F_GAP,       /* sequence numbers skip or repeat */
    CUSTODY_F_SIGNATURE, /* signature does not verify (forged, moved, edited) */
    CUSTODY_F_UNSIGNED,  /* entry carries no signature */
    CUSTODY_F_UNKNOWN_KEY, /* signed by a key no examiner of the case holds */
    CUSTODY_F_REVOKED,     /* signed by a key after its revocation */
    CUSTODY_F_UNTRUSTED,   /* signed by a registered key that is not among the trusted keys */
    CUSTODY_F_CHECKPOINT,  /* the log does not extend a checkpoint: cut short or rewritten */
};
const char *custody_finding_name(enum custody_finding_kind kind);

struct custody_finding {
    enum custody_finding_kind kind;
    char *chain;
    int64_t seq; /* the entry the finding is about (0: the chain as a whole) */
    char *reason;
};

struct custody_check_opts {
    /* When set, every signature must come from one of these keys (obtained out of
     * band); keys found only in the database are then reported as untrusted. */
    const struct minisign_pubkey *trusted;
    size_t n_trusted;
    const struct custody_checkpoint *checkpoints;
    size_t n_checkpoints;
};

struct custody_report {
    size_t n_entries, n_chains;
    char head_hash[CUSTODY_HASH_HEX]; /* this station's chain head ("" when empty) */
    int64_t head_seq;
    struct custody_finding *findings; /* in chain and entry order */
    size_t n_findings;
};
void custody_report_release(struct custody_report *r);

/* Check every chain of the log. Findings are verdicts (n_findings > 0), not
 * errors; a negative return means the check could not run. */
int custody_check(struct casedb *db, const struct custody_check_opts *opts,
                  struct custody_report *out, struct custody_err *err);

/* The hash of an entry as stored (lowercase hex), and the prev hash of a chain's
 * first entry. Exposed for tests and for tools that explain findings. */
void custody_entry_hash(char out[CUSTODY_HASH_HEX], const struct custody_entry *e);
void custody_genesis_hash(char out[CUSTODY_HASH_HEX], const char *case_uuid, const char *chain);

#endif
