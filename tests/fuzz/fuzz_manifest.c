/* libFuzzer target: the manifest parser. Invariant: whatever it accepts, the
 * writer reproduces byte for byte (one spelling per manifest). */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m;
    struct strbuf sb = STRBUF_INIT;

    if (manifest_parse(&m, (const char *)data, size, NULL) == 0) {
        manifest_format(&sb, &m);
        if (sb.len != size || memcmp(sb.buf, data, size))
            abort();
        manifest_release(&m);
    }
    strbuf_release(&sb);
    return 0;
}
