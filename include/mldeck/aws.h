/*
 * aws.h - AWS credentials, region and service endpoints, found the way the
 * AWS CLI finds them, for the backends that sign requests with SigV4.
 *
 * Credentials, first match wins:
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
 *      legacy AWS_SECURITY_TOKEN; AWS_CREDENTIAL_EXPIRATION), unless the
 *      mldeck configuration names a profile explicitly (as `aws --profile`
 *      does, AWS_PROFILE alone does not skip them);
 *   2. the profile's static keys in the shared credentials file
 *      (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section
 *      [NAME]);
 *   3. the profile's credential_process (run through /bin/sh -c, its JSON
 *      read from stdout);
 *   4. the profile's static keys in the config file (AWS_CONFIG_FILE,
 *      default ~/.aws/config, section [profile NAME], or [default]).
 * This is botocore's order for the parts mldeck supports. Profile name:
 * the mldeck configuration, then AWS_PROFILE, then AWS_DEFAULT_PROFILE, then
 * "default". Assume-role, SSO and web-identity profiles are recognised and
 * refused with a message that names the workaround (credential_process).
 *
 * Region, first match wins: the mldeck configuration (explicit, like
 * `aws --region`), AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`.
 * No region is an error: AWS has no default.
 *
 * Service endpoints, first match wins: the backend's `url` in the mldeck
 * configuration (one URL for every service, e.g. a moto server), then,
 * unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true,
 * AWS_ENDPOINT_URL_SAGEMAKER / _CLOUDWATCH / _S3, AWS_ENDPOINT_URL and the
 * profile's `endpoint_url`; else the public endpoint of the region
 * (https://api.sagemaker.REGION.amazonaws.com, monitoring., s3.; .com.cn
 * for cn- regions). Requests are signed with the real service name and
 * region whatever the URL.
 *
 * Secrets are kept in memory only: never logged, never in an error message,
 * wiped by md_aws_release(). Errors name the profile and the cause.
 */
#ifndef MLDECK_AWS_H
#define MLDECK_AWS_H

#include "mldeck/cred.h"
#include "mldeck/http.h"

/* The services mldeck talks to; CloudTrail and CloudWatch Logs read only (history, logs). */
enum md_aws_service {
    MD_AWS_SAGEMAKER = 0,
    MD_AWS_CLOUDWATCH,
    MD_AWS_S3,
    MD_AWS_CLOUDTRAIL,
    MD_AWS_LOGS,
    MD_AWS_SERVICE_COUNT
};

enum md_aws_source {
    MD_AWS_SRC_NONE = 0,
    MD_AWS_SRC_ENV,              /* AWS_ACCESS_KEY_ID and friends */
    MD_AWS_SRC_CREDENTIALS_FILE, /* static keys in the shared credentials file */
    MD_AWS_SRC_PROCESS,          /* credential_process */
    MD_AWS_SRC_CONFIG_FILE,      /* static keys in the config file */
};

/* A key pair. Every string is non-NULL ("" when absent) and secret. */
struct md_aws_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t expires_ms; /* epoch ms; 0 when the source gives no expiry */
};

/* The state of md_aws_cred()'s source; private to aws.c. */
struct md_aws_src;

/*
 * Everything resolved for one backend. Owned; md_aws_release() frees and
 * wipes. The record may be copied (moved) before md_aws_cred() is called on
 * it, never after: the source keeps its address.
 */
struct md_aws {
    char *profile; /* the profile name in effect, even when the environment won */
    char *region;
    char *endpoints[MD_AWS_SERVICE_COUNT]; /* base URLs, no trailing '/' */
    bool endpoint_overridden;              /* any endpoint not the public default */
    struct md_aws_creds creds;
    enum md_aws_source source;
    char *source_file;        /* the file the keys came from, "" otherwise; not secret */
    char *credential_process; /* the command, kept to refresh; "" when none */
    struct md_aws_src *src;   /* md_aws_cred()'s state, NULL before it */
};

/* What the mldeck configuration says; NULL or "" means "not set". Borrowed. */
struct md_aws_opts {
    const char *profile;
    const char *region;
    const char *endpoint_url;
    /*
     * Do not run credential_process here: when it is where the keys come
     * from, md_aws_resolve() only records that (source MD_AWS_SRC_PROCESS,
     * credential_process set, the keys "" and expires_ms 0) and the keys
     * are fetched later, without blocking, through md_aws_cred(). Other
     * sources are unaffected: their keys are there at once.
     */
    bool defer_process;
};

/*
 * Resolve credentials, region and endpoints as described above, reading
 * the environment and the two files (and running credential_process when
 * that is where the keys come from, unless opts->defer_process: then this
 * never blocks on a child). `out` is overwritten. Errors:
 * MD_ERR_AUTH (no credentials, half a key pair, expired credentials,
 * credential_process failed or returned something unusable),
 * MD_ERR_CONFIG (no region, bad region, bad endpoint URL, unknown explicit
 * profile, unsupported profile kind, INI syntax error with file:line),
 * MD_ERR_IO (a file that exists cannot be read), MD_ERR_TOO_BIG (a file
 * over 1 MiB). On error `out` holds nothing.
 */
md_status md_aws_resolve(struct md_aws *out, const struct md_aws_opts *opts, struct md_err *err);

/*
 * New credentials for a resolved instance whose keys expire: runs
 * credential_process again and waits for it (up to 30 s), so it is for
 * threads off the event loop (the drift worker's S3 client); the loop uses
 * md_aws_cred(). Other sources cannot renew themselves: MD_ERR_AUTH "...
 * expired ...". The instance keeps its old keys on error.
 */
md_status md_aws_refresh(struct md_aws *a, struct md_err *err);

/* How long before they expire md_aws_cred()'s ready() stops taking keys. */
#define MD_AWS_CRED_MARGIN_MS 60000

/*
 * The keys of a resolved instance as a credential source (mldeck/cred.h)
 * for clients on the event loop, which queue their requests behind one
 * fetch when the keys are not ready (the backends' engine gate):
 *  - ready(): the keys are present and do not expire within
 *    MD_AWS_CRED_MARGIN_MS (keys without expiry never do). False for a
 *    profile resolved with defer_process until the first fetch;
 *  - token(): always NULL (the client signs with a->creds itself, read
 *    while ready() is true and copied by md_http_submit());
 *  - fetch(cb, ud): for credential_process, runs the command through
 *    /bin/sh -c as an md_proc child on `http` (30 s time-out, stdout read up
 *    to 1 MiB and wiped after parsing) and, when it prints usable keys,
 *    replaces a->creds with them; for other sources, whose keys cannot be
 *    renewed, reports MD_ERR_AUTH "credentials of ... expired at ...; renew
 *    them and restart". cb is called once from inside md_http_run(), never
 *    from fetch() itself (with MD_OK at once, through md_http_defer(), when
 *    the keys are already ready). Fetches are shared: callers arriving while
 *    one runs wait for the same one and hear the same outcome. The errors
 *    are md_aws_resolve()'s for credential_process (MD_ERR_AUTH naming the
 *    profile: exit status and the first line of stderr, time-out, output
 *    too big, unusable or expired output). Returns the id of the md_proc
 *    child or deferral carrying the outcome (an md_http id);
 *  - serial(): 1 for keys present at md_aws_cred(), 0 before the first
 *    fetch of deferred keys; grows by one with every key set a fetch (or
 *    md_aws_refresh()) brings;
 *  - refused: NULL for static keys (environment, files), which no fetch can
 *    cure; for credential_process keys, forgets the keys sent as `serial`
 *    if they are still the current ones, so that the next fetch runs the
 *    process again.
 * *out lends `a`, which must stay where it is and outlive every client;
 * `http` must outlive `a`'s fetches. Calling it again on the same record
 * returns a source over the same state. md_aws_release() frees that state:
 * free the md_http first (which ends a running child without calling back),
 * or let the fetch finish; waiters still queued are dropped without a call.
 */
void md_aws_cred(struct md_aws *a, md_http *http, struct md_cred_source *out);

/* True when the keys expire within margin_ms of now_ms (never for keys without expiry). */
bool md_aws_expiring(const struct md_aws *a, int64_t now_ms, int64_t margin_ms);

/*
 * "profile 'NAME'" or "the AWS_* environment credentials": who the keys
 * belong to, for messages. Written into buf (n bytes); returns buf.
 */
const char *md_aws_who(const struct md_aws *a, char *buf, size_t n);

/* Frees and wipes; the record is zeroed. NULL is a no-op. */
void md_aws_release(struct md_aws *a);
/* Wipes and frees the strings of a key pair; zeroes it. */
void md_aws_creds_release(struct md_aws_creds *c);

/* The SigV4 signing name: "sagemaker", "monitoring", "s3". Static. */
const char *md_aws_signing_name(enum md_aws_service s);
/* libcurl's CURLOPT_AWS_SIGV4 value "aws:amz:REGION:SERVICE" (free()). */
char *md_aws_sigv4_param(const struct md_aws *a, enum md_aws_service s);

/*
 * One profile of an INI file, as mldeck reads it. `config_style` selects
 * the config file's section names ([profile NAME], [default]) over the
 * credentials file's ([NAME]). Keys match case-insensitively; an indented
 * continuation line extends the value before it (credential_process), or
 * belongs to a nested block (`s3 =` ...) that is skipped. Every string is
 * non-NULL; secrets are wiped by md_aws_profile_release().
 */
struct md_aws_profile {
    bool found; /* a section for the profile exists */
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    char *region;
    char *credential_process;
    char *endpoint_url;
    char *unsupported; /* first key of a kind mldeck cannot use (role_arn, sso_session, ...) */
};

/*
 * Parse `len` bytes of INI text and fill `out` with the section for
 * `name`. Errors: MD_ERR_CONFIG "syntax error at line N" (*line set, when
 * not NULL), MD_ERR_TOO_BIG past 1 MiB. On error `out` holds nothing.
 */
md_status md_aws_profile_parse(const char *text, size_t len, const char *name, bool config_style,
                               struct md_aws_profile *out, int *line, struct md_err *err);
void md_aws_profile_release(struct md_aws_profile *p);

/*
 * credential_process output: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"? (ISO 8601)}. Errors: MD_ERR_AUTH naming
 * the missing or wrong member (never its value), or "expired at TIME" when
 * Expiration is not after now_ms. On error `out` holds nothing.
 */
md_status md_aws_process_output(const char *json, size_t len, int64_t now_ms,
                                struct md_aws_creds *out, struct md_err *err);

/*
 * ISO 8601 date-time ("2026-11-26T10:00:00Z", fractions, "+01:00" offsets,
 * a space for the 'T') to epoch ms. MD_ERR_INVALID when unreadable.
 */
md_status md_aws_parse_time(const char *s, int64_t *out_ms);

#endif
