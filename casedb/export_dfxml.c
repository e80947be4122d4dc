/* DFXML export of one acquisition. The structure follows DFXML 1.2.0 (creator,
 * source, diskimageobject, fileobject); what DFXML has no element for goes into the
 * custody: extension namespace. */
#include "export_dfxml.h"

#include "db_internal.h"

#include "cli.h"
#include "markup.h"

#include <stdlib.h>
#include <string.h>

#define DFXML_NS "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
#define CUSTODY_NS "urn:custody:dfxml:1"

int
export_acquisition_lookup(int64_t *id_out, struct casedb *db, const char *ref,
                          struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    uint64_t n;
    int rc;

    *id_out = 0;
    rc = db_prepare(db, &st, "SELECT id FROM acquisitions WHERE id = ? OR uuid = ?", err);
    if (rc < 0)
        return rc;
    if (cli_parse_u64(ref, &n) == 0 && n <= INT64_MAX)
        sqlite3_bind_int64(st, 1, (int64_t)n);
    else
        sqlite3_bind_null(st, 1);
    db_bind_text(st, 2, ref);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id_out = sqlite3_column_int64(st, 0);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no acquisition '%s' in the case database",
                             ref);
    } else {
        rc = db_fail(db, rc, err, "cannot look up the acquisition");
    }
    sqlite3_finalize(st);
    return rc;
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* <name>escaped text</name>, nothing when text is NULL. */
static void
element(struct strbuf *out, int indent, const char *name, const char *text)
{
    if (!text)
        return;
    strbuf_addf(out, "%*s<%s>", indent, "", name);
    markup_escape_str(out, text);
    strbuf_addf(out, "</%s>\n", name);
}

static void
element_int(struct strbuf *out, int indent, const char *name, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return;
    strbuf_addf(out, "%*s<%s>%lld</%s>\n", indent, "", name,
                (long long)sqlite3_column_int64(st, col), name);
}

static void
element_time(struct strbuf *out, int indent, const char *name, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return;
    strbuf_addf(out, "%*s<%s>", indent, "", name);
    custody_format_time(out, sqlite3_column_int64(st, col));
    strbuf_addf(out, "</%s>\n", name);
}

static void
library(struct strbuf *out, const char *name, size_t name_len, const char *version,
        size_t version_len)
{
    strbuf_addstr(out, "    <library name=\"");
    markup_escape(out, name, name_len);
    strbuf_addstr(out, "\" version=\"");
    markup_escape(out, version, version_len);
    strbuf_addstr(out, "\"/>\n");
}

/* Read a JSON string starting at *p (after the opening quote) into sb; only the
 * escapes \" and \\ are undone, others are kept as written. */
static int
json_string_at(const char **p, struct strbuf *sb)
{
    const char *s = *p;

    while (*s && *s != '"') {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
        else if (*s == '\\' && !s[1])
            return -1;
        strbuf_addch(sb, *s++);
    }
    if (*s != '"')
        return -1;
    *p = s + 1;
    return 0;
}

/* Library versions as recorded: a flat JSON object {"libewf": "20140813", ...} or
 * "libewf 20140813; tsk 4.11.1" (the manifest's form). Anything else is kept whole. */
static void
libraries(struct strbuf *out, const char *recorded)
{
    const char *p = recorded;

    if (!recorded || !*recorded)
        return;
    while (*p == ' ')
        p++;
    if (*p == '{') {
        struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;
        size_t mark = out->len;
        int ok = 1;
        p++;
        for (;;) {
            while (*p == ' ' || *p == ',' || *p == '\n')
                p++;
            if (*p == '}' || !*p)
                break;
            strbuf_reset(&k);
            strbuf_reset(&v);
            if (*p++ != '"' || json_string_at(&p, &k) < 0) {
                ok = 0;
                break;
            }
            while (*p == ' ' || *p == ':')
                p++;
            if (*p++ != '"' || json_string_at(&p, &v) < 0) {
                ok = 0;
                break;
            }
            library(out, k.buf, k.len, v.buf, v.len);
        }
        strbuf_release(&k);
        strbuf_release(&v);
        if (ok)
            return;
        strbuf_setlen(out, mark);
        library(out, "recorded", 8, recorded, strlen(recorded));
        return;
    }
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *sp = memrchr(p, ' ', len);
        if (sp && sp > p)
            library(out, p, (size_t)(sp - p), sp + 1, len - (size_t)(sp - p) - 1);
        else if (len)
            library(out, p, len, "", 0);
        p += len;
        while (*p == ';' || *p == ' ')
            p++;
    }
}

static int
dfxml_files(struct strbuf *out, struct casedb *db, int64_t acq_id, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st,
                        "SELECT name, size, sha256 FROM acquisition_files WHERE acquisition_id = ?"
                        " ORDER BY seq",
                        err);

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_addstr(out, "  <fileobject>\n");
        element(out, 4, "filename", col_text(st, 0));
        element_int(out, 4, "filesize", st, 1);
        if (col_text(st, 2)) {
            strbuf_addstr(out, "    <hashdigest type=\"sha256\">");
            markup_escape_str(out, col_text(st, 2));
            strbuf_addstr(out, "</hashdigest>\n");
        }
        strbuf_addstr(out, "  </fileobject>\n");
    }
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot list acquisition files");
    sqlite3_finalize(st);
    return rc;
}

static int
dfxml_image_names(struct strbuf *out, struct casedb *db, int64_t acq_id, struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(
        db, &st, "SELECT name FROM acquisition_files WHERE acquisition_id = ? ORDER BY seq", err);

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        element(out, 4, "image_filename", col_text(st, 0));
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot list acquisition files");
    sqlite3_finalize(st);
    return rc;
}

static int
dfxml_read_errors(struct strbuf *out, struct casedb *db, int64_t acq_id, int64_t sector_size,
                  struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = db_prepare(db, &st,
                        "SELECT first_sector, sector_count FROM read_errors"
                        " WHERE acquisition_id = ? ORDER BY first_sector",
                        err);
    int n = 0;

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long first = sqlite3_column_int64(st, 0), count = sqlite3_column_int64(st, 1);
        if (!n++)
            strbuf_addstr(out, "    <byte_runs custody:kind=\"unreadable\">\n");
        /* Unreadable sectors are zero-filled in the image: fill="0". */
        strbuf_addf(out,
                    "      <byte_run img_offset=\"%lld\" len=\"%lld\" fill=\"0\""
                    " custody:first_sector=\"%lld\" custody:sector_count=\"%lld\"/>\n",
                    first * (long long)sector_size, count * (long long)sector_size, first, count);
    }
    if (n)
        strbuf_addstr(out, "    </byte_runs>\n");
    rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "cannot list read errors");
    sqlite3_finalize(st);
    return rc;
}

int
export_dfxml(struct strbuf *out, struct casedb *db, int64_t acq_id, const char *exporter_argv,
             struct custody_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t sector_size;
    int rc;

    rc = db_prepare(db, &st,
                    "SELECT q.uuid, q.format, q.source, q.source_identity, q.output_base,"
                    " q.media_size, coalesce(q.sector_size, e.sector_size, 512), q.md5, q.sha1,"
                    " q.sha256, q.started_at, q.ended_at, q.status, q.bad_sectors,"
                    " coalesce(r.tool, q.tool_version), r.version,"
                    " coalesce(q.library_versions, r.library_versions),"
                    " coalesce(q.command_line, r.argv), r.hostname, q.examiner_name,"
                    " a.hostname, e.label, e.vendor, e.model, e.serial, e.physical_sector_size,"
                    " q.case_number, q.evidence_number, q.description, q.verify_image,"
                    " q.verify_source, c.uuid, q.manifest_sig IS NOT NULL"
                    " FROM acquisitions q JOIN evidence e ON e.id = q.evidence_id"
                    " JOIN assets a ON a.id = e.asset_id LEFT JOIN runs r ON r.id = q.run_id"
                    " JOIN cases c WHERE q.id = ?",
                    err);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, acq_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no acquisition %lld in the case database",
                             (long long)acq_id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = db_fail(db, rc, err, "cannot read the acquisition");
        goto out;
    }
    sector_size = sqlite3_column_int64(st, 6);
    if (sector_size <= 0)
        sector_size = 512;

    strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    strbuf_addstr(out, "<dfxml xmlns=\"" DFXML_NS "\"\n"
                       "       xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                       "       xmlns:custody=\"" CUSTODY_NS "\"\n"
                       "       version=\"1.2.0\">\n");
    strbuf_addstr(out, "  <metadata>\n    <dc:type>Disk Image</dc:type>\n");
    element(out, 4, "dc:identifier", col_text(st, 0));
    element(out, 4, "custody:case_uuid", col_text(st, 31));
    element(out, 4, "custody:case_number", col_text(st, 26));
    element(out, 4, "custody:evidence_number", col_text(st, 27));
    element(out, 4, "custody:asset", col_text(st, 20));
    element(out, 4, "custody:evidence", col_text(st, 21));
    element(out, 4, "custody:examiner", col_text(st, 19));
    element(out, 4, "dc:description", col_text(st, 28));
    strbuf_addstr(out, "    <custody:exported_by>custody-casedb " CUSTODY_VERSION
                       "</custody:exported_by>\n");
    element(out, 4, "custody:export_command_line", exporter_argv);
    strbuf_addstr(out, "  </metadata>\n");

    /* creator: the program that made the image, as recorded when it ran. */
    strbuf_addstr(out, "  <creator version=\"1.0\">\n");
    {
        const char *tool = col_text(st, 14), *version = col_text(st, 15);
        const char *sp = tool && !version ? strrchr(tool, ' ') : NULL;
        strbuf_addstr(out, "    <program>");
        if (sp)
            markup_escape(out, tool, (size_t)(sp - tool));
        else
            markup_escape_str(out, tool ? tool : "custody-acquire");
        strbuf_addstr(out, "</program>\n");
        element(out, 4, "version", sp ? sp + 1 : version ? version : "unknown");
    }
    strbuf_addstr(out, "    <execution_environment>\n");
    element(out, 6, "command_line", col_text(st, 17));
    element(out, 6, "host", col_text(st, 18));
    element_time(out, 6, "start_time", st, 10);
    strbuf_addstr(out, "    </execution_environment>\n");
    libraries(out, col_text(st, 16));
    strbuf_addstr(out, "  </creator>\n");

    strbuf_addstr(out, "  <source>\n");
    if ((rc = dfxml_image_names(out, db, acq_id, err)) < 0)
        goto out;
    strbuf_addf(out, "    <sectorsize>%lld</sectorsize>\n", (long long)sector_size);
    element(out, 4, "device_model", col_text(st, 23));
    element(out, 4, "device_sn", col_text(st, 24));
    element_int(out, 4, "image_size", st, 5);
    element_time(out, 4, "acquisition_date", st, 10);
    element(out, 4, "custody:device_vendor", col_text(st, 22));
    element(out, 4, "custody:device", col_text(st, 2));
    element(out, 4, "custody:source_identity", col_text(st, 3));
    element_int(out, 4, "custody:physical_sector_size", st, 25);
    strbuf_addstr(out, "  </source>\n");

    strbuf_addstr(out, "  <diskimageobject>\n");
    element(out, 4, "custody:format", col_text(st, 1));
    element(out, 4, "custody:output_base", col_text(st, 4));
    element_int(out, 4, "filesize", st, 5);
    {
        static const char *const types[] = {"md5", "sha1", "sha256"};
        for (int a = 0; a < 3; a++) {
            if (!col_text(st, 7 + a))
                continue;
            strbuf_addf(out, "    <hashdigest type=\"%s\">", types[a]);
            markup_escape_str(out, col_text(st, 7 + a));
            strbuf_addstr(out, "</hashdigest>\n");
        }
    }
    element(out, 4, "custody:status", col_text(st, 12));
    element_int(out, 4, "custody:unreadable_sectors", st, 13);
    element(out, 4, "custody:verify_image", col_text(st, 29));
    element(out, 4, "custody:verify_source", col_text(st, 30));
    element(out, 4, "custody:manifest_signed", sqlite3_column_int(st, 32) ? "yes" : "no");
    element_time(out, 4, "custody:end_time", st, 11);
    if ((rc = dfxml_read_errors(out, db, acq_id, sector_size, err)) < 0)
        goto out;
    strbuf_addstr(out, "  </diskimageobject>\n");
    if ((rc = dfxml_files(out, db, acq_id, err)) < 0)
        goto out;
    strbuf_addstr(out, "</dfxml>\n");
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
