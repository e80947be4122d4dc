/* Parsing on a second thread: the parser runs ahead on a thread of its own and
 * hands its events and warnings, copied into chunks, to the calling thread, which
 * receives them through the usual callbacks (so the database is touched by one
 * thread only, and parsing overlaps with loading). */
#ifndef CUSTODY_LOG_PIPE_H
#define CUSTODY_LOG_PIPE_H

#include "logs.h"

/* Below this many bytes a file is parsed on the calling thread: starting a thread
 * would cost more than the overlap saves. */
#define LOG_PIPE_MIN_BYTES ((size_t)1 << 20)

struct strbuf;

/* 1 when a core looks idle (1-minute load average at least one below the number
 * of online cores): only then does a parser thread shorten the load. On a busy
 * machine its hand-overs wait for the scheduler, and the wall time measured
 * longer than with one thread (docs/logs.md). */
int log_pipe_core_idle(void);

/* Optional work moved to the parser thread: prep(prep_arg, ev, out) writes a
 * string for each event into out (reset before each call), and the calling
 * thread gets it with the event through on_prepared instead of ctx->on_event. */
struct log_pipe_stage {
    void (*prep)(void *prep_arg, const struct log_event *ev, struct strbuf *out);
    void *prep_arg;
    int (*on_prepared)(void *arg, const struct log_event *ev, const char *prepared, size_t len,
                       struct custody_err *err);
};

/* log_parse_buffer with the parse on a thread of its own: ctx's callbacks are
 * called on the calling thread, in the order the parser emitted, with the same
 * event and warning contents, and ctx's counters are filled as log_parse_buffer
 * fills them. A callback's negative return stops the parser and is returned
 * (with the callback's err). stage: NULL, or work moved to the parser thread.
 * When the thread cannot be started, the parse runs on the calling thread. */
int log_parse_piped(struct log_ctx *ctx, const char **type_out, const uint8_t *data, size_t len,
                    const char *type, const struct log_pipe_stage *stage, struct custody_err *err);

#endif
