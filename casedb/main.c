/* custody-casedb: the case database and its records. */
#include "cli.h"
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: custody-casedb COMMAND [options]\n"
    "\n"
    "The case database of custody: cases, servers (assets) and their disks\n"
    "(evidence), examiners and keys, the signed custody log.\n"
    "\n"
    "Commands:\n"
    "  init CASE.db --case-number N --title T [--organisation O] | --join CASE.db\n"
    "                         create a case database\n"
    "  asset add|list|show    servers of the case\n"
    "  evidence add|list|show disks and volumes of a server\n"
    "  examiner add|list|revoke  examiners and their public keys\n"
    "  keygen --out NAME      make an examiner key pair (NAME.key, NAME.pub)\n"
    "  custody add|log|check  the signed custody log\n"
    "  transfer               a hand-over, signed by giver and receiver\n"
    "  checkpoint             a signed statement of the custody log's head\n"
    "  status                 one-screen summary of the case\n"
    "  export --format case|dfxml --out FILE\n"
    "                         CASE/UCO JSON-LD of the case, DFXML of an acquisition\n"
    "  report --html FILE     self-contained printable case report\n"
    "  merge OTHER.db --key K bring a station's database into the case\n"
    "\n"
    "Every command but init and keygen names the database with --case-db CASE.db (default:\n"
    "$CUSTODY_CASE_DB) and takes --json (one JSON document on stdout) and --quiet.\n"
    "'custody-casedb COMMAND --help' describes a command.\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version and the linked library versions\n"
    "\n"
    "Exit status: 0 all checked out, 1 evidence did not check out or is incomplete,\n"
    "2 could not do the job.\n";

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **, const char *);
    } cmds[] = {
        {"init", cmd_init},         {"asset", cmd_asset},       {"evidence", cmd_evidence},
        {"examiner", cmd_examiner}, {"status", cmd_status},     {"keygen", cmd_keygen},
        {"custody", cmd_custody},   {"transfer", cmd_transfer}, {"checkpoint", cmd_checkpoint},
        {"export", cmd_export},     {"report", cmd_report},     {"merge", cmd_merge},
    };

    if (argc < 2)
        return cli_usage_error(CASEDB_PROG, "no command given");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage, stdout);
        return EXIT_CHECKED_OUT;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        struct strbuf sb = STRBUF_INIT;
        cli_versions(&sb, CASEDB_PROG, casedb_sqlite_version());
        fputs(sb.buf, stdout);
        strbuf_release(&sb);
        return EXIT_CHECKED_OUT;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name))
            continue;
        /* Captured before the command's getopt_long reorders argv. */
        struct strbuf line = STRBUF_INIT;
        cli_argv_string(&line, argc, argv);
        int status = cmds[i].fn(argc - 1, argv + 1, line.buf);
        strbuf_release(&line);
        return status;
    }
    return cli_usage_error(CASEDB_PROG, "unknown command '%s'", argv[1]);
}
