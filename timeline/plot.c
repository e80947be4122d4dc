/* Activity histograms as SVG and HTML. The histogram comes from casedb_histogram
 * (one GROUP BY statement); this file lays it out. */
#include "plot.h"
#include "markup.h"

#include "format.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PLOT_W 1000 /* plot area, px */
#define PLOT_H 360
#define MARGIN_L 70
#define MARGIN_T 40
#define MARGIN_B 60
#define LEGEND_W 240

static const char *const palette[] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
};

struct plot_data {
    int64_t first, last; /* bucket starts, ns */
    int have;
    char *series[PLOT_MAX_SERIES + 1];
    int n_series;
    int other;       /* index of "(other)" or -1 */
    int64_t *counts; /* [bucket][series] */
    size_t n_buckets;
    int64_t total;
    int64_t width;
    struct custody_err *err;
    int pass; /* 0: find range and series, 1: fill counts */
};

int
plot_bucket(const char *name, int64_t *ns_out)
{
    if (!strcmp(name, "minute"))
        *ns_out = 60LL * 1000000000;
    else if (!strcmp(name, "hour"))
        *ns_out = 3600LL * 1000000000;
    else if (!strcmp(name, "day"))
        *ns_out = 86400LL * 1000000000;
    else
        return CUSTODY_ERR_USAGE;
    return 0;
}

int
plot_group(const char *name, enum casedb_group_by *out)
{
    if (!name)
        *out = CASEDB_GROUP_NONE;
    else if (!strcmp(name, "asset"))
        *out = CASEDB_GROUP_ASSET;
    else if (!strcmp(name, "source"))
        *out = CASEDB_GROUP_SOURCE;
    else if (!strcmp(name, "action"))
        *out = CASEDB_GROUP_ACTION;
    else
        return CUSTODY_ERR_USAGE;
    return 0;
}

static void
xml_str(struct strbuf *sb, const char *s)
{
    if (s)
        markup_escape_visible(sb, s, strlen(s));
}

static int
series_index(struct plot_data *p, const char *g, int add)
{
    for (int i = 0; i < p->n_series; i++)
        if (!strcmp(p->series[i], g))
            return i;
    if (!add)
        return p->other;
    if (p->n_series < PLOT_MAX_SERIES) {
        p->series[p->n_series] = strdup(g);
        if (!p->series[p->n_series])
            abort();
        return p->n_series++;
    }
    if (p->other < 0) {
        p->series[p->n_series] = strdup("(other)");
        if (!p->series[p->n_series])
            abort();
        p->other = p->n_series++;
    }
    return p->other;
}

static int
collect(void *ctx, const struct casedb_bucket_row *r)
{
    struct plot_data *p = ctx;

    if (p->pass == 0) {
        if (!p->have || r->start < p->first)
            p->first = r->start;
        if (!p->have || r->start > p->last)
            p->last = r->start;
        p->have = 1;
        series_index(p, r->group, 1);
        return 0;
    }
    size_t b = (size_t)((r->start - p->first) / p->width);
    int s = series_index(p, r->group, 0);
    p->counts[b * (size_t)p->n_series + (size_t)s] += r->count;
    p->total += r->count;
    return 0;
}

static void
plot_data_release(struct plot_data *p)
{
    for (int i = 0; i < p->n_series; i++)
        free(p->series[i]);
    free(p->counts);
}

static int
plot_load(struct casedb *db, const struct casedb_filter *f, const struct plot_opts *o,
          struct plot_data *p, struct custody_err *err)
{
    int rc;

    memset(p, 0, sizeof(*p));
    p->other = -1;
    p->width = o->bucket_ns;
    p->err = err;
    /* Two passes over a small result (one row per bucket and group): the first
     * finds the range and the series, the second fills the matrix. */
    if ((rc = casedb_histogram(db, f, o->bucket_ns, o->by, collect, p, err)) < 0)
        return rc;
    if (!p->have)
        return 0;
    p->n_buckets = (size_t)((p->last - p->first) / p->width) + 1;
    if (p->n_buckets > PLOT_MAX_BUCKETS)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the events span %zu buckets (at most %d): choose a wider --bucket "
                               "or a narrower --from/--to",
                               p->n_buckets, PLOT_MAX_BUCKETS);
    p->counts = calloc(p->n_buckets * (size_t)p->n_series, sizeof(int64_t));
    if (!p->counts)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory for the plot");
    p->pass = 1;
    return casedb_histogram(db, f, o->bucket_ns, o->by, collect, p, err);
}

static void
fmt_utc(struct strbuf *sb, int64_t ns, int with_time)
{
    time_t t = (time_t)fmt_seconds(ns);
    struct tm tm;

    gmtime_r(&t, &tm);
    if (with_time)
        strbuf_addf(sb, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min);
    else
        strbuf_addf(sb, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A tick step (ns) that gives at most about 10 labels over span. */
static int64_t
tick_step(int64_t span, int64_t bucket)
{
    static const int64_t steps_s[] = {60,        300,        900,        1800,       3600,
                                      3 * 3600,  21600,      43200,      86400,      2 * 86400,
                                      7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 365 * 86400};
    for (size_t i = 0; i < sizeof(steps_s) / sizeof(steps_s[0]); i++) {
        int64_t s = steps_s[i] * 1000000000LL;
        if (s >= bucket && span / s <= 10)
            return s;
    }
    return 365LL * 86400 * 1000000000 * (span / (3650LL * 86400 * 1000000000) + 1);
}

static int64_t
nice_max(int64_t m)
{
    int64_t p = 1;

    if (m < 5)
        return 5;
    while (p * 10 <= m)
        p *= 10;
    for (int k = 1; k <= 10; k++)
        if (k * p >= m && (k == 1 || k == 2 || k == 5 || k == 10))
            return k * p;
    return 10 * p;
}

static void
svg_doc(struct strbuf *sb, const struct plot_data *p, const struct plot_opts *o, int standalone)
{
    int total_w = MARGIN_L + PLOT_W + LEGEND_W, total_h = MARGIN_T + PLOT_H + MARGIN_B;
    int64_t ymax = 0, span, step;
    double bw;

    if (standalone)
        strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    strbuf_addf(sb,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                total_w, total_h, total_w, total_h);
    strbuf_addstr(sb, "<title>");
    xml_str(sb, o->title ? o->title : "custody timeline activity");
    strbuf_addstr(sb, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    strbuf_addf(sb, "<text x=\"%d\" y=\"24\" font-size=\"16\">", MARGIN_L);
    xml_str(sb, o->title ? o->title : "custody timeline activity");
    strbuf_addf(sb, " (%lld events, UTC)</text>\n", (long long)p->total);
    if (!p->have || !p->n_buckets) {
        strbuf_addf(sb, "<text x=\"%d\" y=\"%d\">no events match</text>\n</svg>\n",
                    MARGIN_L + PLOT_W / 2 - 40, MARGIN_T + PLOT_H / 2);
        return;
    }
    for (size_t b = 0; b < p->n_buckets; b++) {
        int64_t sum = 0;
        for (int s = 0; s < p->n_series; s++)
            sum += p->counts[b * (size_t)p->n_series + (size_t)s];
        if (sum > ymax)
            ymax = sum;
    }
    ymax = nice_max(ymax);
    bw = (double)PLOT_W / (double)p->n_buckets;
    /* Axes and y ticks. */
    strbuf_addf(sb,
                "<g class=\"axes\" stroke=\"#333\">"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>\n",
                MARGIN_L, MARGIN_T + PLOT_H, MARGIN_L + PLOT_W, MARGIN_T + PLOT_H, MARGIN_L,
                MARGIN_T, MARGIN_L, MARGIN_T + PLOT_H);
    for (int i = 0; i <= 5; i++) {
        int64_t v = ymax * i / 5;
        double y = MARGIN_T + PLOT_H - (double)PLOT_H * (double)v / (double)ymax;
        strbuf_addf(sb,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
                    MARGIN_L, y, MARGIN_L + PLOT_W, y, MARGIN_L - 6, y + 4, (long long)v);
    }
    /* x ticks on UTC boundaries. */
    span = (int64_t)p->n_buckets * p->width;
    step = tick_step(span, p->width);
    for (int64_t t = (p->first / step) * step; t <= p->first + span; t += step) {
        double x;
        struct strbuf lab = STRBUF_INIT;
        if (t < p->first)
            continue;
        x = MARGIN_L + (double)(t - p->first) / (double)p->width * bw;
        fmt_utc(&lab, t, step < 86400LL * 1000000000);
        strbuf_addf(sb,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>"
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x, MARGIN_T + PLOT_H, x, MARGIN_T + PLOT_H + 5, x, MARGIN_T + PLOT_H + 20,
                    lab.buf);
        strbuf_release(&lab);
    }
    strbuf_addf(sb,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC), %s buckets</text>\n",
                MARGIN_L + PLOT_W / 2, MARGIN_T + PLOT_H + 45,
                p->width == 60LL * 1000000000     ? "minute"
                : p->width == 3600LL * 1000000000 ? "hour"
                                                  : "day");
    /* One group per series; bars stack in series order. */
    int64_t *base = calloc(p->n_buckets, sizeof(int64_t));
    if (!base)
        abort();
    for (int s = 0; s < p->n_series; s++) {
        strbuf_addstr(sb, "<g class=\"series\" data-series=\"");
        xml_str(sb, p->series[s]);
        strbuf_addf(sb, "\" fill=\"%s\">\n", palette[s % 24]);
        for (size_t b = 0; b < p->n_buckets; b++) {
            int64_t c = p->counts[b * (size_t)p->n_series + (size_t)s];
            double h, y;
            struct strbuf lab = STRBUF_INIT;
            if (!c)
                continue;
            h = (double)PLOT_H * (double)c / (double)ymax;
            y = MARGIN_T + PLOT_H - (double)PLOT_H * (double)(base[b] + c) / (double)ymax;
            base[b] += c;
            fmt_utc(&lab, p->first + (int64_t)b * p->width, 1);
            strbuf_addf(sb,
                        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                        "data-count=\"%lld\"><title>",
                        MARGIN_L + (double)b * bw, y, bw > 2 ? bw - 1 : bw, h, (long long)c);
            xml_str(sb, p->series[s]);
            strbuf_addf(sb, " %s: %lld</title></rect>\n", lab.buf, (long long)c);
            strbuf_release(&lab);
        }
        strbuf_addstr(sb, "</g>\n");
    }
    free(base);
    /* Legend. */
    strbuf_addstr(sb, "<g class=\"legend\">\n");
    for (int s = 0; s < p->n_series; s++) {
        int y = MARGIN_T + 10 + s * 18;
        strbuf_addf(sb,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    "<text x=\"%d\" y=\"%d\">",
                    MARGIN_L + PLOT_W + 20, y, palette[s % 24], MARGIN_L + PLOT_W + 38, y + 10);
        if (o->by == CASEDB_GROUP_NONE)
            strbuf_addstr(sb, "events");
        else
            xml_str(sb, p->series[s]);
        strbuf_addstr(sb, "</text>\n");
    }
    strbuf_addstr(sb, "</g>\n</svg>\n");
}

int
plot_svg(struct casedb *db, const struct casedb_filter *f, const struct plot_opts *o,
         struct strbuf *out, int64_t *total_out, struct custody_err *err)
{
    struct plot_data p;
    int rc = plot_load(db, f, o, &p, err);

    if (rc == 0) {
        svg_doc(out, &p, o, 1);
        if (total_out)
            *total_out = p.total;
    }
    plot_data_release(&p);
    return rc;
}

/* ---- HTML ---- */

struct html_ctx {
    struct strbuf *sb;
    struct fmt_writer w; /* for time formatting only */
};

static int
html_event(void *ctx, const struct casedb_event_row *r)
{
    struct html_ctx *h = ctx;
    struct strbuf t = STRBUF_INIT;

    strbuf_addstr(h->sb, "<tr><td>");
    fmt_time_iso(&h->w, h->sb, r->ts, 6, ' ');
    strbuf_addstr(h->sb, "</td><td>");
    xml_str(h->sb, r->asset);
    strbuf_addstr(h->sb, "</td><td>");
    xml_str(h->sb, r->source);
    strbuf_addstr(h->sb, "</td><td>");
    xml_str(h->sb, r->kind);
    strbuf_addstr(h->sb, "</td><td>");
    xml_str(h->sb, r->user);
    strbuf_addstr(h->sb, "</td><td>");
    xml_str(h->sb, r->ip);
    strbuf_addstr(h->sb, "</td><td>");
    if (r->file_id)
        fmt_body_name(&h->w, &t, r);
    else
        fmt_event_text(&h->w, &t, r);
    markup_escape_visible(h->sb, t.buf, t.len);
    strbuf_addstr(h->sb, "</td></tr>\n");
    strbuf_release(&t);
    return 0;
}

static const char html_style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;font-size:12px;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "td:last-child{font-family:monospace;word-break:break-all}";

int
plot_html(struct casedb *db, const struct casedb_filter *f, const struct plot_opts *o,
          struct strbuf *out, int64_t *total_out, struct custody_err *err)
{
    struct plot_data p;
    struct html_ctx h;
    struct fmt_display d = {"UTC", 0, 1};
    int busiest = o->busiest > 0 ? o->busiest : 5;
    int per = o->events_per_top > 0 ? o->events_per_top : 20;
    int rc = plot_load(db, f, o, &p, err);

    if (rc < 0)
        goto done;
    h.sb = out;
    fmt_writer_init(&h.w, &fmt_csv, -1, &d);
    /* No script, no external resource; the CSP forbids any that might slip in. */
    strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                       "'none'; style-src 'unsafe-inline'; img-src data:\">\n<title>");
    xml_str(out, o->title ? o->title : "custody timeline activity");
    strbuf_addf(out, "</title>\n<style>%s</style></head><body>\n<h1>", html_style);
    xml_str(out, o->title ? o->title : "custody timeline activity");
    strbuf_addf(out, "</h1>\n<p>%lld events. Times in UTC.</p>\n", (long long)p.total);
    svg_doc(out, &p, o, 0);
    if (p.have && p.n_buckets) {
        /* The busiest buckets, busiest first (ties: earlier first). */
        size_t *order = calloc(p.n_buckets, sizeof(size_t));
        int64_t *sums = calloc(p.n_buckets, sizeof(int64_t));
        if (!order || !sums)
            abort();
        for (size_t b = 0; b < p.n_buckets; b++) {
            for (int s = 0; s < p.n_series; s++)
                sums[b] += p.counts[b * (size_t)p.n_series + (size_t)s];
            order[b] = b;
        }
        for (size_t i = 0; i < p.n_buckets && i < (size_t)busiest; i++)
            for (size_t j = i + 1; j < p.n_buckets; j++)
                if (sums[order[j]] > sums[order[i]] ||
                    (sums[order[j]] == sums[order[i]] && order[j] < order[i])) {
                    size_t t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
        strbuf_addstr(out, "<h2>Busiest buckets</h2>\n");
        for (size_t i = 0; i < p.n_buckets && i < (size_t)busiest && sums[order[i]]; i++) {
            struct casedb_filter g = *f;
            int64_t start = p.first + (int64_t)order[i] * p.width;
            g.has_from = g.has_to = 1;
            g.from = f->has_from && f->from > start ? f->from : start;
            g.to = f->has_to && f->to < start + p.width ? f->to : start + p.width;
            g.limit = per;
            g.descending = 0;
            strbuf_addstr(out, "<h3>");
            fmt_utc(out, start, 1);
            strbuf_addf(out, " UTC: %lld events (first %d shown)</h3>\n", (long long)sums[order[i]],
                        per);
            strbuf_addstr(out, "<table><tr><th>time (UTC)</th><th>asset</th><th>source</th>"
                               "<th>action</th><th>user</th><th>ip</th><th>detail</th></tr>\n");
            if ((rc = casedb_query(db, &g, html_event, &h, NULL, err)) < 0)
                break;
            strbuf_addstr(out, "</table>\n");
        }
        free(order);
        free(sums);
    }
    fmt_writer_release(&h.w);
    if (rc == 0) {
        strbuf_addstr(out, "</body></html>\n");
        if (total_out)
            *total_out = p.total;
    }
done:
    plot_data_release(&p);
    return rc;
}
