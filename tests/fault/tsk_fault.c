/* LD_PRELOAD fault injection for the custody-timeline tests: a file system that
 * makes TSK hang or crash, as hostile ones do. TSK_FAULT=hang|crash applies to
 * the file system at byte offset TSK_FAULT_OFFSET (default 0); every other call
 * goes to the real tsk_fs_dir_walk. Does not include <tsk/libtsk.h> (one adapter
 * per library): only the leading fields of TSK_FS_INFO are mirrored. */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fs_head {
    int tag;
    void *img_info;
    int64_t offset; /* bytes */
};

typedef uint8_t (*walk_fn)(void *, uint64_t, int, void *, void *);

uint8_t tsk_fs_dir_walk(void *fs, uint64_t inode, int flags, void *cb, void *ptr);

uint8_t
tsk_fs_dir_walk(void *fs, uint64_t inode, int flags, void *cb, void *ptr)
{
    const char *mode = getenv("TSK_FAULT");
    const char *off = getenv("TSK_FAULT_OFFSET");
    int64_t want = off ? strtoll(off, NULL, 10) : 0;
    walk_fn real;

    if (mode && ((const struct fs_head *)fs)->offset == want) {
        if (!strcmp(mode, "hang"))
            for (;;)
                pause();
        if (!strcmp(mode, "crash"))
            raise(SIGSEGV);
    }
    real = (walk_fn)dlsym(RTLD_NEXT, "tsk_fs_dir_walk");
    return real ? real(fs, inode, flags, cb, ptr) : 1;
}
