/* The acquisition log (BASE.log): plain text, written line by line as the run goes,
 * so a killed run still leaves what happened up to then. */
#ifndef CUSTODY_ACQUIRE_RECORD_H
#define CUSTODY_ACQUIRE_RECORD_H

#include <stdint.h>

#include "error.h"
#include "strbuf.h"

struct acq_log {
    int fd;     /* -1 when not open */
    int failed; /* a write failed: the log is incomplete */
    int err_no;
};

int acq_log_open(struct acq_log *l, const char *path, struct custody_err *err);
/* "2026-11-27T21:29:24.123456789Z  message\n"; the message is made safe for printing. */
void acq_log_line(struct acq_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "  key: value" with value made safe (attacker-controlled strings). */
void acq_log_kv(struct acq_log *l, const char *key, const char *value);
/* Each line of text as "  | line", made safe (an earlier log embedded in this one). */
void acq_log_text(struct acq_log *l, const char *text, size_t len);
/* fsync and close; 0 or negative when any write failed. */
int acq_log_close(struct acq_log *l, const char *path, struct custody_err *err);

#endif
