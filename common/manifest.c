/* The acquisition manifest: writer and strict parser (format in manifest.h and
 * docs/keys.md). The parser accepts exactly what the writer produces: after a
 * field-by-field parse the text is written again and must come out byte for byte
 * the same, so one manifest has one meaning and one spelling. */
#include "manifest.h"

#include "cli.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MANIFEST_VERSION "1"

enum field_kind {
    F_STR,    /* optional string, line omitted when NULL or empty */
    F_U64,    /* decimal, always written */
    F_U32,    /* decimal, always written */
    F_TIME,   /* RFC 3339 UTC with nanoseconds, always written */
    F_HEX,    /* lowercase hex of a fixed length, omitted when empty */
    F_RANGE,  /* repeated: "FIRST COUNT" */
    F_FILE,   /* repeated: "SIZE NAME" */
    F_VERSION /* the first line */
};

struct field {
    const char *key;
    enum field_kind kind;
    size_t off;    /* offset of the member in struct manifest */
    size_t hexlen; /* F_HEX: number of hex digits */
};

#define OFF(m) offsetof(struct manifest, m)

/* The fixed order of the manifest's lines. */
static const struct field fields[] = {
    {"custody-manifest", F_VERSION, 0, 0},
    {"acquisition-uuid", F_STR, OFF(acquisition_uuid), 0},
    {"case-uuid", F_STR, OFF(case_uuid), 0},
    {"case-number", F_STR, OFF(case_number), 0},
    {"asset", F_STR, OFF(asset), 0},
    {"evidence", F_STR, OFF(evidence), 0},
    {"evidence-number", F_STR, OFF(evidence_number), 0},
    {"description", F_STR, OFF(description), 0},
    {"notes", F_STR, OFF(notes), 0},
    {"examiner", F_STR, OFF(examiner), 0},
    {"key-id", F_STR, OFF(key_id), 0},
    {"source", F_STR, OFF(source), 0},
    {"source-type", F_STR, OFF(source_type), 0},
    {"device-vendor", F_STR, OFF(device_vendor), 0},
    {"device-model", F_STR, OFF(device_model), 0},
    {"device-serial", F_STR, OFF(device_serial), 0},
    {"media-size", F_U64, OFF(media_size), 0},
    {"sector-size", F_U32, OFF(sector_size), 0},
    {"physical-sector-size", F_U32, OFF(physical_sector_size), 0},
    {"format", F_STR, OFF(format), 0},
    {"compression", F_STR, OFF(compression), 0},
    {"segment-size", F_U64, OFF(segment_size), 0},
    {"chunk-sectors", F_U32, OFF(chunk_sectors), 0},
    {"chunk-note", F_STR, OFF(chunk_note), 0},
    {"md5", F_HEX, OFF(md5), 32},
    {"sha1", F_HEX, OFF(sha1), 40},
    {"sha256", F_HEX, OFF(sha256), 64},
    {"started-at", F_TIME, OFF(started_at), 0},
    {"ended-at", F_TIME, OFF(ended_at), 0},
    {"status", F_STR, OFF(status), 0},
    {"resumed", F_STR, OFF(resumed), 0},
    {"read-error", F_RANGE, 0, 0},
    {"verify-image", F_STR, OFF(verify_image), 0},
    {"verify-source", F_STR, OFF(verify_source), 0},
    {"tool-version", F_STR, OFF(tool_version), 0},
    {"library-versions", F_STR, OFF(library_versions), 0},
    {"command-line", F_STR, OFF(command_line), 0},
    {"file", F_FILE, 0, 0},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

void
manifest_release(struct manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < N_FIELDS; i++)
        if (fields[i].kind == F_STR)
            free(*(char **)((char *)m + fields[i].off));
    free(m->read_errors);
    for (size_t i = 0; i < m->n_files; i++)
        free(m->files[i].name);
    free(m->files);
    memset(m, 0, sizeof(*m));
}

/* GNU coreutils' escaping of a name in a checksum line: a line whose name holds a
 * backslash or a newline starts with a backslash, and those two are escaped. */
static int
name_needs_escape(const char *name)
{
    return strchr(name, '\\') || strchr(name, '\n');
}

static void
add_gnu_name(struct strbuf *out, const char *name)
{
    for (const char *p = name; *p; p++) {
        if (*p == '\\')
            strbuf_addstr(out, "\\\\");
        else if (*p == '\n')
            strbuf_addstr(out, "\\n");
        else
            strbuf_addch(out, *p);
    }
}

void
manifest_format(struct strbuf *out, const struct manifest *m)
{
    for (size_t i = 0; i < N_FIELDS; i++) {
        const struct field *f = &fields[i];
        const char *base = (const char *)m + f->off;
        switch (f->kind) {
        case F_VERSION:
            strbuf_addf(out, "%s: %s\n", f->key, MANIFEST_VERSION);
            break;
        case F_STR: {
            const char *s = *(char *const *)base;
            if (s && *s) {
                strbuf_addf(out, "%s: ", f->key);
                strbuf_add_safe(out, s, strlen(s));
                strbuf_addch(out, '\n');
            }
            break;
        }
        case F_HEX:
            if (*base) {
                strbuf_addf(out, "%s: ", f->key);
                strbuf_add_safe(out, base, strnlen(base, HASH_HEX_MAX - 1));
                strbuf_addch(out, '\n');
            }
            break;
        case F_U64:
            strbuf_addf(out, "%s: %llu\n", f->key, (unsigned long long)*(const uint64_t *)base);
            break;
        case F_U32:
            strbuf_addf(out, "%s: %lu\n", f->key, (unsigned long)*(const uint32_t *)base);
            break;
        case F_TIME:
            strbuf_addf(out, "%s: ", f->key);
            custody_format_time(out, *(const int64_t *)base);
            strbuf_addch(out, '\n');
            break;
        case F_RANGE:
            for (size_t k = 0; k < m->n_read_errors; k++)
                strbuf_addf(out, "%s: %llu %llu\n", f->key,
                            (unsigned long long)m->read_errors[k].first_sector,
                            (unsigned long long)m->read_errors[k].count);
            break;
        case F_FILE:
            for (size_t k = 0; k < m->n_files; k++) {
                strbuf_addf(out, "%s: %llu ", f->key, (unsigned long long)m->files[k].size);
                strbuf_add_safe(out, m->files[k].name, strlen(m->files[k].name));
                strbuf_addch(out, '\n');
            }
            break;
        }
    }
    for (size_t k = 0; k < m->n_files; k++) {
        const char *name = m->files[k].name;
        if (name_needs_escape(name))
            strbuf_addch(out, '\\');
        strbuf_addstr(out, "SHA256 (");
        add_gnu_name(out, name);
        strbuf_addf(out, ") = %s\n", m->files[k].sha256);
    }
}

/* Undo strbuf_add_safe: "\\" and "\xHH"; anything else after a backslash is an error.
 * The result must not contain NUL (values are C strings). */
static int
unescape_value(char **out, const char *s, size_t len)
{
    struct strbuf sb = STRBUF_INIT;

    *out = NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            strbuf_addch(&sb, s[i]);
            continue;
        }
        if (i + 1 < len && s[i + 1] == '\\') {
            strbuf_addch(&sb, '\\');
            i++;
        } else if (i + 3 < len && s[i + 1] == 'x') {
            uint8_t b;
            char hx[3] = {s[i + 2], s[i + 3], 0};
            if (hx[0] >= 'A' && hx[0] <= 'F')
                goto bad;
            if (hex_decode(&b, 1, hx) < 0 || b == 0)
                goto bad;
            strbuf_addch(&sb, b);
            i += 3;
        } else {
            goto bad;
        }
    }
    *out = strbuf_detach(&sb, NULL);
    return 0;
bad:
    strbuf_release(&sb);
    return CUSTODY_ERR_FORMAT;
}

/* Strict decimal: no sign, no leading zeros, no overflow. */
static int
parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
        return CUSTODY_ERR_FORMAT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CUSTODY_ERR_FORMAT;
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return CUSTODY_ERR_FORMAT;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return CUSTODY_ERR_FORMAT;
    *out = v;
    return 0;
}

static int
is_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* "N1 N2..." : the first space splits the value. */
static int
split_first(const char *v, size_t vlen, size_t *sp)
{
    const char *p = memchr(v, ' ', vlen);
    if (!p)
        return CUSTODY_ERR_FORMAT;
    *sp = (size_t)(p - v);
    return 0;
}

static int
parse_value(struct manifest *m, const struct field *f, const char *v, size_t vlen, const char **why)
{
    char *base = (char *)m + f->off;
    uint64_t a, b;
    size_t sp;

    switch (f->kind) {
    case F_VERSION:
        if (vlen != strlen(MANIFEST_VERSION) || memcmp(v, MANIFEST_VERSION, vlen)) {
            *why = "unsupported manifest version";
            return CUSTODY_ERR_VERSION;
        }
        return 0;
    case F_STR:
        if (vlen == 0 || unescape_value((char **)base, v, vlen) < 0) {
            *why = "bad escape or empty value";
            return CUSTODY_ERR_FORMAT;
        }
        return 0;
    case F_HEX:
        if (vlen != f->hexlen || !is_lower_hex(v, vlen)) {
            *why = "not a lowercase hex digest of the right length";
            return CUSTODY_ERR_FORMAT;
        }
        memcpy(base, v, vlen);
        base[vlen] = 0;
        return 0;
    case F_U64:
    case F_U32:
        if (parse_dec(v, vlen, f->kind == F_U32 ? UINT32_MAX : UINT64_MAX, &a) < 0) {
            *why = "not a decimal number";
            return CUSTODY_ERR_FORMAT;
        }
        if (f->kind == F_U32)
            *(uint32_t *)base = (uint32_t)a;
        else
            *(uint64_t *)base = a;
        return 0;
    case F_TIME: {
        char tbuf[64];
        int64_t ns;
        if (vlen >= sizeof(tbuf)) {
            *why = "not a time";
            return CUSTODY_ERR_FORMAT;
        }
        memcpy(tbuf, v, vlen);
        tbuf[vlen] = 0;
        if (custody_parse_time(tbuf, &ns) < 0) {
            *why = "not a time";
            return CUSTODY_ERR_FORMAT;
        }
        *(int64_t *)base = ns;
        return 0;
    }
    case F_RANGE: {
        struct manifest_range *r;
        if (split_first(v, vlen, &sp) < 0 || parse_dec(v, sp, UINT64_MAX, &a) < 0 ||
            parse_dec(v + sp + 1, vlen - sp - 1, UINT64_MAX, &b) < 0 || b == 0) {
            *why = "expected 'FIRST-SECTOR COUNT'";
            return CUSTODY_ERR_FORMAT;
        }
        r = realloc(m->read_errors, (m->n_read_errors + 1) * sizeof(*r));
        if (!r) {
            *why = "out of memory";
            return CUSTODY_ERR_NOMEM;
        }
        m->read_errors = r;
        r[m->n_read_errors].first_sector = a;
        r[m->n_read_errors].count = b;
        m->n_read_errors++;
        return 0;
    }
    case F_FILE: {
        struct manifest_file *fl;
        char *name = NULL;
        if (split_first(v, vlen, &sp) < 0 || parse_dec(v, sp, UINT64_MAX, &a) < 0 ||
            sp + 1 >= vlen || unescape_value(&name, v + sp + 1, vlen - sp - 1) < 0 ||
            strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
            free(name);
            *why = "expected 'SIZE NAME' with a plain file name";
            return CUSTODY_ERR_FORMAT;
        }
        fl = realloc(m->files, (m->n_files + 1) * sizeof(*fl));
        if (!fl) {
            free(name);
            *why = "out of memory";
            return CUSTODY_ERR_NOMEM;
        }
        m->files = fl;
        memset(&fl[m->n_files], 0, sizeof(*fl));
        fl[m->n_files].name = name;
        fl[m->n_files].size = a;
        m->n_files++;
        return 0;
    }
    }
    return CUSTODY_ERR_FORMAT;
}

/* One "SHA256 (NAME) = HEX" line, the n-th; NAME must equal the n-th file line's. */
static int
parse_tag_line(struct manifest *m, size_t n, const char *line, size_t len, const char **why)
{
    static const char pre[] = "SHA256 (";
    struct strbuf name = STRBUF_INIT;
    int escaped = 0, rc = CUSTODY_ERR_FORMAT;
    size_t i, end;

    if (len && line[0] == '\\') {
        escaped = 1;
        line++;
        len--;
    }
    if (len < sizeof(pre) - 1 + 4 + 64 || memcmp(line, pre, sizeof(pre) - 1) ||
        memcmp(line + len - 64 - 4, ") = ", 4) || !is_lower_hex(line + len - 64, 64)) {
        *why = "expected 'SHA256 (NAME) = HEX'";
        goto out;
    }
    end = len - 64 - 4;
    for (i = sizeof(pre) - 1; i < end; i++) {
        if (escaped && line[i] == '\\') {
            if (i + 1 < end && line[i + 1] == '\\')
                strbuf_addch(&name, '\\');
            else if (i + 1 < end && line[i + 1] == 'n')
                strbuf_addch(&name, '\n');
            else {
                *why = "bad escape in file name";
                goto out;
            }
            i++;
        } else {
            strbuf_addch(&name, line[i]);
        }
    }
    if (n >= m->n_files || strcmp(name.buf, m->files[n].name)) {
        *why = "checksum line does not match the file lines";
        goto out;
    }
    memcpy(m->files[n].sha256, line + len - 64, 64);
    m->files[n].sha256[64] = 0;
    rc = 0;
out:
    strbuf_release(&name);
    return rc;
}

/* Where the parser stands between lines. */
struct parse_state {
    size_t lineno;     /* 1-based number of the current line */
    size_t next_field; /* index in fields[] the next key line may not precede */
    size_t n_tags;     /* checksum lines seen */
};

/* One line (without its LF). On error *why names the problem. */
static int
parse_line(struct manifest *m, struct parse_state *ps, const char *line, size_t llen,
           const char **why)
{
    const char *colon;
    size_t klen, f;
    int rc;

    if (memchr(line, '\r', llen) || memchr(line, '\0', llen)) {
        *why = "control character in line";
        return CUSTODY_ERR_FORMAT;
    }
    if (ps->n_tags || (llen >= 7 && !memcmp(line, "SHA256 ", 7)) ||
        (llen >= 8 && !memcmp(line, "\\SHA256 ", 8))) {
        if ((rc = parse_tag_line(m, ps->n_tags, line, llen, why)) < 0)
            return rc;
        ps->n_tags++;
        return 0;
    }
    colon = memchr(line, ':', llen);
    if (!colon || (size_t)(colon - line) + 1 >= llen || colon[1] != ' ') {
        *why = "expected 'key: value'";
        return CUSTODY_ERR_FORMAT;
    }
    klen = (size_t)(colon - line);
    for (f = 0; f < N_FIELDS; f++)
        if (strlen(fields[f].key) == klen && !memcmp(fields[f].key, line, klen))
            break;
    if (f == N_FIELDS) {
        *why = "unknown key";
        return CUSTODY_ERR_FORMAT;
    }
    if (ps->lineno == 1 && fields[f].kind != F_VERSION) {
        *why = "the first line must be 'custody-manifest: " MANIFEST_VERSION "'";
        return CUSTODY_ERR_FORMAT;
    }
    /* Repeated kinds may repeat; everything else appears at most once, in order. */
    if (f < ps->next_field &&
        !(f + 1 == ps->next_field && (fields[f].kind == F_RANGE || fields[f].kind == F_FILE))) {
        *why = "field out of order or repeated";
        return CUSTODY_ERR_FORMAT;
    }
    ps->next_field = f + 1;
    return parse_value(m, &fields[f], colon + 2, llen - klen - 2, why);
}

int
manifest_parse(struct manifest *m, const char *text, size_t len, struct custody_err *err)
{
    struct strbuf again = STRBUF_INIT;
    struct parse_state ps = {0, 0, 0};
    size_t pos = 0;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    if (!utf8_valid(text, len)) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "manifest is not valid UTF-8");
        goto fail;
    }
    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        const char *why = "invalid";

        ps.lineno++;
        if (!nl) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "manifest line %zu: line is not terminated by a newline",
                                 ps.lineno);
            goto fail;
        }
        pos += (size_t)(nl - line) + 1;
        if ((rc = parse_line(m, &ps, line, (size_t)(nl - line), &why)) < 0) {
            custody_err_set(err, rc, "manifest line %zu: %s", ps.lineno, why);
            goto fail;
        }
    }
    if (ps.lineno == 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "manifest is empty");
        goto fail;
    }
    if (ps.n_tags != m->n_files) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "manifest lists %zu files but has %zu checksum lines", m->n_files,
                             ps.n_tags);
        goto fail;
    }
    /* Numbers and times are always written, so their lines must be present: the
     * canonical re-rendering catches a missing one, and any other second spelling. */
    manifest_format(&again, m);
    if (again.len != len || memcmp(again.buf, text, len)) {
        size_t i = 0, ln = 1;
        while (i < len && i < again.len && text[i] == again.buf[i]) {
            if (text[i] == '\n')
                ln++;
            i++;
        }
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "manifest line %zu: not in canonical form (missing field, "
                             "non-canonical escape or number)",
                             ln);
        goto fail;
    }
    strbuf_release(&again);
    return 0;
fail:
    strbuf_release(&again);
    manifest_release(m);
    return rc;
}

int
manifest_file_name_ok(const char *name)
{
    size_t len = strlen(name);

    if (!len || !utf8_valid(name, len) || strchr(name, '/') || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\')
            return 0;
    return 1;
}

/* At most max bytes of s, escaped for a one-line comment. */
static void
add_bounded(struct strbuf *out, const char *s, size_t max)
{
    struct strbuf t = STRBUF_INIT;

    if (!s || !*s) {
        strbuf_addch(out, '-');
        return;
    }
    strbuf_add_safe(&t, s, strlen(s));
    if (t.len > max) {
        /* cut at a UTF-8 boundary */
        size_t n = max;
        while (n > 0 && ((unsigned char)t.buf[n] & 0xc0) == 0x80)
            n--;
        strbuf_setlen(&t, n);
        strbuf_addstr(&t, "...");
    }
    strbuf_add(out, t.buf, t.len);
    strbuf_release(&t);
}

void
manifest_trusted_comment(struct strbuf *out, const struct manifest *m)
{
    strbuf_addstr(out, "custody manifest case ");
    add_bounded(out, m->case_number, 120);
    strbuf_addstr(out, " (");
    add_bounded(out, m->case_uuid, 40);
    strbuf_addstr(out, ") evidence ");
    add_bounded(out, m->asset, 200);
    strbuf_addch(out, '/');
    add_bounded(out, m->evidence, 200);
    strbuf_addstr(out, " sha256 ");
    add_bounded(out, m->sha256, 64);
}
