/* Shared command-line helpers. */
#include "cli.h"
#include "ewf_adapter.h"
#include "hash.h"
#include "json.h"
#include "tsk_adapter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t custody_interrupted;

static void
on_signal(int sig)
{
    custody_interrupted = sig;
}

void
cli_catch_interrupts(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int
cli_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    return EXIT_FAILED;
}

int
cli_fail(const char *prog, int json, const struct custody_err *err)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_add_safe(&sb, err->msg, strlen(err->msg));
    fprintf(stderr, "%s: %s\n", prog, sb.buf);
    if (json) {
        struct json_writer w;
        strbuf_reset(&sb);
        json_init(&w, &sb, 0);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 0);
        json_kv_int(&w, "exit_status", EXIT_FAILED);
        json_kv_str(&w, "error", err->msg);
        json_end_object(&w);
        cli_print_json(&sb);
    }
    strbuf_release(&sb);
    return EXIT_FAILED;
}

void
cli_print_json(const struct strbuf *sb)
{
    fwrite(sb->buf, 1, sb->len, stdout);
    fputc('\n', stdout);
}

int
cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return CUSTODY_ERR_USAGE;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return CUSTODY_ERR_USAGE;
    *out = v;
    return 0;
}

int
cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t mult = 1;

    if (!s || !*s || *s < '0' || *s > '9')
        return CUSTODY_ERR_USAGE;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return CUSTODY_ERR_USAGE;
    if (*end) {
        static const char units[] = "KMGTPE";
        const char *u = strchr(units, *end >= 'a' ? *end - 32 : *end);
        if (!u)
            return CUSTODY_ERR_USAGE;
        int power = (int)(u - units) + 1;
        const char *rest = end + 1;
        uint64_t base = 1024;
        if (!strcmp(rest, "B"))
            base = 1000;
        else if (*rest && strcmp(rest, "iB") && strcmp(rest, "ib"))
            return CUSTODY_ERR_USAGE;
        for (int i = 0; i < power; i++)
            mult *= base;
    }
    if (v && mult > UINT64_MAX / v)
        return CUSTODY_ERR_USAGE;
    *out = v * mult;
    return 0;
}

void
cli_versions(struct strbuf *sb, const char *tool, const char *sqlite_version)
{
    strbuf_addf(sb, "%s %s\n", tool, CUSTODY_VERSION);
    strbuf_addf(sb, "libewf %s\n", ewf_version());
    strbuf_addf(sb, "The Sleuth Kit %s\n", tsk_version());
    strbuf_addf(sb, "libgcrypt %s\n", crypto_version());
    strbuf_addf(sb, "SQLite %s\n", sqlite_version);
}

void
cli_versions_json(struct strbuf *sb, const char *sqlite_version)
{
    struct json_writer w;

    json_init(&w, sb, 0);
    json_begin_object(&w);
    json_kv_str(&w, "custody", CUSTODY_VERSION);
    json_kv_str(&w, "libewf", ewf_version());
    json_kv_str(&w, "tsk", tsk_version());
    json_kv_str(&w, "libgcrypt", crypto_version());
    json_kv_str(&w, "sqlite", sqlite_version);
    json_end_object(&w);
}

void
cli_argv_string(struct strbuf *sb, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0';
        if (i)
            strbuf_addch(sb, ' ');
        for (const char *p = a; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%",
                        *p))
                plain = 0;
        if (plain) {
            strbuf_addstr(sb, a);
            continue;
        }
        strbuf_addch(sb, '\'');
        for (const char *p = a; *p; p++) {
            if (*p == '\'')
                strbuf_addstr(sb, "'\\''");
            else
                strbuf_addch(sb, *p);
        }
        strbuf_addch(sb, '\'');
    }
}

int64_t
custody_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double
custody_mono_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
custody_format_time(struct strbuf *sb, int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    struct tm tm;
    time_t t;

    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    t = (time_t)sec;
    gmtime_r(&t, &tm);
    strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

static int
parse_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int
custody_parse_time(const char *s, int64_t *ns_out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, oh, om;
    int64_t frac = 0, offset = 0;
    struct tm tm;

    if (parse_digits(&s, 4, &y) || *s++ != '-' || parse_digits(&s, 2, &mo) || *s++ != '-' ||
        parse_digits(&s, 2, &d))
        return CUSTODY_ERR_FORMAT;
    if (*s == 'T' || *s == ' ') {
        s++;
        if (parse_digits(&s, 2, &h) || *s++ != ':' || parse_digits(&s, 2, &mi))
            return CUSTODY_ERR_FORMAT;
        if (*s == ':') {
            s++;
            if (parse_digits(&s, 2, &se))
                return CUSTODY_ERR_FORMAT;
        }
        if (*s == '.' || *s == ',') {
            int digits = 0;
            s++;
            while (*s >= '0' && *s <= '9') {
                if (digits < 9) {
                    frac = frac * 10 + (*s - '0');
                    digits++;
                }
                s++;
            }
            if (!digits)
                return CUSTODY_ERR_FORMAT;
            while (digits++ < 9)
                frac *= 10;
        }
    }
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s++ == '-' ? -1 : 1;
        if (parse_digits(&s, 2, &oh))
            return CUSTODY_ERR_FORMAT;
        if (*s == ':')
            s++;
        if (parse_digits(&s, 2, &om))
            return CUSTODY_ERR_FORMAT;
        offset = sign * ((int64_t)oh * 3600 + om * 60);
    }
    if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return CUSTODY_ERR_FORMAT;
    /* timegm would quietly turn 2026-02-30 into March 2nd. */
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d > mdays[mo - 1] || (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
        return CUSTODY_ERR_FORMAT;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    int64_t sec = (int64_t)timegm(&tm) - offset;
    /* nanoseconds in 64 bits reach from 1677 to 2262 */
    if (sec < INT64_MIN / 1000000000 + 1 || sec > INT64_MAX / 1000000000 - 1)
        return CUSTODY_ERR_FORMAT;
    *ns_out = sec * 1000000000 + frac;
    return 0;
}

void
format_bytes(struct strbuf *sb, uint64_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)n;
    int u = 0;

    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        strbuf_addf(sb, "%llu B", (unsigned long long)n);
    else
        strbuf_addf(sb, "%.1f %s", v, units[u]);
}

void
progress_init(struct progress *p, const char *label, uint64_t total, int quiet)
{
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->total = total;
    p->start = custody_mono_seconds();
    p->enabled = !quiet && isatty(STDERR_FILENO);
}

void
progress_update(struct progress *p, uint64_t done, const char *note)
{
    struct strbuf sb = STRBUF_INIT;
    double now, elapsed, rate;

    if (!p->enabled)
        return;
    now = custody_mono_seconds();
    if (p->drawn && now - p->last < 0.25)
        return;
    p->last = now;
    p->drawn = 1;
    elapsed = now - p->start;
    rate = elapsed > 0 ? (double)done / elapsed : 0;
    strbuf_addf(&sb, "\r\033[K%s ", p->label);
    if (p->total)
        strbuf_addf(&sb, "%5.1f%% ", 100.0 * (double)done / (double)p->total);
    format_bytes(&sb, done);
    if (p->total) {
        strbuf_addstr(&sb, " / ");
        format_bytes(&sb, p->total);
    }
    strbuf_addf(&sb, "  %.1f MB/s", rate / 1e6);
    if (p->total && rate > 0 && done <= p->total) {
        uint64_t eta = (uint64_t)((double)(p->total - done) / rate);
        strbuf_addf(&sb, "  ETA %llu:%02llu:%02llu", (unsigned long long)(eta / 3600),
                    (unsigned long long)(eta / 60 % 60), (unsigned long long)(eta % 60));
    }
    if (note && *note) {
        strbuf_addstr(&sb, "  ");
        strbuf_add_safe(&sb, note, strlen(note));
    }
    fputs(sb.buf, stderr);
    fflush(stderr);
    strbuf_release(&sb);
}

void
progress_finish(struct progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void
custody_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    *year = yoe + era * 400 + (m <= 2);
    *month = (unsigned)m;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
}
