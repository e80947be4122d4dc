/* The Sleuth Kit adapter. */
#include "tsk_adapter.h"

#include <tsk/libtsk.h>

const char *
tsk_version(void)
{
    return tsk_version_get_str();
}
