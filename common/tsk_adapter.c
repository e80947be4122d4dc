/* The Sleuth Kit adapter: image opening, volume listing and file-system walks.
 * TSK's errors become custody_err messages here; nothing else sees libtsk. */
#include "tsk_adapter.h"

#include "cli.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

/* Check the clock every this many names: custody_mono_seconds is cheap, not free. */
#define TSK_CLOCK_EVERY 256
#define TSK_READ_CHUNK 65536
/* Nested volume systems deeper than this are not followed (a hostile label loop). */
#define TSK_MAX_NEST 2
/* A volume whose first 64 KiB are zero was never formatted: "no file system" is
 * then a fact, not a failure. */
#define TSK_BLANK_BYTES 65536

struct tsk_image {
    TSK_IMG_INFO *img;
};

const char *
tsk_version(void)
{
    return tsk_version_get_str();
}

/* "what: TSK's message", one line. */
static int
tsk_fail(struct custody_err *err, int code, const char *what)
{
    const char *msg = tsk_error_get();
    struct strbuf sb = STRBUF_INIT;

    strbuf_addstr(&sb, msg ? msg : "unknown error");
    while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
        strbuf_setlen(&sb, sb.len - 1);
    for (size_t i = 0; i < sb.len; i++)
        if (sb.buf[i] == '\n')
            sb.buf[i] = ' ';
    custody_err_set(err, code, "%s: %s", what, sb.buf);
    strbuf_release(&sb);
    tsk_error_reset();
    return code;
}

/* The image format from its first bytes. TSK's own detection tries every
 * format in turn and leaks the handles of the probes that fail (TSK 4.11). */
static TSK_IMG_TYPE_ENUM
image_type_of(const char *path)
{
    static const unsigned char evf[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    static const unsigned char lvf[8] = {'L', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
    unsigned char head[8] = {0};
    FILE *fp = fopen(path, "rb");
    size_t got;

    if (!fp)
        return TSK_IMG_TYPE_UNSUPP; /* errno says why */
    got = fread(head, 1, sizeof(head), fp);
    fclose(fp);
    if (got == sizeof(head) && (!memcmp(head, evf, 8) || !memcmp(head, lvf, 8)))
        return TSK_IMG_TYPE_EWF_EWF;
    if (got >= 4 && !memcmp(head, "KDMV", 4))
        return TSK_IMG_TYPE_VMDK_VMDK;
    if (got == sizeof(head) && !memcmp(head, "conectix", 8))
        return TSK_IMG_TYPE_VHD_VHD;
    return TSK_IMG_TYPE_RAW;
}

int
tsk_image_open(struct tsk_image **out, const char *const *paths, int n, struct custody_err *err)
{
    struct tsk_image *ti;
    TSK_IMG_TYPE_ENUM type;

    *out = NULL;
    if (n < 1)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "no image given");
    ti = calloc(1, sizeof(*ti));
    if (!ti)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        FILE *fp = fopen(paths[i], "rb");
        if (!fp) {
            int e = errno;
            free(ti);
            return custody_err_errno(err, custody_err_from_errno(e), e, "cannot open image '%s'",
                                     paths[i]);
        }
        fclose(fp);
    }
    errno = 0;
    type = image_type_of(paths[0]);
    if (type == TSK_IMG_TYPE_UNSUPP) {
        int e = errno ? errno : EIO;
        free(ti);
        return custody_err_errno(err, custody_err_from_errno(e), e, "cannot read image '%s'",
                                 paths[0]);
    }
    tsk_error_reset();
    ti->img = tsk_img_open_utf8(n, (const char *const *)paths, type, 0);
    if (!ti->img) {
        free(ti);
        return tsk_fail(err, CUSTODY_ERR_FORMAT, "cannot open image");
    }
    *out = ti;
    return 0;
}

void
tsk_image_close(struct tsk_image *img)
{
    if (!img)
        return;
    if (img->img)
        tsk_img_close(img->img);
    free(img);
}

int64_t
tsk_image_size(const struct tsk_image *img)
{
    return (int64_t)img->img->size;
}

unsigned
tsk_image_sector_size(const struct tsk_image *img)
{
    return img->img->sector_size;
}

const char *
tsk_image_type(const struct tsk_image *img)
{
    const char *name = tsk_img_type_toname(img->img->itype);
    return name ? name : "unknown";
}

/* Copy with truncation (names from evidence can be long; a cut is fine here). */
static void
str_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);

    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void
vol_push(struct tsk_volume **list, size_t *n, const struct tsk_volume *v)
{
    struct tsk_volume *grown = realloc(*list, (*n + 1) * sizeof(**list));

    if (!grown)
        abort();
    *list = grown;
    (*list)[(*n)++] = *v;
}

static const char *
vs_name(TSK_VS_TYPE_ENUM t)
{
    switch (t) {
    case TSK_VS_TYPE_DOS:
        return "dos";
    case TSK_VS_TYPE_BSD:
        return "bsd";
    case TSK_VS_TYPE_SUN:
        return "sun";
    case TSK_VS_TYPE_MAC:
        return "mac";
    case TSK_VS_TYPE_GPT:
        return "gpt";
    default:
        return "other";
    }
}

/* A volume that may be an APFS container: one entry per APFS volume, or itself. */
static void
vol_add_maybe_pool(struct tsk_image *img, struct tsk_volume **list, size_t *n,
                   const struct tsk_volume *v)
{
    const TSK_POOL_INFO *pool;

    tsk_error_reset();
    pool = tsk_pool_open_img_sing(img->img, v->offset, TSK_POOL_TYPE_DETECT);
    if (!pool) {
        tsk_error_reset();
        vol_push(list, n, v);
        return;
    }
    for (const TSK_POOL_VOLUME_INFO *pv = pool->vol_list; pv; pv = pv->next) {
        struct tsk_volume pvol = *v;
        pvol.pool_volume = 1;
        pvol.pool_block = pv->block;
        pvol.pool_vol_index = pv->index;
        snprintf(pvol.vs_type, sizeof(pvol.vs_type), "apfs");
        snprintf(pvol.desc, sizeof(pvol.desc), "APFS volume %d%s%s", pv->index,
                 pv->desc ? ": " : "", pv->desc ? pv->desc : "");
        {
            struct strbuf pre = STRBUF_INIT;
            strbuf_addf(&pre, "%s/v%d", v->prefix, pv->index);
            str_copy(pvol.prefix, sizeof(pvol.prefix), pre.buf);
            strbuf_release(&pre);
        }
        if (pv->flags & TSK_POOL_VOLUME_FLAG_ENCRYPTED)
            snprintf(pvol.error, sizeof(pvol.error), "APFS volume %d is encrypted", pv->index);
        vol_push(list, n, &pvol);
    }
    if (!pool->vol_list) {
        struct tsk_volume empty = *v;
        snprintf(empty.vs_type, sizeof(empty.vs_type), "apfs");
        snprintf(empty.error, sizeof(empty.error), "APFS container without volumes");
        vol_push(list, n, &empty);
    }
    tsk_pool_close(pool);
}

static int
vol_walk_vs(struct tsk_image *img, int64_t offset, TSK_VS_TYPE_ENUM type, const char *prefix,
            int depth, struct tsk_volume **list, size_t *n)
{
    TSK_VS_INFO *vs;

    tsk_error_reset();
    vs = tsk_vs_open(img->img, offset, type);
    if (!vs) {
        tsk_error_reset();
        return 0;
    }
    for (TSK_PNUM_T i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        struct tsk_volume v;
        size_t before;
        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
            continue;
        memset(&v, 0, sizeof(v));
        v.offset = (int64_t)(p->start * vs->block_size);
        v.length = (int64_t)(p->len * vs->block_size);
        v.slot = (int)p->addr;
        snprintf(v.vs_type, sizeof(v.vs_type), "%s", vs_name(vs->vstype));
        snprintf(v.desc, sizeof(v.desc), "%s", p->desc ? p->desc : "");
        {
            struct strbuf pre = STRBUF_INIT;
            strbuf_addf(&pre, "%s/p%d", prefix, v.slot);
            str_copy(v.prefix, sizeof(v.prefix), pre.buf);
            strbuf_release(&pre);
        }
        /* A BSD disklabel inside a DOS slice holds the real partitions. */
        before = *n;
        v.unused_slot = vs->vstype == TSK_VS_TYPE_BSD && !strncmp(v.desc, "Unused", 6);
        if (depth < TSK_MAX_NEST && vs->vstype == TSK_VS_TYPE_DOS && strstr(v.desc, "BSD") &&
            vol_walk_vs(img, v.offset, TSK_VS_TYPE_BSD, v.prefix, depth + 1, list, n) > 0 &&
            *n > before)
            continue;
        vol_add_maybe_pool(img, list, n, &v);
    }
    tsk_vs_close(vs);
    return 1;
}

int
tsk_image_volumes(struct tsk_image *img, struct tsk_volume **out, size_t *n,
                  struct custody_err *err)
{
    struct tsk_volume *list = NULL;
    size_t count = 0;

    (void)err;
    /* Each type in turn rather than TSK_VS_TYPE_DETECT, which leaks the DOS table
     * it finds behind a GPT's protective MBR (TSK 4.11). GPT first: a protective
     * or hybrid MBR is not the partition table. */
    static const TSK_VS_TYPE_ENUM types[] = {TSK_VS_TYPE_GPT, TSK_VS_TYPE_DOS, TSK_VS_TYPE_BSD,
                                             TSK_VS_TYPE_SUN, TSK_VS_TYPE_MAC};
    int found = 0;

    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]) && !found; t++)
        found = vol_walk_vs(img, 0, types[t], "", 0, &list, &count);
    if (!found || count == 0) {
        struct tsk_volume whole;
        memset(&whole, 0, sizeof(whole));
        free(list);
        list = NULL;
        count = 0;
        whole.length = (int64_t)img->img->size;
        whole.slot = -1;
        snprintf(whole.vs_type, sizeof(whole.vs_type), "none");
        snprintf(whole.desc, sizeof(whole.desc), "whole image");
        vol_add_maybe_pool(img, &list, &count, &whole);
    }
    *out = list;
    *n = count;
    return 0;
}

/* ---- file-system walk ---- */

struct walk_ctx {
    const struct tsk_walk_limits *lim;
    struct tsk_walk_info *info;
    tsk_entry_fn fn;
    void *ctx;
    struct strbuf path, inode;
    struct multihash *mh;
    char *buf;
};

static int64_t
ns_of(time_t sec, int64_t nano)
{
    return (int64_t)sec * 1000000000 + nano;
}

static void
set_time(struct tsk_entry *e, int i, time_t sec, int64_t nano)
{
    e->time[i] = ns_of(sec, nano);
    if (sec || nano)
        e->time_set |= 1u << i;
}

/* A never-formatted volume: its first TSK_BLANK_BYTES (or all of it) are zero. */
static int
volume_is_blank(struct tsk_image *img, const struct tsk_volume *v)
{
    char buf[4096];
    int64_t len = TSK_BLANK_BYTES;

    if (v->length >= 0 && v->length < len)
        len = v->length;
    for (int64_t off = 0; off < len; off += (int64_t)sizeof(buf)) {
        size_t want = len - off < (int64_t)sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
        ssize_t got = tsk_img_read(img->img, v->offset + off, buf, want);
        if (got != (ssize_t)want)
            return 0;
        for (size_t i = 0; i < want; i++)
            if (buf[i])
                return 0;
    }
    return 1;
}

static int
walk_limits_hit(struct walk_ctx *w)
{
    if (custody_interrupted) {
        w->info->stopped = TSK_WALK_INTERRUPTED;
        return 1;
    }
    if (w->lim->max_entries && w->info->entries >= w->lim->max_entries) {
        w->info->stopped = TSK_WALK_ENTRY_LIMIT;
        return 1;
    }
    if (w->lim->deadline > 0 && (w->info->entries % TSK_CLOCK_EVERY) == 0 &&
        custody_mono_seconds() > w->lim->deadline) {
        w->info->stopped = TSK_WALK_TIME_LIMIT;
        return 1;
    }
    return 0;
}

/* Hash the content of a regular file (one NTFS stream when attr is set). */
static void
walk_hash(struct walk_ctx *w, TSK_FS_FILE *f, const TSK_FS_ATTR *attr, struct tsk_entry *e)
{
    int64_t size = attr ? attr->size : f->meta->size;
    int64_t off = 0;

    multihash_free(w->mh);
    w->mh = NULL;
    if (multihash_new(&w->mh, w->lim->hash_algos, NULL) < 0) {
        e->hash_error = "cannot start hash";
        return;
    }
    while (off < size) {
        size_t want = size - off > TSK_READ_CHUNK ? TSK_READ_CHUNK : (size_t)(size - off);
        ssize_t got;
        if (w->lim->deadline > 0 && custody_mono_seconds() > w->lim->deadline) {
            e->hash_error = "time limit reached while hashing";
            return;
        }
        got = attr ? tsk_fs_attr_read(attr, off, w->buf, want, TSK_FS_FILE_READ_FLAG_NONE)
                   : tsk_fs_file_read(f, off, w->buf, want, TSK_FS_FILE_READ_FLAG_NONE);
        if (got <= 0) {
            tsk_error_reset();
            e->hash_error = "content not readable";
            return;
        }
        multihash_update(w->mh, w->buf, (size_t)got);
        off += got;
    }
    multihash_final(w->mh, e->hex);
}

static int
walk_emit(struct walk_ctx *w, TSK_FS_FILE *f, const char *a_path, const TSK_FS_ATTR *attr)
{
    struct tsk_entry e;
    const TSK_FS_META *m = f->meta;
    int is_fname = attr && attr->type == TSK_FS_ATTR_TYPE_NTFS_FNAME;
    int is_ads = attr && attr->name && !is_fname &&
                 (attr->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT || strcmp(attr->name, "$I30") != 0);

    if (walk_limits_hit(w))
        return 1;
    w->info->entries++;
    memset(&e, 0, sizeof(e));
    strbuf_reset(&w->path);
    strbuf_addch(&w->path, '/');
    strbuf_addstr(&w->path, a_path);
    strbuf_addstr(&w->path, f->name->name);
    if (is_ads) {
        strbuf_addch(&w->path, ':');
        strbuf_addstr(&w->path, attr->name);
    }
    e.path = w->path.buf;
    e.path_len = w->path.len;
    strbuf_reset(&w->inode);
    strbuf_add_u64(&w->inode, (uint64_t)f->name->meta_addr);
    if (attr)
        strbuf_addf(&w->inode, "-%" PRIu32 "-%" PRIu16, (uint32_t)attr->type, attr->id);
    e.inode = w->inode.buf;
    e.name_type = (int)f->name->type;
    e.deleted = (f->name->flags & TSK_FS_NAME_FLAG_UNALLOC) != 0;
    e.realloc = e.deleted && m && (m->flags & TSK_FS_META_FLAG_ALLOC);
    e.fname = is_fname;
    e.orphan = !strncmp(a_path, "$OrphanFiles/", 13);
    e.meta_type = -1;
    if (m) {
        e.meta_type = (int)m->type;
        e.mode = (uint32_t)m->mode;
        e.uid = m->uid;
        e.gid = m->gid;
        e.size = attr ? attr->size : m->size;
        if (m->type == TSK_FS_META_TYPE_LNK && m->link)
            e.link = m->link;
        if (is_fname) {
            set_time(&e, 0, m->time2.ntfs.fn_atime, m->time2.ntfs.fn_atime_nano);
            set_time(&e, 1, m->time2.ntfs.fn_mtime, m->time2.ntfs.fn_mtime_nano);
            set_time(&e, 2, m->time2.ntfs.fn_ctime, m->time2.ntfs.fn_ctime_nano);
            set_time(&e, 3, m->time2.ntfs.fn_crtime, m->time2.ntfs.fn_crtime_nano);
        } else {
            set_time(&e, 0, m->atime, m->atime_nano);
            set_time(&e, 1, m->mtime, m->mtime_nano);
            set_time(&e, 2, m->ctime, m->ctime_nano);
            set_time(&e, 3, m->crtime, m->crtime_nano);
        }
        if (w->lim->hash_algos && m->type == TSK_FS_META_TYPE_REG && !is_fname && !e.realloc &&
            (!attr || attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA))
            walk_hash(w, f, attr, &e);
    }
    e.tsk_file = f;
    e.tsk_attr = attr && attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA ? attr : NULL;
    if (w->fn(w->ctx, &e)) {
        w->info->stopped = TSK_WALK_CALLER;
        return 1;
    }
    return 0;
}

/* What fls -r -m prints for one name (print_dent_act without -a: no . and ..). */
static TSK_WALK_RET_ENUM
walk_cb(TSK_FS_FILE *f, const char *a_path, void *ptr)
{
    struct walk_ctx *w = ptr;
    int is_dot = TSK_FS_ISDOT(f->name->name);

    if (TSK_FS_TYPE_ISNTFS(f->fs_info->ftype) && f->meta) {
        int printed = 0;
        int cnt = tsk_fs_file_attr_getsize(f);
        for (int i = 0; i < cnt; i++) {
            const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
            if (!a)
                continue;
            if (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA) {
                printed = 1;
                if (f->meta->type == TSK_FS_META_TYPE_DIR && f->name->name[0] == '.' &&
                    f->name->name[1] && f->name->name[2] == '\0')
                    continue;
                if (walk_emit(w, f, a_path, a))
                    return TSK_WALK_STOP;
            } else if (a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT) {
                printed = 1;
                if (!is_dot && walk_emit(w, f, a_path, a))
                    return TSK_WALK_STOP;
            } else if (a->type == TSK_FS_ATTR_TYPE_NTFS_FNAME &&
                       a->id == f->meta->time2.ntfs.fn_id) {
                if (!is_dot && walk_emit(w, f, a_path, a))
                    return TSK_WALK_STOP;
            }
        }
        if (!printed && walk_emit(w, f, a_path, NULL))
            return TSK_WALK_STOP;
        return TSK_WALK_CONT;
    }
    if (!is_dot && walk_emit(w, f, a_path, NULL))
        return TSK_WALK_STOP;
    return TSK_WALK_CONT;
}

int
tsk_volume_walk(struct tsk_image *img, const struct tsk_volume *v,
                const struct tsk_walk_limits *lim, tsk_entry_fn fn, void *ctx,
                struct tsk_walk_info *info, struct custody_err *err)
{
    struct walk_ctx w;
    const TSK_POOL_INFO *pool = NULL;
    TSK_IMG_INFO *fs_img = img->img;
    TSK_FS_INFO *fs = NULL;
    int rc = 0;
    uint8_t walk_rc;

    memset(info, 0, sizeof(*info));
    memset(&w, 0, sizeof(w));
    if (v->error[0])
        return custody_err_set(err, CUSTODY_ERR_FORMAT, "%s", v->error);
    tsk_error_reset();
    if (v->pool_volume) {
        pool = tsk_pool_open_img_sing(img->img, v->offset, TSK_POOL_TYPE_DETECT);
        if (!pool)
            return tsk_fail(err, CUSTODY_ERR_FORMAT, "cannot open APFS container");
        fs_img = pool->get_img_info(pool, (TSK_DADDR_T)v->pool_block);
        if (!fs_img) {
            rc = tsk_fail(err, CUSTODY_ERR_FORMAT, "cannot open APFS volume");
            goto done;
        }
    }
    fs = tsk_fs_open_img(fs_img, v->offset, v->pool_volume ? TSK_FS_TYPE_APFS : TSK_FS_TYPE_DETECT);
    if (!fs) {
        if (v->unused_slot) {
            tsk_error_reset();
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                                 "no file system: the BSD label marks this slot unused");
        } else if (!v->pool_volume && volume_is_blank(img, v)) {
            tsk_error_reset();
            rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND,
                                 "no file system: the first %d KiB are zero",
                                 TSK_BLANK_BYTES / 1024);
        } else {
            rc = tsk_fail(err, CUSTODY_ERR_FORMAT, "no file system TSK can read");
        }
        goto done;
    }
    snprintf(info->fs_type, sizeof(info->fs_type), "%s", tsk_fs_type_toname(fs->ftype));
    w.lim = lim;
    w.info = info;
    w.fn = fn;
    w.ctx = ctx;
    strbuf_init(&w.path);
    strbuf_init(&w.inode);
    if (lim->hash_algos && !(w.buf = malloc(TSK_READ_CHUNK)))
        abort();
    walk_rc = tsk_fs_dir_walk(fs, fs->root_inum,
                              TSK_FS_DIR_WALK_FLAG_ALLOC | TSK_FS_DIR_WALK_FLAG_UNALLOC |
                                  TSK_FS_DIR_WALK_FLAG_RECURSE,
                              walk_cb, &w);
    if (walk_rc && !info->stopped) {
        struct custody_err e2;
        tsk_fail(&e2, CUSTODY_ERR_LIB, "walk incomplete");
        str_copy(info->warning, sizeof(info->warning), e2.msg);
    }
    tsk_error_reset();
    strbuf_release(&w.path);
    strbuf_release(&w.inode);
    multihash_free(w.mh);
    free(w.buf);
done:
    if (fs)
        tsk_fs_close(fs);
    if (v->pool_volume && fs_img && fs_img != img->img)
        tsk_img_close(fs_img);
    if (pool)
        tsk_pool_close(pool);
    return rc;
}

int64_t
tsk_entry_read(const struct tsk_entry *e, int64_t offset, void *buf, size_t len)
{
    ssize_t got;

    if (!e->tsk_file)
        return -1;
    if (e->tsk_attr)
        got = tsk_fs_attr_read(e->tsk_attr, offset, buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    else
        got = tsk_fs_file_read((TSK_FS_FILE *)e->tsk_file, offset, buf, len,
                               TSK_FS_FILE_READ_FLAG_NONE);
    if (got < 0)
        tsk_error_reset();
    return got;
}

void
tsk_mode_string(char out[16], int name_type, int meta_type, uint32_t mode)
{
    static const char perm[] = "rwxrwxrwx";
    char *ls = out + 2;

    out[0] = name_type >= 0 && name_type < TSK_FS_NAME_TYPE_STR_MAX
                 ? tsk_fs_name_type_str[name_type][0]
                 : '-';
    out[1] = '/';
    memcpy(ls, "----------", 11);
    if (meta_type < 0)
        return;
    if (meta_type < TSK_FS_META_TYPE_STR_MAX)
        ls[0] = tsk_fs_meta_type_str[meta_type][0];
    for (int i = 0; i < 9; i++)
        if (mode & (0400u >> i))
            ls[1 + i] = perm[i];
    if (mode & TSK_FS_META_MODE_ISUID)
        ls[3] = (mode & TSK_FS_META_MODE_IXUSR) ? 's' : 'S';
    if (mode & TSK_FS_META_MODE_ISGID)
        ls[6] = (mode & TSK_FS_META_MODE_IXGRP) ? 's' : 'S';
    if (mode & TSK_FS_META_MODE_ISVTX)
        ls[9] = (mode & TSK_FS_META_MODE_IXOTH) ? 't' : 'T';
}
