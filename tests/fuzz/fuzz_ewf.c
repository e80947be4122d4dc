/* libFuzzer target: the EWF structure parser and the chunk checker of custody-verify
 * and custody-acquire's read-back (common/ewf_layout.c, scan.c). Any input must give findings or a
 * clean error, never a crash, a hang or a leak; a set it finds sound must be scannable. */
#include "ewf_layout.h"
#include "fuzz_file.h"
#include "scan.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const char *paths[1];
    struct ewf_layout *l = NULL;
    struct custody_err err;

    if (!ready) {
        crypto_init(&err);
        ready = 1;
    }
    paths[0] = fuzz_input_file("ewf", "x.E01", data, size);
    if (ewf_layout_open(&l, paths, 1, &err) == 0) {
        if (l->data_complete && l->media_size < (64u << 20)) {
            struct scan_result res;
            struct scan_options opt = {1, NULL, NULL};
            if (scan_ewf(&res, l, &opt, &err) == 0 && res.bytes < l->media_size)
                abort();
            scan_result_release(&res);
        }
        ewf_layout_free(l);
    }
    return 0;
}
