/* libFuzzer target: the custody checkpoint statement parser. Invariant: what it
 * accepts is canonical (the statement is rebuilt from the parsed values). */
#include "custody.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct custody_checkpoint cp;

    if (custody_checkpoint_parse(&cp, (const char *)data, size, "", 0, NULL) == 0) {
        if (strlen(cp.statement) != size || memcmp(cp.statement, data, size) || cp.entries <= 0)
            abort();
        custody_checkpoint_release(&cp);
    }
    return 0;
}
