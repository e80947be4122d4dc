/* The parser table, type sniffing, and parsing one (possibly compressed) file. */
#include "logs.h"

#include <stdio.h>
#include <string.h>

#include "log_decompress.h"
#include "log_parsers.h"
#include "strbuf.h"

/* Larger decompressed logs are cut here with a warning (a zip bomb guard). */
#define LOG_DECOMPRESSED_MAX ((size_t)8 << 30)
#define SNIFF_MIN 50

static const struct log_parser *const parsers[] = {
    &log_parser_apt,     &log_parser_audit,  &log_parser_dpkg,     &log_parser_yum,
    &log_parser_vsftpd,  &log_parser_access, &log_parser_errorlog, &log_parser_wtmp,
    &log_parser_lastlog, &log_parser_bash,   &log_parser_syslog,   NULL,
};

const struct log_parser *const *
log_parsers(void)
{
    return parsers;
}

const struct log_parser *
log_parser_find(const char *type)
{
    for (size_t i = 0; parsers[i]; i++)
        if (!strcmp(parsers[i]->type, type))
            return parsers[i];
    return NULL;
}

const char *
log_base_name(char *buf, size_t size, const char *name)
{
    const char *slash = name ? strrchr(name, '/') : NULL;
    size_t n;

    if (!size)
        return buf;
    buf[0] = '\0';
    if (!name)
        return buf;
    name = slash ? slash + 1 : name;
    n = strlen(name);
    if (n >= size)
        n = size - 1;
    memcpy(buf, name, n);
    buf[n] = '\0';
    for (int round = 0; round < 3; round++) {
        char *dot = strrchr(buf, '.'), *dash = strrchr(buf, '-');
        int stripped = 0;
        if (dot && (!strcmp(dot, ".gz") || !strcmp(dot, ".bz2") || !strcmp(dot, ".xz"))) {
            *dot = '\0';
            stripped = 1;
        } else if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
            *dot = '\0'; /* auth.log.1 */
            stripped = 1;
        } else if (dash && strlen(dash + 1) == 8 &&
                   strspn(dash + 1, "0123456789") == 8) { /* secure-20240101 */
            *dash = '\0';
            stripped = 1;
        }
        if (!stripped)
            break;
    }
    return buf;
}

const struct log_parser *
log_sniff(const uint8_t *data, size_t len, const char *name)
{
    const struct log_parser *best = NULL;
    int best_score = SNIFF_MIN - 1;

    for (size_t i = 0; parsers[i]; i++) {
        int s = parsers[i]->sniff(data, len, name);
        if (s > best_score) {
            best_score = s;
            best = parsers[i];
        }
    }
    return best;
}

int
log_parse_buffer(struct log_ctx *ctx, const char **type_out, const uint8_t *data, size_t len,
                 const char *type, struct custody_err *err)
{
    struct strbuf plain = STRBUF_INIT;
    const struct log_parser *p = NULL;
    char damage[256];
    char base[256];
    int damaged = 0, rc;

    *type_out = "unknown";
    if (log_compression(data, len)) {
        rc = log_decompress(&plain, damage, sizeof(damage), data, len, LOG_DECOMPRESSED_MAX, err);
        if (rc < 0)
            goto done;
        damaged = rc == 1;
        ctx->damaged = damaged;
        data = (const uint8_t *)plain.buf;
        len = plain.len;
    }
    if (type) {
        if (!(p = log_parser_find(type))) {
            rc = custody_err_set(err, CUSTODY_ERR_USAGE, "unknown log type '%s'", type);
            goto done;
        }
    } else {
        p = log_sniff(data, len > 65536 ? 65536 : len,
                      log_base_name(base, sizeof(base), ctx->name));
    }
    rc = 0;
    if (!p && damaged) {
        /* what came out before the damage is no known format: the damage warning
         * below is all there is to say (the source is kept, marked partial) */
    } else if (p) {
        *type_out = p->type;
        if (damaged && !p->binary && len && data[len - 1] != '\n') {
            /* the line the damage cut is not a record: stop at the last whole line */
            const uint8_t *nl = memrchr(data, '\n', len);
            size_t keep = nl ? (size_t)(nl - data) + 1 : 0;
            size_t cut = len - keep;
            len = keep;
            snprintf(damage + strlen(damage), sizeof(damage) - strlen(damage),
                     "; the %zu bytes of the cut last line are not parsed", cut);
        }
        if ((rc = p->parse(ctx, data, len, err)) < 0) {
            if (damaged && rc == CUSTODY_ERR_FORMAT) {
                /* refused: say the stream was damaged too (the reason may be the damage) */
                char why[sizeof(err->msg)];
                snprintf(why, sizeof(why), "%s", err->msg);
                custody_err_set(err, CUSTODY_ERR_FORMAT, "%s; the compressed stream is damaged: %s",
                                why, damage);
            }
            goto done;
        }
    } else if (len > 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s': not a log format custody knows",
                             ctx->name ? ctx->name : "(buffer)");
        goto done;
    }
    if (damaged) /* after the records, so the location is the end of what was read */
        rc = log_warn(ctx, 0, len, NULL, 0, err, "%s", damage);
done:
    strbuf_release(&plain);
    return rc;
}
