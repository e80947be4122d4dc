/* Running a query into an output format: what `custody-timeline query` and
 * `export` do between parsing options and picking the exit status. */
#ifndef CUSTODY_QUERY_OUT_H
#define CUSTODY_QUERY_OUT_H

#include "format.h"

/* Stream the events f selects to fd in format fmt (body-file names start with
 * "/host/label" unless f names exactly one evidence item). *rows_out: events the query
 * returned (some formats write fewer lines: body one per file, mactime merges; for
 * mactime, which reads files rather than events, the files read). */
int query_out_write(struct casedb *db, const struct casedb_filter *f, const struct fmt_ops *fmt,
                    const struct fmt_display *d, int fd, int64_t *rows_out,
                    struct custody_err *err);

/* Check a --tz value: "UTC" or an IANA zone present under /usr/share/zoneinfo.
 * On success sets $TZ to it so the display helpers use it. */
int query_out_zone(const char *zone, struct custody_err *err);

/* Parse a --from/--to value: ISO 8601 with or without zone (no zone: UTC), a date
 * (midnight UTC), or epoch seconds (digits, optional fraction). */
int query_out_parse_time(const char *s, int64_t *ns_out, struct custody_err *err);

#endif
