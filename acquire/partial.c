/* --resume: the partial image an interrupted or failed acquisition left
 * (BASE.E01.partial ... or BASE.raw.partial / BASE.000.partial ...). Before anything is
 * kept it is checked against what was recorded about it (the manifest, the log, the
 * case database row: done by the caller), every file against its recorded size and
 * SHA-256, and every E01 chunk against its own checksum; then it is read back chunk
 * by chunk, so the resumed run hashes and writes data proven to be in the image, not
 * hash states trusted from a file.
 *
 * libewf 20140813 leaves the last segment of an unfinished image without its table:
 * a "sectors" section whose size is still the 76-byte placeholder, followed by the
 * chunks written so far. Those are found by decoding them one after the other
 * (uncompressed: data and its Adler-32; compressed: one zlib stream, Adler-32
 * inside). Finished segments are read through their table sections. */
#include "internal.h"

#include "cli.h"
#include "deflate.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTION_DESC 76
#define EWF_FILE_HEADER 13
#define MAX_TABLE_ENTRIES (1u << 20)

struct pcursor {
    size_t seg; /* index into the files */
    int fd;
    uint64_t fsize;
    uint64_t sect;        /* next section descriptor */
    uint64_t sectors_end; /* end of the last sectors section (end of its last chunk) */
    int open_scan;        /* in the unfinished sectors section at the end */
    uint64_t scan_pos;
    uint32_t *tab;
    size_t ntab, itab;
    uint64_t tab_base;
    int ended, finished; /* finished: a "done" section (the image was completed) */
    uint64_t torn;       /* bytes of an incomplete chunk at the end of the last file */
    uint64_t raw_pos;    /* raw: offset in the concatenated files */
};

struct resume_state {
    struct manifest m;
    struct strbuf manifest_text, log_text;
    char manifest_sha256[HASH_HEX_MAX];
    char **paths;
    uint64_t *sizes;
    size_t n_paths;
    int raw;
    uint32_t sector_size;
    size_t chunk_size;
    uint64_t kept;        /* bytes kept */
    uint64_t chunks;      /* E01 chunks kept */
    uint64_t ewf_sectors; /* E01: the media's sector count in the volume section */
    uint64_t torn;
    /* the sequential read-back */
    struct pcursor cur;
    uint8_t *stored;    /* one stored chunk: chunk_size + 4 bytes */
    uint8_t *chunk;     /* the current decoded chunk */
    uint64_t chunk_off; /* media offset of chunk; UINT64_MAX: none */
};

static const char *
file_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int
damaged(struct resume_state *rs, struct custody_err *err, const char *what, uint64_t off)
{
    return custody_err_set(err, CUSTODY_ERR_FORMAT,
                           "the partial image is damaged: %s at offset %llu of '%s'; it cannot "
                           "be resumed",
                           what, (unsigned long long)off, rs->paths[rs->cur.seg]);
}

static void
cursor_reset(struct resume_state *rs)
{
    struct pcursor *c = &rs->cur;
    if (c->fd >= 0)
        close(c->fd);
    free(c->tab);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

/* Decode the stored chunk of n bytes at off into rs->chunk: 0, or damaged. */
static int
decode_stored(struct resume_state *rs, size_t n, int compressed, uint64_t off,
              struct custody_err *err)
{
    size_t cs = rs->chunk_size, used = 0;

    if (n == 0 || n > cs + 4)
        return damaged(rs, err, "a chunk of impossible size", off);
    if (io_pread_exact(rs->cur.fd, rs->stored, n, off) < 0)
        return damaged(rs, err, "a chunk cut short", off);
    if (compressed) {
        long got = chunk_inflate_prefix(rs->chunk, cs, rs->stored, n, &used);
        if (got != (long)cs || used != n)
            return damaged(rs, err, "a compressed chunk that does not inflate", off);
        return 0;
    }
    if (n != cs + 4 || chunk_adler32(rs->stored, cs) != io_le32(rs->stored + cs))
        return damaged(rs, err, "a chunk whose checksum does not match", off);
    memcpy(rs->chunk, rs->stored, cs);
    return 0;
}

/* The unfinished sectors section: the next chunk at scan_pos. 1 found, 0 end. */
static int
scan_next(struct resume_state *rs, struct custody_err *err)
{
    struct pcursor *c = &rs->cur;
    size_t cs = rs->chunk_size, used = 0;
    uint64_t left = c->fsize - c->scan_pos;
    size_t n = left < cs + 4 ? (size_t)left : cs + 4;

    if (left == 0)
        return 0;
    if (io_pread_exact(c->fd, rs->stored, n, c->scan_pos) < 0)
        return damaged(rs, err, "a read error", c->scan_pos);
    if (n == cs + 4 && chunk_adler32(rs->stored, cs) == io_le32(rs->stored + cs)) {
        memcpy(rs->chunk, rs->stored, cs);
        c->scan_pos += cs + 4;
        return 1;
    }
    if (chunk_inflate_prefix(rs->chunk, cs, rs->stored, n, &used) == (long)cs) {
        c->scan_pos += used;
        return 1;
    }
    if (left < cs + 4) {
        /* A chunk whose write was cut (disk full): not part of the image. */
        c->torn = left;
        return 0;
    }
    return damaged(rs, err,
                   "a chunk that is neither stored with a matching checksum nor a "
                   "complete zlib stream",
                   c->scan_pos);
}

/* The next E01 chunk into rs->chunk: 1, 0 at the end, negative when damaged. */
static int
ewf_next_chunk(struct resume_state *rs, struct custody_err *err)
{
    static const uint8_t sig[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    struct pcursor *c = &rs->cur;
    uint8_t d[SECTION_DESC];

    for (;;) {
        if (c->ended)
            return 0;
        if (c->itab < c->ntab) {
            uint32_t e = c->tab[c->itab];
            uint64_t start = c->tab_base + (e & 0x7fffffffu);
            uint64_t end = c->itab + 1 < c->ntab ? c->tab_base + (c->tab[c->itab + 1] & 0x7fffffffu)
                                                 : c->sectors_end;
            c->itab++;
            if (end <= start)
                return damaged(rs, err, "a table entry out of order", start);
            int rc = decode_stored(rs, (size_t)(end - start), (int)(e >> 31), start, err);
            return rc < 0 ? rc : 1;
        }
        if (c->open_scan) {
            int rc = scan_next(rs, err);
            if (rc != 0)
                return rc;
            if (c->seg + 1 != rs->n_paths)
                return damaged(rs, err, "an unfinished segment that is not the last", c->fsize);
            c->ended = 1;
            return 0;
        }
        if (c->fd < 0) {
            uint8_t h[EWF_FILE_HEADER];
            struct stat sb;
            if (c->seg >= rs->n_paths)
                return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                       "the partial image continues past its last segment file "
                                       "'%s'",
                                       rs->paths[rs->n_paths - 1]);
            c->fd = open(rs->paths[c->seg], O_RDONLY | O_CLOEXEC);
            if (c->fd < 0 || fstat(c->fd, &sb) < 0)
                return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot open '%s'",
                                         rs->paths[c->seg]);
            c->fsize = (uint64_t)sb.st_size;
            if (io_pread_exact(c->fd, h, sizeof(h), 0) < 0 || memcmp(h, sig, 8) != 0 || h[8] != 1)
                return damaged(rs, err, "not an EWF segment file", 0);
            if ((size_t)(h[9] | h[10] << 8) != c->seg + 1)
                return damaged(rs, err, "a segment file out of order", 9);
            c->sect = EWF_FILE_HEADER;
        }
        if (c->sect + SECTION_DESC > c->fsize) {
            if (c->sect == c->fsize && c->seg + 1 == rs->n_paths) {
                c->ended = 1; /* a last segment that holds no chunks yet */
                return 0;
            }
            return damaged(rs, err, "a section cut short", c->sect);
        }
        if (io_pread_exact(c->fd, d, sizeof(d), c->sect) < 0)
            return damaged(rs, err, "a read error", c->sect);
        if (chunk_adler32(d, 72) != io_le32(d + 72))
            return damaged(rs, err, "a section header whose checksum does not match", c->sect);
        char type[17];
        memcpy(type, d, 16);
        type[16] = '\0';
        uint64_t next = io_le64(d + 16), size = io_le64(d + 24);
        if (!strcmp(type, "done")) {
            c->ended = c->finished = 1;
            return 0;
        }
        if (!strcmp(type, "next")) {
            close(c->fd);
            c->fd = -1;
            c->seg++;
            continue;
        }
        if (!strcmp(type, "sectors") && size == SECTION_DESC) {
            c->open_scan = 1;
            c->scan_pos = c->sect + SECTION_DESC;
            continue;
        }
        if (next <= c->sect || next > c->fsize || size < SECTION_DESC)
            return damaged(rs, err, "a broken section chain", c->sect);
        if (!strcmp(type, "volume") || !strcmp(type, "disk")) {
            uint8_t v[24];
            if (io_pread_exact(c->fd, v, sizeof(v), c->sect + SECTION_DESC) < 0)
                return damaged(rs, err, "a volume section cut short", c->sect);
            if ((size_t)io_le32(v + 8) * io_le32(v + 12) != rs->chunk_size ||
                io_le32(v + 12) != rs->sector_size)
                return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                       "the partial image's chunk size (%u sectors of %u bytes) "
                                       "is not the one recorded (%zu bytes)",
                                       io_le32(v + 8), io_le32(v + 12), rs->chunk_size);
            rs->ewf_sectors = io_le64(v + 16);
        } else if (!strcmp(type, "sectors")) {
            c->sectors_end = c->sect + size;
        } else if (!strcmp(type, "table")) {
            uint8_t th[24];
            if (io_pread_exact(c->fd, th, sizeof(th), c->sect + SECTION_DESC) < 0 ||
                chunk_adler32(th, 20) != io_le32(th + 20))
                return damaged(rs, err, "a table header whose checksum does not match", c->sect);
            uint32_t n = io_le32(th);
            if (n == 0 || n > MAX_TABLE_ENTRIES || SECTION_DESC + 24 + (uint64_t)n * 4 + 4 > size)
                return damaged(rs, err, "a table of impossible size", c->sect);
            uint8_t *raw = malloc((size_t)n * 4 + 4);
            uint32_t *tab = calloc(n, sizeof(*tab));
            if (!raw || !tab) {
                free(raw);
                free(tab);
                return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            }
            if (io_pread_exact(c->fd, raw, (size_t)n * 4 + 4, c->sect + SECTION_DESC + 24) < 0 ||
                chunk_adler32(raw, (size_t)n * 4) != io_le32(raw + (size_t)n * 4)) {
                free(raw);
                free(tab);
                return damaged(rs, err, "a table whose checksum does not match", c->sect);
            }
            for (uint32_t i = 0; i < n; i++)
                tab[i] = io_le32(raw + 4 * (size_t)i);
            free(raw);
            free(c->tab);
            c->tab = tab;
            c->ntab = n;
            c->itab = 0;
            c->tab_base = io_le64(th + 8);
        }
        c->sect = next;
    }
}

/* The next chunk of either format into rs->chunk: 1, 0 at the end, negative. */
static int
next_chunk(struct resume_state *rs, struct custody_err *err)
{
    struct pcursor *c = &rs->cur;

    if (!rs->raw)
        return ewf_next_chunk(rs, err);
    while (c->seg < rs->n_paths) {
        if (c->fd < 0) {
            c->fd = open(rs->paths[c->seg], O_RDONLY | O_CLOEXEC);
            if (c->fd < 0)
                return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot open '%s'",
                                         rs->paths[c->seg]);
            c->scan_pos = 0;
        }
        /* Raw segments are whole multiples of the chunk except the last file. */
        uint64_t left = rs->sizes[c->seg] - c->scan_pos;
        if (left >= rs->chunk_size) {
            if (io_pread_exact(c->fd, rs->chunk, rs->chunk_size, c->scan_pos) < 0)
                return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read '%s'",
                                         rs->paths[c->seg]);
            c->scan_pos += rs->chunk_size;
            return 1;
        }
        if (left > 0 && c->seg + 1 < rs->n_paths)
            return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                   "raw segment '%s' does not end on a chunk boundary",
                                   rs->paths[c->seg]);
        c->torn = left;
        close(c->fd);
        c->fd = -1;
        c->seg++;
    }
    return 0;
}

/* Decode every chunk once (the buffers are made here): rs->chunks, rs->cur.torn and
 * rs->cur.finished tell what was found. */
static int
scan_all(struct resume_state *rs, struct custody_err *err)
{
    rs->stored = malloc(rs->chunk_size + 4);
    rs->chunk = malloc(rs->chunk_size);
    if (!rs->stored || !rs->chunk)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (;;) {
        int n = next_chunk(rs, err);
        if (n <= 0)
            return n;
        rs->chunks++;
    }
}

int
resume_scan_e01(struct resume_scan *out, const char *const *paths, size_t n, uint32_t sector_size,
                uint32_t chunk_sectors, struct custody_err *err)
{
    struct resume_state *rs = calloc(1, sizeof(*rs));
    int rc;

    memset(out, 0, sizeof(*out));
    if (!rs)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    rs->cur.fd = -1;
    strbuf_init(&rs->manifest_text);
    strbuf_init(&rs->log_text);
    rs->sector_size = sector_size;
    rs->chunk_size = (size_t)chunk_sectors * sector_size;
    rs->paths = calloc(n ? n : 1, sizeof(*rs->paths));
    if (!rs->paths) {
        resume_free(rs);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    for (; rs->n_paths < n; rs->n_paths++)
        if (!(rs->paths[rs->n_paths] = strdup(paths[rs->n_paths]))) {
            resume_free(rs);
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        }
    rc = scan_all(rs, err);
    out->chunks = rs->chunks;
    out->torn = rs->cur.torn;
    out->finished = rs->cur.finished;
    out->media_sectors = rs->ewf_sectors;
    resume_free(rs);
    return rc;
}

/* "    key      value" lines of the log: the value of the first line with that key. */
static const char *
log_value(const struct strbuf *log, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);

    for (const char *p = log->buf; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 4 + klen && !memcmp(p, "    ", 4) && !memcmp(p + 4, key, klen) &&
            p[4 + klen] == ' ') {
            const char *v = p + 4 + klen;
            while (*v == ' ' && v < p + len)
                v++;
            snprintf(out, size, "%.*s", (int)(p + len - v), v);
            return out;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* The last non-empty line of the log. */
static void
log_last_line(const struct strbuf *log, char *out, size_t size)
{
    size_t end = log->len;

    out[0] = '\0';
    while (end > 0 && log->buf[end - 1] == '\n')
        end--;
    size_t start = end;
    while (start > 0 && log->buf[start - 1] != '\n')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), log->buf + start);
}

static int
same_str(const char *a, const char *b)
{
    return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b));
}

void
resume_free(struct resume_state *rs)
{
    if (!rs)
        return;
    cursor_reset(rs);
    manifest_release(&rs->m);
    strbuf_release(&rs->manifest_text);
    strbuf_release(&rs->log_text);
    for (size_t i = 0; i < rs->n_paths; i++)
        free(rs->paths[i]);
    free(rs->paths);
    free(rs->sizes);
    free(rs->stored);
    free(rs->chunk);
    free(rs);
}

/* The folder of BASE with a trailing '/', or "" for the current one. */
static void
base_dir(struct strbuf *out, const char *base)
{
    const char *slash = strrchr(base, '/');
    if (slash)
        strbuf_add(out, base, (size_t)(slash - base) + 1);
}

int
resume_load(struct resume_state **out, const struct acquire_opts *o, struct custody_err *err)
{
    struct resume_state *rs = calloc(1, sizeof(*rs));
    struct strbuf path = STRBUF_INIT, dir = STRBUF_INIT;
    char **existing = NULL;
    size_t n_existing = 0;
    char line[1024];
    int rc = 0;

    *out = NULL;
    if (!rs)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    rs->cur.fd = -1;
    strbuf_init(&rs->manifest_text);
    strbuf_init(&rs->log_text);
    base_dir(&dir, o->output);

    /* A finished image (BASE.E01, BASE.raw, ...) is never resumed. */
    outputs_existing(o, &existing, &n_existing);
    for (size_t i = 0; i < n_existing && rc == 0; i++) {
        size_t len = strlen(existing[i]);
        static const char *const ours[] = {".log", ".manifest", ".manifest.minisig", ".partial"};
        int mine = 0;
        for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++) {
            size_t sl = strlen(ours[k]);
            mine |= len >= sl && !strcmp(existing[i] + len - sl, ours[k]);
        }
        if (!mine) {
            rc = custody_err_set(err, CUSTODY_ERR_EXISTS,
                                 "'%s' exists: that acquisition finished, is still running or "
                                 "was killed; only an interrupted or failed one (files named "
                                 "*.partial) can be resumed",
                                 existing[i]);
        }
    }
    for (size_t i = 0; i < n_existing; i++)
        free(existing[i]);
    free(existing);
    if (rc < 0)
        goto fail;

    strbuf_addf(&path, "%s.manifest", o->output);
    if ((rc = io_read_file(&rs->manifest_text, path.buf, 1u << 24, err)) < 0) {
        if (rc == CUSTODY_ERR_NOTFOUND || errno == ENOENT)
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                                 "no manifest '%s': nothing to resume (a killed run leaves no "
                                 "manifest and cannot be resumed; start again)",
                                 path.buf);
        goto fail;
    }
    if ((rc = manifest_parse(&rs->m, rs->manifest_text.buf, rs->manifest_text.len, err)) < 0)
        goto fail;
    {
        uint8_t d[32];
        hash_buffer(HASH_SHA256, d, rs->manifest_text.buf, rs->manifest_text.len);
        for (int i = 0; i < 32; i++)
            snprintf(rs->manifest_sha256 + 2 * i, 3, "%02x", d[i]);
    }
    if (!rs->m.status || (strcmp(rs->m.status, "interrupted") && strcmp(rs->m.status, "failed"))) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "the acquisition in '%s' is '%s': only an interrupted or failed one "
                             "can be resumed",
                             path.buf, rs->m.status ? rs->m.status : "?");
        goto fail;
    }
    if (!rs->m.format || (strcmp(rs->m.format, "e01") && strcmp(rs->m.format, "raw")) ||
        rs->m.sector_size == 0 || rs->m.chunk_sectors == 0 || rs->m.chunk_sectors > 32768 ||
        (rs->m.sector_size & (rs->m.sector_size - 1)) != 0 || rs->m.sector_size > 65536) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s' has no usable format or chunk size",
                             path.buf);
        goto fail;
    }
    rs->raw = !strcmp(rs->m.format, "raw");
    rs->sector_size = rs->m.sector_size;
    rs->chunk_size = (size_t)rs->m.chunk_sectors * rs->m.sector_size;

    /* The log: written line by line by the same run; its first line names the
     * acquisition and its last one says how it ended. */
    strbuf_reset(&path);
    strbuf_addf(&path, "%s.log", o->output);
    if ((rc = io_read_file(&rs->log_text, path.buf, 1u << 26, err)) < 0)
        goto fail;
    {
        char want[128];
        const char *first_nl = strchr(rs->log_text.buf, '\n');
        snprintf(want, sizeof(want), ": acquisition %s started", rs->m.acquisition_uuid);
        if (!first_nl ||
            !memmem(rs->log_text.buf, (size_t)(first_nl - rs->log_text.buf), want, strlen(want))) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "the log '%s' does not start with acquisition %s of the manifest",
                                 path.buf, rs->m.acquisition_uuid);
            goto fail;
        }
        log_last_line(&rs->log_text, line, sizeof(line));
        snprintf(want, sizeof(want), "  acquisition %s: %s", rs->m.acquisition_uuid, rs->m.status);
        size_t ll = strlen(line), wl = strlen(want);
        if (ll < wl || strcmp(line + ll - wl, want) != 0) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "the log '%s' does not end with 'acquisition %s: %s' as the "
                                 "manifest says",
                                 path.buf, rs->m.acquisition_uuid, rs->m.status);
            goto fail;
        }
    }

    /* The partial files: exactly those listed, each with its recorded size and SHA-256. */
    if (rs->m.n_files == 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT, "'%s.manifest' lists no image files",
                             o->output);
        goto fail;
    }
    rs->paths = calloc(rs->m.n_files, sizeof(*rs->paths));
    rs->sizes = calloc(rs->m.n_files, sizeof(*rs->sizes));
    if (!rs->paths || !rs->sizes) {
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rs->m.n_files; i++) {
        const struct manifest_file *f = &rs->m.files[i];
        char seg[4200], hex[HASH_COUNT][HASH_HEX_MAX];
        struct strbuf want = STRBUF_INIT;
        uint64_t size = 0;
        if (rs->raw && rs->m.segment_size)
            snprintf(seg, sizeof(seg), "%s.%03zu", file_name(o->output), i);
        else if (rs->raw)
            snprintf(seg, sizeof(seg), "%s.raw", file_name(o->output));
        else
            ewf_writer_segment_name(seg, sizeof(seg), file_name(o->output), (unsigned)i + 1);
        strbuf_addf(&want, "%s.partial", seg);
        int same = !strcmp(f->name, want.buf);
        strbuf_release(&want);
        if (!same) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "the manifest lists '%s' where '%s.partial' was expected", f->name,
                                 seg);
            goto fail;
        }
        strbuf_reset(&path);
        strbuf_addf(&path, "%s%s", dir.buf, f->name);
        if ((rc = hash_file(hex, path.buf, HASH_F_SHA256, &size, err)) < 0)
            goto fail;
        if (size != f->size || strcmp(hex[HASH_SHA256], f->sha256) != 0) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "'%s' is not the file the interrupted run left (%llu bytes, "
                                 "SHA-256 %s; recorded %llu bytes, %s): it was changed; refusing "
                                 "to resume",
                                 path.buf, (unsigned long long)size, hex[HASH_SHA256],
                                 (unsigned long long)f->size, f->sha256);
            goto fail;
        }
        rs->paths[i] = strbuf_detach(&path, NULL);
        rs->sizes[i] = size;
        rs->n_paths++;
    }

    /* Read every chunk once: each must check out, and the kept part ends at the last
     * whole chunk. */
    if ((rc = scan_all(rs, err)) < 0)
        goto fail;
    if (rs->cur.finished) {
        rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                             "the partial image '%s' was finished (it has its closing sections); "
                             "it cannot be resumed",
                             rs->paths[0]);
        goto fail;
    }
    rs->torn = rs->cur.torn;
    rs->kept = rs->chunks * rs->chunk_size;
    if (rs->kept > rs->m.media_size) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "the partial image holds %llu bytes but the interrupted run read "
                             "only %llu",
                             (unsigned long long)rs->kept, (unsigned long long)rs->m.media_size);
        goto fail;
    }
    if (rs->torn && strcmp(rs->m.status, "failed") != 0) {
        rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                             "the partial image ends with %llu bytes of an incomplete chunk, "
                             "which an interrupted run does not leave",
                             (unsigned long long)rs->torn);
        goto fail;
    }
    cursor_reset(rs);
    rs->chunk_off = UINT64_MAX;
    *out = rs;
    rs = NULL;
fail:
    strbuf_release(&path);
    strbuf_release(&dir);
    resume_free(rs);
    return rc;
}

const struct manifest *
resume_manifest(const struct resume_state *rs)
{
    return &rs->m;
}

void
resume_info(const struct resume_state *rs, struct resume_info *info)
{
    memset(info, 0, sizeof(*info));
    info->kept = rs->kept;
    info->chunks = rs->chunks;
    info->torn = rs->torn;
    info->ewf_media_size = rs->ewf_sectors * rs->sector_size;
    info->manifest_text = rs->manifest_text.buf;
    info->manifest_len = rs->manifest_text.len;
    info->log_text = rs->log_text.buf;
    info->log_len = rs->log_text.len;
    info->manifest_sha256 = rs->manifest_sha256;
    info->paths = (const char *const *)rs->paths;
    info->n_paths = rs->n_paths;
}

ssize_t
resume_read(struct resume_state *rs, uint8_t *buf, size_t len, uint64_t offset,
            struct custody_err *err)
{
    size_t done = 0;

    if (offset >= rs->kept)
        return 0;
    if (len > rs->kept - offset)
        len = (size_t)(rs->kept - offset);
    while (done < len) {
        uint64_t at = offset + done;
        uint64_t want = at / rs->chunk_size * rs->chunk_size;
        if (rs->chunk_off != want) {
            /* Sequential: only the next chunk, or a restart from the first. */
            uint64_t next = rs->chunk_off == UINT64_MAX ? 0 : rs->chunk_off + rs->chunk_size;
            if (want < next) {
                cursor_reset(rs);
                next = 0;
            }
            while (next <= want) {
                int n = next_chunk(rs, err);
                if (n < 0)
                    return n;
                if (n == 0)
                    return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                           "the partial image ended before byte %llu",
                                           (unsigned long long)want);
                rs->chunk_off = next;
                next += rs->chunk_size;
            }
        }
        size_t in = (size_t)(at - want);
        size_t n = rs->chunk_size - in;
        if (n > len - done)
            n = len - done;
        memcpy(buf + done, rs->chunk + in, n);
        done += n;
    }
    return (ssize_t)done;
}

/* Is the source the one the interrupted run read? Its kind, size, sector sizes and
 * device identity must equal those recorded in the manifest and the log. */
int
resume_check_identity(const struct resume_state *rs, const struct acquire_source *s,
                      struct custody_err *err)
{
    static const char *const kinds[] = {"file", "block-device", "stream", "remote"};
    const struct manifest *m = &rs->m;
    char rec[256], now[256];

    if (!m->source_type || strcmp(m->source_type, kinds[s->kind]) != 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the source is a %s, the interrupted acquisition read a %s",
                               kinds[s->kind], m->source_type ? m->source_type : "?");
    if (!log_value(&rs->log_text, "source size", rec, sizeof(rec)))
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "the log does not record the source size");
    if (s->size_known)
        snprintf(now, sizeof(now), "%llu bytes", (unsigned long long)s->size);
    else
        snprintf(now, sizeof(now), "unknown (stream)");
    if (strcmp(rec, now) != 0)
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the source size is %s, the interrupted acquisition's was %s: not "
                               "the same source",
                               now, rec);
    if (!rs->raw && s->size_known &&
        rs->ewf_sectors != (s->size + s->sector_size - 1) / s->sector_size)
        return custody_err_set(
            err, CUSTODY_ERR_USAGE,
            "the partial image holds %llu sectors of media, the source has "
            "%llu: not the same source",
            (unsigned long long)rs->ewf_sectors,
            (unsigned long long)((s->size + s->sector_size - 1) / s->sector_size));
    if (m->sector_size != s->sector_size ||
        (m->physical_sector_size && m->physical_sector_size != s->physical_sector_size))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the source's sector size differs from the interrupted "
                               "acquisition's: not the same source");
    if (!same_str(m->device_vendor, s->vendor) || !same_str(m->device_model, s->model) ||
        !same_str(m->device_serial, s->serial))
        return custody_err_set(err, CUSTODY_ERR_USAGE,
                               "the source's vendor, model or serial differs from the "
                               "interrupted acquisition's: not the same source");
    return 0;
}

static int
in_ranges(const struct manifest_range *v, size_t n, uint64_t sector)
{
    for (size_t i = 0; i < n; i++)
        if (sector >= v[i].first_sector && sector - v[i].first_sector < v[i].count)
            return 1;
    return 0;
}

/* Compare [offset, offset+len) of the source with the kept image, sector by sector,
 * skipping sectors unreadable then or now. Returns the number of sectors compared,
 * or negative (CUSTODY_ERR_USAGE when they differ). */
static int64_t
compare_window(struct resume_state *rs, struct acquire_source *s, uint64_t offset, size_t len,
               struct custody_err *err)
{
    struct range_list now_bad = {0};
    uint8_t *a = NULL, *b = NULL;
    int64_t compared = 0;
    size_t ss = rs->sector_size;

    if (posix_memalign((void **)&a, 4096, len) != 0 ||
        posix_memalign((void **)&b, 4096, len) != 0) {
        free(a);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    ssize_t n = resume_read(rs, a, len, offset, err);
    if (n >= 0 && (size_t)n != len)
        n = custody_err_set(err, CUSTODY_ERR_FORMAT, "the partial image is shorter than it said");
    if (n >= 0) {
        n = source_read(s, b, len, offset, &now_bad, err);
        if (n >= 0 && (size_t)n != len)
            n = custody_err_set(err, CUSTODY_ERR_USAGE,
                                "the source ends before byte %llu, which the interrupted "
                                "acquisition read: not the same source",
                                (unsigned long long)(offset + len));
    }
    for (size_t i = 0; n >= 0 && i < len / ss; i++) {
        uint64_t sector = offset / ss + i;
        if (in_ranges(rs->m.read_errors, rs->m.n_read_errors, sector) ||
            in_ranges(now_bad.v, now_bad.n, sector))
            continue;
        if (memcmp(a + i * ss, b + i * ss, ss) != 0)
            n = custody_err_set(err, CUSTODY_ERR_USAGE,
                                "sector %llu of the source differs from the kept image: not the "
                                "same source (or it changed since); refusing to resume",
                                (unsigned long long)sector);
        else
            compared++;
    }
    range_list_free(&now_bad);
    free(a);
    free(b);
    return n < 0 ? (int64_t)n : compared;
}

/* A stream cannot seek: it must start again from byte 0, and everything kept is
 * read from it and compared before the resumed run changes anything. */
static int64_t
compare_stream(struct resume_state *rs, struct acquire_source *s, struct custody_err *err)
{
    size_t block = UINT32_C(1) << 20;
    uint8_t *a = malloc(block), *b = malloc(block);
    int64_t rc = 0;

    if (!a || !b) {
        free(a);
        free(b);
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    }
    for (uint64_t off = 0; off < rs->kept && rc >= 0; off += block) {
        struct range_list scratch = {0};
        size_t n = rs->kept - off < block ? (size_t)(rs->kept - off) : block;
        ssize_t got = resume_read(rs, a, n, off, err);
        if (got >= 0 && (size_t)got != n)
            got = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                  "the partial image is shorter than it said");
        if (got >= 0)
            got = source_read(s, b, n, off, &scratch, err);
        range_list_free(&scratch);
        if (got >= 0 && (size_t)got < n)
            got = custody_interrupted
                      ? custody_err_set(err, CUSTODY_ERR_INTR, "interrupted")
                      : custody_err_set(err, CUSTODY_ERR_USAGE,
                                        "the stream ended at byte %llu, before the resume point "
                                        "%llu (a resumed stream must start again from byte 0)",
                                        (unsigned long long)(off + (uint64_t)got),
                                        (unsigned long long)rs->kept);
        if (got < 0) {
            rc = got;
            break;
        }
        if (memcmp(a, b, n) != 0) {
            size_t i = 0;
            while (a[i] == b[i])
                i++;
            rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                                 "the stream differs from the kept image at byte %llu: not the "
                                 "same source (or not restarted from byte 0); refusing to resume",
                                 (unsigned long long)(off + i));
            break;
        }
        rc += (int64_t)(n / rs->sector_size);
    }
    free(a);
    free(b);
    return rc;
}

int64_t
resume_compare_source(struct resume_state *rs, struct acquire_source *s, uint64_t window,
                      struct custody_err *err)
{
    uint64_t w = window < rs->kept ? window : rs->kept;
    int64_t total = 0, n;

    if (s->kind == SOURCE_STREAM || s->kind == SOURCE_REMOTE) {
        total = compare_stream(rs, s, err);
    } else if (w > 0) {
        if ((n = compare_window(rs, s, 0, (size_t)w, err)) < 0)
            return n;
        total += n;
        if (rs->kept > w) {
            uint64_t from = rs->kept - w < w ? w : rs->kept - w;
            if ((n = compare_window(rs, s, from, (size_t)(rs->kept - from), err)) < 0)
                return n;
            total += n;
        }
    }
    cursor_reset(rs);
    rs->chunk_off = UINT64_MAX;
    return total;
}
