/* custody-casedb asset add|list|show: the servers of a case. */
#include "cmd.h"

#include "cli.h"
#include "json.h"
#include "verifications.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char asset_usage[] =
    "Usage: custody-casedb asset add HOST [--asset-tag T] [--serial S] [--location L]\n"
    "                                  [--owner O] [--notes N]\n"
    "       custody-casedb asset list\n"
    "       custody-casedb asset show HOST\n"
    "       custody-casedb asset decommission HOST --key K [--passphrase-file F]\n"
    "\n"
    "Servers (assets) of the case, named by hostname. Status moves from registered\n"
    "to acquired, verified, cleared and decommissioned as the tools record it.\n"
    "'decommission' refuses any asset that custody-verify clearance has not cleared,\n"
    "and records a 'decommissioned' custody entry signed with --key.\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "      --key K            decommission: the examiner's secret key\n"
    "      --passphrase-file F  passphrase of --key\n"
    "      --json             one JSON document on stdout\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

/* Append "  key: value\n" with the value made safe for a terminal. */
static void
add_field(struct strbuf *sb, const char *key, const char *value)
{
    if (!value)
        return;
    strbuf_addf(sb, "  %-12s ", key);
    strbuf_add_safe(sb, value, strlen(value));
    strbuf_addch(sb, '\n');
}

static void
asset_json(struct json_writer *w, const struct casedb_asset *a)
{
    struct strbuf t = STRBUF_INIT;

    json_begin_object(w);
    json_kv_int(w, "id", a->id);
    json_kv_str(w, "hostname", a->hostname);
    json_kv_str(w, "asset_tag", a->asset_tag);
    json_kv_str(w, "serial", a->serial);
    json_kv_str(w, "location", a->location);
    json_kv_str(w, "owner", a->owner);
    json_kv_str(w, "notes", a->notes);
    json_kv_str(w, "status", a->status);
    json_kv_str(w, "added_by", a->added_by);
    custody_format_time(&t, a->created_at);
    json_kv_str(w, "created_at", t.buf);
    strbuf_reset(&t);
    custody_format_time(&t, a->updated_at);
    json_kv_str(w, "updated_at", t.buf);
    json_end_object(w);
    strbuf_release(&t);
}

static int
asset_add(struct cmd_ctx *ctx, struct casedb *db, const char *host, struct casedb_asset *a)
{
    struct custody_err err = {0};
    struct casedb_asset got;
    struct strbuf sb = STRBUF_INIT;

    a->hostname = (char *)host;
    a->added_by = "custody-casedb";
    if (casedb_asset_add(db, a, NULL, &err) < 0 || casedb_asset_get(db, host, &got, &err) < 0)
        return cmd_fail(ctx, &err);
    if (ctx->json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        asset_json(&w, &got);
        cmd_print_json(&sb);
    } else if (!ctx->quiet) {
        strbuf_addstr(&sb, "added asset ");
        strbuf_add_safe(&sb, host, strlen(host));
        strbuf_addch(&sb, '\n');
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    casedb_asset_release(&got);
    return EXIT_CHECKED_OUT;
}

static int
asset_list(struct cmd_ctx *ctx, struct casedb *db)
{
    struct custody_err err = {0};
    struct casedb_asset *list = NULL;
    struct strbuf sb = STRBUF_INIT;
    size_t n = 0;

    if (casedb_asset_list(db, &list, &n, &err) < 0)
        return cmd_fail(ctx, &err);
    if (ctx->json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_array(&w);
        for (size_t i = 0; i < n; i++)
            asset_json(&w, &list[i]);
        json_end_array(&w);
        cmd_print_json(&sb);
    } else {
        strbuf_addf(&sb, "%-24s %-15s %-16s %s\n", "HOSTNAME", "STATUS", "ASSET TAG", "LOCATION");
        for (size_t i = 0; i < n; i++) {
            struct strbuf h = STRBUF_INIT, t = STRBUF_INIT, l = STRBUF_INIT;
            strbuf_add_safe(&h, list[i].hostname, strlen(list[i].hostname));
            if (list[i].asset_tag)
                strbuf_add_safe(&t, list[i].asset_tag, strlen(list[i].asset_tag));
            if (list[i].location)
                strbuf_add_safe(&l, list[i].location, strlen(list[i].location));
            strbuf_addf(&sb, "%-24s %-15s %-16s %s\n", h.buf, list[i].status, t.buf, l.buf);
            strbuf_release(&h);
            strbuf_release(&t);
            strbuf_release(&l);
        }
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    casedb_asset_list_free(list, n);
    return EXIT_CHECKED_OUT;
}

static int
asset_show(struct cmd_ctx *ctx, struct casedb *db, const char *host)
{
    struct custody_err err = {0};
    struct casedb_asset a;
    struct casedb_evidence *ev = NULL;
    struct strbuf sb = STRBUF_INIT, t = STRBUF_INIT;
    size_t n = 0;

    if (casedb_asset_get(db, host, &a, &err) < 0)
        return cmd_fail(ctx, &err);
    if (casedb_evidence_list(db, a.id, &ev, &n, &err) < 0) {
        casedb_asset_release(&a);
        return cmd_fail(ctx, &err);
    }
    if (ctx->json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_key(&w, "asset");
        asset_json(&w, &a);
        json_key(&w, "evidence");
        json_begin_array(&w);
        for (size_t i = 0; i < n; i++) {
            json_begin_object(&w);
            json_kv_int(&w, "id", ev[i].id);
            json_kv_str(&w, "label", ev[i].label);
            json_kv_int(&w, "size", ev[i].size);
            json_end_object(&w);
        }
        json_end_array(&w);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else {
        strbuf_addstr(&sb, "asset ");
        strbuf_add_safe(&sb, a.hostname, strlen(a.hostname));
        strbuf_addch(&sb, '\n');
        add_field(&sb, "status", a.status);
        add_field(&sb, "asset tag", a.asset_tag);
        add_field(&sb, "serial", a.serial);
        add_field(&sb, "location", a.location);
        add_field(&sb, "owner", a.owner);
        add_field(&sb, "notes", a.notes);
        add_field(&sb, "added by", a.added_by);
        custody_format_time(&t, a.created_at);
        add_field(&sb, "created", t.buf);
        strbuf_addf(&sb, "  evidence     %zu item(s)\n", n);
        for (size_t i = 0; i < n; i++) {
            strbuf_addstr(&sb, "    ");
            strbuf_add_safe(&sb, ev[i].label, strlen(ev[i].label));
            if (ev[i].size >= 0)
                strbuf_addf(&sb, "  %lld bytes", (long long)ev[i].size);
            strbuf_addch(&sb, '\n');
        }
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    strbuf_release(&t);
    casedb_evidence_list_free(ev, n);
    casedb_asset_release(&a);
    return EXIT_CHECKED_OUT;
}

static int
asset_decommission(struct cmd_ctx *ctx, struct casedb *db, const char *host, const char *key_path,
                   const char *passfile)
{
    struct sign_seckey *key = NULL;
    struct custody_err err = {0};
    char reason[512] = "";
    int refused = 0, rc;
    int64_t seq = 0;

    if ((rc = cmd_load_key(ctx, &key, key_path, passfile)) != 0)
        return rc;
    rc = casedb_asset_decommission(db, host, key, &refused, reason, sizeof(reason), &seq, &err);
    sign_seckey_free(key);
    if (rc < 0)
        return cmd_fail(ctx, &err);
    if (ctx->json) {
        struct strbuf sb = STRBUF_INIT;
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_str(&w, "asset", host);
        json_kv_bool(&w, "decommissioned", !refused);
        if (refused)
            json_kv_str(&w, "reason", reason);
        else
            json_kv_int(&w, "custody_seq", seq);
        json_end_object(&w);
        cmd_print_json(&sb);
        strbuf_release(&sb);
    }
    if (refused) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_add_safe(&sb, reason, strlen(reason));
        fprintf(stderr, "%s: refusing: %s\n", CASEDB_PROG, sb.buf);
        strbuf_release(&sb);
        return EXIT_NOT_OK;
    }
    if (!ctx->json && !ctx->quiet) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_add_safe(&sb, host, strlen(host));
        printf("decommissioned %s (custody entry %lld)\n", sb.buf, (long long)seq);
        strbuf_release(&sb);
    }
    return EXIT_CHECKED_OUT;
}

int
cmd_asset(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"asset-tag", required_argument, NULL, 't'},
        {"serial", required_argument, NULL, 's'},
        {"location", required_argument, NULL, 'l'},
        {"owner", required_argument, NULL, 'o'},
        {"notes", required_argument, NULL, 'N'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"key", required_argument, NULL, 'K'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct casedb_asset a = {0};
    struct casedb *db = NULL;
    const char *action, *key_path = NULL, *passfile = NULL;
    int opt, rc;

    if ((rc = cmd_take_action(&argc, &argv, asset_usage, CASEDB_PROG " asset",
                              "add, list, show or decommission", &action)) >= 0)
        return rc;
    while ((opt = getopt_long(argc, argv, "d:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 't':
            a.asset_tag = optarg;
            break;
        case 's':
            a.serial = optarg;
            break;
        case 'l':
            a.location = optarg;
            break;
        case 'o':
            a.owner = optarg;
            break;
        case 'N':
            a.notes = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'K':
            key_path = optarg;
            break;
        case 'P':
            passfile = optarg;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(asset_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " asset", "invalid option");
        }
    }
    if (!strcmp(action, "decommission")) {
        if (optind != argc - 1 || !key_path)
            return cli_usage_error(CASEDB_PROG " asset", "asset decommission needs HOST and --key");
    } else if (!strcmp(action, "add") || !strcmp(action, "show")) {
        if (optind != argc - 1)
            return cli_usage_error(CASEDB_PROG " asset", "asset %s needs exactly one HOST", action);
    } else if (!strcmp(action, "list")) {
        if (optind != argc)
            return cli_usage_error(CASEDB_PROG " asset", "asset list takes no arguments");
    } else {
        return cli_usage_error(CASEDB_PROG " asset", "unknown action '%s'", action);
    }
    if ((rc = cmd_open_db(&ctx, &db, 0)) != 0)
        return rc;
    if (!strcmp(action, "add") || !strcmp(action, "decommission")) {
        ctx.command_line = command_line;
        if ((rc = cmd_run_begin(&ctx, db)) != 0) {
            casedb_close(db);
            return rc;
        }
    }
    if (!strcmp(action, "decommission"))
        rc = asset_decommission(&ctx, db, argv[optind], key_path, passfile);
    else if (!strcmp(action, "add"))
        rc = asset_add(&ctx, db, argv[optind], &a);
    else if (!strcmp(action, "list"))
        rc = asset_list(&ctx, db);
    else
        rc = asset_show(&ctx, db, argv[optind]);
    rc = cmd_run_end(&ctx, db, rc);
    casedb_close(db);
    return rc;
}
