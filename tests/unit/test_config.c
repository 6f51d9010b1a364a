/* Unit tests for core/config/config.c: the table-driven loader, its errors and precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/config.h"
#include "mldeck/drift.h"
#include "testutil.h"

static const char *const env_vars[] = {
    "MLDECK_READ_ONLY",
    "MLDECK_CONTEXT",
    "MLDECK_THEME",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_INSECURE_TLS",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
};

/* Each test starts from an environment without any variable the loader reads. */
static int clean_env(void **state)
{
    (void)state;
    tu_unsetenv(env_vars, MD_ARRAY_LEN(env_vars));
    return 0;
}

static md_status parse(struct md_config *cfg, const char *yaml, struct md_err *err)
{
    return md_config_parse(cfg, "cfg.yaml", yaml, strlen(yaml), err);
}

/* The YAML must fail with MD_ERR_CONFIG and exactly this message. */
static void expect_error(const char *yaml, const char *msg)
{
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&cfg, yaml, &err), MD_ERR_CONFIG);
    assert_int_equal(err.code, MD_ERR_CONFIG);
    assert_string_equal(err.msg, msg);
    assert_null(cfg.contexts); /* left released */
    assert_null(cfg.path);
    md_config_release(&cfg);
}

static const char full_yaml[] = "current_context: staging\n"
                                "read_only: false\n"
                                "theme: light\n"
                                "contexts:\n"
                                "  - name: prod\n"
                                "    read_only: true\n"
                                "    refresh: 30\n"
                                "    theme: prod-red\n"
                                "    backends:\n"
                                "      - name: tracking\n"
                                "        type: mlflow\n"
                                "        url: https://mlflow.example.com/\n"
                                "        token_env: PROD_MLFLOW_TOKEN\n"
                                "        timeout: 30s\n"
                                "      - name: sm\n"
                                "        type: sagemaker\n"
                                "        region: eu-west-1\n"
                                "        profile: prod\n"
                                "  - name: staging\n"
                                "    refresh: 5m\n"
                                "    backends:\n"
                                "      - name: local\n"
                                "        type: fixture\n"
                                "        url: tests/fixtures/mlflow\n"
                                "        timeout: 500ms\n"
                                "        ca_path: /etc/ssl/ca.pem\n";

static void test_full_file(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&cfg, full_yaml, &err), MD_OK);
    assert_string_equal(cfg.path, "cfg.yaml");
    assert_string_equal(cfg.current_context, "staging");
    assert_false(cfg.read_only);
    assert_string_equal(cfg.theme, "light");
    assert_int_equal(cfg.n_contexts, 2);

    const struct md_context *prod = md_config_context(&cfg, "prod");
    assert_non_null(prod);
    assert_true(prod->read_only);
    assert_int_equal(prod->refresh_s, 30);
    assert_string_equal(prod->theme, "prod-red");
    assert_int_equal(prod->n_backends, 2);
    const struct md_backend_conf *b = &prod->backends[0];
    assert_string_equal(b->name, "tracking");
    assert_int_equal(b->kind, MD_BACKEND_MLFLOW);
    assert_string_equal(b->url, "https://mlflow.example.com");
    assert_string_equal(b->token_env, "PROD_MLFLOW_TOKEN");
    assert_string_equal(b->username_env, "MLFLOW_TRACKING_USERNAME");
    assert_string_equal(b->password_env, "MLFLOW_TRACKING_PASSWORD");
    assert_string_equal(b->ca_path, "");
    assert_false(b->insecure_tls);
    assert_int_equal(b->timeout_ms, 30000);
    b = &prod->backends[1];
    assert_int_equal(b->kind, MD_BACKEND_SAGEMAKER);
    assert_string_equal(b->url, "");
    assert_string_equal(b->token_env, ""); /* MLflow defaults are for MLflow only */
    assert_string_equal(b->region, "eu-west-1");
    assert_string_equal(b->profile, "prod");
    assert_int_equal(b->timeout_ms, 15000);

    const struct md_context *cur = md_config_context(&cfg, NULL);
    assert_ptr_equal(cur, &cfg.contexts[1]);
    assert_false(cur->read_only);
    assert_int_equal(cur->refresh_s, 300);
    assert_string_equal(cur->theme, "light"); /* inherited */
    assert_int_equal(cur->backends[0].kind, MD_BACKEND_FIXTURE);
    assert_string_equal(cur->backends[0].url, "tests/fixtures/mlflow");
    assert_int_equal(cur->backends[0].timeout_ms, 500);
    assert_string_equal(cur->backends[0].ca_path, "/etc/ssl/ca.pem");
    assert_null(md_config_context(&cfg, "nope"));
    md_config_release(&cfg);
    assert_null(cfg.contexts);
    md_config_release(&cfg); /* twice, and on a zeroed struct, is fine */
}

static void test_defaults_and_first_context(void **state)
{
    (void)state;
    struct md_config cfg;
    assert_int_equal(parse(&cfg,
                           "contexts:\n"
                           "  - name: only\n"
                           "    backends: [{name: t, url: 'http://h:5000'}]\n",
                           NULL),
                     MD_OK);
    assert_string_equal(cfg.current_context, "only");
    assert_string_equal(cfg.theme, "default");
    assert_int_equal(cfg.contexts[0].refresh_s, 10);
    assert_string_equal(cfg.contexts[0].theme, "default");
    assert_int_equal(cfg.contexts[0].backends[0].kind, MD_BACKEND_MLFLOW);
    assert_string_equal(cfg.contexts[0].backends[0].token_env, "MLFLOW_TRACKING_TOKEN");
    assert_int_equal(cfg.contexts[0].backends[0].timeout_ms, 15000);
    md_config_release(&cfg);
}

static void test_anchors_share_settings(void **state)
{
    (void)state;
    struct md_config cfg;
    assert_int_equal(parse(&cfg,
                           "contexts:\n"
                           "  - name: a\n"
                           "    backends: &bk\n"
                           "      - {name: t, url: 'http://h'}\n"
                           "  - name: b\n"
                           "    backends: *bk\n",
                           NULL),
                     MD_OK);
    assert_string_equal(cfg.contexts[1].backends[0].url, "http://h");
    md_config_release(&cfg);
}

static void test_env_only_default(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    setenv("XDG_CONFIG_HOME", tu_tmpdir, 1); /* no mldeck/config.yaml there */
    setenv("MLFLOW_TRACKING_URI", "https://tracking.example:8443/", 1);
    setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/ca.pem", 1);
    assert_int_equal(md_config_load(&cfg, NULL, &err), MD_OK);
    assert_string_equal(cfg.path, "");
    assert_int_equal(cfg.n_contexts, 1);
    assert_string_equal(cfg.current_context, "default");
    const struct md_context *ctx = md_config_context(&cfg, NULL);
    assert_non_null(ctx);
    assert_string_equal(ctx->name, "default");
    assert_int_equal(ctx->n_backends, 1);
    assert_string_equal(ctx->backends[0].name, "mlflow");
    assert_int_equal(ctx->backends[0].kind, MD_BACKEND_MLFLOW);
    assert_string_equal(ctx->backends[0].url, "https://tracking.example:8443");
    assert_string_equal(ctx->backends[0].ca_path, "/ca.pem");
    assert_false(ctx->backends[0].insecure_tls);
    assert_string_equal(ctx->backends[0].token_env, "MLFLOW_TRACKING_TOKEN");
    md_config_release(&cfg);

    unsetenv("MLFLOW_TRACKING_URI");
    unsetenv("MLFLOW_TRACKING_SERVER_CERT_PATH");
    setenv("MLFLOW_TRACKING_INSECURE_TLS", "true", 1);
    assert_int_equal(md_config_load(&cfg, NULL, &err), MD_OK);
    assert_string_equal(cfg.contexts[0].backends[0].url, "http://127.0.0.1:5000");
    assert_true(cfg.contexts[0].backends[0].insecure_tls);
    md_config_release(&cfg);
}

static void test_env_default_mlflow_only_when_wanted(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    setenv("XDG_CONFIG_HOME", tu_tmpdir, 1);
    unsetenv("MLFLOW_TRACKING_URI");
    unsetenv("MLFLOW_TRACKING_INSECURE_TLS");
    setenv("AWS_REGION", "us-east-1", 1);
    assert_int_equal(md_config_load(&cfg, NULL, &err), MD_OK);
    assert_int_equal(cfg.contexts[0].n_backends, 1);
    assert_string_equal(cfg.contexts[0].backends[0].name, "sagemaker");
    md_config_release(&cfg);

    setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999", 1);
    assert_int_equal(md_config_load(&cfg, NULL, &err), MD_OK);
    assert_int_equal(cfg.contexts[0].n_backends, 2);
    assert_string_equal(cfg.contexts[0].backends[0].name, "mlflow");
    assert_string_equal(cfg.contexts[0].backends[1].name, "sagemaker");
    md_config_release(&cfg);
    unsetenv("MLFLOW_TRACKING_URI");
    unsetenv("AWS_REGION");
}

static void test_env_default_errors(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    setenv("MLFLOW_TRACKING_INSECURE_TLS", "true", 1);
    setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/ca.pem", 1);
    assert_int_equal(md_config_parse(&cfg, "", "", 0, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "MLFLOW_TRACKING_INSECURE_TLS and "
                                 "MLFLOW_TRACKING_SERVER_CERT_PATH cannot both be set");
    md_err_clear(&err);
    setenv("MLFLOW_TRACKING_INSECURE_TLS", "maybe", 1);
    assert_int_equal(md_config_parse(&cfg, "", "", 0, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "MLFLOW_TRACKING_INSECURE_TLS: expected true or false, "
                                 "got 'maybe'");
    md_err_clear(&err);
    unsetenv("MLFLOW_TRACKING_INSECURE_TLS");
    setenv("MLFLOW_TRACKING_URI", "databricks", 1);
    assert_int_equal(md_config_parse(&cfg, "", "", 0, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "unsupported MLFLOW_TRACKING_URI 'databricks': mldeck needs "
                                 "an http:// or https:// tracking server");
}

static void test_file_without_contexts_uses_env(void **state)
{
    (void)state;
    struct md_config cfg;
    setenv("MLFLOW_TRACKING_URI", "http://10.0.0.1:5000", 1);
    assert_int_equal(parse(&cfg, "read_only: true\ntheme: mono\n", NULL), MD_OK);
    assert_int_equal(cfg.n_contexts, 1);
    assert_string_equal(cfg.contexts[0].name, "default");
    assert_string_equal(cfg.contexts[0].backends[0].url, "http://10.0.0.1:5000");
    assert_true(cfg.contexts[0].read_only); /* the global switch reaches it */
    assert_string_equal(cfg.contexts[0].theme, "mono");
    md_config_release(&cfg);
}

static void test_missing_explicit_file(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_load(&cfg, "/nonexistent/mldeck.yaml", &err), MD_ERR_IO);
    assert_string_equal(err.msg,
                        "cannot read config '/nonexistent/mldeck.yaml': No such file or directory");
    assert_null(cfg.contexts);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/cfg.yaml", tu_tmpdir);
    char *text = md_xasprintf("%sbogus: 1\n", full_yaml);
    tu_write_file(path, text);
    free(text);
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_config_load(&cfg, path, &err), MD_ERR_CONFIG);
    char want[256];
    snprintf(want, sizeof(want), "%s:27:1: unknown key 'bogus' at top level", path);
    assert_string_equal(err.msg, want);
    tu_write_file(path, full_yaml);
    assert_int_equal(md_config_load(&cfg, path, NULL), MD_OK);
    assert_string_equal(cfg.path, path);
    md_config_release(&cfg);
}

static void test_precedence_env_over_file(void **state)
{
    (void)state;
    struct md_config cfg;
    setenv("MLDECK_CONTEXT", "prod", 1);
    setenv("MLDECK_THEME", "mono", 1);
    setenv("MLDECK_READ_ONLY", "1", 1);
    assert_int_equal(parse(&cfg, full_yaml, NULL), MD_OK);
    assert_string_equal(cfg.current_context, "prod");
    assert_string_equal(cfg.theme, "mono");
    assert_string_equal(cfg.contexts[0].theme, "mono"); /* beats the context's own */
    assert_true(cfg.read_only);
    assert_true(cfg.contexts[1].read_only);
    md_config_release(&cfg);

    /* the environment can lock read-only on, never lift it */
    unsetenv("MLDECK_CONTEXT");
    setenv("MLDECK_READ_ONLY", "false", 1);
    assert_int_equal(parse(&cfg, "read_only: true\n", NULL), MD_OK);
    assert_true(cfg.read_only);
    md_config_release(&cfg);

    struct md_err err = MD_ERR_INIT;
    setenv("MLDECK_READ_ONLY", "maybe", 1);
    assert_int_equal(parse(&cfg, full_yaml, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "MLDECK_READ_ONLY: expected true or false for 'read_only', "
                                 "got 'maybe'");
    unsetenv("MLDECK_READ_ONLY");
    md_err_clear(&err);
    setenv("MLDECK_CONTEXT", "prd", 1);
    setenv("MLDECK_READ_ONLY", "", 1); /* empty is unset */
    assert_int_equal(parse(&cfg, full_yaml, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, "MLDECK_CONTEXT: no context named 'prd' (did you mean 'prod'?)");
}

static void test_syntax_error(void **state)
{
    (void)state;
    expect_error("contexts:\n  - name: a\n   bad: [1, 2\n",
                 "cfg.yaml:3:4: did not find expected '-' indicator "
                 "(while parsing a block collection at 2:3)");
    expect_error("theme: a: b\n", "cfg.yaml:1:9: mapping values are not allowed in this context");
    expect_error("a: 'unterminated\n", "cfg.yaml:2:1: found unexpected end of stream "
                                       "(while scanning a quoted scalar at 1:4)");
    expect_error("theme: *nowhere\n", "cfg.yaml:1:8: unknown anchor 'nowhere'");
    expect_error("theme: a\n---\ntheme: b\n",
                 "cfg.yaml:2:1: more than one YAML document in the file");
    expect_error("theme: \"a\\0b\"\n", "cfg.yaml:1:8: NUL character in a value");
    expect_error("theme: a\x01\n", "cfg.yaml:1:9: control characters are not allowed");
}

static void test_structure_errors(void **state)
{
    (void)state;
    expect_error("- a\n- b\n", "cfg.yaml:1:1: expected a mapping at top level, got a sequence");
    expect_error("contexts: {name: a}\n",
                 "cfg.yaml:1:11: expected a list of contexts for 'contexts', got a mapping");
    expect_error("contexts:\n  - prod\n",
                 "cfg.yaml:2:5: expected a mapping for each context, got a string");
    expect_error("theme: [a]\n",
                 "cfg.yaml:1:8: expected a single value for 'theme', got a sequence");
    expect_error("read_only:\n", "cfg.yaml:1:11: missing value for 'read_only'");
    expect_error("theme: a\ntheme: b\n",
                 "cfg.yaml:2:1: duplicate key 'theme' at top level (first at 1:1)");
    expect_error("[a]: 1\n", "cfg.yaml:1:1: expected a key name at top level, got a sequence");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error("contexts:\n"
                 "  - name: prod\n"
                 "    backends: [{name: t, url: 'http://h'}]\n"
                 "    read_onyl: true\n",
                 "cfg.yaml:4:5: unknown key 'read_onyl' in context (did you mean 'read_only'?)");
    expect_error("colour: x\n", "cfg.yaml:1:1: unknown key 'colour' at top level");
    expect_error("contexts:\n"
                 "  - name: prod\n"
                 "    backends:\n"
                 "      - name: t\n"
                 "        urll: http://h\n",
                 "cfg.yaml:5:9: unknown key 'urll' in backend (did you mean 'url'?)");
}

static void test_wrong_types_and_ranges(void **state)
{
    (void)state;
    expect_error("read_only: yes please\n",
                 "cfg.yaml:1:12: expected true or false for 'read_only', got 'yes please'");
    expect_error("contexts:\n  - name: a\n    refresh: 100000\n",
                 "cfg.yaml:3:14: value '100000' for 'refresh' out of range (0 to 86400 seconds)");
    expect_error("contexts:\n  - name: a\n    refresh: ten\n",
                 "cfg.yaml:3:14: expected a duration for 'refresh' such as 10, 30s or 5m, "
                 "got 'ten'");
    expect_error("contexts:\n  - name: a\n    refresh: 1500ms\n",
                 "cfg.yaml:3:14: expected whole seconds for 'refresh', got '1500ms'");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'http://h', timeout: 50}\n",
                 "cfg.yaml:4:45: value '50' for 'timeout' out of range "
                 "(100 to 600000 milliseconds)");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, type: mlfow}\n",
                 "cfg.yaml:4:25: unknown value 'mlfow' for 'type' (did you mean 'mlflow'?); "
                 "expected one of mlflow, sagemaker, azureml, fixture");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, type: fixture}\n",
                 "cfg.yaml:4:9: backend 't' has no 'url' (required for type fixture)");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'ftp://h'}\n",
                 "cfg.yaml:4:24: expected an http:// or https:// URL for 'url', got 'ftp://h'");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - name: t\n"
                 "        url: https://h\n"
                 "        ca_path: /ca.pem\n"
                 "        insecure_tls: true\n",
                 "cfg.yaml:7:9: 'insecure_tls' and 'ca_path' cannot both be set");
}

static void test_names(void **state)
{
    (void)state;
    const char *bk = "    backends: [{name: t, url: 'http://h'}]\n";
    char yaml[512];
    snprintf(yaml, sizeof(yaml), "contexts:\n  - name: prod\n%s  - name: prod\n%s", bk, bk);
    expect_error(yaml, "cfg.yaml:4:11: duplicate context name 'prod' (first at 2:11)");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'http://h'}\n"
                 "      - {name: t, url: 'http://i'}\n",
                 "cfg.yaml:5:16: duplicate backend name 't' (first at 4:16)");
    snprintf(yaml, sizeof(yaml), "contexts:\n  - read_only: true\n%s", bk);
    expect_error(yaml, "cfg.yaml:2:5: context has no 'name'");
    expect_error("contexts:\n  - name: empty\n", "cfg.yaml:2:5: context 'empty' has no 'backends'");
    expect_error("contexts:\n  - name: empty\n    backends: []\n",
                 "cfg.yaml:2:5: context 'empty' has no backends");
    snprintf(yaml, sizeof(yaml), "current_context: prd\ncontexts:\n  - name: prod\n%s", bk);
    expect_error(yaml, "cfg.yaml:1:18: current_context names no context: 'prd' "
                       "(did you mean 'prod'?)");
    expect_error("contexts:\n  - name: \"\"\n", "cfg.yaml:2:11: empty value for 'name'");
}

static void test_secrets_refused(void **state)
{
    (void)state;
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - name: t\n"
                 "        url: http://h\n"
                 "        token: dapi0123456789\n",
                 "cfg.yaml:6:9: refusing secret-looking key 'token': keep secrets in the "
                 "environment and name the variable with 'token_env'");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'http://h', password: hunter2}\n",
                 "cfg.yaml:4:36: refusing secret-looking key 'password': keep secrets in the "
                 "environment and name the variable with 'password_env'");
    expect_error("api_key: abc\n", "cfg.yaml:1:1: refusing secret-looking key 'api_key': keep "
                                   "secrets in the environment and name the variable with "
                                   "'token_env'");
    /* a secret pasted where a variable name belongs is refused without echoing it */
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'http://h', token_env: 'sk-live 42'}\n",
                 "cfg.yaml:4:47: expected the name of an environment variable for 'token_env' "
                 "(the variable that holds the secret, not the secret)");
    expect_error("contexts:\n"
                 "  - name: a\n"
                 "    backends:\n"
                 "      - {name: t, url: 'https://u:hunter2@h'}\n",
                 "cfg.yaml:4:24: refusing credentials in 'url': name environment variables "
                 "with 'username_env' and 'password_env' instead");
    setenv("MLDECK_TEST_SECRET", "s3cret", 1);
    assert_string_equal(md_config_secret("MLDECK_TEST_SECRET"), "s3cret");
    assert_null(md_config_secret("MLDECK_TEST_UNSET_VARIABLE"));
    assert_null(md_config_secret(NULL));
    unsetenv("MLDECK_TEST_SECRET");
}

static void test_paths_and_help(void **state)
{
    (void)state;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    setenv("XDG_CONFIG_HOME", "relative/is/ignored", 1);
    char *home = getenv("HOME");
    char *s = md_config_default_state_path();
    assert_string_equal(s, "/x/state/mldeck/state.db");
    free(s);
    setenv("HOME", "/home/op", 1);
    s = md_config_default_path();
    assert_string_equal(s, "/home/op/.config/mldeck/config.yaml");
    free(s);
    unsetenv("XDG_STATE_HOME");
    s = md_config_default_state_path();
    assert_string_equal(s, "/home/op/.local/state/mldeck/state.db");
    free(s);
    if (home)
        setenv("HOME", home, 1);

    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    assert_int_equal(md_config_help(&b), MD_OK);
    assert_non_null(strstr(b.data, "read_only"));
    assert_non_null(strstr(b.data, "environment MLDECK_READ_ONLY"));
    assert_non_null(strstr(b.data, "mlflow|sagemaker|azureml|fixture"));
    assert_non_null(strstr(b.data, "0..86400 seconds"));
    md_buf_release(&b);
    assert_string_equal(md_backend_kind_str(MD_BACKEND_AZUREML), "azureml");
    assert_string_equal(md_backend_kind_str((enum md_backend_kind)42), "unknown");
}

static void test_caps(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    char deep[300];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    snprintf(deep + 200, sizeof(deep) - 200, "\n");
    assert_int_equal(parse(&cfg, deep, &err), MD_ERR_TOO_BIG);
    assert_string_equal(err.msg, "cfg.yaml:1:65: nesting deeper than 64 levels");

    /* aliases multiply work without adding text: the walk is capped too */
    size_t cap = 1 << 20, len = 0;
    char *y = malloc(cap);
    assert_non_null(y);
    len += (size_t)snprintf(y + len, cap - len, "contexts:\n  - name: c0\n    backends: &b\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(y + len, cap - len, "      - {name: b%d, url: 'http://h'}\n", i);
    for (int i = 1; i < 2000; i++)
        len += (size_t)snprintf(y + len, cap - len, "  - {name: c%d, backends: *b}\n", i);
    md_err_clear(&err);
    assert_int_equal(md_config_parse(&cfg, "cfg.yaml", y, len, &err), MD_ERR_TOO_BIG);
    assert_non_null(strstr(err.msg, "settings once aliases are expanded"));
    free(y);
}

static const char drift_yaml[] =
    "contexts:\n"
    "  - name: prod\n"
    "    backends: [{name: t, url: 'http://h'}]\n"
    "    drift:\n"
    "      - name: churn\n"
    "        reference: /data/train.csv\n"
    "        current: /data/capture/\n"
    "        endpoint: churn-prod\n"
    "        features: [age, plan, score]\n"
    "        categorical: [plan]\n"
    "        prediction: score\n"
    "        time_column: ts\n"
    "        format: capture\n"
    "        window: 1h\n"
    "        smoothing: add-one\n"
    "        thresholds: {psi: '0.1,0.25', 'age:ks': '0.1,0.01', w1: 0.2}\n"
    "        numeric: [zip, tier]\n"
    "        methods: [ks, psi, chi2]\n"
    "      - {name: minimal, reference: r.csv, current: c.csv}\n";

static void test_drift_jobs(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&cfg, drift_yaml, &err), MD_OK);
    const struct md_context *ctx = md_config_context(&cfg, "prod");
    assert_non_null(ctx);
    assert_int_equal(ctx->n_drift, 2);
    const struct md_drift_job_conf *j = md_config_drift_job(ctx, "churn");
    assert_ptr_equal(j, &ctx->drift[0]);
    assert_string_equal(j->reference, "/data/train.csv");
    assert_string_equal(j->current, "/data/capture/");
    assert_string_equal(j->endpoint, "churn-prod");
    assert_int_equal(j->n_features, 3);
    assert_string_equal(j->features[2], "score");
    assert_int_equal(j->n_categorical, 1);
    assert_string_equal(j->categorical[0], "plan");
    assert_string_equal(j->prediction, "score");
    assert_string_equal(j->time_column, "ts");
    assert_int_equal(j->format, 3); /* MD_DRIFT_FORMAT_CAPTURE */
    assert_int_equal(j->window_s, 3600);
    assert_int_equal(j->smoothing, 2); /* MD_DRIFT_SMOOTH_ADD_ONE */
    assert_int_equal(j->n_thresholds, 3);
    assert_string_equal(j->thresholds[0], "psi=0.1,0.25");
    assert_string_equal(j->thresholds[1], "age:ks=0.1,0.01");
    assert_string_equal(j->thresholds[2], "w1=0.2");
    assert_int_equal(j->n_numeric, 2);
    assert_string_equal(j->numeric[0], "zip");
    assert_string_equal(j->numeric[1], "tier");
    assert_int_equal(j->methods, md_drift_method_bit(MD_DRIFT_KS) |
                                     md_drift_method_bit(MD_DRIFT_PSI) |
                                     md_drift_method_bit(MD_DRIFT_CHI2));
    /* defaults */
    const struct md_drift_job_conf *m = md_config_drift_job(ctx, "minimal");
    assert_non_null(m);
    assert_string_equal(m->endpoint, "");
    assert_string_equal(m->prediction, "");
    assert_int_equal(m->n_features, 0);
    assert_int_equal(m->n_thresholds, 0);
    assert_int_equal(m->window_s, 0);
    assert_int_equal(m->smoothing, 1); /* eps */
    assert_int_equal(m->format, 0);    /* auto */
    assert_int_equal(m->n_numeric, 0);
    assert_int_equal(m->methods, 0); /* every method */
    assert_null(md_config_drift_job(ctx, "nope"));
    md_config_release(&cfg);
    /* a context without drift jobs */
    assert_int_equal(
        parse(&cfg, "contexts: [{name: a, backends: [{name: t, url: 'http://h'}]}]\n", &err),
        MD_OK);
    assert_int_equal(cfg.contexts[0].n_drift, 0);
    assert_null(cfg.contexts[0].drift);
    md_config_release(&cfg);
}

static void test_drift_job_errors(void **state)
{
    (void)state;
    const char *head = "contexts:\n"
                       "  - name: a\n"
                       "    backends: [{name: t, url: 'http://h'}]\n"
                       "    drift:\n";
    char yaml[1024];
    snprintf(yaml, sizeof(yaml), "%s      - {name: j, current: c.csv}\n", head);
    expect_error(yaml, "cfg.yaml:5:9: drift job 'j' has no 'reference'");
    snprintf(yaml, sizeof(yaml), "%s      - {name: j, reference: r, current: c, smoothing: add1}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:56: unknown value 'add1' for 'smoothing'; "
                       "expected one of none, eps, add-one");
    snprintf(yaml, sizeof(yaml), "%s      - {name: j, reference: r, current: c, features: age}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:55: expected a list of names for 'features', got a string");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c, "
             "categorical: [a, [b]]}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:62: expected a name in 'categorical', got a sequence");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c, "
             "thresholds: {psy: '0.2'}}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:58: bad threshold 'psy=0.2': unknown method 'psy' "
                       "(psi, w1, js, ks, chi2)");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c, "
             "thresholds: {psi: 'high'}}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:63: bad threshold 'psi=high': expected a number");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c, "
             "thresholds: [psi]}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:57: expected a mapping of METHOD: \"WARN,DRIFT\" for "
                       "'thresholds', got a sequence");
    snprintf(yaml, sizeof(yaml), "%s      - {name: j, reference: r, current: c, window: 2y}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:53: expected a duration for 'window' such as 10, 30s or 5m, "
                       "got '2y'");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c}\n"
             "      - {name: j, reference: r, current: c}\n",
             head);
    expect_error(yaml, "cfg.yaml:6:16: duplicate drift job name 'j' (first at 5:16)");
    snprintf(yaml, sizeof(yaml), "%s      - {name: j, reference: r, current: c, refrence: x}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:45: unknown key 'refrence' in drift job "
                       "(did you mean 'reference'?)");
    snprintf(yaml, sizeof(yaml),
             "%s      - {name: j, reference: r, current: c, "
             "thresholds: {psi: '0.3,0.1'}}\n",
             head);
    expect_error(yaml, "cfg.yaml:5:63: bad threshold 'psi=0.3,0.1': the warn tier must come "
                       "before the drift tier");

    struct md_buf b;
    md_buf_init(&b, 1 << 16);
    assert_int_equal(md_config_help(&b), MD_OK);
    assert_non_null(strstr(b.data, "each drift job (under drift:)"));
    assert_non_null(strstr(b.data, "  methods          list of methods\n"));
    assert_non_null(strstr(b.data, "  numeric          list of names\n"));
    assert_non_null(strstr(b.data, "none|eps|add-one, default eps"));
    assert_non_null(strstr(b.data, "list of drift jobs"));
    md_buf_release(&b);
}

/* `methods:` and `numeric:` are checked where they are written: position and reason. */
static void test_drift_methods_and_numeric_errors(void **state)
{
    (void)state;
    const char *head = "contexts:\n"
                       "  - name: a\n"
                       "    backends: [{name: t, url: 'http://h'}]\n"
                       "    drift:\n"
                       "      - name: j\n"
                       "        reference: r.csv\n"
                       "        current: c.csv\n";
    char yaml[1024];
    snprintf(yaml, sizeof(yaml), "%s        methods: [psi, kz]\n", head);
    expect_error(yaml, "cfg.yaml:8:24: unknown method 'kz' in 'methods' (did you mean 'ks'?); "
                       "expected psi, w1, js, ks or chi2");
    snprintf(yaml, sizeof(yaml), "%s        methods: [psi, wasserstein]\n", head);
    expect_error(yaml, "cfg.yaml:8:24: unknown method 'wasserstein' in 'methods'; "
                       "expected psi, w1, js, ks or chi2");
    snprintf(yaml, sizeof(yaml), "%s        methods: psi\n", head);
    expect_error(yaml, "cfg.yaml:8:18: expected a list of methods for 'methods', got a string");
    snprintf(yaml, sizeof(yaml), "%s        methods: []\n", head);
    expect_error(yaml, "cfg.yaml:8:18: no method in 'methods' (psi, w1, js, ks, chi2)");
    snprintf(yaml, sizeof(yaml), "%s        methods: [ks, {psi: 1}]\n", head);
    expect_error(yaml, "cfg.yaml:8:23: expected a method name in 'methods', got a mapping");
    snprintf(yaml, sizeof(yaml), "%s        methods:\n          - js\n          - js\n", head);
    expect_error(yaml, "cfg.yaml:10:13: method 'js' twice in 'methods'");
    snprintf(yaml, sizeof(yaml), "%s        numeric: zip\n", head);
    expect_error(yaml, "cfg.yaml:8:18: expected a list of names for 'numeric', got a string");
    snprintf(yaml, sizeof(yaml),
             "%s        categorical: [plan, zip]\n"
             "        numeric: [age, zip]\n",
             head);
    expect_error(yaml, "cfg.yaml:9:24: column 'zip' is both 'categorical' and 'numeric' in "
                       "drift job 'j'");
    snprintf(yaml, sizeof(yaml), "%s        numeric: [age]\n        numeric: [zip]\n", head);
    expect_error(yaml, "cfg.yaml:9:9: duplicate key 'numeric' in drift job (first at 8:9)");
    /* every method named once is fine, in any order */
    snprintf(yaml, sizeof(yaml), "%s        methods: [chi2, ks, js, w1, psi]\n", head);
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&cfg, yaml, &err), MD_OK);
    assert_int_equal(cfg.contexts[0].drift[0].methods, MD_DRIFT_METHODS_ALL);
    md_config_release(&cfg);
}

/* The health_* keys: defaults, values, and errors at their position. */
static void test_health_limits(void **state)
{
    (void)state;
    struct md_config cfg;
    struct md_err err = MD_ERR_INIT;
    static const char yaml[] = "contexts:\n"
                               "  - name: a\n"
                               "    backends: [{name: t, url: 'http://127.0.0.1:1'}]\n"
                               "  - name: b\n"
                               "    health_5xx: \"0.5, 2\"\n"
                               "    health_p99_ms: 300,1500\n"
                               "    health_baseline: 0,0\n"
                               "    health_min_invocations: 50\n"
                               "    health_window: 5m\n"
                               "    backends: [{name: t, url: 'http://127.0.0.1:1'}]\n";
    assert_int_equal(parse(&cfg, yaml, &err), MD_OK);
    const struct md_health_limits *a = &cfg.contexts[0].health;
    struct md_health_limits def;
    md_health_limits_default(&def);
    assert_memory_equal(a, &def, sizeof(def));
    assert_true(a->rate_5xx[0] == 1 && a->rate_5xx[1] == 5);
    assert_true(a->rate_4xx[0] == 5 && a->rate_4xx[1] == 20);
    const struct md_health_limits *b = &cfg.contexts[1].health;
    assert_true(b->rate_5xx[0] == 0.5 && b->rate_5xx[1] == 2);
    assert_true(b->p99_ms[0] == 300 && b->p99_ms[1] == 1500);
    assert_true(b->baseline[0] == 0 && b->baseline[1] == 0);
    assert_int_equal(b->min_invocations, 50);
    assert_int_equal(b->window_s, 300);
    md_config_release(&cfg);

    expect_error("contexts:\n  - name: a\n    health_5xx: 5\n",
                 "cfg.yaml:3:17: expected WARN,BAD for 'health_5xx' such as \"1,5\", got '5'");
    expect_error("contexts:\n  - name: a\n    health_4xx: 30,20\n",
                 "cfg.yaml:3:17: value '30,20' for 'health_4xx' out of range (WARN <= BAD, 0 to "
                 "100)");
    expect_error("contexts:\n  - name: a\n    health_5xx: 1,500\n",
                 "cfg.yaml:3:17: value '1,500' for 'health_5xx' out of range (WARN <= BAD, 0 to "
                 "100)");
    expect_error("contexts:\n  - name: a\n    health_p99_ms: -1,5\n",
                 "cfg.yaml:3:20: expected WARN,BAD for 'health_p99_ms' such as \"0,0\", got "
                 "'-1,5'");
    expect_error("contexts:\n  - name: a\n    health_window: 10\n",
                 "cfg.yaml:3:20: value '10' for 'health_window' out of range (60 to 86400 "
                 "seconds)");
}

#define T(f) cmocka_unit_test_setup(f, clean_env)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_full_file),
        T(test_defaults_and_first_context),
        T(test_anchors_share_settings),
        T(test_env_only_default),
        T(test_env_default_mlflow_only_when_wanted),
        T(test_env_default_errors),
        T(test_file_without_contexts_uses_env),
        T(test_missing_explicit_file),
        T(test_load_file),
        T(test_precedence_env_over_file),
        T(test_syntax_error),
        T(test_structure_errors),
        T(test_unknown_keys),
        T(test_wrong_types_and_ranges),
        T(test_names),
        T(test_secrets_refused),
        T(test_paths_and_help),
        T(test_caps),
        T(test_drift_jobs),
        T(test_drift_job_errors),
        T(test_drift_methods_and_numeric_errors),
        T(test_health_limits),
    };
    return cmocka_run_group_tests(tests, tu_tmpdir_setup, tu_tmpdir_teardown);
}
