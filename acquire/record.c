/* The plain-text acquisition log. */
#include "record.h"

#include "cli.h"
#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
acq_log_open(struct acq_log *l, const char *path, struct custody_err *err)
{
    l->failed = 0;
    l->err_no = 0;
    l->fd = io_create_exclusive(path, 0644, err);
    return l->fd < 0 ? l->fd : 0;
}

static void
acq_log_write(struct acq_log *l, const struct strbuf *sb)
{
    if (l->fd < 0 || l->failed)
        return;
    if (io_write_full(l->fd, sb->buf, sb->len) < 0) {
        l->failed = 1;
        l->err_no = errno;
    }
}

void
acq_log_line(struct acq_log *l, const char *fmt, ...)
{
    struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    {
        char buf[4096];
        vsnprintf(buf, sizeof(buf), fmt, ap);
        strbuf_addstr(&msg, buf);
    }
    va_end(ap);
    custody_format_time(&line, custody_now_ns());
    strbuf_addstr(&line, "  ");
    strbuf_add_safe(&line, msg.buf, msg.len);
    strbuf_addch(&line, '\n');
    acq_log_write(l, &line);
    strbuf_release(&msg);
    strbuf_release(&line);
}

void
acq_log_kv(struct acq_log *l, const char *key, const char *value)
{
    struct strbuf line = STRBUF_INIT;

    if (!value)
        return;
    strbuf_addf(&line, "    %-22s ", key);
    strbuf_add_safe(&line, value, strlen(value));
    strbuf_addch(&line, '\n');
    acq_log_write(l, &line);
    strbuf_release(&line);
}

void
acq_log_text(struct acq_log *l, const char *text, size_t len)
{
    struct strbuf line = STRBUF_INIT;

    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        strbuf_reset(&line);
        strbuf_addstr(&line, "  | ");
        strbuf_add_safe(&line, text + i, n);
        strbuf_addch(&line, '\n');
        acq_log_write(l, &line);
        i += n + 1;
    }
    strbuf_release(&line);
}

int
acq_log_close(struct acq_log *l, const char *path, struct custody_err *err)
{
    int rc = 0;

    if (l->fd < 0)
        return 0;
    if (!l->failed && fsync(l->fd) < 0) {
        l->failed = 1;
        l->err_no = errno;
    }
    close(l->fd);
    l->fd = -1;
    if (l->failed)
        rc = custody_err_errno(err, custody_err_from_errno(l->err_no), l->err_no,
                               "cannot write the acquisition log '%s'", path);
    return rc;
}
