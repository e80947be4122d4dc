/* custody-casedb subcommands: each parses its own options and returns an exit status. */
#ifndef CUSTODY_CASEDB_CMD_H
#define CUSTODY_CASEDB_CMD_H

#include "casedb.h"
#include "sign.h"
#include "strbuf.h"

#define CASEDB_PROG "custody-casedb"

struct cmd_ctx {
    int json;                 /* --json: one JSON document on stdout */
    int quiet;                /* --quiet */
    const char *case_db;      /* --case-db or $CUSTODY_CASE_DB */
    const char *command_line; /* exact command line, for the runs table (write commands) */
    int64_t run_id;           /* set by cmd_run_begin */
};

/* Open ctx->case_db (error printed, exit status returned when it fails). */
int cmd_open_db(struct cmd_ctx *ctx, struct casedb **db, int flags);
/* Record this command in the runs table with ctx->command_line (commands that
 * change the case). On failure the error is printed and the exit status returned. */
int cmd_run_begin(struct cmd_ctx *ctx, struct casedb *db);
/* Record the end of the run with status (no-op without cmd_run_begin); returns
 * status, or 2 when the record cannot be written. */
int cmd_run_end(struct cmd_ctx *ctx, struct casedb *db, int status);
/* The ACTION of "COMMAND ACTION [options]": shifts it off argc/argv into *action and
 * returns -1; for --help (usage printed) or a missing action (usage error) returns
 * the exit status, with *action NULL. */
int cmd_take_action(int *argc, char ***argv, const char *usage, const char *prog,
                    const char *expected, const char **action);
/* Report err on stderr (and as JSON on stdout with --json); returns the exit status. */
int cmd_fail(struct cmd_ctx *ctx, const struct custody_err *err);
/* Load a secret key (passphrase from passphrase_file, $CUSTODY_PASSPHRASE or the
 * terminal); on failure the error is printed and the exit status returned. */
int cmd_load_key(struct cmd_ctx *ctx, struct sign_seckey **key, const char *path,
                 const char *passphrase_file);
/* Print a finished JSON document (and newline) to stdout. */
void cmd_print_json(struct strbuf *sb);

int cmd_init(int argc, char **argv, const char *command_line);
int cmd_asset(int argc, char **argv, const char *command_line);
int cmd_evidence(int argc, char **argv, const char *command_line);
int cmd_examiner(int argc, char **argv, const char *command_line);
int cmd_status(int argc, char **argv, const char *command_line);
int cmd_keygen(int argc, char **argv, const char *command_line);
int cmd_custody(int argc, char **argv, const char *command_line);
int cmd_transfer(int argc, char **argv, const char *command_line);
int cmd_checkpoint(int argc, char **argv, const char *command_line);
int cmd_export(int argc, char **argv, const char *command_line);
int cmd_report(int argc, char **argv, const char *command_line);
int cmd_merge(int argc, char **argv, const char *command_line);

#endif
