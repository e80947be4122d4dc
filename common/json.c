/* Streaming JSON writer. */
#include "json.h"
#include "utf8.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void
json_init(struct json_writer *w, struct strbuf *out, int pretty)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->pretty = pretty;
}

static void
json_indent(struct json_writer *w)
{
    if (!w->pretty)
        return;
    strbuf_addch(w->out, '\n');
    for (int i = 0; i < w->depth; i++)
        strbuf_addstr(w->out, "  ");
}

/* Separator and indentation before a value or key. */
static void
json_pre(struct json_writer *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->count[w->depth])
            strbuf_addch(w->out, ',');
        json_indent(w);
    }
    if (w->count[w->depth] < 255)
        w->count[w->depth]++;
}

static void
json_open(struct json_writer *w, char c)
{
    json_pre(w);
    strbuf_addch(w->out, c);
    if (w->depth < JSON_MAX_DEPTH - 1)
        w->depth++;
    w->count[w->depth] = 0;
}

static void
json_close(struct json_writer *w, char c)
{
    int had = w->count[w->depth] != 0;

    if (w->depth > 0)
        w->depth--;
    if (had)
        json_indent(w);
    strbuf_addch(w->out, c);
}

void
json_begin_object(struct json_writer *w)
{
    json_open(w, '{');
}

void
json_end_object(struct json_writer *w)
{
    json_close(w, '}');
}

void
json_begin_array(struct json_writer *w)
{
    json_open(w, '[');
}

void
json_end_array(struct json_writer *w)
{
    json_close(w, ']');
}

/* 1 for bytes copied as they are: printable ASCII but for " \\ and <>& (escaped so
 * the JSON is safe inside HTML). */
static const uint8_t json_plain[256] = {
    ['\x20'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1,
    ['*'] = 1,    ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,  ['0'] = 1, ['1'] = 1,
    ['2'] = 1,    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,  ['8'] = 1, ['9'] = 1,
    [':'] = 1,    [';'] = 1, ['='] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 1,  ['B'] = 1, ['C'] = 1,
    ['D'] = 1,    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,  ['J'] = 1, ['K'] = 1,
    ['L'] = 1,    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,  ['R'] = 1, ['S'] = 1,
    ['T'] = 1,    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1,  ['Z'] = 1, ['['] = 1,
    [']'] = 1,    ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1,  ['c'] = 1, ['d'] = 1,
    ['e'] = 1,    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,  ['k'] = 1, ['l'] = 1,
    ['m'] = 1,    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,  ['s'] = 1, ['t'] = 1,
    ['u'] = 1,    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,  ['{'] = 1, ['|'] = 1,
    ['}'] = 1,    ['~'] = 1,
};

int
json_escape(struct strbuf *sb, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    int valid = 1;

    while (i < len) {
        size_t j = i;
        while (j < len && json_plain[p[j]])
            j++;
        if (j > i) {
            strbuf_add(sb, p + i, j - i);
            i = j;
            if (i == len)
                break;
        }
        uint8_t c = p[i];
        switch (c) {
        case '"':
            strbuf_add(sb, "\\\"", 2);
            i++;
            continue;
        case '\\':
            strbuf_add(sb, "\\\\", 2);
            i++;
            continue;
        case '\n':
            strbuf_add(sb, "\\n", 2);
            i++;
            continue;
        case '\r':
            strbuf_add(sb, "\\r", 2);
            i++;
            continue;
        case '\t':
            strbuf_add(sb, "\\t", 2);
            i++;
            continue;
        default:
            break;
        }
        if (c < 0x80) {
            /* other controls, DEL, and <>& */
            strbuf_addf(sb, "\\u%04x", c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            strbuf_add(sb, "\\ufffd", 6);
            valid = 0;
            i++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            strbuf_addf(sb, "\\u%04x", cp);
            i += n;
        } else {
            strbuf_add(sb, p + i, n);
            i += n;
        }
    }
    return valid;
}

void
json_key(struct json_writer *w, const char *key)
{
    json_pre(w);
    strbuf_addch(w->out, '"');
    json_escape(w->out, key, strlen(key));
    strbuf_addstr(w->out, w->pretty ? "\": " : "\":");
    w->after_key = 1;
}

void
json_bytes(struct json_writer *w, const void *data, size_t len)
{
    json_pre(w);
    strbuf_addch(w->out, '"');
    json_escape(w->out, data, len);
    strbuf_addch(w->out, '"');
}

void
json_str(struct json_writer *w, const char *s)
{
    if (!s)
        json_null(w);
    else
        json_bytes(w, s, strlen(s));
}

void
json_int(struct json_writer *w, int64_t v)
{
    json_pre(w);
    strbuf_addf(w->out, "%" PRId64, v);
}

void
json_uint(struct json_writer *w, uint64_t v)
{
    json_pre(w);
    strbuf_addf(w->out, "%" PRIu64, v);
}

void
json_double(struct json_writer *w, double v)
{
    json_pre(w);
    if (!isfinite(v))
        strbuf_addstr(w->out, "null");
    else
        strbuf_addf(w->out, "%.17g", v);
}

void
json_bool(struct json_writer *w, int v)
{
    json_pre(w);
    strbuf_addstr(w->out, v ? "true" : "false");
}

void
json_null(struct json_writer *w)
{
    json_pre(w);
    strbuf_addstr(w->out, "null");
}

void
json_raw(struct json_writer *w, const char *json)
{
    json_pre(w);
    strbuf_addstr(w->out, json);
}

void
json_kv_str(struct json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_str(w, s);
}

void
json_kv_int(struct json_writer *w, const char *key, int64_t v)
{
    json_key(w, key);
    json_int(w, v);
}

void
json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
    json_key(w, key);
    json_uint(w, v);
}

void
json_kv_bool(struct json_writer *w, const char *key, int v)
{
    json_key(w, key);
    json_bool(w, v);
}

void
json_kv_double(struct json_writer *w, const char *key, double v)
{
    json_key(w, key);
    json_double(w, v);
}

void
json_kv_bytes(struct json_writer *w, const char *key, const void *data, size_t len)
{
    json_key(w, key);
    json_bytes(w, data, len);
    if (!utf8_valid(data, len)) {
        struct strbuf k = STRBUF_INIT;
        strbuf_addf(&k, "%s_hex", key);
        json_key(w, k.buf);
        json_pre(w);
        strbuf_addch(w->out, '"');
        strbuf_addhex(w->out, data, len);
        strbuf_addch(w->out, '"');
        strbuf_release(&k);
    }
}
