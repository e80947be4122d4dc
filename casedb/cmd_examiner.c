/* custody-casedb examiner add|list|revoke: examiners of the case and their public keys. */
#include "cmd.h"

#include "cli.h"
#include "custody.h"
#include "json.h"
#include "sign.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char examiner_usage[] =
    "Usage: custody-casedb examiner add --name N [--role R] [--pub NAME.pub]\n"
    "       custody-casedb examiner list\n"
    "       custody-casedb examiner revoke --key-id ID --key SIGNER.key [--reason R]\n"
    "                                      [--at TIME]\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "      --name N           the examiner's name\n"
    "      --role R           examiner, verifier, regulator, custodian, ...\n"
    "      --pub FILE         the examiner's public key (custody-casedb keygen)\n"
    "      --key-id ID        revoke: the key to revoke (16 hex digits)\n"
    "      --key FILE         revoke: the secret key that signs the 'key-revoked'\n"
    "                         custody entry (may be the revoked key itself)\n"
    "      --passphrase-file F  the passphrase of --key\n"
    "      --reason R         revoke: why (lost, compromised, left the team, ...)\n"
    "      --at TIME          revoke: the key is invalid from TIME (default: now)\n"
    "      --json             one JSON document on stdout\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

static void
examiner_json(struct json_writer *w, const struct casedb_examiner *x)
{
    struct strbuf t = STRBUF_INIT;

    json_begin_object(w);
    json_kv_int(w, "id", x->id);
    json_kv_str(w, "name", x->name);
    json_kv_str(w, "role", x->role);
    json_kv_str(w, "key_id", x->key_id);
    json_kv_str(w, "public_key", x->public_key);
    custody_format_time(&t, x->added_at);
    json_kv_str(w, "added_at", t.buf);
    json_key(w, "revoked_at");
    if (x->revoked_at) {
        strbuf_reset(&t);
        custody_format_time(&t, x->revoked_at);
        json_str(w, t.buf);
    } else {
        json_null(w);
    }
    json_end_object(w);
    strbuf_release(&t);
}

int
cmd_examiner(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {"pub", required_argument, NULL, 'p'},
        {"key-id", required_argument, NULL, 'i'},
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"reason", required_argument, NULL, 'R'},
        {"at", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct casedb_examiner x = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct strbuf sb = STRBUF_INIT;
    struct json_writer w;
    struct minisign_pubkey pub;
    struct strbuf publine = STRBUF_INIT;
    char hex[MINISIGN_KEY_ID_HEX];
    struct sign_seckey *key = NULL;
    const char *action, *pub_path = NULL, *key_id = NULL, *key_path = NULL, *pass_file = NULL,
                        *reason = NULL, *at = NULL;
    int64_t when = 0;
    int opt, rc;

    if ((rc = cmd_take_action(&argc, &argv, examiner_usage, CASEDB_PROG " examiner", "add or list",
                              &action)) >= 0)
        return rc;
    while ((opt = getopt_long(argc, argv, "d:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'n':
            x.name = optarg;
            break;
        case 'r':
            x.role = optarg;
            break;
        case 'p':
            pub_path = optarg;
            break;
        case 'i':
            key_id = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'P':
            pass_file = optarg;
            break;
        case 'R':
            reason = optarg;
            break;
        case 'a':
            at = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(examiner_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " examiner", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " examiner", "unexpected argument '%s'", argv[optind]);
    if (strcmp(action, "add") && strcmp(action, "list") && strcmp(action, "revoke"))
        return cli_usage_error(CASEDB_PROG " examiner", "unknown action '%s'", action);
    if (!strcmp(action, "add") && !x.name)
        return cli_usage_error(CASEDB_PROG " examiner", "examiner add needs --name");
    if (!strcmp(action, "revoke") && (!key_id || !key_path))
        return cli_usage_error(CASEDB_PROG " examiner",
                               "examiner revoke needs --key-id ID and --key SIGNER.key");
    if (at && custody_parse_time(at, &when) < 0)
        return cli_usage_error(CASEDB_PROG " examiner", "cannot parse time '%s'", at);
    /* Read the key files before touching the database: a bad file writes nothing. */
    if (pub_path) {
        if (sign_pubkey_read(&pub, pub_path, &err) < 0) {
            rc = cmd_fail(&ctx, &err);
            return rc;
        }
        minisign_pubkey_b64(&publine, &pub);
        minisign_key_id_hex(hex, pub.key_id);
        x.public_key = publine.buf;
        x.key_id = hex;
    }
    if ((rc = cmd_open_db(&ctx, &db, 0)) != 0) {
        strbuf_release(&publine);
        return rc;
    }
    if (strcmp(action, "list")) {
        ctx.command_line = command_line;
        if ((rc = cmd_run_begin(&ctx, db)) != 0) {
            strbuf_release(&publine);
            casedb_close(db);
            return rc;
        }
    }
    if (key_path && (rc = cmd_load_key(&ctx, &key, key_path, pass_file)) != 0) {
        strbuf_release(&publine);
        rc = cmd_run_end(&ctx, db, rc);
        casedb_close(db);
        return rc;
    }
    json_init(&w, &sb, 1);
    if (!strcmp(action, "revoke")) {
        if (custody_revoke_key(db, key_id, reason, when, key, &err) < 0)
            goto fail;
        if (ctx.json) {
            json_begin_object(&w);
            json_kv_bool(&w, "ok", 1);
            json_kv_str(&w, "revoked_key_id", key_id);
            json_end_object(&w);
        } else if (!ctx.quiet) {
            strbuf_addstr(&sb, "revoked key ");
            strbuf_add_safe(&sb, key_id, strlen(key_id));
            strbuf_addch(&sb, '\n');
        }
    } else if (!strcmp(action, "add")) {
        int64_t id;
        if (casedb_examiner_add(db, &x, &id, &err) < 0)
            goto fail;
        if (ctx.json) {
            json_begin_object(&w);
            json_kv_bool(&w, "ok", 1);
            json_kv_int(&w, "id", id);
            json_kv_str(&w, "name", x.name);
            json_kv_str(&w, "key_id", x.key_id);
            json_end_object(&w);
        } else if (!ctx.quiet) {
            strbuf_addstr(&sb, "added examiner ");
            strbuf_add_safe(&sb, x.name, strlen(x.name));
            if (x.key_id)
                strbuf_addf(&sb, " with key %s", x.key_id);
            strbuf_addch(&sb, '\n');
        }
    } else {
        struct casedb_examiner *list = NULL;
        size_t n = 0;
        if (casedb_examiner_list(db, &list, &n, &err) < 0)
            goto fail;
        if (ctx.json) {
            json_begin_array(&w);
            for (size_t i = 0; i < n; i++)
                examiner_json(&w, &list[i]);
            json_end_array(&w);
        } else {
            strbuf_addf(&sb, "%-4s %-24s %-12s %-16s %s\n", "ID", "NAME", "ROLE", "KEY ID",
                        "REVOKED");
            for (size_t i = 0; i < n; i++) {
                struct strbuf nm = STRBUF_INIT, ro = STRBUF_INIT, t = STRBUF_INIT;
                strbuf_add_safe(&nm, list[i].name, strlen(list[i].name));
                if (list[i].role)
                    strbuf_add_safe(&ro, list[i].role, strlen(list[i].role));
                if (list[i].revoked_at)
                    custody_format_time(&t, list[i].revoked_at);
                strbuf_addf(&sb, "%-4lld %-24s %-12s %-16s %s\n", (long long)list[i].id, nm.buf,
                            ro.buf, list[i].key_id ? list[i].key_id : "-",
                            list[i].revoked_at ? t.buf : "-");
                strbuf_release(&nm);
                strbuf_release(&ro);
                strbuf_release(&t);
            }
        }
        casedb_examiner_list_free(list, n);
    }
    if (ctx.json)
        cmd_print_json(&sb);
    else
        fputs(sb.len ? sb.buf : "", stdout);
    strbuf_release(&sb);
    strbuf_release(&publine);
    sign_seckey_free(key);
    rc = cmd_run_end(&ctx, db, EXIT_CHECKED_OUT);
    casedb_close(db);
    return rc;
fail:
    strbuf_release(&sb);
    strbuf_release(&publine);
    sign_seckey_free(key);
    rc = cmd_run_end(&ctx, db, cmd_fail(&ctx, &err));
    casedb_close(db);
    return rc;
}
