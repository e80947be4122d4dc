/* The HTML case report. A page for a regulator's file: it must print well, open
 * anywhere without a network, and show hostile strings as text, never as markup
 * (everything goes through markup_escape, and a Content-Security-Policy forbids
 * scripts even if something slipped through). */
#include "case_report.h"

#include "db_internal.h"

#include "cli.h"
#include "markup.h"

#include <string.h>

static const char report_css[] =
    "body{font:10pt/1.35 sans-serif;margin:1.5em;color:#111}"
    "h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;border-bottom:1px solid #888;"
    "margin-top:1.6em}h3{font-size:11pt;margin:1.2em 0 .3em}"
    "table{border-collapse:collapse;margin:.4em 0;width:100%}"
    "th,td{border:1px solid #aaa;padding:2px 5px;text-align:left;vertical-align:top}"
    "th{background:#eee}td.num{text-align:right}.hash{font-family:monospace;font-size:8.5pt;"
    "word-break:break-all}.ok{color:#060;font-weight:bold}.bad{color:#a00;font-weight:bold}"
    ".warn{color:#a60;font-weight:bold}.muted{color:#666}pre{white-space:pre-wrap;"
    "word-break:break-all;font-size:8pt;background:#f6f6f6;padding:4px}"
    ".stage{display:inline-block;min-width:1.2em;text-align:center}"
    "@media print{body{margin:0}h2{page-break-after:avoid}"
    "table,pre{page-break-inside:avoid}}";

struct report {
    struct casedb *db;
    struct strbuf *out;
    struct custody_err *err;
};

static const char *
col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static void
esc(struct report *r, const char *s)
{
    markup_escape_str(r->out, s);
}

static void
td(struct report *r, const char *cls, const char *s)
{
    if (cls)
        strbuf_addf(r->out, "<td class=\"%s\">", cls);
    else
        strbuf_addstr(r->out, "<td>");
    if (s)
        esc(r, s);
    else
        strbuf_addstr(r->out, "<span class=\"muted\">-</span>");
    strbuf_addstr(r->out, "</td>");
}

static void
td_int(struct report *r, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        strbuf_addstr(r->out, "<td class=\"num\"><span class=\"muted\">-</span></td>");
    else
        strbuf_addf(r->out, "<td class=\"num\">%lld</td>",
                    (long long)sqlite3_column_int64(st, col));
}

static void
td_time(struct report *r, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        strbuf_addstr(r->out, "<td><span class=\"muted\">-</span></td>");
        return;
    }
    strbuf_addstr(r->out, "<td>");
    custody_format_time(r->out, sqlite3_column_int64(st, col));
    strbuf_addstr(r->out, "</td>");
}

/* A verdict word with its colour: good words green, bad red, others amber. */
static const char *
verdict_class(const char *v)
{
    static const char *const good[] = {"pass",     "complete", "cleared", "decommissioned",
                                       "verified", "acquired", "ok"};
    static const char *const bad[] = {"fail",  "failed",       "interrupted", "incomplete",
                                      "error", "cannot-check", "running"};
    if (!v)
        return "muted";
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!strcmp(v, good[i]))
            return "ok";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (!strcmp(v, bad[i]))
            return "bad";
    return "warn";
}

static void
th_row(struct report *r, const char *const *names, size_t n)
{
    strbuf_addstr(r->out, "<tr>");
    for (size_t i = 0; i < n; i++)
        strbuf_addf(r->out, "<th>%s</th>", names[i]);
    strbuf_addstr(r->out, "</tr>\n");
}

static int
prepare(struct report *r, sqlite3_stmt **st, const char *sql)
{
    return db_prepare(r->db, st, sql, r->err);
}

static int
finish(struct report *r, sqlite3_stmt *st, int rc, const char *what)
{
    if (rc != SQLITE_DONE)
        rc = db_fail(r->db, rc, r->err, what);
    else
        rc = 0;
    sqlite3_finalize(st);
    return rc;
}

static int
section_summary(struct report *r, const struct casedb_case *c)
{
    struct casedb_status s;
    int rc = casedb_get_status(r->db, &s, r->err);

    if (rc < 0)
        return rc;
    strbuf_addstr(r->out, "<h1>Case ");
    esc(r, c->case_number);
    strbuf_addstr(r->out, ": ");
    esc(r, c->title);
    strbuf_addstr(r->out, "</h1>\n<table>\n<tr><th>Case uuid</th><td class=\"hash\">");
    esc(r, c->uuid);
    strbuf_addstr(r->out, "</td></tr>\n<tr><th>Organisation</th>");
    td(r, NULL, c->organisation);
    strbuf_addstr(r->out, "</tr>\n<tr><th>This database (station)</th><td class=\"hash\">");
    esc(r, c->station_uuid);
    strbuf_addstr(r->out, "</td></tr>\n<tr><th>Case created</th><td>");
    custody_format_time(r->out, c->created_at);
    strbuf_addstr(r->out, "</td></tr>\n<tr><th>Report generated</th><td>");
    custody_format_time(r->out, custody_now_ns());
    strbuf_addstr(r->out, "</td></tr>\n</table>\n<h2 id=\"summary\">Summary</h2>\n<table>\n");
    strbuf_addf(r->out,
                "<tr><th>Servers</th><td class=\"num\">%lld</td><th>Evidence items</th>"
                "<td class=\"num\">%lld</td><th>Examiners</th><td class=\"num\">%lld</td></tr>\n",
                (long long)s.assets, (long long)s.evidence, (long long)s.examiners);
    strbuf_addf(r->out,
                "<tr><th>Acquisitions</th><td class=\"num\">%lld</td><th>Custody entries</th>"
                "<td class=\"num\">%lld</td><th>Tool runs</th><td class=\"num\">%lld</td></tr>\n",
                (long long)s.acquisitions, (long long)s.custody_entries, (long long)s.runs);
    strbuf_addf(r->out,
                "<tr><th>Timeline events</th><td class=\"num\">%lld</td><th>Files</th>"
                "<td class=\"num\">%lld</td><th></th><td></td></tr>\n",
                (long long)s.events, (long long)s.files);
    strbuf_addstr(r->out, "<tr><th>Servers by status</th><td colspan=\"5\">");
    for (int i = 0; i < 5; i++)
        strbuf_addf(r->out, "%s%s: %lld", i ? "; " : "", casedb_asset_statuses[i],
                    (long long)s.assets_by_status[i]);
    strbuf_addstr(r->out, "</td></tr>\n<tr><th>Acquisitions by status</th><td colspan=\"5\">");
    for (int i = 0; i < 5; i++)
        strbuf_addf(r->out, "%s%s: %lld", i ? "; " : "", casedb_acq_statuses[i],
                    (long long)s.acq_by_status[i]);
    strbuf_addstr(r->out, "</td></tr>\n</table>\n");
    return 0;
}

static int
section_servers(struct report *r)
{
    static const char *const head[] = {"Server",   "Status",       "Registered",       "Acquired",
                                       "Verified", "Cleared",      "Decommissioned",   "Location",
                                       "Disks",    "Acquisitions", "Last verification"};
    sqlite3_stmt *st = NULL;
    int rc;

    strbuf_addstr(r->out,
                  "<h2 id=\"servers\">Servers at a glance</h2>\n<table class=\"servers\">\n");
    th_row(r, head, sizeof(head) / sizeof(head[0]));
    rc = prepare(r, &st,
                 "SELECT a.hostname, a.status, a.location,"
                 " (SELECT count(*) FROM evidence WHERE asset_id = a.id),"
                 " (SELECT count(*) FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id"
                 "   WHERE e.asset_id = a.id AND q.status = 'complete'),"
                 " (SELECT count(*) FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id"
                 "   WHERE e.asset_id = a.id),"
                 " (SELECT v.verdict FROM verifications v LEFT JOIN acquisitions q"
                 "   ON q.id = v.acquisition_id LEFT JOIN evidence e ON e.id = q.evidence_id"
                 "   WHERE v.asset_id = a.id OR e.asset_id = a.id ORDER BY v.started_at DESC"
                 "   LIMIT 1)"
                 " FROM assets a ORDER BY a.hostname");
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = col_text(st, 1);
        int reached = -1;
        for (int i = 0; i < 5; i++)
            if (status && !strcmp(status, casedb_asset_statuses[i]))
                reached = i;
        strbuf_addstr(r->out, "<tr class=\"server\">");
        td(r, NULL, col_text(st, 0));
        td(r, verdict_class(status), status);
        for (int i = 0; i < 5; i++)
            strbuf_addf(r->out, "<td><span class=\"stage %s\">%s</span></td>",
                        i <= reached ? "ok" : "muted", i <= reached ? "&#10003;" : "&middot;");
        td(r, NULL, col_text(st, 2));
        td_int(r, st, 3);
        strbuf_addf(r->out, "<td class=\"num\">%lld complete of %lld</td>",
                    (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5));
        td(r, verdict_class(col_text(st, 6)), col_text(st, 6));
        strbuf_addstr(r->out, "</tr>\n");
    }
    rc = finish(r, st, rc, "cannot list servers");
    strbuf_addstr(r->out, "</table>\n");
    return rc;
}

static int
acquisition_details(struct report *r, int64_t acq_id)
{
    static const char *const fhead[] = {"File", "Size (bytes)", "SHA-256"};
    sqlite3_stmt *st = NULL;
    int rc, n = 0;

    rc = prepare(r, &st,
                 "SELECT first_sector, sector_count FROM read_errors WHERE acquisition_id = ?"
                 " ORDER BY first_sector");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, n++ ? ", "
                                  : "<p><span class=\"bad\">Unreadable sectors</span> "
                                    "(first+count, zero-filled in the image): ");
        strbuf_addf(r->out, "%lld+%lld", (long long)sqlite3_column_int64(st, 0),
                    (long long)sqlite3_column_int64(st, 1));
    }
    if (n)
        strbuf_addstr(r->out, "</p>\n");
    if ((rc = finish(r, st, rc, "cannot list read errors")) < 0)
        return rc;

    rc = prepare(r, &st,
                 "SELECT name, size, sha256 FROM acquisition_files WHERE acquisition_id = ?"
                 " ORDER BY seq");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!n++) {
            strbuf_addstr(r->out, "<table>\n");
            th_row(r, fhead, 3);
        }
        strbuf_addstr(r->out, "<tr>");
        td(r, NULL, col_text(st, 0));
        td_int(r, st, 1);
        td(r, "hash", col_text(st, 2));
        strbuf_addstr(r->out, "</tr>\n");
    }
    if (n)
        strbuf_addstr(r->out, "</table>\n");
    else
        strbuf_addstr(r->out, "<p class=\"warn\">No output files recorded.</p>\n");
    return finish(r, st, rc, "cannot list acquisition files");
}

static void
kv_row(struct report *r, const char *key, const char *cls, const char *value)
{
    strbuf_addf(r->out, "<tr><th>%s</th>", key);
    td(r, cls, value);
    strbuf_addstr(r->out, "</tr>\n");
}

static int
section_examiners(struct report *r)
{
    static const char *const head[] = {"Examiner", "Role", "Key id", "Added", "Revoked", "Reason"};
    sqlite3_stmt *st = NULL;
    int rc;

    strbuf_addstr(r->out, "<h2 id=\"examiners\">Examiners and keys</h2>\n<table>\n");
    th_row(r, head, sizeof(head) / sizeof(head[0]));
    rc = prepare(r, &st,
                 "SELECT name, role, key_id, added_at, revoked_at, revoked_reason FROM examiners"
                 " ORDER BY name, added_at");
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, "<tr>");
        td(r, NULL, col_text(st, 0));
        td(r, NULL, col_text(st, 1));
        td(r, "hash", col_text(st, 2));
        td_time(r, st, 3);
        if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
            strbuf_addstr(r->out, "<td><span class=\"muted\">-</span></td>");
        } else {
            strbuf_addstr(r->out, "<td class=\"bad\">");
            custody_format_time(r->out, sqlite3_column_int64(st, 4));
            strbuf_addstr(r->out, "</td>");
        }
        td(r, NULL, col_text(st, 5));
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    return finish(r, st, rc, "cannot list examiners");
}

static int
section_acquisitions(struct report *r)
{
    sqlite3_stmt *st = NULL;
    int rc, n = 0;

    strbuf_addstr(r->out, "<h2 id=\"acquisitions\">Acquisitions</h2>\n");
    rc = prepare(r, &st,
                 "SELECT q.id, q.uuid, a.hostname, e.label, q.status, q.format, q.source,"
                 " q.examiner_name, q.started_at, q.ended_at, q.media_size, q.sector_size,"
                 " q.md5, q.sha1, q.sha256, q.bad_sectors, q.verify_image, q.verify_source,"
                 " q.error, q.tool_version, q.command_line, q.manifest_sig, q.output_base,"
                 " e.vendor, e.model, e.serial"
                 " FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id"
                 " JOIN assets a ON a.id = e.asset_id ORDER BY a.hostname, e.label, q.id");
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        strbuf_addstr(r->out, "<h3 class=\"acquisition\">");
        esc(r, col_text(st, 2));
        strbuf_addstr(r->out, " / ");
        esc(r, col_text(st, 3));
        strbuf_addstr(r->out, " <span class=\"");
        strbuf_addstr(r->out, verdict_class(col_text(st, 4)));
        strbuf_addstr(r->out, "\">");
        esc(r, col_text(st, 4));
        strbuf_addstr(r->out, "</span></h3>\n<table>\n");
        kv_row(r, "Acquisition uuid", "hash", col_text(st, 1));
        kv_row(r, "Examiner", NULL, col_text(st, 7));
        kv_row(r, "Source", NULL, col_text(st, 6));
        {
            struct strbuf dev = STRBUF_INIT;
            for (int c = 23; c <= 25; c++)
                if (col_text(st, c))
                    strbuf_addf(&dev, "%s%s", dev.len ? " " : "", col_text(st, c));
            kv_row(r, "Device", NULL, dev.len ? dev.buf : NULL);
            strbuf_release(&dev);
        }
        kv_row(r, "Format", NULL, col_text(st, 5));
        kv_row(r, "Output", NULL, col_text(st, 22));
        strbuf_addstr(r->out, "<tr><th>Started / ended</th>");
        td_time(r, st, 8);
        strbuf_addstr(r->out, "</tr>\n<tr><th></th>");
        td_time(r, st, 9);
        strbuf_addstr(r->out, "</tr>\n<tr><th>Media size (bytes)</th>");
        td_int(r, st, 10);
        strbuf_addstr(r->out, "</tr>\n<tr><th>Sector size</th>");
        td_int(r, st, 11);
        strbuf_addstr(r->out, "</tr>\n");
        kv_row(r, "MD5", "hash", col_text(st, 12));
        kv_row(r, "SHA-1", "hash", col_text(st, 13));
        kv_row(r, "SHA-256", "hash", col_text(st, 14));
        strbuf_addstr(r->out, "<tr><th>Unreadable sectors</th>");
        td_int(r, st, 15);
        strbuf_addstr(r->out, "</tr>\n");
        kv_row(r, "Image verification", verdict_class(col_text(st, 16)), col_text(st, 16));
        kv_row(r, "Source verification", verdict_class(col_text(st, 17)), col_text(st, 17));
        if (col_text(st, 18))
            kv_row(r, "Error", "bad", col_text(st, 18));
        kv_row(r, "Tool", NULL, col_text(st, 19));
        kv_row(r, "Command line", "hash", col_text(st, 20));
        strbuf_addstr(r->out, "<tr><th>Manifest signature</th><td>");
        if (col_text(st, 21)) {
            strbuf_addstr(r->out, "<pre>");
            esc(r, col_text(st, 21));
            strbuf_addstr(r->out, "</pre>");
        } else {
            strbuf_addstr(r->out, "<span class=\"warn\">not signed</span>");
        }
        strbuf_addstr(r->out, "</td></tr>\n</table>\n");
        if ((rc = acquisition_details(r, sqlite3_column_int64(st, 0))) < 0) {
            sqlite3_finalize(st);
            return rc;
        }
    }
    if (!n && rc == SQLITE_DONE)
        strbuf_addstr(r->out, "<p class=\"muted\">No acquisitions recorded.</p>\n");
    return finish(r, st, rc, "cannot list acquisitions");
}

static int
section_custody(struct report *r)
{
    static const char *const head[] = {"Chain",    "#",          "Time",   "Action",   "Server",
                                       "Evidence", "Actor",      "Key id", "Location", "Purpose",
                                       "Details",  "Entry hash", "Signed"};
    sqlite3_stmt *st = NULL;
    int rc, n = 0;

    strbuf_addstr(r->out, "<h2 id=\"custody\">Custody log</h2>\n<p>One hash chain per station "
                          "database; every entry is signed by its actor. The chain and the "
                          "signatures are checked by <code>custody-verify</code>.</p>\n"
                          "<table>\n");
    th_row(r, head, sizeof(head) / sizeof(head[0]));
    rc = prepare(r, &st,
                 "SELECT substr(chain, 1, 8), seq, ts, action, asset, evidence, actor, key_id,"
                 " location, purpose, details, substr(entry_hash, 1, 16), signature IS NOT NULL"
                 " FROM custody_events ORDER BY ts, chain, seq");
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        strbuf_addstr(r->out, "<tr>");
        td(r, "hash", col_text(st, 0));
        td_int(r, st, 1);
        td_time(r, st, 2);
        td(r, NULL, col_text(st, 3));
        for (int c = 4; c <= 10; c++)
            td(r, c == 7 ? "hash" : NULL, col_text(st, c));
        td(r, "hash", col_text(st, 11));
        td(r, sqlite3_column_int(st, 12) ? "ok" : "bad", sqlite3_column_int(st, 12) ? "yes" : "no");
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    if (!n && rc == SQLITE_DONE)
        strbuf_addstr(r->out, "<p class=\"warn\">The custody log is empty.</p>\n");
    return finish(r, st, rc, "cannot read the custody log");
}

/* Cell kinds of query_table's columns. */
enum cell { CELL_HASH, CELL_INT, CELL_TIME };

/* A heading and one table row per row of sql, column i shown as cells[i]. */
static int
query_table(struct report *r, const char *heading, const char *const *head, const enum cell *cells,
            size_t ncols, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc;

    strbuf_addstr(r->out, heading);
    strbuf_addstr(r->out, "<table>\n");
    th_row(r, head, ncols);
    if ((rc = prepare(r, &st, sql)) < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, "<tr>");
        for (size_t i = 0; i < ncols; i++) {
            if (cells[i] == CELL_INT)
                td_int(r, st, (int)i);
            else if (cells[i] == CELL_TIME)
                td_time(r, st, (int)i);
            else
                td(r, "hash", col_text(st, (int)i));
        }
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    return finish(r, st, rc, what);
}

static int
section_verifications(struct report *r)
{
    static const char *const vhead[] = {"Kind",    "Server", "Acquisition", "Verifier key",
                                        "Started", "Ended",  "Verdict"};
    static const char *const chead[] = {"Chain", "Entries", "Head hash", "Key id", "Created"};
    sqlite3_stmt *st = NULL;
    int rc;

    strbuf_addstr(r->out, "<h2 id=\"verifications\">Verification results</h2>\n<table>\n");
    th_row(r, vhead, sizeof(vhead) / sizeof(vhead[0]));
    rc = prepare(r, &st,
                 "SELECT v.kind, coalesce(a.hostname, a2.hostname), q.uuid, v.verifier_key_id,"
                 " v.started_at, v.ended_at, v.verdict FROM verifications v"
                 " LEFT JOIN assets a ON a.id = v.asset_id"
                 " LEFT JOIN acquisitions q ON q.id = v.acquisition_id"
                 " LEFT JOIN evidence e ON e.id = q.evidence_id"
                 " LEFT JOIN assets a2 ON a2.id = e.asset_id ORDER BY v.started_at");
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, "<tr>");
        td(r, NULL, col_text(st, 0));
        td(r, NULL, col_text(st, 1));
        td(r, "hash", col_text(st, 2));
        td(r, "hash", col_text(st, 3));
        td_time(r, st, 4);
        td_time(r, st, 5);
        td(r, verdict_class(col_text(st, 6)), col_text(st, 6));
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    if ((rc = finish(r, st, rc, "cannot list verifications")) < 0)
        return rc;

    static const enum cell ccells[] = {CELL_HASH, CELL_INT, CELL_HASH, CELL_HASH, CELL_TIME};
    return query_table(r, "<h2 id=\"checkpoints\">Checkpoints</h2>\n", chead, ccells,
                       sizeof(chead) / sizeof(chead[0]),
                       "SELECT chain, entries, head_hash, key_id, created_at FROM checkpoints"
                       " ORDER BY created_at",
                       "cannot list checkpoints");
}

static int
section_merges(struct report *r)
{
    static const char *const head[] = {"Source station", "Entries", "Source head hash", "Merged"};
    static const enum cell cells[] = {CELL_HASH, CELL_INT, CELL_HASH, CELL_TIME};

    return query_table(r, "<h2 id=\"merges\">Station databases merged</h2>\n", head, cells,
                       sizeof(head) / sizeof(head[0]),
                       "SELECT source_station, source_entries, source_head_hash, merged_at"
                       " FROM merges ORDER BY merged_at",
                       "cannot list merges");
}

/* The first or last time of evidence e.id: of its log events and of each of its
 * files' times, each found at one end of its index. */
#define EVIDENCE_TIMES(agg)                                                                        \
    "SELECT " agg "(ts) AS t FROM events WHERE evidence_id = e.id UNION ALL SELECT " agg           \
    "(atime) FROM files WHERE evidence_id = e.id UNION ALL SELECT " agg "(mtime) FROM files "      \
    "WHERE evidence_id = e.id UNION ALL SELECT " agg "(ctime) FROM files WHERE evidence_id = "     \
    "e.id UNION ALL SELECT " agg "(crtime) FROM files WHERE evidence_id = e.id"
/* The same for the file times of the whole case: each evidence item's ends of the
 * four time indexes (a scan of the files would read every row four times). */
#define CASE_FILE_TIMES(agg)                                                                       \
    "SELECT " agg "(t) FROM (SELECT (SELECT " agg "(atime) FROM files WHERE evidence_id = e.id)"   \
    " AS t FROM evidence e UNION ALL SELECT (SELECT " agg "(mtime) FROM files WHERE evidence_id"   \
    " = e.id) FROM evidence e UNION ALL SELECT (SELECT " agg "(ctime) FROM files WHERE"            \
    " evidence_id = e.id) FROM evidence e UNION ALL SELECT (SELECT " agg "(crtime) FROM files"     \
    " WHERE evidence_id = e.id) FROM evidence e)"
#define EVIDENCE_FIRST EVIDENCE_TIMES("min")
#define EVIDENCE_LAST EVIDENCE_TIMES("max")
#define CASE_FILE_FIRST CASE_FILE_TIMES("min")
#define CASE_FILE_LAST CASE_FILE_TIMES("max")

static const char per_evidence_sql[] =
    "SELECT a.hostname, e.label,"
    " (SELECT count(*) FROM partitions WHERE evidence_id = e.id),"
    " (SELECT count(*) FROM files WHERE evidence_id = e.id),"
    /* log events, and the files' times (their file-system events) */
    " (SELECT count(*) FROM events WHERE evidence_id = e.id) +"
    " (SELECT coalesce(sum(events), 0) FROM partitions WHERE evidence_id = e.id),"
    " (SELECT min(t) FROM (" EVIDENCE_FIRST ")), (SELECT max(t) FROM (" EVIDENCE_LAST ")),"
    " (SELECT count(*) FROM log_sources WHERE evidence_id = e.id),"
    " (SELECT coalesce(sum(warnings), 0) FROM log_sources WHERE evidence_id = e.id)"
    " FROM evidence e JOIN assets a ON a.id = e.asset_id ORDER BY a.hostname, e.label";

/* Log events by source, and one row for the file-system events (counted per
 * partition by the build, first and last from the time indexes). */
static const char by_source_sql[] =
    "SELECT source, n, first, last FROM (SELECT source, count(*) AS n, min(ts) AS first,"
    " max(ts) AS last FROM events GROUP BY source UNION ALL SELECT 'fs',"
    " (SELECT sum(events) FROM partitions), (" CASE_FILE_FIRST "), (" CASE_FILE_LAST ")"
    " WHERE (SELECT coalesce(sum(events), 0) FROM partitions) > 0) ORDER BY n DESC, source";

static int
section_timeline(struct report *r)
{
    static const char *const head[] = {"Server",     "Evidence",    "Partitions",
                                       "Files",      "Events",      "First event",
                                       "Last event", "Log sources", "Parse warnings"};
    static const char *const shead[] = {"Source", "Events", "First", "Last"};
    sqlite3_stmt *st = NULL;
    int rc;

    strbuf_addstr(r->out, "<h2 id=\"timeline\">Timeline statistics</h2>\n<table>\n");
    th_row(r, head, sizeof(head) / sizeof(head[0]));
    rc = prepare(r, &st, per_evidence_sql);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, "<tr>");
        td(r, NULL, col_text(st, 0));
        td(r, NULL, col_text(st, 1));
        td_int(r, st, 2);
        td_int(r, st, 3);
        td_int(r, st, 4);
        td_time(r, st, 5);
        td_time(r, st, 6);
        td_int(r, st, 7);
        td_int(r, st, 8);
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    if ((rc = finish(r, st, rc, "cannot count timeline records")) < 0)
        return rc;

    strbuf_addstr(r->out, "<h3>Events by source</h3>\n<table>\n");
    th_row(r, shead, sizeof(shead) / sizeof(shead[0]));
    rc = prepare(r, &st, by_source_sql);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(r->out, "<tr>");
        td(r, NULL, col_text(st, 0));
        td_int(r, st, 1);
        td_time(r, st, 2);
        td_time(r, st, 3);
        strbuf_addstr(r->out, "</tr>\n");
    }
    strbuf_addstr(r->out, "</table>\n");
    return finish(r, st, rc, "cannot count events");
}

int
case_report_html(struct strbuf *out, struct casedb *db, const char *generated_by,
                 struct custody_err *err)
{
    struct report r = {db, out, err};
    struct casedb_case c;
    int rc;

    memset(&c, 0, sizeof(c));
    if ((rc = casedb_get_case(db, &c, err)) < 0)
        return rc;
    strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                       "'none'; style-src 'unsafe-inline'\">\n<title>Case report: ");
    esc(&r, c.case_number);
    strbuf_addstr(out, "</title>\n<style>");
    strbuf_addstr(out, report_css);
    strbuf_addstr(out, "</style>\n</head>\n<body>\n");
    if ((rc = section_summary(&r, &c)) < 0 || (rc = section_servers(&r)) < 0 ||
        (rc = section_examiners(&r)) < 0 || (rc = section_acquisitions(&r)) < 0 ||
        (rc = section_custody(&r)) < 0 || (rc = section_verifications(&r)) < 0 ||
        (rc = section_merges(&r)) < 0 || (rc = section_timeline(&r)) < 0)
        goto out;
    strbuf_addstr(out, "<p class=\"muted\">Generated by ");
    esc(&r, generated_by ? generated_by : "custody-casedb " CUSTODY_VERSION);
    strbuf_addstr(out, "</p>\n</body>\n</html>\n");
out:
    casedb_case_release(&c);
    return rc;
}
