/* custody-casedb checkpoint: a signed statement of the custody log's head, so its
 * holder can later prove that the log still extends it. */
#include "cmd.h"

#include "cli.h"
#include "custody.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char checkpoint_usage[] =
    "Usage: custody-casedb checkpoint --key K --out FILE\n"
    "\n"
    "Check the custody log, then write FILE (case uuid, chain, number of entries,\n"
    "head hash) and FILE.minisig, its signature by K (minisign format: also\n"
    "`minisign -V -p K.pub -m FILE` checks it). Keep both away from the case\n"
    "database; `custody-casedb custody check --checkpoint FILE` and custody-verify\n"
    "prove later that the log was neither cut short nor rewritten.\n"
    "Exit 1 (nothing written) when the log is already broken.\n"
    "\n"
    "  -d, --case-db CASE.db     the case database (default: $CUSTODY_CASE_DB)\n"
    "  -k, --key FILE            the signing examiner's secret key\n"
    "      --passphrase-file F   its passphrase\n"
    "  -o, --out FILE            the checkpoint file (created; never overwritten)\n"
    "      --json                one JSON document on stdout\n"
    "  -q, --quiet               print nothing on success\n"
    "  -h, --help                show this help\n";

int
cmd_checkpoint(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct sign_seckey *key = NULL;
    struct custody_report r = {0};
    struct custody_checkpoint cp = {0};
    struct strbuf sb = STRBUF_INIT;
    const char *key_path = NULL, *pass_file = NULL, *out = NULL;
    int opt, status;

    while ((opt = getopt_long(argc, argv, "d:k:o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'P':
            pass_file = optarg;
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
            fputs(checkpoint_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " checkpoint", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " checkpoint", "unexpected argument '%s'", argv[optind]);
    if (!key_path || !out)
        return cli_usage_error(CASEDB_PROG " checkpoint", "checkpoint needs --key and --out");
    if ((status = cmd_open_db(&ctx, &db, 0)) != 0)
        return status;
    ctx.command_line = command_line;
    if ((status = cmd_run_begin(&ctx, db)) != 0) {
        casedb_close(db);
        return status;
    }
    if ((status = cmd_load_key(&ctx, &key, key_path, pass_file)) != 0)
        goto out;
    if (custody_check(db, NULL, &r, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (r.n_findings) {
        custody_err_set(&err, CUSTODY_ERR,
                        "the custody log is broken (%zu findings, first: %s): "
                        "no checkpoint written",
                        r.n_findings, r.findings[0].reason);
        cmd_fail(&ctx, &err);
        status = EXIT_NOT_OK;
        goto out;
    }
    if (casedb_begin(db, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (custody_checkpoint_make(db, key, &cp, &err) < 0 ||
        custody_checkpoint_write(&cp, out, &err) < 0) {
        casedb_rollback(db);
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (casedb_commit(db, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "file", out);
        json_kv_str(&w, "case_uuid", cp.case_uuid);
        json_kv_str(&w, "chain", cp.chain);
        json_kv_int(&w, "entries", cp.entries);
        json_kv_str(&w, "head_hash", cp.head_hash);
        json_kv_str(&w, "key_id", cp.key_id);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addf(&sb, "checkpoint of %lld entries, head %s\n", (long long)cp.entries,
                    cp.head_hash);
        fputs(sb.len ? sb.buf : "", stdout);
    }
    status = EXIT_CHECKED_OUT;
out:
    custody_report_release(&r);
    custody_checkpoint_release(&cp);
    sign_seckey_free(key);
    strbuf_release(&sb);
    status = cmd_run_end(&ctx, db, status);
    casedb_close(db);
    return status;
}
