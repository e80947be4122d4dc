/* The Sleuth Kit adapter: the only code that includes <tsk/libtsk.h>. Opens
 * images (raw, split raw, EWF; type detected), lists their volumes (volume
 * systems, nested BSD labels, APFS pools) and walks file systems as fls does. */
#ifndef CUSTODY_TSK_ADAPTER_H
#define CUSTODY_TSK_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"

const char *tsk_version(void);

struct tsk_image; /* opaque */

/* Open paths[0..n-1] as one image: an E01 set (first segment or all), a raw image
 * or split raw parts. Read-only. Free with tsk_image_close. */
int tsk_image_open(struct tsk_image **out, const char *const *paths, int n,
                   struct custody_err *err);
void tsk_image_close(struct tsk_image *img);                 /* accepts NULL */
int64_t tsk_image_size(const struct tsk_image *img);         /* bytes */
unsigned tsk_image_sector_size(const struct tsk_image *img); /* bytes */
const char *tsk_image_type(const struct tsk_image *img);     /* "raw", "ewf", ... */

/* A place a file system may live. */
struct tsk_volume {
    int64_t offset;      /* bytes from the start of the image */
    int64_t length;      /* bytes, -1 unknown */
    int slot;            /* volume-system address as mmls prints it, -1 none */
    char vs_type[16];    /* dos, gpt, bsd, mac, sun, apfs, none */
    char desc[128];      /* partition description */
    char prefix[64];     /* body-file prefix: "" or "/p2" or "/p2/v0" (see docs/timeline.md) */
    int pool_volume;     /* 1: a volume of an APFS pool at offset */
    int unused_slot;     /* 1: a BSD label entry of type "unused" (often the whole slice) */
    uint64_t pool_block; /* its first block */
    int64_t pool_vol_index;
    char error[256]; /* a pool that could not be read: the reason, else "" */
};

/* Every allocated partition of every volume system (nested BSD labels inside DOS
 * partitions included, extended-partition containers excluded), or the whole
 * image when it has no volume system; APFS containers become one entry per
 * volume. The caller frees *out with free(). */
int tsk_image_volumes(struct tsk_image *img, struct tsk_volume **out, size_t *n,
                      struct custody_err *err);

/* One body-file line's worth of a file-system name, as fls -m prints it. */
struct tsk_entry {
    const char *path; /* raw bytes from '/' (":stream" appended for NTFS streams) */
    size_t path_len;
    const char *link;  /* symbolic-link target or NULL */
    const char *inode; /* "12" or "35-128-1" */
    int name_type;     /* TSK_FS_NAME_TYPE_* */
    int meta_type;     /* TSK_FS_META_TYPE_*, -1 when there is no metadata */
    uint32_t mode;     /* permission bits (TSK_FS_META_MODE_*) */
    uint64_t uid, gid;
    int64_t size;
    unsigned deleted : 1, realloc : 1, fname : 1, orphan : 1;
    int64_t time[4];   /* ns UTC: atime, mtime, ctime, crtime */
    unsigned time_set; /* bit i: time[i] is set */
    /* With hashing on: lowercase hex, "" when not hashed (not a regular file, or
     * its content could not be read: hash_error then says why). */
    char hex[HASH_COUNT][HASH_HEX_MAX];
    const char *hash_error;
    /* For tsk_entry_read during the callback. */
    const void *tsk_file, *tsk_attr;
};

/* Read a name's content (its NTFS stream when the entry is one), valid only
 * inside the walk callback. Returns bytes read (0 at the end), -1 on error. */
int64_t tsk_entry_read(const struct tsk_entry *e, int64_t offset, void *buf, size_t len);

struct tsk_walk_limits {
    double deadline;      /* custody_mono_seconds() after which the walk stops; 0 none */
    uint64_t max_entries; /* 0: none */
    unsigned hash_algos;  /* HASH_F_* to hash regular-file content, 0 none */
};

enum tsk_walk_stop {
    TSK_WALK_DONE = 0,
    TSK_WALK_TIME_LIMIT = 1,
    TSK_WALK_ENTRY_LIMIT = 2,
    TSK_WALK_INTERRUPTED = 3,
    TSK_WALK_CALLER = 4, /* the callback asked to stop */
};

struct tsk_walk_info {
    char fs_type[24];  /* "ext4", "ntfs", ... ; "" when no file system was found */
    uint64_t entries;  /* callbacks made */
    int stopped;       /* enum tsk_walk_stop */
    char warning[512]; /* TSK's error after an incomplete walk, else "" */
};

/* Return non-zero to stop the walk. Entry memory is valid during the call only. */
typedef int (*tsk_entry_fn)(void *ctx, const struct tsk_entry *e);

/* Walk every allocated and unallocated name (orphans included) of the file
 * system on v, as `fls -r -m` lists them. Returns 0 when the walk ran (check
 * info->stopped and info->warning for an incomplete one), CUSTODY_ERR_NOTFOUND when
 * the volume is blank (never formatted), CUSTODY_ERR_FORMAT when no file system
 * could be opened (err says why: unsupported, damaged, ambiguous). */
int tsk_volume_walk(struct tsk_image *img, const struct tsk_volume *v,
                    const struct tsk_walk_limits *lim, tsk_entry_fn fn, void *ctx,
                    struct tsk_walk_info *info, struct custody_err *err);

/* "r/rrw-r--r--": the name type, '/', and ls-style mode, as fls -m prints them.
 * meta_type -1 gives "r/----------". out needs 16 bytes. */
void tsk_mode_string(char out[16], int name_type, int meta_type, uint32_t mode);

#endif
