/* What the custody-timeline subcommands share: opening the database, errors,
 * naming evidence. */
#include "cmd.h"

#include "cli.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_fail(struct cmd_ctx *ctx, const struct custody_err *err)
{
    return cli_fail(TIMELINE_PROG, ctx && ctx->json, err);
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
cmd_open_reader(struct cmd_ctx *ctx, struct casedb **db, int text_index)
{
    struct custody_err err = {0}, err2 = {0};
    const int ro = CASEDB_READONLY | CASEDB_ONE_THREAD;
    int rc;

    rc = casedb_open_named(db, &ctx->case_db, text_index ? CASEDB_ONE_THREAD : ro, &err);
    if (rc == CUSTODY_ERR_USAGE)
        return cmd_fail(ctx, &err); /* no database named: nothing to retry */
    if (rc < 0 && text_index)
        rc = casedb_open_named(db, &ctx->case_db, ro, &err2);
    else if (rc == CUSTODY_ERR_VERSION) /* older schema: migrate, if the file is writable */
        rc = casedb_open_named(db, &ctx->case_db, CASEDB_ONE_THREAD, &err2);
    if (rc < 0)
        return cmd_fail(ctx, &err); /* the first attempt's reason */
    return 0;
}

int
cmd_split_evidence(const char *prog, const char *arg, const char **host, char **label_out)
{
    const char *slash = strchr(arg, '/');
    char *h;

    *label_out = NULL;
    if (!slash) {
        if (!(*label_out = strdup(arg)))
            abort();
        return 0;
    }
    if (slash == arg || !slash[1] || strchr(slash + 1, '/'))
        return cli_usage_error(prog, "invalid evidence '%s': expected HOST/LABEL or LABEL", arg);
    if (*host && strncmp(*host, arg, (size_t)(slash - arg)) != 0)
        return cli_usage_error(prog, "--asset and --evidence name different assets");
    if (!(h = strndup(arg, (size_t)(slash - arg))) || !(*label_out = strdup(slash + 1)))
        abort();
    /* The host string lives as long as the process: it is part of the options. */
    *host = h;
    return 0;
}

int
cmd_resolve_evidence(struct cmd_ctx *ctx, struct casedb *db, const char *host, const char *label,
                     int64_t *id)
{
    struct casedb_evidence e;
    struct custody_err err = {0};

    if (casedb_evidence_resolve(db, host, label, &e, &err) < 0)
        return cmd_fail(ctx, &err);
    *id = e.id;
    casedb_evidence_release(&e);
    return 0;
}
