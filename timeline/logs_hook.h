/* The log parsers as a content hook of `build`: the walker hands over the content
 * of every file log_path_wanted() names, and each is parsed into the build's
 * transaction with its partition and inode (docs/logs.md). */
#ifndef CUSTODY_TIMELINE_LOGS_HOOK_H
#define CUSTODY_TIMELINE_LOGS_HOOK_H

#include <stdint.h>

#include "timeline.h"

struct timeline_logs;

struct timeline_logs_counts {
    int64_t files, events, warnings;
    int64_t partial; /* parsed with warnings or damage */
    int64_t failed;  /* not readable, too large, or no parser fits */
};

/* tz: zone of records that carry none (NULL: UTC). Free with timeline_logs_free
 * before the case database is closed. */
int timeline_logs_new(struct timeline_logs **out, const char *tz, struct custody_err *err);
void timeline_logs_free(struct timeline_logs *l); /* accepts NULL */
const struct timeline_content_hook *timeline_logs_hook(struct timeline_logs *l);
void timeline_logs_get_counts(const struct timeline_logs *l, struct timeline_logs_counts *out);

#endif
