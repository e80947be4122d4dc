/* custody-casedb export: the case as CASE/UCO JSON-LD, one acquisition as DFXML. */
#include "cmd.h"

#include "cli.h"
#include "export_case.h"
#include "export_dfxml.h"
#include "io.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char export_usage[] =
    "Usage: custody-casedb export --case-db CASE.db --format case --out FILE.jsonld\n"
    "       custody-casedb export --case-db CASE.db --format dfxml --acquisition ID --out "
    "FILE.xml\n"
    "\n"
    "Export the case for other tools: 'case' writes the whole case as CASE/UCO 1.x\n"
    "JSON-LD (investigation, examiners, tools, every acquisition, verification and\n"
    "custody-log entry, devices and image files with their hashes, provenance records);\n"
    "'dfxml' writes one acquisition as DFXML 1.2 (creator, source, hash digests,\n"
    "unreadable ranges as byte runs). The output file must not exist.\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -f, --format F         case or dfxml\n"
    "  -a, --acquisition ID   the acquisition (row id or uuid) for dfxml\n"
    "  -o, --out FILE         where to write (created, never overwritten)\n"
    "      --json             print a JSON summary\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

int
cmd_export(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"acquisition", required_argument, NULL, 'a'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct strbuf doc = STRBUF_INIT, argv_str = STRBUF_INIT, sb = STRBUF_INIT;
    struct export_case_stats stats = {0};
    const char *format = NULL, *acq = NULL, *out = NULL;
    int64_t acq_id = 0;
    int opt, status;
    (void)command_line; /* reads the case only: no run is recorded */

    while ((opt = getopt_long(argc, argv, "d:f:a:o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'a':
            acq = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(export_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " export", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " export", "unexpected argument '%s'", argv[optind]);
    if (!format || (strcmp(format, "case") && strcmp(format, "dfxml")))
        return cli_usage_error(CASEDB_PROG " export",
                               "--format case or --format dfxml is required");
    if (!out || !*out)
        return cli_usage_error(CASEDB_PROG " export", "--out FILE is required");
    if (!strcmp(format, "dfxml") && !acq)
        return cli_usage_error(CASEDB_PROG " export", "--format dfxml needs --acquisition ID");
    if (!strcmp(format, "case") && acq)
        return cli_usage_error(CASEDB_PROG " export",
                               "--acquisition applies to --format dfxml only");
    if ((status = cmd_open_db(&ctx, &db, CASEDB_READONLY)) != 0)
        return status;

    if (!strcmp(format, "case")) {
        if (export_case_jsonld(&doc, db, &stats, &err) < 0)
            goto out;
    } else {
        /* argv[-1] is "export"'s parent: record the command as the user typed it. */
        strbuf_addstr(&argv_str, CASEDB_PROG " ");
        cli_argv_string(&argv_str, argc, argv);
        if (export_acquisition_lookup(&acq_id, db, acq, &err) < 0 ||
            export_dfxml(&doc, db, acq_id, argv_str.buf, &err) < 0)
            goto out;
    }
    if (io_write_file_atomic(out, doc.buf, doc.len, 0644, 0, &err) < 0)
        goto out;

    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "format", format);
        json_kv_str(&w, "out", out);
        json_kv_uint(&w, "bytes", doc.len);
        if (!strcmp(format, "case")) {
            json_kv_uint(&w, "actions", stats.actions);
            json_kv_uint(&w, "observables", stats.observables);
            json_kv_uint(&w, "hashes", stats.hashes);
            json_kv_uint(&w, "identities", stats.identities);
            json_kv_uint(&w, "tools", stats.tools);
            json_kv_uint(&w, "provenance_records", stats.provenance_records);
        } else {
            json_kv_int(&w, "acquisition", acq_id);
        }
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addstr(&sb, "wrote ");
        strbuf_add_safe(&sb, out, strlen(out));
        if (!strcmp(format, "case"))
            strbuf_addf(&sb, ": CASE/UCO JSON-LD, %zu actions, %zu observables, %zu hashes\n",
                        stats.actions, stats.observables, stats.hashes);
        else
            strbuf_addf(&sb, ": DFXML of acquisition %lld\n", (long long)acq_id);
        fputs(sb.buf, stdout);
    }
    status = EXIT_CHECKED_OUT;
out:
    if (err.code)
        status = cmd_fail(&ctx, &err);
    strbuf_release(&doc);
    strbuf_release(&argv_str);
    strbuf_release(&sb);
    casedb_close(db);
    return status;
}
