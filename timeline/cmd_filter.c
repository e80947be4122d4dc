/* The filter options query, pivot and plot share. */
#include "cmd_filter.h"

#include "cli.h"
#include "query_out.h"

#include <string.h>

static int
add_value(const char *prog, const char *opt, const char **list, size_t *n, const char *arg)
{
    if (*n >= QUERY_MAX_VALUES) {
        cli_usage_error(prog, "at most %d --%s options", QUERY_MAX_VALUES, opt);
        return EXIT_FAILED;
    }
    list[(*n)++] = arg;
    return 1;
}

int
cmd_filter_option(const char *prog, int opt, const char *arg, struct casedb_filter *f,
                  int allow_limit)
{
    struct custody_err err = {0};
    uint64_t n;

    switch (opt) {
    case FILTER_OPT_FROM:
    case FILTER_OPT_TO: {
        int64_t ns;
        if (query_out_parse_time(arg, &ns, &err) < 0) {
            cli_usage_error(prog, "%s: %s", opt == FILTER_OPT_FROM ? "--from" : "--to", err.msg);
            return EXIT_FAILED;
        }
        if (opt == FILTER_OPT_FROM) {
            f->has_from = 1;
            f->from = ns;
        } else {
            f->has_to = 1;
            f->to = ns;
        }
        return 1;
    }
    case FILTER_OPT_ASSET:
        return add_value(prog, "asset", f->assets, &f->n_assets, arg);
    case FILTER_OPT_EVIDENCE:
        return add_value(prog, "evidence", f->evidence, &f->n_evidence, arg);
    case FILTER_OPT_SOURCE:
        return add_value(prog, "source", f->sources, &f->n_sources, arg);
    case FILTER_OPT_ACTION:
        return add_value(prog, "action", f->actions, &f->n_actions, arg);
    case FILTER_OPT_PATH:
        f->path_glob = arg;
        return 1;
    case FILTER_OPT_USER:
        f->user = arg;
        return 1;
    case FILTER_OPT_IP:
        f->ip = arg;
        return 1;
    case FILTER_OPT_TEXT:
        f->text = arg;
        return 1;
    case FILTER_OPT_IOC_ONLY:
        f->ioc_only = 1;
        return 1;
    case FILTER_OPT_DELETED_ONLY:
        f->deleted_only = 1;
        return 1;
    case FILTER_OPT_LIMIT:
        if (!allow_limit) {
            cli_usage_error(prog, "--limit does not apply here");
            return EXIT_FAILED;
        }
        if (cli_parse_u64(arg, &n) < 0 || n == 0 || n > INT64_MAX) {
            cli_usage_error(prog, "--limit: '%s' is not a positive number", arg);
            return EXIT_FAILED;
        }
        f->limit = (int64_t)n;
        return 1;
    case FILTER_OPT_ORDER:
        if (!allow_limit) {
            cli_usage_error(prog, "--order does not apply here");
            return EXIT_FAILED;
        }
        f->descending = f->unordered = 0;
        if (!strcmp(arg, "-time")) {
            f->descending = 1;
        } else if (!strcmp(arg, "none")) {
            f->unordered = 1;
        } else if (strcmp(arg, "time") != 0) {
            cli_usage_error(prog, "--order: '%s' is not time, -time or none", arg);
            return EXIT_FAILED;
        }
        return 1;
    default:
        return 0;
    }
}
