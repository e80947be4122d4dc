/* Trusted public keys (see keyring.h). */
#include "keyring.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sign.h"
#include "strbuf.h"

static int
add_key(struct keyring *kr, const char *path, struct custody_err *err)
{
    struct minisign_pubkey pk;
    int rc = sign_pubkey_read(&pk, path, err);

    if (rc < 0)
        return rc;
    return keyring_add(kr, &pk, path, err);
}

int
keyring_add(struct keyring *kr, const struct minisign_pubkey *pkp, const char *path,
            struct custody_err *err)
{
    struct minisign_pubkey pk = *pkp;

    for (size_t i = 0; i < kr->n; i++)
        if (!memcmp(kr->keys[i].key_id, pk.key_id, MINISIGN_KEY_ID_LEN))
            return 0; /* the same key named twice */
    struct minisign_pubkey *k = realloc(kr->keys, (kr->n + 1) * sizeof(*k));
    if (!k)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    kr->keys = k;
    char **s = realloc(kr->sources, (kr->n + 1) * sizeof(*s));
    if (!s)
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    kr->sources = s;
    s[kr->n] = strdup(path);
    if (!s[kr->n])
        return custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
    k[kr->n++] = pk;
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_dir(struct keyring *kr, const char *dir, struct custody_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int rc = 0, found = 0;

    if (!d)
        return custody_err_errno(err, CUSTODY_ERR_IO, errno, "cannot list '%s'", dir);
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0)
            continue;
        struct strbuf sb = STRBUF_INIT;
        strbuf_addf(&sb, "%s/%s", dir, de->d_name);
        char **grown = realloc(names, (n + 1) * sizeof(*grown));
        if (!grown) {
            strbuf_release(&sb);
            rc = custody_err_set(err, CUSTODY_ERR_NOMEM, "out of memory");
            break;
        }
        names = grown;
        names[n++] = strbuf_detach(&sb, NULL);
    }
    closedir(d);
    if (rc == 0)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = add_key(kr, names[i], err);
        found++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == 0 && found == 0)
        rc = custody_err_set(err, CUSTODY_ERR_NOTFOUND, "no public keys (*.pub) in '%s'", dir);
    return rc;
}

int
keyring_load(struct keyring *kr, const char *const *paths, size_t n, struct custody_err *err)
{
    memset(kr, 0, sizeof(*kr));
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int rc;
        if (stat(paths[i], &st) != 0)
            return custody_err_errno(err, custody_err_from_errno(errno), errno,
                                     "cannot open trusted keys '%s'", paths[i]);
        rc = S_ISDIR(st.st_mode) ? add_dir(kr, paths[i], err) : add_key(kr, paths[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void
keyring_release(struct keyring *kr)
{
    if (!kr)
        return;
    for (size_t i = 0; i < kr->n; i++)
        free(kr->sources[i]);
    free(kr->sources);
    free(kr->keys);
    memset(kr, 0, sizeof(*kr));
}

const struct minisign_pubkey *
keyring_find(const struct keyring *kr, const uint8_t key_id[MINISIGN_KEY_ID_LEN],
             const char **source)
{
    for (size_t i = 0; i < kr->n; i++)
        if (!memcmp(kr->keys[i].key_id, key_id, MINISIGN_KEY_ID_LEN)) {
            if (source)
                *source = kr->sources[i];
            return &kr->keys[i];
        }
    return NULL;
}
