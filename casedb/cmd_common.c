/* What the custody-casedb subcommands share: opening the database, reporting errors. */
#include "cmd.h"

#include "cli.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_fail(struct cmd_ctx *ctx, const struct custody_err *err)
{
    return cli_fail(CASEDB_PROG, ctx && ctx->json, err);
}

void
cmd_print_json(struct strbuf *sb)
{
    cli_print_json(sb);
}

int
cmd_open_db(struct cmd_ctx *ctx, struct casedb **db, int flags)
{
    struct custody_err err = {0};

    if (casedb_open_named(db, &ctx->case_db, flags, &err) < 0)
        return cmd_fail(ctx, &err);
    return 0;
}

int
cmd_load_key(struct cmd_ctx *ctx, struct sign_seckey **key, const char *path,
             const char *passphrase_file)
{
    struct custody_err err = {0};
    struct sign_pass_src src = {0};

    src.file = passphrase_file;
    if (sign_seckey_read(key, path, &src, &err) < 0)
        return cmd_fail(ctx, &err);
    return 0;
}

int
cmd_run_begin(struct cmd_ctx *ctx, struct casedb *db)
{
    struct custody_err err = {0};

    if (!ctx->command_line)
        return 0;
    if (casedb_run_begin_line(db, CASEDB_PROG, ctx->command_line, &ctx->run_id, &err) < 0)
        return cmd_fail(ctx, &err);
    return 0;
}

int
cmd_run_end(struct cmd_ctx *ctx, struct casedb *db, int status)
{
    struct custody_err err = {0};

    if (!ctx->run_id)
        return status;
    if (casedb_run_end(db, ctx->run_id, status, &err) < 0) {
        custody_err_prefix(&err, "cannot record the end of this run");
        return cmd_fail(ctx, &err);
    }
    ctx->run_id = 0;
    return status;
}

int
cmd_take_action(int *argc, char ***argv, const char *usage, const char *prog, const char *expected,
                const char **action)
{
    char **v = *argv;

    *action = NULL;
    if (*argc >= 2 && (!strcmp(v[1], "--help") || !strcmp(v[1], "-h"))) {
        fputs(usage, stdout);
        return EXIT_CHECKED_OUT;
    }
    if (*argc < 2)
        return cli_usage_error(prog, "expected %s", expected);
    *action = v[1];
    (*argc)--;
    (*argv)++;
    return -1;
}
