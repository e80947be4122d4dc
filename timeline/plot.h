/* Activity histograms of a case: a standalone SVG (stacked bars per series, UTC
 * time axis, legend) or an HTML page with the plot and the top events of the
 * busiest buckets. No network resources; every string from evidence is escaped. */
#ifndef CUSTODY_PLOT_H
#define CUSTODY_PLOT_H

#include "query.h"
#include "strbuf.h"

#define PLOT_MAX_BUCKETS 5000
#define PLOT_MAX_SERIES 24 /* more groups are summed into "(other)" */

struct plot_opts {
    int64_t bucket_ns; /* 60e9, 3600e9 or 86400e9 */
    enum casedb_group_by by;
    const char *title;  /* may be NULL */
    int busiest;        /* HTML: how many of the busiest buckets to list (default 5) */
    int events_per_top; /* HTML: events shown per listed bucket (default 20) */
};

/* "minute", "hour", "day" -> ns; 0 or CUSTODY_ERR_USAGE. */
int plot_bucket(const char *name, int64_t *ns_out);
/* "asset", "source", "action" (or NULL: one series). */
int plot_group(const char *name, enum casedb_group_by *out);

/* Append a standalone SVG document to out. *total_out: events plotted (equals the
 * filter's count). An empty result gives a valid SVG that says so. More buckets
 * than PLOT_MAX_BUCKETS is CUSTODY_ERR_USAGE (choose a wider bucket). */
int plot_svg(struct casedb *db, const struct casedb_filter *f, const struct plot_opts *o,
             struct strbuf *out, int64_t *total_out, struct custody_err *err);
/* The same plot inside an HTML page, followed by the busiest buckets' events. */
int plot_html(struct casedb *db, const struct casedb_filter *f, const struct plot_opts *o,
              struct strbuf *out, int64_t *total_out, struct custody_err *err);

#endif
