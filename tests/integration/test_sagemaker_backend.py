"""The SageMaker backend against a real moto_server 5.2.5 on 127.0.0.1.

The backend is driven through tests/tools/sm_probe.c (built here with cc against
$O/libcore.a, sanitizer flags when O names an asan build), which reaches every
slot, and through the real binary's headless commands (`get endpoints --json`,
`rollback endpoint`, `rollback traffic`) at the end. moto
is started by tests/moto_launcher.py, which patches in UpdateEndpoint and the
monitoring-schedule calls and keeps a request log; tests/seed_sagemaker.py seeds
it through boto3.

One module-wide moto serves the read tests; tests that change state put it back
or use their own server. The signature test runs moto with signature checking on
(INITIAL_NO_AUTH_ACTION_COUNT) and moto-issued keys, session token included.
Canned error replies (throttling, HTML 500, expired token) come from a small
loopback server in this file.
"""

import datetime as dt
import http.server
import json
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
SECRET = "mldeckSEEDsecretKEY0123456789abcdefghij"  # grepped for in every output
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
PKG_MODULES = ["libcurl", "libcjson", "yaml-0.1", "sqlite3", "inih"]
SM_MAX_INFLIGHT = 8  # core/backends/sagemaker/sagemaker_req.h
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


# --- the probe ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def probe_bin(tmp_path_factory):
    """sm_probe linked against $O/libcore.a (O as for make; default build)."""
    odir = Path(os.environ.get("O", "build"))
    if not odir.is_absolute():
        odir = REPO / odir
    lib = odir / "libcore.a"
    if not lib.exists():
        r = subprocess.run(["make", "-s", f"O={odir}", str(lib)], cwd=REPO,
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"cannot build {lib}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + PKG_MODULES,
                           capture_output=True, text=True, check=True).stdout.split()
    # a sanitizer build of the library (make asan: O=build-asan) needs the same flags here
    san = os.environ.get("SAN", "").split()
    if not san and "asan" in odir.name:
        san = ["-fsanitize=address,undefined"]
    out = tmp_path_factory.mktemp("probe") / "sm_probe"
    cmd = ([os.environ.get("CC", "cc"), "-std=c11", "-D_GNU_SOURCE", "-g", "-Wall", "-Wextra"]
           + san + ["-I", str(REPO / "include"), "-I", str(REPO / "core"),
                    str(TESTS / "tools" / "sm_probe.c"), str(lib)]
           + flags + ["-lm", "-pthread", "-o", str(out)])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"cannot build sm_probe: {' '.join(cmd)}\n{r.stderr[-4000:]}")
    return str(out)


def base_env(home, **extra):
    """Nothing AWS-ish from outside; HOME under the test's own directory."""
    home = Path(home)
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MLFLOW_", "AZURE_")) and "proxy" not in k.lower()}
    env.update(HOME=str(home), LC_ALL="C.UTF-8")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def key_env(home, key_id=KEY_ID, secret=SECRET, token=None):
    extra = dict(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
    if token:
        extra["AWS_SESSION_TOKEN"] = token
    return base_env(home, **extra)


class Probe:
    def __init__(self, cp):
        self.cp = cp
        self.lines = [json.loads(line) for line in cp.stdout.splitlines() if line.strip()]
        self.status = self.lines[-1] if self.lines else {}
        self.records = self.lines[:-1]

    @property
    def ok(self):
        return self.cp.returncode == 0 and self.status.get("status") == "ok"

    def of(self, kind):
        return [r for r in self.records if r.get("type") == kind]

    def __repr__(self):
        return (f"rc={self.cp.returncode} stdout={self.cp.stdout[-3000:]!r} "
                f"stderr={self.cp.stderr[-3000:]!r}")


def run_probe(probe_bin, url, env, *args, region=REGION, flags=(), timeout=60):
    cmd = [probe_bin] + list(flags)
    if url:
        cmd += ["--url", url]
    if region:
        cmd += ["--region", region]
    cmd += [str(a) for a in args]
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if any(mark in cp.stderr for mark in SANITIZER_MARKS):
        pytest.fail(f"sanitizer report from {cmd}:\n{cp.stderr[-6000:]}")
    return Probe(cp)


# --- moto -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


@pytest.fixture
def env(tmp_path):
    return key_env(tmp_path / "home")


def sm_client(moto_srv):
    return seed_sagemaker.client("sagemaker", moto_srv.url, REGION)


# --- reads ----------------------------------------------------------------------------------------

def test_list_endpoints(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "endpoints")
    assert p.ok, p
    eps = {e["name"]: e for e in p.of("endpoint")}
    assert sorted(eps) == ["churn-prod", "fraud-live", "reco-batch"]
    for name, want in moto.seed["endpoints"].items():
        e = eps[name]
        assert e["status"] == "InService"
        assert e["config"] == want["current"]
        deps = {d["name"]: d for d in e["deployments"]}
        assert set(deps) == set(want["variants"])
        for v, w in want["variants"].items():
            assert deps[v]["model"] == w["model"]
            assert deps[v]["instance_type"] == w["instance_type"]
            assert deps[v]["instance_count"] == w["count"]
            assert deps[v]["desired_instance_count"] == w["count"]
            assert deps[v]["weight"] == pytest.approx(w["weight"])
            assert deps[v]["image"].endswith(":latest")
    canary = {d["name"]: d for d in eps["fraud-live"]["deployments"]}
    assert canary["primary"]["share"] == pytest.approx(0.9)
    assert canary["canary"]["share"] == pytest.approx(0.1)
    assert canary["canary"]["version"] == "2"  # built from model package fraud-detector/2
    assert "fraud-detector" in canary["canary"]["image"]


def test_get_endpoint_and_not_found(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "endpoint", "reco-batch")
    assert p.ok, p
    assert [e["name"] for e in p.of("endpoint")] == ["reco-batch"]
    p = run_probe(probe_bin, moto.url, env, "endpoint", "no-such-endpoint")
    assert not p.ok
    assert p.status["code"] == "not found", p
    assert "cannot describe endpoint 'no-such-endpoint'" in p.status["msg"]
    assert "Could not find endpoint" in p.status["msg"]


def test_endpoint_configs_newest_first(probe_bin, moto, env):
    for endpoint, want in moto.seed["endpoints"].items():
        p = run_probe(probe_bin, moto.url, env, "configs", endpoint)
        assert p.ok, p
        names = [c["name"] for c in p.of("config")]
        # reco-blue/reco-green share no stem: they are found by their variant names
        assert names == [want["current"], want["previous"]], (endpoint, names)
        for c in p.of("config"):
            assert c["variants"] and all(v["model"] for v in c["variants"])


def test_health(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "health", "fraud-live", 60)
    assert p.ok, p
    series = {(h["deployment"], h["metric"]): h for h in p.of("health")}
    for dep in ("primary", "canary", ""):
        for metric in ("invocations", "4xx", "5xx", "latency_us", "p50_us", "p99_us"):
            assert (dep, metric) in series, (dep, metric)
    inv_p = series[("primary", "invocations")]
    inv_c = series[("canary", "invocations")]
    total = series[("", "invocations")]
    assert len(inv_p["t"]) >= 55  # one point a minute, minus a minute rolling over
    assert inv_p["t"] == sorted(inv_p["t"])
    seeded = {seed_sagemaker.metric_value("fraud-live", "primary", "Invocations", i)
              for i in range(seed_sagemaker.METRIC_MINUTES)}
    assert set(inv_p["v"]) <= seeded
    by_t = dict(zip(inv_c["t"], inv_c["v"]))
    for t, v, tot in zip(inv_p["t"], inv_p["v"], total["v"]):
        assert tot == pytest.approx(v + by_t.get(t, 0))
    assert set(series[("canary", "latency_us")]["v"]) == {30000.0}
    # a whole request's p99: ModelLatency's plus OverheadLatency's, per minute
    assert set(series[("canary", "p99_us")]["v"]) == {31000.0}
    assert sum(series[("canary", "5xx")]["v"]) >= 3 * 55


def test_training_jobs(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "experiments")
    assert p.ok, p
    exps = {e["id"]: e for e in p.of("experiment")}
    assert set(exps) == {"churn-xgb", "fraud-train"}
    assert exps["churn-xgb"]["tags"]["sagemaker.training_jobs"] == "2"
    p = run_probe(probe_bin, moto.url, env, "runs", "churn-xgb")
    assert p.ok, p
    runs = p.of("run")
    assert [r["id"] for r in runs] == ["churn-xgb-2026-11-02-10-00-00-000",
                                       "churn-xgb-2026-11-01-10-00-00-000"]
    r = runs[1]
    assert r["params"] == {"eta": "0.2", "max_depth": "6"}
    assert r["status"] == "FINISHED"
    assert {i["source"] for i in r["inputs"]} == {
        f"s3://mldeck-data/{r['id']}/train/", f"s3://mldeck-data/{r['id']}/validation/"}
    assert {i["context"] for i in r["inputs"]} == {"training", "validation"}
    assert r["metrics"] == {"train:progress": 100}
    p = run_probe(probe_bin, moto.url, env, "run", "fraud-train-2")
    assert p.ok, p
    (run,) = p.of("run")
    assert run["experiment_id"] == "fraud-train"
    assert run["params"]["lr"] == "0.0005"
    assert run["tags"]["sagemaker.model_artifacts"].endswith(
        "/fraud-train-2/output/model.tar.gz")


def test_registry(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "models")
    assert p.ok, p
    assert {m["name"] for m in p.of("model")} == {"churn-models", "fraud-detector"}
    p = run_probe(probe_bin, moto.url, env, "versions", "churn-models")
    assert p.ok, p
    assert [(v["version"], v["stage"]) for v in p.of("version")] == [
        ("2", "PendingManualApproval"), ("1", "Approved")]


def test_probe(probe_bin, moto, env):
    p = run_probe(probe_bin, moto.url, env, "probe")
    assert p.ok, p
    assert p.of("probe")[0]["server"] == f"SageMaker {REGION}"


# --- mutations ------------------------------------------------------------------------------------

def test_rollback_update_endpoint(probe_bin, moto, env):
    sm = sm_client(moto)
    want = moto.seed["endpoints"]["churn-prod"]
    mark = len(moto.requests())
    p = run_probe(probe_bin, moto.url, env, "update-endpoint", "churn-prod", want["previous"])
    assert p.ok, p
    d = sm.describe_endpoint(EndpointName="churn-prod")
    assert d["EndpointConfigName"] == want["previous"]
    assert d["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    muts = moto.mutations(mark)
    assert [m["action"] for m in muts] == ["UpdateEndpoint"]
    # the backend sees it, then rolls forward again
    p = run_probe(probe_bin, moto.url, env, "endpoint", "churn-prod")
    assert p.of("endpoint")[0]["config"] == want["previous"]
    assert p.of("endpoint")[0]["deployments"][0]["instance_type"] == "ml.m5.large"
    p = run_probe(probe_bin, moto.url, env, "update-endpoint", "churn-prod", want["current"])
    assert p.ok, p
    assert sm.describe_endpoint(EndpointName="churn-prod")["EndpointConfigName"] == want["current"]


def test_set_weights_keeps_instance_counts(probe_bin, moto, env):
    sm = sm_client(moto)
    p = run_probe(probe_bin, moto.url, env, "set-weights", "fraud-live", "canary=0")
    assert p.ok, p
    d = {v["VariantName"]: v for v in sm.describe_endpoint(
        EndpointName="fraud-live")["ProductionVariants"]}
    assert d["canary"]["DesiredWeight"] == 0
    assert d["primary"]["DesiredWeight"] == pytest.approx(0.9)  # not named: unchanged
    # moto nulls every field a request leaves out: counts prove both were sent
    assert d["primary"]["DesiredInstanceCount"] == 2
    assert d["canary"]["DesiredInstanceCount"] == 1
    p = run_probe(probe_bin, moto.url, env, "set-weights", "fraud-live", "canary=0.1",
                  "primary=0.9")
    assert p.ok, p
    p = run_probe(probe_bin, moto.url, env, "set-weights", "fraud-live", "shadow=1")
    assert p.status["code"] == "invalid argument", p
    assert "has no variant 'shadow'" in p.status["msg"]


def test_set_approval_keeps_description(probe_bin, moto, env):
    sm = sm_client(moto)
    arn = moto.seed["package_arns"]["fraud-detector/1"]
    p = run_probe(probe_bin, moto.url, env, "set-approval", "fraud-detector", "1", "Rejected")
    assert p.ok, p
    d = sm.describe_model_package(ModelPackageName=arn)
    assert d["ModelApprovalStatus"] == "Rejected"
    assert d["ApprovalDescription"] == "approved by the ml-ops review"
    assert d["CustomerMetadataProperties"] == {"owner": "fraud-team"}
    p = run_probe(probe_bin, moto.url, env, "versions", "fraud-detector")
    assert [v["stage"] for v in p.of("version")] == ["Rejected", "Approved", "Rejected"]
    p = run_probe(probe_bin, moto.url, env, "set-approval", "fraud-detector", "1", "Approved")
    assert p.ok, p
    p = run_probe(probe_bin, moto.url, env, "set-approval", "fraud-detector", "42", "Approved")
    assert p.status["code"] == "not found", p


def test_read_only_makes_no_mutating_call(probe_bin, moto, env):
    mark = len(moto.requests())
    want = moto.seed["endpoints"]["churn-prod"]
    attempts = [("update-endpoint", "churn-prod", want["previous"]),
                ("set-weights", "fraud-live", "canary=0"),
                ("set-approval", "fraud-detector", "2", "Rejected")]
    for args in attempts:
        p = run_probe(probe_bin, moto.url, env, *args, flags=["--read-only"])
        assert p.status.get("code") == "refused in read-only mode", (args, p)
        assert "read-only mode" in p.status["msg"]
    for args in (("endpoints",), ("health", "fraud-live", 30), ("configs", "churn-prod")):
        assert run_probe(probe_bin, moto.url, env, *args, flags=["--read-only"]).ok
    seen = moto.requests()[mark:]
    assert seen, "the reads should have reached moto"
    assert [r for r in seen if r["mutates"]] == []
    # positive control: the log does show a mutation when one is made
    p = run_probe(probe_bin, moto.url, env, "update-endpoint", "churn-prod", want["current"])
    assert p.ok, p
    assert [m["action"] for m in moto.mutations(mark)] == ["UpdateEndpoint"]


def test_no_secret_in_output_log_or_snapshot(probe_bin, moto, tmp_path):
    env = key_env(tmp_path / "home", token="mldeckSEEDsessionTOKEN0123456789")
    raw = tmp_path / "raw.jsonl"
    outputs = []
    for args in (("endpoints",), ("configs", "fraud-live"), ("health", "fraud-live", 10),
                 ("runs", "churn-xgb"), ("run", "fraud-train-1"), ("versions", "fraud-detector"),
                 ("endpoint", "nope")):
        p = run_probe(probe_bin, moto.url, env, *args, flags=["--log", "--raw-out", str(raw)])
        outputs += [p.cp.stdout, p.cp.stderr]
    assert "DescribeEndpoint" in "".join(outputs)  # the log did run
    blob = "".join(outputs) + raw.read_text()
    for secret in (SECRET, "mldeckSEEDsessionTOKEN0123456789", "model-env-secret-must-not-leak",
                   "training-env-secret-must-not-leak"):
        assert secret not in blob, secret


# --- credentials ----------------------------------------------------------------------------------

def test_profile_files(probe_bin, moto, tmp_path):
    home = tmp_path / "home"
    env = base_env(home, AWS_PROFILE="ops")
    (home / ".aws" / "credentials").write_text(
        f"[ops]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    (home / ".aws" / "config").write_text(f"[profile ops]\nregion = {REGION}\n"
                                          f"endpoint_url = {moto.url}\n")
    p = run_probe(probe_bin, None, env, "endpoints", region=None)
    assert p.ok, p
    assert len(p.of("endpoint")) == 3
    # AWS_ENDPOINT_URL_SAGEMAKER beats the profile's endpoint_url
    env["AWS_ENDPOINT_URL_SAGEMAKER"] = "http://127.0.0.1:9"
    p = run_probe(probe_bin, None, env, "probe", region=None)
    assert p.status.get("code") == "network error", p
    assert "127.0.0.1:9" in p.status["msg"]


def test_credential_process(probe_bin, moto, tmp_path):
    home = tmp_path / "home"
    env = base_env(home, AWS_PROFILE="sso", AWS_REGION=REGION)
    helper = home / "helper.sh"
    helper.write_text("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAHELPER\", "
                      f"\"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"helper-token\", "
                      "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n")
    helper.chmod(0o700)
    (home / ".aws" / "config").write_text(f"[profile sso]\ncredential_process = {helper}\n")
    p = run_probe(probe_bin, moto.url, env, "probe", region=None)
    assert p.ok, p
    helper.write_text("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAHELPER\", "
                      f"\"SecretAccessKey\": \"{SECRET}\", \"Expiration\": "
                      "\"2020-01-01T00:00:00Z\"}'\n")
    p = run_probe(probe_bin, moto.url, env, "probe", region=None)
    assert p.status.get("code") == "authentication failed", p
    assert "credential_process of profile 'sso'" in p.status["msg"]
    assert "expired at 2020-01-01T00:00:00Z" in p.status["msg"]
    assert SECRET not in p.cp.stdout + p.cp.stderr


def test_missing_credentials_and_region(probe_bin, moto, tmp_path):
    p = run_probe(probe_bin, moto.url, base_env(tmp_path / "h1"), "probe")
    assert p.status.get("code") == "authentication failed", p
    assert "no AWS credentials" in p.status["msg"]
    assert "profile 'default'" in p.status["msg"]
    p = run_probe(probe_bin, moto.url, key_env(tmp_path / "h2"), "probe", region=None)
    assert p.status.get("code") == "configuration error", p
    assert "no AWS region" in p.status["msg"]
    p = run_probe(probe_bin, moto.url, key_env(tmp_path / "h3"), "probe", region="Not A Region")
    assert "invalid AWS region" in p.status["msg"]
    # a region nobody serves: moto answers an HTML 500; the message names the region
    p = run_probe(probe_bin, moto.url, key_env(tmp_path / "h4"), "endpoints",
                  region="xx-nowhere-9")
    assert not p.ok
    assert "cannot list endpoints of 'probe' in xx-nowhere-9" in p.status["msg"], p


# --- canned AWS errors ----------------------------------------------------------------------------

CANNED = {
    "ListEndpoints": (400, "application/x-amz-json-1.1",
                      '{"__type":"ThrottlingException","message":"Rate exceeded"}'),
    "DescribeEndpoint": (500, "text/html",
                         "<!doctype html>\n<html><title>500 Internal Server Error</title>"
                         "<h1>Internal Server Error</h1></html>"),
    "ListTrainingJobs": (400, "application/x-amz-json-1.1",
                         '{"__type":"com.amazon.coral.service#ExpiredTokenException",'
                         '"message":"The security token included in the request is expired"}'),
    "ListModelPackageGroups": (200, "application/x-amz-json-1.1", '{"ModelPackageGroupSumm'),
}


class _Canned(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        op = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        _Canned.hits.append(op)
        code, ctype, body = CANNED.get(op, (400, "application/x-amz-json-1.1",
                                            '{"__type":"UnknownOperationException"}'))
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def canned():
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Canned)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_canned_errors(probe_bin, canned, tmp_path):
    home = tmp_path / "home"
    env = base_env(home, AWS_PROFILE="night")
    (home / ".aws" / "credentials").write_text(
        f"[night]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        "aws_session_token = some-old-token\n")
    p = run_probe(probe_bin, canned, env, "endpoints")
    assert p.status["code"] == "HTTP error", p
    assert ("cannot list endpoints of 'probe' in eu-west-1 (ListEndpoints): throttled"
            in p.status["msg"])
    assert "ThrottlingException: Rate exceeded" in p.status["msg"]
    p = run_probe(probe_bin, canned, env, "endpoint", "x")
    assert p.status["code"] == "HTTP error", p
    assert "HTTP 500" in p.status["msg"] and "HTML error page" in p.status["msg"]
    assert "<" not in p.status["msg"]
    p = run_probe(probe_bin, canned, env, "experiments")
    assert p.status["code"] == "authentication failed", p
    assert "expired session token for profile 'night'" in p.status["msg"]
    p = run_probe(probe_bin, canned, env, "models")
    assert p.status["code"] == "cannot parse reply", p
    assert "cannot list model package groups" in p.status["msg"]
    assert SECRET not in p.cp.stdout + p.cp.stderr
    # reads are retried on 5xx by md_http (three DescribeEndpoint attempts), not on 400
    assert _Canned.hits.count("DescribeEndpoint") == 3
    assert _Canned.hits.count("ListEndpoints") == 1


# --- paging and bounded concurrency ---------------------------------------------------------------

def test_many_endpoints_paged(probe_bin, tmp_path):
    n = 130  # more than one ListEndpoints page (100)
    with moto_launcher.MotoServer() as m:
        sm = seed_sagemaker.client("sagemaker", m.url, REGION)
        sm.create_model(ModelName="bulk-model", ExecutionRoleArn=seed_sagemaker.ROLE,
                        PrimaryContainer={"Image": "img:1", "ModelDataUrl": "s3://b/m.tgz"})
        sm.create_endpoint_config(EndpointConfigName="bulk-config", ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "bulk-model",
             "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
        for i in range(n):
            sm.create_endpoint(EndpointName=f"bulk-{i:03d}", EndpointConfigName="bulk-config")
        # a latency of its own for every tenth endpoint: shared GetMetricData calls must
        # hand each endpoint its own series
        cw = seed_sagemaker.client("cloudwatch", m.url, REGION)
        ts = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
        cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=[
            {"MetricName": "ModelLatency", "Timestamp": ts - dt.timedelta(minutes=2),
             "Value": 1000.0 + i, "Unit": "Microseconds",
             "Dimensions": [{"Name": "EndpointName", "Value": f"bulk-{i:03d}"},
                            {"Name": "VariantName", "Value": "AllTraffic"}]}
            for i in range(0, n, 10)])
        mark = len(m.requests())
        p = run_probe(probe_bin, m.url, key_env(tmp_path / "home"), "endpoints-health", 10,
                      flags=["--repeat", "2"])
        assert p.ok, p
        names = [e["name"] for e in p.of("endpoint")]
        assert names == [f"bulk-{i:03d}" for i in range(n)] * 2
        assert len({h["endpoint"] for h in p.of("health")}) == n
        acts = [r["action"] for r in m.requests()[mark:]]
        assert acts.count("ListEndpoints") == 4  # two pages, two refreshes
        assert acts.count("DescribeEndpoint") == 2 * n
        # configs and models do not change: one describe each for both refreshes
        assert acts.count("DescribeEndpointConfig") == 1
        assert acts.count("DescribeModel") == 1
        # health reuses the variant names the list just read (no second describe), and
        # the queries of endpoints asked for together share calls (500 queries at most)
        assert acts.count("GetMetricData") <= 2 * (SM_MAX_INFLIGHT + 2), acts.count(
            "GetMetricData")
        for h in p.of("health"):
            if h["metric"] == "latency_us" and h["deployment"] == "AllTraffic":
                i = int(h["endpoint"].split("-")[1])
                assert h["v"] == ([1000.0 + i] if i % 10 == 0 else []), h


# --- moto with signature checking on --------------------------------------------------------------

def test_signatures_verified_by_moto(probe_bin, tmp_path):
    import boto3
    with moto_launcher.MotoServer(auth_after=3) as m:
        fake = dict(aws_access_key_id=KEY_ID, aws_secret_access_key="unchecked")
        iam = boto3.client("iam", endpoint_url=m.url, region_name="us-east-1", **fake)
        # the three unauthenticated actions moto allows
        iam.create_user(UserName="mldeck")
        key = iam.create_access_key(UserName="mldeck")["AccessKey"]
        allow = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
        iam.put_user_policy(UserName="mldeck", PolicyName="all", PolicyDocument=allow)
        creds = dict(aws_access_key_id=key["AccessKeyId"],
                     aws_secret_access_key=key["SecretAccessKey"])
        iam = boto3.client("iam", endpoint_url=m.url, region_name="us-east-1", **creds)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": "arn:aws:iam::123456789012:user/mldeck"}}]})
        role = iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust)["Role"]
        iam.put_role_policy(RoleName="ops", PolicyName="all", PolicyDocument=allow)
        sts = boto3.client("sts", endpoint_url=m.url, region_name=REGION, **creds)
        tmp = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="mldeck")["Credentials"]
        seed_sagemaker.seed(m.url, REGION, creds=creds)

        mark = len(m.requests())
        env = key_env(tmp_path / "h1", key["AccessKeyId"], key["SecretAccessKey"])
        p = run_probe(probe_bin, m.url, env, "endpoints")
        assert p.ok, p
        assert len(p.of("endpoint")) == 3
        p = run_probe(probe_bin, m.url, env, "health", "fraud-live", 10)
        assert p.ok, p  # CloudWatch (JSON 1.0, service "monitoring") signed too
        seen = m.requests()[mark:]
        assert seen and all(r["status"] == 200 for r in seen), seen
        assert {r["service"] for r in seen} == {"sagemaker", "cloudwatch"}
        for r in seen:
            assert "x-amz-target" in r["signed_headers"].split(";"), r

        # temporary credentials: the session token is sent and signed
        mark = len(m.requests())
        env = key_env(tmp_path / "h2", tmp["AccessKeyId"], tmp["SecretAccessKey"],
                      tmp["SessionToken"])
        p = run_probe(probe_bin, m.url, env, "endpoints")
        assert p.ok, p
        seen = m.requests()[mark:]
        assert seen and all("x-amz-security-token" in r["signed_headers"].split(";")
                            for r in seen), seen
        env["AWS_SESSION_TOKEN"] = tmp["SessionToken"][:-6] + "XXXXXX"
        p = run_probe(probe_bin, m.url, env, "probe")
        assert p.status.get("code") == "authentication failed", p
        assert "access key (or session token)" in p.status["msg"]

        # a wrong secret is rejected, and said so without the secret
        good = key["SecretAccessKey"]
        wrong = ("X" if good[0] != "X" else "Y") + good[1:]
        env = key_env(tmp_path / "h3", key["AccessKeyId"], wrong)
        p = run_probe(probe_bin, m.url, env, "probe")
        assert p.status.get("code") == "authentication failed", p
        assert p.status["http"] == 403
        assert "signature rejected for the AWS_* environment credentials" in p.status["msg"]
        assert "SignatureDoesNotMatch" in p.status["msg"]
        assert wrong not in p.cp.stdout + p.cp.stderr
        assert key["SecretAccessKey"] not in p.cp.stdout + p.cp.stderr


# --- the launcher itself --------------------------------------------------------------------------

def test_launcher_fails_loudly_when_moto_changes(tmp_path):
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "import moto.sagemaker.models as m\n"
        "del m.FakeEndpoint._process_production_variants\n"
        "import moto_launcher\n"
        "try:\n"
        "    moto_launcher._patch_sagemaker(None)\n"
        "except moto_launcher.PatchError as e:\n"
        "    print('PatchError:', e); sys.exit(3)\n"
        "sys.exit(0)\n" % str(TESTS))
    r = subprocess.run([moto_launcher.venv_python(), "-c", code], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "_process_production_variants" in r.stdout


def test_launcher_serves_monitoring_calls(tmp_path):
    fixture = tmp_path / "monitoring.json"
    fixture.write_text(json.dumps({"MonitoringScheduleSummaries": [
        {"MonitoringScheduleName": "churn-dq", "MonitoringScheduleArn": "arn:x",
         "CreationTime": "2026-11-01T00:00:00Z", "LastModifiedTime": "2026-11-01T00:00:00Z",
         "MonitoringScheduleStatus": "Scheduled", "EndpointName": "churn-prod"}]}))
    with moto_launcher.MotoServer(monitoring_fixture=fixture) as m:
        sm = seed_sagemaker.client("sagemaker", m.url, REGION)
        got = sm.list_monitoring_schedules(EndpointName="churn-prod")
        assert [s["MonitoringScheduleName"] for s in got["MonitoringScheduleSummaries"]] == [
            "churn-dq"]
        assert sm.list_monitoring_executions()["MonitoringExecutionSummaries"] == []
        assert not any(r["mutates"] for r in m.requests())



# --- the headless CLI on a sagemaker backend -------------------------------------------------------

def mldeck_bin():
    p = Path(os.environ.get("MLDECK_BIN", "mldeck"))
    p = p if p.is_absolute() else REPO / p
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mldeck binary not found: {p} (build it with `make`, or set MLDECK_BIN)")
    return str(p)


def run_mldeck(moto_srv, tmp_path, *args, env=None):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: aws\ncontexts:\n  - name: aws\n    backends:\n"
                   f"      - name: sm\n        type: sagemaker\n        url: {moto_srv.url}\n"
                   f"        region: {REGION}\n")
    env = env or key_env(tmp_path / "home")
    cmd = [mldeck_bin(), "--config", str(cfg), "--state", str(tmp_path / "state.db")]
    cp = subprocess.run(cmd + [str(a) for a in args], env=env, capture_output=True, text=True,
                        timeout=120)
    if any(mark in cp.stderr for mark in SANITIZER_MARKS):
        pytest.fail(f"sanitizer report from {cmd + list(args)}:\n{cp.stderr[-6000:]}")
    return cp


def test_headless_get_endpoints(moto, tmp_path):
    cp = run_mldeck(moto, tmp_path, "get", "endpoints", "--json")
    assert cp.returncode == 0, cp.stderr
    eps = {e["name"]: e for e in json.loads(cp.stdout)}
    assert sorted(eps) == ["churn-prod", "fraud-live", "reco-batch"]
    fraud = {d["name"]: d for d in eps["fraud-live"]["deployments"]}
    assert fraud["canary"]["share"] == pytest.approx(0.1)
    assert eps["churn-prod"]["config"] == moto.seed["endpoints"]["churn-prod"]["current"]
    # the state file keeps the snapshot: no key, no model Environment in it
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
    assert b"churn-prod" in blob
    for secret in (SECRET.encode(), b"model-env-secret-must-not-leak"):
        assert secret not in blob


def test_headless_rollback_endpoint(moto, tmp_path):
    sm = sm_client(moto)
    want = moto.seed["endpoints"]["churn-prod"]
    mark = len(moto.requests())
    cp = run_mldeck(moto, tmp_path, "--read-only", "rollback", "endpoint", "churn-prod", "--yes")
    assert cp.returncode != 0
    assert "read-only" in cp.stderr
    assert moto.mutations(mark) == []
    cp = run_mldeck(moto, tmp_path, "rollback", "endpoint", "churn-prod", "--yes")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert f"{want['current']} -> {want['previous']}" in cp.stdout
    assert sm.describe_endpoint(EndpointName="churn-prod")["EndpointConfigName"] == want["previous"]
    assert [m["action"] for m in moto.mutations(mark)] == ["UpdateEndpoint"]
    cp = run_mldeck(moto, tmp_path, "rollback", "endpoint", "churn-prod", "--to", want["current"],
                    "--yes")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert sm.describe_endpoint(EndpointName="churn-prod")["EndpointConfigName"] == want["current"]


def test_headless_traffic(moto, tmp_path):
    sm = sm_client(moto)
    cp = run_mldeck(moto, tmp_path, "rollback", "traffic", "fraud-live", "--set",
                    "canary=0,primary=1", "--yes")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    d = {v["VariantName"]: v for v in sm.describe_endpoint(
        EndpointName="fraud-live")["ProductionVariants"]}
    assert (d["primary"]["DesiredWeight"], d["canary"]["DesiredWeight"]) == (1, 0)
    assert (d["primary"]["DesiredInstanceCount"], d["canary"]["DesiredInstanceCount"]) == (2, 1)
    cp = run_mldeck(moto, tmp_path, "rollback", "traffic", "fraud-live", "--set",
                    "canary=0.1,primary=0.9", "--yes")
    assert cp.returncode == 0, cp.stdout + cp.stderr


def test_killed_endpoint_rollback_is_settled_on_next_start(moto, tmp_path):
    """A rollback killed after UpdateEndpoint left (a 'started' audit row, no outcome) is
    settled by the next start from a fresh DescribeEndpoint."""
    import sqlite3
    import time
    cp = run_mldeck(moto, tmp_path, "get", "endpoints", "--json")
    assert cp.returncode == 0, cp.stderr
    churn = {e["name"]: e for e in json.loads(cp.stdout)}["churn-prod"]
    now = churn["config"]
    db = sqlite3.connect(tmp_path / "state.db")
    with db:
        db.execute("INSERT INTO audit(ts_ms, who, action, backend, target, \"before\", \"after\","
                   " phase, outcome, message, ref_id) VALUES (?, 'killed@host',"
                   " 'endpoint-rollback', 'sm', 'endpoint:churn-prod', 'older-config', ?,"
                   " 'started', 'unknown', '', 0)", (int(time.time() * 1000), now))
    db.close()
    cp = run_mldeck(moto, tmp_path, "get", "endpoints")
    assert cp.returncode == 0, cp.stderr
    cp = run_mldeck(moto, tmp_path, "get", "audit", "--json")
    fin = [e for e in json.loads(cp.stdout)
           if e["phase"] == "finished" and e["target"] == "endpoint:churn-prod"]
    assert fin and fin[0]["outcome"] == "ok", fin
    assert now in fin[0]["message"]


def _package_status(moto_srv, group, n):
    sm = sm_client(moto_srv)
    pkgs = sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    for p in pkgs:
        if p["ModelPackageVersion"] == n:
            return sm.describe_model_package(ModelPackageName=p["ModelPackageArn"])[
                "ModelApprovalStatus"]
    raise AssertionError(f"no version {n} of {group}")


def test_approve_and_reject_a_model_package_with_audit(moto, tmp_path):
    """approve MODEL VERSION --status: plan, typed confirmation, UpdateModelPackage, verified
    by re-reading, audited; the reverse puts it back."""
    assert _package_status(moto, "churn-models", 2) == "PendingManualApproval"
    cp = run_mldeck(moto, tmp_path, "approve", "churn-models", "2", "--status", "Approved",
                    "--yes")
    assert cp.returncode == 0, cp.stderr
    assert "PendingManualApproval -> Approved" in cp.stdout
    assert _package_status(moto, "churn-models", 2) == "Approved"
    cp = run_mldeck(moto, tmp_path, "get", "audit", "--json")
    fin = [e for e in json.loads(cp.stdout) if e["phase"] == "finished"]
    assert fin[0]["action"] == "approval-set" and fin[0]["outcome"] == "ok"
    assert fin[0]["target"] == "churn-models#2"
    # the wrong confirmation is refused and changes nothing
    wrong = subprocess.run(
        [mldeck_bin(), "--config", str(tmp_path / "config.yaml"), "--state",
         str(tmp_path / "state.db"), "approve", "churn-models", "2", "--status", "Rejected"],
        input="churn\n", env=key_env(tmp_path / "home"), capture_output=True, text=True,
        timeout=120)
    assert wrong.returncode == 3, wrong.stderr
    assert _package_status(moto, "churn-models", 2) == "Approved"
    cp = run_mldeck(moto, tmp_path, "approve", "churn-models", "2", "--status",
                    "PendingManualApproval", "--yes")
    assert cp.returncode == 0, cp.stderr
    assert _package_status(moto, "churn-models", 2) == "PendingManualApproval"


def test_approval_refused_in_read_only_without_a_write(moto, tmp_path):
    since = len(moto.requests())
    cp = run_mldeck(moto, tmp_path, "--read-only", "approve", "churn-models", "2", "--status",
                    "Approved", "--yes")
    assert cp.returncode == 3
    assert "read-only" in cp.stderr
    assert moto.mutations(since) == []
    assert _package_status(moto, "churn-models", 2) == "PendingManualApproval"


# --- CloudTrail: who changed an endpoint ----------------------------------------------------------

OPERATOR_KEY = "AKIAOPERATORKEY00001"


@pytest.fixture(scope="module")
def moto_trail():
    """moto whose CloudTrail names the operator key's owner 'alice'."""
    with moto_launcher.MotoServer(cloudtrail_users={OPERATOR_KEY: "alice"}) as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


def _trail_event(eid, name, endpoint, at, identity, params, error=None):
    record = {"eventVersion": "1.09", "userIdentity": identity, "eventName": name,
              "eventSource": "sagemaker.amazonaws.com", "eventID": eid,
              "requestParameters": params}
    if error:
        record["errorCode"] = error
    return {"EventId": eid, "EventName": name, "EventTime": at, "ReadOnly": "false",
            "EventSource": "sagemaker.amazonaws.com", "Username": identity.get("userName", ""),
            "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint", "ResourceName": endpoint}],
            "CloudTrailEvent": json.dumps(record)}


def test_changes_name_the_actor_from_cloudtrail(probe_bin, moto_trail, env):
    """A weight change made with boto3 by 'alice' and an assumed-role update written to the
    trail come back as changes with their actors, times and details, oldest first; reads
    (DescribeEndpoint) are not changes."""
    ops = seed_sagemaker.client("sagemaker", moto_trail.url, REGION,
                                creds={"aws_access_key_id": OPERATOR_KEY,
                                       "aws_secret_access_key": "operator-secret"})
    before = dt.datetime.now(dt.timezone.utc).timestamp()
    ops.describe_endpoint(EndpointName="fraud-live")
    ops.update_endpoint_weights_and_capacities(
        EndpointName="fraud-live",
        DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredWeight": 0.5},
                                     {"VariantName": "canary", "DesiredWeight": 0.5}])
    role = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:deploy-bot",
            "arn": "arn:aws:sts::123456789012:assumed-role/ci-deploy/deploy-bot"}
    moto_trail.write_cloudtrail([
        _trail_event("e-old", "UpdateEndpoint", "fraud-live", before - 3600, role,
                     {"EndpointName": "fraud-live", "EndpointConfigName": "fraud-cfg-1"}),
        _trail_event("e-fail", "UpdateEndpoint", "fraud-live", before - 1800,
                     {"type": "IAMUser", "userName": "bob"},
                     {"EndpointName": "fraud-live", "EndpointConfigName": "nope"},
                     error="ValidationException"),
        _trail_event("e-other", "UpdateEndpoint", "churn-prod", before - 60, role,
                     {"EndpointName": "churn-prod", "EndpointConfigName": "x"}),
    ])
    p = run_probe(probe_bin, moto_trail.url, env, "changes", "fraud-live")
    assert p.ok, p
    ch = p.of("change")
    assert [c["at"] for c in ch] == sorted(c["at"] for c in ch)
    # the seed's own CreateEndpoint/UpdateEndpoint calls are trailed under its key id
    seeded = [c for c in ch if c["actor"] == KEY_ID]
    assert {c["operation"] for c in seeded} >= {"CreateEndpoint"}, ch
    ch = [c for c in ch if c["actor"] != KEY_ID]
    assert [c["id"] for c in ch][:2] == ["e-old", "e-fail"], ch
    assert len(ch) == 3, ch
    old, fail, mine = ch
    assert old["actor"] == "deploy-bot (role ci-deploy)" and old["actor_kind"] == "AssumedRole"
    assert old["detail"] == "config fraud-cfg-1" and old["status"] == "Succeeded"
    assert old["at"] == pytest.approx((before - 3600) * 1000, abs=1)
    assert fail["actor"] == "bob" and fail["status"] == "Failed"
    assert fail["error"] == "ValidationException"
    assert mine["operation"] == "UpdateEndpointWeightsAndCapacities"
    assert mine["actor"] == "alice" and mine["source"] == "cloudtrail"
    assert mine["detail"] == "primary=0.5,canary=0.5"
    assert mine["at"] >= before * 1000 - 1000
    # StartTime: only what happened since
    p = run_probe(probe_bin, moto_trail.url, env, "changes", "fraud-live",
                  str(int(before * 1000)))
    assert p.ok, p
    assert [c["actor"] for c in p.of("change")] == ["alice"]


def test_changes_follow_every_page(probe_bin, moto_trail, env):
    """CloudTrail pages hold 50 events: 120 changes arrive whole, in time order."""
    ident = {"type": "IAMUser", "userName": "pager"}
    evs = [_trail_event(f"p{i:03d}", "UpdateEndpoint", "reco-batch", 1_700_000_000 + i, ident,
                        {"EndpointName": "reco-batch", "EndpointConfigName": f"c{i}"})
           for i in range(120)]
    moto_trail.write_cloudtrail(evs)
    # a read: the HTTP guard lets LookupEvents through in read-only mode
    p = run_probe(probe_bin, moto_trail.url, env, "changes", "reco-batch", flags=("--read-only",))
    assert p.ok, p
    paged = [c["id"] for c in p.of("change") if c["actor"] == "pager"]
    assert paged == [f"p{i:03d}" for i in range(120)]
