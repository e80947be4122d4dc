/* What the four command-line tools share: exit codes, option values, the interrupt
 * flag, --version, time formatting and the progress meter. */
#ifndef CUSTODY_CLI_H
#define CUSTODY_CLI_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "strbuf.h"

/* Exit status, the same in every tool. */
enum {
    EXIT_CHECKED_OUT = 0, /* all checked out */
    EXIT_NOT_OK = 1,      /* finished, but evidence did not check out or is incomplete */
    EXIT_FAILED = 2,      /* could not do the job: usage, I/O, library failure, interrupt */
};

/* The one mutable global: set by SIGINT/SIGTERM/SIGHUP handlers. */
extern volatile sig_atomic_t custody_interrupted;
/* Install handlers that set custody_interrupted (no SA_RESTART, so blocking reads return). */
void cli_catch_interrupts(void);

/* Print "PROG: message\nTry 'PROG --help' for more information." to stderr; returns 2. */
int cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report err for PROG: the message on stderr made safe for a terminal and, with
 * json, one JSON document {"ok":false,"exit_status":2,"error":...} on stdout.
 * Returns EXIT_FAILED. */
int cli_fail(const char *prog, int json, const struct custody_err *err);
/* Print a finished JSON document and a newline on stdout. */
void cli_print_json(const struct strbuf *sb);

/* Strict number parsing: whole string, no sign, no overflow. 0 or CUSTODY_ERR_USAGE. */
int cli_parse_u64(const char *s, uint64_t *out);
/* Sizes with optional suffix: 512, 4k, 4K, 4KiB, 2M, 2G, 1T (powers of 1024), 4KB (1000). */
int cli_parse_size(const char *s, uint64_t *out);

/* "custody-acquire 0.1.0\nlibewf 20140813\nThe Sleuth
 * Kit 4.11.1\nlibgcrypt 1.10.1\nSQLite 3.40.1\n" */
void cli_versions(struct strbuf *sb, const char *tool, const char *sqlite_version);
/* The same as a JSON object body for recording: {"custody":..,"libewf":..,...}. */
void cli_versions_json(struct strbuf *sb, const char *sqlite_version);

/* Shell-quoted command line, for the log and the database: exactly what was run. */
void cli_argv_string(struct strbuf *sb, int argc, char **argv);

/* Wall-clock time, ns since the epoch, UTC. */
int64_t custody_now_ns(void);
/* Monotonic seconds for rates. */
double custody_mono_seconds(void);
/* "2026-11-27T21:29:24.123456789Z" (ns UTC -> ISO 8601 with nanoseconds). */
void custody_format_time(struct strbuf *sb, int64_t ns);
/* The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
 * civil_from_days): no gmtime per call, for exporters and parsers that convert
 * millions of times. */
void custody_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);
/* Parse what custody_format_time writes (also without fraction, without seconds,
 * with a space for T, with +hh:mm or no zone (UTC), or a date alone: midnight UTC).
 * Impossible dates (2026-02-30) are refused. */
int custody_parse_time(const char *s, int64_t *ns_out);

/* A progress line on stderr: percent, bytes, MB/s, ETA, and a caller's note.
 * Drawn only when enabled (stderr is a terminal and not --quiet), at most 4 times
 * a second. */
struct progress {
    const char *label;
    uint64_t total; /* bytes; 0 when unknown */
    double start;   /* custody_mono_seconds() at init */
    double last;    /* last draw */
    int enabled;
    int drawn;
};
void progress_init(struct progress *p, const char *label, uint64_t total, int quiet);
void progress_update(struct progress *p, uint64_t done, const char *note);
void progress_finish(struct progress *p);
/* Format n bytes as "1.5 GiB". */
void format_bytes(struct strbuf *sb, uint64_t n);

#endif
