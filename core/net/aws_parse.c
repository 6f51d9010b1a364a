/*
 * aws_parse.c - the pure readers of the AWS credential chain: INI files
 * through libinih, credential_process output, ISO 8601 times, and the
 * helpers aws.c shares for secrets. No environment, files or processes
 * here: the fuzz targets drive these directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ini.h>

#include "aws_int.h"
#include "base/jsonx_int.h"

/* Overwrite, then free: secrets do not linger in freed memory. */
void aws_free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/*
 * Keys and tokens go into a header line and a signature: only printable
 * ASCII without blanks may pass (a CR/LF in a token would add headers).
 */
bool aws_secret_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e)
            return false;
    }
    return true;
}

/* UTC time for messages: "2026-11-26T10:00:00Z". */
void aws_fmt_time(char *buf, size_t n, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "%lld ms", (long long)ms);
}

void md_aws_creds_release(struct md_aws_creds *c)
{
    if (c == NULL)
        return;
    aws_free_secret(c->access_key_id);
    aws_free_secret(c->secret_access_key);
    aws_free_secret(c->session_token);
    memset(c, 0, sizeof(*c));
}

/* ---- time ------------------------------------------------------------------------------- */

/* Exactly `n` digits at *p, advancing it; -1 when they are not there. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

/*
 * A strict reader: AWS tools write "Z" or an offset, some write a space for
 * the 'T'; anything else is refused rather than guessed (a wrong expiry
 * would either use dead keys or throw good ones away).
 */
md_status md_aws_parse_time(const char *s, int64_t *out_ms)
{
    *out_ms = 0;
    if (s == NULL)
        return MD_ERR_INVALID;
    const char *p = s;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int y = digits(&p, 4);
    int mo = *p == '-' ? (p++, digits(&p, 2)) : -1;
    int d = *p == '-' ? (p++, digits(&p, 2)) : -1;
    int h = (*p == 'T' || *p == 't' || *p == ' ') ? (p++, digits(&p, 2)) : -1;
    int mi = *p == ':' ? (p++, digits(&p, 2)) : -1;
    int sec = *p == ':' ? (p++, digits(&p, 2)) : -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60)
        return MD_ERR_INVALID;
    int64_t frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0)
            return MD_ERR_INVALID;
        for (; nd < 3; nd++)
            frac_ms *= 10;
    }
    int64_t off_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        int oh = digits(&p, 2);
        if (*p == ':')
            p++;
        int om = digits(&p, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return MD_ERR_INVALID;
        off_s = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return MD_ERR_INVALID;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return MD_ERR_INVALID;
    *out_ms = ((int64_t)t - off_s) * 1000 + frac_ms;
    return MD_OK;
}

/* ---- INI -------------------------------------------------------------------------------- */

/*
 * Debian's libinih has its limits as run-time settings. The defaults would
 * cut lines at 200 bytes (a session token is often longer) and take " ;"
 * as an inline comment (botocore does not). mldeck is the only inih user in
 * the process, so setting them once is safe.
 */
static void ini_setup(void)
{
    static bool done;
    if (done)
        return;
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = (int)AWS_MAX_FILE;
    ini_allow_inline_comments = false;
    ini_allow_multiline = true;
    ini_allow_no_value = false;
    ini_stop_on_first_error = false;
    done = true;
}

enum prof_key { PK_KEY_ID = 0, PK_SECRET, PK_TOKEN, PK_REGION, PK_PROCESS, PK_ENDPOINT, PK_COUNT };

static const char *const prof_keys[PK_COUNT][2] = {
    [PK_KEY_ID] = {"aws_access_key_id", NULL},
    [PK_SECRET] = {"aws_secret_access_key", NULL},
    [PK_TOKEN] = {"aws_session_token", "aws_security_token"},
    [PK_REGION] = {"region", NULL},
    [PK_PROCESS] = {"credential_process", NULL},
    [PK_ENDPOINT] = {"endpoint_url", NULL},
};

/* Keys of profile kinds mldeck does not resolve itself (assume role, web identity, SSO). */
static const char *const unsupported_keys[] = {
    "role_arn",      "credential_source", "web_identity_token_file", "sso_session",
    "sso_start_url", "sso_account_id",    "sso_role_name",
};

struct ini_ctx {
    const char *name;
    bool config_style;
    struct md_aws_profile *out;
    char *vals[PK_COUNT];
    char *prev_section; /* the last (section, key) seen, to spot continuation lines */
    char *prev_key;
};

/* Does INI section `section` hold profile `name`? See md_aws_profile_parse(). */
static bool section_matches(const char *section, const char *name, bool config_style)
{
    if (!config_style)
        return strcmp(section, name) == 0;
    if (strcmp(name, "default") == 0 && strcmp(section, "default") == 0)
        return true;
    if (strncmp(section, "profile", 7) != 0 || (section[7] != ' ' && section[7] != '\t'))
        return false;
    const char *p = section + 7;
    while (*p == ' ' || *p == '\t')
        p++;
    return strcmp(p, name) == 0;
}

/* A key=value pair from inih; returns 1 always: syntax errors are counted by inih itself. */
static int on_ini_pair(void *user, const char *section, const char *key, const char *value)
{
    struct ini_ctx *c = user;
    bool continuation = c->prev_section != NULL && strcmp(c->prev_section, section) == 0 &&
                        strcasecmp(c->prev_key, key) == 0;
    free(c->prev_section);
    free(c->prev_key);
    c->prev_section = md_xstrdup(section);
    c->prev_key = md_xstrdup(key);
    if (!section_matches(section, c->name, c->config_style))
        return 1;
    c->out->found = true;
    for (size_t i = 0; i < MD_ARRAY_LEN(unsupported_keys); i++) {
        if (strcasecmp(key, unsupported_keys[i]) == 0 && c->out->unsupported == NULL)
            c->out->unsupported = md_xstrdup(unsupported_keys[i]);
    }
    for (int k = 0; k < PK_COUNT; k++) {
        bool hit = strcasecmp(key, prof_keys[k][0]) == 0 ||
                   (prof_keys[k][1] != NULL && strcasecmp(key, prof_keys[k][1]) == 0);
        if (!hit)
            continue;
        char *old = c->vals[k];
        if (continuation && old != NULL && old[0] == '\0') {
            /* "key =" then indented lines: a nested block, not a value */
        } else if (continuation && old != NULL) {
            c->vals[k] = md_xasprintf("%s %s", old, value);
            aws_free_secret(old);
        } else {
            c->vals[k] = md_xstrdup(value);
            aws_free_secret(old);
        }
    }
    return 1;
}

void md_aws_profile_release(struct md_aws_profile *p)
{
    if (p == NULL)
        return;
    aws_free_secret(p->access_key_id);
    aws_free_secret(p->secret_access_key);
    aws_free_secret(p->session_token);
    free(p->region);
    aws_free_secret(p->credential_process);
    free(p->endpoint_url);
    free(p->unsupported);
    memset(p, 0, sizeof(*p));
}

/*
 * The text is copied to add the NUL inih needs, and the copy wiped: it may
 * hold every secret of the file. Keys of other sections are never kept.
 */
md_status md_aws_profile_parse(const char *text, size_t len, const char *name, bool config_style,
                               struct md_aws_profile *out, int *line, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    if (line != NULL)
        *line = 0;
    if (len > AWS_MAX_FILE)
        return md_err_set(err, MD_ERR_TOO_BIG, "file of %zu bytes is over the %zu byte limit", len,
                          AWS_MAX_FILE);
    ini_setup();
    char *copy = md_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    struct ini_ctx c = {
        .name = name != NULL ? name : "default", .config_style = config_style, .out = out};
    int rc = ini_parse_string(copy, on_ini_pair, &c);
    explicit_bzero(copy, len);
    free(copy);
    free(c.prev_section);
    free(c.prev_key);
    char **dst[PK_COUNT] = {&out->access_key_id, &out->secret_access_key,  &out->session_token,
                            &out->region,        &out->credential_process, &out->endpoint_url};
    for (int k = 0; k < PK_COUNT; k++)
        *dst[k] = c.vals[k] != NULL ? c.vals[k] : md_xstrdup("");
    if (rc != 0) {
        md_aws_profile_release(out);
        if (rc < 0) /* -2: allocation failure inside inih */
            md_die_oom();
        if (line != NULL)
            *line = rc;
        return md_err_set(err, MD_ERR_CONFIG, "syntax error at line %d", rc);
    }
    return MD_OK;
}

/* ---- credential_process output ---------------------------------------------------------- */

/*
 * Messages name the member that is wrong, never its value. Version must be
 * 1, as botocore requires: a future format may mean something else.
 */
md_status md_aws_process_output(const char *json, size_t len, int64_t now_ms,
                                struct md_aws_creds *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    struct md_err perr = MD_ERR_INIT;
    if (jsonx_parse(json, len, AWS_MAX_FILE, &root, &perr) != MD_OK)
        return md_err_set(err, MD_ERR_AUTH, "its output is not JSON (%s)", perr.msg);
    md_status st = MD_OK;
    const cJSON *ver = jsonx_get(root, "Version");
    const char *id = jsonx_str_raw(root, "AccessKeyId");
    const char *secret = jsonx_str_raw(root, "SecretAccessKey");
    const cJSON *tok = jsonx_get(root, "SessionToken");
    const cJSON *exp = jsonx_get(root, "Expiration");
    int64_t exp_ms = 0;
    if (!cJSON_IsObject(root))
        st = md_err_set(err, MD_ERR_AUTH, "its output is not a JSON object");
    else if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
        st = md_err_set(err, MD_ERR_AUTH, "its output has no \"Version\": 1");
    else if (id == NULL || id[0] == '\0' || !aws_secret_ok(id))
        st = md_err_set(err, MD_ERR_AUTH, "its output has no usable AccessKeyId");
    else if (secret == NULL || secret[0] == '\0' || !aws_secret_ok(secret))
        st = md_err_set(err, MD_ERR_AUTH, "its output has no usable SecretAccessKey");
    else if (tok != NULL && !cJSON_IsNull(tok) &&
             (!cJSON_IsString(tok) || !aws_secret_ok(tok->valuestring)))
        st = md_err_set(err, MD_ERR_AUTH, "its output has an unusable SessionToken");
    else if (exp != NULL && !cJSON_IsNull(exp) &&
             (!cJSON_IsString(exp) || md_aws_parse_time(exp->valuestring, &exp_ms) != MD_OK))
        st = md_err_set(err, MD_ERR_AUTH, "its output has an unreadable Expiration");
    if (st == MD_OK && exp_ms != 0 && exp_ms <= now_ms) {
        char when[40];
        aws_fmt_time(when, sizeof(when), exp_ms);
        st = md_err_set(err, MD_ERR_AUTH, "it returned credentials that expired at %s", when);
    }
    if (st == MD_OK) {
        out->access_key_id = md_xstrdup(id);
        out->secret_access_key = md_xstrdup(secret);
        out->session_token = md_xstrdup(cJSON_IsString(tok) ? tok->valuestring : "");
        out->expires_ms = exp_ms;
    }
    /* the tree holds the secret: wipe its strings before cJSON frees them */
    if (secret != NULL)
        explicit_bzero(jsonx_get(root, "SecretAccessKey")->valuestring, strlen(secret));
    if (cJSON_IsString(tok))
        explicit_bzero(tok->valuestring, strlen(tok->valuestring));
    cJSON_Delete(root);
    return st;
}
