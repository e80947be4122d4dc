/* custody-casedb transfer: a hand-over of an evidence item, as two custody entries:
 * `released` signed by the giver and `received` signed by the receiver. */
#include "cmd.h"

#include "cli.h"
#include "custody.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char transfer_usage[] =
    "Usage: custody-casedb transfer --evidence LABEL [--asset HOST] --from-key A.key\n"
    "                               --to-key B.key --location L [--purpose P]\n"
    "\n"
    "Record a hand-over: a 'released' entry signed by the giver (A) and a 'received'\n"
    "entry signed by the receiver (B), written together or not at all.\n"
    "\n"
    "  -d, --case-db CASE.db          the case database (default: $CUSTODY_CASE_DB)\n"
    "  -e, --evidence LABEL           the evidence item\n"
    "      --asset HOST               the server (needed when the label is ambiguous)\n"
    "      --from-key FILE            the giver's secret key\n"
    "      --to-key FILE              the receiver's secret key\n"
    "      --from-passphrase-file F   the giver's passphrase\n"
    "      --to-passphrase-file F     the receiver's passphrase\n"
    "      --location L               where the hand-over happens\n"
    "      --purpose P                why\n"
    "      --json                     one JSON document on stdout\n"
    "  -q, --quiet                    print nothing on success\n"
    "  -h, --help                     show this help\n";

int
cmd_transfer(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"evidence", required_argument, NULL, 'e'},
        {"asset", required_argument, NULL, 'H'},
        {"from-key", required_argument, NULL, 'f'},
        {"to-key", required_argument, NULL, 't'},
        {"from-passphrase-file", required_argument, NULL, 'F'},
        {"to-passphrase-file", required_argument, NULL, 'T'},
        {"location", required_argument, NULL, 'L'},
        {"purpose", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_evidence ev = {0};
    struct sign_seckey *from = NULL, *to = NULL;
    struct strbuf sb = STRBUF_INIT;
    const char *evidence = NULL, *asset = NULL, *from_path = NULL, *to_path = NULL,
               *from_pass = NULL, *to_pass = NULL, *location = NULL, *purpose = NULL;
    int opt, status;

    while ((opt = getopt_long(argc, argv, "d:e:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'e':
            evidence = optarg;
            break;
        case 'H':
            asset = optarg;
            break;
        case 'f':
            from_path = optarg;
            break;
        case 't':
            to_path = optarg;
            break;
        case 'F':
            from_pass = optarg;
            break;
        case 'T':
            to_pass = optarg;
            break;
        case 'L':
            location = optarg;
            break;
        case 'p':
            purpose = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(transfer_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " transfer", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " transfer", "unexpected argument '%s'", argv[optind]);
    if (!evidence || !from_path || !to_path || !location)
        return cli_usage_error(CASEDB_PROG " transfer",
                               "transfer needs --evidence, --from-key, --to-key and --location");
    if ((status = cmd_open_db(&ctx, &db, 0)) != 0)
        return status;
    ctx.command_line = command_line;
    if ((status = cmd_run_begin(&ctx, db)) != 0) {
        casedb_close(db);
        return status;
    }
    if ((status = cmd_load_key(&ctx, &from, from_path, from_pass)) != 0 ||
        (status = cmd_load_key(&ctx, &to, to_path, to_pass)) != 0)
        goto out;
    if (casedb_evidence_resolve(db, asset, evidence, &ev, &err) < 0 ||
        custody_transfer(db, ev.hostname, ev.label, location, purpose, from, to, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "asset", ev.hostname);
        json_kv_str(&w, "evidence", ev.label);
        json_kv_str(&w, "location", location);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addstr(&sb, "recorded hand-over of ");
        strbuf_add_safe(&sb, ev.hostname, strlen(ev.hostname));
        strbuf_addch(&sb, '/');
        strbuf_add_safe(&sb, ev.label, strlen(ev.label));
        strbuf_addch(&sb, '\n');
        fputs(sb.len ? sb.buf : "", stdout);
    }
    status = EXIT_CHECKED_OUT;
out:
    sign_seckey_free(from);
    sign_seckey_free(to);
    casedb_evidence_release(&ev);
    strbuf_release(&sb);
    status = cmd_run_end(&ctx, db, status);
    casedb_close(db);
    return status;
}
