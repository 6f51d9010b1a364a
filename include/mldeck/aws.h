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

#include "mldeck/md.h"

enum md_aws_service { MD_AWS_SAGEMAKER = 0, MD_AWS_CLOUDWATCH, MD_AWS_S3, MD_AWS_SERVICE_COUNT };

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

/* Everything resolved for one backend. Owned; md_aws_release() frees and wipes. */
struct md_aws {
    char *profile; /* the profile name in effect, even when the environment won */
    char *region;
    char *endpoints[MD_AWS_SERVICE_COUNT]; /* base URLs, no trailing '/' */
    bool endpoint_overridden;              /* any endpoint not the public default */
    struct md_aws_creds creds;
    enum md_aws_source source;
    char *source_file;        /* the file the keys came from, "" otherwise; not secret */
    char *credential_process; /* the command, kept to refresh; "" when none */
};

/* What the mldeck configuration says; NULL or "" means "not set". Borrowed. */
struct md_aws_opts {
    const char *profile;
    const char *region;
    const char *endpoint_url;
};

/*
 * Resolve credentials, region and endpoints as described above, reading
 * the environment and the two files (and running credential_process when
 * that is where the keys come from). `out` is overwritten. Errors:
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
 * credential_process again. Other sources cannot renew themselves:
 * MD_ERR_AUTH "... expired ...". The instance keeps its old keys on error.
 */
md_status md_aws_refresh(struct md_aws *a, struct md_err *err);

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
