/* custody-casedb report: the printable HTML case report. */
#include "cmd.h"

#include "cli.h"
#include "io.h"
#include "json.h"
#include "case_report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char report_usage[] =
    "Usage: custody-casedb report --case-db CASE.db --html FILE\n"
    "\n"
    "Write a self-contained, printable HTML report of the case: summary, servers and\n"
    "their status at a glance, every acquisition with hashes, unreadable sectors and\n"
    "signatures, the custody log, verification results, checkpoints, merged station\n"
    "databases and timeline statistics. The file must not exist.\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "      --html FILE        where to write the report (created, never overwritten)\n"
    "      --json             print a JSON summary\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

int
cmd_report(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'}, {"html", required_argument, NULL, 'H'},
        {"json", no_argument, NULL, 'j'},          {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct strbuf doc = STRBUF_INIT, ver = STRBUF_INIT, sb = STRBUF_INIT;
    const char *html = NULL;
    int opt, status;
    (void)command_line; /* reads the case only: no run is recorded */

    while ((opt = getopt_long(argc, argv, "d:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'H':
            html = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(report_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " report", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " report", "unexpected argument '%s'", argv[optind]);
    if (!html || !*html)
        return cli_usage_error(CASEDB_PROG " report", "--html FILE is required");
    if ((status = cmd_open_db(&ctx, &db, CASEDB_READONLY)) != 0)
        return status;
    cli_versions(&ver, CASEDB_PROG, casedb_sqlite_version());
    for (size_t i = 0; i < ver.len; i++)
        if (ver.buf[i] == '\n')
            ver.buf[i] = i + 1 == ver.len ? '\0' : ';';
    if (case_report_html(&doc, db, ver.buf, &err) < 0 ||
        io_write_file_atomic(html, doc.buf, doc.len, 0644, 0, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "html", html);
        json_kv_uint(&w, "bytes", doc.len);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addstr(&sb, "wrote ");
        strbuf_add_safe(&sb, html, strlen(html));
        strbuf_addch(&sb, '\n');
        fputs(sb.buf, stdout);
    }
    status = EXIT_CHECKED_OUT;
out:
    strbuf_release(&doc);
    strbuf_release(&ver);
    strbuf_release(&sb);
    casedb_close(db);
    return status;
}
