/* The framed stream of custody-acquire --send / --receive: a server that cannot be
 * taken offline is imaged over ssh without losing error information. The sender
 * reads with the same bad-sector handling as a local acquisition and sends
 *   magic "CUSTSTR1", then frames: [type u8][0 0 0][len u32 LE][arg u64 LE]
 *   [payload len bytes][CRC-32 u32 LE of header and payload]
 *   'H' identity (key=value lines, strings hex-encoded), 'D' data (arg: offset),
 *   'B' unreadable range (arg: first sector, payload: count u64), 'E' end (arg: bytes,
 *   payload: "md5 sha1 sha256"), 'X' the sender failed (payload: message).
 * The receiver checks every CRC, the order of offsets, and that the sender's hashes
 * equal its own. A stream without its end frame is a failed, partial acquisition. */
#include "internal.h"

#include "cli.h"
#include "deflate.h"
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_MAGIC "CUSTSTR1"
#define FRAME_HDR 16
#define FRAME_MAX (8u << 20)
#define SEND_BLOCK (4u << 20)

struct remote_state {
    int fd;
    uint8_t *frame; /* current data frame payload */
    size_t frame_len, frame_pos;
    uint64_t next_offset; /* media offset the next data byte must have */
    int ended;            /* 'E' received */
    char *remote_path;
    char hash[HASH_COUNT][HASH_HEX_MAX];
};

static void
put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- sending ---- */

static int
send_frame(int fd, int type, uint64_t arg, const void *payload, size_t len, struct custody_err *err)
{
    uint8_t hdr[FRAME_HDR] = {(uint8_t)type, 0, 0, 0};
    uint8_t crc[4];
    uint32_t c;

    put_le(hdr + 4, len, 4);
    put_le(hdr + 8, arg, 8);
    {
        /* CRC over header and payload without copying the payload. */
        uint8_t *tmp = malloc(FRAME_HDR + len);
        if (!tmp)
            return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        memcpy(tmp, hdr, FRAME_HDR);
        if (len)
            memcpy(tmp + FRAME_HDR, payload, len);
        c = chunk_crc32(tmp, FRAME_HDR + len);
        put_le(crc, c, 4);
        int bad = io_write_full(fd, tmp, FRAME_HDR + len) < 0 || io_write_full(fd, crc, 4) < 0;
        free(tmp);
        if (bad)
            return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot send the stream");
    }
    return 0;
}

static void
add_hex_kv(struct strbuf *sb, const char *key, const char *value)
{
    if (!value)
        return;
    strbuf_addf(sb, "%s=", key);
    strbuf_addhex(sb, (const uint8_t *)value, strlen(value));
    strbuf_addch(sb, '\n');
}

int
acquire_send(const struct acquire_opts *o, int out_fd, struct custody_err *err)
{
    static const char *const kinds[] = {"file", "block-device", "stream", "remote"};
    struct acquire_source src;
    struct strbuf sb = STRBUF_INIT, warnings = STRBUF_INIT;
    struct range_list bad = {0};
    struct multihash *mh = NULL;
    uint8_t *buf = NULL;
    uint64_t off = 0;
    int rc;

    if ((rc = crypto_init(err)) < 0)
        return rc;
    if ((rc = source_open(&src, o->source, o->stream_size, o, &warnings, err)) < 0)
        goto out_nosrc;
    if ((rc = multihash_new(&mh, HASH_F_ALL, err)) < 0)
        goto out;
    if (posix_memalign((void **)&buf, 4096, SEND_BLOCK) != 0) {
        buf = NULL;
        rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (io_write_full(out_fd, STREAM_MAGIC, 8) < 0) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot send the stream");
        goto out;
    }
    strbuf_addf(&sb, "size=%llu\nsector_size=%u\nphysical_sector_size=%u\ntype=%s\n",
                (unsigned long long)(src.size_known ? src.size : 0), src.sector_size,
                src.physical_sector_size, kinds[src.kind]);
    add_hex_kv(&sb, "path", o->source);
    add_hex_kv(&sb, "vendor", src.vendor);
    add_hex_kv(&sb, "model", src.model);
    add_hex_kv(&sb, "serial", src.serial);
    if ((rc = send_frame(out_fd, 'H', 0, sb.buf, sb.len, err)) < 0)
        goto out;
    for (;;) {
        struct range_list local = {0};
        size_t want = SEND_BLOCK;
        if (custody_interrupted) {
            rc = custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
            break;
        }
        if (src.size_known && off + want > src.size)
            want = (size_t)(src.size - off);
        if (want == 0)
            break;
        ssize_t n = source_read(&src, buf, want, off, &local, err);
        if (n < 0) {
            range_list_free(&local);
            rc = (int)n;
            break;
        }
        if (n > 0) {
            multihash_update(mh, buf, (size_t)n);
            rc = send_frame(out_fd, 'D', off, buf, (size_t)n, err);
            for (size_t i = 0; rc == 0 && i < local.n; i++) {
                uint8_t cnt[8];
                put_le(cnt, local.v[i].count, 8);
                range_list_add(&bad, local.v[i].first_sector, local.v[i].count);
                rc = send_frame(out_fd, 'B', local.v[i].first_sector, cnt, 8, err);
            }
        }
        range_list_free(&local);
        if (rc < 0)
            break;
        off += (uint64_t)n;
        if ((size_t)n < want) {
            if (src.size_known && off < src.size)
                rc = custody_err_set(err, CUSTODY_ERR_IO, "source '%s' ended at byte %llu of %llu",
                                     o->source, (unsigned long long)off,
                                     (unsigned long long)src.size);
            break;
        }
    }
    if (rc == 0) {
        char hex[HASH_COUNT][HASH_HEX_MAX];
        multihash_final(mh, hex);
        strbuf_reset(&sb);
        strbuf_addf(&sb, "%s %s %s", hex[HASH_MD5], hex[HASH_SHA1], hex[HASH_SHA256]);
        rc = send_frame(out_fd, 'E', off, sb.buf, sb.len, err);
        if (rc == 0)
            rc = bad.n ? 1 : 0;
    } else if (rc != CUSTODY_ERR_IO || errno != EPIPE) {
        struct custody_err ignore = {0};
        send_frame(out_fd, 'X', off, err->msg, strlen(err->msg), &ignore);
    }
out:
    source_close(&src);
out_nosrc:
    free(buf);
    multihash_free(mh);
    range_list_free(&bad);
    strbuf_release(&sb);
    strbuf_release(&warnings);
    return rc;
}

/* ---- receiving ---- */

/* Read one frame: type, arg, payload (malloc'd, NUL-terminated). 0, or negative. */
static int
recv_frame(struct remote_state *rs, int *type, uint64_t *arg, uint8_t **payload, size_t *len,
           struct custody_err *err)
{
    uint8_t hdr[FRAME_HDR], crc[4];
    ssize_t n = io_read_full(rs->fd, hdr, FRAME_HDR);
    uint8_t *p;

    *payload = NULL;
    if (n < 0) {
        if (errno == EINTR)
            return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot read the stream");
    }
    if (n < FRAME_HDR)
        return custody_err_set(err, CUSTODY_ERR_IO,
                               "the stream ended before its end frame (connection lost at "
                               "offset %llu)",
                               (unsigned long long)rs->next_offset);
    *type = hdr[0];
    *len = (size_t)get_le(hdr + 4, 4);
    *arg = get_le(hdr + 8, 8);
    if (*len > FRAME_MAX || hdr[1] || hdr[2] || hdr[3])
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "bad frame in the stream at offset %llu",
                               (unsigned long long)rs->next_offset);
    p = malloc(FRAME_HDR + *len + 1);
    if (!p)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    memcpy(p, hdr, FRAME_HDR);
    n = io_read_full(rs->fd, p + FRAME_HDR, *len);
    ssize_t m = n == (ssize_t)*len ? io_read_full(rs->fd, crc, 4) : 0;
    if (n != (ssize_t)*len || m != 4) {
        free(p);
        return custody_err_set(err, CUSTODY_ERR_IO,
                               "the stream ended inside a frame (connection lost at offset %llu)",
                               (unsigned long long)rs->next_offset);
    }
    if (chunk_crc32(p, FRAME_HDR + *len) != (uint32_t)get_le(crc, 4)) {
        free(p);
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "CRC mismatch in the stream at offset %llu: the transfer is "
                               "damaged",
                               (unsigned long long)rs->next_offset);
    }
    memmove(p, p + FRAME_HDR, *len);
    p[*len] = '\0';
    *payload = p;
    return 0;
}

/* Value of key in "key=value\n" lines; hex values are decoded. NULL when absent. */
static char *
header_value(const char *text, const char *key, int hex)
{
    size_t kl = strlen(key);

    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        if (ll > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t vl = ll - kl - 1;
            char *out = malloc(vl + 1);
            if (!out)
                return NULL;
            if (!hex) {
                memcpy(out, v, vl);
                out[vl] = '\0';
                return out;
            }
            char *tmp = strndup(v, vl);
            if (!tmp || vl % 2 || hex_decode((uint8_t *)out, vl / 2, tmp) < 0 ||
                memchr(out, 0, vl / 2)) {
                free(tmp);
                free(out);
                return NULL;
            }
            free(tmp);
            out[vl / 2] = '\0';
            return out;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static int
header_u64(const char *text, const char *key, uint64_t *out)
{
    char *v = header_value(text, key, 0);
    int rc = v ? cli_parse_u64(v, out) : CUSTODY_ERR_FORMAT;
    free(v);
    return rc;
}

int
remote_open(struct acquire_source *s, int fd, struct custody_err *err)
{
    struct remote_state *rs = calloc(1, sizeof(*rs));
    char magic[8];
    uint8_t *payload = NULL;
    uint64_t arg, size = 0, ss = 0, pss = 0;
    size_t len;
    int type, rc;

    if (!rs)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    rs->fd = fd;
    s->remote = rs;
    s->kind = SOURCE_REMOTE;
    if (io_read_full(fd, magic, 8) != 8 || memcmp(magic, STREAM_MAGIC, 8) != 0)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "'%s' is not a custody-acquire --send stream", s->path);
    if ((rc = recv_frame(rs, &type, &arg, &payload, &len, err)) < 0)
        return rc;
    if (type != 'H' || header_u64((char *)payload, "size", &size) < 0 ||
        header_u64((char *)payload, "sector_size", &ss) < 0 || ss == 0 || ss > 65536 ||
        (ss & (ss - 1)) || header_u64((char *)payload, "physical_sector_size", &pss) < 0) {
        free(payload);
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "bad header in the stream '%s'", s->path);
    }
    s->size = size;
    s->size_known = size > 0;
    s->sector_size = (uint32_t)ss;
    s->physical_sector_size = (uint32_t)pss;
    s->vendor = header_value((char *)payload, "vendor", 1);
    s->model = header_value((char *)payload, "model", 1);
    s->serial = header_value((char *)payload, "serial", 1);
    rs->remote_path = header_value((char *)payload, "path", 1);
    free(payload);
    return 0;
}

void
remote_close(struct acquire_source *s)
{
    if (!s->remote)
        return;
    free(s->remote->frame);
    free(s->remote->remote_path);
    free(s->remote);
    s->remote = NULL;
}

ssize_t
remote_read(struct acquire_source *s, uint8_t *buf, size_t len, struct range_list *bad,
            struct custody_err *err)
{
    struct remote_state *rs = s->remote;
    size_t done = 0;

    while (done < len && !rs->ended) {
        if (rs->frame_pos < rs->frame_len) {
            size_t n = rs->frame_len - rs->frame_pos;
            if (n > len - done)
                n = len - done;
            memcpy(buf + done, rs->frame + rs->frame_pos, n);
            rs->frame_pos += n;
            done += n;
            continue;
        }
        if (custody_interrupted)
            return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
        int type, rc;
        uint64_t arg;
        uint8_t *payload;
        size_t plen;
        if ((rc = recv_frame(rs, &type, &arg, &payload, &plen, err)) < 0)
            return rc;
        if (type == 'D') {
            if (arg != rs->next_offset || plen == 0) {
                free(payload);
                return custody_err_set(err, CUSTODY_ERR_FORMAT,
                                       "data out of order in the stream: offset %llu, expected "
                                       "%llu",
                                       (unsigned long long)arg,
                                       (unsigned long long)rs->next_offset);
            }
            free(rs->frame);
            rs->frame = payload;
            rs->frame_len = plen;
            rs->frame_pos = 0;
            rs->next_offset += plen;
        } else if (type == 'B' && plen == 8) {
            range_list_add(bad, arg, get_le(payload, 8));
            free(payload);
        } else if (type == 'E') {
            char *sp1 = strchr((char *)payload, ' ');
            char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
            if (arg != rs->next_offset || !sp2 || sp1 - (char *)payload != 32 ||
                sp2 - sp1 - 1 != 40 || strlen(sp2 + 1) != 64) {
                free(payload);
                return custody_err_set(err, CUSTODY_ERR_FORMAT, "bad end frame in the stream");
            }
            memcpy(rs->hash[HASH_MD5], payload, 32);
            memcpy(rs->hash[HASH_SHA1], sp1 + 1, 40);
            memcpy(rs->hash[HASH_SHA256], sp2 + 1, 64);
            free(payload);
            rs->ended = 1;
        } else if (type == 'X') {
            custody_err_set(err, CUSTODY_ERR_IO, "the sender failed at offset %llu: %.400s",
                            (unsigned long long)arg, (char *)payload);
            free(payload);
            return err->code;
        } else {
            free(payload);
            return custody_err_set(err, CUSTODY_ERR_FORMAT, "unknown frame '%c' in the stream",
                                   type);
        }
    }
    s->stream_pos += done;
    return (ssize_t)done;
}

int
remote_result(const struct acquire_source *s, const char **path, const char *(*hash)[HASH_COUNT])
{
    if (!s->remote)
        return 0;
    *path = s->remote->remote_path;
    for (int i = 0; i < HASH_COUNT; i++)
        (*hash)[i] = s->remote->hash[i];
    return s->remote->ended;
}

int
remote_finish(struct acquire_source *s, struct range_list *bad, struct custody_err *err)
{
    uint8_t extra[1];
    ssize_t n;

    if (!s->remote || s->remote->ended)
        return 0;
    n = remote_read(s, extra, 1, bad, err);
    if (n < 0)
        return (int)n;
    if (n > 0)
        return custody_err_set(err, CUSTODY_ERR_FORMAT,
                               "the stream holds more data than the size it announced");
    return 0;
}
