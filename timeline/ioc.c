/* Known-bad hashes from an --ioc file: parsed, sorted, looked up by binary search. */
#include "timeline.h"

#include "io.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define IOC_FILE_MAX (256u << 20)

struct ioc_entry {
    char hex[65]; /* lowercase */
    char *name;
};

struct ioc_set {
    struct ioc_entry *e;
    size_t n;
    int has_sha1;
};

static int
ioc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ioc_entry *)a)->hex, ((const struct ioc_entry *)b)->hex);
}

void
ioc_set_free(struct ioc_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].name);
    free(s->e);
    free(s);
}

int
ioc_set_load(struct ioc_set **out, const char *path, struct custody_err *err)
{
    struct strbuf sb = STRBUF_INIT;
    struct ioc_set *s = NULL;
    size_t lineno = 0;
    char *p, *end;
    int rc;

    *out = NULL;
    if ((rc = io_read_file(&sb, path, IOC_FILE_MAX, err)) < 0)
        return rc;
    if (!(s = calloc(1, sizeof(*s))))
        abort();
    p = sb.buf;
    end = sb.buf + sb.len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line = p, *lend = nl ? nl : end;
        size_t hl = 0;
        struct ioc_entry e;
        p = nl ? nl + 1 : end;
        lineno++;
        while (line < lend && isspace((unsigned char)*line))
            line++;
        while (lend > line && isspace((unsigned char)lend[-1]))
            lend--;
        if (line == lend || *line == '#')
            continue;
        while (line + hl < lend && isxdigit((unsigned char)line[hl]))
            hl++;
        if ((hl != 32 && hl != 40 && hl != 64) ||
            (line + hl < lend && !isspace((unsigned char)line[hl]))) {
            rc = custody_err_set(err, CUSTODY_ERR_FORMAT,
                                 "'%s' line %zu: expected an MD5, SHA-1 or SHA-256 in hex", path,
                                 lineno);
            goto fail;
        }
        memset(&e, 0, sizeof(e));
        for (size_t i = 0; i < hl; i++)
            e.hex[i] = (char)tolower((unsigned char)line[i]);
        line += hl;
        while (line < lend && isspace((unsigned char)*line))
            line++;
        e.name = strndup(line, (size_t)(lend - line));
        if (!e.name)
            abort();
        if (hl == 40)
            s->has_sha1 = 1;
        struct ioc_entry *grown = realloc(s->e, (s->n + 1) * sizeof(*grown));
        if (!grown)
            abort();
        s->e = grown;
        s->e[s->n++] = e;
    }
    qsort(s->e, s->n, sizeof(*s->e), ioc_cmp);
    strbuf_release(&sb);
    *out = s;
    return 0;
fail:
    strbuf_release(&sb);
    ioc_set_free(s);
    return rc;
}

size_t
ioc_set_count(const struct ioc_set *s)
{
    return s ? s->n : 0;
}

int
ioc_set_has_sha1(const struct ioc_set *s)
{
    return s && s->has_sha1;
}

const char *
ioc_set_match(const struct ioc_set *s, const char *hex)
{
    struct ioc_entry key;
    const struct ioc_entry *hit;
    size_t len;

    if (!s || !hex || !*hex)
        return NULL;
    len = strlen(hex);
    if (len >= sizeof(key.hex))
        return NULL;
    memcpy(key.hex, hex, len + 1);
    hit = bsearch(&key, s->e, s->n, sizeof(*s->e), ioc_cmp);
    return hit ? hit->name : NULL;
}

int
ioc_set_foreach(const struct ioc_set *s,
                int (*cb)(void *ctx, const char *hex, const char *algo, const char *name),
                void *ctx)
{
    for (size_t i = 0; s && i < s->n; i++) {
        size_t l = strlen(s->e[i].hex);
        const char *algo = l == 32 ? "MD5" : l == 40 ? "SHA1" : "SHA256";
        int rc = cb(ctx, s->e[i].hex, algo, s->e[i].name[0] ? s->e[i].name : NULL);
        if (rc)
            return rc;
    }
    return 0;
}
