/* custody-timeline export: the file-system timeline as a body file, mactime CSV
 * or JSON lines. */
#include "cmd.h"

#include "cli.h"
#include "io.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char export_usage[] =
    "Usage: custody-timeline export --case-db CASE.db [--evidence [HOST/]LABEL]\n"
    "                               --format body|mactime|jsonl [--output FILE]\n"
    "\n"
    "  body     TSK 3.x body file: the lines `fls -r -m PREFIX` prints for each\n"
    "           partition (PREFIX '/' for a file system without a partition table,\n"
    "           '/p<slot>/' for partition <slot> as mmls numbers it; without\n"
    "           --evidence '/<host>/<label>' comes first)\n"
    "  mactime  what `mactime -b BODY -d` prints for that body file (times in $TZ)\n"
    "  jsonl    one JSON object per event, names as UTF-8 with the original bytes\n"
    "           in *_hex fields when they are not valid UTF-8\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -e, --evidence [HOST/]LABEL\n"
    "                         one evidence item (default: all)\n"
    "  -a, --asset HOST       the asset of --evidence LABEL\n"
    "  -f, --format FORMAT    body, mactime or jsonl\n"
    "  -o, --output FILE      write to FILE (created; never overwritten)\n"
    "      --json             with --output: a JSON summary on stdout\n"
    "  -q, --quiet            print nothing but the export\n"
    "  -h, --help             show this help\n";

int
cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"evidence", required_argument, NULL, 'e'},
        {"asset", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    const char *evidence = NULL, *host = NULL, *asset_opt = NULL, *format = NULL, *output = NULL;
    char *label = NULL;
    enum timeline_format fmt;
    int64_t evidence_id = 0, lines = 0;
    FILE *out = stdout;
    int opt, rc, status = EXIT_CHECKED_OUT;

    while ((opt = getopt_long(argc, argv, "d:e:a:f:o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'e':
            evidence = optarg;
            break;
        case 'a':
            host = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
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
            return cli_usage_error(TIMELINE_PROG " export", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(TIMELINE_PROG " export", "unexpected argument '%s'", argv[optind]);
    if (!format)
        return cli_usage_error(TIMELINE_PROG " export", "--format is required");
    if (timeline_format_parse(format, &fmt) < 0)
        return cli_usage_error(TIMELINE_PROG " export", "unknown format '%s'", format);
    if (ctx.json && !output)
        return cli_usage_error(TIMELINE_PROG " export",
                               "--json needs --output FILE (the export itself is not JSON)");
    asset_opt = host;
    if (evidence && (rc = cmd_split_evidence(TIMELINE_PROG " export", evidence, &host, &label)))
        return rc;
    if ((rc = cmd_open_reader(&ctx, &db, 0)) != 0)
        goto done_rc;
    if (label && (rc = cmd_resolve_evidence(&ctx, db, host, label, &evidence_id)) != 0)
        goto done_rc;
    if (output) {
        int fd = io_create_exclusive(output, 0644, &err);
        if (fd < 0) {
            status = cmd_fail(&ctx, &err);
            goto done;
        }
        if (!(out = fdopen(fd, "w"))) {
            custody_err_errno(&err, CUSTODY_ERR_IO, errno, "cannot open '%s'", output);
            close(fd);
            status = cmd_fail(&ctx, &err);
            goto done;
        }
    }
    if (timeline_export(db, evidence_id, fmt, out, &lines, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto done;
    }
    if (output && (fsync(fileno(out)) != 0)) {
        custody_err_errno(&err, CUSTODY_ERR_IO, errno, "cannot sync '%s'", output);
        status = cmd_fail(&ctx, &err);
        goto done;
    }
done:
    if (out != stdout && fclose(out) != 0 && status == EXIT_CHECKED_OUT) {
        custody_err_errno(&err, CUSTODY_ERR_IO, errno, "cannot close '%s'", output);
        status = cmd_fail(&ctx, &err);
    }
    if (status == EXIT_CHECKED_OUT && ctx.json) {
        struct strbuf sb = STRBUF_INIT;
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_int(&w, "exit_status", 0);
        json_kv_str(&w, "format", format);
        json_kv_str(&w, "output", output);
        json_kv_int(&w, "lines", lines);
        json_end_object(&w);
        cmd_print_json(&sb);
        strbuf_release(&sb);
    }
done_rc:
    casedb_close(db);
    free(label);
    if (host != asset_opt) /* HOST/LABEL: cmd_split_evidence allocated the host */
        free((char *)host);
    return status ? status : rc;
}
