/*
 * Unit tests for core/net/aws.c: the credential chain and its precedence, INI
 * parsing through libinih ([profile x] sections, comments, long tokens,
 * continuation lines), credential_process (at resolution, and beside the
 * event loop as a credential source), the region order and endpoint
 * overrides. Each test runs with HOME in a fresh temporary directory and
 * every AWS_* variable cleared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mldeck/aws.h"
#include "testutil.h"

static char home[256];

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_S3",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
};

/* Writes HOME/rel (under the test's HOME); returns its path (tu_path). */
static const char *home_file(const char *rel, const char *text)
{
    return tu_write_file(tu_path("%s/%s", home, rel), text);
}

static int setup(void **state)
{
    (void)state;
    if (tu_mkdtemp(home, sizeof(home), "test-aws"))
        return -1;
    mkdir(tu_path("%s/.aws", home), 0700);
    tu_unsetenv(aws_vars, MD_ARRAY_LEN(aws_vars));
    setenv("HOME", home, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_rm_rf(home);
}

static md_status resolve(struct md_aws *a, const char *profile, const char *region, const char *url,
                         struct md_err *err)
{
    struct md_aws_opts o = {.profile = profile, .region = region, .endpoint_url = url};
    md_err_clear(err);
    return md_aws_resolve(a, &o, err);
}

static md_status resolve_ok(struct md_aws *a, const char *profile, const char *region,
                            const char *url)
{
    struct md_err err = MD_ERR_INIT;
    md_status st = resolve(a, profile, region, url, &err);
    if (st != MD_OK)
        fail_msg("resolve failed: %s", err.msg);
    return st;
}

static const char creds_file[] = "# shared credentials\n"
                                 "[default]\n"
                                 "aws_access_key_id = AKIADEFAULT\n"
                                 "aws_secret_access_key = default-secret\n"
                                 "\n"
                                 "[prod]\n"
                                 "; a comment\n"
                                 "AWS_ACCESS_KEY_ID=AKIAPROD\n"
                                 "aws_secret_access_key   =   prod-secret;not-a-comment\n"
                                 "aws_session_token = prod-token\n"
                                 "region = ap-south-1\n"
                                 "\n"
                                 "[profile prod]\n"
                                 "aws_access_key_id = AKIAWRONG\n";

static const char config_file[] = "[default]\n"
                                  "region = eu-west-1\n"
                                  "\n"
                                  "[profile prod]\n"
                                  "region = us-east-2\n"
                                  "s3 =\n"
                                  "  endpoint_url = http://nested-block-not-the-profile\n"
                                  "  max_concurrent_requests = 10\n"
                                  "\n"
                                  "[profile cfgonly]\n"
                                  "aws_access_key_id = AKIACFG\n"
                                  "aws_secret_access_key = cfg-secret\n"
                                  "region = sa-east-1\n"
                                  "endpoint_url = http://127.0.0.1:5555/\n"
                                  "\n"
                                  "[cfgonly]\n"
                                  "region = eu-north-1\n"
                                  "\n"
                                  "[profile role]\n"
                                  "role_arn = arn:aws:iam::1:role/x\n"
                                  "source_profile = default\n"
                                  "region = eu-west-1\n"
                                  "\n"
                                  "[sso-session corp]\n"
                                  "sso_start_url = https://corp.awsapps.com/start\n";

/* ---- the chain -------------------------------------------------------------------------- */

static void test_env_first(void **state)
{
    (void)state;
    home_file(".aws/credentials", creds_file);
    home_file(".aws/config", config_file);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    setenv("AWS_PROFILE", "prod", 1); /* does not skip the environment keys */
    struct md_aws a;
    resolve_ok(&a, NULL, NULL, NULL);
    assert_int_equal(a.source, MD_AWS_SRC_ENV);
    assert_string_equal(a.creds.access_key_id, "AKIAENV");
    assert_string_equal(a.creds.secret_access_key, "env-secret");
    assert_string_equal(a.creds.session_token, "env-token");
    assert_string_equal(a.profile, "prod");
    assert_string_equal(a.region, "ap-south-1"); /* the profile's region still counts */
    char who[96];
    assert_string_equal(md_aws_who(&a, who, sizeof(who)), "the AWS_* environment credentials");
    md_aws_release(&a);
    assert_null(a.creds.access_key_id);

    /* an explicit profile in the mldeck config means those keys */
    resolve_ok(&a, "prod", NULL, NULL);
    assert_int_equal(a.source, MD_AWS_SRC_CREDENTIALS_FILE);
    assert_string_equal(a.creds.access_key_id, "AKIAPROD");
    assert_string_equal(md_aws_who(&a, who, sizeof(who)), "profile 'prod'");
    md_aws_release(&a);

    /* legacy token name */
    unsetenv("AWS_SESSION_TOKEN");
    setenv("AWS_SECURITY_TOKEN", "legacy-token", 1);
    resolve_ok(&a, NULL, NULL, NULL);
    assert_string_equal(a.creds.session_token, "legacy-token");
    md_aws_release(&a);
}

static void test_env_half_pair(void **state)
{
    (void)state;
    home_file(".aws/credentials", creds_file);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    struct md_aws a;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(resolve(&a, NULL, NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "AWS_SECRET_ACCESS_KEY is not"));
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_SECRET_ACCESS_KEY", "lonely-secret", 1);
    assert_int_equal(resolve(&a, NULL, NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "AWS_ACCESS_KEY_ID is not"));
    assert_null(strstr(err.msg, "lonely-secret"));
    /* a CR/LF in a token would add request headers */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SESSION_TOKEN", "tok\r\nX-Evil: 1", 1);
    assert_int_equal(resolve(&a, NULL, NULL, NULL, &err), MD_ERR_AUTH);
    assert_null(strstr(err.msg, "Evil"));
}

static void test_profiles(void **state)
{
    (void)state;
    home_file(".aws/credentials", creds_file);
    home_file(".aws/config", config_file);
    struct md_aws a;
    /* default: credentials file keys, config region */
    resolve_ok(&a, NULL, NULL, NULL);
    assert_string_equal(a.profile, "default");
    assert_string_equal(a.creds.access_key_id, "AKIADEFAULT");
    assert_string_equal(a.creds.session_token, "");
    assert_string_equal(a.region, "eu-west-1");
    assert_non_null(strstr(a.source_file, ".aws/credentials"));
    md_aws_release(&a);

    /* [prod] in the credentials file; "[profile prod]" there is another profile */
    setenv("AWS_PROFILE", "prod", 1);
    resolve_ok(&a, NULL, NULL, NULL);
    assert_string_equal(a.creds.access_key_id, "AKIAPROD");
    assert_string_equal(a.creds.secret_access_key, "prod-secret;not-a-comment");
    assert_string_equal(a.creds.session_token, "prod-token");
    /* the credentials file's region beats the config's, as in botocore's merge */
    assert_string_equal(a.region, "ap-south-1");
    /* the nested "s3 =" block is not the profile's endpoint */
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER],
                        "https://api.sagemaker.ap-south-1.amazonaws.com");
    assert_false(a.endpoint_overridden);
    md_aws_release(&a);

    /* keys only in the config file, [profile x]; the bare [cfgonly] section is ignored */
    unsetenv("AWS_PROFILE");
    setenv("AWS_DEFAULT_PROFILE", "cfgonly", 1);
    resolve_ok(&a, NULL, NULL, NULL);
    assert_int_equal(a.source, MD_AWS_SRC_CONFIG_FILE);
    assert_string_equal(a.creds.access_key_id, "AKIACFG");
    assert_string_equal(a.region, "sa-east-1");
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER], "http://127.0.0.1:5555");
    assert_string_equal(a.endpoints[MD_AWS_CLOUDWATCH], "http://127.0.0.1:5555");
    assert_true(a.endpoint_overridden);
    md_aws_release(&a);
    unsetenv("AWS_DEFAULT_PROFILE");

    /* files elsewhere, "~/" expanded */
    home_file("other.ini", "[alt]\naws_access_key_id=AKIAALT\naws_secret_access_key=s\n"
                           "region=us-west-2\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/other.ini", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    resolve_ok(&a, "alt", NULL, NULL);
    assert_string_equal(a.creds.access_key_id, "AKIAALT");
    assert_string_equal(a.region, "us-west-2");
    md_aws_release(&a);
}

static void test_profile_errors(void **state)
{
    (void)state;
    struct md_aws a;
    struct md_err err = MD_ERR_INIT;
    /* nothing at all */
    assert_int_equal(resolve(&a, NULL, "eu-west-1", NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "no AWS credentials"));
    assert_non_null(strstr(err.msg, "profile 'default'"));
    /* a named profile that does not exist */
    home_file(".aws/credentials", creds_file);
    home_file(".aws/config", config_file);
    assert_int_equal(resolve(&a, "nope", NULL, NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "profile 'nope'"));
    assert_non_null(strstr(err.msg, "no such profile"));
    /* assume-role profiles are refused with the workaround */
    assert_int_equal(resolve(&a, "role", NULL, NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "'role_arn'"));
    assert_non_null(strstr(err.msg, "credential_process"));
    /* half a key pair in a file */
    home_file(".aws/credentials", "[half]\naws_access_key_id = AKIAHALF\n");
    assert_int_equal(resolve(&a, "half", "eu-west-1", NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "no aws_secret_access_key"));
    /* a syntax error names the file and line */
    home_file(".aws/credentials", "[ok]\naws_access_key_id = A\nthis line has no equals\n");
    assert_int_equal(resolve(&a, "ok", "eu-west-1", NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "credentials file"));
    assert_non_null(strstr(err.msg, "line 3"));
    /* a profile with a section but nothing usable */
    home_file(".aws/credentials", "[empty]\nregion = eu-west-1\n");
    assert_int_equal(resolve(&a, "empty", NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "no aws_access_key_id or credential_process"));
}

/* ---- INI details ------------------------------------------------------------------------ */

static void test_ini_parse(void **state)
{
    (void)state;
    /* a session token far over inih's default 200-byte line */
    char tok[1601];
    for (size_t i = 0; i < sizeof(tok) - 1; i++)
        tok[i] = (char)('A' + i % 26);
    tok[sizeof(tok) - 1] = '\0';
    char text[2400];
    snprintf(text, sizeof(text),
             "\xEF\xBB\xBF[profile long]\n"
             "aws_session_token = %s\n"
             "credential_process = /bin/echo\n"
             "    --flag value\n"
             "# end\n",
             tok);
    struct md_aws_profile p;
    struct md_err err = MD_ERR_INIT;
    int line = -1;
    assert_int_equal(md_aws_profile_parse(text, strlen(text), "long", true, &p, &line, &err),
                     MD_OK);
    assert_true(p.found);
    assert_int_equal(strlen(p.session_token), 1600);
    assert_string_equal(p.session_token, tok);
    assert_string_equal(p.credential_process, "/bin/echo --flag value");
    assert_string_equal(p.region, "");
    assert_null(p.unsupported);
    md_aws_profile_release(&p);

    /* the same text read credentials-style has no section "long" */
    assert_int_equal(md_aws_profile_parse(text, strlen(text), "long", false, &p, &line, &err),
                     MD_OK);
    assert_false(p.found);
    md_aws_profile_release(&p);

    /* [profile default] and [default] both name the default profile in the config */
    static const char cfg[] = "[profile default]\nregion=r1\n[default]\nsso_session=corp\n";
    assert_int_equal(md_aws_profile_parse(cfg, strlen(cfg), "default", true, &p, NULL, &err),
                     MD_OK);
    assert_string_equal(p.region, "r1");
    assert_string_equal(p.unsupported, "sso_session");
    md_aws_profile_release(&p);

    static const char bad[] = "[a]\nx = 1\n[unterminated\ny = 2\n";
    assert_int_equal(md_aws_profile_parse(bad, strlen(bad), "a", false, &p, &line, &err),
                     MD_ERR_CONFIG);
    assert_int_equal(line, 3);
    assert_null(p.access_key_id);
}

/* ---- credential_process ----------------------------------------------------------------- */

static void write_helper(const char *body)
{
    chmod(home_file(".aws/helper.sh", body), 0700);
}

static void test_process(void **state)
{
    (void)state;
    char conf[600];
    snprintf(conf, sizeof(conf),
             "[profile proc]\nregion = eu-west-1\ncredential_process = %s/.aws/helper.sh\n", home);
    home_file(".aws/config", conf);
    write_helper("#!/bin/sh\n"
                 "n=$(cat \"$HOME/.aws/count\" 2>/dev/null || echo 0); n=$((n+1)); "
                 "echo $n > \"$HOME/.aws/count\"\n"
                 "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC'$n'\", "
                 "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", "
                 "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
    struct md_aws a;
    resolve_ok(&a, "proc", NULL, NULL);
    assert_int_equal(a.source, MD_AWS_SRC_PROCESS);
    assert_string_equal(a.creds.access_key_id, "ASIAPROC1");
    assert_string_equal(a.creds.session_token, "proc-token");
    assert_true(a.creds.expires_ms == INT64_C(4070908800000));
    assert_false(md_aws_expiring(&a, INT64_C(4070908800000) - 120000, 60000));
    assert_true(md_aws_expiring(&a, INT64_C(4070908800000) - 30000, 60000));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_aws_refresh(&a, &err), MD_OK); /* runs the helper again */
    assert_string_equal(a.creds.access_key_id, "ASIAPROC2");
    md_aws_release(&a);

    /* the credentials file's static keys come before the process */
    home_file(".aws/credentials", "[proc]\naws_access_key_id=AKIASTATIC\n"
                                  "aws_secret_access_key=s\n");
    resolve_ok(&a, "proc", NULL, NULL);
    assert_string_equal(a.creds.access_key_id, "AKIASTATIC");
    err = (struct md_err)MD_ERR_INIT;
    assert_int_equal(md_aws_refresh(&a, &err), MD_ERR_AUTH); /* static keys cannot renew */
    assert_non_null(strstr(err.msg, "profile 'proc'"));
    md_aws_release(&a);
    home_file(".aws/credentials", "");

    /* expired credentials */
    write_helper("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", "
                 "\"SecretAccessKey\": \"expired-secret\", "
                 "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n");
    assert_int_equal(resolve(&a, "proc", NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "credential_process of profile 'proc'"));
    assert_non_null(strstr(err.msg, "expired at 2001-01-01T00:00:00Z"));
    assert_null(strstr(err.msg, "expired-secret"));

    /* a failing helper: exit status and the first stderr line */
    write_helper("#!/bin/sh\necho 'sso session expired, run aws sso login' >&2\n"
                 "echo 'second line' >&2\nexit 3\n");
    assert_int_equal(resolve(&a, "proc", NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "exit status 3"));
    assert_non_null(strstr(err.msg, "sso session expired, run aws sso login"));
    assert_null(strstr(err.msg, "second line"));

    /* unusable output */
    write_helper("#!/bin/sh\necho 'not json'\n");
    assert_int_equal(resolve(&a, "proc", NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "not JSON"));
    write_helper("#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", "
                 "\"SecretAccessKey\": \"B\"}'\n");
    assert_int_equal(resolve(&a, "proc", NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "Version"));
}

/* ---- credential_process beside the loop (md_aws_cred) ---------------------------------- */

struct fetched {
    int calls;
    md_status st;
    struct md_err err;
    int64_t at;
};

static void on_fetched(md_status st, const struct md_err *err, void *ud)
{
    struct fetched *f = ud;
    f->calls++;
    f->st = st;
    f->err = *err;
    f->at = md_mono_ms();
}

/* Drive the loop until f has been called, answering a "key" on a pipe every pass. */
static int64_t loop_until(md_http *h, const struct fetched *f, int ms)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    int64_t worst = 0;
    int64_t end = md_mono_ms() + ms;
    while (f->calls == 0 && md_mono_ms() < end) {
        assert_int_equal(write(p[1], "k", 1), 1);
        struct md_pollfd fd = {p[0], POLLIN, 0};
        int64_t t = md_mono_ms();
        md_http_poll(h, &fd, 1, 1000);
        if (md_mono_ms() - t > worst)
            worst = md_mono_ms() - t;
        char c;
        assert_int_equal(read(p[0], &c, 1), 1);
        md_http_run(h);
    }
    close(p[0]);
    close(p[1]);
    return worst;
}

static int helper_runs(void)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/.aws/count", home);
    FILE *f = fopen(path, "r");
    int n = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

static const char counting_helper[] =
    "#!/bin/sh\n"
    "sleep \"${HELPER_SLEEP:-0}\"\n"
    "n=$(cat \"$HOME/.aws/count\" 2>/dev/null || echo 0); n=$((n+1)); "
    "echo $n > \"$HOME/.aws/count\"\n"
    "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC'$n'\", "
    "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", "
    "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n";

static void resolve_deferred(struct md_aws *a)
{
    struct md_aws_opts o = {.profile = "proc", .defer_process = true};
    struct md_err err = MD_ERR_INIT;
    if (md_aws_resolve(a, &o, &err) != MD_OK)
        fail_msg("resolve failed: %s", err.msg);
}

static void test_process_deferred(void **state)
{
    (void)state;
    char conf[600];
    snprintf(conf, sizeof(conf),
             "[profile proc]\nregion = eu-west-1\ncredential_process = %s/.aws/helper.sh\n", home);
    home_file(".aws/config", conf);
    write_helper(counting_helper);
    setenv("HELPER_SLEEP", "1", 1);

    /* resolution finds the source and runs nothing */
    struct md_aws a;
    int64_t t0 = md_mono_ms();
    resolve_deferred(&a);
    assert_true(md_mono_ms() - t0 < 500);
    assert_int_equal(helper_runs(), 0);
    assert_int_equal(a.source, MD_AWS_SRC_PROCESS);
    assert_string_equal(a.creds.access_key_id, "");
    assert_string_equal(a.credential_process + strlen(home), "/.aws/helper.sh");

    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    struct md_cred_source src;
    md_aws_cred(&a, h, &src);
    assert_false(src.ready(src.impl));
    assert_null(src.token(src.impl));
    assert_true(src.serial(src.impl) == 0);
    assert_non_null(src.refused);

    /* two callers, one run of the helper, the loop answering throughout */
    struct fetched f1 = {0};
    struct fetched f2 = {0};
    t0 = md_mono_ms();
    uint64_t id = src.fetch(src.impl, on_fetched, &f1);
    assert_true(id != 0);
    assert_true(src.fetch(src.impl, on_fetched, &f2) == id);
    assert_true(md_mono_ms() - t0 < 200);
    assert_int_equal(f1.calls, 0);
    assert_int_equal(md_http_pending(h), 1);
    int64_t worst = loop_until(h, &f1, 10000);
    assert_true(worst < 100);
    assert_int_equal(f1.calls, 1);
    assert_int_equal(f2.calls, 1);
    assert_int_equal(f1.st, MD_OK);
    assert_true(f1.at - t0 >= 1000);
    assert_int_equal(helper_runs(), 1);
    assert_true(src.ready(src.impl));
    assert_true(src.serial(src.impl) == 1);
    assert_string_equal(a.creds.access_key_id, "ASIAPROC1");
    assert_string_equal(a.creds.session_token, "proc-token");
    assert_true(a.creds.expires_ms == INT64_C(4070908800000));

    /* ready keys: the fetch still reports from md_http_run(), without running anything */
    unsetenv("HELPER_SLEEP");
    struct fetched f3 = {0};
    src.fetch(src.impl, on_fetched, &f3);
    assert_int_equal(f3.calls, 0);
    md_http_run(h);
    assert_int_equal(f3.calls, 1);
    assert_int_equal(f3.st, MD_OK);
    assert_int_equal(helper_runs(), 1);

    /* a refusal of an older key set changes nothing; of the current one, forgets it */
    src.refused(src.impl, 0);
    assert_true(src.ready(src.impl));
    src.refused(src.impl, 1);
    assert_false(src.ready(src.impl));
    struct fetched f4 = {0};
    src.fetch(src.impl, on_fetched, &f4);
    loop_until(h, &f4, 10000);
    assert_int_equal(f4.st, MD_OK);
    assert_string_equal(a.creds.access_key_id, "ASIAPROC2");
    assert_true(src.serial(src.impl) == 2);

    /* the synchronous refresh (the S3 worker's) moves the same serial on */
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_aws_refresh(&a, &err), MD_OK);
    assert_string_equal(a.creds.access_key_id, "ASIAPROC3");
    assert_true(src.serial(src.impl) == 3);

    /* keys about to expire are not ready: the next fetch runs the helper */
    md_set_clock_ms(INT64_C(4070908800000) - 30000);
    assert_false(src.ready(src.impl));
    md_set_clock_ms(0);

    /* a failing helper: the same message as at resolution, from md_http_run() */
    write_helper("#!/bin/sh\necho 'sso session expired, run aws sso login' >&2\n"
                 "echo 'second line' >&2\nexit 3\n");
    src.refused(src.impl, 3);
    struct fetched f5 = {0};
    src.fetch(src.impl, on_fetched, &f5);
    loop_until(h, &f5, 10000);
    assert_int_equal(f5.st, MD_ERR_AUTH);
    assert_string_equal(f5.err.msg, "credential_process of profile 'proc' failed (exit status 3): "
                                    "sso session expired, run aws sso login");
    assert_false(src.ready(src.impl));
    assert_true(src.serial(src.impl) == 3);

    /* unusable output never shows in the message */
    write_helper("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", "
                 "\"SecretAccessKey\": \"expired-secret\", "
                 "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n");
    struct fetched f6 = {0};
    src.fetch(src.impl, on_fetched, &f6);
    loop_until(h, &f6, 10000);
    assert_int_equal(f6.st, MD_ERR_AUTH);
    assert_non_null(strstr(f6.err.msg, "expired at 2001-01-01T00:00:00Z"));
    assert_null(strstr(f6.err.msg, "expired-secret"));

    /* freeing the loop while the helper runs: killed, no call; then the record goes */
    write_helper("#!/bin/sh\nsleep 30\n");
    struct fetched f7 = {0};
    src.fetch(src.impl, on_fetched, &f7);
    md_http_run(h);
    t0 = md_mono_ms();
    md_http_free(h);
    assert_true(md_mono_ms() - t0 < 500);
    assert_int_equal(f7.calls, 0);
    md_aws_release(&a);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* Keys with nothing to run are ready at once; those that cannot be renewed say so. */
static void test_static_source(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    struct md_aws a;
    struct md_aws_opts o = {.defer_process = true};
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_aws_resolve(&a, &o, &err), MD_OK);
    md_http *h = NULL;
    assert_int_equal(md_http_new(&h, NULL), MD_OK);
    struct md_cred_source src;
    md_aws_cred(&a, h, &src);
    assert_true(src.ready(src.impl));
    assert_true(src.serial(src.impl) == 1);
    assert_null(src.refused);
    struct fetched f = {0};
    src.fetch(src.impl, on_fetched, &f);
    assert_int_equal(f.calls, 0);
    md_http_run(h);
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.st, MD_OK);
    md_aws_release(&a);

    /* environment keys that expire within the margin cannot be renewed */
    char when[40];
    time_t soon = time(NULL) + 30;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&soon));
    setenv("AWS_CREDENTIAL_EXPIRATION", when, 1);
    assert_int_equal(md_aws_resolve(&a, &o, &err), MD_OK);
    md_aws_cred(&a, h, &src);
    assert_false(src.ready(src.impl));
    struct fetched f2 = {0};
    src.fetch(src.impl, on_fetched, &f2);
    md_http_run(h);
    assert_int_equal(f2.calls, 1);
    assert_int_equal(f2.st, MD_ERR_AUTH);
    char want[200];
    snprintf(want, sizeof(want),
             "credentials of the AWS_* environment credentials expired at %s; renew them and "
             "restart",
             when);
    assert_string_equal(f2.err.msg, want);
    md_http_free(h);
    md_aws_release(&a);
}

static void test_process_output(void **state)
{
    (void)state;
    struct md_aws_creds c;
    struct md_err err = MD_ERR_INIT;
    static const char ok[] = "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SK\"}";
    assert_int_equal(md_aws_process_output(ok, strlen(ok), 0, &c, &err), MD_OK);
    assert_string_equal(c.session_token, "");
    assert_true(c.expires_ms == 0);
    md_aws_creds_release(&c);
    static const char no_secret[] = "{\"Version\":1,\"AccessKeyId\":\"AK\"}";
    assert_int_equal(md_aws_process_output(no_secret, strlen(no_secret), 0, &c, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "SecretAccessKey"));
    assert_null(c.access_key_id);
    md_err_clear(&err);
    static const char bad_time[] = "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":"
                                   "\"SK\",\"Expiration\":\"tomorrow\"}";
    assert_int_equal(md_aws_process_output(bad_time, strlen(bad_time), 0, &c, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "Expiration"));
    md_err_clear(&err);
    static const char inject[] = "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":"
                                 "\"SK\",\"SessionToken\":\"a\\r\\nX: y\"}";
    assert_int_equal(md_aws_process_output(inject, strlen(inject), 0, &c, &err), MD_ERR_AUTH);
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(md_aws_parse_time("1970-01-01T00:00:00Z", &ms), MD_OK);
    assert_true(ms == 0);
    assert_int_equal(md_aws_parse_time("2026-11-26T10:00:00.5Z", &ms), MD_OK);
    assert_true(ms == INT64_C(1795687200500));
    assert_int_equal(md_aws_parse_time("2026-11-26T11:00:00+01:00", &ms), MD_OK);
    assert_true(ms == INT64_C(1795687200000));
    assert_int_equal(md_aws_parse_time("2026-11-26 09:30:00-0030", &ms), MD_OK);
    assert_true(ms == INT64_C(1795687200000));
    assert_int_equal(md_aws_parse_time("2026-11-26T10:00:00", &ms), MD_OK); /* UTC */
    assert_int_equal(md_aws_parse_time("2026-13-01T00:00:00Z", &ms), MD_ERR_INVALID);
    assert_int_equal(md_aws_parse_time("2026-11-26", &ms), MD_ERR_INVALID);
    assert_int_equal(md_aws_parse_time("2026-11-26T10:00:00Zjunk", &ms), MD_ERR_INVALID);
    assert_int_equal(md_aws_parse_time(NULL, &ms), MD_ERR_INVALID);
}

static void test_env_expiry(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z", 1);
    struct md_aws a;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(resolve(&a, NULL, NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "the AWS_* environment credentials expired at 2001"));
    setenv("AWS_CREDENTIAL_EXPIRATION", "soon", 1);
    assert_int_equal(resolve(&a, NULL, NULL, NULL, &err), MD_ERR_AUTH);
    assert_non_null(strstr(err.msg, "AWS_CREDENTIAL_EXPIRATION"));
}

/* ---- region and endpoints --------------------------------------------------------------- */

static void test_region_order(void **state)
{
    (void)state;
    home_file(".aws/config", "[profile r]\nregion = from-config-1\n"
                             "aws_access_key_id = A\naws_secret_access_key = B\n");
    struct md_aws a;
    resolve_ok(&a, "r", NULL, NULL);
    assert_string_equal(a.region, "from-config-1");
    md_aws_release(&a);
    home_file(".aws/credentials", "[r]\nregion = from-credentials-1\n");
    resolve_ok(&a, "r", NULL, NULL);
    assert_string_equal(a.region, "from-credentials-1");
    md_aws_release(&a);
    setenv("AWS_DEFAULT_REGION", "default-region-1", 1);
    resolve_ok(&a, "r", NULL, NULL);
    assert_string_equal(a.region, "default-region-1");
    md_aws_release(&a);
    setenv("AWS_REGION", "aws-region-1", 1);
    resolve_ok(&a, "r", NULL, NULL);
    assert_string_equal(a.region, "aws-region-1");
    md_aws_release(&a);
    resolve_ok(&a, "r", "mldeck-region-1", NULL);
    assert_string_equal(a.region, "mldeck-region-1");
    md_aws_release(&a);

    struct md_err err = MD_ERR_INIT;
    assert_int_equal(resolve(&a, "r", "Bad Region!", NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "invalid AWS region"));
    assert_non_null(strstr(err.msg, "the mldeck configuration"));
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    home_file(".aws/credentials", "");
    home_file(".aws/config", "[profile r]\naws_access_key_id = A\naws_secret_access_key = B\n");
    assert_int_equal(resolve(&a, "r", NULL, NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "no AWS region for profile 'r'"));
}

static void test_endpoints(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    struct md_aws a;
    resolve_ok(&a, NULL, "eu-west-1", NULL);
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER],
                        "https://api.sagemaker.eu-west-1.amazonaws.com");
    assert_string_equal(a.endpoints[MD_AWS_CLOUDWATCH],
                        "https://monitoring.eu-west-1.amazonaws.com");
    assert_string_equal(a.endpoints[MD_AWS_S3], "https://s3.eu-west-1.amazonaws.com");
    char *p = md_aws_sigv4_param(&a, MD_AWS_CLOUDWATCH);
    assert_string_equal(p, "aws:amz:eu-west-1:monitoring");
    free(p);
    md_aws_release(&a);
    resolve_ok(&a, NULL, "cn-north-1", NULL);
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER],
                        "https://api.sagemaker.cn-north-1.amazonaws.com.cn");
    md_aws_release(&a);

    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4000/", 1);
    setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:5000", 1);
    resolve_ok(&a, NULL, "eu-west-1", NULL);
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER], "http://127.0.0.1:5000");
    assert_string_equal(a.endpoints[MD_AWS_CLOUDWATCH], "http://127.0.0.1:4000");
    assert_string_equal(a.endpoints[MD_AWS_S3], "http://127.0.0.1:4000");
    assert_true(a.endpoint_overridden);
    md_aws_release(&a);
    /* the mldeck config's url is every service's, and wins */
    resolve_ok(&a, NULL, "eu-west-1", "http://localhost:9999//");
    for (int s = 0; s < MD_AWS_SERVICE_COUNT; s++)
        assert_string_equal(a.endpoints[s], "http://localhost:9999");
    md_aws_release(&a);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    resolve_ok(&a, NULL, "eu-west-1", NULL);
    assert_string_equal(a.endpoints[MD_AWS_SAGEMAKER],
                        "https://api.sagemaker.eu-west-1.amazonaws.com");
    assert_false(a.endpoint_overridden);
    md_aws_release(&a);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

    struct md_err err = MD_ERR_INIT;
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://user:pw@127.0.0.1:1", 1);
    assert_int_equal(resolve(&a, NULL, "eu-west-1", NULL, &err), MD_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "monitoring endpoint URL"));
    assert_non_null(strstr(err.msg, "AWS_ENDPOINT_URL_CLOUDWATCH"));
    assert_null(strstr(err.msg, "pw@"));
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "ftp://x", 1);
    assert_int_equal(resolve(&a, NULL, "eu-west-1", NULL, &err), MD_ERR_CONFIG);
    assert_string_equal(md_aws_signing_name(MD_AWS_SAGEMAKER), "sagemaker");
    assert_string_equal(md_aws_signing_name(MD_AWS_S3), "s3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_env_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_half_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ini_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
