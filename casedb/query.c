/* Timeline queries: a filter becomes one SQL statement whose values are all bound
 * parameters; rows stream to a callback. Also pivots, histograms and the upkeep of
 * the full-text index (event_fts) that --text searches. */
#include "query.h"

#include "cli.h"
#include "db_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* A bound value waiting for its statement. */
struct qbind {
    int type; /* 0 text, 1 int, 2 blob */
    const char *text;
    int64_t num;
    unsigned char blob[16];
};

#define QUERY_MAX_EVIDENCE 256
/* Every arm of the compound statement (ARM_COUNT) binds its own copy of the values. */
#define QUERY_MAX_BINDS (5 * (3 * QUERY_MAX_VALUES + QUERY_MAX_EVIDENCE + 32))

struct qbuild {
    struct strbuf sql;
    struct strbuf glob; /* translated path glob, owned */
    struct qbind binds[QUERY_MAX_BINDS];
    int n_binds;
    int overflow;                             /* more values than binds: the statement is refused */
    int64_t evidence_ids[QUERY_MAX_EVIDENCE]; /* --asset and --evidence, resolved */
    size_t n_evidence_ids;
    int evidence_filter; /* 1: restrict to evidence_ids (possibly none) */
};

/* A timeline statement is one compound SELECT with an arm per event source: log
 * records from events, and each of a file's four times from files (schema v2: a
 * file's times are its file-system events, found through one index per time).
 * Arms run side by side; ORDER BY over the compound merges their index orders, so
 * a limit stops each arm early. Arm 0 is events (alias e, time column ts); arm
 * 1 + i reads files (alias f) through the time casedb_fs_times[i]. */
#define ARM_COUNT 5

static const char *
arm_alias(int arm)
{
    return arm ? "f" : "e";
}

static const char *
arm_time(int arm)
{
    return arm ? casedb_fs_times[arm - 1].col : "ts";
}

int64_t
casedb_fs_event_id(int64_t file_id, char kind)
{
    int rank = 0;

    while (rank < 3 && casedb_fs_times[rank].kind != kind)
        rank++;
    return rank - 3 - 4 * file_id; /* arm_columns writes the same in SQL */
}

/* What each arm selects. */
enum arm_cols {
    COLS_ROW,   /* the row layout fill_row reads */
    COLS_COUNT, /* one constant */
    COLS_TIME,  /* ts, evidence_id (pivots) */
    COLS_HIST,  /* ts, evidence_id, source, kind (histograms) */
};

/* The row of a file-system event: its id is casedb_fs_event_id's. */
static void
arm_columns(struct strbuf *sql, int arm, enum arm_cols cols)
{
    const char *t = arm_alias(arm), *ts = arm_time(arm);
    char kind = arm ? casedb_fs_times[arm - 1].kind : 0;

    switch (cols) {
    case COLS_ROW:
        if (!arm) {
            strbuf_addstr(sql, "e.id, e.ts, e.kind, e.source, NULL, NULL, e.evidence_id, NULL,"
                               " e.path, e.inode, e.size, e.mode, e.uid, e.gid, e.port, e.pid,"
                               " e.host, e.user, e.ip, e.program, e.message, e.location, e.tz,"
                               " e.flags, e.data, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                               " NULL, NULL, NULL");
            return;
        }
        strbuf_addf(sql,
                    "%d - 4 * f.id, f.%s, '%c', 'fs', NULL, NULL, f.evidence_id, f.id, f.path,"
                    " f.inode, f.size, f.mode, f.uid, f.gid, NULL, NULL, NULL, NULL, NULL, NULL,"
                    " NULL, NULL, NULL, f.flags, NULL, f.name_type, f.meta_type, f.atime, f.mtime,"
                    " f.ctime, f.crtime, f.md5, f.sha256, f.ioc_name, f.link, f.partition_id",
                    arm - 4, ts, kind);
        return;
    case COLS_COUNT:
        strbuf_addstr(sql, "NULL");
        return;
    case COLS_TIME:
        strbuf_addf(sql, "%s.%s AS ts, %s.evidence_id AS evidence_id", t, ts, t);
        return;
    case COLS_HIST:
        if (!arm)
            strbuf_addstr(sql, "e.ts AS ts, e.evidence_id AS evidence_id, e.source AS source,"
                               " e.kind AS kind");
        else
            strbuf_addf(sql,
                        "f.%s AS ts, f.evidence_id AS evidence_id, 'fs' AS source, '%c' AS kind",
                        ts, kind);
        return;
    }
}

static void
ip_in_net(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *txt = sqlite3_value_text(argv[0]);
    const unsigned char *net = sqlite3_value_blob(argv[1]);
    int bits = sqlite3_value_int(argv[2]);
    unsigned char addr[16];
    int cidr, abits;

    (void)argc;
    if (!txt || !net || sqlite3_value_bytes(argv[1]) != 16 ||
        casedb_parse_cidr((const char *)txt, addr, &abits, &cidr) < 0 || cidr) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((addr[i] & mask) != (net[i] & mask)) {
            sqlite3_result_int(ctx, 0);
            return;
        }
    }
    sqlite3_result_int(ctx, 1);
}

int
casedb_parse_cidr(const char *s, unsigned char net[16], int *bits, int *is_cidr)
{
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    uint64_t b = 0;
    int v4;
    unsigned char a4[4];

    if (len == 0 || len >= sizeof(addr))
        return CUSTODY_ERR_USAGE;
    memcpy(addr, s, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, a4) == 1) {
        v4 = 1;
        memset(net, 0, 10);
        net[10] = net[11] = 0xff;
        memcpy(net + 12, a4, 4);
    } else if (inet_pton(AF_INET6, addr, net) == 1) {
        v4 = 0;
    } else {
        return CUSTODY_ERR_USAGE;
    }
    *is_cidr = slash != NULL;
    if (slash) {
        if (cli_parse_u64(slash + 1, &b) < 0 || b > (v4 ? 32u : 128u))
            return CUSTODY_ERR_USAGE;
        *bits = (int)b + (v4 ? 96 : 0);
    } else {
        *bits = 128;
    }
    /* Clear host bits so "10.1.2.3/8" means 10.0.0.0/8. */
    for (int i = 0; i < 16; i++) {
        int keep = *bits - 8 * i;
        if (keep <= 0)
            net[i] = 0;
        else if (keep < 8)
            net[i] &= (unsigned char)(0xff << (8 - keep));
    }
    return 0;
}

int
casedb_glob_translate(struct strbuf *out, const char *glob, struct custody_err *err)
{
    /* SQLite's GLOB has no escape character: a literal special character is
     * written as a one-character set, "[*]". Inside a user's set, keep it as is. */
    for (const char *p = glob; *p; p++) {
        if (*p == '\\') {
            if (!p[1])
                return custody_err_set(err, CUSTODY_ERR_USAGE,
                                       "path glob '%s' ends with a lone backslash", glob);
            p++;
            if (*p == '*' || *p == '?' || *p == '[') {
                strbuf_addch(out, '[');
                strbuf_addch(out, *p);
                strbuf_addch(out, ']');
            } else {
                strbuf_addch(out, *p); /* "\]" and "\\" are plain characters */
            }
        } else if (*p == '[') {
            const char *q = p + 1;
            if (*q == '^' || *q == '!')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']')
                q++;
            if (!*q)
                return custody_err_set(err, CUSTODY_ERR_USAGE, "path glob '%s' has an unclosed '['",
                                       glob);
            strbuf_addch(out, '[');
            if (p[1] == '!') { /* shell negation; SQLite spells it ^ */
                strbuf_addch(out, '^');
                p++;
            }
            strbuf_add(out, p + 1, (size_t)(q - p));
            p = q;
        } else {
            strbuf_addch(out, *p);
        }
    }
    return 0;
}

static int
bind_add(struct qbuild *q, int type, const char *text, int64_t num, struct custody_err *err)
{
    if (q->n_binds >= QUERY_MAX_BINDS) {
        q->overflow = 1;
        return custody_err_set(err, CUSTODY_ERR_USAGE, "too many filter values");
    }
    q->binds[q->n_binds].type = type;
    q->binds[q->n_binds].text = text;
    q->binds[q->n_binds].num = num;
    q->n_binds++;
    strbuf_addch(&q->sql, '?');
    return 0;
}

static int
list_check(size_t n, const char *what, struct custody_err *err)
{
    if (n > QUERY_MAX_VALUES)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "more than %d %s values", QUERY_MAX_VALUES,
                               what);
    return 0;
}

int
casedb_filter_validate(const struct casedb_filter *f, struct custody_err *err)
{
    struct strbuf sb = STRBUF_INIT;
    unsigned char net[16];
    int bits, cidr, rc = 0;

    if ((rc = list_check(f->n_assets, "--asset", err)) < 0 ||
        (rc = list_check(f->n_evidence, "--evidence", err)) < 0 ||
        (rc = list_check(f->n_sources, "--source", err)) < 0 ||
        (rc = list_check(f->n_actions, "--action", err)) < 0)
        return rc;
    if (f->has_from && f->has_to && f->to <= f->from)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "--to must be after --from (--from is inclusive, --to exclusive)");
    if (f->ip && casedb_parse_cidr(f->ip, net, &bits, &cidr) < 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "'%s' is not an IPv4 or IPv6 address or CIDR network", f->ip);
    if (f->path_glob)
        rc = casedb_glob_translate(&sb, f->path_glob, err);
    strbuf_release(&sb);
    if (rc < 0)
        return rc;
    if (f->text && !*f->text)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "--text needs at least one word");
    return 0;
}

/* Turn --asset and --evidence names into row ids: a name that does not exist is
 * an error, not an empty result (a typo must not look like "nothing happened"). */
static int
has_id(const int64_t *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == id)
            return 1;
    return 0;
}

/* Turn --asset and --evidence names into the evidence ids to keep (both given: the
 * evidence items of those assets). A name that does not exist is an error, not an
 * empty result: a typo must not look like "nothing happened". Resolving here lets
 * the statement say evidence_id = ? for one disk, which walks the (evidence_id, ts)
 * index in time order and stops at the limit, with no sort. */
static int
resolve_names(struct casedb *db, const struct casedb_filter *f, struct qbuild *q,
              struct custody_err *err)
{
    int64_t named[QUERY_MAX_VALUES];
    int rc = 0;

    for (size_t i = 0; i < f->n_evidence; i++) {
        struct casedb_evidence e = {0};
        const char *slash = strrchr(f->evidence[i], '/');
        char *host = NULL;
        if (slash) {
            host = strndup(f->evidence[i], (size_t)(slash - f->evidence[i]));
            if (!host)
                abort();
        }
        rc = casedb_evidence_resolve(db, host, slash ? slash + 1 : f->evidence[i], &e, err);
        free(host);
        if (rc < 0)
            return rc;
        named[i] = e.id;
        casedb_evidence_release(&e);
    }
    q->evidence_filter = f->n_evidence || f->n_assets;
    if (!f->n_assets) {
        for (size_t i = 0; i < f->n_evidence; i++)
            if (!has_id(q->evidence_ids, q->n_evidence_ids, named[i]))
                q->evidence_ids[q->n_evidence_ids++] = named[i];
        return 0;
    }
    for (size_t i = 0; i < f->n_assets; i++) {
        struct casedb_asset a = {0};
        struct casedb_evidence *list = NULL;
        size_t n = 0;
        if ((rc = casedb_asset_get(db, f->assets[i], &a, err)) < 0)
            return rc;
        rc = casedb_evidence_list(db, a.id, &list, &n, err);
        casedb_asset_release(&a);
        if (rc < 0)
            return rc;
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (f->n_evidence && !has_id(named, f->n_evidence, list[k].id))
                continue;
            if (has_id(q->evidence_ids, q->n_evidence_ids, list[k].id))
                continue;
            if (q->n_evidence_ids == QUERY_MAX_EVIDENCE)
                rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                     "the --asset values name more than %d evidence items",
                                     QUERY_MAX_EVIDENCE);
            else
                q->evidence_ids[q->n_evidence_ids++] = list[k].id;
        }
        casedb_evidence_list_free(list, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
add_in_list(struct qbuild *q, const char *column, const char *const *vals, size_t n,
            struct custody_err *err)
{
    int rc;

    strbuf_addf(&q->sql, " AND %s IN (", column);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addch(&q->sql, ',');
        if ((rc = bind_add(q, 0, vals[i], 0, err)) < 0)
            return rc;
    }
    strbuf_addch(&q->sql, ')');
    return 0;
}

/* Which of m, a, c, b the filter's --source/--action/--user/--ip allow for a file's
 * times (bit 1 m, 2 a, 4 c, 8 b); 0 when none can match. */
static unsigned
fs_kinds(const struct casedb_filter *f)
{
    unsigned kinds = 15;
    int fs = !f->n_sources;

    for (size_t i = 0; i < f->n_sources; i++)
        fs |= !strcmp(f->sources[i], "fs");
    if (!fs || f->user || f->ip)
        return 0; /* file-system events have no user name or address */
    if (f->n_actions) {
        kinds = 0;
        for (size_t i = 0; i < f->n_actions; i++) {
            const char *k = f->actions[i];
            const char *p = k[0] && !k[1] ? strchr("macb", k[0]) : NULL;
            if (p)
                kinds |= 1u << (p - "macb");
        }
    }
    return kinds;
}

/* Whether an arm can hold rows the filter wants. */
static int
arm_wanted(const struct casedb_filter *f, int arm)
{
    int other = !f->n_sources;

    if (arm)
        return !f->logs_only &&
               ((fs_kinds(f) >> (strchr("macb", casedb_fs_times[arm - 1].kind) - "macb")) & 1);
    for (size_t i = 0; i < f->n_sources; i++)
        other |= strcmp(f->sources[i], "fs") != 0; /* --source fs alone: no log event */
    return other;
}

/* " AND ..." restricting alias t's evidence_id to the filter's evidence items. With
 * no evidence named and a time range, every item's range is sought in the index
 * (times are indexed after evidence_id) instead of the table being scanned. */
static void
add_evidence(const struct casedb_filter *f, struct qbuild *q, const char *t, int ranged,
             struct custody_err *err)
{
    if (!q->evidence_filter && ranged && (f->has_from || f->has_to)) {
        strbuf_addf(&q->sql, " AND %s.evidence_id IN (SELECT id FROM evidence)", t);
    } else if (q->evidence_filter && q->n_evidence_ids == 0) {
        strbuf_addstr(&q->sql, " AND 0"); /* assets without evidence items */
    } else if (q->n_evidence_ids == 1) {
        strbuf_addf(&q->sql, " AND %s.evidence_id = ", t);
        bind_add(q, 1, NULL, q->evidence_ids[0], err);
    } else if (q->n_evidence_ids > 1) {
        strbuf_addf(&q->sql, " AND %s.evidence_id IN (", t);
        for (size_t i = 0; i < q->n_evidence_ids; i++) {
            if (i)
                strbuf_addch(&q->sql, ',');
            bind_add(q, 1, NULL, q->evidence_ids[i], err);
        }
        strbuf_addch(&q->sql, ')');
    }
}

/* " AND ..." of the filters both log events (arm 0) and files (any other arm) have:
 * path glob, full text, IOC and deleted flags. */
static void
add_row_filters(const struct casedb_filter *f, struct qbuild *q, int arm, struct custody_err *err)
{
    const char *t = arm_alias(arm);

    if (f->path_glob) {
        strbuf_addf(&q->sql, " AND CAST(%s.path AS TEXT) GLOB ", t);
        bind_add(q, 0, q->glob.buf, 0, err);
    }
    if (f->text) {
        /* Log events match through event_fts, files through file_fts (once per
         * file, not per event: no per-event copy of the path is indexed). */
        strbuf_addstr(&q->sql,
                      arm ? " AND f.id IN (SELECT rowid FROM file_fts WHERE file_fts MATCH "
                          : " AND e.id IN (SELECT rowid FROM event_fts WHERE event_fts"
                            " MATCH ");
        bind_add(q, 0, f->text, 0, err);
        strbuf_addch(&q->sql, ')');
    }
    if (f->ioc_only)
        strbuf_addf(&q->sql, " AND (%s.flags & 8) != 0", t);
    if (f->deleted_only)
        strbuf_addf(&q->sql, " AND (%s.flags & 1) != 0", t);
}

/* " WHERE ..." of one arm, for every filter field. Column names are literals here;
 * values are only ever '?' placeholders. */
static int
add_arm_where(const struct casedb_filter *f, struct qbuild *q, int arm, struct custody_err *err)
{
    const char *t = arm_alias(arm), *ts = arm_time(arm);
    int rc;

    if (arm)
        strbuf_addf(&q->sql, " WHERE f.%s IS NOT NULL", ts);
    else
        strbuf_addstr(&q->sql, " WHERE 1");
    if (f->has_from) {
        strbuf_addf(&q->sql, " AND %s.%s >= ", t, ts);
        bind_add(q, 1, NULL, f->from, err);
    }
    if (f->has_to) {
        strbuf_addf(&q->sql, " AND %s.%s < ", t, ts);
        bind_add(q, 1, NULL, f->to, err);
    }
    add_evidence(f, q, t, 1, err);
    add_row_filters(f, q, arm, err);
    if (arm)
        return 0; /* the rest are log fields: a file-system arm exists only where */
                  /* --source, --action, --user and --ip allow it (arm_wanted) */
    if (f->n_sources && (rc = add_in_list(q, "e.source", f->sources, f->n_sources, err)) < 0)
        return rc;
    if (f->n_actions && (rc = add_in_list(q, "e.kind", f->actions, f->n_actions, err)) < 0)
        return rc;
    if (f->user) {
        strbuf_addstr(&q->sql, " AND e.user IS NOT NULL AND e.user = ");
        bind_add(q, 0, f->user, 0, err);
    }
    if (f->ip) {
        unsigned char net[16];
        int bits, cidr;
        casedb_parse_cidr(f->ip, net, &bits, &cidr);
        if (!cidr) {
            /* Stored as the log wrote it; match that and the canonical spelling. */
            strbuf_addstr(&q->sql, " AND e.ip IS NOT NULL AND e.ip IN (");
            bind_add(q, 0, f->ip, 0, err);
            strbuf_addch(&q->sql, ',');
            bind_add(q, 3, NULL, 0, err);
            memcpy(q->binds[q->n_binds - 1].blob, net, 16);
            strbuf_addch(&q->sql, ')');
        } else {
            /* A network: test each distinct address once, then use the ip index. */
            strbuf_addstr(&q->sql,
                          " AND e.ip IS NOT NULL AND e.ip IN (SELECT ip FROM (SELECT DISTINCT ip"
                          " FROM events WHERE ip IS NOT NULL) WHERE custody_ip_in_net(ip, ");
            bind_add(q, 2, NULL, 0, err);
            memcpy(q->binds[q->n_binds - 1].blob, net, 16);
            strbuf_addstr(&q->sql, ", ");
            bind_add(q, 1, NULL, bits, err);
            strbuf_addstr(&q->sql, "))");
        }
    }
    return 0;
}

/* Validate the filter and resolve its names and glob into q, once per statement. */
static int
filter_resolve(struct casedb *db, const struct casedb_filter *f, struct qbuild *q,
               struct custody_err *err)
{
    int rc;

    if ((rc = casedb_filter_validate(f, err)) < 0 || (rc = resolve_names(db, f, q, err)) < 0)
        return rc;
    if (f->path_glob && (rc = casedb_glob_translate(&q->glob, f->path_glob, err)) < 0)
        return rc;
    return 0;
}

/* The compound SELECT of the arms the filter can match; with none, an arm that
 * reads nothing, so the statement stays valid. */
static int
add_compound(struct casedb *db, const struct casedb_filter *f, struct qbuild *q, enum arm_cols cols,
             struct custody_err *err)
{
    int rc, n = 0;

    if ((rc = filter_resolve(db, f, q, err)) < 0)
        return rc;
    for (int arm = 0; arm < ARM_COUNT; arm++) {
        if (!arm_wanted(f, arm))
            continue;
        if (n++)
            strbuf_addstr(&q->sql, " UNION ALL ");
        strbuf_addstr(&q->sql, "SELECT ");
        arm_columns(&q->sql, arm, cols);
        strbuf_addstr(&q->sql, arm ? " FROM files f" : " FROM events e");
        if ((rc = add_arm_where(f, q, arm, err)) < 0)
            return rc;
    }
    if (!n) {
        strbuf_addstr(&q->sql, "SELECT ");
        arm_columns(&q->sql, 0, cols);
        strbuf_addstr(&q->sql, " FROM events e WHERE 0");
    }
    return q->overflow ? CUSTODY_ERR_USAGE : 0;
}

static int
register_functions(struct casedb *db, struct custody_err *err)
{
    int rc = sqlite3_create_function_v2(db->db, "custody_ip_in_net", 3,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                        ip_in_net, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, err, "cannot register SQL function");
    /* Reading a timeline in time order visits the table in random order: map the
     * file (no read() per page) and keep a larger cache. Both are per connection
     * and only about speed; failing to set them is not an error. */
    sqlite3_exec(db->db, "PRAGMA mmap_size = 2147418112; PRAGMA cache_size = -131072", NULL, NULL,
                 NULL);
    return 0;
}

static int
prepare_bound(struct casedb *db, struct qbuild *q, sqlite3_stmt **st, struct custody_err *err)
{
    int rc;

    if (q->overflow)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "too many filter values");
    if ((rc = register_functions(db, err)) < 0 || (rc = db_prepare(db, st, q->sql.buf, err)) < 0)
        return rc;
    for (int i = 0; i < q->n_binds; i++) {
        const struct qbind *b = &q->binds[i];
        char canon[INET6_ADDRSTRLEN];
        switch (b->type) {
        case 0:
            db_bind_text(*st, i + 1, b->text);
            break;
        case 1:
            sqlite3_bind_int64(*st, i + 1, b->num);
            break;
        case 2:
            sqlite3_bind_blob(*st, i + 1, b->blob, 16, SQLITE_TRANSIENT);
            break;
        case 3: /* canonical text of an address */
            if (!memcmp(b->blob, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
                inet_ntop(AF_INET, b->blob + 12, canon, sizeof(canon));
            else
                inet_ntop(AF_INET6, b->blob, canon, sizeof(canon));
            db_bind_text(*st, i + 1, canon);
            break;
        }
    }
    return 0;
}

static void
qbuild_init(struct qbuild *q)
{
    memset(q, 0, sizeof(*q));
    strbuf_init(&q->sql);
    strbuf_init(&q->glob);
}

static void
qbuild_release(struct qbuild *q)
{
    strbuf_release(&q->sql);
    strbuf_release(&q->glob);
}

static int
build_select(struct casedb *db, const struct casedb_filter *f, struct qbuild *q,
             struct custody_err *err)
{
    int rc;

    if ((rc = add_compound(db, f, q, COLS_ROW, err)) < 0)
        return rc;
    /* Columns 2, 8, 1: ts, file id (NULL for log events), event id. */
    if (!f->unordered)
        strbuf_addstr(&q->sql,
                      f->descending ? " ORDER BY 2 DESC, 8 DESC, 1 DESC" : " ORDER BY 2, 8, 1");
    if (f->limit > 0) {
        strbuf_addstr(&q->sql, " LIMIT ");
        bind_add(q, 1, NULL, f->limit, err);
    }
    return q->overflow ? CUSTODY_ERR_USAGE : 0;
}

static int64_t
col_int(sqlite3_stmt *st, int col, int64_t dflt)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, col);
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* id -> names of evidence items (asset hostname, label) and partitions (prefix). */
struct name_entry {
    int64_t id;
    char *a, *b;
};
struct name_list {
    struct name_entry *v;
    size_t n;
};
struct names {
    struct name_list ev, part;
};

static int
names_row(sqlite3_stmt *st, void *ctx)
{
    struct name_list *l = ctx;
    struct name_entry *grown = realloc(l->v, (l->n + 1) * sizeof(*l->v));

    if (!grown)
        abort();
    l->v = grown;
    grown[l->n].id = sqlite3_column_int64(st, 0);
    grown[l->n].a = db_col_strdup(st, 1);
    grown[l->n].b = db_col_strdup(st, 2);
    l->n++;
    return 0;
}

static void
name_list_release(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].a);
        free(l->v[i].b);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void
names_release(struct names *nm)
{
    name_list_release(&nm->ev);
    name_list_release(&nm->part);
}

static int run_rows(struct casedb *db, const struct casedb_filter *f, struct qbuild *q,
                    int (*fn)(sqlite3_stmt *st, void *ctx), void *ctx, struct custody_err *err);

static int
names_load(struct casedb *db, struct names *nm, struct custody_err *err)
{
    struct qbuild q;
    int rc;

    memset(nm, 0, sizeof(*nm));
    qbuild_init(&q);
    /* ORDER BY id: looked up by binary search. */
    strbuf_addstr(&q.sql, "SELECT ev.id, a.hostname, ev.label FROM evidence ev JOIN assets a ON"
                          " a.id = ev.asset_id ORDER BY ev.id");
    rc = run_rows(db, NULL, &q, names_row, &nm->ev, err);
    if (rc == 0) {
        strbuf_reset(&q.sql);
        strbuf_addstr(&q.sql, "SELECT id, prefix, NULL FROM partitions ORDER BY id");
        rc = run_rows(db, NULL, &q, names_row, &nm->part, err);
    }
    qbuild_release(&q);
    return rc;
}

static const struct name_entry *
names_find(const struct name_entry *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].id == id)
            return &v[mid];
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void
fill_row(sqlite3_stmt *st, const struct names *nm, struct casedb_event_row *r)
{
    const struct name_entry *ne;

    r->id = sqlite3_column_int64(st, 0);
    r->ts = sqlite3_column_int64(st, 1);
    r->kind = col_text(st, 2);
    r->source = col_text(st, 3);
    r->evidence_id = sqlite3_column_int64(st, 6);
    ne = names_find(nm->ev.v, nm->ev.n, r->evidence_id);
    r->asset = ne ? ne->a : NULL;
    r->evidence = ne ? ne->b : NULL;
    r->file_id = col_int(st, 7, 0);
    r->path = sqlite3_column_blob(st, 8);
    r->path_len = (size_t)sqlite3_column_bytes(st, 8);
    r->inode = col_text(st, 9);
    r->size = col_int(st, 10, -1);
    r->mode = col_int(st, 11, -1);
    r->uid = col_int(st, 12, -1);
    r->gid = col_int(st, 13, -1);
    r->flags = sqlite3_column_int64(st, 23);
    /* Each column call takes the connection's mutex: read only the half that a
     * file-system or a log event can have (the other half is NULL by construction). */
    if (!r->file_id) {
        r->port = col_int(st, 14, -1);
        r->pid = col_int(st, 15, -1);
        r->host = col_text(st, 16);
        r->user = col_text(st, 17);
        r->ip = col_text(st, 18);
        r->program = col_text(st, 19);
        r->message = col_text(st, 20);
        r->location = col_text(st, 21);
        r->tz = col_text(st, 22);
        r->data = col_text(st, 24);
        r->name_type = r->meta_type = -1;
        return;
    }
    r->port = r->pid = -1;
    r->name_type = col_int(st, 25, -1);
    r->meta_type = col_int(st, 26, -1);
    r->has_atime = sqlite3_column_type(st, 27) != SQLITE_NULL;
    r->atime = sqlite3_column_int64(st, 27);
    r->has_mtime = sqlite3_column_type(st, 28) != SQLITE_NULL;
    r->mtime = sqlite3_column_int64(st, 28);
    r->has_ctime = sqlite3_column_type(st, 29) != SQLITE_NULL;
    r->ctime = sqlite3_column_int64(st, 29);
    r->has_crtime = sqlite3_column_type(st, 30) != SQLITE_NULL;
    r->crtime = sqlite3_column_int64(st, 30);
    r->md5 = col_text(st, 31);
    r->sha256 = col_text(st, 32);
    r->ioc_name = col_text(st, 33);
    r->link = sqlite3_column_blob(st, 34);
    r->link_len = (size_t)sqlite3_column_bytes(st, 34);
    ne = sqlite3_column_type(st, 35) == SQLITE_NULL
             ? NULL
             : names_find(nm->part.v, nm->part.n, sqlite3_column_int64(st, 35));
    r->part_prefix = ne ? ne->a : NULL;
}

/* A malformed FTS5 expression is the user's mistake, not a database failure. */
static int
step_fail(struct casedb *db, const struct casedb_filter *f, struct custody_err *err)
{
    const char *msg = sqlite3_errmsg(db->db);

    if (f && f->text && msg && (strstr(msg, "fts5") || strstr(msg, "no such column")))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "bad --text query '%s': %s (quote words with special characters:"
                               " '\"shell.php\"')",
                               f->text, msg);
    return db_fail(db, sqlite3_extended_errcode(db->db), err, "query failed");
}

/* Step st and hand each row (fill_row) to fn until the end, fn returns > 0 (stop,
 * 0) or < 0 (that error); *n counts the rows handed over. file_rows: rows read
 * from files alone, with no event kind. */
static int
emit_rows(struct casedb *db, const struct casedb_filter *f, sqlite3_stmt *st,
          const struct names *nm, int file_rows, casedb_row_fn fn, void *ctx, int64_t *n,
          struct custody_err *err)
{
    struct casedb_event_row row;

    for (;;) {
        int s = sqlite3_step(st), rc;
        if (s == SQLITE_DONE)
            return 0;
        if (s != SQLITE_ROW)
            return step_fail(db, f, err);
        if ((*n & 4095) == 0 && custody_interrupted)
            return custody_err_set(err, CUSTODY_ERR_INTR, "query interrupted");
        memset(&row, 0, sizeof(row));
        fill_row(st, nm, &row);
        if (file_rows)
            row.kind = NULL;
        (*n)++;
        if ((rc = fn(ctx, &row)) != 0)
            return rc > 0 ? 0 : rc;
    }
}

static int
ensure_text_index(struct casedb *db, const struct casedb_filter *f, struct custody_err *err)
{
    int stale = 0, rc;

    if (!f->text)
        return 0;
    if ((rc = casedb_text_index_stale(db, &stale, err)) < 0)
        return rc;
    if (!stale)
        return 0;
    if (db->readonly)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the full-text index of '%s' is out of date and the database is "
                               "open read-only: run the query once without read-only access",
                               db->path);
    return casedb_text_index_update(db, NULL, err);
}

int
casedb_query(struct casedb *db, const struct casedb_filter *f, casedb_row_fn fn, void *ctx,
             int64_t *count_out, struct custody_err *err)
{
    struct qbuild q;
    struct names nm;
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    int rc;

    if (count_out)
        *count_out = 0;
    qbuild_init(&q);
    memset(&nm, 0, sizeof(nm));
    if ((rc = ensure_text_index(db, f, err)) < 0 || (rc = build_select(db, f, &q, err)) < 0 ||
        (rc = names_load(db, &nm, err)) < 0 || (rc = prepare_bound(db, &q, &st, err)) < 0)
        goto done;
    rc = emit_rows(db, f, st, &nm, 0, fn, ctx, &n, err);
done:
    if (count_out)
        *count_out = n;
    sqlite3_finalize(st);
    names_release(&nm);
    qbuild_release(&q);
    return rc;
}

/* Run a statement built around the filter's WHERE and hand each row to fn. */
static int
run_rows(struct casedb *db, const struct casedb_filter *f, struct qbuild *q,
         int (*fn)(sqlite3_stmt *st, void *ctx), void *ctx, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prepare_bound(db, q, &st, err)) < 0)
        return rc;
    for (;;) {
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = step_fail(db, f, err);
            goto done;
        }
        if ((rc = fn(st, ctx)) != 0) {
            rc = rc > 0 ? 0 : rc;
            goto done;
        }
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

static int
count_row(sqlite3_stmt *st, void *ctx)
{
    *(int64_t *)ctx = sqlite3_column_int64(st, 0);
    return 0;
}

int
casedb_query_files(struct casedb *db, const struct casedb_filter *f, casedb_row_fn fn, void *ctx,
                   unsigned *kinds_out, int64_t *count_out, struct custody_err *err)
{
    struct qbuild q;
    struct names nm;
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    int rc;

    *kinds_out = fs_kinds(f);
    if (count_out)
        *count_out = 0;
    qbuild_init(&q);
    memset(&nm, 0, sizeof(nm));
    if ((rc = filter_resolve(db, f, &q, err)) < 0 || (rc = names_load(db, &nm, err)) < 0)
        goto done;
    if (f->text && (rc = ensure_text_index(db, f, err)) < 0)
        goto done;
    /* The same row layout as casedb_query (fill_row), read from files alone, in
     * storage order: the caller sorts. Event-only columns are constants. */
    strbuf_addstr(&q.sql,
                  "SELECT 0, 0, NULL, 'fs', NULL, NULL, f.evidence_id, f.id, f.path, f.inode,"
                  " f.size, f.mode, f.uid, f.gid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                  " NULL, f.flags, NULL, f.name_type, f.meta_type, f.atime, f.mtime, f.ctime,"
                  " f.crtime, f.md5, f.sha256, f.ioc_name, f.link, f.partition_id FROM files f"
                  " WHERE ");
    strbuf_addstr(&q.sql, *kinds_out ? "1" : "0");
    /* --from/--to apply to each time: the caller's (one file, several times) */
    add_evidence(f, &q, "f", 0, err);
    add_row_filters(f, &q, 1, err);
    if ((rc = prepare_bound(db, &q, &st, err)) < 0)
        goto done;
    rc = emit_rows(db, f, st, &nm, 1, fn, ctx, &n, err);
done:
    if (count_out)
        *count_out = n;
    sqlite3_finalize(st);
    names_release(&nm);
    qbuild_release(&q);
    return rc;
}

int
casedb_query_count(struct casedb *db, const struct casedb_filter *f, int64_t *count_out,
                   struct custody_err *err)
{
    struct qbuild q;
    int rc;

    *count_out = 0;
    qbuild_init(&q);
    strbuf_addstr(&q.sql, "SELECT count(*) FROM (");
    if ((rc = ensure_text_index(db, f, err)) < 0 ||
        (rc = add_compound(db, f, &q, COLS_COUNT, err)) < 0)
        goto done;
    if (f->limit > 0) {
        strbuf_addstr(&q.sql, " LIMIT ");
        bind_add(&q, 1, NULL, f->limit, err);
    }
    strbuf_addch(&q.sql, ')');
    rc = run_rows(db, f, &q, count_row, count_out, err);
done:
    qbuild_release(&q);
    return rc;
}

static int
plan_row(sqlite3_stmt *st, void *ctx)
{
    struct strbuf *sb = ctx;
    const char *detail = col_text(st, 3);

    /* EXPLAIN QUERY PLAN rows: id, parent, notused, detail; indent by nesting. */
    strbuf_addf(sb, "  %s\n", detail ? detail : "");
    return 0;
}

static int
explain(struct casedb *db, const struct casedb_filter *f, struct qbuild *q, struct strbuf *sb,
        struct custody_err *err)
{
    struct strbuf plan = STRBUF_INIT;
    int rc;

    strbuf_addf(sb, "SQL: %s\nQUERY PLAN:\n", q->sql.buf);
    strbuf_addstr(&plan, "EXPLAIN QUERY PLAN ");
    strbuf_add(&plan, q->sql.buf, q->sql.len);
    strbuf_reset(&q->sql);
    strbuf_add(&q->sql, plan.buf, plan.len);
    strbuf_release(&plan);
    rc = run_rows(db, f, q, plan_row, sb, err);
    return rc;
}

int
casedb_query_explain(struct casedb *db, const struct casedb_filter *f, struct strbuf *sb,
                     struct custody_err *err)
{
    struct qbuild q;
    int rc;

    qbuild_init(&q);
    if ((rc = build_select(db, f, &q, err)) == 0)
        rc = explain(db, f, &q, sb, err);
    qbuild_release(&q);
    return rc;
}

/* ---- the full-text indexes ----
 * event_fts (log events: message, path) and file_fts (files: path) are external-
 * content FTS5 indexes over the views event_text and file_text. Bulk loads do not
 * pay for them: they are brought up to date when a text query needs it.
 * text_index_state records the highest event and file ids looked at; triggers mark
 * it stale when indexed rows are deleted or their text changes, which forces a
 * rebuild (stale entries could otherwise match rows that reuse their ids). */

static int
state_row(sqlite3_stmt *st, void *ctx)
{
    int64_t *v = ctx;
    for (int i = 0; i < 5; i++)
        v[i] = sqlite3_column_int64(st, i);
    return 0;
}

/* v: events_max, files_max, stale, max(events.id), max(files.id) */
static int
read_state(struct casedb *db, int64_t v[5], struct custody_err *err)
{
    struct qbuild q;
    int rc;

    qbuild_init(&q);
    memset(v, 0, 5 * sizeof(v[0]));
    strbuf_addstr(&q.sql, "SELECT events_max, files_max, stale, (SELECT coalesce(max(id), 0) FROM"
                          " events), (SELECT coalesce(max(id), 0) FROM files) FROM"
                          " text_index_state WHERE id = 1");
    rc = run_rows(db, NULL, &q, state_row, v, err);
    qbuild_release(&q);
    return rc;
}

int
casedb_text_index_stale(struct casedb *db, int *stale_out, struct custody_err *err)
{
    int64_t v[5];
    int rc = read_state(db, v, err);

    if (rc < 0)
        return rc;
    *stale_out = v[2] != 0 || v[3] != v[0] || v[4] != v[1];
    return 0;
}

static int
exec_bound(struct casedb *db, const char *sql, int64_t a, int64_t b, int nbind,
           struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = db_prepare(db, &st, sql, err)) < 0)
        return rc;
    if (nbind > 0)
        sqlite3_bind_int64(st, 1, a);
    if (nbind > 1)
        sqlite3_bind_int64(st, 2, b);
    rc = db_exec_stmt(db, st, err, "cannot update the full-text index");
    sqlite3_finalize(st);
    return rc;
}

int
casedb_text_index_update(struct casedb *db, int64_t *indexed_out, struct custody_err *err)
{
    int64_t v[5];
    int rc;

    if (indexed_out)
        *indexed_out = 0;
    if ((rc = casedb_begin(db, err)) < 0)
        return rc;
    if ((rc = read_state(db, v, err)) < 0)
        goto fail;
    if (v[2] || v[3] < v[0] || v[4] < v[1]) {
        if ((rc = exec_bound(db, "INSERT INTO event_fts(event_fts) VALUES ('rebuild')", 0, 0, 0,
                             err)) < 0 ||
            (rc = exec_bound(db, "INSERT INTO file_fts(file_fts) VALUES ('rebuild')", 0, 0, 0,
                             err)) < 0)
            goto fail;
        if (indexed_out)
            *indexed_out = v[3] + v[4];
    } else {
        if (v[3] > v[0] && (rc = exec_bound(db,
                                            "INSERT INTO event_fts(rowid, message, path) SELECT"
                                            " id, message, path FROM events WHERE id > ?",
                                            v[0], 0, 1, err)) < 0)
            goto fail;
        if (v[4] > v[1] && (rc = exec_bound(db,
                                            "INSERT INTO file_fts(rowid, message, path) SELECT"
                                            " id, NULL, path FROM files WHERE id > ?",
                                            v[1], 0, 1, err)) < 0)
            goto fail;
        if (indexed_out)
            *indexed_out = (v[3] - v[0]) + (v[4] - v[1]);
    }
    if ((rc = exec_bound(db,
                         "UPDATE text_index_state SET events_max = ?, files_max = ?, stale = 0"
                         " WHERE id = 1",
                         v[3], v[4], 2, err)) < 0 ||
        (rc = casedb_commit(db, err)) < 0)
        goto fail;
    return 0;
fail:
    casedb_rollback(db);
    return rc;
}

/* ---- pivot ---- */

struct pivot_ctx {
    casedb_pivot_fn fn;
    void *ctx;
};

static int
pivot_row(sqlite3_stmt *st, void *ctx)
{
    struct pivot_ctx *p = ctx;
    struct casedb_pivot_row r;

    r.asset = col_text(st, 0);
    r.first_seen = sqlite3_column_int64(st, 1);
    r.last_seen = sqlite3_column_int64(st, 2);
    r.count = sqlite3_column_int64(st, 3);
    return p->fn(p->ctx, &r);
}

static int
build_pivot(struct casedb *db, enum casedb_pivot_kind kind, const char *value,
            const struct casedb_filter *base, struct qbuild *q, struct casedb_filter *f,
            struct custody_err *err)
{
    static const struct casedb_filter empty;
    int rc;

    *f = base ? *base : empty;
    f->limit = 0;
    if (!value || !*value)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "pivot needs a value");
    if (kind == CASEDB_PIVOT_HASH) {
        size_t n = strlen(value);
        if ((n != 32 && n != 64) || strspn(value, "0123456789abcdefABCDEF") != n)
            return custody_err_set(err, CUSTODY_ERR_USAGE, "'%s' is not an MD5 or SHA-256 in hex",
                                   value);
        /* A file's four times are its events; the files table carries the hashes. */
        strbuf_addstr(&q->sql,
                      "SELECT a.hostname, min(t.ts), max(t.ts), count(*) FROM (SELECT"
                      " evidence_id, atime AS ts FROM files WHERE (md5 = lower(?1) OR sha256 ="
                      " lower(?1)) AND atime IS NOT NULL UNION ALL SELECT evidence_id, mtime"
                      " FROM files WHERE (md5 = lower(?1) OR sha256 = lower(?1)) AND mtime IS"
                      " NOT NULL UNION ALL SELECT evidence_id, ctime FROM files WHERE (md5 ="
                      " lower(?1) OR sha256 = lower(?1)) AND ctime IS NOT NULL UNION ALL SELECT"
                      " evidence_id, crtime FROM files WHERE (md5 = lower(?1) OR sha256 ="
                      " lower(?1)) AND crtime IS NOT NULL) t CROSS JOIN evidence ev ON ev.id ="
                      " t.evidence_id CROSS JOIN assets a ON a.id = ev.asset_id WHERE 1");
        q->binds[0].type = 0;
        q->binds[0].text = value;
        q->n_binds = 1;
        if (f->has_from) {
            strbuf_addstr(&q->sql, " AND t.ts >= ");
            bind_add(q, 1, NULL, f->from, err);
        }
        if (f->has_to) {
            strbuf_addstr(&q->sql, " AND t.ts < ");
            bind_add(q, 1, NULL, f->to, err);
        }
        strbuf_addstr(&q->sql, " GROUP BY a.id ORDER BY 2, 1");
        return 0;
    }
    if (kind == CASEDB_PIVOT_IP)
        f->ip = value;
    else if (kind == CASEDB_PIVOT_USER)
        f->user = value;
    else
        f->path_glob = value;
    strbuf_addstr(&q->sql, "SELECT a.hostname, min(t.ts), max(t.ts), count(*) FROM (");
    if ((rc = ensure_text_index(db, f, err)) < 0 ||
        (rc = add_compound(db, f, q, COLS_TIME, err)) < 0)
        return rc;
    strbuf_addstr(&q->sql, ") t CROSS JOIN evidence ev ON ev.id = t.evidence_id CROSS JOIN assets a"
                           " ON a.id = ev.asset_id GROUP BY a.id ORDER BY 2, 1");
    return 0;
}

int
casedb_pivot(struct casedb *db, enum casedb_pivot_kind kind, const char *value,
             const struct casedb_filter *base, casedb_pivot_fn fn, void *ctx,
             struct custody_err *err)
{
    struct qbuild q;
    struct casedb_filter f;
    struct pivot_ctx p = {fn, ctx};
    int rc;

    qbuild_init(&q);
    if ((rc = build_pivot(db, kind, value, base, &q, &f, err)) == 0)
        rc = run_rows(db, &f, &q, pivot_row, &p, err);
    qbuild_release(&q);
    return rc;
}

int
casedb_pivot_explain(struct casedb *db, enum casedb_pivot_kind kind, const char *value,
                     struct strbuf *sb, struct custody_err *err)
{
    struct qbuild q;
    struct casedb_filter f;
    int rc;

    qbuild_init(&q);
    if ((rc = build_pivot(db, kind, value, NULL, &q, &f, err)) == 0)
        rc = explain(db, &f, &q, sb, err);
    qbuild_release(&q);
    return rc;
}

/* ---- histogram ---- */

struct bucket_ctx {
    casedb_bucket_fn fn;
    void *ctx;
};

static int
bucket_row(sqlite3_stmt *st, void *ctx)
{
    struct bucket_ctx *b = ctx;
    struct casedb_bucket_row r;

    r.start = sqlite3_column_int64(st, 0);
    r.group = col_text(st, 1);
    if (!r.group)
        r.group = "";
    r.count = sqlite3_column_int64(st, 2);
    return b->fn(b->ctx, &r);
}

int
casedb_histogram(struct casedb *db, const struct casedb_filter *f, int64_t width_ns,
                 enum casedb_group_by by, casedb_bucket_fn fn, void *ctx, struct custody_err *err)
{
    static const char *const group_expr[] = {"''", "a.hostname", "t.source", "t.kind"};
    struct qbuild q;
    struct casedb_filter g = *f;
    struct bucket_ctx b = {fn, ctx};
    int rc;

    if (width_ns <= 0 || (int)by < 0 || (int)by > 3)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "bad histogram bucket or grouping");
    g.limit = 0;
    qbuild_init(&q);
    /* Floor division, so events before 1970 land in the right bucket too. */
    strbuf_addstr(&q.sql, "SELECT (CASE WHEN t.ts >= 0 THEN t.ts / ");
    bind_add(&q, 1, NULL, width_ns, err);
    strbuf_addstr(&q.sql, " ELSE (t.ts + 1) / ");
    bind_add(&q, 1, NULL, width_ns, err);
    strbuf_addstr(&q.sql, " - 1 END) * ");
    bind_add(&q, 1, NULL, width_ns, err);
    strbuf_addf(&q.sql, " AS bucket, %s AS grp, count(*) FROM (", group_expr[by]);
    if ((rc = ensure_text_index(db, &g, err)) < 0 ||
        (rc = add_compound(db, &g, &q, COLS_HIST, err)) < 0)
        goto done;
    strbuf_addstr(&q.sql, ") t");
    if (by == CASEDB_GROUP_ASSET)
        strbuf_addstr(&q.sql, " CROSS JOIN evidence ev ON ev.id = t.evidence_id CROSS JOIN assets a"
                              " ON a.id = ev.asset_id");
    strbuf_addstr(&q.sql, " GROUP BY bucket, grp ORDER BY bucket, grp");
    rc = run_rows(db, &g, &q, bucket_row, &b, err);
done:
    qbuild_release(&q);
    return rc;
}
