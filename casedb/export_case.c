/* CASE/UCO 1.x JSON-LD export of a case database. Nodes that several records refer to
 * (identities, tools, locations) are collected while the records are written and
 * emitted once at the end; the investigation node, which lists every object, last. */
#include "export_case.h"

#include "db_internal.h"

#include "cli.h"
#include "hash.h"
#include "json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum node_kind { NODE_IDENTITY, NODE_TOOL, NODE_LOCATION };

struct shared_node {
    char *id;
    enum node_kind kind;
    char *name;
    char *extra; /* identity: description; tool: version */
};

struct case_export {
    struct casedb *db;
    struct json_writer w;
    char case_uuid[CASEDB_UUID_LEN + 1];
    struct shared_node *nodes;
    size_t n_nodes, cap_nodes;
    char **objects; /* ids the investigation lists */
    size_t n_objects, cap_objects;
    struct export_case_stats stats;
    struct custody_err *err;
};

static char *
xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

int
export_uuid_v5(char out[CASEDB_UUID_LEN + 1], const char *ns_uuid, const char *name,
               struct custody_err *err)
{
    uint8_t ns[16], digest[20];
    char hex[33];
    size_t j = 0;
    struct strbuf sb = STRBUF_INIT;

    for (const char *p = ns_uuid; *p && j < 32; p++)
        if (*p != '-')
            hex[j++] = *p;
    hex[j] = '\0';
    if (j != 32 || hex_decode(ns, 16, hex) < 0)
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "case uuid '%s' is not a uuid", ns_uuid);
    strbuf_add(&sb, ns, sizeof(ns));
    strbuf_addstr(&sb, name);
    hash_buffer(HASH_SHA1, digest, sb.buf, sb.len);
    strbuf_release(&sb);
    digest[6] = (uint8_t)((digest[6] & 0x0f) | 0x50);
    digest[8] = (uint8_t)((digest[8] & 0x3f) | 0x80);
    snprintf(out, CASEDB_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", digest[0],
             digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7], digest[8],
             digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
    return 0;
}

/* "kb:<kind>-<uuid v5 of kind/key>" into sb (reset first). */
static void
make_id(struct case_export *x, struct strbuf *sb, const char *kind, const char *key)
{
    char uuid[CASEDB_UUID_LEN + 1];
    struct strbuf name = STRBUF_INIT;

    strbuf_reset(sb);
    strbuf_addf(&name, "%s/%s", kind, key ? key : "");
    /* The namespace was validated when the export started. */
    export_uuid_v5(uuid, x->case_uuid, name.buf, NULL);
    strbuf_release(&name);
    strbuf_addf(sb, "kb:%s-%s", kind, uuid);
}

static void
add_object(struct case_export *x, const char *id)
{
    if (x->n_objects == x->cap_objects) {
        x->cap_objects = x->cap_objects ? 2 * x->cap_objects : 64;
        x->objects = realloc(x->objects, x->cap_objects * sizeof(*x->objects));
        if (!x->objects)
            abort();
    }
    x->objects[x->n_objects++] = xstrdup(id);
}

/* Register a shared node (first registration wins) and put its id into sb. */
static void
shared_ref(struct case_export *x, struct strbuf *sb, enum node_kind kind, const char *name,
           const char *extra)
{
    static const char *const kinds[] = {"identity", "tool", "location"};
    struct strbuf key = STRBUF_INIT;

    if (kind == NODE_TOOL)
        strbuf_addf(&key, "%s %s", name, extra ? extra : "");
    else
        strbuf_addstr(&key, name);
    make_id(x, sb, kinds[kind], key.buf);
    strbuf_release(&key);
    for (size_t i = 0; i < x->n_nodes; i++)
        if (!strcmp(x->nodes[i].id, sb->buf))
            return;
    if (x->n_nodes == x->cap_nodes) {
        x->cap_nodes = x->cap_nodes ? 2 * x->cap_nodes : 16;
        x->nodes = realloc(x->nodes, x->cap_nodes * sizeof(*x->nodes));
        if (!x->nodes)
            abort();
    }
    x->nodes[x->n_nodes].id = xstrdup(sb->buf);
    x->nodes[x->n_nodes].kind = kind;
    x->nodes[x->n_nodes].name = xstrdup(name);
    x->nodes[x->n_nodes].extra = extra ? xstrdup(extra) : NULL;
    x->n_nodes++;
}

static void
kv_ref(struct json_writer *w, const char *key, const char *id)
{
    json_key(w, key);
    json_begin_object(w);
    json_kv_str(w, "@id", id);
    json_end_object(w);
}

/* "key": [{"@id": id}] (a list property with one member) */
static void
kv_ref_array(struct json_writer *w, const char *key, const char *id)
{
    json_key(w, key);
    json_begin_array(w);
    json_begin_object(w);
    json_kv_str(w, "@id", id);
    json_end_object(w);
    json_end_array(w);
}

static void
kv_typed(struct json_writer *w, const char *key, const char *type, const char *value)
{
    json_key(w, key);
    json_begin_object(w);
    json_kv_str(w, "@type", type);
    json_kv_str(w, "@value", value);
    json_end_object(w);
}

static void
kv_time(struct json_writer *w, const char *key, int64_t ns)
{
    struct strbuf sb = STRBUF_INIT;

    custody_format_time(&sb, ns);
    kv_typed(w, key, "xsd:dateTime", sb.buf);
    strbuf_release(&sb);
}

static void
kv_integer(struct json_writer *w, const char *key, int64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "%lld", (long long)v);
    kv_typed(w, key, "xsd:integer", num);
}

static void
begin_node(struct json_writer *w, const char *id, const char *type)
{
    json_begin_object(w);
    json_kv_str(w, "@id", id);
    json_kv_str(w, "@type", type);
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static int64_t
col_int(sqlite3_stmt *st, int col, int64_t dflt)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, col);
}

/* Upper-case hex of a stored digest, checked: "" when the column is NULL or empty. */
static int
upper_hash(char out[HASH_HEX_MAX], const char *hex, enum hash_algo algo, const char *what,
           struct custody_err *err)
{
    size_t n;

    out[0] = '\0';
    if (!hex || !*hex)
        return 0;
    n = strlen(hex);
    if (n != 2 * hash_len(algo))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "%s: %s '%.80s' is not a %s digest", what,
                               hash_name(algo), hex, hash_name(algo));
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)hex[i]))
            return custody_err_set(err, CUSTODY_ERR_FORMAT, "%s: %s '%.80s' is not hex", what,
                                   hash_name(algo), hex);
        out[i] = (char)toupper((unsigned char)hex[i]);
    }
    out[n] = '\0';
    return 0;
}

/* A ContentDataFacet with size and the given digests (upper-case hex, "" = absent). */
static void
content_facet(struct case_export *x, const char *owner_key, int64_t size,
              char hashes[HASH_COUNT][HASH_HEX_MAX])
{
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT;
    struct json_writer *w = &x->w;

    strbuf_addf(&key, "%s/content", owner_key);
    make_id(x, &id, "content-data-facet", key.buf);
    begin_node(w, id.buf, "uco-observable:ContentDataFacet");
    if (size >= 0)
        kv_integer(w, "uco-observable:sizeInBytes", size);
    json_key(w, "uco-observable:hash");
    json_begin_array(w);
    for (int a = 0; a < HASH_COUNT; a++) {
        if (!hashes[a][0])
            continue;
        strbuf_reset(&key);
        strbuf_addf(&key, "%s/%s", owner_key, hash_name((enum hash_algo)a));
        make_id(x, &id, "hash", key.buf);
        begin_node(w, id.buf, "uco-types:Hash");
        kv_typed(w, "uco-types:hashMethod", "uco-vocabulary:HashNameVocab",
                 hash_name((enum hash_algo)a));
        kv_typed(w, "uco-types:hashValue", "xsd:hexBinary", hashes[a]);
        json_end_object(w);
        x->stats.hashes++;
    }
    json_end_array(w);
    json_end_object(w);
    strbuf_release(&id);
    strbuf_release(&key);
}

static void
device_facet(struct case_export *x, const char *owner_key, const char *model, const char *serial,
             const char *vendor)
{
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT;
    struct json_writer *w = &x->w;

    strbuf_addf(&key, "%s/device", owner_key);
    make_id(x, &id, "device-facet", key.buf);
    begin_node(w, id.buf, "uco-observable:DeviceFacet");
    if (model)
        json_kv_str(w, "uco-observable:model", model);
    if (serial)
        json_kv_str(w, "uco-observable:serialNumber", serial);
    if (vendor)
        json_kv_str(w, "uco-core:description", vendor);
    json_end_object(w);
    strbuf_release(&id);
    strbuf_release(&key);
}

static int
export_context(struct json_writer *w)
{
    json_key(w, "@context");
    json_begin_object(w);
    json_kv_str(w, "kb", "urn:custody:kb:");
    json_kv_str(w, "case-investigation", "https://ontology.caseontology.org/case/investigation/");
    json_kv_str(w, "uco-action", "https://ontology.unifiedcyberontology.org/uco/action/");
    json_kv_str(w, "uco-core", "https://ontology.unifiedcyberontology.org/uco/core/");
    json_kv_str(w, "uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/");
    json_kv_str(w, "uco-location", "https://ontology.unifiedcyberontology.org/uco/location/");
    json_kv_str(w, "uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/");
    json_kv_str(w, "uco-tool", "https://ontology.unifiedcyberontology.org/uco/tool/");
    json_kv_str(w, "uco-types", "https://ontology.unifiedcyberontology.org/uco/types/");
    json_kv_str(w, "uco-vocabulary", "https://ontology.unifiedcyberontology.org/uco/vocabulary/");
    json_kv_str(w, "xsd", "http://www.w3.org/2001/XMLSchema#");
    json_end_object(w);
    return 0;
}

/* Examiners registered in the case (names may also appear only in records). */
static int
export_examiners(struct case_export *x)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, desc = STRBUF_INIT;
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT name, group_concat(coalesce(role, ''), ', '),"
                    " group_concat(coalesce(key_id, ''), ', '), max(revoked_at)"
                    " FROM examiners GROUP BY name ORDER BY name",
                    x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_reset(&desc);
        strbuf_addf(&desc, "examiner; role: %s; key id: %s", col_text(st, 1) ? col_text(st, 1) : "",
                    col_text(st, 2) ? col_text(st, 2) : "");
        if (col_int(st, 3, 0) > 0) {
            strbuf_addstr(&desc, "; key revoked ");
            custody_format_time(&desc, col_int(st, 3, 0));
        }
        shared_ref(x, &id, NODE_IDENTITY, col_text(st, 0), desc.buf);
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot list examiners");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&desc);
    return rc;
}

/* Servers (assets) and their disks (evidence items) as observable objects. */
static int
export_devices(struct case_export *x)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT;
    struct json_writer *w = &x->w;
    char none[HASH_COUNT][HASH_HEX_MAX] = {{0}};
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT hostname, asset_tag, serial, location, status FROM assets ORDER BY id",
                    x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_reset(&key);
        strbuf_addf(&key, "asset/%s", col_text(st, 0));
        make_id(x, &id, "server", key.buf);
        add_object(x, id.buf);
        begin_node(w, id.buf, "uco-observable:ObservableObject");
        json_kv_str(w, "uco-core:name", col_text(st, 0));
        {
            struct strbuf d = STRBUF_INIT;
            strbuf_addf(&d, "server; status: %s", col_text(st, 4));
            if (col_text(st, 1))
                strbuf_addf(&d, "; asset tag: %s", col_text(st, 1));
            if (col_text(st, 3))
                strbuf_addf(&d, "; location: %s", col_text(st, 3));
            json_kv_str(w, "uco-core:description", d.buf);
            strbuf_release(&d);
        }
        json_key(w, "uco-core:hasFacet");
        json_begin_array(w);
        device_facet(x, key.buf, NULL, col_text(st, 2), NULL);
        json_end_array(w);
        json_end_object(w);
        x->stats.observables++;
    }
    if (rc != SQLITE_DONE) {
        rc = db_fail(x->db, rc, x->err, "cannot list assets");
        goto out;
    }
    sqlite3_finalize(st);
    /* The media hashes of a disk are those of its newest complete acquisition. */
    rc =
        db_prepare(x->db, &st,
                   "SELECT a.hostname, e.label, e.vendor, e.model, e.serial, e.size, e.sector_size,"
                   " q.md5, q.sha1, q.sha256, q.uuid"
                   " FROM evidence e JOIN assets a ON a.id = e.asset_id"
                   " LEFT JOIN acquisitions q ON q.id = (SELECT max(id) FROM acquisitions"
                   "   WHERE evidence_id = e.id AND status = 'complete')"
                   " ORDER BY e.id",
                   x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char h[HASH_COUNT][HASH_HEX_MAX];
        struct strbuf what = STRBUF_INIT;

        strbuf_addf(&what, "acquisition '%s'", col_text(st, 10) ? col_text(st, 10) : "");
        for (int a = 0; a < HASH_COUNT; a++) {
            if (upper_hash(h[a], col_text(st, 7 + a), (enum hash_algo)a, what.buf, x->err) < 0) {
                strbuf_release(&what);
                rc = x->err->code;
                goto out;
            }
        }
        strbuf_release(&what);
        strbuf_reset(&key);
        strbuf_addf(&key, "evidence/%s/%s", col_text(st, 0), col_text(st, 1));
        make_id(x, &id, "device", key.buf);
        add_object(x, id.buf);
        begin_node(w, id.buf, "uco-observable:ObservableObject");
        {
            struct strbuf n = STRBUF_INIT;
            strbuf_addf(&n, "%s/%s", col_text(st, 0), col_text(st, 1));
            json_kv_str(w, "uco-core:name", n.buf);
            strbuf_reset(&n);
            strbuf_addf(&n, "evidence item %s of server %s", col_text(st, 1), col_text(st, 0));
            if (sqlite3_column_type(st, 6) != SQLITE_NULL)
                strbuf_addf(&n, "; sector size %lld", (long long)col_int(st, 6, 0));
            json_kv_str(w, "uco-core:description", n.buf);
            strbuf_release(&n);
        }
        json_key(w, "uco-core:hasFacet");
        json_begin_array(w);
        device_facet(x, key.buf, col_text(st, 3), col_text(st, 4), col_text(st, 2));
        content_facet(x, key.buf, col_int(st, 5, -1), col_text(st, 10) ? h : none);
        json_end_array(w);
        json_end_object(w);
        x->stats.observables++;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot list evidence");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&key);
    return rc;
}

/* Our outcomes in UCO's ActionStatusTypeVocab (Complete/Finish, Error, Fail, Ongoing,
 * Pending, Success, Unknown). */
static const char *
action_status(const char *s)
{
    if (!s)
        return "Unknown";
    if (!strcmp(s, "running"))
        return "Ongoing";
    if (!strcmp(s, "complete"))
        return "Complete/Finish";
    if (!strcmp(s, "pass"))
        return "Success";
    if (!strcmp(s, "incomplete") || !strcmp(s, "interrupted") || !strcmp(s, "cannot-check"))
        return "Error";
    if (!strcmp(s, "failed") || !strcmp(s, "fail"))
        return "Fail";
    return "Unknown";
}

/* Split "custody-acquire 0.1.0" into name and version (version may be NULL). */
static void
tool_ref(struct case_export *x, struct strbuf *id, const char *tool, const char *version,
         const char *combined)
{
    if (tool) {
        shared_ref(x, id, NODE_TOOL, tool, version);
    } else if (combined && strrchr(combined, ' ')) {
        const char *sp = strrchr(combined, ' ');
        char *name = strndup(combined, (size_t)(sp - combined));
        if (!name)
            abort();
        shared_ref(x, id, NODE_TOOL, name, sp + 1);
        free(name);
    } else {
        shared_ref(x, id, NODE_TOOL, combined ? combined : "custody-acquire", NULL);
    }
}

static int
export_acquisition_files(struct case_export *x, int64_t acq_id, const char *acq_uuid,
                         struct strbuf *results)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT;
    struct json_writer *w = &x->w;
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT seq, name, size, sha256 FROM acquisition_files"
                    " WHERE acquisition_id = ? ORDER BY seq",
                    x->err);
    if (rc < 0)
        goto out;
    sqlite3_bind_int64(st, 1, acq_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char h[HASH_COUNT][HASH_HEX_MAX] = {{0}};
        struct strbuf what = STRBUF_INIT;

        strbuf_addf(&what, "file '%s' of acquisition '%s'", col_text(st, 1), acq_uuid);
        rc = upper_hash(h[HASH_SHA256], col_text(st, 3), HASH_SHA256, what.buf, x->err);
        strbuf_release(&what);
        if (rc < 0)
            goto out;
        strbuf_reset(&key);
        strbuf_addf(&key, "%s/%lld", acq_uuid, (long long)col_int(st, 0, 0));
        make_id(x, &id, "image-file", key.buf);
        add_object(x, id.buf);
        strbuf_add(results, id.buf, id.len + 1); /* NUL-separated list */
        begin_node(w, id.buf, "uco-observable:ObservableObject");
        json_kv_str(w, "uco-core:name", col_text(st, 1));
        json_key(w, "uco-core:hasFacet");
        json_begin_array(w);
        {
            struct strbuf fid = STRBUF_INIT;
            strbuf_addf(&key, "/file");
            make_id(x, &fid, "file-facet", key.buf);
            begin_node(w, fid.buf, "uco-observable:FileFacet");
            json_kv_str(w, "uco-observable:fileName", col_text(st, 1));
            kv_integer(w, "uco-observable:sizeInBytes", col_int(st, 2, 0));
            json_end_object(w);
            strbuf_release(&fid);
        }
        content_facet(x, key.buf, col_int(st, 2, 0), h);
        json_end_array(w);
        json_end_object(w);
        x->stats.observables++;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot list acquisition files");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&key);
    return rc;
}

static void
read_error_summary(struct case_export *x, int64_t acq_id, struct strbuf *sb)
{
    sqlite3_stmt *st = NULL;
    int n = 0;

    if (db_prepare(x->db, &st,
                   "SELECT first_sector, sector_count FROM read_errors WHERE acquisition_id = ?"
                   " ORDER BY first_sector",
                   NULL) < 0)
        return;
    sqlite3_bind_int64(st, 1, acq_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        strbuf_addstr(sb, n++ ? ", " : "; unreadable sectors (first+count): ");
        strbuf_addf(sb, "%lld+%lld", (long long)sqlite3_column_int64(st, 0),
                    (long long)sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
}

static void
kv_ref_list(struct json_writer *w, const char *key, const struct strbuf *nul_list)
{
    json_key(w, key);
    json_begin_array(w);
    for (size_t i = 0; i < nul_list->len; i += strlen(nul_list->buf + i) + 1) {
        json_begin_object(w);
        json_kv_str(w, "@id", nul_list->buf + i);
        json_end_object(w);
    }
    json_end_array(w);
}

static int
export_acquisitions(struct case_export *x)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT, ref = STRBUF_INIT, results = STRBUF_INIT;
    struct strbuf desc = STRBUF_INIT;
    struct json_writer *w = &x->w;
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT q.id, q.uuid, a.hostname, e.label, q.examiner_name, r.tool, r.version,"
                    " q.tool_version, a.location, q.started_at, q.ended_at, q.status, q.md5,"
                    " q.sha1, q.sha256, q.media_size, q.format, q.source, q.bad_sectors,"
                    " q.verify_image, q.evidence_number, q.output_base, q.manifest_sig,"
                    " x.name"
                    " FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id"
                    " JOIN assets a ON a.id = e.asset_id LEFT JOIN runs r ON r.id = q.run_id"
                    " LEFT JOIN examiners x ON x.id = q.examiner_id ORDER BY q.id",
                    x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t acq_id = sqlite3_column_int64(st, 0);
        const char *uuid = col_text(st, 1);
        const char *performer = col_text(st, 23) ? col_text(st, 23) : col_text(st, 4);
        char h[HASH_COUNT][HASH_HEX_MAX];
        struct strbuf what = STRBUF_INIT;

        strbuf_addf(&what, "acquisition '%s'", uuid);
        for (int a = 0; a < HASH_COUNT; a++) {
            if (upper_hash(h[a], col_text(st, 12 + a), (enum hash_algo)a, what.buf, x->err) < 0) {
                strbuf_release(&what);
                rc = x->err->code;
                goto out;
            }
        }
        strbuf_release(&what);
        strbuf_reset(&results);

        /* The acquired media as one observable with its three hashes. */
        make_id(x, &id, "image", uuid);
        add_object(x, id.buf);
        strbuf_add(&results, id.buf, id.len + 1);
        begin_node(w, id.buf, "uco-observable:ObservableObject");
        strbuf_reset(&desc);
        strbuf_addf(&desc, "%s image of %s/%s", col_text(st, 16), col_text(st, 2), col_text(st, 3));
        json_kv_str(w, "uco-core:name", col_text(st, 21) ? col_text(st, 21) : desc.buf);
        json_kv_str(w, "uco-core:description", desc.buf);
        json_key(w, "uco-core:hasFacet");
        json_begin_array(w);
        strbuf_reset(&key);
        strbuf_addf(&key, "image/%s", uuid);
        content_facet(x, key.buf, col_int(st, 15, -1), h);
        json_end_array(w);
        json_end_object(w);
        x->stats.observables++;

        if ((rc = export_acquisition_files(x, acq_id, uuid, &results)) < 0)
            goto out;

        make_id(x, &id, "provenance-record", uuid);
        strbuf_add(&results, id.buf, id.len + 1);

        /* The action itself. */
        make_id(x, &id, "acquisition", uuid);
        add_object(x, id.buf);
        begin_node(w, id.buf, "case-investigation:InvestigativeAction");
        json_kv_str(w, "uco-core:name", "acquisition");
        strbuf_reset(&desc);
        strbuf_addf(&desc, "acquisition %s of %s/%s from %s; status %s; %lld unreadable sectors",
                    uuid, col_text(st, 2), col_text(st, 3), col_text(st, 17), col_text(st, 11),
                    (long long)col_int(st, 18, 0));
        read_error_summary(x, acq_id, &desc);
        if (col_text(st, 19))
            strbuf_addf(&desc, "; image verification: %s", col_text(st, 19));
        strbuf_addf(&desc, "; manifest %s", col_text(st, 22) ? "signed" : "not signed");
        json_kv_str(w, "uco-core:description", desc.buf);
        kv_typed(w, "uco-action:actionStatus", "uco-vocabulary:ActionStatusTypeVocab",
                 action_status(col_text(st, 11)));
        kv_time(w, "uco-action:startTime", col_int(st, 9, 0));
        if (sqlite3_column_type(st, 10) != SQLITE_NULL)
            kv_time(w, "uco-action:endTime", col_int(st, 10, 0));
        if (performer) {
            shared_ref(x, &ref, NODE_IDENTITY, performer, "examiner");
            kv_ref(w, "uco-action:performer", ref.buf);
        }
        tool_ref(x, &ref, col_text(st, 5), col_text(st, 6), col_text(st, 7));
        kv_ref(w, "uco-action:instrument", ref.buf);
        if (col_text(st, 8)) {
            shared_ref(x, &ref, NODE_LOCATION, col_text(st, 8), NULL);
            kv_ref(w, "uco-action:location", ref.buf);
        }
        strbuf_reset(&key);
        strbuf_addf(&key, "evidence/%s/%s", col_text(st, 2), col_text(st, 3));
        make_id(x, &ref, "device", key.buf);
        kv_ref_array(w, "uco-action:object", ref.buf);
        kv_ref_list(w, "uco-action:result", &results);
        json_end_object(w);
        x->stats.actions++;

        /* One provenance record per exhibit: the device and what was made of it. */
        make_id(x, &id, "provenance-record", uuid);
        add_object(x, id.buf);
        begin_node(w, id.buf, "case-investigation:ProvenanceRecord");
        strbuf_reset(&desc);
        if (col_text(st, 20))
            strbuf_addstr(&desc, col_text(st, 20));
        else
            strbuf_addf(&desc, "%s/%s", col_text(st, 2), col_text(st, 3));
        json_kv_str(w, "case-investigation:exhibitNumber", desc.buf);
        strbuf_reset(&desc);
        strbuf_addf(&desc, "exhibit %s/%s as acquired by %s", col_text(st, 2), col_text(st, 3),
                    uuid);
        json_kv_str(w, "uco-core:description", desc.buf);
        /* results minus the record itself, plus the device */
        json_key(w, "uco-core:object");
        json_begin_array(w);
        json_begin_object(w);
        json_kv_str(w, "@id", ref.buf);
        json_end_object(w);
        for (size_t i = 0; i < results.len; i += strlen(results.buf + i) + 1) {
            if (!strcmp(results.buf + i, id.buf))
                continue;
            json_begin_object(w);
            json_kv_str(w, "@id", results.buf + i);
            json_end_object(w);
        }
        json_end_array(w);
        json_end_object(w);
        x->stats.provenance_records++;
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot list acquisitions");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&key);
    strbuf_release(&ref);
    strbuf_release(&results);
    strbuf_release(&desc);
    return rc;
}

static int
export_verifications(struct case_export *x)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT, ref = STRBUF_INIT, desc = STRBUF_INIT;
    struct json_writer *w = &x->w;
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT v.kind, v.verifier_key_id, v.started_at, v.ended_at, v.verdict,"
                    " q.uuid, a.hostname, r.tool, r.version, x.name, a.location"
                    " FROM verifications v LEFT JOIN acquisitions q ON q.id = v.acquisition_id"
                    " LEFT JOIN assets a ON a.id = v.asset_id LEFT JOIN runs r ON r.id = v.run_id"
                    " LEFT JOIN examiners x ON x.id = (SELECT min(id) FROM examiners"
                    "   WHERE key_id = v.verifier_key_id)"
                    " ORDER BY v.id",
                    x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_reset(&key);
        strbuf_addf(&key, "%s/%s/%s/%s/%lld", col_text(st, 0),
                    col_text(st, 5) ? col_text(st, 5) : "", col_text(st, 6) ? col_text(st, 6) : "",
                    col_text(st, 1) ? col_text(st, 1) : "", (long long)col_int(st, 2, 0));
        make_id(x, &id, "verification", key.buf);
        add_object(x, id.buf);
        begin_node(w, id.buf, "case-investigation:InvestigativeAction");
        json_kv_str(w, "uco-core:name", "verification");
        strbuf_reset(&desc);
        strbuf_addf(&desc, "%s verification; verdict: %s", col_text(st, 0), col_text(st, 4));
        if (col_text(st, 1))
            strbuf_addf(&desc, "; verifier key id %s", col_text(st, 1));
        json_kv_str(w, "uco-core:description", desc.buf);
        kv_typed(w, "uco-action:actionStatus", "uco-vocabulary:ActionStatusTypeVocab",
                 action_status(col_text(st, 4)));
        kv_time(w, "uco-action:startTime", col_int(st, 2, 0));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            kv_time(w, "uco-action:endTime", col_int(st, 3, 0));
        if (col_text(st, 9) || col_text(st, 1)) {
            struct strbuf n = STRBUF_INIT;
            if (col_text(st, 9))
                strbuf_addstr(&n, col_text(st, 9));
            else
                strbuf_addf(&n, "unregistered key %s", col_text(st, 1));
            shared_ref(x, &ref, NODE_IDENTITY, n.buf, "verifier");
            kv_ref(w, "uco-action:performer", ref.buf);
            strbuf_release(&n);
        }
        tool_ref(x, &ref, col_text(st, 7) ? col_text(st, 7) : "custody-verify", col_text(st, 8),
                 NULL);
        kv_ref(w, "uco-action:instrument", ref.buf);
        if (col_text(st, 10)) {
            shared_ref(x, &ref, NODE_LOCATION, col_text(st, 10), NULL);
            kv_ref(w, "uco-action:location", ref.buf);
        }
        json_key(w, "uco-action:object");
        json_begin_array(w);
        if (col_text(st, 5)) {
            make_id(x, &ref, "image", col_text(st, 5));
            json_begin_object(w);
            json_kv_str(w, "@id", ref.buf);
            json_end_object(w);
        }
        if (col_text(st, 6)) {
            struct strbuf k = STRBUF_INIT;
            strbuf_addf(&k, "asset/%s", col_text(st, 6));
            make_id(x, &ref, "server", k.buf);
            strbuf_release(&k);
            json_begin_object(w);
            json_kv_str(w, "@id", ref.buf);
            json_end_object(w);
        }
        json_end_array(w);
        /* The verdict is the result: an annotation on what was checked. */
        make_id(x, &ref, "annotation", key.buf);
        kv_ref_array(w, "uco-action:result", ref.buf);
        json_end_object(w);
        x->stats.actions++;

        begin_node(w, ref.buf, "uco-core:Annotation");
        add_object(x, ref.buf);
        json_key(w, "uco-core:statement");
        json_begin_array(w);
        strbuf_reset(&desc);
        strbuf_addf(&desc, "verdict: %s", col_text(st, 4));
        json_str(w, desc.buf);
        json_end_array(w);
        kv_ref_array(w, "uco-core:object", id.buf);
        json_end_object(w);
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot list verifications");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&key);
    strbuf_release(&ref);
    strbuf_release(&desc);
    return rc;
}

/* Every custody-log entry: transfers (released/received), clearances, seals, ... */
static int
export_custody(struct case_export *x)
{
    sqlite3_stmt *st = NULL;
    struct strbuf id = STRBUF_INIT, key = STRBUF_INIT, ref = STRBUF_INIT, desc = STRBUF_INIT;
    struct json_writer *w = &x->w;
    int rc;

    rc = db_prepare(x->db, &st,
                    "SELECT chain, seq, ts, action, asset, evidence, actor, key_id, location,"
                    " purpose, details, entry_hash, signature FROM custody_events"
                    " ORDER BY ts, chain, seq",
                    x->err);
    if (rc < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *action = col_text(st, 3);
        strbuf_reset(&key);
        strbuf_addf(&key, "%s/%lld", col_text(st, 0), (long long)col_int(st, 1, 0));
        make_id(x, &id, "custody-action", key.buf);
        add_object(x, id.buf);
        begin_node(w, id.buf, "case-investigation:InvestigativeAction");
        if (!strcmp(action, "released") || !strcmp(action, "received"))
            json_kv_str(w, "uco-core:name", "transfer");
        else if (!strcmp(action, "cleared"))
            json_kv_str(w, "uco-core:name", "clearance");
        else
            json_kv_str(w, "uco-core:name", action);
        strbuf_reset(&desc);
        strbuf_addf(&desc, "custody log entry %s #%lld: %s", col_text(st, 0),
                    (long long)col_int(st, 1, 0), action);
        if (col_text(st, 9))
            strbuf_addf(&desc, "; purpose: %s", col_text(st, 9));
        if (col_text(st, 10))
            strbuf_addf(&desc, "; details: %s", col_text(st, 10));
        strbuf_addf(&desc, "; entry hash %s; %s", col_text(st, 11),
                    col_text(st, 12) ? "signed" : "unsigned");
        if (col_text(st, 7))
            strbuf_addf(&desc, " by key id %s", col_text(st, 7));
        json_kv_str(w, "uco-core:description", desc.buf);
        kv_time(w, "uco-action:startTime", col_int(st, 2, 0));
        kv_time(w, "uco-action:endTime", col_int(st, 2, 0));
        if (col_text(st, 6)) {
            shared_ref(x, &ref, NODE_IDENTITY, col_text(st, 6), "examiner");
            kv_ref(w, "uco-action:performer", ref.buf);
        }
        /* The instrument of a log entry is the custody log itself. */
        shared_ref(x, &ref, NODE_TOOL, "custody-casedb", CUSTODY_VERSION);
        kv_ref(w, "uco-action:instrument", ref.buf);
        if (col_text(st, 8)) {
            shared_ref(x, &ref, NODE_LOCATION, col_text(st, 8), NULL);
            kv_ref(w, "uco-action:location", ref.buf);
        }
        json_key(w, "uco-action:object");
        json_begin_array(w);
        if (col_text(st, 4)) {
            struct strbuf k = STRBUF_INIT;
            if (col_text(st, 5)) {
                strbuf_addf(&k, "evidence/%s/%s", col_text(st, 4), col_text(st, 5));
                make_id(x, &ref, "device", k.buf);
            } else {
                strbuf_addf(&k, "asset/%s", col_text(st, 4));
                make_id(x, &ref, "server", k.buf);
            }
            strbuf_release(&k);
            json_begin_object(w);
            json_kv_str(w, "@id", ref.buf);
            json_end_object(w);
        }
        json_end_array(w);
        /* The result of a custody action is its signed log entry: an annotation on
         * what it concerned, carrying the entry hash and who signed it. */
        {
            struct strbuf ann = STRBUF_INIT, target = STRBUF_INIT;
            strbuf_addstr(&target, ref.buf);
            make_id(x, &ann, "custody-entry", key.buf);
            kv_ref_array(w, "uco-action:result", ann.buf);
            json_end_object(w);
            x->stats.actions++;

            add_object(x, ann.buf);
            begin_node(w, ann.buf, "uco-core:Annotation");
            json_key(w, "uco-core:statement");
            json_begin_array(w);
            strbuf_reset(&desc);
            strbuf_addf(&desc, "custody log entry %s #%lld (%s): entry hash %s, %s",
                        col_text(st, 0), (long long)col_int(st, 1, 0), action, col_text(st, 11),
                        col_text(st, 12) ? "signed" : "not signed");
            if (col_text(st, 7))
                strbuf_addf(&desc, " by key id %s", col_text(st, 7));
            json_str(w, desc.buf);
            json_end_array(w);
            json_key(w, "uco-core:object");
            json_begin_array(w);
            json_begin_object(w);
            json_kv_str(w, "@id", id.buf);
            json_end_object(w);
            if (col_text(st, 4)) {
                json_begin_object(w);
                json_kv_str(w, "@id", target.buf);
                json_end_object(w);
            }
            json_end_array(w);
            json_end_object(w);
            strbuf_release(&ann);
            strbuf_release(&target);
        }
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(x->db, rc, x->err, "cannot read the custody log");
out:
    sqlite3_finalize(st);
    strbuf_release(&id);
    strbuf_release(&key);
    strbuf_release(&ref);
    strbuf_release(&desc);
    return rc;
}

static void
export_shared_nodes(struct case_export *x)
{
    struct json_writer *w = &x->w;
    struct strbuf fid = STRBUF_INIT;

    for (size_t i = 0; i < x->n_nodes; i++) {
        struct shared_node *n = &x->nodes[i];
        add_object(x, n->id);
        switch (n->kind) {
        case NODE_IDENTITY:
            begin_node(w, n->id, "uco-identity:Identity");
            json_kv_str(w, "uco-core:name", n->name);
            if (n->extra)
                json_kv_str(w, "uco-core:description", n->extra);
            make_id(x, &fid, "simple-name-facet", n->name);
            json_key(w, "uco-core:hasFacet");
            json_begin_array(w);
            begin_node(w, fid.buf, "uco-identity:SimpleNameFacet");
            json_kv_str(w, "uco-identity:givenName", n->name);
            json_end_object(w);
            json_end_array(w);
            json_end_object(w);
            x->stats.identities++;
            break;
        case NODE_TOOL:
            begin_node(w, n->id, "uco-tool:Tool");
            json_kv_str(w, "uco-core:name", n->name);
            if (n->extra)
                json_kv_str(w, "uco-tool:version", n->extra);
            json_kv_str(w, "uco-tool:toolType", "forensic evidence preservation");
            json_end_object(w);
            x->stats.tools++;
            break;
        case NODE_LOCATION:
            begin_node(w, n->id, "uco-location:Location");
            json_kv_str(w, "uco-core:name", n->name);
            json_end_object(w);
            x->stats.locations++;
            break;
        }
    }
    strbuf_release(&fid);
}

int
export_case_jsonld(struct strbuf *out, struct casedb *db, struct export_case_stats *stats,
                   struct custody_err *err)
{
    struct case_export x;
    struct casedb_case c;
    struct strbuf id = STRBUF_INIT;
    char probe[CASEDB_UUID_LEN + 1];
    int rc;

    memset(&x, 0, sizeof(x));
    memset(&c, 0, sizeof(c));
    x.db = db;
    x.err = err;
    if ((rc = crypto_init(err)) < 0)
        return rc;
    if ((rc = casedb_get_case(db, &c, err)) < 0)
        return rc;
    snprintf(x.case_uuid, sizeof(x.case_uuid), "%s", c.uuid);
    if ((rc = export_uuid_v5(probe, x.case_uuid, "", err)) < 0)
        goto out;
    json_init(&x.w, out, 1);
    json_begin_object(&x.w);
    export_context(&x.w);
    json_key(&x.w, "@graph");
    json_begin_array(&x.w);
    if ((rc = export_examiners(&x)) < 0 || (rc = export_devices(&x)) < 0 ||
        (rc = export_acquisitions(&x)) < 0 || (rc = export_verifications(&x)) < 0 ||
        (rc = export_custody(&x)) < 0)
        goto out;
    export_shared_nodes(&x);

    strbuf_addf(&id, "kb:investigation-%s", c.uuid);
    begin_node(&x.w, id.buf, "case-investigation:Investigation");
    json_kv_str(&x.w, "uco-core:name", c.case_number);
    json_kv_str(&x.w, "case-investigation:focus", c.title);
    {
        struct strbuf d = STRBUF_INIT;
        strbuf_addf(&d, "case %s", c.uuid);
        if (c.organisation)
            strbuf_addf(&d, "; organisation: %s", c.organisation);
        json_kv_str(&x.w, "uco-core:description", d.buf);
        strbuf_release(&d);
    }
    kv_time(&x.w, "uco-core:objectCreatedTime", c.created_at);
    json_key(&x.w, "uco-core:object");
    json_begin_array(&x.w);
    for (size_t i = 0; i < x.n_objects; i++) {
        json_begin_object(&x.w);
        json_kv_str(&x.w, "@id", x.objects[i]);
        json_end_object(&x.w);
    }
    json_end_array(&x.w);
    json_end_object(&x.w);
    json_end_array(&x.w);
    json_end_object(&x.w);
    strbuf_addch(out, '\n');
    if (stats)
        *stats = x.stats;
    rc = 0;
out:
    for (size_t i = 0; i < x.n_nodes; i++) {
        free(x.nodes[i].id);
        free(x.nodes[i].name);
        free(x.nodes[i].extra);
    }
    free(x.nodes);
    for (size_t i = 0; i < x.n_objects; i++)
        free(x.objects[i]);
    free(x.objects);
    strbuf_release(&id);
    casedb_case_release(&c);
    return rc;
}
