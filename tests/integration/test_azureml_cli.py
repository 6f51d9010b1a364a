"""Azure ML through the headless command line when things go wrong, and what it must never
leave behind: a traffic change whose long-running operation never ends (the fake's
recs-stuck endpoint) or whose PUT is throttled, both through the action layer and its audit
log; the tokens and the client secret absent from every file a session writes; the backend
placed by the environment alone; Azure's public cloud as the default.

The fake Resource Manager (tests/fake_azure.py) is the witness: its stored traffic
(state()), its request log, the tokens it issued (issued_tokens()). Behind its workspace
MLflow is a real `mlflow server` (module scope), so the deck's `azure/mlflow` backend works
and carries the same tokens.
"""

import json
import time
from pathlib import Path

import pytest

from fake_azure import FakeAzure, seed_workspace_mlflow
from servers import MlflowServer, closed_port, describe, make_isolated_env


@pytest.fixture(scope="module")
def ws_mlflow(tmp_path_factory):
    """The real MLflow server the fake's workspace MLflow forwards to."""
    srv = MlflowServer(workdir=tmp_path_factory.mktemp("ws-mlflow"), name="ws-mlflow")
    srv.start()
    try:
        seed_workspace_mlflow(srv.url)
        yield srv
    finally:
        srv.close()


@pytest.fixture
def fake(ws_mlflow):
    with FakeAzure(page_size=2, lro_polls=3, lro_retry_after=0,
                   mlflow_upstream=ws_mlflow.url) as fa:
        yield fa


@pytest.fixture
def make_cli(fake, tmp_path, run_mldeck):
    """make_cli(lro_timeout=30, options=()) -> run(*args): mldeck on a config with one
    azureml backend pointed at the fake; `options` go before every command."""
    def make(lro_timeout=30, options=()):
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
            "      - name: azure\n        type: azureml\n"
            f"        url: {fake.url}\n        authority: {fake.url}\n"
            f"        subscription: {fake.subscription}\n"
            f"        resource_group: {fake.resource_group}\n"
            f"        workspace: {fake.workspace}\n        lro_timeout: {lro_timeout}\n")
        env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fake.tenant,
                                AZURE_CLIENT_ID=fake.client_id,
                                AZURE_CLIENT_SECRET=fake.client_secret)
        env["PATH"] = "/usr/bin:/bin"
        state = tmp_path / "state.db"

        def run(*args):
            cp = run_mldeck(["--config", cfg, "--state", state, *options, *args], env)
            assert fake.client_secret not in cp.stdout + cp.stderr
            return cp
        return run
    return make


@pytest.fixture
def cli(make_cli):
    return make_cli()


# --- the action layer when the platform does not finish ---------------------------------------


def _traffic_audit(cli, endpoint):
    """(phase, outcome, message) of the audit entries of one endpoint's traffic, newest first."""
    cp = cli("get", "audit", "--json")
    assert cp.returncode == 0, describe(cp)
    return [(a["phase"], a["outcome"], a["message"]) for a in json.loads(cp.stdout)
            if a["target"] == f"endpoint:{endpoint}#traffic"]


def test_cli_operation_that_never_ends_is_audited_pending_then_settled(make_cli, fake):
    """recs-stuck's operation stays InProgress: the rollback gives up after lro_timeout with
    a message that says so (exit 4), the audit log keeps the action pending, and the first
    start after the operation did end settles it from the endpoint it reads."""
    cli = make_cli(lro_timeout=3)
    t0 = time.monotonic()
    cp = cli("rollback", "traffic", "recs-stuck", "--set", "a=100,b=0", "--yes")
    took = time.monotonic() - t0
    assert cp.returncode == 4, describe(cp)
    assert took < 30, took  # the backend's bound, not the action layer's ten minutes
    err = cp.stderr
    assert "outcome pending: endpoint 'recs-stuck' still Updating" in err
    assert "cannot set traffic of endpoint 'recs-stuck': still InProgress after" in err
    assert [(p, o) for p, o, _ in _traffic_audit(cli, "recs-stuck")] == [
        ("pending", "pending"), ("started", "unknown")]
    assert fake.state()["recs-stuck"] == {"traffic": {"a": 50, "b": 50}, "mirrorTraffic": None,
                                          "provisioningState": "Updating"}
    assert [r["method"] for r in fake.mutations()] == ["PUT"]
    # a start while the operation still runs learns nothing new and writes nothing
    cp = cli("get", "endpoints", "--json")
    assert cp.returncode == 0, describe(cp)
    assert len(_traffic_audit(cli, "recs-stuck")) == 2
    # the endpoint shows neither map (someone else's change): still pending, said once only
    with fake.lock:
        props = fake.endpoints["recs-stuck"]["properties"]
        saved = dict(props)
        props.update(traffic={"a": 30, "b": 70}, provisioningState="Succeeded")
    for _ in range(2):
        assert cli("get", "endpoints").returncode == 0
    assert len(_traffic_audit(cli, "recs-stuck")) == 2
    with fake.lock:
        props.update(saved)
    # the operation ends at last: the next start reads the endpoint and settles the entry
    fake.control(finish_operations={"endpoint": "recs-stuck", "outcome": "Succeeded"})
    assert fake.state()["recs-stuck"]["traffic"] == {"a": 100}
    cp = cli("get", "endpoints", "--json")
    assert cp.returncode == 0, describe(cp)
    entries = _traffic_audit(cli, "recs-stuck")
    assert entries[0] == ("finished", "ok", "confirmed by re-read: now a=100,b=0"), entries
    assert len(entries) == 3
    # settled for good: one more start adds nothing
    assert cli("get", "endpoints").returncode == 0
    assert len(_traffic_audit(cli, "recs-stuck")) == 3
    assert [r["method"] for r in fake.mutations()] == ["PUT"]  # settling only reads


def test_cli_throttled_traffic_put_is_audited_failed(cli, fake):
    """Every PUT answers 429: three tries, then a message that leads with the throttling,
    the action audited as failed, and the traffic as it was."""
    fake.control(throttle={"count": 1000, "retry_after": 1, "methods": ["PUT"],
                           "match": "/onlineEndpoints/fraud-scorer"})
    cp = cli("rollback", "traffic", "fraud-scorer", "--set", "blue=100,green=0", "--yes")
    assert cp.returncode == 1, describe(cp)
    assert ("cannot set traffic of endpoint 'fraud-scorer': throttled by Resource Manager 3 "
            "times, retry after 1 s: HTTP 429 TooManyRequests") in cp.stderr, cp.stderr
    entries = _traffic_audit(cli, "fraud-scorer")
    assert [(p, o) for p, o, _ in entries] == [("finished", "failed"), ("started", "unknown")]
    assert "HTTP 429 TooManyRequests" in entries[0][2]
    assert fake.state()["fraud-scorer"] == {"traffic": {"blue": 90, "green": 10},
                                            "mirrorTraffic": None,
                                            "provisioningState": "Succeeded"}
    puts = fake.requests("PUT")
    assert len(puts) == 3 and all(r["body"]["properties"]["traffic"] == {"blue": 100}
                                  for r in puts)
    assert not fake.requests("GET", "/mfeOperationsStatus/")  # no operation ever started
    # a failed outcome is final: a later start has nothing to settle
    assert cli("get", "endpoints").returncode == 0
    assert len(_traffic_audit(cli, "fraud-scorer")) == 2


# --- what is never written -----------------------------------------------------------------------


def _files_under(root):
    return {p: p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}


def test_tokens_and_secret_are_never_written(make_cli, fake, tmp_path):
    """A session that fetched several tokens (one refused mid-listing), read the workspace's
    MLflow with them and rolled traffic back and forth: neither any token the fake issued nor
    the client secret is in the state database (and its -wal/-shm), the debug log or the
    audit JSON."""
    log = tmp_path / "debug.log"
    cli = make_cli(options=("--log", str(log), "-v", "-v"))
    assert cli("get", "endpoints", "--json").returncode == 0
    fake.control(revoke_after=2)  # refused in the middle: a second token
    outputs = []
    for args in (("get", "endpoints", "--json"), ("get", "experiments", "--json"),
                 ("rollback", "traffic", "fraud-scorer", "--set", "blue=100,green=0", "--yes"),
                 ("rollback", "traffic", "fraud-scorer", "--set", "blue=90,green=10", "--yes"),
                 ("get", "audit", "--json")):
        cp = cli(*args)
        assert cp.returncode == 0, describe(cp)
        outputs.append((cp.stdout + cp.stderr).encode())
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}
    tokens = fake.issued_tokens()
    assert len(tokens) >= 2 and fake.token_requests == len(tokens)
    audit = json.loads(outputs[-1])
    assert [a["outcome"] for a in audit if a["phase"] == "finished"] == ["ok", "ok"]
    files = _files_under(tmp_path)
    state = {p.name for p in files if p.name.startswith("state.db")}
    assert "state.db" in state, sorted(p.name for p in files)
    text = log.read_text()
    assert "token from client secret" in text and "debug" in text  # -v -v: the detailed log
    needles = [fake.client_secret.encode()]
    for tok in tokens:
        # the whole token, and its random part's head (a token cut short is a leak too)
        needles += [tok.encode(), tok.split(".", 1)[1][:16].encode()]
    for where, data in list(files.items()) + [(f"output {i}", o) for i, o in enumerate(outputs)]:
        for needle in needles:
            assert needle not in data, f"a secret is in {where}"


# --- where the backend goes ----------------------------------------------------------------------


def _bare_config(path, extra=""):
    path.write_text("current_context: az\ncontexts:\n  - name: az\n    backends:\n"
                    "      - name: azure\n        type: azureml\n" + extra)
    return path


def test_cli_location_from_the_environment_only(fake, tmp_path, run_mldeck):
    """No url, subscription, resource group, workspace or authority in the file: the
    variables place the backend, and the fake is reached."""
    cfg = _bare_config(tmp_path / "config.yaml")
    env = make_isolated_env(tmp_path / "env", AZURE_SUBSCRIPTION_ID=fake.subscription,
                            AZURE_RESOURCE_GROUP=fake.resource_group,
                            AZUREML_WORKSPACE=fake.workspace, MLDECK_ARM_ENDPOINT=fake.url,
                            AZURE_AUTHORITY_HOST=fake.url, AZURE_TENANT_ID=fake.tenant,
                            AZURE_CLIENT_ID=fake.client_id,
                            AZURE_CLIENT_SECRET=fake.client_secret)
    env["PATH"] = "/usr/bin:/bin"
    log = tmp_path / "mldeck.log"
    cp = run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", "--log", log, "-v",
                     "get", "endpoints", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    assert {e["name"] for e in json.loads(cp.stdout)} == set(fake.endpoints)
    assert fake.token_requests == 1 and fake.requests("POST", f"/{fake.tenant}/oauth2/v2.0/token")
    arm = [r for r in fake.log if r["path"].startswith("/subscriptions/")]
    # the workspace; the alarm reads of its resource group and subscription; the
    # subscription's Activity Log (filtered to the workspace's endpoints) for who changed them
    monitor = (f"/subscriptions/{fake.subscription}/resourceGroups/{fake.resource_group}/"
               "providers/Microsoft.Insights/metricAlerts",
               f"/subscriptions/{fake.subscription}/providers/Microsoft.AlertsManagement/alerts",
               f"/subscriptions/{fake.subscription}/providers/Microsoft.Insights/eventtypes/"
               "management/values")
    outside = [r["path"] for r in arm
               if not r["path"].startswith(fake.ws_id()) and r["path"].split("?")[0] not in monitor]
    assert arm and not outside, outside
    text = log.read_text()
    assert f"Resource Manager {fake.url}, workspace {fake.ws_id()}," in text, text
    assert f"Entra ID authority {fake.url}," in text, text


def test_arm_and_authority_default_to_the_public_cloud(tmp_path, run_mldeck):
    """Without url/MLDECK_ARM_ENDPOINT and authority/AZURE_AUTHORITY_HOST the backend names
    Azure's public cloud. `get audit` sends nothing, and every proxy variable points at a
    closed loopback port, so no request could leave even by mistake."""
    cfg = _bare_config(tmp_path / "config.yaml", "        subscription: sub-1\n"
                       "        resource_group: rg-1\n        workspace: ws-1\n")
    dead = f"http://127.0.0.1:{closed_port()}"
    env = make_isolated_env(tmp_path / "env", http_proxy=dead, https_proxy=dead,
                            HTTPS_PROXY=dead, ALL_PROXY=dead, no_proxy="", NO_PROXY="")
    assert not {"MLDECK_ARM_ENDPOINT", "AZURE_AUTHORITY_HOST"} & set(env)
    log = tmp_path / "mldeck.log"
    cp = run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", "--log", log, "-v",
                     "get", "audit", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    text = log.read_text()
    assert ("Resource Manager https://management.azure.com, workspace /subscriptions/sub-1/"
            "resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1,"
            ) in text, text
    assert "Entra ID authority https://login.microsoftonline.com, audience " \
           "https://management.azure.com" in text, text
    assert "token from" not in text  # nothing was fetched
