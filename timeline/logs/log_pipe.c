/* A parser thread feeding the calling thread: events and warnings are copied
 * into a few chunks that the two threads pass back and forth in order. */
#include "log_pipe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

#define PIPE_CHUNKS 32 /* slack for a parser thread descheduled on a busy machine */
#define PIPE_CHUNK_RECS 512
#define PIPE_CHUNK_BYTES ((size_t)128 << 10)

/* A string in a chunk's arena; null: absent. C strings are stored with their NUL. */
struct pstr {
    size_t off, n;
    int null;
};

/* One event or warning as the parser emitted it. */
struct prec {
    int warning;
    int64_t ts, pid, port, bytes;
    int status;
    unsigned flags;
    uint64_t line, offset;
    struct pstr source, action, host, program, user, ip, message, path;
    struct pstr method, referrer, agent, vhost, xff, extra_json; /* events */
    struct pstr wmessage, raw;                                   /* warnings */
    struct pstr prepared;                                        /* what stage->prep wrote */
};

struct chunk {
    struct prec *recs;
    size_t n;
    struct strbuf arena;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk chunks[PIPE_CHUNKS];
    uint64_t produced, consumed; /* chunk counts; chunk i is chunks[i % PIPE_CHUNKS] */
    int done, stop;
    /* the parser thread's side */
    struct log_ctx pctx;
    const uint8_t *data;
    size_t len;
    const char *type;
    const char *type_out;
    int rc;
    struct custody_err perr;
    const struct log_pipe_stage *stage;
    struct strbuf prep_out;
    struct log_ctx *user; /* the caller's context (for the fallback without a thread) */
};

int
log_pipe_core_idle(void)
{
    double load[1];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    if (cores < 2 || getloadavg(load, 1) != 1)
        return 0;
    return load[0] <= (double)cores - 1.0;
}

static struct pstr
put(struct chunk *c, const void *p, size_t n, int nul)
{
    struct pstr s = {c->arena.len, n, p == NULL};

    if (p) {
        strbuf_add(&c->arena, p, n);
        if (nul)
            strbuf_addch(&c->arena, '\0');
    }
    return s;
}

static struct pstr
put_str(struct chunk *c, struct log_str s)
{
    return put(c, s.p, s.n, 0);
}

static struct pstr
put_cstr(struct chunk *c, const char *s)
{
    return put(c, s, s ? strlen(s) : 0, 1);
}

static struct log_str
get_str(const struct chunk *c, struct pstr s)
{
    struct log_str r = {s.null ? NULL : c->arena.buf + s.off, s.null ? 0 : s.n};
    return r;
}

static const char *
get_cstr(const struct chunk *c, struct pstr s)
{
    return s.null ? NULL : c->arena.buf + s.off;
}

/* Parser thread: pass the chunk being filled to the consumer and wait for a free
 * one. Returns CUSTODY_ERR_INTR when the consumer has stopped. */
static int
hand_over(struct pipe *p, struct custody_err *err)
{
    int stop;
    struct chunk *next;

    pthread_mutex_lock(&p->mu);
    p->produced++;
    pthread_cond_broadcast(&p->cv);
    while (p->produced - p->consumed >= PIPE_CHUNKS && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
    stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    if (stop)
        return custody_err_set(err, CUSTODY_ERR_INTR, "parse stopped by the loader");
    next = &p->chunks[p->produced % PIPE_CHUNKS];
    next->n = 0;
    strbuf_reset(&next->arena);
    return 0;
}

static struct prec *
new_rec(struct pipe *p)
{
    struct chunk *c = &p->chunks[p->produced % PIPE_CHUNKS];
    struct prec *r = &c->recs[c->n++];

    memset(r, 0, sizeof(*r));
    return r;
}

static int
chunk_full(const struct pipe *p)
{
    const struct chunk *c = &p->chunks[p->produced % PIPE_CHUNKS];

    return c->n == PIPE_CHUNK_RECS || c->arena.len >= PIPE_CHUNK_BYTES;
}

static int
pipe_event(void *arg, const struct log_event *ev, struct custody_err *err)
{
    struct pipe *p = arg;
    struct prec *r = new_rec(p);
    struct chunk *c = &p->chunks[p->produced % PIPE_CHUNKS];

    r->ts = ev->ts;
    r->pid = ev->pid;
    r->port = ev->port;
    r->bytes = ev->bytes;
    r->status = ev->status;
    r->flags = ev->flags;
    r->line = ev->line;
    r->offset = ev->offset;
    r->source = put_cstr(c, ev->source);
    r->action = put_cstr(c, ev->action);
    r->host = put_str(c, ev->host);
    r->program = put_str(c, ev->program);
    r->user = put_str(c, ev->user);
    r->ip = put_str(c, ev->ip);
    r->message = put_str(c, ev->message);
    r->path = put_str(c, ev->path);
    r->method = put_str(c, ev->method);
    r->referrer = put_str(c, ev->referrer);
    r->agent = put_str(c, ev->agent);
    r->vhost = put_str(c, ev->vhost);
    r->xff = put_str(c, ev->xff);
    r->extra_json = put_cstr(c, ev->extra_json);
    if (p->stage) {
        strbuf_reset(&p->prep_out);
        p->stage->prep(p->stage->prep_arg, ev, &p->prep_out);
        r->prepared = put(c, p->prep_out.buf, p->prep_out.len, 1);
    }
    return chunk_full(p) ? hand_over(p, err) : 0;
}

static int
pipe_warning(void *arg, const struct log_warning *w, struct custody_err *err)
{
    struct pipe *p = arg;
    struct prec *r = new_rec(p);
    struct chunk *c = &p->chunks[p->produced % PIPE_CHUNKS];

    r->warning = 1;
    r->line = w->line;
    r->offset = w->offset;
    r->wmessage = put_cstr(c, w->message);
    r->raw = put_str(c, w->raw);
    return chunk_full(p) ? hand_over(p, err) : 0;
}

/* Without a thread: prep and on_prepared back to back, on the calling thread. */
static int
inline_event(void *arg, const struct log_event *ev, struct custody_err *err)
{
    struct pipe *p = arg;

    strbuf_reset(&p->prep_out);
    p->stage->prep(p->stage->prep_arg, ev, &p->prep_out);
    return p->stage->on_prepared(p->user->arg, ev, p->prep_out.buf, p->prep_out.len, err);
}

static int
inline_warning(void *arg, const struct log_warning *w, struct custody_err *err)
{
    struct pipe *p = arg;

    return p->user->on_warning ? p->user->on_warning(p->user->arg, w, err) : 0;
}

static void *
parse_main(void *arg)
{
    struct pipe *p = arg;

    p->rc = log_parse_buffer(&p->pctx, &p->type_out, p->data, p->len, p->type, &p->perr);
    pthread_mutex_lock(&p->mu);
    if (p->chunks[p->produced % PIPE_CHUNKS].n)
        p->produced++; /* the last, partly filled chunk */
    p->done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Calling thread: hand one chunk's records to ctx's callbacks (or the stage's). */
static int
deliver(struct log_ctx *ctx, const struct log_pipe_stage *stage, const struct chunk *c,
        struct custody_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < c->n && rc == 0; i++) {
        const struct prec *r = &c->recs[i];
        if (r->warning) {
            struct log_warning w;
            w.line = r->line;
            w.offset = r->offset;
            w.message = get_cstr(c, r->wmessage);
            w.raw = get_str(c, r->raw);
            rc = ctx->on_warning ? ctx->on_warning(ctx->arg, &w, err) : 0;
        } else {
            struct log_event ev;
            memset(&ev, 0, sizeof(ev));
            ev.ts = r->ts;
            ev.source = get_cstr(c, r->source);
            ev.action = get_cstr(c, r->action);
            ev.host = get_str(c, r->host);
            ev.program = get_str(c, r->program);
            ev.pid = r->pid;
            ev.user = get_str(c, r->user);
            ev.ip = get_str(c, r->ip);
            ev.port = r->port;
            ev.message = get_str(c, r->message);
            ev.path = get_str(c, r->path);
            ev.method = get_str(c, r->method);
            ev.referrer = get_str(c, r->referrer);
            ev.agent = get_str(c, r->agent);
            ev.vhost = get_str(c, r->vhost);
            ev.xff = get_str(c, r->xff);
            ev.status = r->status;
            ev.bytes = r->bytes;
            ev.extra_json = get_cstr(c, r->extra_json);
            ev.line = r->line;
            ev.offset = r->offset;
            ev.flags = r->flags;
            if (stage)
                rc =
                    stage->on_prepared(ctx->arg, &ev, get_cstr(c, r->prepared), r->prepared.n, err);
            else
                rc = ctx->on_event ? ctx->on_event(ctx->arg, &ev, err) : 0;
        }
    }
    return rc;
}

int
log_parse_piped(struct log_ctx *ctx, const char **type_out, const uint8_t *data, size_t len,
                const char *type, const struct log_pipe_stage *stage, struct custody_err *err)
{
    struct pipe *p = calloc(1, sizeof(*p));
    pthread_t thread;
    int rc = 0;

    if (!p)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < PIPE_CHUNKS; i++) {
        strbuf_init(&p->chunks[i].arena);
        p->chunks[i].recs = malloc(PIPE_CHUNK_RECS * sizeof(struct prec));
        if (!p->chunks[i].recs) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->pctx.name = ctx->name;
    p->pctx.mtime = ctx->mtime;
    p->pctx.tz = ctx->tz;
    p->pctx.on_event = pipe_event;
    p->pctx.on_warning = pipe_warning;
    p->pctx.arg = p;
    p->data = data;
    p->len = len;
    p->type = type;
    p->type_out = *type_out; /* as log_parse_buffer leaves it when no parser fits */
    p->stage = stage;
    strbuf_init(&p->prep_out);
    if (pthread_create(&thread, NULL, parse_main, p) != 0) {
        struct log_ctx alone = *ctx;
        if (stage) {
            p->user = ctx;
            alone.on_event = inline_event;
            alone.on_warning = inline_warning;
            alone.arg = p;
        }
        rc = log_parse_buffer(&alone, type_out, data, len, type, err);
        ctx->lines = alone.lines;
        ctx->events = alone.events;
        ctx->warnings = alone.warnings;
        ctx->damaged = alone.damaged;
        goto destroy;
    }
    for (;;) {
        struct chunk *c;
        pthread_mutex_lock(&p->mu);
        while (p->consumed == p->produced && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->consumed == p->produced) { /* done, and all delivered */
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_unlock(&p->mu);
        c = &p->chunks[p->consumed % PIPE_CHUNKS];
        rc = deliver(ctx, stage, c, err);
        pthread_mutex_lock(&p->mu);
        if (rc < 0)
            p->stop = 1;
        else
            p->consumed++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc < 0)
            break;
    }
    pthread_join(thread, NULL);
    ctx->lines = p->pctx.lines;
    ctx->events = p->pctx.events;
    ctx->warnings = p->pctx.warnings;
    ctx->damaged = p->pctx.damaged;
    *type_out = p->type_out;
    if (rc == 0 && p->rc < 0) {
        *err = p->perr;
        rc = p->rc;
    }
destroy:
    strbuf_release(&p->prep_out);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
done:
    for (size_t i = 0; i < PIPE_CHUNKS; i++) {
        free(p->chunks[i].recs);
        strbuf_release(&p->chunks[i].arena);
    }
    free(p);
    return rc;
}
