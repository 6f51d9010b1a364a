"""CloudWatch alarms on SageMaker endpoints, read by the real binary from a real moto_server.

The test creates alarms with PutMetricAlarm on an endpoint's own dimensions
(EndpointName, VariantName), moves one to ALARM with SetAlarmState, and checks
that `get endpoints --json` lists each endpoint's alarms - and only its own:
an alarm on another endpoint, or on no endpoint at all, must not show. The read
is DescribeAlarms, allowed by the HTTP guard in read-only mode.
"""

import http.server
import json
import socketserver
import sys
import threading
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "integration"))

import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from test_sagemaker_backend import (  # noqa: E402,F401  (probe_bin is a fixture)
    REGION, key_env, probe_bin, run_mldeck, run_probe)

REASON = "Threshold Crossed: 3 datapoints were greater than the threshold (5.0)."


def put_alarm(cw, name, endpoint, variant=None, metric="Invocation5XXErrors"):
    dims = [{"Name": "EndpointName", "Value": endpoint}]
    if variant:
        dims.append({"Name": "VariantName", "Value": variant})
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/SageMaker", MetricName=metric,
                        Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=3,
                        Threshold=5.0, ComparisonOperator="GreaterThanThreshold")


@pytest.fixture(scope="module")
def moto_alarms():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        cw = seed_sagemaker.client("cloudwatch", m.url, REGION)
        put_alarm(cw, "fraud-canary-5xx", "fraud-live", "canary")
        put_alarm(cw, "fraud-latency", "fraud-live", metric="ModelLatency")
        put_alarm(cw, "churn-5xx", "churn-prod", "primary")  # another endpoint's
        cw.put_metric_alarm(AlarmName="ec2-cpu", Namespace="AWS/EC2", MetricName="CPU",
                            Dimensions=[{"Name": "InstanceId", "Value": "i-1"}],
                            Statistic="Average", Period=60, EvaluationPeriods=1,
                            Threshold=90.0, ComparisonOperator="GreaterThanThreshold")
        m.before_ms = int(time.time() * 1000) - 1000
        cw.set_alarm_state(AlarmName="fraud-canary-5xx", StateValue="ALARM", StateReason=REASON)
        cw.set_alarm_state(AlarmName="fraud-latency", StateValue="OK", StateReason="back to normal")
        cw.set_alarm_state(AlarmName="churn-5xx", StateValue="INSUFFICIENT_DATA",
                           StateReason="no datapoints")
        m.after_ms = int(time.time() * 1000) + 1000
        yield m


def endpoints_json(moto, tmp_path, *flags):
    cp = run_mldeck(moto, tmp_path, *flags, "get", "endpoints", "--json")
    assert cp.returncode == 0, cp.stderr
    return {e["name"]: e for e in json.loads(cp.stdout)}


def test_json_lists_each_endpoints_own_alarms(moto_alarms, tmp_path):
    eps = endpoints_json(moto_alarms, tmp_path)
    fraud = {a["name"]: a for a in eps["fraud-live"]["alarms"]}
    assert sorted(fraud) == ["fraud-canary-5xx", "fraud-latency"]
    firing = fraud["fraud-canary-5xx"]
    assert firing["state"] == "ALARM"
    assert firing["reason"] == REASON
    assert firing["deployment"] == "canary"
    assert firing["metric"] == "Invocation5XXErrors"
    assert firing["source"] == "cloudwatch"
    assert moto_alarms.before_ms <= firing["since"] <= moto_alarms.after_ms
    assert fraud["fraud-latency"]["state"] == "OK"
    assert fraud["fraud-latency"]["deployment"] == ""
    assert [a["name"] for a in eps["churn-prod"]["alarms"]] == ["churn-5xx"]
    assert eps["churn-prod"]["alarms"][0]["state"] == "INSUFFICIENT_DATA"
    assert eps["reco-batch"]["alarms"] == []
    assert "ec2-cpu" not in json.dumps(eps)


def test_alarms_are_read_in_read_only_mode(moto_alarms, tmp_path):
    mark = len(moto_alarms.requests())
    eps = endpoints_json(moto_alarms, tmp_path, "--read-only")
    assert [a["name"] for a in eps["churn-prod"]["alarms"]] == ["churn-5xx"]
    sent = moto_alarms.requests()[mark:]
    assert "DescribeAlarms" in [r["action"] for r in sent]
    assert [r for r in sent if r["mutates"]] == []


# --- paging: a loopback server that pages DescribeAlarms as CloudWatch does ------------------------

PAGES = 3


class _Pager(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):  # noqa: N802
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        op = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        _Pager.bodies.append((op, req))
        if op != "DescribeAlarms":
            code, out = 400, {"__type": "UnknownOperationException"}
        else:
            page = int(req.get("NextToken", "p0")[1:])
            out = {"MetricAlarms": [
                {"AlarmName": f"a{page}", "MetricName": "Invocation5XXErrors",
                 "Dimensions": [{"Name": "EndpointName", "Value": "ep"}],
                 "StateValue": "ALARM" if page == PAGES - 1 else "OK",
                 "StateUpdatedTimestamp": 1700000000 + page},
                {"AlarmName": f"cpu{page}", "MetricName": "CPU",
                 "Dimensions": [{"Name": "InstanceId", "Value": "i"}], "StateValue": "ALARM"}],
                "CompositeAlarms": []}
            if page + 1 < PAGES:
                out["NextToken"] = f"p{page + 1}"
            code = 200
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture
def pager():
    _Pager.bodies = []
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Pager)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_every_nexttoken_page_is_read(probe_bin, pager, tmp_path):
    p = run_probe(probe_bin, pager, key_env(tmp_path / "home"), "--read-only", "alarms", "ep")
    assert p.ok, p
    assert [a["name"] for a in p.of("alarm")] == ["a0", "a1", "a2"]
    assert [a["state"] for a in p.of("alarm")] == ["OK", "OK", "ALARM"]
    assert [(op, b.get("NextToken")) for op, b in _Pager.bodies] == [
        ("DescribeAlarms", None), ("DescribeAlarms", "p1"), ("DescribeAlarms", "p2")]
    assert all(b["AlarmTypes"] == ["MetricAlarm"] for _, b in _Pager.bodies)
