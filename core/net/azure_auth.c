/*
 * azure_auth.c - Entra ID tokens for Azure Resource Manager: a service
 * principal's client secret, the Azure CLI, or a managed identity, cached in
 * memory until shortly before they expire. See azure_auth.h for the order
 * and the contracts.
 *
 * One fetch is in flight at a time; callers that ask meanwhile queue as
 * waiters and all hear the same outcome. Token values and client secrets
 * are never logged, never put in a message, and wiped before their memory is
 * freed. The Azure CLI runs as a child beside the event loop (mldeck/proc.h)
 * and reports from md_http_run() like a request. Its output carries the
 * token, so it is parsed and wiped, never quoted; only the first line of
 * its error output is.
 */
#include "mldeck/azure_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/jsonx_int.h"
#include "mldeck/proc.h"
#include "mldeck/redact.h"

#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define IMDS_HOST "http://169.254.169.254"
#define IMDS_PATH "/metadata/identity/oauth2/token"
/* Refresh this long before expiry (or at half-life for shorter tokens). */
#define REFRESH_MARGIN_MS (5 * 60 * 1000)
/* A token whose reply names no lifetime is trusted this long. */
#define UNKNOWN_LIFETIME_MS (10 * 60 * 1000)
#define CLI_TIMEOUT_MS 30000
#define CLI_MAX_OUTPUT ((size_t)1 << 20)
#define TOKEN_MAX_BODY ((size_t)1 << 20)
/* Longest piece of a server's error text quoted in a message. */
#define ERR_TEXT_MAX 140

struct waiter {
    struct waiter *next;
    md_azure_auth_fn cb;
    void *ud;
};

struct md_azure_auth {
    md_http *http;
    char *authority; /* no trailing '/' */
    char *tenant;    /* "" when unknown */
    char *client_id; /* value of the client-id variable, "" when unset */
    char *secret;    /* value of the client-secret variable, NULL when unset */
    char *audience;  /* no trailing '/' */
    char *identity_endpoint;
    char *identity_header; /* a secret too */
    char *imds_host;
    char *ca_path;
    bool insecure_tls;
    long timeout_ms;

    char *token;
    int64_t expires_ms;
    int64_t fresh_until_ms;
    uint64_t serial;             /* bumped for every token kept: names a token without holding it */
    enum md_azure_source source; /* the one that worked; tried alone from then on */

    bool fetching;
    uint64_t fetch_id;      /* the request or deferral carrying the outcome */
    struct waiter *waiters; /* FIFO */
    struct waiter **tail;
    md_status result_st; /* outcome carried by a deferral */
    struct md_err result_err;
    char tried[200]; /* "Azure CLI: ...; " notes of sources that failed in this fetch */
    enum md_azure_source trying;
};

static void free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = name != NULL && name[0] ? getenv(name) : NULL;
    return v != NULL && v[0] ? v : def;
}

static const char *nonempty(const char *s, const char *def)
{
    return s != NULL && s[0] ? s : def;
}

/* The first non-blank line of `text`, cleaned and clipped (free()). */
static char *first_line(const char *text, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    size_t j = i;
    while (j < len && text[j] != '\r' && text[j] != '\n' && text[j] != '\0' && j - i < 4 * max)
        j++;
    char *line = md_xmalloc(j - i + 1);
    memcpy(line, text + i, j - i);
    line[j - i] = '\0';
    md_sanitize(line);
    md_clip_utf8(line, max);
    return line;
}

static char *strip_slash_dup(const char *url)
{
    char *s = md_xstrdup(url);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

static bool is_http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* Tenant ids are GUIDs or domain names: nothing that needs escaping in a path. */
static bool valid_tenant(const char *t)
{
    if (!t[0] || strlen(t) > 128)
        return false;
    for (; *t; t++) {
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '-' || *t == '.' || *t == '_'))
            return false;
    }
    return true;
}

md_status md_azure_auth_new(md_azure_auth **out, const struct md_azure_auth_conf *conf,
                            md_http *http, struct md_err *err)
{
    *out = NULL;
    const char *authority =
        nonempty(conf->authority, env_or("AZURE_AUTHORITY_HOST", DEFAULT_AUTHORITY));
    const char *tenant = nonempty(conf->tenant, env_or("AZURE_TENANT_ID", ""));
    const char *id_env = nonempty(conf->client_id_env, "AZURE_CLIENT_ID");
    const char *secret_env = nonempty(conf->client_secret_env, "AZURE_CLIENT_SECRET");
    const char *client_id = env_or(id_env, "");
    const char *secret = env_or(secret_env, NULL);
    md_secret_register(secret);

    /* a bare host name is what the SDKs accept too: assume https */
    char *auth_url =
        is_http_url(authority) ? strip_slash_dup(authority) : md_xasprintf("https://%s", authority);
    size_t n = strlen(auth_url);
    while (n > 0 && auth_url[n - 1] == '/')
        auth_url[--n] = '\0';
    md_status st = MD_OK;
    if (strchr(auth_url, '@') != NULL || strchr(auth_url, '?') != NULL)
        st = md_err_set(err, MD_ERR_CONFIG,
                        "cannot use Azure authority '%.80s': expected a URL "
                        "such as %s",
                        authority, DEFAULT_AUTHORITY);
    else if (secret != NULL && !tenant[0])
        st = md_err_set(err, MD_ERR_CONFIG,
                        "%s is set but no tenant is: set AZURE_TENANT_ID or "
                        "'tenant' in the config",
                        secret_env);
    else if (secret != NULL && !client_id[0])
        st = md_err_set(err, MD_ERR_CONFIG, "%s is set but %s is not", secret_env, id_env);
    else if (tenant[0] && !valid_tenant(tenant))
        st = md_err_set(err, MD_ERR_CONFIG,
                        "cannot use Azure tenant '%.80s': expected a tenant "
                        "id or domain name",
                        tenant);
    if (st != MD_OK) {
        free(auth_url);
        return st;
    }

    md_azure_auth *a = md_xcalloc(1, sizeof(*a));
    a->http = http;
    a->authority = auth_url;
    a->tenant = md_xstrdup(tenant);
    a->client_id = md_xstrdup(client_id);
    a->secret = secret != NULL ? md_xstrdup(secret) : NULL;
    a->audience = strip_slash_dup(nonempty(conf->audience, MD_AZURE_ARM_AUDIENCE));
    const char *ie = env_or("IDENTITY_ENDPOINT", NULL);
    const char *ih = env_or("IDENTITY_HEADER", NULL);
    if (ie != NULL && ih != NULL && is_http_url(ie)) {
        a->identity_endpoint = md_xstrdup(ie);
        a->identity_header = md_xstrdup(ih);
    }
    a->imds_host = strip_slash_dup(env_or("AZURE_POD_IDENTITY_AUTHORITY_HOST", IMDS_HOST));
    a->ca_path = conf->ca_path != NULL && conf->ca_path[0] ? md_xstrdup(conf->ca_path) : NULL;
    a->insecure_tls = conf->insecure_tls;
    a->timeout_ms = conf->timeout_ms;
    a->tail = &a->waiters;
    /* the authority has no user:password@ (refused above): safe to show with -v */
    md_log(MD_LOG_INFO, "azure: Entra ID authority %s, audience %s", a->authority, a->audience);
    *out = a;
    return MD_OK;
}

void md_azure_auth_free(md_azure_auth *a)
{
    if (a == NULL)
        return;
    while (a->waiters != NULL) {
        struct waiter *w = a->waiters;
        a->waiters = w->next;
        free(w);
    }
    free_secret(a->token);
    free_secret(a->secret);
    free_secret(a->identity_header);
    free(a->identity_endpoint);
    free(a->imds_host);
    free(a->authority);
    free(a->tenant);
    free(a->client_id);
    free(a->audience);
    free(a->ca_path);
    free(a);
}

const char *md_azure_auth_token(md_azure_auth *a)
{
    if (a->token == NULL || md_now_ms() >= a->fresh_until_ms)
        return NULL;
    return a->token;
}

void md_azure_auth_invalidate(md_azure_auth *a)
{
    free_secret(a->token);
    a->token = NULL;
    a->expires_ms = a->fresh_until_ms = 0;
}

uint64_t md_azure_auth_serial(const md_azure_auth *a)
{
    return a->serial;
}

/* Only the token that was refused goes: a newer one fetched meanwhile stays. */
void md_azure_auth_refused(md_azure_auth *a, uint64_t serial)
{
    if (a->token != NULL && a->serial == serial)
        md_azure_auth_invalidate(a);
}

enum md_azure_source md_azure_auth_source(const md_azure_auth *a)
{
    return a->source;
}

int64_t md_azure_auth_expires_ms(const md_azure_auth *a)
{
    return a->token != NULL ? a->expires_ms : 0;
}

const char *md_azure_source_str(enum md_azure_source s)
{
    switch (s) {
    case MD_AZURE_SOURCE_SECRET:
        return "client secret";
    case MD_AZURE_SOURCE_CLI:
        return "Azure CLI";
    case MD_AZURE_SOURCE_APP_SVC:
        return "managed identity (IDENTITY_ENDPOINT)";
    case MD_AZURE_SOURCE_IMDS:
        return "managed identity (IMDS)";
    case MD_AZURE_SOURCE_NONE:
        break;
    }
    return "none";
}

/* Keep a new token (taken over) that lives until expires_ms. */
static void keep_token(md_azure_auth *a, char *token, int64_t expires_ms)
{
    int64_t now = md_now_ms();
    md_azure_auth_invalidate(a);
    md_secret_register(token);
    a->token = token;
    a->serial++;
    a->expires_ms = expires_ms;
    int64_t life = expires_ms - now;
    int64_t margin = life / 2 < REFRESH_MARGIN_MS ? life / 2 : REFRESH_MARGIN_MS;
    a->fresh_until_ms = expires_ms - (margin > 0 ? margin : 0);
    a->source = a->trying;
    md_log(MD_LOG_INFO, "azure: token from %s, valid for %lld s", md_azure_source_str(a->source),
           (long long)(life > 0 ? life / 1000 : 0));
}

/* Hand the outcome to every waiter; they may fetch again from their callback. */
static void finish(md_azure_auth *a, md_status st, const struct md_err *err)
{
    struct waiter *w = a->waiters;
    struct md_err copy = MD_ERR_INIT;
    if (err != NULL)
        copy = *err;
    a->waiters = NULL;
    a->tail = &a->waiters;
    a->fetching = false;
    a->tried[0] = '\0';
    while (w != NULL) {
        struct waiter *next = w->next;
        w->cb(st, &copy, w->ud);
        free(w);
        w = next;
    }
}

/* Seconds as a JSON number or a string of digits (IMDS sends strings); -1 when neither. */
static int64_t json_seconds(const cJSON *obj, const char *key)
{
    return jsonx_int64(obj, key, -1);
}

/*
 * A token reply of any source: {access_token | accessToken, expires_in,
 * expires_on}. expires_in wins (no clock skew); expires_on is epoch seconds.
 */
static md_status take_token_reply(md_azure_auth *a, const char *body, size_t len,
                                  struct md_err *err)
{
    cJSON *root = NULL;
    md_status st = jsonx_parse(body, len, TOKEN_MAX_BODY, &root, NULL);
    const char *tok = st == MD_OK ? jsonx_str_raw(root, "access_token") : NULL;
    if (tok == NULL && st == MD_OK)
        tok = jsonx_str_raw(root, "accessToken");
    if (tok == NULL || !tok[0] || strpbrk(tok, " \r\n\t") != NULL) {
        cJSON_Delete(root);
        return md_err_set(err, MD_ERR_PARSE, "the token reply holds no usable access token");
    }
    int64_t now = md_now_ms();
    int64_t in = json_seconds(root, "expires_in");
    int64_t on = json_seconds(root, "expires_on");
    int64_t exp = now + UNKNOWN_LIFETIME_MS;
    if (in > 0 && in < 30LL * 86400)
        exp = now + in * 1000;
    else if (on > 0 && on < 100000000000LL)
        exp = on * 1000;
    keep_token(a, md_xstrdup(tok), exp);
    cJSON_Delete(root);
    return MD_OK;
}

/*
 * Entra ID errors: {"error": "invalid_client", "error_description":
 * "AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ..."}.
 * The description's first line carries the AADSTS code and the reason.
 */
static md_status token_error(md_azure_auth *a, const struct md_http_resp *resp, const char *src,
                             struct md_err *err)
{
    md_status st =
        resp->code == 400 || resp->code == 401 || resp->code == 403 ? MD_ERR_AUTH : MD_ERR_HTTP;
    char *detail = NULL;
    cJSON *root = NULL;
    if (jsonx_parse(resp->body, resp->body_len, TOKEN_MAX_BODY, &root, NULL) == MD_OK) {
        const char *e = jsonx_str_raw(root, "error");
        const char *d = jsonx_str_raw(root, "error_description");
        if (d == NULL) /* IMDS and App Service also answer {"error": {"code", "message"}} */
            d = jsonx_str_raw(jsonx_get(root, "error"), "message");
        if (e == NULL)
            e = jsonx_str_raw(jsonx_get(root, "error"), "code");
        if (e != NULL || d != NULL) {
            char *ce = first_line(e ? e : "", e ? strlen(e) : 0, 40);
            char *cd = first_line(d ? d : "", d ? strlen(d) : 0, ERR_TEXT_MAX);
            detail = md_xasprintf("%s%s%s", ce, ce[0] && cd[0] ? ": " : "", cd);
            free(ce);
            free(cd);
        }
    }
    cJSON_Delete(root);
    if (detail == NULL)
        detail = first_line(resp->body, resp->body_len, 100);
    if (a->trying == MD_AZURE_SOURCE_SECRET)
        md_err_set_http(err, st, resp->code,
                        "cannot get an Azure token for client '%.40s': HTTP %ld%s%s", a->client_id,
                        resp->code, detail[0] ? " " : "", detail);
    else
        md_err_set_http(err, st, resp->code, "cannot get an Azure token from %s: HTTP %ld%s%s", src,
                        resp->code, detail[0] ? " " : "", detail);
    free(detail);
    return st;
}

static void on_token_reply(const struct md_http_resp *resp, void *ud)
{
    md_azure_auth *a = ud;
    struct md_err err = MD_ERR_INIT;
    const char *src = md_azure_source_str(a->trying);
    md_status st;
    if (resp->status != MD_OK)
        st = md_err_set_http(&err, resp->status, resp->err.http_status,
                             "cannot get an Azure token from %s: %s", src, resp->err.msg);
    else if (resp->code < 200 || resp->code > 299)
        st = token_error(a, resp, src, &err);
    else if ((st = take_token_reply(a, resp->body, resp->body_len, &err)) != MD_OK) {
        struct md_err e2 = MD_ERR_INIT;
        md_err_set(&e2, st, "cannot get an Azure token from %s: %s", src, err.msg);
        err = e2;
    }
    if (st != MD_OK && a->source == MD_AZURE_SOURCE_NONE && a->tried[0] &&
        (a->trying == MD_AZURE_SOURCE_IMDS || a->trying == MD_AZURE_SOURCE_APP_SVC)) {
        /* nothing worked: name every source tried */
        struct md_err all = MD_ERR_INIT;
        md_err_set_http(&all, st == MD_ERR_NET || st == MD_ERR_TIMEOUT ? MD_ERR_AUTH : st,
                        err.http_status, "no Azure credential worked: %s%s", a->tried, err.msg);
        err = all;
        st = all.code;
    }
    finish(a, st, &err);
}

/* A reply we already have (a cached token) goes out through md_http_run(). */
static void on_deferred(const struct md_http_resp *resp, void *ud)
{
    (void)resp;
    md_azure_auth *a = ud;
    struct md_err err = a->result_err;
    finish(a, a->result_st, &err);
}

static uint64_t report_later(md_azure_auth *a, md_status st, const struct md_err *err)
{
    a->result_st = st;
    md_err_clear(&a->result_err);
    if (err != NULL)
        a->result_err = *err;
    return md_http_defer(a->http, on_deferred, a);
}

/* Client credentials: a form POST that the read-only guard knows as a read. */
static uint64_t fetch_secret(md_azure_auth *a)
{
    char *url = md_xasprintf("%s/%s/oauth2/v2.0/token", a->authority, a->tenant);
    char *id = md_http_escape(a->client_id);
    char *secret = md_http_escape(a->secret);
    char *scope_raw = md_xasprintf("%s/.default", a->audience);
    char *scope = md_http_escape(scope_raw);
    char *body = md_xasprintf("grant_type=client_credentials&client_id=%s&client_secret=%s"
                              "&scope=%s",
                              id, secret, scope);
    struct md_http_req req = {
        .method = MD_HTTP_POST,
        .url = url,
        .body = body,
        .body_len = strlen(body),
        .content_type = "application/x-www-form-urlencoded",
        .ca_path = a->ca_path,
        .insecure_tls = a->insecure_tls,
        .timeout_ms = a->timeout_ms,
        .max_retries = 1,
        .max_body = TOKEN_MAX_BODY,
        .tag = "azure token (client secret)",
    };
    uint64_t rid = md_http_submit(a->http, &req, on_token_reply, a);
    free_secret(body);
    free_secret(secret);
    free(id);
    free(scope);
    free(scope_raw);
    free(url);
    return rid;
}

/*
 * Managed identity: App Service's IDENTITY_ENDPOINT when set, else IMDS. An
 * IMDS that does not answer within a second is not there (off Azure).
 */
static uint64_t fetch_identity(md_azure_auth *a)
{
    bool app = a->identity_endpoint != NULL;
    a->trying = app ? MD_AZURE_SOURCE_APP_SVC : MD_AZURE_SOURCE_IMDS;
    char *res = md_http_escape(a->audience);
    char *cid = a->client_id[0] ? md_http_escape(a->client_id) : NULL;
    char *url;
    char *hdr;
    if (app) {
        url = md_xasprintf("%s%sapi-version=2019-08-01&resource=%s%s%s", a->identity_endpoint,
                           strchr(a->identity_endpoint, '?') ? "&" : "?", res,
                           cid ? "&client_id=" : "", cid ? cid : "");
        hdr = md_xasprintf("X-IDENTITY-HEADER: %s", a->identity_header);
    } else {
        url = md_xasprintf("%s" IMDS_PATH "?api-version=2018-02-01&resource=%s%s%s", a->imds_host,
                           res, cid ? "&client_id=" : "", cid ? cid : "");
        hdr = md_xstrdup("Metadata: true");
    }
    const char *headers[] = {hdr, NULL};
    struct md_http_req req = {
        .method = MD_HTTP_GET,
        .url = url,
        .headers = headers,
        .connect_timeout_ms = app ? 0 : 1000,
        .timeout_ms = a->timeout_ms,
        .max_retries = app ? -1 : 0,
        .no_proxy = !app, /* IMDS is link-local: a proxy cannot reach it for us */
        .max_body = TOKEN_MAX_BODY,
        .tag = app ? "azure token (IDENTITY_ENDPOINT)" : "azure token (IMDS)",
    };
    uint64_t rid = md_http_submit(a->http, &req, on_token_reply, a);
    free_secret(hdr);
    free(url);
    free(res);
    free(cid);
    return rid;
}

/* Full path of `az` on PATH (free()), or NULL. */
static char *find_az(void)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return NULL;
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = md_xasprintf("%.*s/az", (int)n, n ? path : ".");
        struct stat sb;
        if (n > 0 && stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    return NULL;
}

/* "2025-01-31 13:45:00.123456" in local time, as the CLI's expiresOn; 0 when unreadable. */
static int64_t cli_local_time_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (s == NULL || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? 0 : (int64_t)t * 1000;
}

/*
 * The Azure CLI's answer: MD_OK with its token kept, or an error whose
 * message is one short clause for the "no Azure credential worked" summary.
 */
static md_status take_cli(md_azure_auth *a, const struct md_proc_result *res, struct md_err *err)
{
    switch (res->end) {
    case MD_PROC_NOT_STARTED: /* "cannot run '<path of az>': <reason>", the tag being the path */
        return md_err_set(err, MD_ERR_IO, "Azure CLI: %s", res->err.msg);
    case MD_PROC_TIMED_OUT:
        return md_err_set(err, MD_ERR_TIMEOUT,
                          "Azure CLI: 'az account get-access-token' did not "
                          "answer within %d s",
                          CLI_TIMEOUT_MS / 1000);
    case MD_PROC_TOO_BIG:
        return md_err_set(err, MD_ERR_PARSE, "Azure CLI: no access token in its output");
    case MD_PROC_SIGNALED:
    case MD_PROC_EXITED:
        if (res->end == MD_PROC_EXITED && res->exit_code == 0)
            break;
        char *line = first_line(res->err_text, res->err_len, ERR_TEXT_MAX);
        md_status st = md_err_set(err, MD_ERR_AUTH, "Azure CLI: %s",
                                  line[0] ? line
                                          : "exited with an "
                                            "error (run 'az login')");
        free(line);
        return st;
    case MD_PROC_LOST: /* reaped elsewhere: the output alone tells */
        break;
    }
    cJSON *root = NULL;
    const char *tok = NULL;
    md_status st = MD_OK;
    if (jsonx_parse(res->out, res->out_len, CLI_MAX_OUTPUT, &root, NULL) == MD_OK)
        tok = jsonx_str_raw(root, "accessToken");
    if (tok == NULL || !tok[0] || strpbrk(tok, " \r\n\t") != NULL) {
        st = md_err_set(err, MD_ERR_PARSE, "Azure CLI: no access token in its output");
    } else {
        int64_t on = jsonx_int64(root, "expires_on", -1);
        int64_t exp = on > 0 && on < 100000000000LL
                          ? on * 1000
                          : cli_local_time_ms(jsonx_str_raw(root, "expiresOn"));
        keep_token(a, md_xstrdup(tok), exp > 0 ? exp : md_now_ms() + UNKNOWN_LIFETIME_MS);
    }
    /* cJSON copied the token out of the output: wipe its strings before they are freed */
    for (cJSON *it = root != NULL ? root->child : NULL; it != NULL; it = it->next) {
        if (cJSON_IsString(it) && it->valuestring != NULL)
            explicit_bzero(it->valuestring, strlen(it->valuestring));
    }
    cJSON_Delete(root);
    return st;
}

static uint64_t fetch_identity(md_azure_auth *a);
static void note_tried(md_azure_auth *a, const char *clause);

/*
 * `az` has answered (from inside md_http_run()): its token ends the fetch;
 * a failure ends it too once the CLI is the source that worked before,
 * else the next source is tried.
 */
static void on_az(const struct md_proc_result *res, void *ud)
{
    md_azure_auth *a = ud;
    struct md_err err = MD_ERR_INIT;
    md_status st = take_cli(a, res, &err);
    if (st == MD_OK || a->source == MD_AZURE_SOURCE_CLI) {
        struct md_err full = MD_ERR_INIT;
        if (st != MD_OK)
            md_err_set(&full, st, "cannot get an Azure token: %s", err.msg);
        finish(a, st, &full);
        return;
    }
    note_tried(a, err.msg);
    a->fetch_id = fetch_identity(a);
}

/*
 * Start `az account get-access-token` without a shell, beside the loop
 * (mldeck/proc.h): it may take seconds, and keys must still be answered.
 */
static uint64_t run_az(md_azure_auth *a, const char *az)
{
    const char *argv[] = {
        "az", "account", "get-access-token", "--resource", a->audience, "-o", "json", NULL,
        NULL, NULL};
    if (a->tenant[0]) {
        argv[7] = "--tenant";
        argv[8] = a->tenant;
    }
    char *tag = md_xasprintf("%.80s", az);
    struct md_proc_opts o = {
        .argv = argv,
        .path = az,
        .timeout_ms = CLI_TIMEOUT_MS,
        .max_out = CLI_MAX_OUTPUT,
        .tag = tag,
    };
    uint64_t id = md_proc_start(a->http, &o, on_az, a);
    free(tag);
    return id;
}

/* Append "<clause>; " to the list of sources that did not work. */
static void note_tried(md_azure_auth *a, const char *clause)
{
    size_t n = strlen(a->tried);
    snprintf(a->tried + n, sizeof(a->tried) - n, "%s; ", clause);
}

/*
 * Start with source `from` (NONE: the first configured one). The client
 * secret, once configured, is the only source: a rejected secret must not
 * be papered over by another identity.
 */
static uint64_t start(md_azure_auth *a, enum md_azure_source from)
{
    if (from <= MD_AZURE_SOURCE_SECRET && a->secret != NULL) {
        a->trying = MD_AZURE_SOURCE_SECRET;
        return fetch_secret(a);
    }
    if (from <= MD_AZURE_SOURCE_CLI) {
        char *az = find_az();
        if (az != NULL) {
            a->trying = MD_AZURE_SOURCE_CLI;
            uint64_t id = run_az(a, az);
            free(az);
            return id;
        } else if (a->source == MD_AZURE_SOURCE_NONE) {
            note_tried(a, "no client secret set, az not on PATH");
        }
    }
    return fetch_identity(a);
}

uint64_t md_azure_auth_fetch(md_azure_auth *a, md_azure_auth_fn cb, void *ud)
{
    struct waiter *w = md_xcalloc(1, sizeof(*w));
    w->cb = cb;
    w->ud = ud;
    *a->tail = w;
    a->tail = &w->next;
    if (a->fetching)
        return a->fetch_id;
    a->fetching = true;
    a->tried[0] = '\0';
    if (md_azure_auth_token(a) != NULL)
        a->fetch_id = report_later(a, MD_OK, NULL);
    else
        a->fetch_id = start(a, a->source);
    return a->fetch_id;
}

/* ---- as a credential source (mldeck/cred.h) ------------------------------------------------ */

static bool cred_ready(void *impl)
{
    return md_azure_auth_token(impl) != NULL;
}

static const char *cred_token(void *impl)
{
    return md_azure_auth_token(impl);
}

static uint64_t cred_fetch(void *impl, md_cred_fn cb, void *ud)
{
    return md_azure_auth_fetch(impl, cb, ud);
}

static uint64_t cred_serial(const void *impl)
{
    return md_azure_auth_serial(impl);
}

static void cred_refused(void *impl, uint64_t serial)
{
    md_azure_auth_refused(impl, serial);
}

void md_azure_auth_cred(md_azure_auth *a, struct md_cred_source *out)
{
    *out = (struct md_cred_source){
        .impl = a,
        .ready = cred_ready,
        .token = cred_token,
        .fetch = cred_fetch,
        .serial = cred_serial,
        .refused = cred_refused,
    };
}
