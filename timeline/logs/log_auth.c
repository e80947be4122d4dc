/* Authentication and cron events inside syslog records: sshd logins, sudo
 * commands, su, user and group creation, PAM sessions, logind sessions, cron jobs.
 * Only well-known message shapes are classified; anything else stays a plain
 * "message" so nothing is lost. User names are attacker-chosen (an sshd "invalid
 * user" can contain " from "), so fields are found from the right where it matters. */
#include <string.h>

#include "log_parsers.h"
#include "strbuf.h"

struct cur {
    const char *p, *end;
};

static int
eat(struct cur *c, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n))
        return 0;
    c->p += n;
    return 1;
}

/* Last occurrence of lit in [p, end). */
static const char *
rfind(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    const char *best = NULL, *q = p;

    while ((size_t)(end - q) >= n && (q = memmem(q, (size_t)(end - q), lit, n)) != NULL) {
        best = q;
        q++;
    }
    return best;
}

static int64_t
number(const char *p, const char *end)
{
    int64_t v = 0;
    int any = 0;

    while (p < end && *p >= '0' && *p <= '9' && v < 100000000) {
        v = v * 10 + (*p++ - '0');
        any = 1;
    }
    return any ? v : -1;
}

/* "USER from IP port PORT..." (port optional). */
static int
user_from(struct log_event *ev, const char *p, const char *end, struct strbuf *extra)
{
    const char *from, *portp, *ipend;

    if (!(from = rfind(p, end, " from ")))
        return 0;
    ev->user = log_str_make(p, (size_t)(from - p));
    from += 6;
    portp = rfind(from, end, " port ");
    ipend = from;
    while (ipend < end && *ipend != ' ')
        ipend++;
    ev->ip = log_str_make(from, (size_t)(ipend - from));
    if (portp && portp == ipend) {
        const char *q = portp + 6, *qe = q;
        ev->port = number(q, end);
        while (qe < end && *qe >= '0' && *qe <= '9')
            qe++;
        while (qe < end && *qe == ' ')
            qe++;
        if (qe < end && extra)
            log_extra_str(extra, "detail", qe, (size_t)(end - qe));
    }
    return 1;
}

/* "IP port PORT" */
static void
ip_port(struct log_event *ev, const char *p, const char *end)
{
    const char *q = p;

    while (q < end && *q != ' ')
        q++;
    ev->ip = log_str_make(p, (size_t)(q - p));
    if (end - q > 6 && !memcmp(q, " port ", 6))
        ev->port = number(q + 6, end);
}

static int
sshd(struct log_event *ev, struct cur c, struct strbuf *extra)
{
    const char *meth;

    if (eat(&c, "Accepted ")) {
        meth = c.p;
        while (c.p < c.end && *c.p != ' ')
            c.p++;
        log_extra_str(extra, "method", meth, (size_t)(c.p - meth));
        if (!eat(&c, " for "))
            return 0;
        ev->action = "ssh-login-success";
        return user_from(ev, c.p, c.end, extra);
    }
    if (eat(&c, "Failed ")) {
        meth = c.p;
        while (c.p < c.end && *c.p != ' ')
            c.p++;
        log_extra_str(extra, "method", meth, (size_t)(c.p - meth));
        if (!eat(&c, " for "))
            return 0;
        if (eat(&c, "invalid user "))
            log_extra_int(extra, "invalid_user", 1);
        ev->action = "ssh-login-failure";
        return user_from(ev, c.p, c.end, extra);
    }
    if (eat(&c, "Invalid user ")) {
        ev->action = "ssh-invalid-user";
        return user_from(ev, c.p, c.end, NULL);
    }
    if (eat(&c, "Did not receive identification string from ")) {
        ev->action = "ssh-no-identification";
        ip_port(ev, c.p, c.end);
        return 1;
    }
    if (eat(&c, "Connection from ")) {
        ev->action = "ssh-connection";
        ip_port(ev, c.p, c.end);
        return 1;
    }
    if (eat(&c, "Connection closed by ") || eat(&c, "Disconnected from ")) {
        ev->action = "ssh-disconnect";
        if (eat(&c, "authenticating user ") || eat(&c, "invalid user ") || eat(&c, "user ")) {
            const char *sp = rfind(c.p, c.end, " port ");
            const char *ipstart = sp;
            while (ipstart && ipstart > c.p && ipstart[-1] != ' ')
                ipstart--;
            if (!sp || ipstart <= c.p)
                return 1;
            ev->user = log_str_make(c.p, (size_t)(ipstart - 1 - c.p));
            ip_port(ev, ipstart, c.end);
            return 1;
        }
        ip_port(ev, c.p, c.end);
        return 1;
    }
    if (eat(&c, "Received disconnect from ")) {
        ev->action = "ssh-disconnect";
        ip_port(ev, c.p, c.end);
        return 1;
    }
    if (eat(&c, "Server listening on ")) {
        ev->action = "ssh-server-listening";
        ip_port(ev, c.p, c.end);
        return 1;
    }
    return 0;
}

/* "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls" */
static int
sudo(struct log_event *ev, struct cur c, struct strbuf *extra)
{
    const char *colon = memmem(c.p, (size_t)(c.end - c.p), " : ", 3), *q, *cmd;
    const char *u = c.p;

    if (!colon)
        return 0;
    while (u < colon && *u == ' ')
        u++;
    ev->user = log_str_make(u, (size_t)(colon - u));
    q = colon + 3;
    ev->action = "sudo-command";
    if (!(q + 4 <= c.end && !memcmp(q, "TTY=", 4)) && !(q + 4 <= c.end && !memcmp(q, "PWD=", 4))) {
        const char *semi = memmem(q, (size_t)(c.end - q), " ; ", 3);
        ev->action = "sudo-denied";
        log_extra_str(extra, "reason", q, semi ? (size_t)(semi - q) : (size_t)(c.end - q));
    }
    if ((cmd = memmem(q, (size_t)(c.end - q), "COMMAND=", 8)) != NULL)
        ev->path = log_str_make(cmd + 8, (size_t)(c.end - cmd - 8));
    else
        cmd = c.end;
    static const char *const keys[] = {"TTY=", "PWD=", "USER="};
    static const char *const names[] = {"tty", "pwd", "run_as"};
    for (int i = 0; i < 3; i++) {
        const char *k = memmem(q, (size_t)(cmd - q), keys[i], strlen(keys[i]));
        if (!k || (k > q && k[-1] != ' '))
            continue;
        k += strlen(keys[i]);
        const char *ke = memmem(k, (size_t)(cmd - k), " ; ", 3);
        log_extra_str(extra, names[i], k, ke ? (size_t)(ke - k) : (size_t)(cmd - k));
    }
    return 1;
}

/* "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)" */
static int
pam(struct log_event *ev, struct cur c, struct strbuf *extra)
{
    const char *svc = c.p, *q;

    while (c.p < c.end && *c.p != '(')
        c.p++;
    if (!eat(&c, "("))
        return 0;
    svc = c.p;
    while (c.p < c.end && *c.p != ')')
        c.p++;
    log_extra_str(extra, "pam_service", svc, (size_t)(c.p - svc));
    if (!eat(&c, "): "))
        return 0;
    int opened = eat(&c, "session opened for user ");
    if (opened || eat(&c, "session closed for user ")) {
        ev->action = opened ? "session-open" : "session-close";
        q = c.p;
        while (q < c.end && *q != '(' && *q != ' ')
            q++;
        ev->user = log_str_make(c.p, (size_t)(q - c.p));
        if ((q = memmem(q, (size_t)(c.end - q), " by ", 4)) != NULL) {
            const char *b = q + 4, *be = b;
            while (be < c.end && *be != '(' && *be != ' ')
                be++;
            if (be > b)
                log_extra_str(extra, "by", b, (size_t)(be - b));
        }
        return 1;
    }
    if (eat(&c, "authentication failure;")) {
        ev->action = "auth-failure";
        const char *r = memmem(c.p, (size_t)(c.end - c.p), "rhost=", 6);
        const char *u = rfind(c.p, c.end, " user=");
        if (r) {
            const char *re = r + 6;
            while (re < c.end && *re != ' ')
                re++;
            if (re > r + 6)
                ev->ip = log_str_make(r + 6, (size_t)(re - r - 6));
        }
        if (u)
            ev->user = log_str_make(u + 6, (size_t)(c.end - u - 6));
        return 1;
    }
    if (eat(&c, "password changed for ")) {
        ev->action = "password-changed";
        ev->user = log_str_make(c.p, (size_t)(c.end - c.p));
        return 1;
    }
    return 0;
}

/* "new user: name=backup2, UID=1001, ..." / "new group: name=apache, GID=48" */
static int
account(struct log_event *ev, struct cur c)
{
    const char *q;

    if (eat(&c, "new user: name="))
        ev->action = "user-added";
    else if (eat(&c, "new group: name="))
        ev->action = "group-added";
    else if (eat(&c, "delete user '"))
        ev->action = "user-deleted";
    else if (eat(&c, "group added to /etc/group: name="))
        ev->action = "group-added";
    else
        return 0;
    q = c.p;
    while (q < c.end && *q != ',' && *q != '\'')
        q++;
    ev->user = log_str_make(c.p, (size_t)(q - c.p));
    return 1;
}

static int
su(struct log_event *ev, struct cur c)
{
    const char *by;

    int failed = eat(&c, "FAILED su for ");
    if (failed || eat(&c, "Successful su for ")) {
        ev->action = failed ? "su-failure" : "su";
        if (c.end - c.p > 0 && (by = rfind(c.p, c.end, " by ")) != NULL) {
            ev->user = log_str_make(by + 4, (size_t)(c.end - by - 4));
            ev->path = log_str_make(c.p, (size_t)(by - c.p));
        }
        return 1;
    }
    if (eat(&c, "(to ")) { /* "(to root) alice on pts/0" */
        const char *q = memchr(c.p, ')', (size_t)(c.end - c.p));
        if (!q)
            return 0;
        ev->action = "su";
        ev->path = log_str_make(c.p, (size_t)(q - c.p));
        q += q + 1 < c.end ? 2 : 1;
        const char *on = rfind(q, c.end, " on ");
        ev->user = log_str_make(q, on ? (size_t)(on - q) : (size_t)(c.end - q));
        return 1;
    }
    return 0;
}

static int
logind(struct log_event *ev, struct cur c, struct strbuf *extra)
{
    const char *q;

    if (eat(&c, "New session ")) {
        q = memmem(c.p, (size_t)(c.end - c.p), " of user ", 9);
        if (!q)
            return 0;
        ev->action = "session-open";
        log_extra_str(extra, "session", c.p, (size_t)(q - c.p));
        q += 9;
        const char *e = c.end;
        if (e > q && e[-1] == '.')
            e--;
        ev->user = log_str_make(q, (size_t)(e - q));
        return 1;
    }
    if (eat(&c, "Removed session ")) {
        const char *e = c.end;
        if (e > c.p && e[-1] == '.')
            e--;
        ev->action = "session-close";
        log_extra_str(extra, "session", c.p, (size_t)(e - c.p));
        return 1;
    }
    return 0;
}

/* "(root) CMD (touch /tmp/afile.txt)" */
static int
cron(struct log_event *ev, struct cur c)
{
    const char *q;

    if (!eat(&c, "("))
        return 0;
    q = memchr(c.p, ')', (size_t)(c.end - c.p));
    if (!q)
        return 0;
    struct log_str user = log_str_make(c.p, (size_t)(q - c.p));
    c.p = q + 1;
    if (!eat(&c, " CMD ("))
        return 0;
    ev->user = user;
    ev->action = "cron-command";
    q = c.end;
    if (q > c.p && q[-1] == ')')
        q--;
    ev->path = log_str_make(c.p, (size_t)(q - c.p));
    return 1;
}

static int
prog_is(const struct log_event *ev, const char *name)
{
    size_t n = strlen(name);
    const char *p = ev->program.p;
    size_t pn = ev->program.n;
    const char *slash = p ? memrchr(p, '/', pn) : NULL;

    if (slash) { /* "/usr/sbin/cron" */
        pn -= (size_t)(slash + 1 - p);
        p = slash + 1;
    }
    return p && pn == n && !strncasecmp(p, name, n);
}

int
log_auth_classify(struct log_event *ev, struct strbuf *extra)
{
    struct cur c = {ev->message.p, ev->message.p + ev->message.n};
    int ok = 0;

    if (!ev->program.p || !ev->message.p)
        return 0;
    if (prog_is(ev, "cron") || prog_is(ev, "crond") || prog_is(ev, "anacron")) {
        ev->source = "cron";
        if (eat(&c, "pam_unix"))
            return pam(ev, c, extra);
        return cron(ev, c);
    }
    if (c.end - c.p > 8 && !memcmp(c.p, "pam_unix", 8))
        ok = pam(ev, c, extra);
    else if (prog_is(ev, "sshd"))
        ok = sshd(ev, c, extra);
    else if (prog_is(ev, "sudo"))
        ok = sudo(ev, c, extra);
    else if (prog_is(ev, "su"))
        ok = su(ev, c);
    else if (prog_is(ev, "useradd") || prog_is(ev, "groupadd") || prog_is(ev, "userdel") ||
             prog_is(ev, "adduser"))
        ok = account(ev, c);
    else if (prog_is(ev, "systemd-logind"))
        ok = logind(ev, c, extra);
    if (prog_is(ev, "sshd") || prog_is(ev, "sudo") || prog_is(ev, "su") || prog_is(ev, "login") ||
        prog_is(ev, "useradd") || prog_is(ev, "groupadd") || prog_is(ev, "userdel") ||
        prog_is(ev, "usermod") || prog_is(ev, "passwd") || prog_is(ev, "systemd-logind") || ok)
        ev->source = "auth";
    return ok;
}
