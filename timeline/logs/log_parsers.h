/* Private: the parser table entries, one per format file, and helpers they share. */
#ifndef CUSTODY_LOG_PARSERS_H
#define CUSTODY_LOG_PARSERS_H

#include "logs.h"

extern const struct log_parser log_parser_syslog;
extern const struct log_parser log_parser_wtmp;
extern const struct log_parser log_parser_lastlog;
extern const struct log_parser log_parser_access;
extern const struct log_parser log_parser_errorlog;
extern const struct log_parser log_parser_dpkg;
extern const struct log_parser log_parser_apt;
extern const struct log_parser log_parser_yum;
extern const struct log_parser log_parser_audit;
extern const struct log_parser log_parser_bash;
extern const struct log_parser log_parser_vsftpd;

/* The file name without directories, compression suffix (.gz .bz2 .xz) and
 * rotation number (.1, -20240101), written to buf. */
const char *log_base_name(char *buf, size_t size, const char *name);

/* Fill in action, user, ip, port, path and source of a syslog record from the
 * message of an auth-relevant program (sshd, sudo, su, useradd, cron, ...).
 * extra receives "key":value JSON pairs. Returns 1 when it classified the record. */
struct strbuf;
int log_auth_classify(struct log_event *ev, struct strbuf *extra);

#endif
