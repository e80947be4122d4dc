/* A streaming JSON writer that always emits valid UTF-8.
 * Strings from evidence are arbitrary bytes: invalid sequences become U+FFFD and
 * json_kv_bytes() keeps the original bytes in a "<key>_hex" field beside them. */
#ifndef CUSTODY_JSON_H
#define CUSTODY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH 64

struct json_writer {
    struct strbuf *out; /* caller-owned destination */
    int depth;
    int pretty;                          /* newline + 2-space indent when set */
    unsigned char count[JSON_MAX_DEPTH]; /* values written at each depth (saturating) */
    int after_key;                       /* a key was just written */
};

void json_init(struct json_writer *w, struct strbuf *out, int pretty);

void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);

void json_str(struct json_writer *w, const char *s); /* NULL writes null */
void json_bytes(struct json_writer *w, const void *data, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, int v);
void json_null(struct json_writer *w);
/* Insert pre-formatted JSON (must be a valid value). */
void json_raw(struct json_writer *w, const char *json);

void json_kv_str(struct json_writer *w, const char *key, const char *s);
void json_kv_int(struct json_writer *w, const char *key, int64_t v);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_bool(struct json_writer *w, const char *key, int v);
void json_kv_double(struct json_writer *w, const char *key, double v);
/* key: string; when the bytes are not valid UTF-8 also "<key>_hex": original bytes. */
void json_kv_bytes(struct json_writer *w, const char *key, const void *data, size_t len);

/* Append data as the contents of a JSON string (no quotes) to sb. Returns 1 when
 * the input was valid UTF-8, 0 when something had to be replaced. */
int json_escape(struct strbuf *sb, const void *data, size_t len);

#endif
