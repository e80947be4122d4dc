/* --format body: TSK 3.x body-file lines, one per file whose events matched
 * (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime, seconds), written by
 * the same code as `export --format body`, so they equal fls -r -m. Log events
 * have no body-file form and are left out. */
#include "format.h"

#include <stdlib.h>

struct body_state {
    struct fmt_idset seen;
};

static int
body_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct body_state *st = w->state;
    struct strbuf *sb = &w->out;
    (void)err;
    if (!r->file_id)
        return 0;
    if (!r->kind && !fmt_file_selected(w, r))
        return 0;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            abort();
        w->state = st;
    }
    if (!fmt_idset_add(&st->seen, r->file_id))
        return 0;
    fmt_body_line(w, sb, r);
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
