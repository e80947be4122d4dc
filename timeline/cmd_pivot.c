/* custody-timeline pivot: where did this IP, user, file hash or path show up -
 * per asset the first and last time and how many events. */
#include "cmd.h"
#include "cmd_filter.h"

#include "cli.h"
#include "format.h"
#include "json.h"
#include "query_out.h"

#include <stdio.h>
#include <string.h>

#define PROG TIMELINE_PROG " pivot"

static const char pivot_usage[] =
    "Usage: custody-timeline pivot --case-db CASE.db (--ip ADDR|CIDR | --user U |\n"
    "                              --hash MD5|SHA256 | --path GLOB) [filters]\n"
    "\n"
    "For each asset where the value appears: first seen, last seen, number of\n"
    "events; earliest first. --hash looks at the times of files with that content.\n"
    "\n" FILTER_USAGE "  --hash H               MD5 or SHA-256 (hex) of file content\n"
    "\n"
    "  --tz ZONE              show times in ZONE (IANA name); stored times stay UTC\n"
    "  --explain              print the SQL statement and its query plan\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -j, --json             one JSON document on stdout\n"
    "  -q, --quiet            no header line\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 the pivot ran (also when the value appears nowhere), 2 it could not.\n";

enum { OPT_HASH = 2000, OPT_TZ, OPT_EXPLAIN };

struct pivot_print {
    struct strbuf out;
    struct json_writer j;
    struct fmt_writer w; /* time formatting in the display zone */
    int json, quiet, rows;
};

static int
print_pivot_row(void *ctx, const struct casedb_pivot_row *r)
{
    struct pivot_print *p = ctx;
    struct strbuf t = STRBUF_INIT;

    if (p->json) {
        json_begin_object(&p->j);
        json_kv_str(&p->j, "asset", r->asset);
        fmt_time_iso(&p->w, &t, r->first_seen, 9, 'T');
        json_kv_str(&p->j, "first_seen", t.buf);
        strbuf_reset(&t);
        fmt_time_iso(&p->w, &t, r->last_seen, 9, 'T');
        json_kv_str(&p->j, "last_seen", t.buf);
        json_kv_int(&p->j, "count", r->count);
        json_end_object(&p->j);
    } else {
        if (!p->rows && !p->quiet)
            strbuf_addf(&p->out, "%-24s  %-20s  %-20s  %s\n", "ASSET", "FIRST SEEN", "LAST SEEN",
                        "EVENTS");
        size_t at = p->out.len;
        strbuf_add_safe(&p->out, r->asset, strlen(r->asset));
        while (p->out.len < at + 24)
            strbuf_addch(&p->out, ' ');
        strbuf_addstr(&p->out, "  ");
        fmt_time_iso(&p->w, &p->out, r->first_seen, 0, ' ');
        strbuf_addstr(&p->out, "  ");
        fmt_time_iso(&p->w, &p->out, r->last_seen, 0, ' ');
        strbuf_addf(&p->out, "  %lld\n", (long long)r->count);
    }
    p->rows++;
    strbuf_release(&t);
    return 0;
}

int
cmd_pivot(int argc, char **argv)
{
    static const struct option opts[] = {
        FILTER_LONG_OPTIONS,
        {"hash", required_argument, NULL, OPT_HASH},
        {"tz", required_argument, NULL, OPT_TZ},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"case-db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct casedb_filter f;
    struct casedb *db = NULL;
    struct fmt_display d = {NULL, 0, 0};
    struct pivot_print p;
    const char *hash = NULL, *value = NULL;
    enum casedb_pivot_kind kind = CASEDB_PIVOT_IP;
    int explain = 0, opt, rc, kinds = 0, status = EXIT_CHECKED_OUT;

    memset(&f, 0, sizeof(f));
    while ((opt = getopt_long(argc, argv, "d:jqh", opts, NULL)) != -1) {
        if ((rc = cmd_filter_option(PROG, opt, optarg, &f, 0)) == 1)
            continue;
        if (rc)
            return rc;
        switch (opt) {
        case OPT_HASH:
            hash = optarg;
            break;
        case OPT_TZ:
            d.tz = optarg;
            break;
        case OPT_EXPLAIN:
            explain = 1;
            break;
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
            fputs(pivot_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    /* The pivot value is one of --ip, --user, --hash, --path; the rest filter. */
    if (f.ip) {
        kind = CASEDB_PIVOT_IP;
        value = f.ip;
        f.ip = NULL;
        kinds++;
    }
    if (f.user) {
        kind = CASEDB_PIVOT_USER;
        value = f.user;
        f.user = NULL;
        kinds++;
    }
    if (hash) {
        kind = CASEDB_PIVOT_HASH;
        value = hash;
        kinds++;
    }
    if (f.path_glob) {
        kind = CASEDB_PIVOT_PATH;
        value = f.path_glob;
        f.path_glob = NULL;
        kinds++;
    }
    if (kinds != 1)
        return cli_usage_error(PROG, "give exactly one of --ip, --user, --hash, --path");
    if (query_out_zone(d.tz, &err) < 0 || casedb_filter_validate(&f, &err) < 0)
        return cli_usage_error(PROG, "%s", err.msg);
    if ((rc = cmd_open_reader(&ctx, &db, f.text != NULL)) != 0)
        return rc;
    memset(&p, 0, sizeof(p));
    strbuf_init(&p.out);
    fmt_writer_init(&p.w, &fmt_csv, -1, &d);
    p.json = ctx.json;
    p.quiet = ctx.quiet;
    if (explain) {
        if ((rc = casedb_pivot_explain(db, kind, value, &p.out, &err)) == 0)
            fputs(p.out.buf, stdout);
        else
            status = cmd_fail(&ctx, &err);
        goto done;
    }
    if (p.json) {
        static const char *const names[] = {"ip", "user", "hash", "path"};
        json_init(&p.j, &p.out, 0);
        json_begin_object(&p.j);
        json_kv_bool(&p.j, "ok", 1);
        json_kv_str(&p.j, "pivot", names[kind]);
        json_kv_str(&p.j, "value", value);
        json_key(&p.j, "assets");
        json_begin_array(&p.j);
    }
    rc = casedb_pivot(db, kind, value, &f, print_pivot_row, &p, &err);
    if (rc < 0) {
        status = cmd_fail(&ctx, &err);
        goto done;
    }
    if (p.json) {
        json_end_array(&p.j);
        json_end_object(&p.j);
        cmd_print_json(&p.out);
    } else {
        if (!p.rows && !ctx.quiet)
            strbuf_addstr(&p.out, "not seen on any asset\n");
        fputs(p.out.buf, stdout);
    }
done:
    fmt_writer_release(&p.w);
    strbuf_release(&p.out);
    casedb_close(db);
    return status;
}
