/*
 * aws.c - AWS credentials, region and endpoints for SigV4-signed backends,
 * resolved in the AWS CLI's order (see aws.h for the order and why).
 *
 * This file reads the environment and the files and runs credential_process
 * (posix_spawn of /bin/sh -c, output on a pipe, never the C library's
 * system()); the pure readers (INI through libinih, the helper's JSON,
 * times) are in aws_parse.c. Secrets never reach a message or the log, and
 * are wiped before their memory is freed.
 */
#include "mldeck/aws.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws_int.h"

/* How long credential_process may take (an SSO helper may refresh a token first). */
#define AWS_PROCESS_TIMEOUT_MS 30000
/* Bytes of credential_process stderr quoted in a message. */
#define AWS_STDERR_MAX 160

extern char **environ;

/* ---- small helpers ---------------------------------------------------------------------- */

/* getenv() that reads an empty variable as unset, as botocore does. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Set and not "": AWS tools read an empty setting as an absent one. */
static bool nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* A name fit to quote in a message: cleaned, at most 64 bytes (whole UTF-8 characters). */
static void quote_name(char *buf, size_t n, const char *s)
{
    /* a character cut in half becomes '?' in md_sanitize() */
    snprintf(buf, n, "%.64s", s != NULL ? s : "");
    md_sanitize(buf);
}

/* ---- files ------------------------------------------------------------------------------ */

/* The home directory: $HOME, else the password database; NULL when neither says. */
static const char *home_dir(void)
{
    const char *h = env("HOME");
    if (h != NULL)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_dir : NULL;
}

/* The path in variable `var`, else ~/.aws/<file>; a leading "~/" is expanded. free(). */
static char *aws_path(const char *var, const char *file)
{
    const char *v = env(var);
    const char *home = home_dir();
    if (v != NULL && v[0] == '~' && (v[1] == '/' || v[1] == '\0') && home != NULL)
        return md_xasprintf("%s%s", home, v + 1);
    if (v != NULL)
        return md_xstrdup(v);
    return md_xasprintf("%s/.aws/%s", home != NULL ? home : ".", file);
}

/* Read a whole file under the cap. MD_ERR_NOT_FOUND when it does not exist. */
static md_status read_file(const char *path, char **out, size_t *len, struct md_err *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return MD_ERR_NOT_FOUND;
        return md_err_set(err, MD_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    struct md_buf b;
    md_buf_init(&b, AWS_MAX_FILE);
    char chunk[4096];
    md_status st = MD_OK;
    size_t n;
    while (st == MD_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        st = md_buf_add(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    explicit_bzero(chunk, sizeof(chunk));
    if (st == MD_OK && bad)
        st = md_err_set(err, MD_ERR_IO, "cannot read '%s'", path);
    else if (st != MD_OK)
        st = md_err_set(err, st, "cannot read '%s': larger than %zu bytes", path, AWS_MAX_FILE);
    if (st != MD_OK) {
        if (b.data != NULL)
            explicit_bzero(b.data, b.len);
        md_buf_release(&b);
        return st;
    }
    *out = md_buf_detach(&b, len);
    if (*out == NULL)
        *out = md_xstrdup("");
    return MD_OK;
}

/* Load profile `name` from `path`; a missing file is an empty profile. */
static md_status load_profile(const char *path, const char *name, bool config_style,
                              struct md_aws_profile *out, struct md_err *err)
{
    char *text = NULL;
    size_t len = 0;
    md_status st = read_file(path, &text, &len, err);
    if (st == MD_ERR_NOT_FOUND)
        return md_aws_profile_parse("", 0, name, config_style, out, NULL, err);
    if (st != MD_OK)
        return st;
    int line = 0;
    struct md_err perr = MD_ERR_INIT;
    st = md_aws_profile_parse(text, len, name, config_style, out, &line, &perr);
    explicit_bzero(text, len);
    free(text);
    if (st != MD_OK)
        return md_err_set(err, st, "cannot read AWS %s file '%s': %s",
                          config_style ? "config" : "credentials", path, perr.msg);
    return MD_OK;
}

/* ---- credential_process ----------------------------------------------------------------- */

/* Drain what is readable on fd into b (stdout) or the first bytes of b (stderr). */
static bool drain(int fd, struct md_buf *b, bool keep_all, bool *too_big)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return false;
    if (keep_all) {
        if (md_buf_add(b, chunk, (size_t)n) != MD_OK)
            *too_big = true;
    } else if (b->len < AWS_STDERR_MAX * 2) {
        md_buf_add(b, chunk, (size_t)n);
    }
    explicit_bzero(chunk, sizeof(chunk));
    return !*too_big;
}

/* The first line of a helper's stderr, cleaned and clipped, for a message. */
static void first_line(const struct md_buf *b, char *buf, size_t n)
{
    size_t i = 0;
    const char *s = b->data != NULL ? b->data : "";
    while (i < b->len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    size_t j = i;
    while (j < b->len && s[j] != '\n' && s[j] != '\r' && j - i < AWS_STDERR_MAX)
        j++;
    snprintf(buf, n, "%.*s", (int)(j - i), s + i);
    md_sanitize(buf);
}

/*
 * Run `cmd` through /bin/sh -c with stdin from /dev/null, collect stdout
 * (capped) and the start of stderr, within AWS_PROCESS_TIMEOUT_MS. The
 * child is killed (by its own pid) when it overruns.
 */
static md_status run_process(const char *cmd, const char *who, struct md_buf *out,
                             struct md_err *err)
{
    int po[2] = {-1, -1};
    int pe[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0)
                close(po[i]);
            if (pe[i] >= 0)
                close(pe[i]);
        }
        return md_err_set(err, MD_ERR_AUTH, "cannot run credential_process of %s: %s", who,
                          strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    char sh[] = "sh";
    char dash_c[] = "-c";
    char *cmd_copy = md_xstrdup(cmd);
    char *argv[] = {sh, dash_c, cmd_copy, NULL};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    aws_free_secret(cmd_copy);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        return md_err_set(err, MD_ERR_AUTH, "cannot run credential_process of %s: %s", who,
                          strerror(rc));
    }

    struct md_buf errb;
    md_buf_init(&errb, 0);
    bool too_big = false;
    bool open_out = true;
    bool open_err = true;
    bool timed_out = false;
    int64_t deadline = md_mono_ms() + AWS_PROCESS_TIMEOUT_MS;
    while ((open_out || open_err) && !too_big) {
        int64_t left = deadline - md_mono_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd fds[2] = {{open_out ? po[0] : -1, POLLIN, 0},
                                {open_err ? pe[0] : -1, POLLIN, 0}};
        int n = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (open_out && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            open_out = drain(po[0], out, true, &too_big);
        if (open_err && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            open_err = drain(pe[0], &errb, false, &too_big);
    }
    close(po[0]);
    close(pe[0]);
    if (timed_out || too_big)
        kill(pid, SIGKILL);
    int status = 0;
    pid_t w;
    do {
        w = waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);

    char line[AWS_STDERR_MAX + 8];
    first_line(&errb, line, sizeof(line));
    md_buf_release(&errb);
    md_status st = MD_OK;
    if (timed_out)
        st = md_err_set(err, MD_ERR_AUTH, "credential_process of %s did not finish within %d s",
                        who, AWS_PROCESS_TIMEOUT_MS / 1000);
    else if (too_big)
        st = md_err_set(err, MD_ERR_AUTH, "credential_process of %s wrote more than %zu bytes", who,
                        AWS_MAX_FILE);
    else if (w == pid && WIFSIGNALED(status))
        st = md_err_set(err, MD_ERR_AUTH, "credential_process of %s was killed by signal %d%s%s",
                        who, WTERMSIG(status), line[0] ? ": " : "", line);
    else if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        st = md_err_set(err, MD_ERR_AUTH, "credential_process of %s failed (exit status %d)%s%s",
                        who, WEXITSTATUS(status), line[0] ? ": " : "", line);
    /* w < 0 (ECHILD: someone reaps children for us): judge by the output alone */
    return st;
}

/* Run a profile's credential_process and read its keys. */
static md_status process_creds(const char *cmd, const char *who, struct md_aws_creds *out,
                               struct md_err *err)
{
    struct md_buf b;
    md_buf_init(&b, AWS_MAX_FILE);
    md_status st = run_process(cmd, who, &b, err);
    if (st == MD_OK) {
        struct md_err perr = MD_ERR_INIT;
        st = md_aws_process_output(b.data != NULL ? b.data : "", b.len, md_now_ms(), out, &perr);
        if (st != MD_OK)
            md_err_set(err, st, "credential_process of %s: %s", who, perr.msg);
    }
    if (b.data != NULL)
        explicit_bzero(b.data, b.len);
    md_buf_release(&b);
    return st;
}

/* ---- endpoints and region --------------------------------------------------------------- */

static const char *const signing_names[MD_AWS_SERVICE_COUNT] = {"sagemaker", "monitoring", "s3"};
static const char *const endpoint_vars[MD_AWS_SERVICE_COUNT] = {
    "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_S3"};
static const char *const host_prefixes[MD_AWS_SERVICE_COUNT] = {"api.sagemaker", "monitoring",
                                                                "s3"};

const char *md_aws_signing_name(enum md_aws_service s)
{
    return (unsigned)s < MD_AWS_SERVICE_COUNT ? signing_names[s] : "?";
}

char *md_aws_sigv4_param(const struct md_aws *a, enum md_aws_service s)
{
    return md_xasprintf("aws:amz:%s:%s", a->region, md_aws_signing_name(s));
}

/* Region names are lower-case letters, digits and dashes ("eu-west-1"). */
static bool region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 40 || r[0] == '-' || r[n - 1] == '-')
        return false;
    return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* An http(s) URL without credentials or blanks, trailing '/' cut (free()); NULL when bad. */
static char *endpoint_clean(const char *url)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0)
        return NULL;
    const char *host = url + (https ? 8 : 7);
    size_t auth = strcspn(host, "/?#");
    if (auth == 0 || memchr(host, '@', auth) != NULL)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f)
            return NULL;
    }
    char *s = md_xstrdup(url);
    size_t n = strlen(s);
    while (n > (size_t)(host - url) + auth && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

/* ---- resolution ------------------------------------------------------------------------- */

/* Environment keys belong to no profile: say where they came from instead. */
const char *md_aws_who(const struct md_aws *a, char *buf, size_t n)
{
    char q[80];
    if (a->source == MD_AWS_SRC_ENV) {
        snprintf(buf, n, "the AWS_* environment credentials");
    } else {
        quote_name(q, sizeof(q), a->profile);
        snprintf(buf, n, "profile '%s'", q);
    }
    return buf;
}

bool md_aws_expiring(const struct md_aws *a, int64_t now_ms, int64_t margin_ms)
{
    return a->creds.expires_ms != 0 && now_ms + margin_ms >= a->creds.expires_ms;
}

void md_aws_release(struct md_aws *a)
{
    if (a == NULL)
        return;
    free(a->profile);
    free(a->region);
    for (int i = 0; i < MD_AWS_SERVICE_COUNT; i++)
        free(a->endpoints[i]);
    md_aws_creds_release(&a->creds);
    free(a->source_file);
    aws_free_secret(a->credential_process);
    memset(a, 0, sizeof(*a));
}

/* Resolution state: the two files' views of the profile and where they live. */
struct resolve {
    const struct md_aws_opts *opts;
    char who[96]; /* "profile 'x'" */
    char *cred_path;
    char *conf_path;
    struct md_aws_profile cred; /* [x] in the credentials file */
    struct md_aws_profile conf; /* [profile x] in the config file */
};

/* Merged view, as botocore builds it: the credentials file wins key by key. */
static const char *merged(const char *cred_val, const char *conf_val)
{
    return nonempty(cred_val) ? cred_val : conf_val;
}

/* Keys from the environment; MD_ERR_NOT_FOUND when none are set. */
static md_status env_creds(struct md_aws *a, struct md_err *err)
{
    const char *id = env("AWS_ACCESS_KEY_ID");
    const char *secret = env("AWS_SECRET_ACCESS_KEY");
    if (id == NULL && secret == NULL)
        return MD_ERR_NOT_FOUND;
    if (id == NULL || secret == NULL)
        return md_err_set(err, MD_ERR_AUTH,
                          "cannot use the AWS_* environment credentials: %s "
                          "is set but %s is not",
                          id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                          id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    const char *tok = env("AWS_SESSION_TOKEN");
    if (tok == NULL)
        tok = env("AWS_SECURITY_TOKEN");
    if (!aws_secret_ok(id) || !aws_secret_ok(secret) || (tok != NULL && !aws_secret_ok(tok)))
        return md_err_set(err, MD_ERR_AUTH,
                          "cannot use the AWS_* environment credentials: "
                          "they hold blanks or control characters");
    int64_t exp = 0;
    const char *exp_s = env("AWS_CREDENTIAL_EXPIRATION");
    if (exp_s != NULL && md_aws_parse_time(exp_s, &exp) != MD_OK)
        return md_err_set(err, MD_ERR_AUTH,
                          "cannot use the AWS_* environment credentials: "
                          "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
    a->creds.access_key_id = md_xstrdup(id);
    a->creds.secret_access_key = md_xstrdup(secret);
    a->creds.session_token = md_xstrdup(tok != NULL ? tok : "");
    a->creds.expires_ms = exp;
    a->source = MD_AWS_SRC_ENV;
    a->source_file = md_xstrdup("");
    return MD_OK;
}

/* Static keys of one file's profile into `a`. */
static md_status static_creds(struct md_aws *a, const struct md_aws_profile *p, const char *path,
                              enum md_aws_source src, const char *who, struct md_err *err)
{
    if (!nonempty(p->secret_access_key))
        return md_err_set(err, MD_ERR_AUTH,
                          "cannot load credentials of %s: '%s' has "
                          "aws_access_key_id but no aws_secret_access_key",
                          who, path);
    if (!aws_secret_ok(p->access_key_id) || !aws_secret_ok(p->secret_access_key) ||
        !aws_secret_ok(p->session_token))
        return md_err_set(err, MD_ERR_AUTH,
                          "cannot load credentials of %s: the keys in '%s' "
                          "hold blanks or control characters",
                          who, path);
    a->creds.access_key_id = md_xstrdup(p->access_key_id);
    a->creds.secret_access_key = md_xstrdup(p->secret_access_key);
    a->creds.session_token = md_xstrdup(p->session_token);
    a->creds.expires_ms = 0;
    a->source = src;
    a->source_file = md_xstrdup(path);
    return MD_OK;
}

/* Keys from the profile: credentials file, credential_process, config file. */
static md_status profile_creds(struct md_aws *a, struct resolve *r, bool named, struct md_err *err)
{
    const char *bad = r->cred.unsupported != NULL ? r->cred.unsupported : r->conf.unsupported;
    if (bad != NULL) {
        char q[80];
        quote_name(q, sizeof(q), a->profile);
        return md_err_set(err, MD_ERR_CONFIG,
                          "cannot load credentials of %s: it uses '%s' (assume-role, SSO or web "
                          "identity), which mldeck does not resolve; add credential_process = "
                          "aws configure export-credentials --profile %s --format process",
                          r->who, bad, q);
    }
    if (nonempty(r->cred.access_key_id))
        return static_creds(a, &r->cred, r->cred_path, MD_AWS_SRC_CREDENTIALS_FILE, r->who, err);
    const char *proc = merged(r->cred.credential_process, r->conf.credential_process);
    if (nonempty(proc)) {
        md_status st = process_creds(proc, r->who, &a->creds, err);
        if (st != MD_OK)
            return st;
        a->source = MD_AWS_SRC_PROCESS;
        a->source_file =
            md_xstrdup(nonempty(r->cred.credential_process) ? r->cred_path : r->conf_path);
        a->credential_process = md_xstrdup(proc);
        return MD_OK;
    }
    if (nonempty(r->conf.access_key_id))
        return static_creds(a, &r->conf, r->conf_path, MD_AWS_SRC_CONFIG_FILE, r->who, err);
    if (!r->cred.found && !r->conf.found) {
        if (named)
            return md_err_set(err, MD_ERR_CONFIG,
                              "cannot load credentials of %s: no such "
                              "profile in '%s' or '%s'",
                              r->who, r->cred_path, r->conf_path);
        return md_err_set(err, MD_ERR_AUTH,
                          "no AWS credentials: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or configure %s in '%s'",
                          r->who, r->cred_path);
    }
    return md_err_set(err, MD_ERR_AUTH,
                      "cannot load credentials of %s: no aws_access_key_id "
                      "or credential_process in '%s' or '%s'",
                      r->who, r->cred_path, r->conf_path);
}

/* Region in the documented order; the error names every place looked at. */
static md_status pick_region(struct md_aws *a, struct resolve *r, struct md_err *err)
{
    const char *v = NULL;
    const char *from = NULL;
    if (nonempty(r->opts->region)) {
        v = r->opts->region;
        from = "the mldeck configuration";
    } else if ((v = env("AWS_REGION")) != NULL) {
        from = "AWS_REGION";
    } else if ((v = env("AWS_DEFAULT_REGION")) != NULL) {
        from = "AWS_DEFAULT_REGION";
    } else if (nonempty(r->cred.region)) {
        v = r->cred.region;
        from = r->cred_path;
    } else if (nonempty(r->conf.region)) {
        v = r->conf.region;
        from = r->conf_path;
    }
    if (v == NULL)
        return md_err_set(err, MD_ERR_CONFIG,
                          "no AWS region for %s: set 'region' in the mldeck "
                          "configuration, AWS_REGION, or region in '%s'",
                          r->who, r->conf_path);
    if (!region_ok(v)) {
        char q[80];
        quote_name(q, sizeof(q), v);
        return md_err_set(err, MD_ERR_CONFIG, "invalid AWS region '%s' for %s (from %s)", q, r->who,
                          from);
    }
    a->region = md_xstrdup(v);
    return MD_OK;
}

/* Endpoint of each service in the documented order. */
static md_status pick_endpoints(struct md_aws *a, struct resolve *r, struct md_err *err)
{
    const char *ign = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    bool ignore = ign != NULL && strcasecmp(ign, "true") == 0;
    const char *suffix = strncmp(a->region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    for (int s = 0; s < MD_AWS_SERVICE_COUNT; s++) {
        const char *v = nonempty(r->opts->endpoint_url) ? r->opts->endpoint_url : NULL;
        const char *from = "the mldeck configuration";
        if (v == NULL && !ignore && (v = env(endpoint_vars[s])) != NULL)
            from = endpoint_vars[s];
        if (v == NULL && !ignore && (v = env("AWS_ENDPOINT_URL")) != NULL)
            from = "AWS_ENDPOINT_URL";
        if (v == NULL && !ignore) {
            v = merged(r->cred.endpoint_url, r->conf.endpoint_url);
            from = nonempty(r->cred.endpoint_url) ? r->cred_path : r->conf_path;
            if (v != NULL && v[0] == '\0')
                v = NULL;
        }
        if (v == NULL) {
            a->endpoints[s] = md_xasprintf("https://%s.%s.%s", host_prefixes[s], a->region, suffix);
            continue;
        }
        a->endpoints[s] = endpoint_clean(v);
        a->endpoint_overridden = true;
        if (a->endpoints[s] == NULL)
            return md_err_set(err, MD_ERR_CONFIG,
                              "invalid %s endpoint URL for %s (from %s): "
                              "expected http:// or https:// without user name or password",
                              md_aws_signing_name((enum md_aws_service)s), r->who, from);
    }
    return MD_OK;
}

/*
 * Both files are read even when the environment has the keys: the region
 * and the endpoint may still come from the profile. A file that does not
 * exist is an empty profile; one that cannot be parsed stops everything,
 * as it does for the AWS CLI.
 */
md_status md_aws_resolve(struct md_aws *out, const struct md_aws_opts *opts, struct md_err *err)
{
    static const struct md_aws_opts none;
    memset(out, 0, sizeof(*out));
    if (opts == NULL)
        opts = &none;
    bool explicit_profile = nonempty(opts->profile);
    const char *name = explicit_profile ? opts->profile : env("AWS_PROFILE");
    if (name == NULL)
        name = env("AWS_DEFAULT_PROFILE");
    bool named = name != NULL;
    out->profile = md_xstrdup(name != NULL ? name : "default");

    struct resolve r = {.opts = opts};
    char q[80];
    quote_name(q, sizeof(q), out->profile);
    snprintf(r.who, sizeof(r.who), "profile '%s'", q);
    r.cred_path = aws_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    r.conf_path = aws_path("AWS_CONFIG_FILE", "config");

    md_status st = load_profile(r.cred_path, out->profile, false, &r.cred, err);
    if (st == MD_OK)
        st = load_profile(r.conf_path, out->profile, true, &r.conf, err);
    if (st == MD_OK) {
        /* an explicit profile means "these keys", as `aws --profile` does */
        st = explicit_profile ? MD_ERR_NOT_FOUND : env_creds(out, err);
        if (st == MD_ERR_NOT_FOUND)
            st = profile_creds(out, &r, named, err);
    }
    if (st == MD_OK && out->creds.expires_ms != 0 && out->creds.expires_ms <= md_now_ms()) {
        char when[40];
        char who[96];
        aws_fmt_time(when, sizeof(when), out->creds.expires_ms);
        st = md_err_set(err, MD_ERR_AUTH, "credentials of %s expired at %s",
                        md_aws_who(out, who, sizeof(who)), when);
    }
    if (st == MD_OK)
        st = pick_region(out, &r, err);
    if (st == MD_OK)
        st = pick_endpoints(out, &r, err);
    if (out->source_file == NULL)
        out->source_file = md_xstrdup("");
    if (out->credential_process == NULL)
        out->credential_process = md_xstrdup("");
    md_aws_profile_release(&r.cred);
    md_aws_profile_release(&r.conf);
    free(r.cred_path);
    free(r.conf_path);
    if (st != MD_OK)
        md_aws_release(out);
    return st;
}

/* Only a helper can mint new keys; the old ones stay in use until it does. */
md_status md_aws_refresh(struct md_aws *a, struct md_err *err)
{
    char who[96];
    md_aws_who(a, who, sizeof(who));
    if (a->source != MD_AWS_SRC_PROCESS || !nonempty(a->credential_process)) {
        char when[40];
        aws_fmt_time(when, sizeof(when), a->creds.expires_ms);
        return md_err_set(err, MD_ERR_AUTH,
                          "credentials of %s expired at %s; renew them and "
                          "restart",
                          who, when);
    }
    struct md_aws_creds fresh;
    md_status st = process_creds(a->credential_process, who, &fresh, err);
    if (st != MD_OK)
        return st;
    md_aws_creds_release(&a->creds);
    a->creds = fresh;
    return MD_OK;
}
