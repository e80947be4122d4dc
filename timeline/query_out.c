/* Running a query into an output format; the --tz and --from/--to values. */
#include "query_out.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct write_ctx {
    struct fmt_writer *w;
    struct custody_err *err;
};

static int
write_row(void *ctx, const struct casedb_event_row *r)
{
    struct write_ctx *c = ctx;
    return fmt_writer_row(c->w, r, c->err);
}

/* A file row from casedb_query_files as the events it stands for: one per time the
 * filter lets through, with the ids and flags a time-ordered query gives them. */
struct expand_ctx {
    struct write_ctx *c;
    unsigned kinds;
    const struct casedb_filter *f;
    int64_t events;
};

static int
expand_file(void *ctx, const struct casedb_event_row *r)
{
    static const char *const kinds[4] = {"m", "a", "c", "b"};
    struct expand_ctx *x = ctx;
    const int has[4] = {r->has_mtime, r->has_atime, r->has_ctime, r->has_crtime};
    const int64_t ts[4] = {r->mtime, r->atime, r->ctime, r->crtime};
    struct casedb_event_row e = *r;
    int rc;

    for (int i = 0; i < 4; i++) {
        if (!has[i] || !(x->kinds & (1u << i)) || (x->f->has_from && ts[i] < x->f->from) ||
            (x->f->has_to && ts[i] >= x->f->to))
            continue;
        e.id = casedb_fs_event_id(r->file_id, kinds[i][0]);
        e.ts = ts[i];
        e.kind = kinds[i];
        x->events++;
        if ((rc = fmt_writer_row(x->c->w, &e, x->c->err)) < 0)
            return rc;
    }
    return 0;
}

int
query_out_write(struct casedb *db, const struct casedb_filter *f, const struct fmt_ops *fmt,
                const struct fmt_display *d, int fd, int64_t *rows_out, struct custody_err *err)
{
    struct fmt_writer w;
    struct write_ctx c = {&w, err};
    struct fmt_display dd = {NULL, 0, 0};
    int rc;

    if (rows_out)
        *rows_out = 0;
    if (d)
        dd = *d;
    /* As export does: body names carry "/host/label" unless one evidence item is named. */
    dd.host_prefix = f->n_evidence != 1;
    fmt_writer_init(&w, fmt, fd, &dd);
    if ((fmt == &fmt_mactime || fmt == &fmt_body) && !f->limit && !f->descending) {
        /* mactime sorts per file time itself and a body file has one line per file:
         * read the files once in storage order rather than every event in time
         * order (several times faster; and a body file also lists the files that
         * have no time at all, as fls does, with --order none too). */
        w.has_from = f->has_from;
        w.from = f->from;
        w.has_to = f->has_to;
        w.to = f->to;
        if ((rc = fmt_writer_begin(&w, err)) == 0 &&
            (rc = casedb_query_files(db, f, write_row, &c, &w.fs_kinds, rows_out, err)) == 0)
            rc = fmt_writer_end(&w, err);
    } else if (f->unordered && !f->limit) {
        /* No order asked: log events from the events table, file-system events from
         * the files table, both in storage order (no random look-ups of files). */
        struct casedb_filter lf = *f;
        struct expand_ctx x = {&c, 0, f, 0};
        int64_t logs = 0, files = 0;
        lf.logs_only = 1;
        if ((rc = fmt_writer_begin(&w, err)) == 0 &&
            (rc = casedb_query(db, &lf, write_row, &c, &logs, err)) == 0 &&
            (rc = casedb_query_files(db, f, expand_file, &x, &x.kinds, &files, err)) == 0)
            rc = fmt_writer_end(&w, err);
        if (rows_out)
            *rows_out = logs + x.events;
    } else if ((rc = fmt_writer_begin(&w, err)) == 0 &&
               (rc = casedb_query(db, f, write_row, &c, rows_out, err)) == 0) {
        rc = fmt_writer_end(&w, err);
    } else
        fmt_writer_flush(&w, 1, NULL); /* what was written stays written */
    fmt_writer_release(&w);
    return rc;
}

int
query_out_zone(const char *zone, struct custody_err *err)
{
    struct strbuf path = STRBUF_INIT;
    struct stat st;
    int ok;

    if (!zone || !strcmp(zone, "UTC") || !strcmp(zone, "Z"))
        return setenv("TZ", "UTC", 1) == 0 ? 0 : custody_err_set(err, CUSTODY_ERR, "cannot set TZ");
    /* glibc takes an unknown zone for UTC without a word: check it exists. */
    ok = zone[0] && zone[0] != '/' && !strstr(zone, "..") && strlen(zone) < 128;
    if (ok) {
        strbuf_addf(&path, "/usr/share/zoneinfo/%s", zone);
        ok = stat(path.buf, &st) == 0 && S_ISREG(st.st_mode);
    }
    strbuf_release(&path);
    if (!ok)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "unknown time zone '%s' (use an IANA name such as Europe/Berlin, "
                               "or UTC)",
                               zone);
    if (setenv("TZ", zone, 1) != 0)
        return custody_err_set(err, CUSTODY_ERR, "cannot set TZ");
    tzset();
    return 0;
}

int
query_out_parse_time(const char *s, int64_t *ns_out, struct custody_err *err)
{
    size_t digits = strspn(s, "0123456789");

    if (digits && (s[digits] == '\0' || s[digits] == '.') && digits <= 12) {
        /* Epoch seconds (a year alone would be 4 digits: ISO needs the dashes). */
        uint64_t sec = 0, frac = 0;
        char whole[16];
        memcpy(whole, s, digits);
        whole[digits] = '\0';
        if (cli_parse_u64(whole, &sec) == 0) {
            if (s[digits] == '.') {
                const char *p = s + digits + 1;
                int n = 0;
                if (!*p)
                    goto bad;
                for (; *p; p++, n++) {
                    if (*p < '0' || *p > '9' || n >= 9)
                        goto bad;
                    frac = frac * 10 + (uint64_t)(*p - '0');
                }
                while (n++ < 9)
                    frac *= 10;
            }
            *ns_out = (int64_t)sec * 1000000000 + (int64_t)frac;
            return 0;
        }
    }
    if (custody_parse_time(s, ns_out) == 0)
        return 0;
bad:
    return custody_err_set(err, CUSTODY_ERR_USAGE,
                           "'%s' is not a time: use ISO 8601 (2026-03-01T12:00:00Z, "
                           "2026-03-01T13:00:00+01:00, 2026-03-01 12:00), a date (2026-03-01) "
                           "or epoch seconds",
                           s);
}
