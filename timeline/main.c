/* custody-timeline: the file-system timeline of a case's disk images. */
#include "cli.h"
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: custody-timeline COMMAND [options]\n"
    "\n"
    "Every file-system event (M/A/C/B times, with nanoseconds) of every partition\n"
    "of a disk image, into the case database; and out again as a body file,\n"
    "mactime CSV or JSON lines.\n"
    "\n"
    "Commands:\n"
    "  build --case-db CASE.db --evidence [HOST/]LABEL IMAGE...\n"
    "                         walk every file system of IMAGE (E01 set, raw,\n"
    "                         split raw) into the case database\n"
    "  export --case-db CASE.db [--evidence [HOST/]LABEL] --format body|mactime|jsonl\n"
    "                         write the timeline to stdout or --output FILE\n"
    "  query|pivot|plot --case-db CASE.db [filters]  search, pivot and plot the timeline\n"
    "  ingest --case-db CASE.db --evidence [HOST/]LABEL FILE...\n"
    "                         parse server logs (syslog, auth, wtmp, web, dpkg, ...)\n"
    "\n"
    "'custody-timeline COMMAND --help' describes a command.\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version and the linked library versions\n"
    "\n"
    "Exit status: 0 all checked out, 1 finished but something was skipped or is\n"
    "incomplete, 2 could not do the job.\n";

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"build", cmd_build}, {"export", cmd_export}, {"query", cmd_query},
        {"pivot", cmd_pivot}, {"plot", cmd_plot},     {"ingest", cmd_ingest},
    };

    if (argc < 2)
        return cli_usage_error(TIMELINE_PROG, "no command given");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage, stdout);
        return EXIT_CHECKED_OUT;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        struct strbuf sb = STRBUF_INIT;
        cli_versions(&sb, TIMELINE_PROG, casedb_sqlite_version());
        fputs(sb.buf, stdout);
        strbuf_release(&sb);
        return EXIT_CHECKED_OUT;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    return cli_usage_error(TIMELINE_PROG, "unknown command '%s'", argv[1]);
}
