/* custody-casedb merge: bring a station's case database into the case. */
#include "cmd.h"

#include "cli.h"
#include "json.h"
#include "merge.h"
#include "sign.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char merge_usage[] =
    "Usage: custody-casedb merge --case-db CASE.db OTHER.db --key K\n"
    "\n"
    "Bring another station's database of the same case into CASE.db: servers,\n"
    "evidence items, acquisitions with their files and unreadable ranges,\n"
    "verifications, examiners, timelines and every custody-log entry, copied verbatim\n"
    "so that each station's chain and signatures still verify. The merge itself is\n"
    "recorded as a signed 'merged' custody entry naming the station's head hash.\n"
    "Merging the same database again changes nothing. Conflicts (another case, the\n"
    "same server or disk with a different identity, the same acquisition with other\n"
    "hashes) and a tampered station database refuse the merge: every finding is\n"
    "listed, nothing is written, exit status 1.\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -k, --key K            the merging examiner's secret key (signs the entry)\n"
    "      --passphrase-file F  read the key's passphrase from F\n"
    "      --json             print the result as JSON\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

static void
print_result(struct cmd_ctx *ctx, const struct merge_result *r, const char *other)
{
    struct strbuf sb = STRBUF_INIT;

    if (ctx->json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", r->n_problems == 0);
        json_kv_str(&w, "source", other);
        json_kv_str(&w, "source_station", r->source_station);
        json_kv_str(&w, "source_head_hash", r->source_head_hash);
        json_kv_int(&w, "source_entries", r->source_entries);
        json_kv_bool(&w, "nothing_new", r->nothing_new);
        json_kv_bool(&w, "merged", r->merge_id > 0);
        json_key(&w, "brought");
        json_begin_object(&w);
        json_kv_int(&w, "assets", r->assets);
        json_kv_int(&w, "evidence", r->evidence);
        json_kv_int(&w, "acquisitions", r->acquisitions);
        json_kv_int(&w, "acquisition_files", r->acquisition_files);
        json_kv_int(&w, "read_errors", r->read_errors);
        json_kv_int(&w, "verifications", r->verifications);
        json_kv_int(&w, "custody_entries", r->custody_entries);
        json_kv_int(&w, "checkpoints", r->checkpoints);
        json_kv_int(&w, "examiners", r->examiners);
        json_kv_int(&w, "runs", r->runs);
        json_kv_int(&w, "partitions", r->partitions);
        json_kv_int(&w, "files", r->files);
        json_kv_int(&w, "log_sources", r->log_sources);
        json_kv_int(&w, "events", r->events);
        json_end_object(&w);
        json_key(&w, "problems");
        json_begin_array(&w);
        for (size_t i = 0; i < r->problems.len;) {
            const char *nl = memchr(r->problems.buf + i, '\n', r->problems.len - i);
            size_t len = nl ? (size_t)(nl - r->problems.buf - i) : r->problems.len - i;
            json_bytes(&w, r->problems.buf + i, len);
            i += len + 1;
        }
        json_end_array(&w);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (r->n_problems) {
        strbuf_addstr(&sb, CASEDB_PROG ": merge of '");
        strbuf_add_safe(&sb, other, strlen(other));
        strbuf_addf(&sb, "' refused, nothing written (%zu problems):\n", r->n_problems);
        for (size_t i = 0; i < r->problems.len;) {
            const char *nl = memchr(r->problems.buf + i, '\n', r->problems.len - i);
            size_t len = nl ? (size_t)(nl - r->problems.buf - i) : r->problems.len - i;
            strbuf_addstr(&sb, "  ");
            strbuf_add_safe(&sb, r->problems.buf + i, len);
            strbuf_addch(&sb, '\n');
            i += len + 1;
        }
        fputs(sb.buf, stderr);
    } else if (!ctx->quiet) {
        if (r->nothing_new)
            strbuf_addf(&sb, "station %s already merged (head %s): nothing changed\n",
                        r->source_station, r->source_head_hash ? r->source_head_hash : "-");
        else
            strbuf_addf(&sb,
                        "merged station %s (head %s, %lld entries): %lld servers, %lld evidence "
                        "items, %lld acquisitions, %lld verifications, %lld custody entries, "
                        "%lld timeline files, %lld log events\n",
                        r->source_station, r->source_head_hash ? r->source_head_hash : "-",
                        (long long)r->source_entries, (long long)r->assets, (long long)r->evidence,
                        (long long)r->acquisitions, (long long)r->verifications,
                        (long long)r->custody_entries, (long long)r->files, (long long)r->events);
        fputs(sb.buf, stdout);
    }
    strbuf_release(&sb);
}

int
cmd_merge(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct merge_result res;
    const char *key_path = NULL, *pass_file = NULL, *other;
    struct sign_seckey *key = NULL;
    int opt, status;
    (void)command_line; /* merge records its run itself, inside its transaction */

    memset(&res, 0, sizeof(res));
    while ((opt = getopt_long(argc, argv, "d:k:qh", opts, NULL)) != -1) {
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
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(merge_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " merge", "invalid option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(CASEDB_PROG " merge", "expected exactly one OTHER.db to merge");
    other = argv[optind];
    if (!key_path)
        return cli_usage_error(CASEDB_PROG " merge", "--key K is required: the merge is signed");
    /* The key first: a bad key or passphrase writes nothing. */
    if ((status = cmd_load_key(&ctx, &key, key_path, pass_file)) != 0)
        return status;
    if ((status = cmd_open_db(&ctx, &db, 0)) != 0)
        goto out;
    if (merge_station(&res, db, other, key, argc, argv, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    print_result(&ctx, &res, other);
    status = res.n_problems ? EXIT_NOT_OK : EXIT_CHECKED_OUT;
out:
    merge_result_release(&res);
    casedb_close(db);
    sign_seckey_free(key);
    return status;
}
