/* custody-timeline query: filter the case's events and print them in one of the
 * output formats. */
#include "cmd.h"
#include "cmd_filter.h"

#include "cli.h"
#include "format.h"
#include "io.h"
#include "query_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PROG TIMELINE_PROG " query"

static const char query_usage[] =
    "Usage: custody-timeline query --case-db CASE.db [filters] [--format FORMAT]\n"
    "                              [--output FILE] [--tz ZONE] [--limit N]\n"
    "                              [--order time|-time|none]\n"
    "\n"
    "Events of every server in the case that pass the filters, in time order.\n"
    "\n" FILTER_USAGE "  --limit N              at most N events\n"
    "  --order time|-time|none  oldest first (default), newest first, or storage\n"
    "                         order (fastest; for bulk exports a reader sorts anyway)\n"
    "\n"
    "Output:\n"
    "  -f, --format FORMAT    table (default on a terminal), jsonl (default otherwise),\n"
    "                         csv, json, body, mactime, l2tcsv, timesketch\n"
    "  -o, --output FILE      write to FILE (created; never overwritten)\n"
    "  --tz ZONE              show times in ZONE (IANA name); stored times stay UTC.\n"
    "                         body, mactime and timesketch are always UTC\n"
    "  --count                print only the number of matching events\n"
    "  --explain              print the SQL statement and its query plan, run nothing\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -j, --json             same as --format json\n"
    "  -q, --quiet            no summary on stderr\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 the query ran (also when nothing matched), 2 it could not.\n";

enum { OPT_TZ = 2000, OPT_COUNT, OPT_EXPLAIN };

static int
terminal_width(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

int
cmd_query(int argc, char **argv)
{
    static const struct option opts[] = {
        FILTER_LONG_OPTIONS,
        {"case-db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"tz", required_argument, NULL, OPT_TZ},
        {"count", no_argument, NULL, OPT_COUNT},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
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
    const struct fmt_ops *fmt;
    const char *format = NULL, *output = NULL;
    int count_only = 0, explain = 0, opt, rc, fd = STDOUT_FILENO;
    int status = EXIT_CHECKED_OUT;
    int64_t rows = 0;

    memset(&f, 0, sizeof(f));
    while ((opt = getopt_long(argc, argv, "d:f:o:jqh", opts, NULL)) != -1) {
        if ((rc = cmd_filter_option(PROG, opt, optarg, &f, 1)) == 1)
            continue;
        if (rc)
            return rc;
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_TZ:
            d.tz = optarg;
            break;
        case OPT_COUNT:
            count_only = 1;
            break;
        case OPT_EXPLAIN:
            explain = 1;
            break;
        case 'j':
            format = format ? format : "json";
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(query_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (!format)
        format = isatty(STDOUT_FILENO) ? "table" : "jsonl";
    if (!(fmt = fmt_find(format))) {
        struct strbuf names = STRBUF_INIT;
        fmt_names(&names);
        cli_usage_error(PROG, "unknown format '%s' (known: %s)", format, names.buf);
        strbuf_release(&names);
        return EXIT_FAILED;
    }
    if (query_out_zone(d.tz, &err) < 0 || casedb_filter_validate(&f, &err) < 0)
        return cli_usage_error(PROG, "%s", err.msg);
    if (fmt == &fmt_table && !output)
        d.width = terminal_width();
    if ((rc = cmd_open_reader(&ctx, &db, f.text != NULL)) != 0)
        return rc;
    if (explain || count_only) {
        struct strbuf sb = STRBUF_INIT;
        if (explain)
            rc = casedb_query_explain(db, &f, &sb, &err);
        else if ((rc = casedb_query_count(db, &f, &rows, &err)) == 0)
            strbuf_addf(&sb, "%lld\n", (long long)rows);
        if (rc == 0)
            fputs(sb.buf, stdout);
        strbuf_release(&sb);
        status = rc < 0 ? cmd_fail(&ctx, &err) : EXIT_CHECKED_OUT;
        goto done;
    }
    if (output && (fd = io_create_exclusive(output, 0644, &err)) < 0) {
        status = cmd_fail(&ctx, &err);
        goto done;
    }
    rc = query_out_write(db, &f, fmt, &d, fd, &rows, &err);
    if (rc == 0 && output && fsync(fd) != 0)
        rc = custody_err_errno(&err, CUSTODY_ERR_IO, errno, "cannot sync '%s'", output);
    if (rc < 0) {
        if (output)
            custody_err_prefix(&err, "'%s' is partial (%lld events written)", output,
                               (long long)rows);
        status = cmd_fail(&ctx, &err);
    } else if (!ctx.quiet && output) {
        fprintf(stderr, "%s: %lld events written to '%s'\n", PROG, (long long)rows, output);
    }
done:
    if (fd != STDOUT_FILENO && close(fd) != 0 && status == EXIT_CHECKED_OUT) {
        custody_err_errno(&err, CUSTODY_ERR_IO, errno, "cannot close '%s'", output);
        status = cmd_fail(&ctx, &err);
    }
    casedb_close(db);
    return status;
}
