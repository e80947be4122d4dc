/* Private to timeline/: the order of mactime's lines, shared by `export --format
 * mactime` and `query --format mactime`. mactime keys each entry by the string
 * "time,inode,name" and merges equal keys into one line with their M/A/C/B letters;
 * here a file's "inode,name" key is ranked once (radix sort of its first 8 bytes,
 * ties by the whole key), then the entries, packed into one 64-bit number each
 * (second, rank, letter), are radix sorted: no string compare per entry. */
#ifndef CUSTODY_TIMELINE_MAC_SORT_H
#define CUSTODY_TIMELINE_MAC_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

/* Letters in the order of the bits of mac_sort_add's mask. */
enum { MAC_M = 1, MAC_A = 2, MAC_C = 4, MAC_B = 8 };

struct mac_sort_file {
    size_t key;         /* offset of "inode,name" in keys */
    uint32_t key_len;   /* bytes */
    uint32_t inode_len; /* bytes of inode before the ',' */
    int64_t sec[4];     /* seconds of m, a, c, b */
    unsigned mask;      /* which of sec[] are entries (MAC_*) */
};

struct mac_sort {
    struct strbuf keys; /* the callers append "inode,name" here (mac_sort_add) */
    struct mac_sort_file *files;
    size_t nfiles, capfiles;
    /* after mac_sort_run */
    uint64_t *ent; /* sorted entries: (sec - min) << shift | rank << 2 | letter */
    size_t nent;
    uint32_t *by_rank; /* rank -> file */
    uint32_t *cls;     /* cls[rank]: the lowest rank with the same key */
    unsigned shift;
    int64_t min_sec;
};

void mac_sort_init(struct mac_sort *s);
void mac_sort_release(struct mac_sort *s);
/* Add a file whose key ("inode,name", no NUL needed) was appended to s->keys from
 * offset key; its entries are the seconds of sec[] that mask selects (MAC_M: sec[0],
 * MAC_A: sec[1], MAC_C: sec[2], MAC_B: sec[3]). Returns the file's index. */
uint32_t mac_sort_add(struct mac_sort *s, size_t key, size_t inode_len, const int64_t sec[4],
                      unsigned mask);
/* Sort the entries (aborts when out of memory, as strbuf does). Fails with
 * CUSTODY_ERR only when they cannot be packed into 64 bits: 2^28 files or more,
 * or seconds further apart than the rank leaves room for. */
int mac_sort_run(struct mac_sort *s, struct custody_err *err);

/* One line of output: a second, the letters merged from every entry of that second
 * with the same key, and the last file (in the order added) among them. */
struct mac_line {
    int64_t sec;
    unsigned macb; /* MAC_* */
    uint32_t file;
};
/* The line at *pos (advanced past it); 0 at the end. */
int mac_sort_next(const struct mac_sort *s, size_t *pos, struct mac_line *line);
/* The file of an entry some lines after *pos (UINT32_MAX near the end): for the
 * caller to prefetch its own per-file data, which the lines visit out of order. */
uint32_t mac_sort_file_ahead(const struct mac_sort *s, size_t pos);

/* A 64-bit key and a value: mac_kv_sort sorts them by key, stably (radix sort).
 * Returns kv or tmp (n elements each), whichever holds the result. */
struct mac_kv {
    uint64_t k;
    uint32_t v;
};
struct mac_kv *mac_kv_sort(struct mac_kv *kv, struct mac_kv *tmp, size_t n);

/* ",mode,uid,gid" and the like are the caller's; this writes the common tail of a
 * line: inode ",\"" name "\"\n" with the name's quotes doubled, as mactime does. */
void mac_sort_add_meta_name(const struct mac_sort *s, uint32_t file, struct strbuf *sb);

#endif
