/* libFuzzer target for one log parser (FUZZ_PARSER, set by the build) or, with
 * FUZZ_PARSER "decompress", for the gzip/bzip2/xz reader. Invariants checked:
 * the parse returns 0 or a format error, the counters match the callbacks, and
 * every location lies inside the (decompressed) input. */
#include <stdlib.h>
#include <string.h>

#include "log_decompress.h"
#include "logs.h"

#ifndef FUZZ_PARSER
#error "build with -DFUZZ_PARSER=\"syslog\" (or another parser type, or \"decompress\")"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t events, warnings;
    size_t size;
};

static int
on_event(void *arg, const struct log_event *ev, struct custody_err *err)
{
    struct seen *s = arg;

    (void)err;
    s->events++;
    if (!ev->action || !ev->source || ev->offset > s->size)
        abort();
    /* touch every byte of every string: ASan catches any that points outside */
    const struct log_str *f[] = {&ev->host,    &ev->program, &ev->user,   &ev->ip,
                                 &ev->message, &ev->path,    &ev->method, &ev->agent};
    volatile unsigned x = 0;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        for (size_t j = 0; f[i]->p && j < f[i]->n; j++)
            x += (unsigned char)f[i]->p[j];
    (void)x;
    return 0;
}

static int
on_warning(void *arg, const struct log_warning *w, struct custody_err *err)
{
    struct seen *s = arg;

    (void)err;
    s->warnings++;
    if (!w->message || w->raw.n > LOG_WARNING_RAW_MAX)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custody_err err = {0};

    if (!strcmp(FUZZ_PARSER, "decompress")) {
        struct strbuf out = STRBUF_INIT;
        char damage[256];
        if (log_compression(data, size)) {
            int rc = log_decompress(&out, damage, sizeof(damage), data, size, 64 << 20, &err);
            if (rc != 0 && rc != 1)
                abort();
        }
        strbuf_release(&out);
        return 0;
    }
    for (int sniff = 0; sniff < 2; sniff++) {
        struct seen s = {0, 0, log_compression(data, size) ? SIZE_MAX : size};
        struct log_ctx ctx;
        const char *type;
        memset(&ctx, 0, sizeof(ctx));
        ctx.name = "/var/log/fuzz.log";
        ctx.mtime = 1700000000LL * 1000000000;
        ctx.on_event = on_event;
        ctx.on_warning = on_warning;
        ctx.arg = &s;
        int rc = log_parse_buffer(&ctx, &type, data, size, sniff ? NULL : FUZZ_PARSER, &err);
        if (rc != 0 && rc != CUSTODY_ERR_FORMAT)
            abort();
        if (ctx.events != s.events || ctx.warnings != s.warnings)
            abort();
        /* decompressed input may be larger than size: offsets are checked only for plain */
        /* damage is never silent: a warning, or a refusal that names it */
        if (ctx.damaged && rc == 0 && s.events == 0 && s.warnings == 0)
            abort();
        if (ctx.damaged && rc != 0 && !strstr(err.msg, "damaged"))
            abort();
    }
    return 0;
}
