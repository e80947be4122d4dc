/* custody-acquire: parse options, run the acquisition, print, pick the exit status. */
#include "acquire.h"

#include "casedb.h"
#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "custody-acquire"

static const char usage[] =
    "Usage: custody-acquire [options] SOURCE --output BASE\n"
    "\n"
    "Image SOURCE (a block device, a regular file, or - for standard input) into an\n"
    "EnCase 6 image (BASE.E01, BASE.E02, ...) or raw files (BASE.raw, or BASE.000, ...),\n"
    "computing MD5, SHA-1 and SHA-256 while reading. Unreadable sectors are retried,\n"
    "isolated down to single sectors, zero-filled and listed. Beside the image:\n"
    "BASE.log (the acquisition log) and BASE.manifest (what was acquired, hashes, files).\n"
    "\n"
    "Output:\n"
    "  -o, --output BASE          base name of the image files (required)\n"
    "  -f, --format e01|raw       image format (default e01)\n"
    "  -S, --segment-size SIZE    maximum segment file size (default 2G for e01; raw is\n"
    "                             unsplit unless given)\n"
    "  -c, --compression none|fast|best   E01 compression (default fast)\n"
    "  -b, --chunk-sectors N      sectors per E01 chunk (default 64; raised for media\n"
    "                             over 4 TiB to stay under libewf's chunk limit)\n"
    "      --force                replace existing outputs of BASE (recorded in the log)\n"
    "      --resume               continue the interrupted or failed acquisition of BASE\n"
    "                             (its *.partial files, manifest and log are checked;\n"
    "                             format, chunk, segment and case values are taken\n"
    "                             from it; a stream must start again from byte 0)\n"
    "Remote (over ssh):\n"
    "      --send                 on the server: read SOURCE, write a framed stream\n"
    "                             (identity, data, unreadable ranges, hashes) to stdout\n"
    "      --receive STREAM       on the station: acquire from such a stream ('-': stdin)\n"
    "Source:\n"
    "  -s, --size BYTES           size of a stream on standard input (optional)\n"
    "  -r, --retries N            re-reads of a failing region (default 2)\n"
    "      --allow-mounted        image a source mounted read-write (warns, records it)\n"
    "      --set-readonly         set the kernel read-only flag on the device first\n"
    "      --threads N            compression threads (default: online CPUs)\n"
    "Case metadata (E01 header, manifest, case database):\n"
    "  -C, --case-number TEXT     -E, --evidence-number TEXT\n"
    "  -e, --examiner NAME        -D, --description TEXT     -N, --notes TEXT\n"
    "      --case-db CASE.db      record the acquisition in a case database\n"
    "      --asset HOST           the server the source belongs to (created if missing)\n"
    "      --evidence LABEL       the evidence item (default: the source's name)\n"
    "Signing:\n"
    "      --key EXAMINER.key     sign the manifest (BASE.manifest.minisig, minisign\n"
    "                             format) and the custody log entry 'acquired'\n"
    "      --passphrase-file F    the key's passphrase (else $CUSTODY_PASSPHRASE, else\n"
    "                             asked on the terminal)\n"
    "Verification:\n"
    "      --no-verify-image      do not read the image back to compare the hashes\n"
    "      --verify-source        read the source again and compare the hashes\n"
    "Reporting:\n"
    "      --json                 print one JSON summary on standard output\n"
    "  -q, --quiet                no progress, no summary (errors only)\n"
    "      --version              print versions of the tool and its libraries\n"
    "  -h, --help                 print this help\n"
    "\n"
    "Exit status: 0 complete and verified; 1 complete but with unreadable sectors or a\n"
    "failed verification; 2 could not acquire (usage, I/O, disk full, interrupt).\n";

enum {
    OPT_FORCE = 256,
    OPT_ALLOW_MOUNTED,
    OPT_SET_READONLY,
    OPT_THREADS,
    OPT_CASE_DB,
    OPT_ASSET,
    OPT_EVIDENCE,
    OPT_NO_VERIFY,
    OPT_VERIFY_SOURCE,
    OPT_JSON,
    OPT_VERSION,
    OPT_KEY,
    OPT_PASSFILE,
    OPT_SEND,
    OPT_RECEIVE,
    OPT_RESUME,
};

struct ui {
    struct progress meter;
    int on;
};

static void
on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t bad)
{
    struct ui *ui = ctx;
    char note[64] = "";

    if (!ui->on)
        return;
    if (bad)
        snprintf(note, sizeof(note), "%llu bad sectors", (unsigned long long)bad);
    ui->meter.total = total;
    progress_update(&ui->meter, done, note);
}

static void
print_json(const struct acquire_opts *o, const struct acquire_result *res, int rc,
           const struct custody_err *err, int exit_status)
{
    struct strbuf sb = STRBUF_INIT;
    struct json_writer w;

    json_init(&w, &sb, 1);
    json_begin_object(&w);
    json_kv_str(&w, "tool", PROG);
    json_kv_str(&w, "version", CUSTODY_VERSION);
    json_kv_bytes(&w, "source", o->source ? o->source : "", o->source ? strlen(o->source) : 0);
    json_kv_bytes(&w, "output", o->output ? o->output : "", o->output ? strlen(o->output) : 0);
    json_kv_str(&w, "format", o->format == ACQUIRE_E01 ? "e01" : "raw");
    json_kv_str(&w, "status", res->status);
    json_kv_int(&w, "exit_status", exit_status);
    json_kv_str(&w, "error", rc < 0 ? err->msg : NULL);
    json_kv_str(&w, "acquisition_uuid", res->uuid[0] ? res->uuid : NULL);
    json_kv_uint(&w, "media_size", res->media_size);
    json_kv_uint(&w, "bytes_read", res->bytes_read);
    json_kv_uint(&w, "chunk_sectors", res->chunk_sectors);
    json_kv_str(&w, "chunk_note", res->chunk_note);
    json_kv_bool(&w, "resumed", res->resumed);
    if (res->resumed)
        json_kv_uint(&w, "resumed_bytes", res->resumed_bytes);
    json_key(&w, "hashes");
    json_begin_object(&w);
    json_kv_str(&w, "md5", res->hash[HASH_MD5][0] ? res->hash[HASH_MD5] : NULL);
    json_kv_str(&w, "sha1", res->hash[HASH_SHA1][0] ? res->hash[HASH_SHA1] : NULL);
    json_kv_str(&w, "sha256", res->hash[HASH_SHA256][0] ? res->hash[HASH_SHA256] : NULL);
    json_end_object(&w);
    json_kv_uint(&w, "bad_sectors", res->bad_sectors);
    json_key(&w, "read_errors");
    json_begin_array(&w);
    for (size_t i = 0; i < res->n_read_errors; i++) {
        json_begin_object(&w);
        json_kv_uint(&w, "first_sector", res->read_errors[i].first_sector);
        json_kv_uint(&w, "count", res->read_errors[i].count);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_kv_str(&w, "verify_image", res->verify_image);
    json_kv_str(&w, "verify_source", res->verify_source);
    json_key(&w, "files");
    json_begin_array(&w);
    for (size_t i = 0; i < res->n_files; i++) {
        json_begin_object(&w);
        json_kv_bytes(&w, "name", res->files[i].name, strlen(res->files[i].name));
        json_kv_uint(&w, "size", res->files[i].size);
        json_kv_str(&w, "sha256", res->files[i].sha256);
        json_end_object(&w);
    }
    json_end_array(&w);
    if (res->manifest_path)
        json_kv_bytes(&w, "manifest", res->manifest_path, strlen(res->manifest_path));
    if (res->log_path)
        json_kv_bytes(&w, "log", res->log_path, strlen(res->log_path));
    if (res->signature_path)
        json_kv_bytes(&w, "signature", res->signature_path, strlen(res->signature_path));
    json_kv_str(&w, "key_id", res->key_id[0] ? res->key_id : NULL);
    json_kv_double(&w, "seconds", res->seconds);
    json_kv_double(&w, "mb_per_s", res->seconds > 0 ? res->bytes_read / res->seconds / 1e6 : 0);
    json_end_object(&w);
    strbuf_addch(&sb, '\n');
    fwrite(sb.buf, 1, sb.len, stdout);
    strbuf_release(&sb);
}

static void
print_text(const struct acquire_result *res)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "status:        %s\n", res->status);
    strbuf_addf(&sb, "media size:    %llu bytes\n", (unsigned long long)res->media_size);
    if (res->resumed)
        strbuf_addf(&sb, "resumed:       %llu bytes kept from the partial image\n",
                    (unsigned long long)res->resumed_bytes);
    if (res->hash[HASH_MD5][0]) {
        strbuf_addf(&sb, "MD5:           %s\n", res->hash[HASH_MD5]);
        strbuf_addf(&sb, "SHA-1:         %s\n", res->hash[HASH_SHA1]);
        strbuf_addf(&sb, "SHA-256:       %s\n", res->hash[HASH_SHA256]);
    }
    strbuf_addf(&sb, "bad sectors:   %llu\n", (unsigned long long)res->bad_sectors);
    for (size_t i = 0; i < res->n_read_errors; i++)
        strbuf_addf(
            &sb, "  unreadable:  sectors %llu-%llu (%llu)\n",
            (unsigned long long)res->read_errors[i].first_sector,
            (unsigned long long)(res->read_errors[i].first_sector + res->read_errors[i].count - 1),
            (unsigned long long)res->read_errors[i].count);
    if (res->verify_image)
        strbuf_addf(&sb, "verify image:  %s\n", res->verify_image);
    if (res->verify_source)
        strbuf_addf(&sb, "verify source: %s\n", res->verify_source);
    for (size_t i = 0; i < res->n_files; i++) {
        strbuf_addstr(&sb, "file:          ");
        strbuf_add_safe(&sb, res->files[i].name, strlen(res->files[i].name));
        strbuf_addf(&sb, " (%llu bytes)\n", (unsigned long long)res->files[i].size);
    }
    if (res->seconds > 0)
        strbuf_addf(&sb, "speed:         %.1f MB/s\n", res->bytes_read / res->seconds / 1e6);
    fwrite(sb.buf, 1, sb.len, stdout);
    strbuf_release(&sb);
}

static int
parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (cli_parse_u64(s, &v) < 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Parse, run, print; orig is argv before getopt_long permuted it. */
static int
acquire_main(int argc, char **argv, char **orig)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"segment-size", required_argument, NULL, 'S'},
        {"compression", required_argument, NULL, 'c'},
        {"chunk-sectors", required_argument, NULL, 'b'},
        {"size", required_argument, NULL, 's'},
        {"retries", required_argument, NULL, 'r'},
        {"case-number", required_argument, NULL, 'C'},
        {"evidence-number", required_argument, NULL, 'E'},
        {"examiner", required_argument, NULL, 'e'},
        {"description", required_argument, NULL, 'D'},
        {"notes", required_argument, NULL, 'N'},
        {"force", no_argument, NULL, OPT_FORCE},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"allow-mounted", no_argument, NULL, OPT_ALLOW_MOUNTED},
        {"set-readonly", no_argument, NULL, OPT_SET_READONLY},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"case-db", required_argument, NULL, OPT_CASE_DB},
        {"asset", required_argument, NULL, OPT_ASSET},
        {"evidence", required_argument, NULL, OPT_EVIDENCE},
        {"key", required_argument, NULL, OPT_KEY},
        {"send", no_argument, NULL, OPT_SEND},
        {"receive", required_argument, NULL, OPT_RECEIVE},
        {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
        {"no-verify-image", no_argument, NULL, OPT_NO_VERIFY},
        {"verify-source", no_argument, NULL, OPT_VERIFY_SOURCE},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct acquire_opts o;
    struct acquire_result res;
    struct custody_err err = {0};
    struct ui ui = {0};
    int opt, json = 0, quiet = 0, send = 0, rc, status;
    uint64_t v;

    acquire_opts_init(&o);
    while ((opt = getopt_long(argc, argv, "o:f:S:c:b:s:r:C:E:e:D:N:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o.output = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "e01"))
                o.format = ACQUIRE_E01;
            else if (!strcmp(optarg, "raw"))
                o.format = ACQUIRE_RAW;
            else
                return cli_usage_error(PROG, "--format must be e01 or raw");
            break;
        case 'S':
            if (cli_parse_size(optarg, &o.segment_size) < 0 || o.segment_size == 0)
                return cli_usage_error(PROG, "bad --segment-size '%s'", optarg);
            o.segment_size_set = 1;
            break;
        case 'c':
            if (!strcmp(optarg, "none"))
                o.compression = EWF_COMPRESSION_NONE;
            else if (!strcmp(optarg, "fast"))
                o.compression = EWF_COMPRESSION_FAST;
            else if (!strcmp(optarg, "best"))
                o.compression = EWF_COMPRESSION_BEST;
            else
                return cli_usage_error(PROG, "--compression must be none, fast or best");
            break;
        case 'b':
            if (parse_u32(optarg, &o.chunk_sectors) < 0)
                return cli_usage_error(PROG, "bad --chunk-sectors '%s'", optarg);
            o.chunk_sectors_set = 1;
            break;
        case 's':
            if (cli_parse_size(optarg, &o.stream_size) < 0 || o.stream_size == 0)
                return cli_usage_error(PROG, "bad --size '%s'", optarg);
            break;
        case 'r':
            if (cli_parse_u64(optarg, &v) < 0 || v > 100)
                return cli_usage_error(PROG, "bad --retries '%s' (0 to 100)", optarg);
            o.retries = (unsigned)v;
            break;
        case 'C':
            o.case_number = optarg;
            break;
        case 'E':
            o.evidence_number = optarg;
            break;
        case 'e':
            o.examiner = optarg;
            break;
        case 'D':
            o.description = optarg;
            break;
        case 'N':
            o.notes = optarg;
            break;
        case OPT_FORCE:
            o.force = 1;
            break;
        case OPT_RESUME:
            o.resume = 1;
            break;
        case OPT_ALLOW_MOUNTED:
            o.allow_mounted = 1;
            break;
        case OPT_SET_READONLY:
            o.set_readonly = 1;
            break;
        case OPT_THREADS:
            if (cli_parse_u64(optarg, &v) < 0 || v == 0 || v > 16)
                return cli_usage_error(PROG, "bad --threads '%s' (1 to 16)", optarg);
            o.threads = (unsigned)v;
            break;
        case OPT_CASE_DB:
            o.case_db = optarg;
            break;
        case OPT_ASSET:
            o.asset = optarg;
            break;
        case OPT_EVIDENCE:
            o.evidence = optarg;
            break;
        case OPT_SEND:
            send = 1;
            break;
        case OPT_RECEIVE:
            o.receive = optarg;
            break;
        case OPT_KEY:
            o.key_path = optarg;
            break;
        case OPT_PASSFILE:
            o.passphrase_file = optarg;
            break;
        case OPT_NO_VERIFY:
            o.verify_image = 0;
            break;
        case OPT_VERIFY_SOURCE:
            o.verify_source = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case OPT_VERSION: {
            struct strbuf sb = STRBUF_INIT;
            cli_versions(&sb, PROG, casedb_sqlite_version());
            fputs(sb.buf, stdout);
            strbuf_release(&sb);
            return EXIT_CHECKED_OUT;
        }
        case 'h':
            fputs(usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "invalid option");
        }
    }
    if (o.receive) {
        if (send || optind < argc)
            return cli_usage_error(PROG, "--receive STREAM takes no SOURCE and no --send");
        o.source = o.receive;
    } else {
        if (optind >= argc)
            return cli_usage_error(PROG, "no SOURCE given");
        if (optind + 1 < argc)
            return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind + 1]);
        o.source = argv[optind];
    }
    if (send) {
        if (o.output)
            return cli_usage_error(PROG, "--send writes to standard output: no --output");
        if (o.resume)
            return cli_usage_error(PROG, "--resume is for the receiving side: a new --send "
                                         "restarts from byte 0");
        if (isatty(STDOUT_FILENO))
            return cli_usage_error(PROG, "--send writes a binary stream: redirect or pipe it");
        signal(SIGPIPE, SIG_IGN);
        cli_catch_interrupts();
        rc = acquire_send(&o, STDOUT_FILENO, &err);
        if (rc < 0) {
            struct strbuf sb = STRBUF_INIT;
            strbuf_addstr(&sb, PROG " --send: ");
            strbuf_add_safe(&sb, err.msg, strlen(err.msg));
            fprintf(stderr, "%s\n", sb.buf);
            strbuf_release(&sb);
            return EXIT_FAILED;
        }
        return rc == 1 ? EXIT_NOT_OK : EXIT_CHECKED_OUT;
    }
    if (!o.output)
        return cli_usage_error(PROG, "no --output BASE given");
    o.argc = argc;
    o.argv = orig;

    /* A file-size limit (ulimit -f) must be an error we record, not a silent kill. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    cli_catch_interrupts();
    ui.on = !quiet && !json && isatty(STDERR_FILENO);
    if (ui.on) {
        progress_init(&ui.meter, "acquiring", 0, quiet);
        o.progress = on_progress;
        o.progress_ctx = &ui;
    }
    rc = acquire_run(&res, &o, &err);
    if (ui.on)
        progress_finish(&ui.meter);
    status = acquire_exit_status(&res, rc);
    if (res.warnings && !quiet) {
        struct strbuf sb = STRBUF_INIT;
        for (char *p = res.warnings, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl)
                break;
            strbuf_addstr(&sb, PROG ": warning: ");
            strbuf_add_safe(&sb, p, (size_t)(nl - p));
            strbuf_addch(&sb, '\n');
        }
        fputs(sb.buf, stderr);
        strbuf_release(&sb);
    }
    if (rc < 0) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_addstr(&sb, PROG ": ");
        strbuf_add_safe(&sb, err.msg, strlen(err.msg));
        fprintf(stderr, "%s\n", sb.buf);
        strbuf_release(&sb);
    }
    if (json)
        print_json(&o, &res, rc, &err, status);
    else if (!quiet && res.status)
        print_text(&res);
    acquire_result_release(&res);
    return status;
}

int
main(int argc, char **argv)
{
    /* getopt_long permutes argv: record the command line as it was typed. */
    char **orig = calloc((size_t)argc + 1, sizeof(char *));
    int status;

    if (!orig)
        return EXIT_FAILED;
    memcpy(orig, argv, (size_t)argc * sizeof(char *));
    status = acquire_main(argc, argv, orig);
    free(orig);
    return status;
}
