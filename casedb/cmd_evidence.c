/* custody-casedb evidence add|list|show: disks and volumes of a server. */
#include "cmd.h"

#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char evidence_usage[] =
    "Usage: custody-casedb evidence add --asset HOST --evidence LABEL [--model M]\n"
    "                                   [--serial S] [--vendor V] [--size BYTES]\n"
    "                                   [--sector-size BYTES] [--notes N]\n"
    "       custody-casedb evidence list [--asset HOST]\n"
    "       custody-casedb evidence show [--asset HOST] --evidence LABEL\n"
    "\n"
    "Evidence items are the disks or volumes of an asset, named by a label unique\n"
    "within the asset (sda, disk0). --evidence LABEL alone names an item when only\n"
    "one asset has that label.\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -a, --asset HOST       the asset (server) by hostname\n"
    "  -e, --evidence LABEL   the evidence label\n"
    "      --json             one JSON document on stdout\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

static void
evidence_json(struct json_writer *w, const struct casedb_evidence *e)
{
    struct strbuf t = STRBUF_INIT;

    json_begin_object(w);
    json_kv_int(w, "id", e->id);
    json_kv_str(w, "asset", e->hostname);
    json_kv_str(w, "label", e->label);
    json_kv_str(w, "vendor", e->vendor);
    json_kv_str(w, "model", e->model);
    json_kv_str(w, "serial", e->serial);
    json_key(w, "size");
    if (e->size >= 0)
        json_int(w, e->size);
    else
        json_null(w);
    json_key(w, "sector_size");
    if (e->sector_size >= 0)
        json_int(w, e->sector_size);
    else
        json_null(w);
    json_kv_str(w, "notes", e->notes);
    json_kv_str(w, "added_by", e->added_by);
    custody_format_time(&t, e->created_at);
    json_kv_str(w, "created_at", t.buf);
    json_end_object(w);
    strbuf_release(&t);
}

static void
evidence_text(struct strbuf *sb, const struct casedb_evidence *e)
{
    const char *fields[][2] = {{"vendor", e->vendor},
                               {"model", e->model},
                               {"serial", e->serial},
                               {"notes", e->notes},
                               {"added by", e->added_by}};

    strbuf_addstr(sb, "evidence ");
    strbuf_add_safe(sb, e->hostname, strlen(e->hostname));
    strbuf_addch(sb, '/');
    strbuf_add_safe(sb, e->label, strlen(e->label));
    strbuf_addch(sb, '\n');
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!fields[i][1])
            continue;
        strbuf_addf(sb, "  %-12s ", fields[i][0]);
        strbuf_add_safe(sb, fields[i][1], strlen(fields[i][1]));
        strbuf_addch(sb, '\n');
    }
    if (e->size >= 0)
        strbuf_addf(sb, "  %-12s %lld bytes\n", "size", (long long)e->size);
    if (e->sector_size >= 0)
        strbuf_addf(sb, "  %-12s %lld bytes\n", "sector size", (long long)e->sector_size);
}

int
cmd_evidence(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"asset", required_argument, NULL, 'a'},
        {"evidence", required_argument, NULL, 'e'},
        {"vendor", required_argument, NULL, 'v'},
        {"model", required_argument, NULL, 'm'},
        {"serial", required_argument, NULL, 's'},
        {"size", required_argument, NULL, 'S'},
        {"sector-size", required_argument, NULL, 'B'},
        {"notes", required_argument, NULL, 'N'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct casedb_evidence e = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct strbuf sb = STRBUF_INIT;
    const char *action, *host = NULL;
    uint64_t v;
    int opt, rc;

    if ((rc = cmd_take_action(&argc, &argv, evidence_usage, CASEDB_PROG " evidence",
                              "add, list or show", &action)) >= 0)
        return rc;
    e.size = e.sector_size = e.physical_sector_size = -1;
    while ((opt = getopt_long(argc, argv, "d:a:e:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'a':
            host = optarg;
            break;
        case 'e':
            e.label = optarg;
            break;
        case 'v':
            e.vendor = optarg;
            break;
        case 'm':
            e.model = optarg;
            break;
        case 's':
            e.serial = optarg;
            break;
        case 'S':
        case 'B':
            if (cli_parse_size(optarg, &v) < 0 || v > INT64_MAX)
                return cli_usage_error(CASEDB_PROG " evidence", "invalid size '%s'", optarg);
            if (opt == 'S')
                e.size = (int64_t)v;
            else
                e.sector_size = (int64_t)v;
            break;
        case 'N':
            e.notes = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(evidence_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " evidence", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " evidence", "unexpected argument '%s'", argv[optind]);
    if (strcmp(action, "add") && strcmp(action, "list") && strcmp(action, "show"))
        return cli_usage_error(CASEDB_PROG " evidence", "unknown action '%s'", action);
    if (!strcmp(action, "add") && (!host || !e.label))
        return cli_usage_error(CASEDB_PROG " evidence",
                               "evidence add needs --asset and --evidence");
    if (!strcmp(action, "show") && !e.label)
        return cli_usage_error(CASEDB_PROG " evidence", "evidence show needs --evidence");
    if ((rc = cmd_open_db(&ctx, &db, 0)) != 0)
        return rc;
    if (!strcmp(action, "add")) {
        ctx.command_line = command_line;
        if ((rc = cmd_run_begin(&ctx, db)) != 0) {
            casedb_close(db);
            return rc;
        }
    }

    struct json_writer w;
    json_init(&w, &sb, 1);
    if (!strcmp(action, "list")) {
        struct casedb_evidence *list = NULL;
        size_t n = 0;
        int64_t asset_id = 0;
        if (host) {
            struct casedb_asset a;
            if (casedb_asset_get(db, host, &a, &err) < 0)
                goto fail;
            asset_id = a.id;
            casedb_asset_release(&a);
        }
        if (casedb_evidence_list(db, asset_id, &list, &n, &err) < 0)
            goto fail;
        if (ctx.json) {
            json_begin_array(&w);
            for (size_t i = 0; i < n; i++)
                evidence_json(&w, &list[i]);
            json_end_array(&w);
        } else {
            strbuf_addf(&sb, "%-24s %-10s %16s  %s\n", "ASSET", "LABEL", "SIZE", "MODEL");
            for (size_t i = 0; i < n; i++) {
                struct strbuf h = STRBUF_INIT, l = STRBUF_INIT, m = STRBUF_INIT;
                strbuf_add_safe(&h, list[i].hostname, strlen(list[i].hostname));
                strbuf_add_safe(&l, list[i].label, strlen(list[i].label));
                if (list[i].model)
                    strbuf_add_safe(&m, list[i].model, strlen(list[i].model));
                if (list[i].size >= 0)
                    strbuf_addf(&sb, "%-24s %-10s %16lld  %s\n", h.buf, l.buf,
                                (long long)list[i].size, m.buf);
                else
                    strbuf_addf(&sb, "%-24s %-10s %16s  %s\n", h.buf, l.buf, "-", m.buf);
                strbuf_release(&h);
                strbuf_release(&l);
                strbuf_release(&m);
            }
        }
        casedb_evidence_list_free(list, n);
    } else {
        struct casedb_evidence got;
        if (!strcmp(action, "add")) {
            struct casedb_asset a;
            if (casedb_asset_get(db, host, &a, &err) < 0)
                goto fail;
            e.asset_id = a.id;
            e.added_by = "custody-casedb";
            casedb_asset_release(&a);
            if (casedb_evidence_add(db, &e, NULL, &err) < 0)
                goto fail;
        }
        if (casedb_evidence_resolve(db, host, e.label, &got, &err) < 0)
            goto fail;
        if (ctx.json)
            evidence_json(&w, &got);
        else if (!strcmp(action, "show"))
            evidence_text(&sb, &got);
        else if (!ctx.quiet) {
            strbuf_addstr(&sb, "added evidence ");
            strbuf_add_safe(&sb, got.hostname, strlen(got.hostname));
            strbuf_addch(&sb, '/');
            strbuf_add_safe(&sb, got.label, strlen(got.label));
            strbuf_addch(&sb, '\n');
        }
        casedb_evidence_release(&got);
    }
    if (ctx.json)
        cmd_print_json(&sb);
    else
        fputs(sb.len ? sb.buf : "", stdout);
    strbuf_release(&sb);
    rc = cmd_run_end(&ctx, db, EXIT_CHECKED_OUT);
    casedb_close(db);
    return rc;
fail:
    strbuf_release(&sb);
    rc = cmd_run_end(&ctx, db, cmd_fail(&ctx, &err));
    casedb_close(db);
    return rc;
}
