/*
 * aws.c - AWS credentials, region and endpoints for SigV4-signed backends,
 * resolved in the AWS CLI's order (see aws.h for the order and why).
 *
 * This file reads the environment and the files and runs credential_process
 * (an md_proc child of /bin/sh -c, never the C library's system()): to its
 * end for md_aws_resolve() and md_aws_refresh(), or beside the event loop
 * for the credential source of md_aws_cred(). The pure readers (INI through
 * libinih, the helper's JSON, times) are in aws_parse.c. Secrets never reach
 * a message or the log, and are wiped before their memory is freed.
 */
#include "mldeck/aws.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws_int.h"
#include "mldeck/proc.h"
#include "mldeck/redact.h"

/* How long credential_process may take (an SSO helper may refresh a token first). */
#define AWS_PROCESS_TIMEOUT_MS 30000
/* Bytes of credential_process stderr quoted in a message. */
#define AWS_STDERR_MAX 160

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

/*
 * A finished credential_process as keys, or the error md_aws_resolve()
 * documents, naming `who` and never the output.
 */
static md_status process_result(const struct md_proc_result *res, const char *who,
                                struct md_aws_creds *out, struct md_err *err)
{
    char line[AWS_STDERR_MAX + 8];
    /* the first non-blank line, as a helper may start with an empty one */
    const char *t = res->err_text + strspn(res->err_text, " \t\r\n");
    snprintf(line, sizeof(line), "%.*s", (int)strcspn(t, "\r\n"), t);
    md_clip_utf8(line, AWS_STDERR_MAX);
    md_sanitize(line);
    const char *sep = line[0] ? ": " : "";
    switch (res->end) {
    case MD_PROC_NOT_STARTED:
        return md_err_set(err, MD_ERR_AUTH, "cannot run credential_process of %s: %s", who,
                          strerror(res->sys_errno));
    case MD_PROC_TIMED_OUT:
        return md_err_set(err, MD_ERR_AUTH, "credential_process of %s did not finish within %d s",
                          who, AWS_PROCESS_TIMEOUT_MS / 1000);
    case MD_PROC_TOO_BIG:
        return md_err_set(err, MD_ERR_AUTH, "credential_process of %s wrote more than %zu bytes",
                          who, AWS_MAX_FILE);
    case MD_PROC_SIGNALED:
        return md_err_set(err, MD_ERR_AUTH, "credential_process of %s was killed by signal %d%s%s",
                          who, res->signal, sep, line);
    case MD_PROC_EXITED:
        if (res->exit_code != 0)
            return md_err_set(err, MD_ERR_AUTH,
                              "credential_process of %s failed (exit status %d)%s%s", who,
                              res->exit_code, sep, line);
        break;
    case MD_PROC_LOST: /* someone reaps children for us: judge by the output alone */
        break;
    }
    struct md_err perr = MD_ERR_INIT;
    md_status st = md_aws_process_output(res->out, res->out_len, md_now_ms(), out, &perr);
    if (st != MD_OK)
        md_err_set(err, st, "credential_process of %s: %s", who, perr.msg);
    return st;
}

/* How a profile's credential_process runs: through the shell, as the AWS CLI runs it. */
static struct md_proc_opts process_opts(const char *cmd)
{
    return (struct md_proc_opts){
        .shell_cmd = cmd,
        .timeout_ms = AWS_PROCESS_TIMEOUT_MS,
        .max_out = AWS_MAX_FILE,
        .max_err = AWS_STDERR_MAX * 2,
        .tag = "credential_process",
    };
}

struct sync_run {
    const char *who;
    struct md_aws_creds *out;
    struct md_err *err;
    md_status st;
};

static void on_sync_process(const struct md_proc_result *res, void *ud)
{
    struct sync_run *r = ud;
    r->st = process_result(res, r->who, r->out, r->err);
}

/* Run a profile's credential_process to its end, blocking, and read its keys. */
static md_status process_creds(const char *cmd, const char *who, struct md_aws_creds *out,
                               struct md_err *err)
{
    struct sync_run r = {.who = who, .out = out, .err = err, .st = MD_ERR_AUTH};
    struct md_proc_opts o = process_opts(cmd);
    md_proc_run(&o, on_sync_process, &r);
    return r.st;
}

/* ---- endpoints and region --------------------------------------------------------------- */

static const char *const signing_names[MD_AWS_SERVICE_COUNT] = {"sagemaker", "monitoring", "s3",
                                                                "cloudtrail", "logs"};
/* The AWS CLI's per-service variables (the service id, upper-cased, blanks as '_'). */
static const char *const endpoint_vars[MD_AWS_SERVICE_COUNT] = {
    "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"};
static const char *const host_prefixes[MD_AWS_SERVICE_COUNT] = {"api.sagemaker", "monitoring", "s3",
                                                                "cloudtrail", "logs"};

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

static void src_free(struct md_aws_src *s);

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
    src_free(a->src);
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
    md_secret_register(secret);
    md_secret_register(tok);
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
    md_secret_register(p->secret_access_key);
    md_secret_register(p->session_token);
    a->creds.expires_ms = 0;
    a->source = src;
    a->source_file = md_xstrdup(path);
    return MD_OK;
}

/* Empty keys: every string "" (never NULL), no expiry. */
static void no_keys(struct md_aws_creds *c)
{
    c->access_key_id = md_xstrdup("");
    c->secret_access_key = md_xstrdup("");
    c->session_token = md_xstrdup("");
    c->expires_ms = 0;
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
        md_status st = MD_OK;
        if (r->opts->defer_process)
            no_keys(&a->creds); /* md_aws_cred() fetches them */
        else
            st = process_creds(proc, r->who, &a->creds, err);
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

/* ---- renewal, and the keys as a credential source (mldeck/cred.h) --------------------- */

struct src_waiter {
    struct src_waiter *next;
    md_cred_fn cb;
    void *ud;
};

/*
 * One fetch at a time; callers that ask meanwhile queue as waiters and all
 * hear the same outcome, which a deferral carries when there was nothing
 * to run.
 */
struct md_aws_src {
    struct md_aws *a;
    md_http *http;
    uint64_t serial;
    bool fetching;
    uint64_t fetch_id;          /* the child or the deferral carrying the outcome */
    struct src_waiter *waiters; /* FIFO */
    struct src_waiter **tail;
    md_status result_st; /* carried by a deferral */
    struct md_err result_err;
};

/* Keys that no helper can renew: the message md_aws_refresh() and the source give. */
static md_status cannot_renew(const struct md_aws *a, struct md_err *err)
{
    char who[96];
    char when[40];
    md_aws_who(a, who, sizeof(who));
    aws_fmt_time(when, sizeof(when), a->creds.expires_ms);
    return md_err_set(err, MD_ERR_AUTH,
                      "credentials of %s expired at %s; renew them and "
                      "restart",
                      who, when);
}

static bool can_renew(const struct md_aws *a)
{
    return a->source == MD_AWS_SRC_PROCESS && nonempty(a->credential_process);
}

/* New keys replace the old ones (wiped) and get a new serial. */
static void take_keys(struct md_aws *a, struct md_aws_creds *fresh)
{
    md_aws_creds_release(&a->creds);
    a->creds = *fresh;
    if (a->src != NULL)
        a->src->serial++;
}

/* Only a helper can mint new keys; the old ones stay in use until it does. */
md_status md_aws_refresh(struct md_aws *a, struct md_err *err)
{
    if (!can_renew(a))
        return cannot_renew(a, err);
    char who[96];
    md_aws_who(a, who, sizeof(who));
    struct md_aws_creds fresh;
    md_status st = process_creds(a->credential_process, who, &fresh, err);
    if (st != MD_OK)
        return st;
    take_keys(a, &fresh);
    return MD_OK;
}

static void src_free(struct md_aws_src *s)
{
    if (s == NULL)
        return;
    while (s->waiters != NULL) {
        struct src_waiter *w = s->waiters;
        s->waiters = w->next;
        free(w);
    }
    free(s);
}

static bool src_ready(void *impl)
{
    const struct md_aws *a = impl;
    return nonempty(a->creds.access_key_id) &&
           !md_aws_expiring(a, md_now_ms(), MD_AWS_CRED_MARGIN_MS);
}

/* The keys are read from the record by their client; there is no bearer token. */
static const char *src_token(void *impl)
{
    (void)impl;
    return NULL;
}

/* Hand the outcome to every waiter; they may fetch again from their callback. */
static void src_finish(struct md_aws_src *s, md_status st, const struct md_err *err)
{
    struct src_waiter *w = s->waiters;
    struct md_err copy = MD_ERR_INIT;
    if (err != NULL)
        copy = *err;
    s->waiters = NULL;
    s->tail = &s->waiters;
    s->fetching = false;
    s->fetch_id = 0;
    while (w != NULL) {
        struct src_waiter *next = w->next;
        w->cb(st, &copy, w->ud);
        free(w);
        w = next;
    }
}

static void on_src_deferred(const struct md_http_resp *resp, void *ud)
{
    (void)resp;
    struct md_aws_src *s = ud;
    struct md_err err = s->result_err;
    src_finish(s, s->result_st, &err);
}

/* credential_process has ended, from inside md_http_run(). */
static void on_src_process(const struct md_proc_result *res, void *ud)
{
    struct md_aws_src *s = ud;
    struct md_aws *a = s->a;
    char who[96];
    md_aws_who(a, who, sizeof(who));
    struct md_aws_creds fresh;
    struct md_err err = MD_ERR_INIT;
    md_status st = process_result(res, who, &fresh, &err);
    if (st == MD_OK) {
        take_keys(a, &fresh);
        md_log(MD_LOG_INFO, "aws: new keys for %s from credential_process in %lld ms", who,
               (long long)res->elapsed_ms);
    } else {
        md_log(MD_LOG_WARN, "aws: %s", err.msg);
    }
    src_finish(s, st, &err);
}

static uint64_t src_fetch(void *impl, md_cred_fn cb, void *ud)
{
    struct md_aws *a = impl;
    struct md_aws_src *s = a->src;
    struct src_waiter *w = md_xcalloc(1, sizeof(*w));
    w->cb = cb;
    w->ud = ud;
    *s->tail = w;
    s->tail = &w->next;
    if (s->fetching)
        return s->fetch_id;
    s->fetching = true;
    if (!src_ready(a) && can_renew(a)) {
        struct md_proc_opts o = process_opts(a->credential_process);
        s->fetch_id = md_proc_start(s->http, &o, on_src_process, s);
        return s->fetch_id;
    }
    md_err_clear(&s->result_err);
    s->result_st = src_ready(a) ? MD_OK : cannot_renew(a, &s->result_err);
    s->fetch_id = md_http_defer(s->http, on_src_deferred, s);
    return s->fetch_id;
}

static uint64_t src_serial(const void *impl)
{
    const struct md_aws *a = impl;
    return a->src->serial;
}

/* A server refused the keys sent as `serial`: forget them if they are still current. */
static void src_refused(void *impl, uint64_t serial)
{
    struct md_aws *a = impl;
    if (serial != a->src->serial || !nonempty(a->creds.access_key_id))
        return;
    md_aws_creds_release(&a->creds);
    no_keys(&a->creds);
}

void md_aws_cred(struct md_aws *a, md_http *http, struct md_cred_source *out)
{
    if (a->src == NULL) {
        a->src = md_xcalloc(1, sizeof(*a->src));
        a->src->tail = &a->src->waiters;
        a->src->serial = nonempty(a->creds.access_key_id) ? 1 : 0;
    }
    a->src->a = a;
    a->src->http = http;
    *out = (struct md_cred_source){
        .impl = a,
        .ready = src_ready,
        .token = src_token,
        .fetch = src_fetch,
        .serial = src_serial,
        .refused = can_renew(a) ? src_refused : NULL,
    };
}
