/* custody-timeline build: walk every file system of an image into the case database. */
#include "cmd.h"
#include "logs_hook.h"

#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char build_usage[] =
    "Usage: custody-timeline build --case-db CASE.db --evidence [HOST/]LABEL\n"
    "                              [--asset HOST] [--hash-files] [--ioc FILE]\n"
    "                              [--no-logs] [--tz ZONE] [--time-limit SECONDS]\n"
    "                              [--max-events N] IMAGE...\n"
    "\n"
    "Walk every partition of IMAGE (an E01 set: first segment or all; a raw image;\n"
    "split raw parts) with The Sleuth Kit and load every file and directory,\n"
    "allocated or deleted, orphans included, with its M/A/C/B times in nanoseconds.\n"
    "Rebuilding an evidence item replaces its file-system timeline in one\n"
    "transaction. An evidence item not yet in the case is created (name its asset\n"
    "with HOST/LABEL or --asset).\n"
    "\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -e, --evidence [HOST/]LABEL\n"
    "                         the evidence item the image is of\n"
    "  -a, --asset HOST       the asset (server), for a new evidence item\n"
    "      --hash-files       MD5 and SHA-256 of every regular file's content\n"
    "                         (allocated, and deleted where TSK can recover it)\n"
    "      --ioc FILE         flag files whose MD5, SHA-1 or SHA-256 is in FILE (one\n"
    "                         hash per line, optional name after it); implies\n"
    "                         --hash-files\n"
    "      --no-logs          do not parse the logs found in the file systems\n"
    "      --tz ZONE          zone of log records that carry none (default UTC)\n"
    "      --time-limit S     per-partition time limit (default 1800 s)\n"
    "      --max-events N     per-partition event limit (default 200000000)\n"
    "      --json             one JSON summary on stdout\n"
    "  -q, --quiet            no progress, no summary\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 every partition walked, 1 a partition failed or hit a limit\n"
    "(recorded with its error; the rest was loaded), 2 nothing recorded.\n";

static void
build_json(struct strbuf *sb, const struct timeline_build_result *r,
           const struct timeline_logs_counts *lc, int status)
{
    struct json_writer w;

    json_init(&w, sb, 1);
    json_begin_object(&w);
    json_kv_bool(&w, "ok", status == EXIT_CHECKED_OUT);
    json_kv_int(&w, "exit_status", status);
    json_kv_int(&w, "evidence_id", r->evidence_id);
    json_kv_bool(&w, "evidence_created", r->evidence_created);
    json_kv_int(&w, "run_id", r->run_id);
    json_kv_str(&w, "image_type", r->image_type);
    json_kv_int(&w, "image_size", r->image_size);
    json_kv_int(&w, "files", r->files);
    json_kv_int(&w, "events", r->events);
    json_kv_int(&w, "hashed", r->hashed);
    json_kv_int(&w, "hash_failed", r->hash_failed);
    json_kv_int(&w, "iocs_loaded", (int64_t)r->iocs_loaded);
    json_kv_int(&w, "ioc_files", r->ioc_files);
    json_kv_int(&w, "skipped", r->skipped);
    json_kv_int(&w, "log_files", lc->files);
    json_kv_int(&w, "log_events", lc->events);
    json_kv_int(&w, "log_warnings", lc->warnings);
    json_kv_int(&w, "log_partial", lc->partial);
    json_kv_int(&w, "log_failed", lc->failed);
    json_kv_double(&w, "seconds", r->seconds);
    json_key(&w, "partitions");
    json_begin_array(&w);
    for (size_t i = 0; i < r->n_parts; i++) {
        const struct tl_partition_info *p = &r->parts[i];
        json_begin_object(&w);
        json_kv_int(&w, "index", p->idx);
        json_kv_int(&w, "offset", p->offset);
        json_key(&w, "length");
        if (p->length >= 0)
            json_int(&w, p->length);
        else
            json_null(&w);
        json_kv_str(&w, "vs_type", p->vs_type);
        json_key(&w, "slot");
        if (p->slot >= 0)
            json_int(&w, p->slot);
        else
            json_null(&w);
        json_kv_str(&w, "description", p->desc);
        json_kv_str(&w, "prefix", p->prefix[0] ? p->prefix : "/");
        json_kv_str(&w, "fs_type", p->fs_type);
        json_kv_str(&w, "status", p->status);
        json_kv_str(&w, "error", p->error);
        json_kv_int(&w, "files", p->files);
        json_kv_int(&w, "events", p->events);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
}

static void
build_text(struct strbuf *sb, const struct timeline_build_result *r,
           const struct timeline_logs_counts *lc)
{
    for (size_t i = 0; i < r->n_parts; i++) {
        const struct tl_partition_info *p = &r->parts[i];
        strbuf_addf(sb, "  %-10s offset %-12lld %-6s %-9s %8lld files %9lld events",
                    p->prefix[0] ? p->prefix : "/", (long long)p->offset,
                    p->fs_type ? p->fs_type : "-", p->status, (long long)p->files,
                    (long long)p->events);
        if (p->desc && *p->desc) {
            strbuf_addstr(sb, "  ");
            strbuf_add_safe(sb, p->desc, strlen(p->desc));
        }
        if (p->error) {
            strbuf_addstr(sb, "\n      ");
            strbuf_add_safe(sb, p->error, strlen(p->error));
        }
        strbuf_addch(sb, '\n');
    }
    strbuf_addf(sb, "%lld files, %lld events in %.2f s (%.0f events/s)", (long long)r->files,
                (long long)r->events, r->seconds,
                r->seconds > 0 ? (double)r->events / r->seconds : 0.0);
    if (r->hashed || r->hash_failed)
        strbuf_addf(sb, "; %lld files hashed, %lld not readable", (long long)r->hashed,
                    (long long)r->hash_failed);
    if (r->iocs_loaded)
        strbuf_addf(sb, "; %lld files match the %zu iocs", (long long)r->ioc_files, r->iocs_loaded);
    strbuf_addch(sb, '\n');
    if (lc->files)
        strbuf_addf(sb, "%lld logs parsed: %lld events, %lld parse warnings, %lld not readable\n",
                    (long long)lc->files, (long long)lc->events, (long long)lc->warnings,
                    (long long)lc->failed);
    if (r->skipped)
        strbuf_addf(sb, "incomplete: %d partition(s) failed or hit a limit (see above)\n",
                    r->skipped);
}

int
cmd_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"evidence", required_argument, NULL, 'e'},
        {"asset", required_argument, NULL, 'a'},
        {"hash-files", no_argument, NULL, 'H'},
        {"ioc", required_argument, NULL, 'I'},
        {"no-logs", no_argument, NULL, 'L'},
        {"tz", required_argument, NULL, 'z'},
        {"time-limit", required_argument, NULL, 'T'},
        {"max-events", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct cmd_ctx ctx = {0};
    struct timeline_build_opts o;
    struct timeline_build_result r;
    struct custody_err err = {0};
    struct casedb *db = NULL;
    struct strbuf sb = STRBUF_INIT;
    const char *evidence = NULL;
    char *label = NULL;
    const char *log_tz_name_opt = NULL, *asset_opt = NULL;
    struct timeline_logs *logs = NULL;
    struct timeline_logs_counts lc = {0};
    uint64_t v;
    int opt, rc, status;

    memset(&o, 0, sizeof(o));
    o.time_limit = TIMELINE_DEFAULT_TIME_LIMIT;
    o.max_events = TIMELINE_DEFAULT_MAX_EVENTS;
    while ((opt = getopt_long(argc, argv, "d:e:a:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            ctx.case_db = optarg;
            break;
        case 'e':
            evidence = optarg;
            break;
        case 'a':
            o.asset = optarg;
            break;
        case 'H':
            o.hash_files = 1;
            break;
        case 'I':
            o.ioc_path = optarg;
            break;
        case 'L':
            o.no_logs = 1;
            break;
        case 'z':
            log_tz_name_opt = optarg;
            break;
        case 'T':
        case 'M':
            if (cli_parse_u64(optarg, &v) < 0 || v == 0 || v > INT64_MAX)
                return cli_usage_error(TIMELINE_PROG " build", "invalid number '%s'", optarg);
            if (opt == 'T')
                o.time_limit = (double)v;
            else
                o.max_events = v;
            break;
        case 'j':
            ctx.json = 1;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            fputs(build_usage, stdout);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(TIMELINE_PROG " build", "invalid option");
        }
    }
    if (!evidence)
        return cli_usage_error(TIMELINE_PROG " build", "--evidence is required");
    if (optind >= argc)
        return cli_usage_error(TIMELINE_PROG " build", "no image given");
    asset_opt = o.asset;
    if ((rc = cmd_split_evidence(TIMELINE_PROG " build", evidence, &o.asset, &label)) != 0)
        return rc;
    o.evidence = label;
    o.images = (const char *const *)argv + optind;
    o.n_images = argc - optind;
    o.progress = !ctx.quiet && !ctx.json && isatty(STDERR_FILENO);
    o.argc = argc;
    o.argv = argv;
    if (!o.no_logs) { /* the log parsers read the logs found in the walk */
        if ((rc = timeline_logs_new(&logs, log_tz_name_opt, &err)) < 0) {
            free(label);
            if (o.asset != asset_opt) /* HOST/LABEL: the host was allocated */
                free((char *)o.asset);
            return rc == CUSTODY_ERR_USAGE ? cli_usage_error(TIMELINE_PROG " build", "%s", err.msg)
                                           : cmd_fail(&ctx, &err);
        }
        o.content = timeline_logs_hook(logs);
    }
    if ((rc = cmd_open_db(&ctx, &db, CASEDB_ONE_THREAD)) != 0) {
        timeline_logs_free(logs);
        free(label);
        if (o.asset != asset_opt)
            free((char *)o.asset);
        return rc;
    }
    cli_catch_interrupts();
    memset(&r, 0, sizeof(r));
    rc = timeline_build(db, &o, &r, &err);
    if (rc < 0) {
        status = cmd_fail(&ctx, &err);
        goto done;
    }
    if (logs)
        timeline_logs_get_counts(logs, &lc);
    /* a log that could not be read is an incomplete result; parse warnings are
     * stored and counted, not a failure of the build */
    status = r.skipped || lc.failed ? EXIT_NOT_OK : EXIT_CHECKED_OUT;
    if (ctx.json) {
        build_json(&sb, &r, &lc, status);
        cmd_print_json(&sb);
    } else if (!ctx.quiet) {
        build_text(&sb, &r, &lc);
        fputs(sb.buf, stdout);
    }
done:
    timeline_build_result_release(&r);
    strbuf_release(&sb);
    timeline_logs_free(logs); /* before the database: it holds statements */
    casedb_close(db);
    free(label);
    if (o.asset != asset_opt)
        free((char *)o.asset);
    return status;
}
