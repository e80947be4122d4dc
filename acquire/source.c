/* The source: open read-only, learn its identity, read it sector-exactly. Unreadable
 * regions are retried, then bisected down to single sectors so every readable
 * sector is kept (the strategy of GNU ddrescue, without its multi-pass map). */
#include "internal.h"

#include "cli.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void
range_list_add(struct range_list *l, uint64_t first, uint64_t count)
{
    if (count == 0)
        return;
    l->sectors += count;
    if (l->n > 0) {
        struct manifest_range *last = &l->v[l->n - 1];
        if (last->first_sector + last->count == first) {
            last->count += count;
            return;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct manifest_range *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            abort(); /* a few bytes: like strbuf, out of memory here cannot continue */
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].first_sector = first;
    l->v[l->n].count = count;
    l->n++;
}

void
range_list_free(struct range_list *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Read a sysfs attribute, trimmed; NULL when absent or empty. */
static char *
sysfs_attr(const char *dir, const char *name)
{
    char path[4096], buf[256];
    ssize_t n;
    int fd;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    char *p = buf;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? strdup(p) : NULL;
}

/* The sysfs folder of a block device, and of its disk when it is a partition. */
static int
sysfs_dirs(dev_t rdev, char *dev_dir, char *disk_dir, size_t size)
{
    char link[64], partition[4200];

    snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
    if (!realpath(link, dev_dir))
        return -1;
    snprintf(disk_dir, size, "%s", dev_dir);
    snprintf(partition, sizeof(partition), "%s/partition", dev_dir);
    if (access(partition, F_OK) == 0) {
        char *slash = strrchr(disk_dir, '/');
        if (slash)
            *slash = '\0';
    }
    return 0;
}

/* Is the device, or a partition on it, mounted read-write? 1 yes (what names it in
 * where), 0 no. */
static int
source_mounted_rw(dev_t rdev, char *where, size_t size)
{
    char dev_dir[4096], disk_dir[4096], line[8192];
    FILE *f;
    int found = 0;

    if (sysfs_dirs(rdev, dev_dir, disk_dir, sizeof(disk_dir)) < 0)
        return 0;
    f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned maj, min;
        char mnt[4096], opts[1024], link[64], path[4096];
        /* id parent maj:min root mountpoint options ... */
        if (sscanf(line, "%*s %*s %u:%u %*s %4095s %1023s", &maj, &min, mnt, opts) != 4)
            continue;
        if (strncmp(opts, "rw", 2) != 0 || (opts[2] != '\0' && opts[2] != ','))
            continue;
        snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", maj, min);
        if (!realpath(link, path))
            continue;
        size_t dl = strlen(dev_dir);
        if (!strcmp(path, dev_dir) || (!strncmp(path, dev_dir, dl) && path[dl] == '/')) {
            snprintf(where, size, "%u:%u on %s", maj, min, mnt);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static int
source_open_block(struct acquire_source *s, const struct stat *sb, const struct acquire_opts *o,
                  struct strbuf *warnings, struct custody_err *err)
{
    char dev_dir[4096], disk_dir[4096], where[4200];
    uint64_t size = 0;
    int lss = 0;
    unsigned int pss = 0;

    s->kind = SOURCE_BLOCK;
    if (source_mounted_rw(sb->st_rdev, where, sizeof(where))) {
        if (!o->allow_mounted)
            return custody_err_set(err, CUSTODY_ERR_USAGE,
                                   "'%s' is mounted read-write (%s); unmount it or pass "
                                   "--allow-mounted",
                                   s->path, where);
        s->mounted = 1;
        strbuf_addf(warnings, "source is mounted read-write (%s): the image is not consistent\n",
                    where);
    }
    if (ioctl(s->fd, BLKGETSIZE64, &size) < 0)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot get the size of '%s'",
                                 s->path);
    if (ioctl(s->fd, BLKSSZGET, &lss) < 0 || lss <= 0)
        lss = 512;
    if (ioctl(s->fd, BLKPBSZGET, &pss) < 0)
        pss = 0;
    s->size = size;
    s->size_known = 1;
    s->sector_size = (uint32_t)lss;
    s->physical_sector_size = pss;
    if (o->set_readonly) {
        int one = 1;
        if (ioctl(s->fd, BLKROSET, &one) < 0)
            return custody_err_errno(err, CUSTODY_ERR_IO, errno,
                                     "cannot set '%s' read-only (--set-readonly)", s->path);
        s->readonly_set = 1;
    }
    if (sysfs_dirs(sb->st_rdev, dev_dir, disk_dir, sizeof(disk_dir)) == 0) {
        char devdir[4200];
        snprintf(devdir, sizeof(devdir), "%s/device", disk_dir);
        s->vendor = sysfs_attr(devdir, "vendor");
        s->model = sysfs_attr(devdir, "model");
        s->serial = sysfs_attr(devdir, "serial");
        if (!s->serial)
            s->serial = sysfs_attr(disk_dir, "serial");
        if (!s->model)
            s->model = sysfs_attr(disk_dir, "dm/name");
    }
    /* Reopen with O_DIRECT: through the page cache, read-ahead turns one bad sector
     * into a failed window of neighbours. */
    int dfd = open(s->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (dfd >= 0) {
        close(s->fd);
        s->fd = dfd;
        s->direct = 1;
    } else {
        strbuf_addf(warnings,
                    "cannot open the source with O_DIRECT (%s): reading through "
                    "the page cache\n",
                    strerror(errno));
    }
    return 0;
}

int
source_open(struct acquire_source *s, const char *path, uint64_t stream_size,
            const struct acquire_opts *o, struct strbuf *warnings, struct custody_err *err)
{
    struct stat sb;
    int rc;

    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->dfd = -1;
    s->path = path;
    s->retries = o->retries;
    s->sector_size = 512;
    if (o->receive) {
        s->path = o->receive;
        s->fd = strcmp(o->receive, "-") ? open(o->receive, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
        if (s->fd < 0)
            return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                     "cannot open stream '%s'", o->receive);
        if ((rc = remote_open(s, s->fd, err)) < 0) {
            source_close(s);
            return rc;
        }
        return 0;
    }
    if (!strcmp(path, "-")) {
        s->kind = SOURCE_STREAM;
        s->fd = STDIN_FILENO;
        s->size = stream_size;
        s->size_known = stream_size > 0;
        return 0;
    }
    if (stream_size)
        return custody_err_set(err, CUSTODY_ERR_USAGE, "--size is only for streams ('-')");
    s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (s->fd < 0)
        return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                 "cannot open source '%s'", path);
    if (fstat(s->fd, &sb) < 0) {
        rc = custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot stat source '%s'", path);
        goto fail;
    }
    if (S_ISBLK(sb.st_mode)) {
        if ((rc = source_open_block(s, &sb, o, warnings, err)) < 0)
            goto fail;
        return 0;
    }
    if (S_ISREG(sb.st_mode)) {
        s->kind = SOURCE_FILE;
        s->size = (uint64_t)sb.st_size;
        s->size_known = 1;
        /* Aligned reads of a raw image go around the page cache too: no copy (the
         * cache would cost more CPU than a hash), and a failing disk under the file
         * loses no more than the sectors it cannot read. The unaligned tail and the
         * sector-sized reads of a bisection go through fd. */
        s->dfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_DIRECT);
        s->direct = s->dfd >= 0;
        return 0;
    }
    if (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode)) {
        s->kind = SOURCE_STREAM;
        return 0;
    }
    rc = custody_err_set(err, CUSTODY_ERR_USAGE,
                         "source '%s' is not a block device, a regular file or a stream", path);
fail:
    source_close(s);
    return rc;
}

void
source_close(struct acquire_source *s)
{
    if (s->fd > STDIN_FILENO)
        close(s->fd);
    if (s->dfd >= 0)
        close(s->dfd);
    s->fd = s->dfd = -1;
    remote_close(s);
    free(s->vendor);
    free(s->model);
    free(s->serial);
    s->vendor = s->model = s->serial = NULL;
}

static int
gone(int e)
{
    return e == ENODEV || e == ENXIO || e == ENOMEDIUM;
}

#define DIRECT_ALIGN 4096

static int
direct_ok(uint64_t v)
{
    return v % DIRECT_ALIGN == 0;
}

/* Try to read [offset, offset+len) once, continuing after short reads. Returns
 * bytes read (short only at end of file) or -1 with errno set; *done tells how far
 * it got before the error. */
static ssize_t
read_once(struct acquire_source *s, uint8_t *buf, size_t len, uint64_t offset, size_t *done)
{
    *done = 0;
    while (*done < len) {
        uint8_t *p = buf + *done;
        uint64_t at = offset + *done;
        size_t want = len - *done;
        ssize_t n;
        if (s->dfd >= 0 && direct_ok((uintptr_t)p) && direct_ok(at) && want >= DIRECT_ALIGN) {
            n = pread(s->dfd, p, want / DIRECT_ALIGN * DIRECT_ALIGN, (off_t)at);
            if (n < 0 && errno == EINVAL) {
                /* The file system refused the direct transfer: buffered from now on. */
                close(s->dfd);
                s->dfd = -1;
                s->direct = 0;
                continue;
            }
        } else {
            n = pread(s->fd, p, want, (off_t)at);
        }
        if (n < 0) {
            if (errno == EINTR && !custody_interrupted)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        *done += (size_t)n;
    }
    return (ssize_t)*done;
}

/* Read a failing region: retry, then halve until single sectors, zero-filling and
 * recording what stays unreadable. 0, or -1 (errno) when the device is gone. */
static int
read_bisect(struct acquire_source *s, uint8_t *buf, size_t len, uint64_t offset,
            struct range_list *bad, int retries)
{
    size_t ss = s->sector_size, done;

    for (int attempt = 0; attempt <= retries; attempt++) {
        if (custody_interrupted)
            break;
        ssize_t n = read_once(s, buf, len, offset, &done);
        if (n >= 0)
            return 0; /* end of source inside: the caller's size says so */
        if (gone(errno))
            return -1;
        /* A partial read before the error: keep it, continue after it. */
        if (done >= ss) {
            size_t keep = done / ss * ss;
            return read_bisect(s, buf + keep, len - keep, offset + keep, bad, retries);
        }
    }
    if (len <= ss) {
        memset(buf, 0, len);
        range_list_add(bad, offset / ss, 1);
        return 0;
    }
    size_t half = (len / ss / 2) * ss;
    if (half == 0)
        half = ss;
    /* Halves get one attempt each; single sectors get the retries again. */
    if (read_bisect(s, buf, half, offset, bad, half <= ss ? retries : 0) < 0)
        return -1;
    return read_bisect(s, buf + half, len - half, offset + half, bad,
                       len - half <= ss ? retries : 0);
}

static ssize_t
source_read_media(struct acquire_source *s, uint8_t *buf, size_t len, uint64_t offset,
                  struct range_list *bad, struct custody_err *err)
{
    size_t done = 0;
    ssize_t n;

    if (s->kind == SOURCE_REMOTE)
        return remote_read(s, buf, len, bad, err);
    if (s->kind == SOURCE_STREAM) {
        if (s->size_known && s->stream_pos + len > s->size)
            len = (size_t)(s->size - s->stream_pos);
        while (done < len) {
            n = read(s->fd, buf + done, len - done);
            if (n < 0) {
                if (errno == EINTR && !custody_interrupted)
                    continue;
                if (errno == EINTR && done == 0)
                    return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
                if (errno == EINTR)
                    break; /* keep what arrived; the caller sees the interrupt flag */
                return custody_err_errno(err, CUSTODY_ERR_IO, errno,
                                         "cannot read the stream at offset %llu",
                                         (unsigned long long)(s->stream_pos + done));
            }
            if (n == 0)
                break;
            done += (size_t)n;
        }
        s->stream_pos += done;
        return (ssize_t)done;
    }
    if (s->size_known && offset + len > s->size)
        len = offset < s->size ? (size_t)(s->size - offset) : 0;
    n = read_once(s, buf, len, offset, &done);
    if (n >= 0)
        return n;
    if (gone(errno))
        goto gone;
    if (errno == EINTR)
        return custody_err_set(err, CUSTODY_ERR_INTR, "interrupted");
    {
        size_t keep = done / s->sector_size * s->sector_size;
        if (read_bisect(s, buf + keep, len - keep, offset + keep, bad, (int)s->retries) < 0)
            goto gone;
    }
    return (ssize_t)len;
gone:
    return custody_err_errno(err, CUSTODY_ERR_IO, errno,
                             "source '%s' disappeared while reading at offset %llu", s->path,
                             (unsigned long long)offset);
}

void
resume_add_ranges(struct range_list *to, const struct range_list *from, uint64_t first_sector)
{
    for (size_t i = 0; i < from->n; i++) {
        uint64_t a = from->v[i].first_sector, n = from->v[i].count;
        if (a + n <= first_sector)
            continue;
        if (a < first_sector) {
            n -= first_sector - a;
            a = first_sector;
        }
        range_list_add(to, a, n);
    }
}

ssize_t
source_read(struct acquire_source *s, uint8_t *buf, size_t len, uint64_t offset,
            struct range_list *bad, struct custody_err *err)
{
    size_t done = 0;

    if (s->resume && offset < s->resume_bytes) {
        size_t n = len;
        if (n > s->resume_bytes - offset)
            n = (size_t)(s->resume_bytes - offset);
        ssize_t got = resume_read(s->resume, buf, n, offset, err);
        if (got < 0)
            return got;
        if ((size_t)got < n)
            return custody_err_set(err, CUSTODY_ERR_FORMAT, "the partial image ended at byte %llu",
                                   (unsigned long long)(offset + (uint64_t)got));
        done = n;
    }
    if (done == len)
        return (ssize_t)done;
    if (!s->resume)
        return source_read_media(s, buf, len, offset, bad, err);
    /* A stream restarted from the beginning had its kept part read and compared
     * before (resume_compare_source); a sender reports the unreadable ranges of that
     * part again, possibly after their data: they are already in the list. */
    struct range_list mine = {0};
    ssize_t rest = source_read_media(s, buf + done, len - done, offset + done, &mine, err);
    resume_add_ranges(bad, &mine, s->resume_bytes / s->sector_size);
    range_list_free(&mine);
    if (rest < 0)
        return rest;
    return (ssize_t)(done + (size_t)rest);
}

void
source_identity_json(const struct acquire_source *s, struct strbuf *out)
{
    static const char *const kinds[] = {"file", "block-device", "stream", "remote"};
    struct json_writer w;

    json_init(&w, out, 0);
    json_begin_object(&w);
    json_kv_bytes(&w, "path", s->path, strlen(s->path));
    json_kv_str(&w, "type", kinds[s->kind]);
    if (s->size_known)
        json_kv_uint(&w, "size", s->size);
    json_kv_uint(&w, "sector_size", s->sector_size);
    if (s->physical_sector_size)
        json_kv_uint(&w, "physical_sector_size", s->physical_sector_size);
    if (s->vendor)
        json_kv_bytes(&w, "vendor", s->vendor, strlen(s->vendor));
    if (s->model)
        json_kv_bytes(&w, "model", s->model, strlen(s->model));
    if (s->serial)
        json_kv_bytes(&w, "serial", s->serial, strlen(s->serial));
    if (s->remote) {
        const char *rpath = NULL, *h[HASH_COUNT];
        remote_result(s, &rpath, &h);
        if (rpath)
            json_kv_bytes(&w, "remote_path", rpath, strlen(rpath));
    }
    json_kv_bool(&w, "direct_io", s->direct);
    json_kv_bool(&w, "mounted_rw", s->mounted);
    json_kv_bool(&w, "readonly_set", s->readonly_set);
    json_end_object(&w);
}
