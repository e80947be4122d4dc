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
#include "casecheck.h"
#include "report.h"
#include "verify.h"

#define PROG "custody-verify"

static const char usage[] =
    "Usage: custody-verify [options] IMAGE...\n"
    "       custody-verify --case-db CASE.db [--asset HOST | --evidence ID | --all] [options]\n"
    "       custody-verify clearance --case-db CASE.db --asset HOST --key VERIFIER.key "
    "[options]\n"
    "\n"
    "Verify evidence images: an E01 set (name its first segment, BASE.E01), a raw\n"
    "image, or a split raw image (BASE.000 or BASE.001). Checks that the segment set\n"
    "is complete, every chunk's checksum, MD5/SHA-1/SHA-256 against the hashes the\n"
    "E01 stores, and, when BASE.manifest lies beside the image, the manifest, its\n"
    "per-file SHA-256 lines and its signature.\n"
    "\n"
    "With --case-db, every acquisition the case database records (for one asset,\n"
    "one evidence item, or --all) is verified: its files present, none extra, sizes\n"
    "and SHA-256 as recorded; the image as above; the media hashes against the E01,\n"
    "the manifest and the database; the manifest signatures; and the custody log\n"
    "with every entry's signature. The verification is recorded in the database and,\n"
    "with --key, a signed 'verified' custody entry is appended.\n"
    "\n"
    "'clearance' does the same for one asset and then clears it for decommissioning\n"
    "when every evidence item has a complete acquisition that passed, the verifier's\n"
    "key is not the acquiring examiner's (four eyes), and the custody chain is\n"
    "intact: it appends a signed 'cleared' entry and sets the asset to 'cleared'.\n"
    "\n"
    "Options:\n"
    "  -d, --case-db CASE.db           verify what the case database records\n"
    "  -a, --asset HOST                only this asset's acquisitions\n"
    "  -e, --evidence ID               only this evidence item (id or label)\n"
    "      --all                       every acquisition of the case (the default)\n"
    "  -c, --checkpoint FILE           prove the custody log extends FILE; repeatable\n"
    "      --key FILE                  the verifier's secret key (signs the record)\n"
    "      --passphrase-file FILE      passphrase of --key (else $CUSTODY_PASSPHRASE\n"
    "                                  or the terminal)\n"
    "      --image-dir DIR             look for the image files in DIR\n"
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
        {"case-db", required_argument, NULL, 'd'},
        {"asset", required_argument, NULL, 'a'},
        {"evidence", required_argument, NULL, 'e'},
        {"all", no_argument, NULL, 'A'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'K'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"image-dir", required_argument, NULL, 'I'},
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
    const char *html = NULL, *case_db = NULL, *asset = NULL, *evidence = NULL, *key = NULL;
    const char *passfile = NULL, *image_dir = NULL;
    const char **checkpoints = NULL;
    size_t n_checkpoints = 0;
    int all = 0, clearance = 0;
    int json = 0, quiet = 0, require_sig = 0, c, rc, status;
    uint64_t threads = 0;
    struct custody_err err;
    struct report rep;
    struct strbuf out = STRBUF_INIT, versions = STRBUF_INIT;
    struct progress_ctx pc;
    struct verify_options o;

    int orig_argc = argc;
    char **orig_argv = argv;

    if (argc > 1 && !strcmp(argv[1], "clearance")) {
        clearance = 1;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    while ((c = getopt_long(argc, argv, "k:d:a:e:c:st:jqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            case_db = optarg;
            break;
        case 'a':
            asset = optarg;
            break;
        case 'e':
            evidence = optarg;
            break;
        case 'A':
            all = 1;
            break;
        case 'c': {
            const char **grown = realloc(checkpoints, (n_checkpoints + 1) * sizeof(*grown));
            if (!grown)
                return fail("out of memory", json);
            checkpoints = grown;
            checkpoints[n_checkpoints++] = optarg;
            break;
        }
        case 'K':
            key = optarg;
            break;
        case 'P':
            passfile = optarg;
            break;
        case 'I':
            image_dir = optarg;
            break;
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
    if (clearance && (!case_db || !asset || !key))
        return cli_usage_error(PROG, "clearance needs --case-db, --asset and --key");
    if (case_db && optind < argc)
        return cli_usage_error(PROG, "give either IMAGE... or --case-db, not both");
    if (!case_db && (asset || evidence || all || n_checkpoints || key || image_dir))
        return cli_usage_error(PROG, "--asset, --evidence, --all, --checkpoint, --key and "
                                     "--image-dir need --case-db");
    if (all && (asset || evidence))
        return cli_usage_error(PROG, "--all cannot be combined with --asset or --evidence");
    if (!case_db && optind >= argc)
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

    report_init(&rep, clearance ? "clearance" : case_db ? "case" : "image");
    cli_versions(&versions, PROG, casedb_sqlite_version());
    rep.versions = strbuf_detach(&versions, NULL);
    if (case_db) {
        struct case_options co;
        memset(&co, 0, sizeof(co));
        co.db_path = case_db;
        co.asset = asset;
        co.evidence = evidence;
        co.checkpoints = checkpoints;
        co.n_checkpoints = n_checkpoints;
        co.key_path = key;
        co.pass.file = passfile;
        co.image_dir = image_dir;
        co.verify = o;
        co.argc = orig_argc;
        co.argv = orig_argv;
        rc = clearance ? verify_clearance(&rep, &co, &err) : verify_case(&rep, &co, &err);
    } else {
        rc = verify_images(&rep, (const char *const *)argv + optind, (size_t)(argc - optind), &o,
                           &err);
    }
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
    free(checkpoints);
    return status;
}
