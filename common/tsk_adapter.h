/* The Sleuth Kit adapter: the only code that includes <tsk/libtsk.h>. */
#ifndef CUSTODY_TSK_ADAPTER_H
#define CUSTODY_TSK_ADAPTER_H

const char *tsk_version(void);

#endif
