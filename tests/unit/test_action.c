/*
 * Unit tests for core/action/: the read-only gate, typed confirmation, plans
 * from the store's alias history, the audit trail when a write cannot be
 * confirmed, and the md_actions handle's life beside its deck (freed first or
 * last while a request is in flight). The backend points at a closed loopback
 * port, so any request that leaves would fail; the gate tests assert that none
 * leaves at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/action.h"
#include "mldeck/config.h"
#include "mldeck/deck.h"
#include "mldeck/store.h"
#include "testutil.h"

#define MODELS_BODY                                                                                \
    "{\"registered_models\":[{\"name\":\"churn\",\"creation_timestamp\":1700000000000,"            \
    "\"last_updated_timestamp\":1700000000000,"                                                    \
    "\"aliases\":[{\"alias\":\"champion\",\"version\":\"3\"}]}]}"

struct fx {
    char dir[64];
    char state[128];
    struct md_config cfg;
};

static const char *config_yaml(bool read_only)
{
    return read_only ? "contexts:\n"
                       "  - name: t\n"
                       "    read_only: true\n"
                       "    backends:\n"
                       "      - name: ml\n"
                       "        type: mlflow\n"
                       "        url: http://127.0.0.1:1\n"
                       "        timeout: 300\n"
                     : "contexts:\n"
                       "  - name: t\n"
                       "    backends:\n"
                       "      - name: ml\n"
                       "        type: mlflow\n"
                       "        url: http://127.0.0.1:1\n"
                       "        timeout: 300\n";
}

/* A state file whose snapshot already holds the model and whose history knows v2 -> v3. */
static int setup(void **state, bool read_only)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (tu_mkdtemp(f->dir, sizeof(f->dir), "action"))
        return -1;
    snprintf(f->state, sizeof(f->state), "%s/state.db", f->dir);
    md_store *s = NULL;
    if (md_store_open(&s, f->state, NULL))
        return -1;
    md_store_snapshot_put(s, "ml", "models:#0", MODELS_BODY, strlen(MODELS_BODY), 1700000000000,
                          NULL);
    md_store_history_observe(s, "ml", "churn@champion", "2", 1, NULL);
    md_store_history_observe(s, "ml", "churn@champion", "3", 2, NULL);
    md_store_free(s);
    const char *y = config_yaml(read_only);
    struct md_err err = MD_ERR_INIT;
    if (md_config_parse(&f->cfg, "test.yaml", y, strlen(y), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int setup_rw(void **state)
{
    return setup(state, false);
}

static int setup_ro(void **state)
{
    return setup(state, true);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    md_config_release(&f->cfg);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static md_deck *open_deck(struct fx *f, bool force_ro)
{
    struct md_deck_opts o = {.config = &f->cfg, .state_path = f->state, .read_only = force_ro};
    md_deck *d = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_deck_new(&d, &o, &err), MD_OK);
    return d;
}

static md_actions *open_actions(md_deck *d)
{
    md_actions *a = NULL;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_actions_new(&a, d, &err), MD_OK);
    return a;
}

static void test_read_only_plan_refused_and_audited(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    assert_true(md_deck_read_only(d));
    struct md_plan p;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, &err),
                     MD_ERR_READ_ONLY);
    assert_non_null(strstr(err.msg, "read-only"));
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].outcome, "refused");
    assert_string_equal(v[0].target, "churn@champion");
    assert_int_equal(md_deck_requests_sent(d), 0);
    md_actions_free(a);
    md_deck_free(d);
}

static void test_read_only_execute_refused_without_request(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, true);
    md_actions *a = open_actions(d);
    char ml[] = "ml", churn[] = "churn", champion[] = "champion", v3[] = "3", v2[] = "2";
    char target[] = "churn@champion";
    struct md_plan p = {
        .kind = MD_ACTION_ALIAS_SET,
        .backend = 0,
        .backend_name = ml,
        .target = target,
        .model = churn,
        .alias = champion,
        .from = v3,
        .to = v2,
        .confirm_text = churn,
    };
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_action_execute(a, &p, "churn", &err), MD_ERR_READ_ONLY);
    md_deck_settle(d, 1000);
    assert_int_equal(md_deck_requests_sent(d), 0);
    md_actions_free(a);
    md_deck_free(d);
}

static void test_plan_uses_history_previous(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    struct md_plan p;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, &err),
                     MD_OK);
    assert_string_equal(p.from, "3");
    assert_string_equal(p.to, "2");
    assert_string_equal(p.confirm_text, "churn");
    assert_non_null(strstr(p.summary, "alias    champion"));
    md_plan_release(&p);

    md_err_clear(&err);
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", "3", &p, &err),
                     MD_ERR_INVALID);
    md_err_clear(&err);
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "nope", "champion", NULL, &p, &err),
                     MD_ERR_NOT_FOUND);
    md_err_clear(&err);
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "shadow", NULL, &p, &err),
                     MD_ERR_NOT_FOUND);
    md_actions_free(a);
    md_deck_free(d);
}

static void test_wrong_confirmation_refused(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    struct md_plan p;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, NULL),
                     MD_OK);
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_action_execute(a, &p, "chur", &err), MD_ERR_REFUSED);
    assert_int_equal(md_deck_requests_sent(d), 0);
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].outcome, "refused");
    md_plan_release(&p);
    md_actions_free(a);
    md_deck_free(d);
}

/*
 * The server is down: the write fails in a way that may still land, the
 * re-reads fail, and the audit log keeps the action pending.
 */
static void test_unreachable_server_leaves_audited_outcome(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    struct md_plan p;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, NULL),
                     MD_OK);
    assert_int_equal(md_action_execute(a, &p, "churn", NULL), MD_OK);
    struct md_action_state st;
    md_action_state(a, &st);
    assert_int_equal(st.phase, MD_ACTION_RUNNING);
    for (int i = 0; i < 200; i++) {
        md_deck_poll(d, NULL, 0, 100);
        md_deck_run(d);
        md_action_state(a, &st);
        if (st.phase == MD_ACTION_DONE || st.phase == MD_ACTION_FAILED ||
            st.phase == MD_ACTION_PENDING)
            break;
    }
    assert_int_equal(st.phase, MD_ACTION_PENDING);
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].phase, "pending");
    assert_string_equal(v[0].outcome, "pending");
    assert_string_equal(v[1].phase, "started");
    assert_true(v[0].ref_id == v[1].id);
    assert_string_equal(v[0].before, "3");
    assert_string_equal(v[0].after, "2");
    assert_string_not_equal(v[0].outcome, "ok");
    md_plan_release(&p);
    md_actions_free(a);
    md_deck_free(d);
}

/* The layer's changes come out of the deck's mask: the audit list at open, the phase after. */
static void test_changes_in_deck_mask(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    assert_true(md_deck_run(d) & MD_CHANGED_AUDIT);
    assert_false(md_deck_run(d) & (MD_CHANGED_AUDIT | MD_CHANGED_ACTION));
    struct md_plan p;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, NULL),
                     MD_OK);
    assert_int_equal(md_action_execute(a, &p, "churn", NULL), MD_OK);
    unsigned mask = md_deck_run(d);
    assert_true(mask & MD_CHANGED_ACTION);
    assert_true(mask & MD_CHANGED_AUDIT);
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_plan_release(&p);
    md_actions_free(a);
    md_deck_free(d);
}

/* Start an alias rollback against the closed port; returns with its write in flight. */
static void start_rollback(md_actions *a)
{
    struct md_plan p;
    assert_int_equal(md_action_plan_alias_rollback(a, 0, "churn", "champion", NULL, &p, NULL),
                     MD_OK);
    assert_int_equal(md_action_execute(a, &p, "churn", NULL), MD_OK);
    md_plan_release(&p);
}

/*
 * The layer freed while its write is in flight: the answer still comes (the
 * backends cannot take a request back) and is dropped, and the deck's end
 * frees what was left. The "started" entry stays for a later start to settle.
 */
static void test_free_actions_first_while_in_flight(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    start_rollback(a);
    md_actions_free(a);
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_deck_run(d);
    md_deck_free(d);

    d = open_deck(f, false);
    a = open_actions(d);
    const struct md_audit_entry *v;
    size_t n;
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].phase, "started");
    md_action_settle_unfinished(a); /* the closed port proves nothing: pending */
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].phase, "pending");
    assert_string_equal(v[0].outcome, "pending");
    assert_true(v[0].ref_id == v[1].id);
    md_action_settle_unfinished(a); /* still nothing known: said once only */
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 2);
    md_actions_free(a);
    md_deck_free(d);

    /* once the settle window has passed, the entry ends unknown with the reason */
    setenv("MLDECK_SETTLE_WINDOW", "0", 1);
    d = open_deck(f, false);
    a = open_actions(d);
    unsetenv("MLDECK_SETTLE_WINDOW");
    md_action_settle_unfinished(a);
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].phase, "finished");
    assert_string_equal(v[0].outcome, "unknown");
    assert_non_null(strstr(v[0].message, "not settled within 0 s"));
    assert_non_null(strstr(v[0].message, "cannot re-read"));
    assert_true(v[0].ref_id == v[2].id);
    md_action_settle_unfinished(a); /* settled for good: nothing more */
    assert_int_equal(md_deck_settle(d, 20000), MD_OK);
    md_actions_audit(a, &v, &n);
    assert_int_equal(n, 3);
    md_actions_free(a);
    md_deck_free(d);
}

/* The deck freed first, with the write in flight: the layer is told, and freed after. */
static void test_free_deck_first_while_in_flight(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    start_rollback(a);
    md_deck_free(d);
    struct md_action_state st;
    md_action_state(a, &st);
    assert_int_equal(st.phase, MD_ACTION_RUNNING);
    md_actions_free(a);
}

/* Nothing in flight: freeing the layer unhooks it, and the deck runs on without it. */
static void test_free_actions_idle(void **state)
{
    struct fx *f = *state;
    md_deck *d = open_deck(f, false);
    md_actions *a = open_actions(d);
    md_actions_free(a);
    md_actions_free(NULL);
    assert_int_equal(md_deck_settle(d, 1000), MD_OK);
    md_deck_run(d);
    md_deck_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_only_plan_refused_and_audited, setup_ro,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_only_execute_refused_without_request, setup_rw,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan_uses_history_previous, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_confirmation_refused, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_server_leaves_audited_outcome, setup_rw,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_changes_in_deck_mask, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_free_actions_first_while_in_flight, setup_rw,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_free_deck_first_while_in_flight, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_free_actions_idle, setup_rw, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
