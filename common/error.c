/* Filling struct custody_err with one clear message. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
custody_err_clear(struct custody_err *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

int
custody_err_set(struct custody_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int
custody_err_errno(struct custody_err *err, int code, int errnum, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    len = strlen(err->msg);
    snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
    return code;
}

int
custody_err_prefix(struct custody_err *err, const char *fmt, ...)
{
    char old[CUSTODY_ERR_MSG_MAX];
    va_list ap;
    size_t len;

    if (!err)
        return CUSTODY_ERR;
    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    len = strlen(err->msg);
    snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", old);
    return err->code;
}

int
custody_err_from_errno(int errnum)
{
    switch (errnum) {
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
        return CUSTODY_ERR_NOSPACE;
    case ENOMEM:
        return CUSTODY_ERR_NOMEM;
    case EINTR:
        return CUSTODY_ERR_INTR;
    case EEXIST:
        return CUSTODY_ERR_EXISTS;
    case ENOENT:
        return CUSTODY_ERR_NOTFOUND;
    default:
        return CUSTODY_ERR_IO;
    }
}
