/* libFuzzer target: the secret key file parser (and, for unencrypted files, the
 * checksum and public-key checks that follow; Argon2 is too slow to fuzz). */
#include "hash.h"
#include "sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sign_keyfile kf;
    struct sign_seckey *k = NULL;

    if (crypto_init(NULL) < 0)
        return 0;
    if (sign_keyfile_parse(&kf, (const char *)data, size, NULL) == 0 && !kf.encrypted) {
        if (sign_seckey_open(&k, &kf, NULL, 0, NULL) == 0)
            sign_seckey_free(k);
    }
    return 0;
}
