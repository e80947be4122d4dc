/* timeline build: every partition of an image into the case database.
 * Each file system is walked by TSK in a child process that streams entries
 * through a pipe; the parent loads them. A hostile file system that hangs or
 * crashes TSK costs one partition (killed at its time limit, recorded with the
 * error), never the run, and walking and loading use both cores. */
#include "timeline.h"

#include "cli.h"
#include "hash.h"
#include "io.h"
#include "tsk_adapter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define WIRE_BUF (256u << 10)
#define WIRE_PIPE_SIZE (1 << 20)
/* After its own deadline the child gets this long to report before SIGKILL. */
#define WIRE_GRACE_SECONDS 5.0
#define TIMELINE_FS_TYPE_MAX 24

enum {
    WIRE_ENTRY = 'E',   /* a name */
    WIRE_CONTENT = 'C', /* a chunk of the content of the last name (content hook) */
    WIRE_END = 'F',     /* end of that content: struct wire_end */
    WIRE_DONE = 'D',    /* walk finished: struct tsk_walk_info */
    WIRE_ERROR = 'X',   /* no walk: struct wire_error */
};
#define WIRE_CHUNK 65536

struct wire_hdr {
    uint32_t type;
    uint32_t len; /* payload bytes after the header */
};

struct wire_entry {
    int32_t name_type, meta_type;
    uint32_t mode, bits; /* 1 deleted 2 realloc 4 fname 8 orphan 16 link 32 hash error
                            64 content follows */
    uint64_t uid, gid;
    int64_t size;
    int64_t time[4];
    uint32_t time_set, path_len, link_len, inode_len;
    uint8_t hex_len[HASH_COUNT];
};

struct wire_end {
    int32_t complete;
    char error[256];
};

struct wire_error {
    int32_t code;
    char msg[CUSTODY_ERR_MSG_MAX];
};

/* ---- child side ---- */

struct child_ctx {
    int fd;
    struct strbuf out;
    int failed;
    const struct timeline_content_hook *hook;
    double deadline;
    char *chunk;
};

static void
child_flush(struct child_ctx *c)
{
    if (c->out.len && io_write_full(c->fd, c->out.buf, c->out.len) < 0)
        c->failed = 1;
    strbuf_reset(&c->out);
}

static void
child_send(struct child_ctx *c, uint32_t type, const void *a, size_t alen)
{
    struct wire_hdr h = {type, (uint32_t)alen};

    strbuf_add(&c->out, &h, sizeof(h));
    strbuf_add(&c->out, a, alen);
    if (c->out.len >= WIRE_BUF / 2)
        child_flush(c);
}

/* Stream up to want bytes of the entry's content, then a WIRE_END record. */
static void
child_content(struct child_ctx *c, const struct tsk_entry *e, int64_t want)
{
    struct wire_end end;
    int64_t off = 0;

    memset(&end, 0, sizeof(end));
    if (!c->chunk && !(c->chunk = malloc(WIRE_CHUNK)))
        abort();
    if (want > e->size)
        want = e->size;
    while (off < want && !c->failed) {
        size_t n = want - off > WIRE_CHUNK ? WIRE_CHUNK : (size_t)(want - off);
        int64_t got;
        if (c->deadline > 0 && custody_mono_seconds() > c->deadline) {
            snprintf(end.error, sizeof(end.error), "time limit reached while reading");
            break;
        }
        got = tsk_entry_read(e, off, c->chunk, n);
        if (got <= 0) {
            snprintf(end.error, sizeof(end.error), "content not readable at offset %lld",
                     (long long)off);
            break;
        }
        child_send(c, WIRE_CONTENT, c->chunk, (size_t)got);
        off += got;
    }
    end.complete = off >= want;
    child_send(c, WIRE_END, &end, sizeof(end));
}

static int
child_entry(void *ctx, const struct tsk_entry *e)
{
    struct child_ctx *c = ctx;
    struct wire_entry w;
    struct wire_hdr h;
    size_t link_len = e->link ? strlen(e->link) : 0;
    size_t inode_len = strlen(e->inode);
    int64_t want = 0;

    memset(&w, 0, sizeof(w));
    if (c->hook && e->meta_type == 1 /* regular */ && !e->fname && !e->realloc)
        want = c->hook->want(c->hook->ctx, e->path, e->path_len, e->size, e->deleted);
    w.name_type = e->name_type;
    w.meta_type = e->meta_type;
    w.mode = e->mode;
    w.bits = (e->deleted ? 1u : 0) | (e->realloc ? 2u : 0) | (e->fname ? 4u : 0) |
             (e->orphan ? 8u : 0) | (e->link ? 16u : 0) | (e->hash_error ? 32u : 0) |
             (want > 0 ? 64u : 0);
    w.uid = e->uid;
    w.gid = e->gid;
    w.size = e->size;
    memcpy(w.time, e->time, sizeof(w.time));
    w.time_set = e->time_set;
    w.path_len = (uint32_t)e->path_len;
    w.link_len = (uint32_t)link_len;
    w.inode_len = (uint32_t)inode_len;
    for (int i = 0; i < HASH_COUNT; i++)
        w.hex_len[i] = (uint8_t)strlen(e->hex[i]);
    h.type = WIRE_ENTRY;
    h.len = (uint32_t)(sizeof(w) + e->path_len + link_len + inode_len + w.hex_len[0] +
                       w.hex_len[1] + w.hex_len[2]);
    strbuf_add(&c->out, &h, sizeof(h));
    strbuf_add(&c->out, &w, sizeof(w));
    strbuf_add(&c->out, e->path, e->path_len);
    strbuf_add(&c->out, e->link ? e->link : "", link_len);
    strbuf_add(&c->out, e->inode, inode_len);
    for (int i = 0; i < HASH_COUNT; i++)
        strbuf_add(&c->out, e->hex[i], w.hex_len[i]);
    if (c->out.len >= WIRE_BUF / 2)
        child_flush(c);
    if (want > 0)
        child_content(c, e, want);
    return c->failed;
}

static void
child_run(int fd, struct tsk_image *img, const struct tsk_volume *v,
          const struct tsk_walk_limits *lim, const struct timeline_content_hook *hook)
{
    struct child_ctx c = {fd, STRBUF_INIT, 0, hook, lim->deadline, NULL};
    struct tsk_walk_info info;
    struct custody_err err = {0};
    int rc;

    rc = tsk_volume_walk(img, v, lim, child_entry, &c, &info, &err);
    if (rc < 0) {
        struct wire_error we;
        memset(&we, 0, sizeof(we));
        we.code = rc;
        snprintf(we.msg, sizeof(we.msg), "%s", err.msg);
        child_send(&c, WIRE_ERROR, &we, sizeof(we));
    } else {
        child_send(&c, WIRE_DONE, &info, sizeof(info));
    }
    child_flush(&c);
    close(fd);
    /* _exit: no atexit handlers, no stdio flush of the parent's buffers. */
    _exit(c.failed ? 3 : 0);
}

/* ---- parent side ---- */

struct build_state {
    struct casedb *db;
    const struct timeline_build_opts *o;
    struct timeline_build_result *r;
    struct timeline_load *load;
    struct ioc_set *iocs;
    struct progress pg;
};

/* Load one entry; returns the number of events, or a negative code. */
static int
parent_entry(struct build_state *s, int64_t part_id, const char *p, size_t len, int *content,
             struct custody_err *err)
{
    struct wire_entry w;
    struct tl_file f;
    char hex[HASH_COUNT][HASH_HEX_MAX];
    char inode[64];
    const char *ioc = NULL;
    int64_t file_id;
    size_t need;
    int n, rc;

    if (len < sizeof(w))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "short record from the walker");
    memcpy(&w, p, sizeof(w));
    need = sizeof(w) + (size_t)w.path_len + w.link_len + w.inode_len + w.hex_len[0] + w.hex_len[1] +
           w.hex_len[2];
    if (need != len || w.inode_len >= sizeof(inode) || w.hex_len[0] >= HASH_HEX_MAX ||
        w.hex_len[1] >= HASH_HEX_MAX || w.hex_len[2] >= HASH_HEX_MAX)
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "malformed record from the walker");
    p += sizeof(w);
    memset(&f, 0, sizeof(f));
    f.path = p;
    f.path_len = w.path_len;
    p += w.path_len;
    if (w.bits & 16) {
        f.link = p;
        f.link_len = w.link_len;
    }
    p += w.link_len;
    memcpy(inode, p, w.inode_len);
    inode[w.inode_len] = '\0';
    p += w.inode_len;
    for (int i = 0; i < HASH_COUNT; i++) {
        memcpy(hex[i], p, w.hex_len[i]);
        hex[i][w.hex_len[i]] = '\0';
        p += w.hex_len[i];
    }
    f.inode = inode;
    f.name_type = w.name_type;
    f.meta_type = w.meta_type;
    f.mode = w.mode;
    f.uid = (int64_t)w.uid;
    f.gid = (int64_t)w.gid;
    f.size = w.size;
    f.flags = ((w.bits & 1) ? TL_F_DELETED : 0) | ((w.bits & 2) ? TL_F_REALLOC : 0) |
              ((w.bits & 4) ? TL_F_FNAME : 0) | ((w.bits & 8) ? TL_F_ORPHAN : 0);
    memcpy(f.time, w.time, sizeof(f.time));
    f.time_set = w.time_set;
    if (hex[HASH_MD5][0]) {
        f.md5 = hex[HASH_MD5];
        f.sha256 = hex[HASH_SHA256][0] ? hex[HASH_SHA256] : NULL;
        s->r->hashed++;
    } else if (w.bits & 32) {
        s->r->hash_failed++;
    }
    if (s->iocs) {
        for (int i = 0; i < HASH_COUNT && !ioc; i++)
            ioc = ioc_set_match(s->iocs, hex[i]);
        if (ioc) {
            f.flags |= TL_F_IOC;
            f.ioc_name = ioc;
            s->r->ioc_files++;
        }
    }
    if ((rc = timeline_load_file(s->load, part_id, &f, &file_id, &n, err)) < 0)
        return rc;
    *content = (w.bits & 64) != 0;
    if (*content && s->o->content &&
        (rc = s->o->content->begin(s->o->content->ctx, s->db, s->r->evidence_id, part_id, file_id,
                                   &f, err)) != 0)
        return rc < 0 ? rc : custody_err_set(err, CUSTODY_ERR, "content hook failed");
    return n;
}

static void
kill_child(pid_t pid, int *status)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
}

/* Walk one volume in a child and load what it sends. Fills p's status, error and
 * counts. Returns 0 (whatever happened to the partition) or a negative code when
 * the whole build must stop (database error, interrupt). */
static int
build_volume(struct build_state *s, struct tsk_image *img, const struct tsk_volume *v,
             int64_t part_id, struct tl_partition *p, char *fs_type, struct strbuf *errbuf,
             struct custody_err *err)
{
    struct tsk_walk_limits lim;
    struct tsk_walk_info info;
    struct wire_error we;
    char *buf = NULL;
    size_t start = 0, end = 0;
    int fds[2] = {-1, -1}, got_done = 0, got_error = 0, status = 0, reaped = 0, rc = 0;
    int in_content = 0; /* between an entry with content and its WIRE_END */
    double deadline = custody_mono_seconds() + s->o->time_limit;
    const char *limit_hit = NULL;
    pid_t pid, parent;

    memset(&lim, 0, sizeof(lim));
    lim.deadline = deadline;
    lim.max_entries = s->o->max_events; /* an entry gives at least one event or none */
    if (s->o->hash_files || s->iocs)
        lim.hash_algos = HASH_F_MD5 | HASH_F_SHA256 | (ioc_set_has_sha1(s->iocs) ? HASH_F_SHA1 : 0);
    if (pipe(fds) < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot create pipe");
    /* A deeper pipe lets the walker run ahead of the loader (best effort). */
    (void)fcntl(fds[1], F_SETPIPE_SZ, WIRE_PIPE_SIZE);
    fflush(stdout);
    fflush(stderr);
    parent = getpid();
    pid = fork();
    if (pid < 0) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot fork walker");
        close(fds[0]);
        close(fds[1]);
        return rc;
    }
    if (pid == 0) {
        /* A walker stuck in TSK must not outlive a killed build: it dies with its
         * parent (checked again in case the parent died before the prctl). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
            _exit(2);
        close(fds[0]);
        child_run(fds[1], img, v, &lim, s->o->content);
    }
    close(fds[1]);
    if (!(buf = malloc(WIRE_BUF)))
        abort();
    for (;;) {
        struct wire_hdr h;
        ssize_t n;
        /* Consume every complete record in the buffer. */
        while (end - start >= sizeof(h)) {
            memcpy(&h, buf + start, sizeof(h));
            if (h.len > WIRE_BUF - sizeof(h)) {
                rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "oversized record from walker");
                goto out;
            }
            if (end - start < sizeof(h) + h.len)
                break;
            if (h.type == WIRE_ENTRY) {
                int ev = parent_entry(s, part_id, buf + start + sizeof(h), h.len, &in_content, err);
                if (ev < 0) {
                    rc = ev;
                    goto out;
                }
                p->files++;
                p->events += ev;
                if ((uint64_t)p->events >= s->o->max_events) {
                    limit_hit = "event";
                    goto out;
                }
                if ((p->files & 4095) == 0) {
                    char note[128];
                    snprintf(note, sizeof(note), "%s: %lld files", v->prefix[0] ? v->prefix : "/",
                             (long long)p->files);
                    progress_update(&s->pg, (uint64_t)v->offset, note);
                }
            } else if (h.type == WIRE_CONTENT && in_content && s->o->content) {
                int hr =
                    s->o->content->data(s->o->content->ctx, buf + start + sizeof(h), h.len, err);
                if (hr != 0) {
                    rc = hr < 0 ? hr : custody_err_set(err, CUSTODY_ERR, "content hook failed");
                    goto out;
                }
            } else if (h.type == WIRE_END && in_content && h.len == sizeof(struct wire_end) &&
                       s->o->content) {
                struct wire_end we_end;
                int hr;
                memcpy(&we_end, buf + start + sizeof(h), sizeof(we_end));
                we_end.error[sizeof(we_end.error) - 1] = '\0';
                in_content = 0;
                hr = s->o->content->end(s->o->content->ctx, we_end.complete,
                                        we_end.complete ? NULL : we_end.error, err);
                if (hr != 0) {
                    rc = hr < 0 ? hr : custody_err_set(err, CUSTODY_ERR, "content hook failed");
                    goto out;
                }
            } else if (h.type == WIRE_DONE && h.len == sizeof(info)) {
                memcpy(&info, buf + start + sizeof(h), sizeof(info));
                got_done = 1;
            } else if (h.type == WIRE_ERROR && h.len == sizeof(we)) {
                memcpy(&we, buf + start + sizeof(h), sizeof(we));
                we.msg[sizeof(we.msg) - 1] = '\0';
                got_error = 1;
            } else {
                rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "unknown record from walker");
                goto out;
            }
            start += sizeof(h) + h.len;
        }
        if (start == end) {
            start = end = 0;
        } else if (start > WIRE_BUF / 2) {
            memmove(buf, buf + start, end - start);
            end -= start;
            start = 0;
        }
        if (custody_interrupted) {
            rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
            goto out;
        }
        double left = deadline + WIRE_GRACE_SECONDS - custody_mono_seconds();
        if (left <= 0) {
            limit_hit = "time";
            goto out;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
        if (pr < 0 && errno != EINTR) {
            rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot wait for walker");
            goto out;
        }
        if (pr <= 0)
            continue;
        n = read(fds[0], buf + end, WIRE_BUF - end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EOF: the child is done, or died */
        end += (size_t)n;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    reaped = 1;
out:
    if (!reaped)
        kill_child(pid, &status);
    if (in_content && s->o->content && rc == 0) {
        int hr = s->o->content->end(s->o->content->ctx, 0, "walker stopped while reading", err);
        if (hr != 0)
            rc = hr < 0 ? hr : custody_err_set(err, CUSTODY_ERR, "content hook failed");
    }
    close(fds[0]);
    free(buf);
    if (rc < 0)
        return rc;
    strbuf_reset(errbuf);
    if (limit_hit) {
        p->status = "partial";
        if (!strcmp(limit_hit, "time"))
            strbuf_addf(errbuf, "time limit of %.0f s reached after %lld names; walk stopped",
                        s->o->time_limit, (long long)p->files);
        else
            strbuf_addf(errbuf, "event limit of %llu reached; walk stopped",
                        (unsigned long long)s->o->max_events);
    } else if (got_error) {
        p->status = we.code == CUSTODY_ERR_NOTFOUND ? "no-fs" : "error";
        strbuf_addstr(errbuf, we.msg);
    } else if (got_done) {
        if (info.stopped == TSK_WALK_TIME_LIMIT) {
            p->status = "partial";
            strbuf_addf(errbuf, "time limit of %.0f s reached after %lld names; walk stopped",
                        s->o->time_limit, (long long)p->files);
        } else if (info.stopped == TSK_WALK_ENTRY_LIMIT) {
            p->status = "partial";
            strbuf_addf(errbuf, "event limit of %llu reached; walk stopped",
                        (unsigned long long)s->o->max_events);
        } else if (info.stopped == TSK_WALK_INTERRUPTED) {
            return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
        } else if (info.warning[0]) {
            p->status = "partial";
            strbuf_addstr(errbuf, info.warning);
        } else {
            p->status = "ok";
        }
    } else {
        p->status = "error";
        if (WIFSIGNALED(status))
            strbuf_addf(errbuf, "file-system walker died of signal %d after %lld names",
                        WTERMSIG(status), (long long)p->files);
        else
            strbuf_addf(errbuf, "file-system walker exited with status %d after %lld names",
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1, (long long)p->files);
    }
    p->error = errbuf->len ? errbuf->buf : NULL;
    if (got_done && info.fs_type[0]) {
        snprintf(fs_type, TIMELINE_FS_TYPE_MAX, "%.23s", info.fs_type);
        p->fs_type = fs_type;
    }
    return 0;
}

static int
record_ioc(void *ctx, const char *hex, const char *algo, const char *name)
{
    struct build_state *s = ctx;
    struct custody_err err;
    return timeline_load_ioc(s->load, hex, algo, name, s->o->ioc_path, &err) < 0;
}

static int
looks_like_e01(const char *path)
{
    size_t n = strlen(path);
    return (n >= 4 && !strcasecmp(path + n - 4, ".e01")) ||
           (n >= 5 && !strcasecmp(path + n - 5, ".ex01"));
}

void
timeline_build_result_release(struct timeline_build_result *r)
{
    if (!r)
        return;
    tl_partition_list_free(r->parts, r->n_parts);
    r->parts = NULL;
    r->n_parts = 0;
}

int
timeline_build(struct casedb *db, const struct timeline_build_opts *o,
               struct timeline_build_result *r, struct custody_err *err)
{
    struct build_state s;
    struct casedb_evidence ev = {0};
    struct tsk_image *img = NULL;
    struct tsk_volume *vols = NULL;
    struct strbuf added_by = STRBUF_INIT, errbuf = STRBUF_INIT;
    size_t nvols = 0;
    double t0 = custody_mono_seconds();
    int rc, have_ev = 0;

    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    s.db = db;
    s.o = o;
    s.r = r;
    if (o->ioc_path && (rc = ioc_set_load(&s.iocs, o->ioc_path, err)) < 0)
        goto done;
    r->iocs_loaded = ioc_set_count(s.iocs);
    if ((o->hash_files || s.iocs) && (rc = crypto_init(err)) < 0)
        goto done;
    if ((rc = tsk_image_open(&img, o->images, o->n_images, err)) < 0)
        goto done;
    snprintf(r->image_type, sizeof(r->image_type), "%s", tsk_image_type(img));
    /* TSK falls back to raw when an E01 is damaged: walking its compressed bytes
     * as a disk would give a plausible-looking but wrong "no file system". */
    if (strcmp(r->image_type, "ewf") != 0 && looks_like_e01(o->images[0])) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "'%s' is named like an E01 but is not a readable EWF image",
                             o->images[0]);
        goto done;
    }
    r->image_size = tsk_image_size(img);
    if ((rc = casedb_run_begin(db, TIMELINE_PROG, o->argc, o->argv, &r->run_id, err)) < 0)
        goto done;
    strbuf_addf(&added_by, TIMELINE_PROG " (run %lld)", (long long)r->run_id);
    if ((rc = casedb_evidence_ensure(db, o->asset, o->evidence, added_by.buf, &ev,
                                     &r->evidence_created, err)) < 0)
        goto done;
    have_ev = 1;
    r->evidence_id = ev.id;
    if (ev.size < 0 || ev.sector_size < 0) {
        struct casedb_evidence upd = ev;
        upd.size = r->image_size;
        upd.sector_size = tsk_image_sector_size(img);
        if ((rc = casedb_evidence_update_identity(db, &upd, err)) < 0)
            goto done;
    }
    if ((rc = tsk_image_volumes(img, &vols, &nvols, err)) < 0)
        goto done;
    if ((rc = timeline_load_begin(&s.load, db, ev.id, r->run_id, err)) < 0)
        goto done;
    if (s.iocs && ioc_set_foreach(s.iocs, record_ioc, &s)) {
        rc = custody_err_set(err, CUSTODY_ERR_DB, "cannot record the ioc list");
        goto done;
    }
    progress_init(&s.pg, "timeline", (uint64_t)r->image_size, !o->progress);
    for (size_t i = 0; i < nvols; i++) {
        const struct tsk_volume *v = &vols[i];
        struct tl_partition p;
        char fs_type[TIMELINE_FS_TYPE_MAX];
        int64_t part_id;
        memset(&p, 0, sizeof(p));
        p.idx = (int)i;
        p.offset = v->offset;
        p.length = v->length;
        p.slot = v->slot;
        p.vs_type = v->vs_type;
        p.desc = v->desc;
        p.prefix = v->prefix;
        p.status = "partial"; /* until the walk says otherwise */
        if ((rc = timeline_load_partition(s.load, &p, &part_id, err)) < 0)
            goto done;
        if ((rc = build_volume(&s, img, v, part_id, &p, fs_type, &errbuf, err)) < 0)
            goto done;
        if ((rc = timeline_load_partition_done(s.load, part_id, &p, err)) < 0)
            goto done;
        r->files += p.files;
        r->events += p.events;
        if (!strcmp(p.status, "error") || !strcmp(p.status, "partial"))
            r->skipped++;
    }
    progress_finish(&s.pg);
    rc = timeline_load_commit(s.load, err);
    s.load = NULL;
    if (rc < 0)
        goto done;
    rc = timeline_partitions_list(db, ev.id, &r->parts, &r->n_parts, err);
done:
    timeline_load_abort(s.load);
    if (r->run_id > 0) {
        struct custody_err e2;
        casedb_run_end(db, r->run_id, rc < 0 ? EXIT_FAILED : r->skipped ? EXIT_NOT_OK : 0, &e2);
    }
    if (have_ev)
        casedb_evidence_release(&ev);
    free(vols);
    tsk_image_close(img);
    ioc_set_free(s.iocs);
    strbuf_release(&added_by);
    strbuf_release(&errbuf);
    r->seconds = custody_mono_seconds() - t0;
    return rc;
}
