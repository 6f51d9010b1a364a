"""The Azure ML backend against the fake Resource Manager (tests/fake_azure.py).

The backend is driven through tests/tools/az_probe.c, compiled here against the core library
(build/libcore.a, or $O/libcore.a), which runs backend operations in order and prints one
JSON object per result. The fake's request log is the witness for paging, token use,
throttling, the traffic PUT and its long-running operation, deployment logs, monitor
schedules, and read-only mode.

The workspace's MLflow is a real `mlflow server` (one per module, seeded here through its
REST API) behind the fake's bearer-token check: the headless command line must list its
experiments as the backend "azure/mlflow" that the deck adds after the workspace's probe.
"""

import json
import os
import stat
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from fake_azure import FORBIDDEN_WORKSPACE, WS_EXPERIMENTS, FakeAzure, seed_workspace_mlflow
from servers import MlflowServer, assert_no_mutations, closed_port, describe, make_isolated_env

REPO = Path(__file__).resolve().parents[2]
CORE_PKGS = ["libcurl", "libcjson", "yaml-0.1", "sqlite3"]


def _pkg_libs():
    pkgs = list(CORE_PKGS)
    if subprocess.run(["pkg-config", "--exists", "inih"]).returncode == 0:
        pkgs.append("inih")
    out = subprocess.run(["pkg-config", "--libs", *pkgs], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


@pytest.fixture(scope="session")
def az_probe(tmp_path_factory):
    """tests/tools/az_probe.c linked against the core library of this build ($AZ_PROBE names
    a prebuilt one instead)."""
    if os.environ.get("AZ_PROBE"):
        return os.environ["AZ_PROBE"]
    obj = os.environ.get("O", "build")
    lib = REPO / obj / "libcore.a"
    mk = subprocess.run(["make", "-s", f"O={obj}", str(lib.relative_to(REPO))], cwd=REPO,
                        capture_output=True, text=True)
    assert mk.returncode == 0, f"cannot build {lib}:\n{mk.stdout}\n{mk.stderr}"
    nm = subprocess.run(["nm", "-A", str(lib)], capture_output=True, text=True)
    san = ["-fsanitize=address,undefined"] if "__asan_" in nm.stdout else []
    out = tmp_path_factory.mktemp("az_probe") / "az_probe"
    cflags = subprocess.run(["pkg-config", "--cflags", *CORE_PKGS], capture_output=True,
                            text=True).stdout.split()
    cmd = ["cc", "-std=c11", "-D_GNU_SOURCE", "-g", "-O1", "-Wall", "-Wextra", "-Werror",
           *san, "-Iinclude", "-Icore", *cflags, "-o", str(out), "tests/tools/az_probe.c",
           str(lib), *_pkg_libs(), "-lm", "-pthread"]
    cc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert cc.returncode == 0, f"{' '.join(cmd)}\n{cc.stderr}"
    return str(out)


@pytest.fixture(scope="module")
def ws_mlflow(tmp_path_factory):
    """The real MLflow server the fake's workspace MLflow forwards to."""
    srv = MlflowServer(workdir=tmp_path_factory.mktemp("ws-mlflow"), name="ws-mlflow")
    srv.start()
    try:
        srv.seed = {"experiments": seed_workspace_mlflow(srv.url)}
        yield srv
    finally:
        srv.close()


@pytest.fixture
def fake(ws_mlflow):
    with FakeAzure(page_size=2, lro_polls=3, lro_retry_after=0,
                   mlflow_upstream=ws_mlflow.url) as fa:
        yield fa


class Probe:
    def __init__(self, exe, fake, env):
        self.exe, self.fake, self.env = exe, fake, env

    def run(self, *commands, options=(), env=None, timeout=90, workspace=None, check=False):
        fa = self.fake
        args = [self.exe, "--url", fa.url, "--subscription", fa.subscription,
                "--resource-group", fa.resource_group,
                "--workspace", workspace or fa.workspace, *options, *commands]
        e = dict(self.env)
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        t0 = time.monotonic()
        cp = subprocess.run(args, env=e, capture_output=True, text=True, timeout=timeout)
        cp.elapsed = time.monotonic() - t0
        cp.results = [json.loads(line) for line in cp.stdout.splitlines() if line.strip()]
        for marker in ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"):
            assert marker not in cp.stderr, describe(cp)
        # secrets never reach the output or the log
        with fa.lock:
            tokens = list(fa.tokens)
        for secret in [fa.client_secret, fa.identity_header] + tokens:
            assert secret not in cp.stdout and secret not in cp.stderr, "secret leaked"
        if check:
            assert cp.returncode == 0, describe(cp)
        return cp


@pytest.fixture
def probe(az_probe, fake, tmp_path):
    env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fake.tenant,
                            AZURE_CLIENT_ID=fake.client_id,
                            AZURE_CLIENT_SECRET=fake.client_secret,
                            AZURE_AUTHORITY_HOST=fake.url)
    env["PATH"] = "/usr/bin:/bin"  # no az here unless a test puts one there
    return Probe(az_probe, fake, env)


def endpoints_by_name(result):
    return {e["name"]: e for e in result["endpoints"]}


def deployments(ep):
    return {d["name"]: d for d in ep["deployments"]}


# --- listing --------------------------------------------------------------------------------------


def test_endpoints_paged_with_deployments(probe, fake):
    cp = probe.run("probe", "endpoints", "info", check=True)
    ws, eps, info = cp.results
    assert ws["server"] == f"{fake.workspace} ({fake.location})"
    by = endpoints_by_name(eps)
    assert set(by) == {"fraud-scorer", "churn-api", "ltv-fail-canary", "recs-stuck",
                       "pricing-broken"}
    fs = deployments(by["fraud-scorer"])
    assert (fs["blue"]["weight"], fs["green"]["weight"]) == (90, 10)
    assert (fs["blue"]["share"], fs["green"]["share"]) == (0.9, 0.1)
    assert (fs["blue"]["model"], fs["blue"]["version"]) == ("fraud-model", "7")
    assert fs["blue"]["instance_type"] == "Standard_DS3_v2"
    assert fs["blue"]["instances"] == 2 and fs["green"]["instances"] == 1
    assert fs["green"]["status"] == "Succeeded"
    churn = by["churn-api"]
    assert churn["tags"]["azureml.mirror_traffic"] == "shadow=10"
    assert deployments(churn)["main"]["model"] == "churn-model"  # azureml:churn-model:3
    assert deployments(churn)["main"]["version"] == "3"
    assert deployments(by["pricing-broken"])["candidate"]["status"] == "Failed"
    # 5 endpoints at 2 a page: 3 pages, the later ones fetched through nextLink exactly
    pages = fake.requests("GET", "/onlineEndpoints")
    pages = [r for r in pages if r["path"].endswith("/onlineEndpoints")]
    assert len(pages) == 3
    assert "$skipToken=" not in pages[0]["query"]
    assert all("$skipToken=" in r["query"] for r in pages[1:])
    # the workspace's MLflow URI: azureml:// in the reply; http here, ARM's own scheme
    assert fake.ws["properties"]["mlFlowTrackingUri"].startswith("azureml://127.0.0.1:")
    assert info["mlflow"] == f"{fake.url}/mlflow/v1.0{fake.ws_id()}"
    assert info["token_source"] == "client secret"
    assert not fake.mutations()


def test_get_one_endpoint(probe, fake):
    cp = probe.run("endpoint fraud-scorer", check=True)
    (res,) = cp.results
    assert [e["name"] for e in res["endpoints"]] == ["fraud-scorer"]
    assert set(deployments(res["endpoints"][0])) == {"blue", "green"}


def test_models_and_versions_follow_next_link(probe, fake):
    cp = probe.run("models-all", "versions-all fraud-model", check=True)
    models = [m for r in cp.results[:2] for m in r["models"]]
    assert models == ["fraud-model", "churn-model", "ltv-model"]
    versions = [v["version"] for r in cp.results[2:] for v in r["versions"]]
    assert versions == [str(v) for v in range(8, 0, -1)]
    assert all(v["model"] == "fraud-model" for r in cp.results[2:] for v in r["versions"])
    assert cp.results[2]["versions"][0]["run"] == "fraud-train-008"
    # the fixtures' nextLink form (another api-version, $skip) is followed as given
    later = [r for r in fake.requests("GET", "/models/fraud-model/versions")
             if "$skip=" in r["query"]]
    assert later and all("api-version=2025-07-01-preview" in r["query"] for r in later)


def test_jobs_as_experiments_and_runs(probe, fake):
    cp = probe.run("experiments", "runs fraud-training", "run churn-train-004", check=True)
    exps, runs, one = cp.results
    assert set(exps["experiments"]) == {"fraud-training", "churn-training", "Default"}
    st = {r["id"]: r["status"] for r in runs["runs"]}
    assert st == {"fraud-train-006": "FINISHED", "fraud-train-007": "FINISHED",
                  "fraud-train-008": "FAILED", "fraud-train-009": "RUNNING"}
    assert runs["runs"][0]["params"] == {"learning_rate": "0.05", "n_estimators": "400"}
    assert one["runs"][0]["status"] == "KILLED"


# --- tokens -------------------------------------------------------------------------------------


def test_token_fetched_once_and_refreshed_near_expiry(probe, fake):
    probe.run("endpoints", "models", "experiments", check=True)
    assert fake.token_requests == 1
    # an hour later the cached token is stale: a new one is fetched before the request
    probe.run("endpoints", "advance 3600", "endpoints", check=True)
    assert fake.token_requests == 3


def test_token_refreshed_after_401(probe, fake):
    fake.control(revoke_after=3)  # the token dies in the middle of the listing
    cp = probe.run("endpoints", "endpoints", check=True)
    assert fake.token_requests == 2
    assert len(cp.results[1]["endpoints"]) == 5
    assert "token refused, getting a new one" in cp.stderr


def test_wrong_secret_reports_aadsts(probe, fake):
    cp = probe.run("probe", env={"AZURE_CLIENT_SECRET": "not-the-secret"})
    assert cp.returncode == 1
    (res,) = cp.results
    assert res["status"] == "authentication failed"
    assert res["http"] == 401
    assert "AADSTS7000215: Invalid client secret provided" in res["error"]
    assert fake.client_id in res["error"] and "invalid_client" in res["error"]
    assert "not-the-secret" not in cp.stdout + cp.stderr
    assert "Trace ID" not in res["error"]  # only the description's first line
    assert not [r for r in fake.log if "/subscriptions/" in r["path"]]


def test_wrong_tenant_reports_aadsts(probe, fake):
    cp = probe.run("probe", env={"AZURE_TENANT_ID": "contoso.onmicrosoft.com"})
    assert "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found" in cp.results[0]["error"]


def test_managed_identity_app_service(probe, fake):
    env = {"AZURE_CLIENT_SECRET": None, "AZURE_CLIENT_ID": None,
           "IDENTITY_ENDPOINT": f"{fake.url}/msi/token", "IDENTITY_HEADER": fake.identity_header}
    cp = probe.run("probe", "info", env=env, check=True)
    assert cp.results[1]["token_source"] == "managed identity (IDENTITY_ENDPOINT)"
    assert fake.requests("GET", "/msi/token")


def test_managed_identity_imds(probe, fake):
    env = {"AZURE_CLIENT_SECRET": None, "AZURE_CLIENT_ID": None,
           "AZURE_POD_IDENTITY_AUTHORITY_HOST": fake.url}
    cp = probe.run("probe", "info", env=env, check=True)
    assert cp.results[1]["token_source"] == "managed identity (IMDS)"


def _fake_az(tmp_path, script):
    d = tmp_path / "azbin"
    d.mkdir()
    az = d / "az"
    az.write_text("#!/bin/sh\n" + script)
    az.chmod(az.stat().st_mode | stat.S_IXUSR)
    return str(d)


def test_azure_cli_token(probe, fake, tmp_path):
    token = fake.mint()
    exp = int(time.time()) + 3000
    azdir = _fake_az(tmp_path, f"""
case "$*" in
  "account get-access-token --resource https://management.azure.com -o json")
    echo '{{"accessToken": "{token}", "expiresOn": "2099-01-01 00:00:00.000000",
           "expires_on": {exp}, "subscription": "{fake.subscription}",
           "tenant": "{fake.tenant}", "tokenType": "Bearer"}}' ;;
  *) echo "unexpected arguments: $*" >&2; exit 2 ;;
esac
""")
    env = {"AZURE_CLIENT_SECRET": None, "AZURE_TENANT_ID": None,
           "PATH": f"{azdir}:/usr/bin:/bin"}
    cp = probe.run("probe", "info", env=env, check=True)
    assert cp.results[1]["token_source"] == "Azure CLI"
    assert fake.token_requests == 0


def test_no_credential_names_every_source(probe, fake, tmp_path):
    azdir = _fake_az(tmp_path, "echo \"ERROR: Please run 'az login' to setup account.\" >&2\n"
                               "exit 1\n")
    env = {"AZURE_CLIENT_SECRET": None, "PATH": f"{azdir}:/usr/bin:/bin",
           "AZURE_POD_IDENTITY_AUTHORITY_HOST": f"http://127.0.0.1:{closed_port()}"}
    cp = probe.run("probe", env=env)
    err = cp.results[0]["error"]
    assert cp.results[0]["status"] == "authentication failed"
    assert "no Azure credential worked" in err
    assert "Please run 'az login'" in err and "IMDS" in err


# --- errors --------------------------------------------------------------------------------------


def test_missing_location_names_the_variable(probe, fake):
    cp = probe.run("probe", options=["--subscription", ""])
    assert cp.results[0]["status"] == "configuration error"
    assert "AZURE_SUBSCRIPTION_ID" in cp.results[0]["error"]
    cp = probe.run("probe", options=["--subscription", ""],
                   env={"AZURE_SUBSCRIPTION_ID": fake.subscription}, check=True)


def test_unsupported_api_version(probe, fake):
    cp = probe.run("endpoints", options=["--api-version", "2019-01-01"])
    res = cp.results[0]
    assert res["status"] == "configuration error" and res["http"] == 400
    assert "NoRegisteredProviderFound" in res["error"]
    cp = probe.run("endpoints", options=["--api-version", "2026-07-01"], check=True)


def test_forbidden_workspace(probe, fake):
    cp = probe.run("endpoints", workspace=FORBIDDEN_WORKSPACE)
    res = cp.results[0]
    assert res["status"] == "authentication failed" and res["http"] == 403
    assert "AuthorizationFailed" in res["error"] and "request id" in res["error"]


def test_unknown_endpoint_is_not_found(probe, fake):
    cp = probe.run("endpoint nope")
    assert cp.results[0]["status"] == "not found" and cp.results[0]["http"] == 404
    assert "ResourceNotFound" in cp.results[0]["error"]


def test_throttled_once_then_served(probe, fake):
    fake.control(throttle={"count": 1, "retry_after": 1, "match": "/onlineEndpoints"})
    cp = probe.run("endpoints", check=True)
    assert len(cp.results[0]["endpoints"]) == 5
    assert cp.elapsed >= 1.0  # Retry-After was honoured
    first = fake.requests("GET", "/onlineEndpoints")[:2]
    assert first[0]["path"] == first[1]["path"] and first[0]["query"] == first[1]["query"]


def test_throttle_storm_gives_a_clear_error(probe, fake):
    fake.control(throttle={"count": 50, "retry_after": 1, "match": "/onlineEndpoints"})
    cp = probe.run("endpoints")
    err = cp.results[0]["error"]
    assert cp.results[0]["http"] == 429 and "TooManyRequests" in err


def test_low_ratelimit_budget_is_logged(probe, fake):
    fake.control(ratelimit_reads=40)
    cp = probe.run("endpoints", "info", check=True)
    assert "budget running low" in cp.stderr
    assert 0 <= cp.results[1]["ratelimit"] < 40


def test_next_link_to_another_host_is_refused(probe, fake):
    fake.control(foreign_next_link=True)
    cp = probe.run("endpoints")
    assert "nextLink does not point to" in cp.results[0]["error"]
    assert not [r for r in fake.log if r["query"].count("$skipToken")]


# --- the traffic change --------------------------------------------------------------------------


def test_traffic_rollback_through_the_lro(probe, fake):
    cp = probe.run("set fraud-scorer blue=100,green=0", "info", "endpoint fraud-scorer",
                   check=True)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 100}
    puts = fake.mutations()
    assert [r["method"] for r in puts] == ["PUT"]
    body = puts[0]["body"]
    assert body["properties"]["traffic"] == {"blue": 100}
    for ro in ("id", "name", "type", "systemData"):
        assert ro not in body
    for ro in ("provisioningState", "scoringUri", "swaggerUri"):
        assert ro not in body["properties"]
    assert "principalId" not in body["identity"] and body["location"] == fake.location
    assert body["properties"]["authMode"] == "Key"
    polls = fake.requests("GET", "/mfeOperationsStatus/")
    assert len(polls) == 4  # InProgress three times, then Succeeded
    info = cp.results[1]
    assert "/mfeOperationsStatus/" in info["operation"] and info["request_id"]
    dep = deployments(cp.results[2]["endpoints"][0])
    assert (dep["blue"]["weight"], dep["green"]["weight"]) == (100, 0)
    # roll forward (undo) to the canary split
    probe.run("set fraud-scorer blue=90,green=10", check=True)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}


def test_traffic_changes_only_when_the_operation_succeeds(probe, fake):
    fake.control(lro_polls=1000)
    probe.run("set fraud-scorer blue=100,green=0", options=["--lro-timeout", "2"])
    st = fake.state()["fraud-scorer"]
    assert st["traffic"] == {"blue": 90, "green": 10} and st["provisioningState"] == "Updating"


def test_traffic_lro_failed(probe, fake):
    cp = probe.run("set ltv-fail-canary v1=0,v2=100")
    res = cp.results[0]
    assert cp.returncode == 1
    assert "the operation ended Failed: TrafficUpdateFailed" in res["error"]
    assert fake.state()["ltv-fail-canary"]["traffic"] == {"v1": 100}


def test_traffic_lro_never_ends_is_bounded(probe, fake):
    cp = probe.run("set recs-stuck a=100,b=0", options=["--lro-timeout", "2"])
    res = cp.results[0]
    assert res["status"] == "timed out"
    assert "still InProgress" in res["error"] and "refresh" in res["error"]
    assert cp.elapsed < 15
    assert len(fake.requests("GET", "/mfeOperationsStatus/")) <= 20


@pytest.mark.parametrize("spec,message", [
    ("pricing-broken stable=0,candidate=100", "deployment 'candidate' is Failed"),
    ("fraud-scorer blue=50,green=40", "add up to 90, not 100"),
    ("fraud-scorer blue=100,red=0", "no deployment 'red' on endpoint 'fraud-scorer'"),
    ("fraud-scorer blue=99.5,green=0.5", "not a whole percentage"),
])
def test_bad_plans_send_no_put(probe, fake, spec, message):
    cp = probe.run(f"set {spec}")
    assert cp.results[0]["status"] == "invalid argument"
    assert message in cp.results[0]["error"]
    assert not fake.mutations()


def test_unchanged_traffic_sends_nothing(probe, fake):
    probe.run("set fraud-scorer blue=90,green=10", check=True)
    assert not fake.mutations()


def test_live_target_leaves_the_mirror(probe, fake):
    probe.run("set churn-api main=0,shadow=100", check=True)
    put = fake.mutations()[0]["body"]
    assert put["properties"]["traffic"] == {"shadow": 100}
    assert "shadow" not in put["properties"].get("mirrorTraffic", {})
    assert fake.state()["churn-api"]["traffic"] == {"shadow": 100}


def test_read_only_makes_no_writes(probe, fake):
    cp = probe.run("probe", "endpoints", "models", "versions fraud-model", "experiments",
                   "runs fraud-training", "set fraud-scorer blue=100,green=0",
                   options=["--read-only"])
    assert all(r["ok"] for r in cp.results[:-1]), describe(cp)
    assert cp.results[-1]["status"] == "refused in read-only mode"
    assert "read-only mode: refused PUT" in cp.results[-1]["error"]
    assert not fake.mutations()
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}


# --- deployment logs -----------------------------------------------------------------------------


def _logs_requests(fake):
    return [r for r in fake.requests("POST") if r["path"].endswith("/getLogs")]


def test_logs_of_a_deployment(probe, fake):
    cp = probe.run("logs fraud-scorer blue", "logs fraud-scorer green storage 3", check=True)
    server, storage = cp.results
    lines = server["text"].split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 200  # the default tail, newest last
    assert "p99 latency 412ms above the 300ms budget" in lines[-2]
    assert all(" POST /score " in ln for ln in lines[:-2])
    # the colours and the window-title sequence of the container's log are gone
    assert "\x1b" not in server["text"] and "[32m" not in server["text"]
    assert all(ch == "\n" or ch >= " " for ch in server["text"])
    assert storage["text"].count("\n") == 3
    assert storage["text"].rstrip().endswith("INFO Model download completed; exiting 0")
    reqs = _logs_requests(fake)
    assert [r["path"].split("/")[-2] for r in reqs] == ["blue", "green"]
    assert reqs[0]["body"] == {"containerType": "InferenceServer", "tail": 200}
    assert reqs[1]["body"] == {"containerType": "StorageInitializer", "tail": 3}
    assert all(r["query"] == "api-version=2025-12-01" for r in reqs)
    assert not fake.mutations()  # getLogs is a read


def test_logs_all_lines_when_fewer_than_the_tail(probe, fake):
    cp = probe.run("logs churn-api main storage 500", check=True)
    assert cp.results[0]["text"].count("\n") == 5
    assert "Model reference: azureml:churn-model:3" in cp.results[0]["text"]


def test_logs_of_an_unknown_deployment(probe, fake):
    cp = probe.run("logs fraud-scorer purple")
    res = cp.results[0]
    assert res["status"] == "not found" and res["http"] == 404
    assert "deployment 'purple' of endpoint 'fraud-scorer'" in res["error"]
    assert "ResourceNotFound" in res["error"]


def test_logs_token_refreshed_after_401(probe, fake):
    fake.control(revoke_after=0)  # the first request's token is already gone
    cp = probe.run("logs fraud-scorer blue server 5", check=True)
    assert cp.results[0]["text"].count("\n") == 5
    assert fake.token_requests == 2
    assert len(_logs_requests(fake)) == 2


def test_read_only_still_reads_logs(probe, fake):
    cp = probe.run("logs fraud-scorer blue", "logs fraud-scorer blue storage",
                   "set fraud-scorer blue=100,green=0", options=["--read-only"])
    assert cp.results[0]["ok"] and cp.results[1]["ok"], describe(cp)
    assert "POST /score" in cp.results[0]["text"]
    assert "Model download completed" in cp.results[1]["text"]
    assert cp.results[2]["status"] == "refused in read-only mode"
    assert len(_logs_requests(fake)) == 2  # the POSTs went out: the guard knows them as reads
    assert fake.mutations() == []
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}


# --- model monitors ------------------------------------------------------------------------------


def test_monitor_schedules_every_page(probe, fake):
    cp = probe.run("monitors", check=True)
    mons = {m["name"]: m for m in cp.results[0]["monitors"]}
    # the fixture's batch schedule is no monitor; the paused one is listed as paused
    assert set(mons) == {"fraud-scorer-monitor", "churn-api-monitor"}
    fs = mons["fraud-scorer-monitor"]
    assert (fs["endpoint"], fs["deployment"], fs["model"]) == ("fraud-scorer", "blue",
                                                              "fraud-model:7")
    assert fs["enabled"] and fs["trigger"] == "recurrence Day/1"
    sig = {s["name"]: s for s in fs["signals"]}
    assert sig["data-drift"]["type"] == "DataDrift"
    assert sig["data-drift"]["thresholds"] == {"NormalizedWassersteinDistance": 0.1,
                                               "JensenShannonDistance": 0.1}
    assert sig["prediction-drift"]["thresholds"] == {"PearsonsChiSquaredTest": 0.05}
    assert sig["data-quality"]["thresholds"] == {"NullValueRate": 0.02}
    assert sig["feature-attribution"]["thresholds"] == {"NormalizedDiscountedCumulativeGain": 0.9}
    ch = mons["churn-api-monitor"]
    assert not ch["enabled"] and ch["trigger"] == "cron 0 6 * * 1"
    assert (ch["endpoint"], ch["deployment"]) == ("churn-api", "main")
    # three schedules at two a page: the second page through nextLink, disabled ones asked for
    pages = fake.requests("GET", "/schedules")
    assert len(pages) == 2
    assert "listViewType=All" in pages[0]["query"] and "$skipToken=" in pages[1]["query"]


def test_monitor_schedules_error(probe, fake):
    fake.control(throttle={"count": 50, "retry_after": 1, "match": "/schedules"})
    cp = probe.run("monitors")
    res = cp.results[0]
    assert res["http"] == 429 and "cannot list the model monitors of 'azure'" in res["error"]


# --- the headless command line ------------------------------------------------------------------


@pytest.fixture
def cli(fake, tmp_path, run_mldeck):
    """mldeck on a config with one azureml backend pointed at the fake."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
        "      - name: azure\n        type: azureml\n"
        f"        url: {fake.url}\n        authority: {fake.url}\n"
        f"        subscription: {fake.subscription}\n"
        f"        resource_group: {fake.resource_group}\n"
        f"        workspace: {fake.workspace}\n        lro_timeout: 30\n")
    env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fake.tenant,
                            AZURE_CLIENT_ID=fake.client_id,
                            AZURE_CLIENT_SECRET=fake.client_secret)
    env["PATH"] = "/usr/bin:/bin"
    state = tmp_path / "state.db"

    def run(*args, input=None):
        cp = run_mldeck(["--config", cfg, "--state", state, *args], env, input=input)
        assert fake.client_secret not in cp.stdout + cp.stderr
        return cp
    return run


def test_cli_get_endpoints_json(cli, fake):
    cp = cli("get", "endpoints", "--json")
    assert cp.returncode == 0, describe(cp)
    eps = {e["name"]: e for e in json.loads(cp.stdout)}
    assert set(eps) == set(fake.endpoints)
    fs = {d["name"]: d for d in eps["fraud-scorer"]["deployments"]}
    assert (fs["blue"]["weight"], fs["green"]["weight"]) == (90, 10)
    assert eps["fraud-scorer"]["backend"] == "azure"
    assert not fake.mutations()


def test_cli_rollback_traffic_and_back(cli, fake):
    cp = cli("rollback", "traffic", "fraud-scorer", "--set", "blue=100,green=0", "--yes")
    assert cp.returncode == 0, describe(cp)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 100}
    assert [r["method"] for r in fake.mutations()] == ["PUT"]
    cp = cli("rollback", "traffic", "fraud-scorer", "--set", "blue=90,green=10", "--yes")
    assert cp.returncode == 0, describe(cp)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}
    audit = cli("get", "audit", "--json")
    assert audit.returncode == 0, describe(audit)
    done = [a for a in json.loads(audit.stdout) if a.get("phase") == "finished"]
    assert len(done) == 2 and all(a["outcome"] == "ok" for a in done)


def test_cli_read_only_refuses_without_writes(cli, fake):
    cp = cli("--read-only", "rollback", "traffic", "fraud-scorer", "--set", "blue=100,green=0",
             "--yes")
    assert cp.returncode != 0
    assert "read-only" in cp.stderr
    assert not fake.mutations()


def test_cli_failed_operation_is_audited(cli, fake):
    cp = cli("rollback", "traffic", "ltv-fail-canary", "--set", "v1=0,v2=100", "--yes")
    assert cp.returncode != 0
    assert "the operation ended Failed: TrafficUpdateFailed" in cp.stderr
    audit = json.loads(cli("get", "audit", "--json").stdout)
    assert [a["outcome"] for a in audit if a.get("phase") == "finished"] == ["failed"]
    assert fake.state()["ltv-fail-canary"]["traffic"] == {"v1": 100}


# --- the workspace's MLflow through the deck --------------------------------------------------


def _ws_experiments(cp):
    assert cp.returncode == 0, describe(cp)
    return {e["name"]: e for e in json.loads(cp.stdout) if e["backend"] == "azure/mlflow"}


def test_cli_lists_the_workspace_mlflow_experiments(cli, fake, ws_mlflow):
    since = ws_mlflow.log_lines()
    cp = cli("get", "experiments", "--json")
    exps = _ws_experiments(cp)
    assert set(WS_EXPERIMENTS) <= set(exps), cp.stdout
    assert exps["ws-fraud-features"]["id"] == ws_mlflow.seed["experiments"]["ws-fraud-features"]
    # Azure ML's own job experiments are still there, under the Azure backend
    both = json.loads(cp.stdout)
    assert {"fraud-training", "churn-training"} <= {e["name"] for e in both
                                                   if e["backend"] == "azure"}
    # through the fake's workspace prefix, with the bearer token (it answers 401 without)
    ml = fake.mlflow_requests()
    assert ml and all(r["status"] == 200 for r in ml), ml
    assert {"/api/2.0/mlflow/experiments/search", "/api/2.0/mlflow/registered-models/search"} \
        <= {r["rest"] for r in ml}
    assert all(r["path"].startswith(f"/mlflow/v1.0{fake.ws_id()}/api/2.0/mlflow/") for r in ml)
    assert not [r for r in ml if r["rest"] == "/version"]  # no probe of its own
    reqs = assert_no_mutations(ws_mlflow, since)
    assert ("GET", "/api/2.0/mlflow/experiments/search", 200) in reqs
    assert fake.token_requests == 1  # one token for ARM and MLflow alike


def test_cli_selects_the_workspace_mlflow_by_name(cli, fake, ws_mlflow):
    cp = cli("--read-only", "get", "runs", "--backend", "azure/mlflow", "--experiment",
             "ws-fraud-features", "--json")
    assert cp.returncode == 0, describe(cp)
    runs = json.loads(cp.stdout)
    assert {r["name"] for r in runs} == set(WS_EXPERIMENTS["ws-fraud-features"])
    assert all(r["backend"] == "azure/mlflow" for r in runs)
    # runs/search is a POST: read-only mode lets it through and the log shows no write
    assert [r for r in fake.mlflow_requests() if r["rest"] == "/api/2.0/mlflow/runs/search"]
    assert not fake.mutations()
    cp = cli("get", "experiments", "--backend", "azure/mlflow")
    assert cp.returncode == 0, describe(cp)
    assert all(ln.startswith("azure/mlflow\t") for ln in cp.stdout.splitlines()[1:])
    cp = cli("get", "experiments", "--backend", "nope/mlflow")
    assert cp.returncode == 2 and "no backend 'nope/mlflow'" in cp.stderr


def test_cli_expired_token_on_mlflow_is_refreshed_once(cli, fake):
    fake.control(expire_on_mlflow=1)  # the token runs out under the first MLflow request
    exps = _ws_experiments(cli("get", "experiments", "--json", "--backend", "azure/mlflow"))
    assert set(WS_EXPERIMENTS) <= set(exps)
    refused = fake.mlflow_requests(status=401)
    assert refused, fake.mlflow_requests()
    # one new token for everyone, and each refused request sent once more, successfully
    assert fake.token_requests == 2
    ml = fake.mlflow_requests()
    sent = Counter((r["rest"], r["query"]) for r in ml)
    for r in refused:
        assert sent[(r["rest"], r["query"])] == 2
    assert all(r["status"] in (200, 401) for r in ml)
    assert len([r for r in ml if r["status"] == 200]) == len(sent)


def test_cli_mlflow_refusing_every_token_fails_after_one_retry(cli, fake):
    fake.control(expire_on_mlflow=1000)
    cp = cli("get", "experiments", "--backend", "azure/mlflow")
    assert cp.returncode == 1, describe(cp)
    assert "backend 'azure/mlflow'" in cp.stderr and "HTTP 401" in cp.stderr, cp.stderr
    sent = Counter((r["rest"], r["query"]) for r in fake.mlflow_requests())
    assert sent and set(sent.values()) == {2}, sent  # once, then once more: no loop
    assert 2 <= fake.token_requests <= 3, fake.token_requests


# --- the Activity Log: who changed an endpoint ------------------------------------------------------

def test_changes_from_the_activity_log(probe, fake):
    """A traffic change made through the backend shows in the endpoint's Activity Log under the
    caller ARM names, with its ended status only (Started records are not changes); an older
    failed write written to the log keeps its error; other endpoints' records stay out."""
    from fake_azure import activity_event
    rid = f"{fake.ws_id()}/onlineEndpoints/fraud-scorer"
    write = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"
    old = time.time() - 7200
    with fake.lock:
        fake.activity.append(activity_event(rid, write, "Failed", old, "sp-pipeline",
                                            principal_type="ServicePrincipal",
                                            status_code="Conflict", message="busy"))
        fake.activity.append(activity_event(rid, write, "Accepted", old - 5, "sp-pipeline"))
        fake.activity.append(activity_event(f"{fake.ws_id()}/onlineEndpoints/churn-api", write,
                                            "Succeeded", old, "someone@contoso.com"))
    fake.caller = "maria.lopez@contoso.com"
    probe.run("set fraud-scorer blue=50,green=50", check=True)
    cp = probe.run("changes fraud-scorer", check=True)
    ch = cp.results[0]["changes"]
    assert [c["actor"] for c in ch] == ["sp-pipeline", "maria.lopez@contoso.com"], ch
    first, mine = ch
    assert first["status"] == "Failed" and first["error"] == "Conflict"
    assert first["actor_kind"] == "ServicePrincipal" and first["source"] == "activity-log"
    assert first["at"] == pytest.approx(old * 1000, abs=1000)
    assert mine["status"] == "Succeeded" and mine["operation"] == write
    assert mine["target"] == "fraud-scorer"
    # the filter's lower bound: only what happened since
    cp = probe.run(f"changes fraud-scorer {int((old + 60) * 1000)}", check=True)
    assert [c["actor"] for c in cp.results[0]["changes"]] == ["maria.lopez@contoso.com"]
    # the fake answers only the Activity Log's own api-version with an eventTimestamp filter
    assert fake.requests("GET", "Microsoft.Insights/eventtypes/management/values")
