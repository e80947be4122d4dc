/* custody-casedb init: create a case database. */
#include "cmd.h"

#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char init_usage[] =
    "Usage: custody-casedb init CASE.db --case-number N --title T [--organisation O]\n"
    "       custody-casedb init STATION.db --join CASE.db\n"
    "       custody-casedb init STATION.db --case-uuid UUID --case-number N [--title T]\n"
    "\n"
    "Create a new case database (refuses an existing file). A station imaging servers\n"
    "for a case creates its own database of that case with --join (or --case-uuid\n"
    "and --case-number when the case database is elsewhere); 'custody-casedb merge'\n"
    "later brings it into the case database.\n"
    "\n"
    "  -n, --case-number N    the case number\n"
    "  -t, --title T          the case title\n"
    "  -o, --organisation O   the investigating organisation\n"
    "      --case-uuid UUID   join an existing case (a station database)\n"
    "      --join CASE.db     join the case of CASE.db (its uuid, number, title)\n"
    "      --json             print the new case as JSON\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n";

static int
valid_uuid(const char *s)
{
    if (strlen(s) != CASEDB_UUID_LEN)
        return 0;
    for (int i = 0; i < CASEDB_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!strchr("0123456789abcdef", s[i])) {
            return 0;
        }
    }
    return 1;
}

int
cmd_init(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"case-number", required_argument, NULL, 'n'},
        {"title", required_argument, NULL, 't'},
        {"organisation", required_argument, NULL, 'o'},
        {"organization", required_argument, NULL, 'o'},
        {"case-uuid", required_argument, NULL, 'U'},
        {"join", required_argument, NULL, 'J'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct casedb_case c;
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct casedb_case joined;
    const char *uuid = NULL, *join = NULL;
    int opt, status;

    memset(&c, 0, sizeof(c));
    memset(&joined, 0, sizeof(joined));
    while ((opt = getopt_long(argc, argv, "n:t:o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            c.case_number = optarg;
            break;
        case 't':
            c.title = optarg;
            break;
        case 'o':
            c.organisation = optarg;
            break;
        case 'U':
            uuid = optarg;
            break;
        case 'J':
            join = optarg;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(init_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " init", "invalid option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(CASEDB_PROG " init", "expected exactly one CASE.db path");
    if (join) {
        struct casedb *cdb = NULL;
        if (uuid)
            return cli_usage_error(CASEDB_PROG " init",
                                   "--join and --case-uuid exclude each other");
        ctx.case_db = join;
        if ((status = cmd_open_db(&ctx, &cdb, CASEDB_READONLY)) != 0)
            return status;
        if (casedb_get_case(cdb, &joined, &err) < 0) {
            casedb_close(cdb);
            return cmd_fail(&ctx, &err);
        }
        casedb_close(cdb);
        if ((c.case_number && strcmp(c.case_number, joined.case_number)) ||
            (c.title && strcmp(c.title, joined.title))) {
            casedb_case_release(&joined);
            return cli_usage_error(CASEDB_PROG " init",
                                   "--case-number/--title differ from the joined case's");
        }
        c.case_number = joined.case_number;
        c.title = joined.title;
        if (!c.organisation)
            c.organisation = joined.organisation;
        snprintf(c.uuid, sizeof(c.uuid), "%s", joined.uuid);
    }
    if (uuid && c.case_number && (!c.title || !*c.title))
        c.title = c.case_number; /* a station database: the case database has the title */
    if (!c.case_number || !*c.case_number)
        return cli_usage_error(CASEDB_PROG " init", "--case-number is required");
    if (!c.title || !*c.title)
        return cli_usage_error(CASEDB_PROG " init", "--title is required");
    if (uuid) {
        if (!valid_uuid(uuid))
            return cli_usage_error(CASEDB_PROG " init",
                                   "--case-uuid '%s' is not a lowercase RFC 4122 uuid", uuid);
        snprintf(c.uuid, sizeof(c.uuid), "%s", uuid);
    }
    status = casedb_create(&db, argv[optind], &c, &err);
    casedb_case_release(&joined);
    if (status < 0)
        return cmd_fail(&ctx, &err);
    ctx.command_line = command_line;
    if ((status = cmd_run_begin(&ctx, db)) != 0) {
        casedb_close(db);
        return status;
    }
    struct casedb_case got;
    if (casedb_get_case(db, &got, &err) < 0) {
        status = cmd_run_end(&ctx, db, cmd_fail(&ctx, &err));
        casedb_close(db);
        return status;
    }
    struct strbuf sb = STRBUF_INIT;
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "case_db", argv[optind]);
        json_kv_str(&w, "uuid", got.uuid);
        json_kv_str(&w, "station_uuid", got.station_uuid);
        json_kv_str(&w, "case_number", got.case_number);
        json_kv_str(&w, "title", got.title);
        json_kv_str(&w, "organisation", got.organisation);
        json_end_object(&w);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        strbuf_addstr(&sb, "created case ");
        strbuf_add_safe(&sb, got.case_number, strlen(got.case_number));
        strbuf_addf(&sb, " (%s) in '", got.uuid);
        strbuf_add_safe(&sb, argv[optind], strlen(argv[optind]));
        strbuf_addstr(&sb, "'\n");
        fputs(sb.len ? sb.buf : "", stdout);
    }
    strbuf_release(&sb);
    casedb_case_release(&got);
    status = cmd_run_end(&ctx, db, EXIT_CHECKED_OUT);
    casedb_close(db);
    return status;
}
