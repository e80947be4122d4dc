/* custody-timeline ingest: options, one call into the log library, the report. */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "cli.h"
#include "json.h"
#include "log_ingest.h"

#define PROG "custody-timeline ingest"

static const char usage[] =
    "Usage: custody-timeline ingest --case-db CASE.db --evidence [HOST/]LABEL [options] FILE...\n"
    "\n"
    "Parse server logs collected outside an image into the case's timeline:\n"
    "syslog (RFC 3164/3339/5424, forward formats), auth.log/secure, cron,\n"
    "wtmp/btmp/utmp, lastlog, Apache/nginx access and error logs, dpkg.log, apt\n"
    "history.log, yum/dnf, audit.log, vsftpd.log, .bash_history; .gz, .bz2 and .xz\n"
    "are decompressed. Loading the same file again replaces its earlier events.\n"
    "\n"
    "Options:\n"
    "  -d, --case-db CASE.db  the case database (default: $CUSTODY_CASE_DB)\n"
    "  -e, --evidence [HOST/]LABEL\n"
    "                         evidence item the logs belong to\n"
    "  -a, --asset HOST       its server; creates the evidence item when missing\n"
    "  -t, --type TYPE        parser to use instead of sniffing (see --list-types)\n"
    "  -z, --tz ZONE          zone of times that carry none: UTC (default), +05:30,\n"
    "                         or a tz database name such as Europe/Berlin\n"
    "  -n, --dry-run          parse and count only; nothing is stored (no --case-db\n"
    "                         or --evidence needed)\n"
    "      --threads N        1: parse and load on one thread; 2: parse files of\n"
    "                         1 MiB or more on a second thread meanwhile (default:\n"
    "                         2 when a core is idle, else 1; the rows are the same)\n"
    "      --list-types       list the parsers and exit\n"
    "  -j, --json             one JSON document on stdout\n"
    "  -q, --quiet            no per-file lines\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show versions\n"
    "\n"
    "Exit status: 0 every file parsed cleanly, 1 some lines or files could not be\n"
    "parsed (counted and stored as parse warnings), 2 could not do the job.\n";

struct report {
    int json, quiet;
    struct json_writer *w;
};

static void
file_done(void *arg, const char *file, const struct log_ingest_result *res,
          const struct custody_err *ferr)
{
    struct report *r = arg;
    struct strbuf sb = STRBUF_INIT;

    if (r->json) {
        json_begin_object(r->w);
        json_kv_bytes(r->w, "file", file, strlen(file));
        if (res) {
            json_kv_str(r->w, "type", res->type);
            json_kv_str(r->w, "status", res->status);
            json_kv_uint(r->w, "lines", res->lines);
            json_kv_uint(r->w, "events", res->events);
            json_kv_uint(r->w, "warnings", res->warnings);
            json_kv_bool(r->w, "damaged", res->damaged);
            json_kv_int(r->w, "log_source_id", res->source_id);
            if (res->error[0])
                json_kv_str(r->w, "error", res->error);
        } else {
            json_kv_str(r->w, "status", "error");
            json_kv_str(r->w, "error", ferr->msg);
        }
        json_end_object(r->w);
        return;
    }
    strbuf_add_safe(&sb, file, strlen(file));
    if (!res) {
        struct strbuf m = STRBUF_INIT;
        strbuf_add_safe(&m, ferr->msg, strlen(ferr->msg));
        fprintf(stderr, "%s: %s\n", PROG, m.buf);
        strbuf_release(&m);
    } else if (res->error[0]) {
        struct strbuf m = STRBUF_INIT;
        strbuf_add_safe(&m, res->error, strlen(res->error));
        fprintf(stderr, "%s: %s: %s\n", PROG, sb.buf, m.buf);
        strbuf_release(&m);
    } else if (!r->quiet) {
        printf("%s: %s, %llu lines, %llu events, %llu warnings%s\n", sb.buf, res->type,
               (unsigned long long)res->lines, (unsigned long long)res->events,
               (unsigned long long)res->warnings, res->damaged ? ", damaged (partial)" : "");
    }
    strbuf_release(&sb);
}

int
cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"case-db", required_argument, NULL, 'd'},
        {"evidence", required_argument, NULL, 'e'},
        {"asset", required_argument, NULL, 'a'},
        {"type", required_argument, NULL, 't'},
        {"tz", required_argument, NULL, 'z'},
        {"list-types", no_argument, NULL, 'L'},
        {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"threads", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    struct log_ingest_request req;
    struct log_ingest_summary sum;
    struct custody_err err = {0};
    struct strbuf out = STRBUF_INIT;
    struct json_writer w;
    struct report r = {0, 0, &w};
    char *label = NULL;
    const char *asset_opt;
    int c, rc, status;

    memset(&req, 0, sizeof(req));
    req.argc = argc;
    req.argv = argv;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:e:a:t:z:njqhV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            req.case_db = optarg;
            break;
        case 'e':
            req.evidence = optarg;
            break;
        case 'a':
            req.asset = optarg;
            break;
        case 't':
            req.type = optarg;
            break;
        case 'z':
            req.tz = optarg;
            break;
        case 'n':
            req.dry_run = 1;
            break;
        case 'T':
            if (!strcmp(optarg, "1"))
                req.threads = 1;
            else if (!strcmp(optarg, "2"))
                req.threads = 2;
            else
                return cli_usage_error(PROG, "--threads takes 1 or 2");
            break;
        case 'L':
            for (const struct log_parser *const *p = log_parsers(); *p; p++)
                printf("%s\n", (*p)->type);
            return EXIT_CHECKED_OUT;
        case 'j':
            r.json = 1;
            break;
        case 'q':
            r.quiet = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_CHECKED_OUT;
        case 'V':
            cli_versions(&out, "custody-timeline", casedb_sqlite_version());
            fputs(out.buf, stdout);
            strbuf_release(&out);
            return EXIT_CHECKED_OUT;
        default:
            return cli_usage_error(PROG, "bad option");
        }
    }
    if (!req.case_db)
        req.case_db = getenv("CUSTODY_CASE_DB");
    if (!req.dry_run && (!req.case_db || !*req.case_db))
        return cli_usage_error(PROG, "no case database: give --case-db CASE.db");
    if (!req.dry_run && !req.evidence)
        return cli_usage_error(PROG, "no evidence: give --evidence [HOST/]LABEL");
    if (!req.evidence)
        req.evidence = "-";
    asset_opt = req.asset;
    if ((rc = cmd_split_evidence(PROG, req.evidence, &req.asset, &label)) != 0)
        return rc;
    req.evidence = label;
    if (optind >= argc)
        return cli_usage_error(PROG, "no log files given");
    req.files = argv + optind;
    req.nfiles = argc - optind;
    cli_catch_interrupts();
    if (r.json) {
        json_init(&w, &out, 0);
        json_begin_object(&w);
        json_key(&w, "files");
        json_begin_array(&w);
    }
    rc = log_ingest_files(&sum, &req, file_done, &r, &err);
    status = rc < 0 ? EXIT_FAILED : (sum.failed || sum.partial ? EXIT_NOT_OK : EXIT_CHECKED_OUT);
    if (r.json) {
        json_end_array(&w);
        json_kv_bool(&w, "ok", status == EXIT_CHECKED_OUT);
        json_kv_int(&w, "exit_status", status);
        json_kv_int(&w, "evidence_id", sum.evidence_id);
        json_kv_bool(&w, "evidence_created", sum.evidence_created);
        json_kv_uint(&w, "files", sum.files);
        json_kv_uint(&w, "events", sum.events);
        json_kv_uint(&w, "warnings", sum.warnings);
        json_kv_uint(&w, "partial", sum.partial);
        json_kv_uint(&w, "failed", sum.failed);
        if (rc < 0)
            json_kv_str(&w, "error", err.msg);
        json_end_object(&w);
        fwrite(out.buf, 1, out.len, stdout);
        fputc('\n', stdout);
    } else if (rc == 0 && !r.quiet) {
        printf("%llu files, %llu events, %llu warnings, %llu partial, %llu failed\n",
               (unsigned long long)sum.files, (unsigned long long)sum.events,
               (unsigned long long)sum.warnings, (unsigned long long)sum.partial,
               (unsigned long long)sum.failed);
    }
    if (rc < 0) {
        struct strbuf m = STRBUF_INIT;
        strbuf_add_safe(&m, err.msg, strlen(err.msg));
        fprintf(stderr, "%s: %s\n", PROG, m.buf);
        strbuf_release(&m);
        if (rc == CUSTODY_ERR_USAGE && !r.json)
            fprintf(stderr, "Try 'custody-timeline ingest --help' for more information.\n");
    }
    strbuf_release(&out);
    free(label);
    if (req.asset != asset_opt) /* HOST/LABEL: cmd_split_evidence allocated the host */
        free((char *)req.asset);
    return status;
}
