"""Health judged, on a real moto_server (tests/moto_launcher.py, which answers GetMetricData's
percentile statistics): the test puts CloudWatch data for two endpoints of its own and reads the
verdicts back from the console (tmux) and from `get endpoints --json`.

  canary-ep  primary 900 calls/min, no 5xx; canary 100 calls/min, 25 of them 5xx. The whole
             endpoint errs 2.5 % (a warning by itself): the canary makes it bad.
  steady-ep  one variant, no errors, latency a flat 20 ms (model, +-0.3 ms) + 1 ms overhead.
"""

import datetime as dt
import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/mldeck-health"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}
MINUTES = 60

# endpoint -> variant -> (calls/min, 5xx/min, weight)
WORLD = {"canary-ep": {"primary": (900, 0, 0.9), "canary": (100, 25, 0.1)},
         "steady-ep": {"AllTraffic": (200, 0, 1.0)}}


def model_latency(i):
    return 20000 + (300 if i % 2 else -300)  # microseconds: flat 20 ms with a little noise


def put_world(url):
    sm = seed_sagemaker.client("sagemaker", url, REGION)
    cw = seed_sagemaker.client("cloudwatch", url, REGION)
    for ep, variants in WORLD.items():
        for v in variants:
            sm.create_model(ModelName=f"{ep}-{v}", ExecutionRoleArn=ROLE,
                            PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1."
                                                       "amazonaws.com/m:latest"})
        sm.create_endpoint_config(EndpointConfigName=f"{ep}-config", ProductionVariants=[
            {"VariantName": v, "ModelName": f"{ep}-{v}", "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1, "InitialVariantWeight": w}
            for v, (_, _, w) in variants.items()])
        sm.create_endpoint(EndpointName=ep, EndpointConfigName=f"{ep}-config")
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=MINUTES - 1)
    for ep, variants in WORLD.items():
        for v, (calls, e5, _) in variants.items():
            dims = [{"Name": "EndpointName", "Value": ep}, {"Name": "VariantName", "Value": v}]
            data = []
            for i in range(MINUTES):
                ts = start + dt.timedelta(minutes=i)
                for name, value, unit in (("Invocations", calls, "Count"),
                                          ("Invocation4XXErrors", 0, "Count"),
                                          ("Invocation5XXErrors", e5, "Count"),
                                          ("ModelLatency", model_latency(i), "Microseconds"),
                                          ("OverheadLatency", 1000, "Microseconds")):
                    data.append({"MetricName": name, "Timestamp": ts, "Dimensions": dims,
                                 "Value": float(value), "Unit": unit})
            for k in range(0, len(data), 500):
                cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[k:k + 500])


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        put_world(m.url)
        yield m


@pytest.fixture
def config(moto, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n")
    return cfg


@pytest.fixture
def deck(config, tmp_path):
    d = Deck(tmp_path, "http://127.0.0.1:9")

    def start(cols=160, rows=40):
        return d.start("--config", str(config), env=AWS_ENV, cols=cols, rows=rows)

    yield start
    d.close()


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def sgr_at(escaped_line, text):
    """(foreground, background, attributes) in force where `text` starts on a line
    captured with escapes; None for a default colour."""
    target = escaped_line.find(text)
    assert target >= 0, f"{text!r} not on the line {escaped_line!r}"
    fg = bg = None
    attrs = set()
    for m in re.finditer(r"\x1b\[([0-9;]*)m", escaped_line):
        if m.start() > target:
            break
        ps = [int(p or 0) for p in (m.group(1) or "0").split(";")]
        i = 0
        while i < len(ps):
            n = ps[i]
            if n in (38, 48):  # 256-colour or RGB: keep the whole spec
                k = 3 if ps[i + 1:i + 2] == [5] else 5
                spec = tuple(ps[i:i + k])
                fg, bg = (spec, bg) if n == 38 else (fg, spec)
                i += k
                continue
            if n == 0:
                fg = bg = None
                attrs.clear()
            elif 30 <= n <= 37 or 90 <= n <= 97:
                fg = n
            elif 40 <= n <= 47 or 100 <= n <= 107:
                bg = n
            elif n == 39:
                fg = None
            elif n == 49:
                bg = None
            elif n in (1, 2, 4, 7):
                attrs.add(n)
            elif n == 22:
                attrs -= {1, 2}
            elif n in (24, 27):
                attrs.discard(n - 20)
            i += 1
    return fg, bg, frozenset(attrs)


NORMAL = (None, None, frozenset())


def wait_health(t):
    return t.wait_for(lambda s: all(re.search(r"(✔ ok|▲ warn|✖ bad)", row_of(s, e) or "")
                                    for e in WORLD), timeout=30)


def test_overview_marks_the_bad_canary_apart_from_the_healthy_endpoint(deck, moto):
    since = len(moto.requests())
    t = deck()
    t.wait_for("Overview: deployed versions")
    screen = wait_health(t)
    assert re.search(r"\bHEALTH\b", screen)
    bad, ok = row_of(screen, "canary-ep"), row_of(screen, "steady-ep")
    # 2.5 % over the endpoint would only warn: the canary's 25 % makes it bad
    assert "✖ bad" in bad and "✔ ok" not in bad, bad
    assert "✔ ok" in ok and "✖ bad" not in ok, ok
    # the selected row is drawn in the selection's colours: read each row in the normal
    # role (no attribute at its name), moving the selection to the other row when needed
    def unselected(name, other):
        for _ in range(3):
            lines = t.screen(escapes=True).split("\n")
            mine = next(ln for ln in lines if name in ln)
            if sgr_at(mine, name) == NORMAL:
                return mine
            theirs = next(ln for ln in lines if other in ln)
            t.send("j" if lines.index(theirs) > lines.index(mine) else "k")
            t.wait_for(lambda s, ln=mine: True)
        raise AssertionError(f"{name} stays selected: {mine!r}")

    bad_e = unselected("canary-ep", "steady-ep")
    ok_e = unselected("steady-ep", "canary-ep")
    assert sgr_at(bad_e, "✖ bad") != sgr_at(ok_e, "✔ ok"), (bad_e, ok_e)
    assert sgr_at(bad_e, "✖ bad") != sgr_at(bad_e, "canary-ep"), bad_e  # a role of its own
    assert sgr_at(ok_e, "✔ ok") != sgr_at(ok_e, "steady-ep"), ok_e
    assert not moto.mutations(since)


def test_flat_latency_is_a_flat_sparkline_with_its_max(deck):
    t = deck()
    t.wait_for("Overview: deployed versions")
    screen = wait_health(t)
    row = row_of(screen, "steady-ep")
    # p99 of model + overhead: 20.7 or 21.3 ms a minute; from 0 that is one level, full
    assert re.search(r"████ max 21ms\b", row), row
    # errors: a zero line, scaled from 0, topped at 0
    assert re.search(r"▁▁▁▁ max 0\.0%", row), row


def test_endpoint_screen_judges_each_variant_and_says_why(deck):
    t = deck()
    t.wait_for("Overview: deployed versions")
    wait_health(t)
    t.type(":deploy canary-ep")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^\s*why\s+canary: 5xx 25\.0 % > 5 %", re.M), timeout=30)
    assert re.search(r"^\s*\(endpoint\)\s+✖ bad\b", screen, re.M), screen
    assert re.search(r"^\s*primary\s+✔ ok\b", screen, re.M), screen
    assert re.search(r"^\s*canary\s+✖ bad\b", screen, re.M), screen


def test_get_endpoints_json_carries_the_verdicts(config, run_mldeck, isolated_env):
    env = dict(isolated_env, **AWS_ENV)
    r = run_mldeck(["--config", str(config), "get", "endpoints", "--json"], env)
    assert r.returncode == 0, r.stderr
    eps = {e["name"]: e for e in json.loads(r.stdout)}
    assert eps["canary-ep"]["health"] == {"verdict": "bad",
                                          "reason": "canary: 5xx 25.0 % > 5 %"}
    deps = {d["name"]: d["health"] for d in eps["canary-ep"]["deployments"]}
    assert deps["canary"] == {"verdict": "bad", "reason": "5xx 25.0 % > 5 %"}
    assert deps["primary"]["verdict"] == "ok"
    assert deps["primary"]["reason"].startswith("5xx 0.0 %, 4xx 0.0 %, p99 21 ms")
    assert eps["steady-ep"]["health"]["verdict"] == "ok"


def test_thresholds_from_the_config_file_move_the_verdict(config, run_mldeck, isolated_env):
    text = config.read_text().replace("  - name: sm\n",
                                      "  - name: sm\n    health_5xx: \"30,50\"\n"
                                      "    health_p99_ms: \"10,15\"\n")
    config.write_text(text)
    env = dict(isolated_env, **AWS_ENV)
    r = run_mldeck(["--config", str(config), "get", "endpoints", "--json"], env)
    assert r.returncode == 0, r.stderr
    eps = {e["name"]: e for e in json.loads(r.stdout)}
    # 25 % is under the new warn limit; the 21 ms p99 is over the new bad one
    assert eps["canary-ep"]["health"]["verdict"] == "bad"
    assert eps["steady-ep"]["health"] == {"verdict": "bad", "reason": "p99 21 ms > 15 ms"}
    canary = next(d for d in eps["canary-ep"]["deployments"] if d["name"] == "canary")
    assert canary["health"] == {"verdict": "bad", "reason": "p99 21 ms > 15 ms"}
    config.write_text(text.replace("\"10,15\"", "\"x\""))
    r = run_mldeck(["--config", str(config), "get", "endpoints", "--json"], env)
    assert r.returncode == 2, r.stderr
    assert re.search(r"config\.yaml:5:20: expected WARN,BAD for 'health_p99_ms'", r.stderr), \
        r.stderr


# --- Azure ML: Azure Monitor metrics from tests/fake_azure.py --------------------------------------

@pytest.fixture(scope="module")
def fake():
    from fake_azure import FakeAzure
    with FakeAzure() as fa:
        with fa.lock:  # fraud-scorer: blue 90 calls/min at 0 % 5xx, green 10/min, 3 of them 5xx
            fa.metrics["fraud-scorer"] = {
                "blue": {"calls": [90] * MINUTES, "4xx": [0] * MINUTES, "5xx": [0] * MINUTES,
                         "p50": [12] * MINUTES, "p99": [20] * MINUTES},
                "green": {"calls": [10] * MINUTES, "4xx": [0] * MINUTES, "5xx": [3] * MINUTES,
                          "p50": [15] * MINUTES, "p99": [25] * MINUTES}}
        yield fa


@pytest.fixture
def azure_config(fake, tmp_path):
    cfg = tmp_path / "azure.yaml"
    cfg.write_text("current_context: az\ncontexts:\n  - name: az\n    backends:\n"
                   "      - name: azure\n        type: azureml\n"
                   f"        url: {fake.url}\n        authority: {fake.url}\n"
                   f"        subscription: {fake.subscription}\n"
                   f"        resource_group: {fake.resource_group}\n"
                   f"        workspace: {fake.workspace}\n")
    return cfg


def azure_env(fake):
    return {"AZURE_TENANT_ID": fake.tenant, "AZURE_CLIENT_ID": fake.client_id,
            "AZURE_CLIENT_SECRET": fake.client_secret}


def test_azure_deployments_judged_from_azure_monitor(fake, azure_config, run_mldeck,
                                                      isolated_env):
    since = len(fake.log)
    r = run_mldeck(["--config", str(azure_config), "get", "endpoints", "--backend", "azure",
                    "--json"], dict(isolated_env, **azure_env(fake)))
    assert r.returncode == 0, r.stderr
    eps = {e["name"]: e for e in json.loads(r.stdout)}
    deps = {d["name"]: d["health"] for d in eps["fraud-scorer"]["deployments"]}
    assert deps["green"] == {"verdict": "bad", "reason": "5xx 30.0 % > 5 %"}
    assert deps["blue"]["verdict"] == "ok"
    assert deps["blue"]["reason"] == "5xx 0.0 %, 4xx 0.0 %, p99 20 ms"
    assert eps["fraud-scorer"]["health"] == {"verdict": "bad", "reason": "green: 5xx 30.0 % > 5 %"}
    # an endpoint without requests is not judged
    others = [e for n, e in eps.items() if n != "fraud-scorer"]
    assert others and all(e["health"]["verdict"] == "unknown" for e in others), others
    with fake.lock:
        asked = [e for e in fake.log[since:] if "Microsoft.Insights/metrics" in e.get("path", "")]
    queries = {parse_qs(e["query"])["metricnames"][0] for e in asked}
    assert queries == {"RequestsPerMinute", "RequestLatency_P50,RequestLatency_P99"}, queries
    assert not any(e["mutates"] for e in fake.log[since:])


def test_azure_overview_shows_the_bad_endpoint(fake, azure_config, tmp_path):
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(azure_config), env=azure_env(fake), cols=160, rows=40)
        screen = t.wait_for(lambda s: "✖ bad" in (row_of(s, "fraud-scorer") or ""), timeout=30)
        # the endpoint's p99 line: the deployments' weighted by their calls, (90x20+10x25)/100
        assert re.search(r"████ max 3\.0%\s+████ max 20ms\b", row_of(screen, "fraud-scorer")), \
            screen
    finally:
        d.close()
