/* custody-timeline plot: an activity histogram of the filtered events as a
 * standalone SVG or an HTML page (plot + the busiest buckets' events). */
#include "cmd.h"
#include "cmd_filter.h"

#include "cli.h"
#include "io.h"
#include "json.h"
#include "plot.h"

#include <stdio.h>
#include <string.h>

#define PROG TIMELINE_PROG " plot"

static const char plot_usage[] =
    "Usage: custody-timeline plot --case-db CASE.db [filters] --bucket minute|hour|day\n"
    "                             [--by asset|source|action] (--svg FILE | --html FILE)\n"
    "\n"
    "Events per time bucket (UTC), stacked by asset, source or action, with a legend.\n"
    "The SVG stands alone; the HTML page adds the events of the busiest buckets.\n"
    "Neither loads anything from the network.\n"
    "\n" FILTER_USAGE "\n"
    "  --bucket minute|hour|day  width of a bar\n"
    "  --by asset|source|action  one stacked series per value (default: one series)\n"
    "  --svg FILE             write an SVG image (created; never overwritten)\n"
    "  --html FILE            write an HTML page (created; never overwritten)\n"
    "  --title TEXT           title of the plot\n"
    "  --top N                HTML: list the N busiest buckets (default 5)\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -j, --json             one JSON document on stdout (file, events)\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 the plot was written (also when no event matched), 2 it could not.\n";

enum { OPT_BUCKET = 2000, OPT_BY, OPT_SVG, OPT_HTML, OPT_TITLE, OPT_TOP };

int
cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        FILTER_LONG_OPTIONS,
        {"bucket", required_argument, NULL, OPT_BUCKET},
        {"by", required_argument, NULL, OPT_BY},
        {"svg", required_argument, NULL, OPT_SVG},
        {"html", required_argument, NULL, OPT_HTML},
        {"title", required_argument, NULL, OPT_TITLE},
        {"top", required_argument, NULL, OPT_TOP},
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
    struct plot_opts o;
    struct strbuf out = STRBUF_INIT;
    const char *bucket = NULL, *by = NULL, *svg = NULL, *html = NULL, *file;
    int64_t total = 0;
    uint64_t top;
    int opt, rc, status = EXIT_CHECKED_OUT;

    memset(&f, 0, sizeof(f));
    memset(&o, 0, sizeof(o));
    while ((opt = getopt_long(argc, argv, "d:jqh", opts, NULL)) != -1) {
        if ((rc = cmd_filter_option(PROG, opt, optarg, &f, 0)) == 1)
            continue;
        if (rc)
            return rc;
        switch (opt) {
        case OPT_BUCKET:
            bucket = optarg;
            break;
        case OPT_BY:
            by = optarg;
            break;
        case OPT_SVG:
            svg = optarg;
            break;
        case OPT_HTML:
            html = optarg;
            break;
        case OPT_TITLE:
            o.title = optarg;
            break;
        case OPT_TOP:
            if (cli_parse_u64(optarg, &top) < 0 || top == 0 || top > 100)
                return cli_usage_error(PROG, "--top: '%s' is not a number from 1 to 100", optarg);
            o.busiest = (int)top;
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
            fputs(plot_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (!bucket)
        return cli_usage_error(PROG, "--bucket minute|hour|day is required");
    if (plot_bucket(bucket, &o.bucket_ns) < 0)
        return cli_usage_error(PROG, "--bucket: '%s' is not minute, hour or day", bucket);
    if (plot_group(by, &o.by) < 0)
        return cli_usage_error(PROG, "--by: '%s' is not asset, source or action", by);
    if (!svg == !html)
        return cli_usage_error(PROG, "give one of --svg FILE or --html FILE");
    if (casedb_filter_validate(&f, &err) < 0)
        return cli_usage_error(PROG, "%s", err.msg);
    file = svg ? svg : html;
    if ((rc = cmd_open_reader(&ctx, &db, f.text != NULL)) != 0)
        return rc;
    rc = svg ? plot_svg(db, &f, &o, &out, &total, &err) : plot_html(db, &f, &o, &out, &total, &err);
    if (rc == 0)
        rc = io_write_file_atomic(file, out.buf, out.len, 0644, 0, &err);
    if (rc < 0) {
        status = cmd_fail(&ctx, &err);
        goto done;
    }
    strbuf_reset(&out);
    if (ctx.json) {
        struct json_writer j;
        json_init(&j, &out, 0);
        json_begin_object(&j);
        json_kv_bool(&j, "ok", 1);
        json_kv_str(&j, "file", file);
        json_kv_int(&j, "events", total);
        json_end_object(&j);
        cmd_print_json(&out);
    } else if (!ctx.quiet) {
        strbuf_addf(&out, "%s: %lld events plotted into '", PROG, (long long)total);
        strbuf_add_safe(&out, file, strlen(file));
        strbuf_addstr(&out, "'\n");
        fputs(out.buf, stderr);
    }
done:
    strbuf_release(&out);
    casedb_close(db);
    return status;
}
