/* --format table: aligned columns for a terminal. Every cell goes through
 * strbuf_add_safe (no escape sequence reaches the terminal); column widths come
 * from the first rows; the last column is cut to the terminal width. */
#include "format.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_COLS 7
#define TABLE_SAMPLE 256

static const char *const col_names[TABLE_COLS] = {"TIME", "ASSET", "SOURCE", "ACTION",
                                                  "USER", "IP",    "DETAIL"};
static const size_t col_max[TABLE_COLS] = {40, 24, 10, 24, 16, 39, 0};

struct table_state {
    struct strbuf arena; /* sampled cells, NUL-separated */
    size_t n_sampled;
    int widths_fixed;
    size_t width[TABLE_COLS];
};

/* Display columns of valid UTF-8 (what strbuf_add_safe leaves): code points. */
static size_t
text_cols(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

/* Append s padded or cut to exactly cols display columns (cols 0: as is). */
static void
put_cell(struct strbuf *sb, const char *s, size_t cols, int pad)
{
    size_t len = strlen(s), have = text_cols(s, len);

    if (cols && have > cols) {
        size_t keep = cols - 1, i = 0, c = 0;
        while (i < len && (c < keep || ((unsigned char)s[i] & 0xc0) == 0x80)) {
            if (((unsigned char)s[i] & 0xc0) != 0x80)
                c++;
            if (c > keep)
                break;
            i++;
        }
        strbuf_add(sb, s, i);
        strbuf_addstr(sb, "\xe2\x80\xa6"); /* ellipsis */
        return;
    }
    strbuf_add(sb, s, len);
    if (pad)
        for (size_t i = have; i < cols; i++)
            strbuf_addch(sb, ' ');
}

static void
row_cells(struct fmt_writer *w, const struct casedb_event_row *r, struct strbuf *arena)
{
    struct strbuf t = STRBUF_INIT;

    fmt_time_iso(w, &t, r->ts, 0, ' ');
    strbuf_add(arena, t.buf, t.len + 1);
    const char *plain[5] = {r->asset, r->source, r->kind, r->user, r->ip};
    for (int i = 0; i < 5; i++) {
        if (plain[i])
            strbuf_add_safe(arena, plain[i], strlen(plain[i]));
        else
            strbuf_addch(arena, '-');
        strbuf_addch(arena, '\0');
    }
    strbuf_reset(&t);
    if (r->file_id) {
        fmt_body_name(w, &t, r);
    } else {
        fmt_event_text(w, &t, r);
    }
    strbuf_add_safe(arena, t.buf, t.len);
    strbuf_addch(arena, '\0');
    strbuf_release(&t);
}

static void
print_row(struct fmt_writer *w, struct table_state *st, const char *cells)
{
    size_t used = 0;

    for (int c = 0; c < TABLE_COLS; c++) {
        size_t width = st->width[c];
        if (c == TABLE_COLS - 1)
            width = w->width && used + 8 < (size_t)w->width ? (size_t)w->width - used : 0;
        put_cell(&w->out, cells, width, c < TABLE_COLS - 1);
        if (c < TABLE_COLS - 1) {
            strbuf_addstr(&w->out, "  ");
            used += st->width[c] + 2;
        }
        cells += strlen(cells) + 1;
    }
    strbuf_addch(&w->out, '\n');
}

static void
fix_widths(struct fmt_writer *w, struct table_state *st)
{
    const char *p = st->arena.buf;
    char header[256];
    size_t off = 0;

    for (int c = 0; c < TABLE_COLS; c++)
        st->width[c] = strlen(col_names[c]);
    for (size_t r = 0; r < st->n_sampled; r++)
        for (int c = 0; c < TABLE_COLS; c++) {
            size_t len = strlen(p), cols = text_cols(p, len);
            if (cols > st->width[c])
                st->width[c] = cols;
            p += len + 1;
        }
    for (int c = 0; c < TABLE_COLS; c++)
        if (col_max[c] && st->width[c] > col_max[c])
            st->width[c] = col_max[c];
    for (int c = 0; c < TABLE_COLS; c++) {
        size_t n = strlen(col_names[c]) + 1;
        memcpy(header + off, col_names[c], n);
        off += n;
    }
    st->widths_fixed = 1;
    print_row(w, st, header);
    p = st->arena.buf;
    for (size_t r = 0; r < st->n_sampled; r++) {
        print_row(w, st, p);
        for (int c = 0; c < TABLE_COLS; c++)
            p += strlen(p) + 1;
    }
    strbuf_reset(&st->arena);
    st->n_sampled = 0;
}

static int
table_begin(struct fmt_writer *w, struct custody_err *err)
{
    struct table_state *st = calloc(1, sizeof(*st));

    (void)err;
    if (!st)
        abort();
    strbuf_init(&st->arena);
    w->state = st;
    return 0;
}

static int
table_row(struct fmt_writer *w, const struct casedb_event_row *r, struct custody_err *err)
{
    struct table_state *st = w->state;

    (void)err;
    if (st->widths_fixed) {
        strbuf_reset(&st->arena);
        row_cells(w, r, &st->arena);
        print_row(w, st, st->arena.buf);
        return 0;
    }
    row_cells(w, r, &st->arena);
    if (++st->n_sampled == TABLE_SAMPLE)
        fix_widths(w, st);
    return 0;
}

static int
table_end(struct fmt_writer *w, struct custody_err *err)
{
    struct table_state *st = w->state;

    (void)err;
    if (!st->widths_fixed && st->n_sampled)
        fix_widths(w, st);
    return 0;
}

static void
table_release(struct fmt_writer *w)
{
    struct table_state *st = w->state;

    if (st)
        strbuf_release(&st->arena);
    free(st);
    w->state = NULL;
}

const struct fmt_ops fmt_table = {
    "table",     "aligned columns for a terminal (default on a terminal)",
    table_begin, table_row,
    table_end,   table_release,
};
