/* Time zones for logs that carry none: UTC, a fixed offset (+05:30), or a zone of
 * the system's compiled tz database (/usr/share/zoneinfo, TZif files read here,
 * so no process-wide TZ/tzset state is touched). */
#ifndef CUSTODY_LOG_TZ_H
#define CUSTODY_LOG_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct log_tz;

/* Load "UTC", "+HH:MM"/"-HHMM", or a tz database name ("Europe/Berlin").
 * The caller frees *out with log_tz_free. */
int log_tz_load(struct log_tz **out, const char *name, struct custody_err *err);
void log_tz_free(struct log_tz *tz);
/* The name as given ("UTC" for NULL). */
const char *log_tz_name(const struct log_tz *tz);
/* Offset east of UTC in seconds at UTC time t (seconds). NULL tz: 0. */
int32_t log_tz_offset_at(const struct log_tz *tz, int64_t t);
/* UTC seconds for local wall time local_s (seconds of local time since the epoch).
 * Returns how many instants have that wall time: 1 usually, 2 in a repeated
 * (fall-back) hour (out[0] < out[1]), 0 in a skipped (spring-forward) hour, where
 * out[0] is still set using the offset in force before the change. */
int log_tz_local_to_utc(const struct log_tz *tz, int64_t local_s, int64_t out[2]);

#endif
