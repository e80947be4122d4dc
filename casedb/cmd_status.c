/* custody-casedb status: a one-screen summary of the case. */
#include "cmd.h"

#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char status_usage[] =
    "Usage: custody-casedb status [--case-db CASE.db] [--json]\n"
    "\n"
    "Summarise the case: assets by status, acquisitions by outcome, timeline\n"
    "events, custody log entries. Acquisitions still marked 'running' were never\n"
    "finished (killed or still under way) and count as incomplete.\n"
    "\n"
    "Exit status: 0 when every acquisition is complete, 1 when any is running,\n"
    "incomplete, failed or interrupted, 2 when the database cannot be read.\n";

int
cmd_status(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_case c;
    struct casedb_status s;
    struct strbuf sb = STRBUF_INIT;
    int opt, rc, status;
    (void)command_line; /* reads the case only: no run is recorded */

    while ((opt = getopt_long(argc, argv, "d:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(status_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " status", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " status", "unexpected argument '%s'", argv[optind]);
    if ((rc = cmd_open_db(&ctx, &db, CASEDB_READONLY)) != 0)
        return rc;
    if (casedb_get_case(db, &c, &err) < 0 || casedb_get_status(db, &s, &err) < 0) {
        casedb_close(db);
        return cmd_fail(&ctx, &err);
    }
    int64_t unfinished = s.acquisitions - s.acq_by_status[1];
    status = unfinished ? EXIT_NOT_OK : EXIT_CHECKED_OUT;
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_str(&w, "case_uuid", c.uuid);
        json_kv_str(&w, "station_uuid", c.station_uuid);
        json_kv_str(&w, "case_number", c.case_number);
        json_kv_str(&w, "title", c.title);
        json_kv_str(&w, "organisation", c.organisation);
        json_key(&w, "assets");
        json_begin_object(&w);
        json_kv_int(&w, "total", s.assets);
        for (int i = 0; i < 5; i++)
            json_kv_int(&w, casedb_asset_statuses[i], s.assets_by_status[i]);
        json_end_object(&w);
        json_kv_int(&w, "evidence", s.evidence);
        json_kv_int(&w, "examiners", s.examiners);
        json_key(&w, "acquisitions");
        json_begin_object(&w);
        json_kv_int(&w, "total", s.acquisitions);
        for (int i = 0; i < 5; i++)
            json_kv_int(&w, casedb_acq_statuses[i], s.acq_by_status[i]);
        json_kv_int(&w, "not_complete", unfinished);
        json_end_object(&w);
        json_kv_int(&w, "files", s.files);
        json_kv_int(&w, "events", s.events);
        json_kv_int(&w, "custody_entries", s.custody_entries);
        json_kv_int(&w, "runs", s.runs);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addstr(&sb, "case ");
        strbuf_add_safe(&sb, c.case_number, strlen(c.case_number));
        strbuf_addstr(&sb, ": ");
        strbuf_add_safe(&sb, c.title, strlen(c.title));
        if (c.organisation) {
            strbuf_addstr(&sb, " (");
            strbuf_add_safe(&sb, c.organisation, strlen(c.organisation));
            strbuf_addch(&sb, ')');
        }
        strbuf_addf(&sb, "\n  uuid           %s\n", c.uuid);
        strbuf_addf(&sb, "  assets         %lld:", (long long)s.assets);
        for (int i = 0; i < 5; i++)
            strbuf_addf(&sb, " %lld %s%s", (long long)s.assets_by_status[i],
                        casedb_asset_statuses[i], i < 4 ? "," : "\n");
        strbuf_addf(&sb, "  evidence       %lld item(s)\n", (long long)s.evidence);
        strbuf_addf(&sb, "  examiners      %lld\n", (long long)s.examiners);
        strbuf_addf(&sb, "  acquisitions   %lld:", (long long)s.acquisitions);
        for (int i = 0; i < 5; i++)
            strbuf_addf(&sb, " %lld %s%s", (long long)s.acq_by_status[i], casedb_acq_statuses[i],
                        i < 4 ? "," : "\n");
        if (unfinished)
            strbuf_addf(&sb, "  INCOMPLETE     %lld acquisition(s) not complete\n",
                        (long long)unfinished);
        strbuf_addf(&sb, "  timeline       %lld events, %lld files\n", (long long)s.events,
                    (long long)s.files);
        strbuf_addf(&sb, "  custody log    %lld entries\n", (long long)s.custody_entries);
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    casedb_case_release(&c);
    casedb_close(db);
    return status;
}
