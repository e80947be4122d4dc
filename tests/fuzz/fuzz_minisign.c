/* libFuzzer target: minisign public key and signature parsers, and verification
 * of the input as a signature. Invariant: a parsed signature written again parses
 * to the same values. */
#include "hash.h"
#include "minisign.h"
#include "sign.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct minisign_pubkey pk;
    struct minisign_sig s, again;
    struct strbuf sb = STRBUF_INIT;
    int valid;

    if (crypto_init(NULL) < 0)
        return 0;
    (void)minisign_pubkey_parse(&pk, (const char *)data, size, NULL);
    if (minisign_sig_parse(&s, (const char *)data, size, NULL) == 0) {
        minisign_sig_format(&sb, &s);
        if (minisign_sig_parse(&again, sb.buf, sb.len, NULL) < 0)
            abort();
        if (again.prehashed != s.prehashed || memcmp(again.sig, s.sig, sizeof(s.sig)) ||
            memcmp(again.global_sig, s.global_sig, sizeof(s.global_sig)) ||
            strcmp(again.trusted_comment, s.trusted_comment))
            abort();
        minisign_sig_release(&again);
        /* Verify against a fixed key: must be a clean verdict, never a crash. */
        memset(&pk, 0x42, sizeof(pk));
        memcpy(pk.key_id, s.key_id, sizeof(pk.key_id));
        (void)sign_minisig_verify(&valid, NULL, NULL, &pk, "m", 1, (const char *)data, size, NULL);
        if (valid)
            abort();
        minisign_sig_release(&s);
    }
    strbuf_release(&sb);
    return 0;
}
