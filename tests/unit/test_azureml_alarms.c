/*
 * Unit tests for the Azure Monitor alarm mapping (core/backends/azureml/
 * azureml_alarms.c): metric alert rules and the alerts they fired, as the
 * backend composes them, to one alarm per rule and endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/azureml/azureml_int.h"
#include "testutil.h"

#define AL_WS                                                                                      \
    "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/"               \
    "workspaces/w"
#define AL_RULE "/subscriptions/s/resourceGroups/g/providers/Microsoft.Insights/metricAlerts/"

/*
 * One alarm per rule and endpoint of this workspace in its scopes, state
 * from the newest alert the rule fired there; a firing alert of a rule not
 * read shows by its own name, a resolved one does not.
 */
static void test_alarms(void **state)
{
    (void)state;
    const char *doc =
        "{\"mldeckWorkspace\":\"" AL_WS "\",\"value\":["
        "{\"id\":\"" AL_RULE "p99\",\"name\":\"p99\",\"type\":\"Microsoft.Insights/metricAlerts\","
        "\"properties\":{\"enabled\":false,\"scopes\":[\"" AL_WS "/onlineEndpoints/a\","
        "\"" AL_WS "/onlineEndpoints/b\",\"/subscriptions/s/resourceGroups/g/providers/x/vm\"],"
        "\"criteria\":{\"allOf\":[{\"metricName\":\"RequestLatency_P99\",\"dimensions\":"
        "[{\"name\":\"deployment\",\"operator\":\"Include\",\"values\":[\"blue\"]}]}]}}},"
        "{\"type\":\"Microsoft.AlertsManagement/alerts\",\"name\":\"p99\",\"properties\":"
        "{\"essentials\":{\"alertRule\":\"" AL_RULE "P99\",\"targetResource\":\"" AL_WS
        "/onlineEndpoints/a\",\"monitorCondition\":\"Resolved\",\"startDateTime\":"
        "\"2024-01-01T00:00:00Z\",\"monitorConditionResolvedDateTime\":\"2024-01-01T00:05:00Z\"}}},"
        "{\"type\":\"Microsoft.AlertsManagement/alerts\",\"name\":\"p99\",\"properties\":"
        "{\"essentials\":{\"alertRule\":\"" AL_RULE "p99\",\"targetResource\":\"" AL_WS
        "/onlineEndpoints/a\",\"monitorCondition\":\"Fired\",\"alertState\":\"New\","
        "\"severity\":\"Sev1\",\"description\":\"slow\",\"startDateTime\":"
        "\"2024-01-02T00:00:00Z\"}}},"
        "{\"type\":\"Microsoft.AlertsManagement/alerts\",\"name\":\"elsewhere\",\"properties\":"
        "{\"essentials\":{\"alertRule\":\"/x/rule\",\"targetResource\":\"" AL_WS
        "/onlineEndpoints/b\",\"monitorCondition\":\"Fired\",\"signalType\":\"Log\","
        "\"startDateTime\":\"2024-01-03T00:00:00Z\"}}},"
        "{\"type\":\"Microsoft.AlertsManagement/alerts\",\"name\":\"old\",\"properties\":"
        "{\"essentials\":{\"alertRule\":\"/x/old\",\"targetResource\":\"" AL_WS
        "/onlineEndpoints/b\",\"monitorCondition\":\"Resolved\"}}}]}";
    struct md_result r;
    memset(&r, 0, sizeof(r));
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(azureml_parse(MD_RESULT_ALARMS, doc, strlen(doc), &r, &err), MD_OK);
    assert_int_equal(r.alarms.n, 3);
    const struct md_alarm *a = &r.alarms.v[0], *e = &r.alarms.v[1], *b = &r.alarms.v[2];
    assert_string_equal(a->target, "a");
    assert_string_equal(a->name, "p99");
    assert_int_equal(a->state, MD_ALARM_ALARM);
    assert_string_equal(a->reason, "slow (Sev1, Fired, New)");
    assert_int_equal(a->since_ms, 1704153600000LL);
    assert_string_equal(a->deployment, "blue");
    assert_string_equal(a->metric, "RequestLatency_P99");
    assert_false(a->enabled);
    assert_string_equal(e->target, "b");
    assert_string_equal(e->name, "elsewhere");
    assert_int_equal(e->state, MD_ALARM_ALARM);
    assert_string_equal(e->metric, "Log");
    assert_string_equal(b->target, "b");
    assert_string_equal(b->name, "p99");
    assert_int_equal(b->state, MD_ALARM_OK);
    assert_int_equal(b->since_ms, 0);
    assert_string_equal(b->source, "azure-monitor");

    /* every alert is history: fired, and resolved when it was; an alert without a start is not */
    assert_int_equal(r.changes.n, 4);
    const struct md_change *c = r.changes.v;
    assert_string_equal(c[0].operation, "alarm p99");
    assert_string_equal(c[0].target, "a");
    assert_string_equal(c[0].detail, "OK -> ALARM");
    assert_string_equal(c[0].status, "ALARM");
    assert_int_equal(c[0].at_ms, 1704067200000LL);
    assert_string_equal(c[1].detail, "ALARM -> OK: resolved");
    assert_string_equal(c[1].status, "OK");
    assert_int_equal(c[1].at_ms, 1704067500000LL);
    assert_string_equal(c[2].detail, "OK -> ALARM: slow");
    assert_int_equal(c[2].at_ms, 1704153600000LL);
    assert_string_equal(c[3].operation, "alarm elsewhere");
    assert_string_equal(c[3].target, "b");
    for (size_t i = 0; i < r.changes.n; i++) {
        assert_string_equal(c[i].source, "alarm");
        assert_int_equal(strncmp(c[i].id, "alarm:", 6), 0);
    }
    assert_string_not_equal(c[0].id, c[1].id);
    md_result_release(&r);
}

/* A document that is not one, and a list that is not a list, hold no alarms. */
static void test_alarms_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {"[]", "{\"value\":{}}", "not json"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct md_result r;
        memset(&r, 0, sizeof(r));
        struct md_err err = MD_ERR_INIT;
        assert_int_equal(azureml_parse(MD_RESULT_ALARMS, bad[i], strlen(bad[i]), &r, &err),
                         MD_ERR_PARSE);
        assert_int_equal(r.alarms.n, 0);
        md_result_release(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alarms),
        cmocka_unit_test(test_alarms_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
