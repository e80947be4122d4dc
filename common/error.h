/* The error struct every custody library function fills, and our return codes. */
#ifndef CUSTODY_ERROR_H
#define CUSTODY_ERROR_H

#include <stddef.h>

/* Return codes: 0 is success, everything else is negative. */
enum {
    CUSTODY_OK = 0,
    CUSTODY_ERR = -1,            /* generic failure */
    CUSTODY_ERR_USAGE = -2,      /* bad argument or value */
    CUSTODY_ERR_IO = -3,         /* read/write/open failed */
    CUSTODY_ERR_NOMEM = -4,      /* allocation failed */
    CUSTODY_ERR_DB = -5,         /* case database error */
    CUSTODY_ERR_BUSY = -6,       /* database busy/locked */
    CUSTODY_ERR_NOTFOUND = -7,   /* named record does not exist */
    CUSTODY_ERR_EXISTS = -8,     /* refusing to overwrite or duplicate */
    CUSTODY_ERR_FORMAT = -9,     /* input is not in the expected format */
    CUSTODY_ERR_VERSION = -10,   /* schema or format version not supported */
    CUSTODY_ERR_CRYPTO = -11,    /* crypto library failure, bad passphrase */
    CUSTODY_ERR_LIB = -12,       /* outside library (libewf, TSK) failure */
    CUSTODY_ERR_INTR = -13,      /* interrupted by a signal */
    CUSTODY_ERR_AMBIGUOUS = -14, /* a name matches more than one record */
    CUSTODY_ERR_NOSPACE = -15,   /* output device full or file size limit */
};

#define CUSTODY_ERR_MSG_MAX 1024

/* One message, lowercase, the subject in quotes, errno text last:
 * "cannot read '/dev/sdb' at offset 4096: Input/output error". */
struct custody_err {
    int code;
    char msg[CUSTODY_ERR_MSG_MAX];
};

/* Clear an error struct. Accepts NULL. */
void custody_err_clear(struct custody_err *err);

/* Set code and message; returns code so callers can `return custody_err_set(...)`.
 * err may be NULL (the message is then discarded). */
int custody_err_set(struct custody_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like custody_err_set, with ": strerror(errnum)" appended. */
int custody_err_errno(struct custody_err *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix an existing message with more context: "context: old message". */
int custody_err_prefix(struct custody_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Map errno to our code (ENOSPC/EFBIG -> NOSPACE, ENOMEM -> NOMEM, EINTR -> INTR, else IO). */
int custody_err_from_errno(int errnum);

#endif
