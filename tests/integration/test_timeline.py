"""`mldeck get timeline` against a real MLflow tracking server.

    mldeck [--state FILE] get timeline [--since 24h] [--target NAME] [--json|--tsv]

One time axis, newest first, of mldeck's own actions (the audit log, one row per action
with how it ended), the changes mldeck observed but did not make (who "unknown", the time a
bracket between two looks) and drift windows with drifted features. An observed value that
an mldeck action explains is not listed a second time.
"""

import json
import random
import re
import time

import pytest

from servers import describe

MODEL, ALIAS = "demand-forecaster", "champion"
TARGET = f"{MODEL}@{ALIAS}"
ROW_KEYS = {"time", "when", "exact", "after", "before", "backend", "target", "what", "change",
            "who", "source", "status", "message", "id"}


@pytest.fixture
def env(mlflow_server, isolated_env):
    e = dict(isolated_env)
    e["MLFLOW_TRACKING_URI"] = mlflow_server.url
    return e


@pytest.fixture
def deck(run_mldeck, env, tmp_path):
    state = tmp_path / "state.db"

    def run(*args, ok=True):
        cp = run_mldeck(["--state", state, *args], env, timeout=120)
        if ok:
            assert cp.returncode == 0, describe(cp)
        return cp
    run.state = state
    return run


def timeline(deck, *args):
    cp = deck("get", "timeline", "--json", *args)
    rows = json.loads(cp.stdout)
    for r in rows:
        assert set(r) == ROW_KEYS, sorted(r)
    times = [r["time"] for r in rows]
    assert times == sorted(times, reverse=True), "not newest first"
    return rows


def versions(client):
    return sorted((v.version for v in client.search_model_versions(f"name='{MODEL}'")), key=int)


def test_action_and_outside_change_on_one_axis(deck, mlflow_server):
    client = mlflow_server.client()
    vs = versions(client)
    assert len(vs) >= 3, vs
    start = client.get_registered_model(MODEL).aliases[ALIAS]
    mine, theirs = [v for v in vs if v != start][:2]

    deck("get", "models")                      # the first look: champion -> start
    deck("rollback", "alias", MODEL, ALIAS, "--to", mine, "--yes")
    deck("get", "models")                      # sees mine: explained by the action
    t_before_outside = int(time.time() * 1000)
    client.set_registered_model_alias(MODEL, ALIAS, theirs)  # someone else, from Python
    t_after_outside = int(time.time() * 1000)

    rows = [r for r in timeline(deck) if r["target"] == TARGET]
    assert [r["source"] for r in rows] == ["observed", "mldeck"], rows

    outside, action = rows
    # the outside change: nobody to name, a bracket that holds the real time
    assert outside["who"] == "unknown" and not outside["exact"], outside
    assert outside["change"] == f"{mine} -> {theirs}", outside
    assert outside["what"] == "alias moved"
    assert outside["after"] <= t_before_outside and outside["before"] >= t_after_outside, (
        outside, t_before_outside, t_after_outside)
    assert outside["when"].startswith("between ")

    # mldeck's own action: its user, its time, how it ended
    assert re.fullmatch(r"[^@\s]+@[^@\s]+", action["who"]), action
    assert action["exact"] and action["status"] == "ok", action
    assert action["change"] == f"{start} -> {mine}", action
    assert action["id"].startswith("audit:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", action["when"]), action
    # no observed row repeats what the action did
    assert not any(r["source"] == "observed" and r["change"].endswith(f"-> {mine}")
                   for r in rows), rows


def test_target_and_since_filter(deck, mlflow_server):
    client = mlflow_server.client()
    deck("get", "models")
    start = client.get_registered_model(MODEL).aliases[ALIAS]
    other = next(v for v in versions(client) if v != start)
    client.set_registered_model_alias(MODEL, ALIAS, other)
    try:
        assert any(r["target"] == TARGET for r in timeline(deck, "--target", MODEL))
        assert any(r["target"] == TARGET for r in timeline(deck, "--target", TARGET))
        assert not any(r["target"] == TARGET
                       for r in timeline(deck, "--target", "churn-classifier"))
        time.sleep(1.2)
        assert not any(r["target"] == TARGET for r in timeline(deck, "--since", "1s"))
        assert any(r["target"] == TARGET for r in timeline(deck, "--since", "1h"))
    finally:
        client.set_registered_model_alias(MODEL, ALIAS, start)

    cp = deck("get", "timeline", "--since", "yesterday", ok=False)
    assert cp.returncode == 2 and "--since" in cp.stderr and "24h" in cp.stderr, describe(cp)


def test_tsv_is_the_default_and_names_unknown(deck, mlflow_server):
    client = mlflow_server.client()
    deck("get", "models")
    start = client.get_registered_model(MODEL).aliases[ALIAS]
    other = next(v for v in versions(client) if v != start)
    client.set_registered_model_alias(MODEL, ALIAS, other)
    try:
        cp = deck("get", "timeline", "--target", TARGET)
    finally:
        client.set_registered_model_alias(MODEL, ALIAS, start)
    lines = cp.stdout.splitlines()
    assert lines[0].split("\t") == ["when", "target", "what", "change", "who", "source",
                                    "status", "backend", "id"], lines[0]
    row = lines[1].split("\t")
    assert row[1] == TARGET and row[4] == "unknown" and row[5] == "observed", row


def test_drift_windows_over_threshold_are_rows(run_mldeck, isolated_env, tmp_path, deck):
    rnd = random.Random(7)
    (tmp_path / "ref.csv").write_text(
        "x,y\n" + "".join(f"{rnd.gauss(0, 1):.4f},{rnd.gauss(5, 1):.4f}\n" for _ in range(2000)))
    (tmp_path / "cur.csv").write_text(
        "x,y\n" + "".join(f"{rnd.gauss(3, 1):.4f},{rnd.gauss(5, 1):.4f}\n" for _ in range(2000)))
    cp = run_mldeck(["drift", "--reference", tmp_path / "ref.csv", "--current",
                     tmp_path / "cur.csv", "--state", deck.state, "--job", "churn-inputs"],
                    isolated_env, timeout=120)
    assert cp.returncode == 0, describe(cp)

    rows = [r for r in timeline(deck) if r["source"] == "drift"]
    assert len(rows) == 1, rows
    assert rows[0]["target"] == "drift:churn-inputs", rows[0]
    assert rows[0]["change"].startswith("1 of 2 features drifted"), rows[0]
    assert rows[0]["who"] == "-"
    assert [r["target"] for r in timeline(deck, "--target", "churn-inputs")
            if r["source"] == "drift"] == ["drift:churn-inputs"]


# --- SageMaker: CloudTrail and alarms on the same axis ---------------------------------------------

from test_who import KEY_ID, REGION, SECRET, _event, _sm  # noqa: E402,F401
from test_who import moto_trail  # noqa: E402,F401  (the fixture: moto with CloudTrail)


def test_sagemaker_cloudtrail_and_alarm_rows(moto_trail, tmp_path):
    import boto3
    now = time.time()
    bob = {"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::123456789012:user/bob"}
    moto_trail.write_cloudtrail([
        _event("tl-bob", "UpdateEndpointWeightsAndCapacities", "fraud-live", now - 60, bob,
               {"EndpointName": "fraud-live",
                "DesiredWeightsAndCapacities": [{"VariantName": "canary", "DesiredWeight": 25}]}),
    ])
    cw = boto3.client("cloudwatch", endpoint_url=moto_trail.url, region_name=REGION,
                      aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    cw.put_metric_alarm(AlarmName="tl-canary-5xx", Namespace="AWS/SageMaker",
                        MetricName="Invocation5XXErrors", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=5.0,
                        ComparisonOperator="GreaterThanThreshold",
                        Dimensions=[{"Name": "EndpointName", "Value": "fraud-live"},
                                    {"Name": "VariantName", "Value": "canary"}])
    cw.set_alarm_state(AlarmName="tl-canary-5xx", StateValue="ALARM",
                       StateReason="Threshold Crossed: 12 > 5")
    try:
        mark = len(moto_trail.requests())
        cp = _sm(moto_trail, tmp_path, "--read-only", "get", "timeline", "--json", "--target",
                 "fraud-live")
        assert cp.returncode == 0, describe(cp)
        rows = json.loads(cp.stdout)
        assert moto_trail.mutations(mark) == [], "read-only sent a write"
        assert {r["target"] for r in rows} == {"endpoint:fraud-live"}, rows
        trail = [r for r in rows if r["source"] == "cloudtrail"]
        shift = next(r for r in trail if r["what"] == "UpdateEndpointWeightsAndCapacities")
        assert shift["who"] == "bob" and shift["exact"], shift
        assert shift["time"] == pytest.approx((now - 60) * 1000, abs=1)
        alarm = next(r for r in rows if r["source"] == "alarm")
        assert alarm["what"] == "alarm tl-canary-5xx" and alarm["status"] == "ALARM", alarm
        assert "Threshold Crossed" in alarm["change"] and alarm["who"] == "-", alarm
        # the seed's own calls are in the platform's history too, after bob's older event
        whats = [r["what"] for r in trail]
        assert "CreateEndpoint" in whats and whats[-1] == "UpdateEndpointWeightsAndCapacities", whats
    finally:
        cw.delete_alarms(AlarmNames=["tl-canary-5xx"])
        moto_trail.write_cloudtrail([])


def test_sagemaker_alarm_state_changes_from_alarm_history(moto_trail, tmp_path):
    """CloudWatch DescribeAlarmHistory: each state change of an endpoint's alarm is a row at
    its own time, "OLD -> NEW: reason", oldest below; the current state is not a third row."""
    import boto3
    cw = boto3.client("cloudwatch", endpoint_url=moto_trail.url, region_name=REGION,
                      aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    cw.put_metric_alarm(AlarmName="tl-flap-5xx", Namespace="AWS/SageMaker",
                        MetricName="Invocation5XXErrors", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=5.0,
                        ComparisonOperator="GreaterThanThreshold",
                        Dimensions=[{"Name": "EndpointName", "Value": "fraud-live"}])
    t0 = time.time() * 1000
    cw.set_alarm_state(AlarmName="tl-flap-5xx", StateValue="ALARM",
                       StateReason="Threshold Crossed: 9 > 5")
    time.sleep(0.05)
    cw.set_alarm_state(AlarmName="tl-flap-5xx", StateValue="OK",
                       StateReason="Threshold Crossed: 0 <= 5")
    t1 = time.time() * 1000
    try:
        mark = len(moto_trail.requests())
        for _ in range(2):  # the second look reads the kept history again: no repeats
            cp = _sm(moto_trail, tmp_path, "--read-only", "get", "timeline", "--json",
                     "--target", "fraud-live")
            assert cp.returncode == 0, describe(cp)
            rows = [r for r in json.loads(cp.stdout) if r["what"] == "alarm tl-flap-5xx"]
            assert [(r["change"], r["status"]) for r in rows] == [
                ("ALARM -> OK: Threshold Crossed: 0 <= 5", "OK"),
                ("OK -> ALARM: Threshold Crossed: 9 > 5", "ALARM"),
            ], rows
            assert all(r["source"] == "alarm" and r["exact"] and r["who"] == "-" and
                       r["target"] == "endpoint:fraud-live" for r in rows), rows
            assert t0 - 1000 <= rows[1]["time"] < rows[0]["time"] <= t1 + 1000, rows
        reqs = moto_trail.requests()[mark:]
        assert moto_trail.mutations(mark) == [], "read-only sent a write"
        assert any(r["action"] == "DescribeAlarmHistory" and r["status"] == 200
                   for r in reqs), reqs
        # an alarm's state changes are not who changed the endpoint
        cp = _sm(moto_trail, tmp_path, "--read-only", "get", "endpoints", "--json")
        assert cp.returncode == 0, describe(cp)
        assert "tl-flap-5xx" not in json.dumps(
            [{k: v for k, v in e.items() if k != "alarms"} for e in json.loads(cp.stdout)])
    finally:
        cw.delete_alarms(AlarmNames=["tl-flap-5xx"])


# --- Azure ML: fired and resolved alerts ----------------------------------------------------------

def test_azureml_fired_then_resolved_alert_is_two_rows(tmp_path, run_mldeck):
    from fake_azure import FakeAzure
    from servers import make_isolated_env
    fired_at = time.time() - 900
    with FakeAzure() as fa:
        rule = fa.add_metric_alert("tl-fraud-p99", "fraud-scorer")
        fa.fire_alert(rule, "fraud-scorer", at=fired_at, condition="Resolved",
                      description="p99 latency over 500 ms")
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
            "      - name: azure\n        type: azureml\n"
            f"        url: {fa.url}\n        authority: {fa.url}\n"
            f"        subscription: {fa.subscription}\n"
            f"        resource_group: {fa.resource_group}\n"
            f"        workspace: {fa.workspace}\n")
        env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fa.tenant,
                                AZURE_CLIENT_ID=fa.client_id,
                                AZURE_CLIENT_SECRET=fa.client_secret)
        cp = run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", "--read-only",
                         "get", "timeline", "--json", "--target", "fraud-scorer"], env)
    assert cp.returncode == 0, describe(cp)
    rows = [r for r in json.loads(cp.stdout) if r["source"] == "alarm"]
    assert [(r["what"], r["change"], r["status"]) for r in rows] == [
        ("alarm tl-fraud-p99", "ALARM -> OK: resolved", "OK"),
        ("alarm tl-fraud-p99", "OK -> ALARM: p99 latency over 500 ms", "ALARM"),
    ], rows
    assert rows[1]["time"] == pytest.approx(fired_at * 1000, abs=1000)
    assert rows[0]["time"] == pytest.approx((fired_at + 60) * 1000, abs=1000)
    assert {r["target"] for r in rows} == {"endpoint:fraud-scorer"}
