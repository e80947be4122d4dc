/* custody-casedb custody add|log|check: the signed custody log. */
#include "cmd.h"

#include "cli.h"
#include "custody.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char custody_usage[] =
    "Usage: custody-casedb custody add --action A [--asset HOST] --evidence LABEL --key K\n"
    "                                  [--location L] [--purpose P] [--details D]\n"
    "       custody-casedb custody log [--json]\n"
    "       custody-casedb custody check [--checkpoint FILE]... [--trusted-key PUB]...\n"
    "\n"
    "add appends an entry signed with K to this station's hash chain; log lists\n"
    "every entry; check verifies every hash, link and signature (and that the log\n"
    "still extends each checkpoint) and names each entry that fails (exit 1).\n"
    "Actions: registered acquired verified released received stored accessed\n"
    "sealed cleared decommissioned key-revoked note.\n"
    "\n"
    "  -d, --case-db CASE.db     the case database (default: $CUSTODY_CASE_DB)\n"
    "  -a, --action A            what happened\n"
    "      --asset HOST          the server (needed when the label is ambiguous)\n"
    "  -e, --evidence LABEL      the evidence item\n"
    "  -k, --key FILE            the examiner's secret key\n"
    "      --passphrase-file F   the passphrase of --key\n"
    "      --location L          where\n"
    "      --purpose P           why\n"
    "      --details D           anything else\n"
    "      --checkpoint FILE     check: a checkpoint (FILE and FILE.minisig), repeatable\n"
    "      --trusted-key PUB     check: only these keys are trusted, repeatable\n"
    "      --json                one JSON document on stdout\n"
    "  -q, --quiet               print nothing on success\n"
    "  -h, --help                show this help\n";

#define MAX_LIST 64

static void
entry_json(struct json_writer *w, const struct custody_entry *e)
{
    struct strbuf t = STRBUF_INIT;

    json_begin_object(w);
    json_kv_str(w, "chain", e->chain);
    json_kv_int(w, "seq", e->seq);
    custody_format_time(&t, e->ts);
    json_kv_str(w, "time", t.buf);
    json_kv_int(w, "time_ns", e->ts);
    json_kv_str(w, "action", e->action);
    json_kv_str(w, "asset", e->asset);
    json_kv_str(w, "evidence", e->evidence);
    json_kv_str(w, "actor", e->actor);
    json_kv_str(w, "key_id", e->key_id);
    json_kv_str(w, "location", e->location);
    json_kv_str(w, "purpose", e->purpose);
    json_kv_str(w, "details", e->details);
    json_kv_str(w, "prev_hash", e->prev_hash);
    json_kv_str(w, "entry_hash", e->entry_hash);
    json_kv_str(w, "signature", e->signature);
    json_end_object(w);
    strbuf_release(&t);
}

static void
add_field(struct strbuf *sb, const char *label, const char *v)
{
    if (!v)
        return;
    strbuf_addf(sb, " %s=", label);
    strbuf_add_safe(sb, v, strlen(v));
}

static void
entry_text(struct strbuf *sb, const struct custody_entry *e)
{
    strbuf_addf(sb, "%4lld ", (long long)e->seq);
    custody_format_time(sb, e->ts);
    strbuf_addch(sb, ' ');
    strbuf_add_safe(sb, e->action ? e->action : "?", e->action ? strlen(e->action) : 1);
    if (e->asset || e->evidence) {
        strbuf_addch(sb, ' ');
        if (e->asset)
            strbuf_add_safe(sb, e->asset, strlen(e->asset));
        strbuf_addch(sb, '/');
        if (e->evidence)
            strbuf_add_safe(sb, e->evidence, strlen(e->evidence));
    }
    add_field(sb, "by", e->actor);
    add_field(sb, "key", e->key_id);
    add_field(sb, "location", e->location);
    add_field(sb, "purpose", e->purpose);
    add_field(sb, "details", e->details);
    if (!e->signature)
        strbuf_addstr(sb, " UNSIGNED");
    strbuf_addch(sb, '\n');
}

/* Print a check report; returns the exit status (1 with findings). */
static int
print_report(struct cmd_ctx *ctx, const struct custody_report *r)
{
    struct strbuf sb = STRBUF_INIT;
    struct json_writer w;

    if (ctx->json) {
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", r->n_findings == 0);
        json_kv_uint(&w, "entries", r->n_entries);
        json_kv_uint(&w, "chains", r->n_chains);
        json_kv_int(&w, "head_seq", r->head_seq);
        json_kv_str(&w, "head_hash", r->head_hash);
        json_key(&w, "findings");
        json_begin_array(&w);
        for (size_t i = 0; i < r->n_findings; i++) {
            json_begin_object(&w);
            json_kv_str(&w, "kind", custody_finding_name(r->findings[i].kind));
            json_kv_str(&w, "chain", r->findings[i].chain);
            json_kv_int(&w, "seq", r->findings[i].seq);
            json_kv_str(&w, "reason", r->findings[i].reason);
            json_end_object(&w);
        }
        json_end_array(&w);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else {
        for (size_t i = 0; i < r->n_findings; i++) {
            strbuf_addf(&sb, "FAIL: %s: ", custody_finding_name(r->findings[i].kind));
            strbuf_add_safe(&sb, r->findings[i].reason, strlen(r->findings[i].reason));
            strbuf_addch(&sb, '\n');
        }
        if (!ctx->quiet || r->n_findings)
            strbuf_addf(&sb, "custody log: %zu entries in %zu chain%s, %s\n", r->n_entries,
                        r->n_chains, r->n_chains == 1 ? "" : "s",
                        r->n_findings ? "BROKEN" : "intact");
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    return r->n_findings ? EXIT_NOT_OK : EXIT_CHECKED_OUT;
}

int
cmd_custody(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"action", required_argument, NULL, 'a'},
        {"asset", required_argument, NULL, 'H'},
        {"evidence", required_argument, NULL, 'e'},
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"location", required_argument, NULL, 'L'},
        {"purpose", required_argument, NULL, 'p'},
        {"details", required_argument, NULL, 'D'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"trusted-key", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct custody_new n = {0};
    struct casedb *db = NULL;
    struct sign_seckey *key = NULL;
    struct casedb_evidence ev = {0};
    struct custody_checkpoint cps[MAX_LIST];
    struct minisign_pubkey trusted[MAX_LIST];
    const char *cp_paths[MAX_LIST], *tk_paths[MAX_LIST];
    size_t n_cp = 0, n_tk = 0, loaded_cp = 0;
    struct strbuf sb = STRBUF_INIT;
    const char *action, *key_path = NULL, *pass_file = NULL;
    int opt, status = EXIT_FAILED;

    memset(cps, 0, sizeof(cps));
    if ((status = cmd_take_action(&argc, &argv, custody_usage, CASEDB_PROG " custody",
                                  "add, log or check", &action)) >= 0)
        return status;
    status = EXIT_FAILED;
    while ((opt = getopt_long(argc, argv, "d:a:e:k:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'a':
            n.action = optarg;
            break;
        case 'H':
            n.asset = optarg;
            break;
        case 'e':
            n.evidence = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'P':
            pass_file = optarg;
            break;
        case 'L':
            n.location = optarg;
            break;
        case 'p':
            n.purpose = optarg;
            break;
        case 'D':
            n.details = optarg;
            break;
        case 'c':
            if (n_cp == MAX_LIST)
                return cli_usage_error(CASEDB_PROG " custody", "too many --checkpoint");
            cp_paths[n_cp++] = optarg;
            break;
        case 't':
            if (n_tk == MAX_LIST)
                return cli_usage_error(CASEDB_PROG " custody", "too many --trusted-key");
            tk_paths[n_tk++] = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(custody_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " custody", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " custody", "unexpected argument '%s'", argv[optind]);
    if (strcmp(action, "add") && strcmp(action, "log") && strcmp(action, "check"))
        return cli_usage_error(CASEDB_PROG " custody", "unknown action '%s'", action);
    if (!strcmp(action, "add")) {
        if (!n.action || !custody_action_valid(n.action))
            return cli_usage_error(CASEDB_PROG " custody", "custody add needs a valid --action");
        if (!strcmp(n.action, "key-revoked") || !strcmp(n.action, "merged"))
            return cli_usage_error(CASEDB_PROG " custody",
                                   "'%s' entries are written by their own commands", n.action);
        if (!n.evidence || !key_path)
            return cli_usage_error(CASEDB_PROG " custody",
                                   "custody add needs --evidence LABEL and --key K");
    }
    /* Key files first: a bad key or passphrase writes nothing. */
    for (size_t i = 0; i < n_tk; i++)
        if (sign_pubkey_read(&trusted[i], tk_paths[i], &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
    for (; loaded_cp < n_cp; loaded_cp++)
        if (custody_checkpoint_read(&cps[loaded_cp], cp_paths[loaded_cp], &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
    if ((status = cmd_open_db(&ctx, &db, strcmp(action, "add") ? CASEDB_READONLY : 0)) != 0)
        goto out;
    ctx.command_line = strcmp(action, "add") ? NULL : command_line;
    if ((status = cmd_run_begin(&ctx, db)) != 0)
        goto out;
    status = EXIT_FAILED;
    if (key_path && !strcmp(action, "add") &&
        (status = cmd_load_key(&ctx, &key, key_path, pass_file)) != 0)
        goto out;
    status = EXIT_FAILED;
    if (!strcmp(action, "add")) {
        struct custody_entry e = {0};
        if (casedb_evidence_resolve(db, n.asset, n.evidence, &ev, &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
        n.asset = ev.hostname;
        n.evidence = ev.label;
        if (custody_append(db, &n, key, &e, &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
        if (ctx.json) {
            struct json_writer w;
            json_init(&w, &sb, 1);
            entry_json(&w, &e);
            cmd_print_json(&sb);
        } else if (!ctx.quiet) {
            entry_text(&sb, &e);
            fputs(sb.len ? sb.buf : "", stdout);
        }
        custody_entry_release(&e);
        status = EXIT_CHECKED_OUT;
    } else if (!strcmp(action, "log")) {
        struct custody_entry *list = NULL;
        size_t count = 0;
        if (custody_list(db, &list, &count, &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
        if (ctx.json) {
            struct json_writer w;
            json_init(&w, &sb, 1);
            json_begin_array(&w);
            for (size_t i = 0; i < count; i++)
                entry_json(&w, &list[i]);
            json_end_array(&w);
            cmd_print_json(&sb);
        } else {
            const char *chain = NULL;
            for (size_t i = 0; i < count; i++) {
                if (!chain || strcmp(chain, list[i].chain)) {
                    chain = list[i].chain;
                    strbuf_addstr(&sb, "chain ");
                    strbuf_add_safe(&sb, chain, strlen(chain));
                    strbuf_addch(&sb, '\n');
                }
                entry_text(&sb, &list[i]);
            }
            fputs(sb.len ? sb.buf : "", stdout);
        }
        custody_entry_list_free(list, count);
        status = EXIT_CHECKED_OUT;
    } else {
        struct custody_check_opts co = {0};
        struct custody_report r;
        co.trusted = n_tk ? trusted : NULL;
        co.n_trusted = n_tk;
        co.checkpoints = cps;
        co.n_checkpoints = n_cp;
        if (custody_check(db, &co, &r, &err) < 0) {
            status = cmd_fail(&ctx, &err);
            goto out;
        }
        status = print_report(&ctx, &r);
        custody_report_release(&r);
    }
out:
    for (size_t i = 0; i < loaded_cp; i++)
        custody_checkpoint_release(&cps[i]);
    casedb_evidence_release(&ev);
    sign_seckey_free(key);
    strbuf_release(&sb);
    if (db)
        status = cmd_run_end(&ctx, db, status);
    casedb_close(db);
    return status;
}
