"""Azure Monitor alarms on Azure ML online endpoints through the headless CLI.

The fake Resource Manager (tests/fake_azure.py) serves metric alert rules
(Microsoft.Insights/metricAlerts, api-version 2018-03-01) and fired alerts
(Microsoft.AlertsManagement/alerts, 2019-05-05-preview) with their real paging (nextLink,
one item a page here), the bearer-token check and the api-version check. A rule scoped to
fraud-scorer fired and is still firing; another was fired and resolved; a rule on churn-api
never fired; a rule on a resource outside the workspace must not show.
"""

import json
import time

import pytest

from fake_azure import FakeAzure
from servers import describe, make_isolated_env

FIRED_AT = time.time() - 600


@pytest.fixture
def fake():
    with FakeAzure(page_size=1) as fa:
        p99 = fa.add_metric_alert("fraud-p99-latency", "fraud-scorer", deployment="green")
        fa.fire_alert(p99, "fraud-scorer", at=FIRED_AT - 3600, condition="Resolved")
        fa.fire_alert(p99, "fraud-scorer", at=FIRED_AT,
                      description="p99 latency over 500 ms on green")
        errs = fa.add_metric_alert("fraud-5xx", "fraud-scorer", metric="RequestsPerMinute")
        fa.fire_alert(errs, "fraud-scorer", at=FIRED_AT - 7200, condition="Resolved")
        fa.add_metric_alert("churn-latency", "churn-api")
        fa.add_metric_alert("vm-cpu", "", metric="Percentage CPU", scopes=[
            f"/subscriptions/{fa.subscription}/resourceGroups/{fa.resource_group}/providers/"
            "Microsoft.Compute/virtualMachines/vm1"])
        yield fa


def run(fake, tmp_path, run_mldeck, *args):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
        "      - name: azure\n        type: azureml\n"
        f"        url: {fake.url}\n        authority: {fake.url}\n"
        f"        subscription: {fake.subscription}\n"
        f"        resource_group: {fake.resource_group}\n"
        f"        workspace: {fake.workspace}\n")
    env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fake.tenant,
                            AZURE_CLIENT_ID=fake.client_id,
                            AZURE_CLIENT_SECRET=fake.client_secret)
    cp = run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", *args], env)
    assert fake.client_secret not in cp.stdout + cp.stderr
    return cp


def endpoints(fake, tmp_path, run_mldeck, *flags):
    cp = run(fake, tmp_path, run_mldeck, *flags, "get", "endpoints", "--json")
    assert cp.returncode == 0, describe(cp)
    return {e["name"]: e for e in json.loads(cp.stdout)}


def test_json_lists_rules_with_the_state_of_their_newest_alert(fake, tmp_path, run_mldeck):
    eps = endpoints(fake, tmp_path, run_mldeck)
    fraud = {a["name"]: a for a in eps["fraud-scorer"]["alarms"]}
    assert sorted(fraud) == ["fraud-5xx", "fraud-p99-latency"]
    p99 = fraud["fraud-p99-latency"]
    assert p99["state"] == "ALARM"
    assert p99["deployment"] == "green"
    assert p99["metric"] == "RequestLatency_P99"
    assert p99["source"] == "azure-monitor"
    assert p99["reason"] == "p99 latency over 500 ms on green (Sev2, Fired, New)"
    assert abs(p99["since"] - FIRED_AT * 1000) < 2000
    assert fraud["fraud-5xx"]["state"] == "OK"
    assert abs(fraud["fraud-5xx"]["since"] - (FIRED_AT - 7200 + 60) * 1000) < 2000
    churn = eps["churn-api"]["alarms"]
    assert [(a["name"], a["state"], a["since"]) for a in churn] == [("churn-latency", "OK", 0)]
    assert eps["recs-stuck"]["alarms"] == []
    assert "vm-cpu" not in json.dumps(eps)


def test_reads_follow_nextlink_with_the_token_and_api_versions(fake, tmp_path, run_mldeck):
    endpoints(fake, tmp_path, run_mldeck, "--read-only")
    rules = fake.requests("GET", "/providers/Microsoft.Insights/metricAlerts")
    alerts = fake.requests("GET", "/providers/Microsoft.AlertsManagement/alerts")
    assert len(rules) == 4 and len(alerts) == 3  # one item a page: every page followed
    assert all("api-version=2018-03-01" in r["query"] for r in rules)
    assert all("api-version=2019-05-05-preview" in r["query"] for r in alerts)
    assert all("targetResourceGroup=" in r["query"] for r in alerts)
    assert not [r for r in fake.log if r["mutates"]]


def test_wrong_api_version_is_refused_by_the_fake(fake):
    import urllib.error
    import urllib.request
    tok = fake.mint()
    url = (f"{fake.url}/subscriptions/{fake.subscription}/resourceGroups/{fake.resource_group}"
           "/providers/Microsoft.Insights/metricAlerts?api-version=2025-12-01")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {tok}"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=5)
    assert e.value.code == 400
    assert b"NoRegisteredProviderFound" in e.value.read()
