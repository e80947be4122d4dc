/* custody-casedb keygen: make an examiner key pair (NAME.key, NAME.pub). */
#include "cmd.h"

#include "cli.h"
#include "json.h"
#include "sign.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char keygen_usage[] =
    "Usage: custody-casedb keygen --out NAME [--passphrase-file FILE | --unencrypted]\n"
    "\n"
    "Make an Ed25519 examiner key: NAME.key (secret, mode 0600, encrypted with a\n"
    "passphrase: Argon2id + AES-256-GCM) and NAME.pub (minisign public key format).\n"
    "Existing files are never overwritten. The passphrase comes from\n"
    "--passphrase-file, else $CUSTODY_PASSPHRASE, else the terminal (asked twice).\n"
    "\n"
    "  -o, --out NAME            base name of the key files\n"
    "      --passphrase-file F   read the passphrase from the first line of F\n"
    "      --unencrypted         store the secret key without a passphrase (unsafe)\n"
    "      --json                one JSON document on stdout\n"
    "  -q, --quiet               print nothing on success\n"
    "  -h, --help                show this help\n";

int
cmd_keygen(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"unencrypted", no_argument, NULL, 'U'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct custody_err err = {0};
    struct sign_pass_src src = {0};
    struct sign_seckey *key = NULL;
    struct minisign_pubkey pub;
    struct strbuf kpath = STRBUF_INIT, ppath = STRBUF_INIT, out = STRBUF_INIT;
    const char *name = NULL;
    char *pass = NULL;
    size_t passlen = 0;
    char hex[MINISIGN_KEY_ID_HEX];
    int opt, unencrypted = 0, status = EXIT_FAILED;
    (void)command_line; /* no case database involved */

    while ((opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            name = optarg;
            break;
        case 'P':
            src.file = optarg;
            break;
        case 'U':
            unencrypted = 1;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(keygen_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(CASEDB_PROG " keygen", "invalid option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CASEDB_PROG " keygen", "unexpected argument '%s'", argv[optind]);
    if (!name || !*name)
        return cli_usage_error(CASEDB_PROG " keygen", "keygen needs --out NAME");
    if (unencrypted && src.file)
        return cli_usage_error(CASEDB_PROG " keygen",
                               "--unencrypted and --passphrase-file exclude each other");
    strbuf_addf(&kpath, "%s.key", name);
    strbuf_addf(&ppath, "%s.pub", name);
    /* Refuse before asking for a passphrase; creation below is exclusive anyway. */
    if (access(kpath.buf, F_OK) == 0 || access(ppath.buf, F_OK) == 0) {
        custody_err_set(&err, CUSTODY_ERR_EXISTS, "refusing to overwrite existing key file '%s'",
                        access(kpath.buf, F_OK) == 0 ? kpath.buf : ppath.buf);
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (!unencrypted &&
        sign_passphrase_get(&pass, &passlen, &src, "Passphrase for the new key: ", 1, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (sign_keygen(&key, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    sign_seckey_public(key, &pub);
    if (unencrypted)
        fprintf(stderr, "%s: warning: the secret key '%s' is stored WITHOUT a passphrase\n",
                CASEDB_PROG, kpath.buf);
    if (sign_seckey_write(key, kpath.buf, unencrypted ? NULL : pass, passlen, &err) < 0) {
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    if (sign_pubkey_write(&pub, ppath.buf, &err) < 0) {
        unlink(kpath.buf);
        status = cmd_fail(&ctx, &err);
        goto out;
    }
    minisign_key_id_hex(hex, pub.key_id);
    if (ctx.json) {
        struct json_writer w;
        json_init(&w, &out, 1);
        json_begin_object(&w);
        json_kv_bool(&w, "ok", 1);
        json_kv_str(&w, "secret_key", kpath.buf);
        json_kv_str(&w, "public_key", ppath.buf);
        json_kv_str(&w, "key_id", hex);
        json_kv_bool(&w, "encrypted", !unencrypted);
        json_end_object(&w);
        cmd_print_json(&out);
    } else if (!ctx.quiet) {
        strbuf_addstr(&out, "key id ");
        strbuf_addstr(&out, hex);
        strbuf_addstr(&out, "\nsecret key: ");
        strbuf_add_safe(&out, kpath.buf, kpath.len);
        strbuf_addstr(&out, "\npublic key: ");
        strbuf_add_safe(&out, ppath.buf, ppath.len);
        strbuf_addch(&out, '\n');
        fputs(out.buf, stdout);
    }
    status = EXIT_CHECKED_OUT;
out:
    sign_passphrase_free(pass, passlen);
    sign_seckey_free(key);
    strbuf_release(&kpath);
    strbuf_release(&ppath);
    strbuf_release(&out);
    return status;
}
