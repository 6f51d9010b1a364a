"""Alarms in the console, against a real moto_server: an ALARMS cell on the Overview, a count
in the header and a section on the endpoint screen.

The test creates CloudWatch alarms with PutMetricAlarm on the endpoints' own dimensions and
moves one to ALARM with SetAlarmState; the alarm of another endpoint must not appear on
fraud-live's screen.
"""

import re
import sys
from pathlib import Path

import pytest

from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
COLS, ROWS = 150, 40
REASON = "Threshold Crossed: 3 datapoints were greater than the threshold (5.0)."
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}


def put_alarm(cw, name, endpoint, variant=None, metric="Invocation5XXErrors"):
    dims = [{"Name": "EndpointName", "Value": endpoint}]
    if variant:
        dims.append({"Name": "VariantName", "Value": variant})
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/SageMaker", MetricName=metric,
                        Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=3,
                        Threshold=5.0, ComparisonOperator="GreaterThanThreshold")


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        cw = seed_sagemaker.client("cloudwatch", m.url, REGION)
        put_alarm(cw, "fraud-canary-5xx", "fraud-live", "canary")
        put_alarm(cw, "fraud-latency", "fraud-live", metric="ModelLatency")
        put_alarm(cw, "churn-5xx", "churn-prod", "primary")
        cw.set_alarm_state(AlarmName="fraud-canary-5xx", StateValue="ALARM", StateReason=REASON)
        cw.set_alarm_state(AlarmName="fraud-latency", StateValue="OK", StateReason="quiet")
        yield m


@pytest.fixture
def deck(moto, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    yield lambda *args, cols=COLS, rows=ROWS: d.start("--config", str(cfg), *args, env=AWS_ENV,
                                                      cols=cols, rows=rows)
    d.close()


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return ""


def test_overview_and_header_show_the_firing_alarm(deck, moto):
    mark = len(moto.requests())  # the seeding is in the log
    t = deck()
    t.wait_for("Overview: deployed versions")
    screen = t.wait_for(lambda s: "1 ALARM" in row_of(s, "fraud-live")
                        and re.search(r"\bok\b", row_of(s, "churn-prod")), timeout=30)
    assert re.search(r"\bALARMS\b", screen.split("\n")[3] + screen.split("\n")[2]), screen
    assert "ALARM" not in row_of(screen, "churn-prod")
    assert "ALARM" not in row_of(screen, "reco-batch")
    header = screen.split("\n")[0]
    assert "alarms: 1" in header, header
    assert not moto.mutations(mark)


def test_the_alarm_shows_at_80_columns(deck, moto):
    """ALARMS is never dropped for width: a firing alarm shows on the smallest terminal."""
    t = deck(cols=80, rows=24)
    t.wait_for("Overview: deployed versions")
    def row(s, stem):  # names are elided at this width: "fraud-…"
        return next((ln for ln in s.split("\n") if ln.startswith(stem)), "")
    screen = t.wait_for(lambda s: "1 ALARM" in row(s, "fraud")
                        and re.search(r"\bok\b", row(s, "churn")), timeout=30)
    assert "ALARM" not in row(screen, "churn") + row(screen, "reco"), screen
    assert "alarms: 1" in screen.split("\n")[0], screen


def test_endpoint_screen_lists_its_alarms_with_state_reason_and_since(deck, moto):
    mark = len(moto.requests())
    t = deck("--read-only")
    t.wait_for(lambda s: "1 ALARM" in row_of(s, "fraud-live"), timeout=30)
    t.send("/")
    t.type("fraud-live")
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))
    t.send("Enter")
    screen = t.wait_for("alarms (platform): 1 firing", timeout=20)
    lines = screen.split("\n")
    firing = next(ln for ln in lines if "fraud-canary-5xx" in ln)
    assert re.search(r"ALARM\s+fraud-canary-5xx\s+on canary Invocation5XXErrors\s+since "
                     r"\d+[smh] ago \(\d{4}-\d\d-\d\d \d\d:\d\d\)\s+Threshold Crossed", firing), firing
    quiet = next(ln for ln in lines if "fraud-latency" in ln)
    assert re.search(r"OK\s+fraud-latency\s+on endpoint ModelLatency", quiet), quiet
    assert "churn-5xx" not in screen
    assert not moto.mutations(mark)


# --- Azure ML: a metric alert rule on the endpoint, fired ------------------------------------------


@pytest.fixture
def azure_deck(tmp_path):
    from fake_azure import FakeAzure
    with FakeAzure(page_size=2) as fa:
        rule = fa.add_metric_alert("fraud-p99-latency", "fraud-scorer", deployment="green")
        fa.fire_alert(rule, "fraud-scorer", description="p99 latency over 500 ms on green")
        fa.add_metric_alert("churn-latency", "churn-api")
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
            "      - name: azure\n        type: azureml\n"
            f"        url: {fa.url}\n        authority: {fa.url}\n"
            f"        subscription: {fa.subscription}\n"
            f"        resource_group: {fa.resource_group}\n"
            f"        workspace: {fa.workspace}\n")
        env = {"AZURE_TENANT_ID": fa.tenant, "AZURE_CLIENT_ID": fa.client_id,
               "AZURE_CLIENT_SECRET": fa.client_secret, "PATH": "/usr/bin:/bin"}
        d = Deck(tmp_path, "http://127.0.0.1:9")
        fa.term = d.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=ROWS)
        yield fa
        d.close()


def test_azure_alert_on_overview_header_and_endpoint_screen(azure_deck):
    t = azure_deck.term
    t.wait_for("Overview: deployed versions")
    screen = t.wait_for(lambda s: "1 ALARM" in row_of(s, "fraud-scorer")
                        and re.search(r"\bok\b", row_of(s, "churn-api")), timeout=30)
    assert "alarms: 1" in screen.split("\n")[0], screen
    t.send("/")
    t.type("fraud-scorer")
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))
    t.send("Enter")
    screen = t.wait_for("alarms (platform): 1 firing", timeout=20)
    line = next(ln for ln in screen.split("\n") if "fraud-p99-latency" in ln)
    assert re.search(r"ALARM\s+fraud-p99-latency\s+on green RequestLatency_P99\s+since "
                     r"\d+[smh] ago \(\d{4}-\d\d-\d\d \d\d:\d\d\)\s+p99 latency over 500 ms",
                     line), line
    assert "churn-latency" not in screen
    assert not [r for r in azure_deck.log if r["mutates"]]
