/* custody-verify: prove that evidence is intact. Parses options, calls one entry
 * point, prints the report and picks the exit status. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "cli.h"
#include "hash.h"
#include "io.h"
#include "json.h"
#include "report.h"
#include "verify.h"

#define PROG "custody-verify"

static const char usage[] =
    "Usage: custody-verify [options] IMAGE...\n"
    "\n"
    "Verify evidence images: an E01 set (name its first segment, BASE.E01), a raw\n"
    "image, or a split raw image (BASE.000 or BASE.001). Checks that the segment set\n"
    "is complete, every chunk's checksum, MD5/SHA-1/SHA-256 against the hashes the\n"
    "E01 stores, and, when BASE.manifest lies beside the image, the manifest, its\n"
    "per-file SHA-256 lines and its signature.\n"
    "\n"
    "Options:\n"
    "  -k, --trusted-keys FILE_OR_DIR  public keys (minisign .pub) to trust; repeatable\n"
    "  -s, --require-signature         fail when no trusted signature anchors an image\n"
    "      --html FILE                 also write a printable HTML report (new file)\n"
    "  -t, --threads N                 inflate threads (default: one per CPU)\n"
    "  -j, --json                      one JSON document on stdout\n"
    "  -q, --quiet                     print only failures and the verdict\n"
    "  -h, --help                      show this help\n"
    "  -V, --version                   show the version and the linked library versions\n"
    "\n"
    "Every line of the report is PASS, FAIL: reason or CANNOT CHECK: reason, with\n"
    "what anchors it (a trusted signature, or only the evidence's own consistency).\n"
    "\n"
    "Exit status: 0 every check the material allows passed, 1 a check failed (or a\n"
    "required signature is absent, or nothing could be checked), 2 could not run.\n";

struct progress_ctx {
    struct progress p;
};

static void
on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct progress_ctx *pc = ctx;
    pc->p.total = total;
    progress_update(&pc->p, done, NULL);
}

static int
fail(const char *msg, int json)
{
    if (json) {
        struct strbuf sb = STRBUF_INIT;
        struct json_writer w;
        json_init(&w, &sb, 1);
        json_begin_object(&w);
        json_kv_str(&w, "verdict", "error");
        json_kv_bytes(&w, "error", msg, strlen(msg));
        json_end_object(&w);
        strbuf_addch(&sb, '\n');
        fputs(sb.buf, stdout);
        strbuf_release(&sb);
    }
    {
        struct strbuf sb = STRBUF_INIT;
        strbuf_add_safe(&sb, msg, strlen(msg));
        fprintf(stderr, "%s: %s\n", PROG, sb.buf);
        strbuf_release(&sb);
    }
    return EXIT_FAILED;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"trusted-keys", required_argument, NULL, 'k'},
        {"require-signature", no_argument, NULL, 's'},
        {"html", required_argument, NULL, 'H'},
        {"threads", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char **trusted = NULL;
    size_t n_trusted = 0;
    const char *html = NULL;
    int json = 0, quiet = 0, require_sig = 0, c, rc, status;
    uint64_t threads = 0;
    struct custody_err err;
    struct report rep;
    struct strbuf out = STRBUF_INIT, versions = STRBUF_INIT;
    struct progress_ctx pc;
    struct verify_options o;

    while ((c = getopt_long(argc, argv, "k:st:jqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': {
            const char **grown = realloc(trusted, (n_trusted + 1) * sizeof(*grown));
            if (!grown)
                return fail("out of memory", json);
            trusted = grown;
            trusted[n_trusted++] = optarg;
            break;
        }
        case 's':
            require_sig = 1;
            break;
        case 'H':
            html = optarg;
            break;
        case 't':
            if (cli_parse_u64(optarg, &threads) < 0 || threads < 1 || threads > 64)
                return cli_usage_error(PROG, "--threads wants a number from 1 to 64, not '%s'",
                                       optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_CHECKED_OUT;
        case 'V':
            cli_versions(&versions, PROG, casedb_sqlite_version());
            fputs(versions.buf, stdout);
            strbuf_release(&versions);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error(PROG, "no image given");
    cli_catch_interrupts();
    custody_err_clear(&err);
    if (crypto_init(&err) < 0)
        return fail(err.msg, json);

    memset(&pc, 0, sizeof(pc));
    progress_init(&pc.p, "verify", 0, quiet || json);
    memset(&o, 0, sizeof(o));
    o.trusted_keys = trusted;
    o.n_trusted = n_trusted;
    o.require_signature = require_sig;
    o.workers = (int)threads;
    o.progress = on_progress;
    o.progress_ctx = &pc;

    report_init(&rep, "image");
    cli_versions(&versions, PROG, casedb_sqlite_version());
    rep.versions = strbuf_detach(&versions, NULL);
    rc = verify_images(&rep, (const char *const *)argv + optind, (size_t)(argc - optind), &o, &err);
    progress_finish(&pc.p);
    if (rc < 0) {
        status = fail(err.msg, json);
        goto done;
    }
    report_finish(&rep);
    if (html) {
        struct strbuf page = STRBUF_INIT;
        report_html(&page, &rep);
        rc = io_write_file_atomic(html, page.buf, page.len, 0644, 0, &err);
        strbuf_release(&page);
        if (rc < 0) {
            status = fail(err.msg, json);
            goto done;
        }
    }
    if (json)
        report_json(&out, &rep);
    else
        report_text(&out, &rep, quiet);
    fputs(out.buf, stdout);
    status = rep.exit_code;
done:
    report_release(&rep);
    strbuf_release(&out);
    free(trusted);
    return status;
}
