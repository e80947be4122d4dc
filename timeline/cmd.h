/* custody-timeline subcommands: each parses its own options and returns an exit
 * status. One file per subcommand (cmd_build.c, cmd_export.c, ...); main.c
 * dispatches. */
#ifndef CUSTODY_TIMELINE_CMD_H
#define CUSTODY_TIMELINE_CMD_H

#include "casedb.h"
#include "strbuf.h"
#include "timeline.h"

struct cmd_ctx {
    int json;            /* --json: one JSON document on stdout */
    int quiet;           /* --quiet */
    const char *case_db; /* --case-db or $CUSTODY_CASE_DB */
};

/* Open ctx->case_db (error printed, exit status returned when it fails). */
int cmd_open_db(struct cmd_ctx *ctx, struct casedb **db, int flags);
/* Open ctx->case_db for a command that only reads (query, pivot, plot, export):
 * read-only, one thread, so it also works on read-only media (immutable there).
 * text_index: the command may have to bring the full-text index up to date, so a
 * writable open is tried first and read-only is the fallback (a stale index is
 * then reported by the query). A database that needs a schema migration is opened
 * read-write to migrate it when that is possible. */
int cmd_open_reader(struct cmd_ctx *ctx, struct casedb **db, int text_index);
/* Report err on stderr (and as JSON on stdout with --json); returns the exit status. */
int cmd_fail(struct cmd_ctx *ctx, const struct custody_err *err);
/* Print a finished JSON document (and newline) to stdout. */
void cmd_print_json(struct strbuf *sb);
/* --evidence HOST/LABEL or LABEL (with --asset HOST): split into *host and *label
 * (host may stay NULL). Returns 0, or an exit status after printing a usage error. */
int cmd_split_evidence(const char *prog, const char *arg, const char **host, char **label_out);
/* Resolve an existing evidence item to its id (error printed on failure). */
int cmd_resolve_evidence(struct cmd_ctx *ctx, struct casedb *db, const char *host,
                         const char *label, int64_t *id);

int cmd_build(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_query(int argc, char **argv); /* query, pivot, plot: cmd_query.c, cmd_pivot.c, cmd_plot.c */
int cmd_pivot(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_ingest(int argc, char **argv);

#endif
