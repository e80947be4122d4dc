/* --format body: TSK 3.x body-file lines, one per file whose events matched
 * (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime, seconds). Log events
 * have no body-file form and are left out. Names are written as raw bytes, as fls
 * writes them. */
#include "format.h"

#include <stdlib.h>

struct body_state {
    struct fmt_idset seen;
};

static int64_t
body_time(int has, int64_t ns)
{
    return has ? fmt_seconds(ns) : 0;
}

static int
body_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct body_state *st = w->state;
    struct strbuf *sb = &w->out;
    char mode[16];

    (void)err;
    if (!r->file_id)
        return 0;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            abort();
        w->state = st;
    }
    if (!fmt_idset_add(&st->seen, r->file_id))
        return 0;
    fmt_mode_string(mode, r->name_type, r->meta_type, r->mode);
    strbuf_addstr(sb, r->md5 ? r->md5 : "0");
    strbuf_addch(sb, '|');
    fmt_body_name(sb, r);
    strbuf_addf(
        sb, "|%s|%s|%lld|%lld|%lld|%lld|%lld|%lld|%lld\n", r->inode ? r->inode : "0", mode,
        (long long)(r->uid < 0 ? 0 : r->uid), (long long)(r->gid < 0 ? 0 : r->gid),
        (long long)(r->size < 0 ? 0 : r->size), (long long)body_time(r->has_atime, r->atime),
        (long long)body_time(r->has_mtime, r->mtime), (long long)body_time(r->has_ctime, r->ctime),
        (long long)body_time(r->has_crtime, r->crtime));
    return 0;
}

static void
body_release(struct fmt_writer *w)
{
    struct body_state *st = w->state;

    if (st)
        fmt_idset_release(&st->seen);
    free(st);
    w->state = NULL;
}

const struct fmt_ops fmt_body = {
    "body", "TSK 3.x body file (files only), input for mactime", NULL, body_row, NULL, body_release,
};
