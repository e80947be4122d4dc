/* The file-system timeline in the case database: partitions, files and their
 * M/A/C/B events. Bulk loading (one transaction per build, prepared statements,
 * secondary indexes rebuilt after the load) and the readers export needs. */
#ifndef CUSTODY_TIMELINE_STORE_H
#define CUSTODY_TIMELINE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "casedb.h"

/* files.flags / events.flags bits (file-system part). */
enum {
    TL_F_DELETED = 1,  /* the name is unallocated */
    TL_F_ORPHAN = 2,   /* found only through the orphan-files directory */
    TL_F_FNAME = 4,    /* NTFS $FILE_NAME times (fls prints "name ($FILE_NAME)") */
    TL_F_IOC = 8,      /* content hash is on the --ioc list */
    TL_F_REALLOC = 16, /* deleted name whose metadata is allocated again */
};

/* Times in struct tl_file, in body-file order. */
enum { TL_ATIME = 0, TL_MTIME = 1, TL_CTIME = 2, TL_CRTIME = 3 };

struct tl_partition {
    int idx;               /* order in the image, from 0 */
    int64_t offset;        /* bytes from the start of the image */
    int64_t length;        /* bytes, -1 unknown */
    int slot;              /* volume-system address, -1 none */
    const char *vs_type;   /* dos, gpt, bsd, mac, sun, apfs, none */
    const char *desc;      /* may be NULL */
    const char *prefix;    /* body-file prefix: "" or "/p2" */
    const char *fs_type;   /* NULL when no file system was found */
    const char *status;    /* ok, no-fs, error, partial */
    const char *error;     /* NULL when ok */
    int64_t files, events; /* rows loaded */
};

struct tl_file {
    const void *path; /* raw bytes from '/' */
    size_t path_len;
    const void *link; /* symlink target or NULL */
    size_t link_len;
    const char *inode; /* "12" or "35-128-1" */
    int name_type;     /* TSK name type */
    int meta_type;     /* TSK meta type; -1: no metadata (fls prints zeros) */
    int64_t mode, uid, gid, size;
    unsigned flags;           /* TL_F_* */
    int64_t time[4];          /* ns UTC, by TL_ATIME.. */
    unsigned time_set;        /* bit i: time[i] is set */
    const char *md5, *sha256; /* lowercase hex or NULL */
    const char *ioc_name;     /* NULL unless TL_F_IOC */
};

/* ---- loading ---- */
struct timeline_load; /* opaque */

/* Begin one transaction that replaces the file-system timeline of evidence_id:
 * its partitions, files and fs events are deleted first. Nothing is visible to
 * other readers before timeline_load_commit. */
int timeline_load_begin(struct timeline_load **out, struct casedb *db, int64_t evidence_id,
                        int64_t run_id, struct custody_err *err);
int timeline_load_partition(struct timeline_load *l, const struct tl_partition *p, int64_t *id_out,
                            struct custody_err *err);
/* Record the outcome of a partition (status, error, counts) and insert the events
 * of the files loaded for it since timeline_load_partition. */
int timeline_load_partition_done(struct timeline_load *l, int64_t partition_id,
                                 const struct tl_partition *p, struct custody_err *err);
/* Insert one file row; *events_out gets the number of events it will have (one
 * per set time, inserted by timeline_load_partition_done). */
int timeline_load_file(struct timeline_load *l, int64_t partition_id, const struct tl_file *f,
                       int64_t *file_id_out, int *events_out, struct custody_err *err);
/* Remember a known-bad hash (lowercase hex; algo MD5, SHA1 or SHA256). */
int timeline_load_ioc(struct timeline_load *l, const char *hash, const char *algo, const char *name,
                      const char *source, struct custody_err *err);
/* Rebuild secondary indexes and commit. The handle is freed either way. */
int timeline_load_commit(struct timeline_load *l, struct custody_err *err);
/* Roll back and free. Accepts NULL. */
void timeline_load_abort(struct timeline_load *l);

/* ---- reading ---- */
struct tl_row {
    int64_t file_id, partition_id, evidence_id;
    const char *host, *label; /* evidence's asset hostname and label */
    const char *prefix;       /* partition's body-file prefix */
    const char *fs_type;      /* may be NULL */
    struct tl_file f;
};

/* Every files row of evidence_id (0: all evidence), in load order (evidence,
 * partition, walk order). Row pointers are valid during the callback only; a
 * non-zero callback return stops and is returned. */
int timeline_files_foreach(struct casedb *db, int64_t evidence_id,
                           int (*cb)(void *ctx, const struct tl_row *r), void *ctx,
                           struct custody_err *err);

/* The same with only what a body line needs (path, link, inode, types, mode,
 * uid, gid, size, flags, times, md5; prefix; host and label when evidence_id is
 * 0): the fast path of the body and mactime exports. */
int timeline_body_rows_foreach(struct casedb *db, int64_t evidence_id,
                               int (*cb)(void *ctx, const struct tl_row *r), void *ctx,
                               struct custody_err *err);

struct tl_event {
    int64_t ts; /* ns UTC */
    char kind;  /* m a c b */
    unsigned flags;
    const struct tl_row *row; /* the file */
};

/* File-system events of evidence_id (0: all) with from <= ts < to, ordered by ts. */
int timeline_fs_events_foreach(struct casedb *db, int64_t evidence_id, int64_t from, int64_t to,
                               int (*cb)(void *ctx, const struct tl_event *e), void *ctx,
                               struct custody_err *err);

/* Number of partitions per status of an evidence item (for summaries). */
struct tl_partition_info {
    int64_t id;
    int idx, slot;
    int64_t offset, length;
    char *vs_type, *desc, *prefix, *fs_type, *status, *error;
    int64_t files, events;
};
void tl_partition_list_free(struct tl_partition_info *list, size_t n);
int timeline_partitions_list(struct casedb *db, int64_t evidence_id, struct tl_partition_info **out,
                             size_t *n, struct custody_err *err);

#endif
