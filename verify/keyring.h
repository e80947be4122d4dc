/* The public keys a verifier trusts (--trusted-keys FILE_OR_DIR, obtained out of
 * band), looked up by key id. */
#ifndef CUSTODY_VERIFY_KEYRING_H
#define CUSTODY_VERIFY_KEYRING_H

#include <stddef.h>

#include "error.h"
#include "minisign.h"

struct keyring {
    struct minisign_pubkey *keys;
    char **sources; /* file each key came from */
    size_t n;
};

/* Load every path: a file is one public key, a folder contributes its *.pub files.
 * An unreadable or malformed key file is an error (the verifier named it). */
int keyring_load(struct keyring *kr, const char *const *paths, size_t n, struct custody_err *err);
void keyring_release(struct keyring *kr);
/* Add one key (source names where it came from); the same key twice is kept once. */
int keyring_add(struct keyring *kr, const struct minisign_pubkey *pk, const char *source,
                struct custody_err *err);
/* The key with this id, or NULL. */
const struct minisign_pubkey *keyring_find(const struct keyring *kr,
                                           const uint8_t key_id[MINISIGN_KEY_ID_LEN],
                                           const char **source);

#endif
