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

/* log_parse_buffer with the parse on a thread of its own: ctx's callbacks are
 * called on the calling thread, in the order the parser emitted, with the same
 * event and warning contents, and ctx's counters are filled as log_parse_buffer
 * fills them. A callback's negative return stops the parser and is returned
 * (with the callback's err). When the thread cannot be started, the parse runs
 * on the calling thread. */
int log_parse_piped(struct log_ctx *ctx, const char **type_out, const uint8_t *data, size_t len,
                    const char *type, struct custody_err *err);

#endif
