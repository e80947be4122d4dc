/* The filter options query, pivot and plot share (--from, --to, --asset, ...). */
#ifndef CUSTODY_CMD_FILTER_H
#define CUSTODY_CMD_FILTER_H

#include <getopt.h>

#include "query.h"

/* getopt_long codes of the filter options (above any short option). */
enum {
    FILTER_OPT_FROM = 1000,
    FILTER_OPT_TO,
    FILTER_OPT_ASSET,
    FILTER_OPT_EVIDENCE,
    FILTER_OPT_SOURCE,
    FILTER_OPT_ACTION,
    FILTER_OPT_PATH,
    FILTER_OPT_USER,
    FILTER_OPT_IP,
    FILTER_OPT_TEXT,
    FILTER_OPT_IOC_ONLY,
    FILTER_OPT_DELETED_ONLY,
    FILTER_OPT_LIMIT,
    FILTER_OPT_ORDER,
};

#define FILTER_LONG_OPTIONS                                                                        \
    {"from", required_argument, NULL, FILTER_OPT_FROM},                                            \
        {"to", required_argument, NULL, FILTER_OPT_TO},                                            \
        {"asset", required_argument, NULL, FILTER_OPT_ASSET},                                      \
        {"evidence", required_argument, NULL, FILTER_OPT_EVIDENCE},                                \
        {"source", required_argument, NULL, FILTER_OPT_SOURCE},                                    \
        {"action", required_argument, NULL, FILTER_OPT_ACTION},                                    \
        {"path", required_argument, NULL, FILTER_OPT_PATH},                                        \
        {"user", required_argument, NULL, FILTER_OPT_USER},                                        \
        {"ip", required_argument, NULL, FILTER_OPT_IP},                                            \
        {"text", required_argument, NULL, FILTER_OPT_TEXT},                                        \
        {"ioc-only", no_argument, NULL, FILTER_OPT_IOC_ONLY},                                      \
        {"deleted-only", no_argument, NULL, FILTER_OPT_DELETED_ONLY},                              \
        {"limit", required_argument, NULL, FILTER_OPT_LIMIT},                                      \
    {                                                                                              \
        "order", required_argument, NULL, FILTER_OPT_ORDER                                         \
    }

#define FILTER_USAGE                                                                               \
    "Filters (combine with AND; repeat --asset, --evidence, --source, --action for OR):\n"         \
    "  --from T               events at or after T (inclusive)\n"                                  \
    "  --to T                 events before T (exclusive)\n"                                       \
    "                         T: ISO 8601 with or without zone (no zone: UTC), a date\n"           \
    "                         (midnight UTC) or epoch seconds\n"                                   \
    "  --asset HOST           events of that server\n"                                             \
    "  --evidence [HOST/]LABEL\n"                                                                  \
    "                         events of that disk\n"                                               \
    "  --source SRC           fs, syslog, auth, wtmp, web, dpkg, ...\n"                            \
    "  --action ACTION        m, a, c, b (file times), ssh-login-success, sudo-command, ...\n"     \
    "  --path GLOB            whole path matches the glob (* ? [set]; \\ escapes)\n"               \
    "  --user U               user name of log events\n"                                           \
    "  --ip ADDR|CIDR         IPv4 or IPv6 address or network (203.0.113.0/24, 2001:db8::/32)\n"   \
    "  --text QUERY           full-text search of messages and paths (SQLite FTS5 syntax:\n"       \
    "                         words, \"phrases\", AND OR NOT, prefix*, NEAR(a b, 3), path:x)\n"    \
    "  --ioc-only             events of files that matched an IOC hash\n"                          \
    "  --deleted-only         events of deleted files\n"

/* Handle one filter option; returns 1 when opt was one, 0 when not, or an exit
 * status (2) after printing a usage error. --limit and --order are accepted only
 * when allow_limit. */
int cmd_filter_option(const char *prog, int opt, const char *arg, struct casedb_filter *f,
                      int allow_limit);

#endif
