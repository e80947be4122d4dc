/* Structural EWF (E01) parser and completeness checks (see ewf_layout.h).
 * Format: a 13-byte file header (signature, segment number), then a chain of
 * sections, each a 76-byte descriptor (type, next offset, size, Adler-32) and a
 * payload. Chunk data lies in 'sectors' sections and is indexed by 'table' sections
 * (copied in 'table2'); 'next' ends every segment but the last, which ends in 'done'. */
#include "ewf_layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "deflate.h"
#include "io.h"
#include "strbuf.h"

#define EWF_FILE_HEADER 13
#define EWF_DESCRIPTOR 76
#define EWF_VOLUME_PAYLOAD 1052
#define EWF_META_MAX (16u << 20) /* largest compressed header/xhash we inflate */
#define EWF_PROBLEMS_MAX 200

static const uint8_t EWF_SIG_EVF[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
static const uint8_t EWF_SIG_LVF[8] = {'L', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};

struct section {
    char type[17];
    uint64_t off;  /* descriptor offset */
    uint64_t size; /* descriptor + payload */
};

static void layout_problem(struct ewf_layout *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
layout_problem(struct ewf_layout *l, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    char **grown;

    /* a hostile set could produce a finding per table entry: keep the first ones */
    if (l->n_problems > EWF_PROBLEMS_MAX)
        return;
    if (l->n_problems == EWF_PROBLEMS_MAX) {
        snprintf(buf, sizeof(buf), "more problems follow; only the first %d are listed",
                 EWF_PROBLEMS_MAX);
    } else {
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
    }
    grown = realloc(l->problems, (l->n_problems + 1) * sizeof(*grown));
    if (!grown)
        abort(); /* as strbuf: a few bytes of text we cannot do without */
    l->problems = grown;
    l->problems[l->n_problems] = strdup(buf);
    if (!l->problems[l->n_problems])
        abort();
    l->n_problems++;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int
ewf_name_is_segment(const char *path)
{
    const char *name = base_name(path);
    size_t n = strlen(name);
    const char *ext;

    if (n < 5 || name[n - 4] != '.')
        return 0;
    ext = name + n - 3;
    /* E01..E99, EAA..EZZ (and L01 for logical files). Sets of more than 775
     * segments continue with FAA..ZZZ; those names clash with ordinary extensions
     * (.raw, .img), so they are not taken for segments by name alone. */
    if (!strchr("EeLl", ext[0]))
        return 0;
    for (int i = 1; i < 3; i++) {
        char c = ext[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return 0;
    }
    return 1;
}

void
ewf_segment_name(char *out, size_t size, const char *base, char letter, uint32_t n)
{
    int lower = letter >= 'a' && letter <= 'z';
    char first = lower ? 'e' : 'E', a = lower ? 'a' : 'A';

    char ext[4];

    if (n <= 99) {
        ext[0] = first;
        ext[1] = (char)('0' + n / 10);
        ext[2] = (char)('0' + n % 10);
    } else {
        uint32_t k = n - 100;
        ext[0] = (char)(first + k / 676);
        ext[1] = (char)(a + (k / 26) % 26);
        ext[2] = (char)(a + k % 26);
    }
    ext[3] = '\0';
    /* names go into messages only: a base too long for out is cut, never overrun */
    if (snprintf(out, size, "%s.%s", base, ext) >= (int)size && size > 0)
        out[size - 1] = '\0';
}

void
ewf_layout_free(struct ewf_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_segments; i++) {
        if (l->segments[i].fd >= 0)
            close(l->segments[i].fd);
        free(l->segments[i].path);
    }
    free(l->segments);
    free(l->tables);
    free(l->acquiry_errors);
    for (size_t i = 0; i < l->n_problems; i++)
        free(l->problems[i]);
    free(l->problems);
    free(l);
}

static int
add_segment(struct ewf_layout *l, const char *path)
{
    struct ewf_segment *grown = realloc(l->segments, (l->n_segments + 1) * sizeof(*grown));

    if (!grown)
        return CUSTODY_ERR_NOMEM;
    l->segments = grown;
    memset(&grown[l->n_segments], 0, sizeof(*grown));
    grown[l->n_segments].fd = -1;
    grown[l->n_segments].path = strdup(path);
    if (!grown[l->n_segments].path)
        return CUSTODY_ERR_NOMEM;
    l->n_segments++;
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Segment names keep the letter case of their set: IMG.E01 ... IMG.E99, IMG.EAA;
 * img.e01 ... img.eaa. So IMG.err beside IMG.E01 is not taken for a segment. */
static int
same_letter_case(const char *ext, const char *first)
{
    int upper = first[0] >= 'A' && first[0] <= 'Z';

    for (int i = 0; i < 3; i++) {
        char c = ext[i];
        if ((upper && c >= 'a' && c <= 'z') || (!upper && c >= 'A' && c <= 'Z'))
            return 0;
    }
    return 1;
}

/* Every file next to path whose name is BASE.<E|e><two alphanumerics>, in the letter case
 * of the first. */
static int
discover(struct ewf_layout *l, const char *path, struct custody_err *err)
{
    struct strbuf dir = STRBUF_INIT, full = STRBUF_INIT;
    const char *name = base_name(path);
    size_t stem = strlen(name) - 4; /* without ".E01" */
    char **found = NULL;
    size_t n = 0;
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (name == path)
        strbuf_addstr(&dir, ".");
    else
        strbuf_add(&dir, path, (size_t)(name - path - 1 > 0 ? name - path - 1 : 1));
    d = opendir(dir.buf);
    if (!d) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot list '%s'", dir.buf);
        goto out;
    }
    while ((de = readdir(d))) {
        const char *e = de->d_name;
        if (strlen(e) != stem + 4 || memcmp(e, name, stem) != 0 || e[stem] != '.' ||
            (e[stem + 1] | 0x20) != (name[stem + 1] | 0x20) || !ewf_name_is_segment(e) ||
            !same_letter_case(e + stem + 1, name + stem + 1))
            continue;
        char **grown = realloc(found, (n + 1) * sizeof(*grown));
        if (!grown) {
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            break;
        }
        found = grown;
        strbuf_reset(&full);
        if (name != path) {
            strbuf_add(&full, path, (size_t)(name - path));
        }
        strbuf_addstr(&full, e);
        found[n] = strbuf_detach(&full, NULL);
        n++;
    }
    closedir(d);
    if (rc == 0) {
        qsort(found, n, sizeof(*found), cmp_str);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (add_segment(l, found[i]) < 0)
                rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        if (n == 0 && rc == 0 && add_segment(l, path) < 0) /* report it missing below */
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        free(found[i]);
    free(found);
out:
    strbuf_release(&dir);
    strbuf_release(&full);
    return rc;
}

/* Read the 13-byte file header: sets number, usable = 1 when it is an EWF segment.
 * A file that cannot be opened is an error (the check cannot run), not a finding. */
static int
read_file_header(struct ewf_layout *l, struct ewf_segment *s, struct custody_err *err)
{
    uint8_t h[EWF_FILE_HEADER];
    struct stat st;

    s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno, "cannot open '%s'",
                                 s->path);
    if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return custody_err_set(err, CUSTODY_ERR_USAGE, "'%s' is not a regular file", s->path);
    posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    s->size = (uint64_t)st.st_size;
    if (s->size == 0) {
        layout_problem(l, "'%s' is empty (0 bytes)", s->path);
        return 0;
    }
    if (s->size < EWF_FILE_HEADER || io_pread_exact(s->fd, h, sizeof(h), 0) != 0) {
        layout_problem(l, "'%s' is too short for an EWF segment (%llu bytes)", s->path,
                       (unsigned long long)s->size);
        return 0;
    }
    if (!memcmp(h, EWF_SIG_LVF, 8)) {
        l->logical = 1;
        layout_problem(l, "'%s' is a logical evidence file (L01), not a disk image", s->path);
        return 0;
    }
    if (memcmp(h, EWF_SIG_EVF, 8) != 0) {
        layout_problem(l, "'%s' is not an EWF segment file (no EVF signature)", s->path);
        return 0;
    }
    if (h[8] != 1 || h[11] != 0 || h[12] != 0) {
        layout_problem(l, "'%s': damaged file header (bytes 8-12)", s->path);
        return 0;
    }
    s->number = (uint32_t)h[9] | (uint32_t)h[10] << 8;
    if (s->number == 0) {
        layout_problem(l, "'%s': damaged file header (segment number 0)", s->path);
        return 0;
    }
    s->usable = 1;
    return 0;
}

static int
cmp_segment(const void *a, const void *b)
{
    const struct ewf_segment *x = a, *y = b;

    if (x->usable != y->usable)
        return x->usable ? -1 : 1;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Inflate a compressed metadata payload; 0 ok with *out (caller frees), 1 damaged. */
static int
inflate_meta(struct codec_inflater *z, const uint8_t *in, size_t len, uint8_t **out,
             size_t *out_len, const char **reason)
{
    size_t cap = 1u << 16;

    *out = NULL;
    for (;;) {
        uint8_t *buf = malloc(cap + 1);
        if (!buf)
            abort();
        int r = codec_inflate(z, buf, cap, out_len, in, len, reason);
        if (r == 0) {
            buf[*out_len] = '\0';
            *out = buf;
            return 0;
        }
        free(buf);
        if (cap >= EWF_META_MAX || strcmp(*reason, "decompressed data larger than a chunk") != 0)
            return 1;
        cap *= 4;
    }
}

static void
set_stored(struct ewf_layout *l, enum hash_algo a, const uint8_t *bin, const char *where)
{
    struct strbuf sb = STRBUF_INIT;
    int zero = 1;

    for (size_t i = 0; i < hash_len(a); i++)
        zero &= bin[i] == 0;
    if (zero)
        return; /* libewf writes an all-zero digest when the hash was not computed */
    strbuf_addhex(&sb, bin, hash_len(a));
    if (l->stored[a][0] && strcmp(l->stored[a], sb.buf) != 0)
        layout_problem(l, "the %s stored in %s (%s) differs from the one stored before (%s)",
                       hash_name(a), where, sb.buf, l->stored[a]);
    else
        snprintf(l->stored[a], sizeof(l->stored[a]), "%s", sb.buf);
    strbuf_release(&sb);
}

/* xhash: zlib-compressed XML with <md5>, <sha1> (and <sha256>) elements. */
static void
parse_xhash(struct ewf_layout *l, const char *xml)
{
    static const char *tags[HASH_COUNT] = {"md5", "sha1", "sha256"};

    for (int a = 0; a < HASH_COUNT; a++) {
        char open[16];
        snprintf(open, sizeof(open), "<%s>", tags[a]);
        const char *p = strstr(xml, open);
        uint8_t bin[HASH_MAX_LEN];
        char hex[HASH_HEX_MAX];
        size_t n = hash_len((enum hash_algo)a) * 2;
        if (!p)
            continue;
        p += strlen(open);
        if (strlen(p) < n)
            continue;
        memcpy(hex, p, n);
        hex[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (hex[i] >= 'A' && hex[i] <= 'F')
                hex[i] = (char)(hex[i] + 32);
        if (hex_decode(bin, n / 2, hex) == 0)
            set_stored(l, (enum hash_algo)a, bin, "the xhash section");
        else
            layout_problem(l, "the xhash section holds a malformed %s value", hash_name(a));
    }
}

struct walk {
    struct ewf_layout *l;
    struct ewf_segment *s;
    size_t seg_index;
    struct codec_inflater *z;
    struct section *sections;
    size_t n_sections;
    uint8_t *last_table; /* payload of the last 'table', to compare with 'table2' */
    size_t last_table_len;
    int last_table_bad; /* its checksums failed: take table2 instead */
    uint64_t last_table_at;
    uint8_t first_volume[EWF_VOLUME_PAYLOAD];
    int *have_first_volume;
};

static void
record_table(struct walk *w, uint64_t at, const uint8_t *p, uint32_t n)
{
    struct ewf_layout *l = w->l;
    if ((l->n_tables & (l->n_tables - 1)) == 0) { /* doubling, as for sections */
        size_t cap = l->n_tables ? l->n_tables * 2 : 16;
        struct ewf_table *grown = realloc(l->tables, cap * sizeof(*grown));
        if (!grown)
            abort();
        l->tables = grown;
    }
    struct ewf_table *t = &l->tables[l->n_tables++];
    t->segment = w->seg_index;
    t->entries_at = at + EWF_DESCRIPTOR + 24;
    t->entries = n;
    t->base = io_le64(p + 8);
    t->data_end = 0;
    t->first_chunk = l->chunks_listed;
    l->chunks_listed += n;
}

/* Check a table/table2 payload. Returns 1 when its checksums hold. */
static int
check_table(struct walk *w, const char *type, uint64_t at, const uint8_t *p, size_t len,
            uint32_t *n_out)
{
    const char *path = w->s->path;
    uint32_t n;

    if (len < 24) {
        layout_problem(w->l, "'%s': '%s' section at offset %llu is too short", path, type,
                       (unsigned long long)at);
        return 0;
    }
    if (chunk_adler32(p, 20) != io_le32(p + 20)) {
        layout_problem(w->l, "'%s': '%s' section at offset %llu: header checksum mismatch", path,
                       type, (unsigned long long)at);
        return 0;
    }
    n = io_le32(p);
    if ((uint64_t)n * 4 + 28 != len) {
        layout_problem(w->l,
                       "'%s': '%s' section at offset %llu: %u entries do not fit its %zu bytes",
                       path, type, (unsigned long long)at, n, len);
        return 0;
    }
    if (chunk_adler32(p + 24, (size_t)n * 4) != io_le32(p + 24 + (size_t)n * 4)) {
        layout_problem(w->l, "'%s': '%s' section at offset %llu: entry checksum mismatch", path,
                       type, (unsigned long long)at);
        return 0;
    }
    *n_out = n;
    return 1;
}

static void
check_volume(struct walk *w, const char *type, uint64_t at, const uint8_t *p, size_t len)
{
    struct ewf_layout *l = w->l;
    const char *path = w->s->path;

    if (len != EWF_VOLUME_PAYLOAD) {
        layout_problem(l, "'%s': '%s' section at offset %llu has an unsupported size (%zu bytes)",
                       path, type, (unsigned long long)at, len);
        return;
    }
    if (chunk_adler32(p, 1048) != io_le32(p + 1048)) {
        layout_problem(l, "'%s': '%s' section at offset %llu: checksum mismatch", path, type,
                       (unsigned long long)at);
        return;
    }
    if (!*w->have_first_volume) {
        memcpy(w->first_volume, p, EWF_VOLUME_PAYLOAD);
        *w->have_first_volume = 1;
        l->have_volume = 1;
        l->chunk_count = io_le32(p + 4);
        l->sectors_per_chunk = io_le32(p + 8);
        l->bytes_per_sector = io_le32(p + 12);
        l->sector_count = io_le64(p + 16);
        l->media_size = l->sector_count * l->bytes_per_sector;
        return;
    }
    /* Chunk count, geometry and set identifier must agree across the set. */
    if (memcmp(w->first_volume + 4, p + 4, 20) != 0 || memcmp(w->first_volume + 64, p + 64, 16))
        layout_problem(l,
                       "'%s' belongs to another image: its '%s' section differs from the "
                       "first segment's volume information",
                       path, type);
}

static void
check_error2(struct walk *w, uint64_t at, const uint8_t *p, size_t len)
{
    struct ewf_layout *l = w->l;
    uint32_t n;

    if (len < 520 || chunk_adler32(p, 516) != io_le32(p + 516)) {
        layout_problem(l, "'%s': 'error2' section at offset %llu: header damaged", w->s->path,
                       (unsigned long long)at);
        return;
    }
    n = io_le32(p);
    if (n == 0)
        return;
    if ((uint64_t)n * 8 + 524 != len ||
        chunk_adler32(p + 520, (size_t)n * 8) != io_le32(p + 520 + (size_t)n * 8)) {
        layout_problem(l, "'%s': 'error2' section at offset %llu: entries damaged", w->s->path,
                       (unsigned long long)at);
        return;
    }
    uint64_t *v = realloc(l->acquiry_errors, (l->n_acquiry_errors + n) * 2 * sizeof(uint64_t));
    if (!v)
        abort();
    l->acquiry_errors = v;
    for (uint32_t i = 0; i < n; i++) {
        v[(l->n_acquiry_errors + i) * 2] = io_le32(p + 520 + i * 8);
        v[(l->n_acquiry_errors + i) * 2 + 1] = io_le32(p + 524 + i * 8);
    }
    l->n_acquiry_errors += n;
}

/* Check one section's payload. */
static void
check_payload(struct walk *w, const struct section *sec, const uint8_t *p, size_t len)
{
    struct ewf_layout *l = w->l;
    const char *path = w->s->path, *t = sec->type, *reason = NULL;
    unsigned long long at = (unsigned long long)sec->off;

    if (!strcmp(t, "header") || !strcmp(t, "header2") || !strcmp(t, "xheader") ||
        !strcmp(t, "xhash")) {
        uint8_t *text = NULL;
        size_t tlen;
        if (inflate_meta(w->z, p, len, &text, &tlen, &reason) != 0) {
            layout_problem(l, "'%s': '%s' section at offset %llu is damaged (%s)", path, t, at,
                           reason);
            return;
        }
        if (!strcmp(t, "xhash"))
            parse_xhash(l, (const char *)text);
        free(text);
    } else if (!strcmp(t, "volume") || !strcmp(t, "disk") || !strcmp(t, "data")) {
        check_volume(w, t, sec->off, p, len);
    } else if (!strcmp(t, "table") || !strcmp(t, "table2")) {
        uint32_t n = 0;
        int ok = check_table(w, t, sec->off, p, len, &n);
        if (!strcmp(t, "table")) {
            free(w->last_table);
            w->last_table = malloc(len ? len : 1);
            if (!w->last_table)
                abort();
            memcpy(w->last_table, p, len);
            w->last_table_len = len;
            w->last_table_bad = !ok;
            w->last_table_at = sec->off;
            if (ok)
                record_table(w, sec->off, p, n);
        } else {
            if (!w->last_table) {
                layout_problem(l, "'%s': 'table2' at offset %llu has no 'table' before it", path,
                               at);
                return;
            }
            if (w->last_table_len != len || memcmp(w->last_table, p, len) != 0)
                layout_problem(l, "'%s': 'table2' at offset %llu differs from the 'table' at %llu",
                               path, at, (unsigned long long)w->last_table_at);
            if (w->last_table_bad && ok)
                record_table(w, sec->off, p, n); /* locate the data through the intact copy */
            free(w->last_table);
            w->last_table = NULL;
        }
    } else if (!strcmp(t, "hash")) {
        if (len < 36 || chunk_adler32(p, 32) != io_le32(p + 32))
            layout_problem(l, "'%s': 'hash' section at offset %llu is damaged (checksum mismatch)",
                           path, at);
        else
            set_stored(l, HASH_MD5, p, "the hash section");
    } else if (!strcmp(t, "digest")) {
        if (len < 80 || chunk_adler32(p, 76) != io_le32(p + 76)) {
            layout_problem(l,
                           "'%s': 'digest' section at offset %llu is damaged (checksum mismatch)",
                           path, at);
        } else {
            set_stored(l, HASH_MD5, p, "the digest section");
            set_stored(l, HASH_SHA1, p + 16, "the digest section");
        }
    } else if (!strcmp(t, "error2")) {
        check_error2(w, sec->off, p, len);
    } else if (!strcmp(t, "sectors")) {
        /* chunk data: checked chunk by chunk when the media is read */
    } else if (!strcmp(t, "session")) {
        if (len < 36 || chunk_adler32(p, 32) != io_le32(p + 32))
            layout_problem(l, "'%s': 'session' section at offset %llu is damaged", path, at);
    } else {
        layout_problem(l,
                       "'%s': unknown section type '%s' at offset %llu (its contents cannot be "
                       "checked)",
                       path, t, at);
    }
}

static void
add_section(struct walk *w, const struct section *sec)
{
    /* grow by doubling: a hostile file may hold millions of tiny sections */
    if ((w->n_sections & (w->n_sections - 1)) == 0) {
        size_t cap = w->n_sections ? w->n_sections * 2 : 16;
        struct section *grown = realloc(w->sections, cap * sizeof(*grown));
        if (!grown)
            abort();
        w->sections = grown;
    }
    w->sections[w->n_sections++] = *sec;
}

/* Walk the section chain of one segment. */
static void
walk_segment(struct walk *w)
{
    struct ewf_layout *l = w->l;
    struct ewf_segment *s = w->s;
    uint64_t off = EWF_FILE_HEADER;
    uint8_t d[EWF_DESCRIPTOR];
    uint8_t *payload = NULL;
    size_t payload_cap = 0;
    unsigned long long fsize = (unsigned long long)s->size;

    for (;;) {
        struct section sec;
        uint64_t next, size;

        if (off == s->size) {
            layout_problem(l, "'%s' ends without a 'done' or 'next' section (truncated?)", s->path);
            break;
        }
        if (off + EWF_DESCRIPTOR > s->size) {
            layout_problem(l,
                           "'%s' is truncated: section descriptor at offset %llu runs past the "
                           "end of the file (%llu bytes)",
                           s->path, (unsigned long long)off, fsize);
            break;
        }
        if (io_pread_exact(s->fd, d, sizeof(d), off) != 0) {
            layout_problem(l, "cannot read '%s' at offset %llu: %s", s->path,
                           (unsigned long long)off, strerror(errno ? errno : EIO));
            break;
        }
        if (chunk_adler32(d, 72) != io_le32(d + 72)) {
            layout_problem(l,
                           "'%s': section descriptor at offset %llu is damaged (checksum mismatch)",
                           s->path, (unsigned long long)off);
            break;
        }
        memset(&sec, 0, sizeof(sec));
        memcpy(sec.type, d, 16);
        sec.off = off;
        next = io_le64(d + 16);
        size = io_le64(d + 24);
        sec.size = size;
        for (size_t i = 0; i < 16 && sec.type[i]; i++)
            if (sec.type[i] < 0x20 || sec.type[i] > 0x7e)
                sec.type[i] = '?';
        if (!strcmp(sec.type, "next") || !strcmp(sec.type, "done")) {
            uint64_t end = off + (size > EWF_DESCRIPTOR ? size : EWF_DESCRIPTOR);
            if (next != off || (size != 0 && size != EWF_DESCRIPTOR)) {
                layout_problem(l, "'%s': damaged '%s' section at offset %llu", s->path, sec.type,
                               (unsigned long long)off);
            } else if (end < s->size) {
                layout_problem(l, "'%s' has %llu unexpected bytes after its '%s' section", s->path,
                               (unsigned long long)(s->size - end), sec.type);
            } else {
                if (sec.type[0] == 'd')
                    s->ends_with_done = 1;
                else
                    s->ends_with_next = 1;
            }
            add_section(w, &sec);
            break;
        }
        if (size < EWF_DESCRIPTOR || size > s->size - off) {
            layout_problem(l,
                           "'%s' is truncated: section '%s' at offset %llu needs %llu bytes, the "
                           "file ends after %llu",
                           s->path, sec.type, (unsigned long long)off, (unsigned long long)size,
                           (unsigned long long)(s->size - off));
            break;
        }
        if (next != off + size) {
            layout_problem(l,
                           "'%s': section chain broken after '%s' at offset %llu (next section at "
                           "%llu, expected %llu)",
                           s->path, sec.type, (unsigned long long)off, (unsigned long long)next,
                           (unsigned long long)(off + size));
            break;
        }
        add_section(w, &sec);
        if (strcmp(sec.type, "sectors") != 0) {
            size_t plen = (size_t)(size - EWF_DESCRIPTOR);
            if (plen > (256u << 20)) {
                layout_problem(l, "'%s': '%s' section at offset %llu is implausibly large", s->path,
                               sec.type, (unsigned long long)off);
                break;
            }
            if (plen + 1 > payload_cap) {
                free(payload);
                payload_cap = plen + 1;
                payload = malloc(payload_cap);
                if (!payload)
                    abort();
            }
            if (io_pread_exact(s->fd, payload, plen, off + EWF_DESCRIPTOR) != 0) {
                layout_problem(l, "cannot read '%s' at offset %llu", s->path,
                               (unsigned long long)off);
                break;
            }
            check_payload(w, &sec, payload, plen);
        }
        off = next;
    }
    free(payload);
    if (w->last_table) {
        free(w->last_table);
        w->last_table = NULL;
    }
}

/* Find where each table's chunk data lives and check its entries are in order. */
static void
resolve_tables(struct ewf_layout *l, size_t seg_index, const struct section *secs, size_t nsecs)
{
    struct ewf_segment *s = &l->segments[seg_index];

    for (size_t t = 0; t < l->n_tables; t++) {
        struct ewf_table *tb = &l->tables[t];
        uint8_t *e;
        uint64_t first, prev = 0;
        int found = 0;

        if (tb->segment != seg_index || tb->entries == 0)
            continue;
        e = malloc((size_t)tb->entries * 4);
        if (!e)
            abort();
        if (io_pread_exact(s->fd, e, (size_t)tb->entries * 4, tb->entries_at) != 0) {
            layout_problem(l, "cannot read '%s' at offset %llu", s->path,
                           (unsigned long long)tb->entries_at);
            free(e);
            continue;
        }
        first = tb->base + (io_le32(e) & 0x7fffffffu);
        for (size_t i = 0; i < nsecs; i++) {
            const struct section *sc = &secs[i];
            if ((!strcmp(sc->type, "sectors") || !strncmp(sc->type, "table", 5)) &&
                first >= sc->off + EWF_DESCRIPTOR && first < sc->off + sc->size) {
                tb->data_end = sc->off + sc->size;
                found = 1;
                break;
            }
        }
        if (!found) {
            layout_problem(l, "'%s': the table at offset %llu points outside every data section",
                           s->path, (unsigned long long)(tb->entries_at - 100));
            tb->data_end = 0;
            free(e);
            continue;
        }
        for (uint32_t i = 0; i < tb->entries; i++) {
            uint64_t o = tb->base + (io_le32(e + 4 * i) & 0x7fffffffu);
            if ((i > 0 && o <= prev) || o >= tb->data_end) {
                layout_problem(l,
                               "'%s': table entry %u (chunk %llu) at offset %llu is out of order "
                               "or outside its data section",
                               s->path, i, (unsigned long long)(tb->first_chunk + i),
                               (unsigned long long)o);
                tb->data_end = 0; /* chunks of this table cannot be located */
                break;
            }
            prev = o;
        }
        free(e);
    }
}

static void
check_set(struct ewf_layout *l, const char *first_path)
{
    char expect[4096];
    char stem[4096];
    const char *name = base_name(first_path);
    size_t usable = 0;
    uint32_t expect_n = 1;
    char letter = name[strlen(name) - 3];

    snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(first_path) - 4), first_path);
    for (size_t i = 0; i < l->n_segments; i++) {
        struct ewf_segment *s = &l->segments[i];
        if (!s->usable)
            continue;
        usable++;
        ewf_segment_name(expect, sizeof(expect), stem, letter, s->number);
        if (strcmp(base_name(expect), base_name(s->path)) != 0)
            layout_problem(l,
                           "'%s' holds segment %u, which belongs in '%s' (renamed or out of "
                           "order)",
                           s->path, s->number, base_name(expect));
        if (i > 0 && l->segments[i - 1].usable && l->segments[i - 1].number == s->number) {
            layout_problem(l, "segment %u appears twice ('%s' and '%s')", s->number,
                           l->segments[i - 1].path, s->path);
            continue;
        }
        if (expect_n + 1 == s->number) {
            ewf_segment_name(expect, sizeof(expect), stem, letter, expect_n);
            layout_problem(l, "segment %u ('%s') is missing", expect_n, base_name(expect));
        } else if (expect_n < s->number) {
            char last[4096];
            ewf_segment_name(expect, sizeof(expect), stem, letter, expect_n);
            ewf_segment_name(last, sizeof(last), stem, letter, s->number - 1);
            layout_problem(l, "segments %u-%u ('%s' to '%s') are missing", expect_n, s->number - 1,
                           base_name(expect), base_name(last));
        }
        expect_n = s->number + 1;
    }
    if (usable == 0)
        return;
    /* The last usable segment must end with 'done'; one after 'done' is extra. */
    size_t done_at = l->n_segments;
    for (size_t i = 0; i < l->n_segments; i++) {
        struct ewf_segment *s = &l->segments[i];
        if (s->usable && s->ends_with_done && done_at == l->n_segments)
            done_at = i;
        else if (s->usable && done_at < l->n_segments)
            layout_problem(l,
                           "extra segment '%s' (segment %u) after the last segment '%s', which "
                           "ends with 'done'",
                           s->path, s->number, l->segments[done_at].path);
    }
    if (done_at == l->n_segments) {
        struct ewf_segment *last = NULL;
        for (size_t i = 0; i < l->n_segments; i++)
            if (l->segments[i].usable)
                last = &l->segments[i];
        if (last && last->ends_with_next) {
            ewf_segment_name(expect, sizeof(expect), stem, letter, last->number + 1);
            layout_problem(l,
                           "segment %u ('%s') is missing: '%s' ends with a 'next' section, so the "
                           "set continues",
                           last->number + 1, base_name(expect), last->path);
        } else {
            layout_problem(l, "no segment ends with a 'done' section: the set is incomplete");
        }
    }
}

static int
layout_open(struct ewf_layout **out, const char *const *paths, int npaths, int find_set,
            struct custody_err *err)
{
    struct ewf_layout *l = calloc(1, sizeof(*l));
    struct codec_inflater *z = NULL;
    int have_first_volume = 0;
    struct walk w;
    int rc;

    *out = NULL;
    memset(&w, 0, sizeof(w));
    if (!l)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    if (npaths < 1) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE, "no image files given");
        goto fail;
    }
    if (find_set && npaths == 1 && ewf_name_is_segment(paths[0])) {
        rc = discover(l, paths[0], err);
        if (rc < 0)
            goto fail;
    } else {
        for (int i = 0; i < npaths; i++)
            if (add_segment(l, paths[i]) < 0) {
                rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
                goto fail;
            }
    }
    rc = codec_inflater_new(&z, err);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < l->n_segments; i++) {
        rc = read_file_header(l, &l->segments[i], err);
        if (rc < 0)
            goto fail;
    }
    qsort(l->segments, l->n_segments, sizeof(*l->segments), cmp_segment);
    w.l = l;
    w.z = z;
    w.have_first_volume = &have_first_volume;
    for (size_t i = 0; i < l->n_segments; i++) {
        if (!l->segments[i].usable)
            continue;
        /* a segment listed twice would count its chunks twice */
        if (i > 0 && l->segments[i - 1].usable &&
            l->segments[i - 1].number == l->segments[i].number)
            continue;
        w.s = &l->segments[i];
        w.seg_index = i;
        w.sections = NULL;
        w.n_sections = 0;
        walk_segment(&w);
        resolve_tables(l, i, w.sections, w.n_sections);
        free(w.sections);
        w.sections = NULL;
    }
    check_set(l, ewf_name_is_segment(paths[0]) ? paths[0] : l->segments[0].path);
    if (!l->have_volume)
        layout_problem(l, "no volume section: media size and geometry unknown");
    else if (l->chunks_listed != l->chunk_count)
        layout_problem(l, "the tables list %llu chunks, the volume section says %u",
                       (unsigned long long)l->chunks_listed, l->chunk_count);
    else if (l->sectors_per_chunk == 0 || l->bytes_per_sector == 0 ||
             (uint64_t)l->chunk_count * l->sectors_per_chunk < l->sector_count ||
             (l->chunk_count > 0 &&
              (uint64_t)(l->chunk_count - 1) * l->sectors_per_chunk >= l->sector_count))
        layout_problem(l,
                       "the volume section's geometry is inconsistent (%u chunks of %u sectors "
                       "for %llu sectors)",
                       l->chunk_count, l->sectors_per_chunk, (unsigned long long)l->sector_count);
    l->data_complete = l->have_volume && l->chunks_listed == l->chunk_count;
    for (size_t t = 0; t < l->n_tables && l->data_complete; t++)
        if (l->tables[t].data_end == 0)
            l->data_complete = 0;
    codec_inflater_free(z);
    *out = l;
    return 0;
fail:
    codec_inflater_free(z);
    ewf_layout_free(l);
    return rc;
}

int
ewf_layout_open(struct ewf_layout **out, const char *const *paths, int npaths,
                struct custody_err *err)
{
    return layout_open(out, paths, npaths, 1, err);
}

int
ewf_layout_open_files(struct ewf_layout **out, const char *const *paths, int npaths,
                      struct custody_err *err)
{
    return layout_open(out, paths, npaths, 0, err);
}
