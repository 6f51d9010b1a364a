"""The console against Azure ML and MLflow at once: the fake Resource Manager of
tests/fake_azure.py (in process, on a free loopback port) and the seeded MLflow server,
both backends of one context in a YAML config file.

The truth comes from the fake itself: its endpoints and deployments for what the
Overview must show, its stored traffic (FakeAzure.state()) for what a rollback must
change, its logs and monitor schedules for the endpoint screen, and its request log
(FakeAzure.log / mutations()) for what read-only mode must never send. Behind the fake's
workspace MLflow is a second real MLflow server (module scope), whose experiments must
show on the Experiments screen as the backend "azure/mlflow".
"""

import json
import re
import sys
import time
from pathlib import Path

import pytest

import keymash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fake_azure import (  # noqa: E402  (tests/fake_azure.py)
    WS_EXPERIMENTS, FakeAzure, seed_workspace_mlflow)
from servers import MlflowServer, assert_no_mutations, run_mldeck  # noqa: E402

COLS, ROWS = 150, 40


@pytest.fixture(scope="module")
def ws_mlflow(tmp_path_factory):
    """The real MLflow server behind the fake workspace's MLflow."""
    srv = MlflowServer(workdir=tmp_path_factory.mktemp("ws-mlflow"), name="ws-mlflow")
    srv.start()
    try:
        srv.seed = {"experiments": seed_workspace_mlflow(srv.url)}
        yield srv
    finally:
        srv.close()


@pytest.fixture
def fake(ws_mlflow):
    with FakeAzure(page_size=2, lro_polls=2, lro_retry_after=0,
                   mlflow_upstream=ws_mlflow.url) as fa:
        yield fa


def write_config(path, fake, mlflow_url):
    path.write_text(
        "current_context: mixed\n"
        "contexts:\n"
        "  - name: mixed\n"
        "    backends:\n"
        "      - name: tracking\n"
        "        type: mlflow\n"
        f"        url: {mlflow_url}\n"
        "      - name: azure\n"
        "        type: azureml\n"
        f"        url: {fake.url}\n"
        f"        authority: {fake.url}\n"
        f"        subscription: {fake.subscription}\n"
        f"        resource_group: {fake.resource_group}\n"
        f"        workspace: {fake.workspace}\n"
        "        lro_timeout: 30\n")
    return path


@pytest.fixture
def azure_deck(mldeck, fake, mlflow_server, tmp_path):
    """start(*args) -> Term: mldeck on the two-backend context, with the service principal
    in the environment (never in the file)."""
    cfg = write_config(tmp_path / "config.yaml", fake, mlflow_server.url)
    env = {"AZURE_TENANT_ID": fake.tenant, "AZURE_CLIENT_ID": fake.client_id,
           "AZURE_CLIENT_SECRET": fake.client_secret, "PATH": "/usr/bin:/bin"}

    class Starter:
        config = cfg
        environment = env

        @staticmethod
        def start(*args, cols=COLS, rows=ROWS):
            return mldeck.start("--config", str(cfg), *args, env=env, cols=cols, rows=rows)

        @staticmethod
        def headless(*args):
            full = dict(mldeck.env(env))
            return run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", *args], full)

    return Starter


def deployment_model(dep):
    """(model, version) of a fake deployment: an ARM id .../models/NAME/versions/V or
    azureml:NAME:V."""
    ref = dep["properties"]["model"]
    m = re.search(r"/models/([^/]+)/versions/([^/]+)$", ref) or re.match(
        r"azureml:([^:]+):(.+)$", ref)
    return m.group(1), m.group(2)


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def live_parts(fake, endpoint):
    """What the LIVE cell must hold: each model once, and 'vVERSION NN%' per deployment
    with traffic."""
    traffic = fake.state()[endpoint]["traffic"] or {}
    total = sum(traffic.values())
    models, shares = set(), []
    for name, pct in traffic.items():
        if pct <= 0:
            continue
        model, version = deployment_model(fake.deployments[endpoint][name])
        models.add(model)
        shares.append(f"v{version} {round(100 * pct / total)}%")
    return models, shares


def open_overview(t):
    t.wait_for("Overview: deployed versions")
    return t.wait_for(lambda s: row_of(s, "fraud-scorer") and re.search(r"@champion\s+\d", s),
                      timeout=30)


def set_traffic_behind_mldecks_back(fake, endpoint, traffic):
    """Someone else changed the traffic (in the portal, say): straight into the fake's store."""
    with fake.lock:
        fake.endpoints[endpoint]["properties"]["traffic"] = dict(traffic)


def select_row(t, text):
    t.send("/")
    t.type(text)
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))


# --- tests ----------------------------------------------------------------------------------------


def test_overview_shows_azure_endpoints_beside_mlflow_aliases(azure_deck, fake):
    t = azure_deck.start()
    screen = open_overview(t)
    header = screen.split("\n")[0]
    assert "tracking" in header and "azure" in header, header
    for endpoint in fake.endpoints:
        screen = t.wait_for(lambda s, e=endpoint: row_of(s, e), timeout=20)
        row = row_of(screen, endpoint)
        assert row.startswith("azureml"), row  # the platform column
        models, shares = live_parts(fake, endpoint)
        for part in list(models) + shares:
            assert part in row, f"{part!r} missing from the row of {endpoint}:\n{screen}"
    # the fraud-scorer canary with its split, read as one line
    row = row_of(screen, "fraud-scorer")
    assert re.search(r"fraud-model v7 90% · v8 10%", row), row
    assert re.search(r"Succeeded", row)
    # the MLflow aliases are still there, on the same table
    alias_rows = [ln for ln in screen.split("\n") if re.search(r"@champion\s+\d", ln)]
    assert alias_rows and all(ln.startswith("mlflow") for ln in alias_rows), screen
    assert not fake.mutations()


def test_endpoint_screen_lists_deployments_with_weights(azure_deck, fake):
    t = azure_deck.start()
    open_overview(t)
    t.type(":deploy fraud-scorer")
    t.send("Enter")
    screen = t.wait_for("Endpoint fraud-scorer")
    screen = t.wait_for(re.compile(r"^blue\s+fraud-model\s+7\s+Standard_DS3_v2\s+2\s+90\s+90%",
                                   re.M))
    assert re.search(r"^green\s+fraud-model\s+8\s+Standard_DS3_v2\s+1\s+10\s+10%", screen, re.M)
    assert "traffic history (observed by mldeck)" in screen
    assert re.search(r"blue=90,green=10\s+\(current\)", screen)
    # Azure Monitor has no requests for it in the fake: the health table, nothing judged
    assert "health, last 60 minutes" in screen
    assert re.search(r"^\s*blue\s+\? n/a\b", screen, re.M), screen
    t.send("Escape")
    t.wait_for("Overview: deployed versions")


def test_traffic_rollback_with_typed_confirmation_changes_the_fake_and_is_audited(azure_deck,
                                                                                   fake):
    t = azure_deck.start()
    open_overview(t)
    # mldeck sees 90/10; someone moves all traffic to blue; mldeck sees that too
    set_traffic_behind_mldecks_back(fake, "fraud-scorer", {"blue": 100})
    t.send("C-r")
    t.wait_for(lambda s: row_of(s, "fraud-scorer") and "v7 100%" in row_of(s, "fraud-scorer"))
    select_row(t, "fraud-scorer")
    t.send("r")
    screen = t.wait_for("type the endpoint name to confirm")
    assert "Roll back traffic of fraud-scorer: blue=100,green=0 -> blue=90,green=10" in screen
    # the wrong name does not confirm, and nothing is sent
    t.type("fraud")
    t.send("Enter")
    t.wait_for("does not match")
    assert not fake.mutations()
    for _ in range(len("fraud")):
        t.send("BSpace")
    t.type("fraud-scorer")
    t.send("Enter")
    t.wait_for("done: endpoint:fraud-scorer#traffic", timeout=40)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}
    puts = fake.mutations()
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in puts] == [("PUT", "fraud-scorer")]
    assert puts[0]["body"]["properties"]["traffic"] == {"blue": 90, "green": 10}
    t.wait_for(lambda s: "v7 90% · v8 10%" in (row_of(s, "fraud-scorer") or ""))
    # the audit log, on screen and headless
    t.send("Escape")
    t.type(":audit")
    t.send("Enter")
    t.wait_for(re.compile(r"weights-set\s+azure:endpoint:fraud-sco\S*\s.*finished\s+ok"))
    t.send("q")
    assert t.wait_dead() == 0
    audit = azure_deck.headless("get", "audit", "--json")
    entries = [e for e in json.loads(audit.stdout)
               if e["target"] == "endpoint:fraud-scorer#traffic"]
    assert [(e["phase"], e["outcome"]) for e in entries if e["outcome"] != "refused"] == [
        ("finished", "ok"), ("started", "unknown")]
    assert entries[0]["before"] == "blue=100,green=0" and entries[0]["after"] == "blue=90,green=10"


def test_weights_shift_from_the_prompt_then_undo(azure_deck, fake):
    t = azure_deck.start()
    open_overview(t)
    select_row(t, "fraud-scorer")
    t.send("w")
    t.wait_for(re.compile(r"weights of fraud-scorer \(NAME=WEIGHT,\.\.\.\): blue=90,green=10"))
    t.send("C-u")
    t.type("blue=100,green=0")
    t.send("Enter")
    screen = t.wait_for("type the endpoint name to confirm")
    assert "Shift traffic of fraud-scorer: blue=90,green=10 -> blue=100,green=0" in screen
    t.type("fraud-scorer")
    t.send("Enter")
    t.wait_for("done: endpoint:fraud-scorer#traffic", timeout=40)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 100}
    t.wait_for(lambda s: "v7 100%" in (row_of(s, "fraud-scorer") or ""))
    t.send("u")
    screen = t.wait_for("type the endpoint name to confirm")
    assert "Undo endpoint:fraud-scorer#traffic: blue=100,green=0 -> blue=90,green=10" in screen
    t.type("fraud-scorer")
    t.send("Enter")
    t.wait_for(re.compile(r"done: endpoint:fraud-scorer#traffic: blue=100,green=0 -> "
                          r"blue=90,green=10"), timeout=40)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}
    assert [r["method"] for r in fake.mutations()] == ["PUT", "PUT"]


def test_cancelled_weights_change_nothing(azure_deck, fake):
    t = azure_deck.start()
    open_overview(t)
    select_row(t, "fraud-scorer")
    # mldeck has seen one traffic map only: nothing to roll back to, and it says so
    t.send("r")
    t.wait_for("nothing to roll back to: mldeck knows no earlier traffic of 'fraud-scorer'")
    t.send("w")
    t.wait_for("weights of fraud-scorer")
    t.send("Escape")
    t.wait_for("cancelled: nothing changed")
    t.send("w")
    t.wait_for("weights of fraud-scorer")
    t.send("C-u")
    t.type("blue=50,green=50")
    t.send("Enter")
    t.wait_for("type the endpoint name to confirm")
    t.type("fraud-scorer")
    t.send("Escape")
    t.wait_for("cancelled: nothing changed")
    assert not fake.mutations()
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 90, "green": 10}


def test_read_only_refuses_endpoint_keys_on_the_status_line(azure_deck, fake):
    t = azure_deck.start("--read-only")
    screen = open_overview(t)
    assert "READ-ONLY" in screen.split("\n")[0]
    footer = screen.rstrip("\n").split("\n")[-1]
    assert "r rollback (read-only)" in footer and "w weights (read-only)" in footer
    select_row(t, "fraud-scorer")
    for key in ("r", "w"):
        t.send(key)
        screen = t.wait_for(re.compile(r"read-only mode: refusing weights-set"))
        assert "type the endpoint name" not in screen and "weights of" not in screen
    assert not fake.mutations()


def test_read_only_key_mash_makes_no_writes(azure_deck, fake, mlflow_server, ws_mlflow):
    since = mlflow_server.log_lines()
    ws_since = ws_mlflow.log_lines()
    t = azure_deck.start("--read-only")
    open_overview(t)
    names = list(fake.endpoints) + ["churn-classifier", "demand-forecaster", "fraud-detector"]
    commands = [f"deploy {e}" for e in fake.endpoints] + [
        "overview", "endpoints", "models", "experiments", "audit", "help", "versions fraud-model",
        "runs fraud-training", "versions churn-classifier", "ctx", "refresh"]
    moves = keymash.mash_moves(seed=20261126, n=600, names=names, commands=commands)
    # every screen is visited on purpose too, each with the mutating keys and a typed name
    tour = []
    for e in fake.endpoints:
        tour += [[":"] + keymash.keys(f"deploy {e}") + ["Enter"], ["r"], ["w"], ["u"],
                 keymash.keys(e) + ["Enter"], ["Escape"], ["j"], ["r"], ["w"], ["Enter"],
                 ["L"], ["c"], ["k"], ["r"], ["w"], ["u"], ["Escape"]]
    seen = keymash.play(t, tour + moves)
    assert not t.dead, f"mldeck died during the key-mash:\n{t.screen()}"
    keymash.settle(t)
    assert any(s.startswith("Endpoint") for s in seen), seen
    t.send("q")
    assert t.wait_dead(timeout=15) == 0
    # the proof: the fake's request log holds reads only, and there were reads, getLogs
    # POSTs among them (a read by its exact path, not a write let through)
    assert fake.mutations() == []
    assert len(fake.requests("GET")) > 10
    logs = [r for r in fake.requests("POST") if r["path"].endswith("/getLogs")]
    assert logs and {r["body"]["containerType"] for r in logs} == {"InferenceServer",
                                                                  "StorageInitializer"}
    assert fake.mlflow_requests()  # the workspace's MLflow was read too
    assert_no_mutations(mlflow_server, since)
    assert_no_mutations(ws_mlflow, ws_since)
    # the keys did reach the action layer: refusals are in the local audit log
    audit = json.loads(azure_deck.headless("get", "audit", "--json").stdout)
    refused = {e["target"] for e in audit if e["outcome"] == "refused"}
    assert any(x.startswith("endpoint:") for x in refused), refused
    assert fake.mutations() == []


def _attrs_at(escaped_line, text):
    """The SGR attributes (bold 1, dim 2, underline 4, reverse 7) in force where `text`
    starts on a line captured with escapes."""
    on = set()
    target = escaped_line.find(text)
    assert target >= 0, f"{text!r} not on the line {escaped_line!r}"
    for m in re.finditer(r"\x1b\[([0-9;]*)m", escaped_line):
        if m.start() > target:
            break
        for p in (m.group(1) or "0").split(";"):
            n = int(p or 0)
            if n == 0:
                on.clear()
            elif n in (1, 2, 4, 7):
                on.add(n)
            elif n == 22:
                on -= {1, 2}
            elif n in (24, 27):
                on.discard(n - 20)
    return on


def test_moving_and_failed_states_read_without_colour(azure_deck, fake):
    """Under NO_COLOR the status is a glyph and a word, and the roles differ by attribute:
    Updating (warn: bold) is not InService (ok: plain), and Failed (fail: bold+reverse)
    is not Updating."""
    t = azure_deck.start("--read-only", "--no-color")
    open_overview(t)
    with fake.lock:
        fake.endpoints["recs-stuck"]["properties"]["provisioningState"] = "Updating"
        fake.endpoints["pricing-broken"]["properties"]["provisioningState"] = "Failed"
    t.send("C-r")
    t.wait_for(lambda s: "↻ Updating" in (row_of(s, "recs-stuck") or "")
               and "✖ Failed" in (row_of(s, "pricing-broken") or ""))
    lines = t.screen(escapes=True).split("\n")
    updating = next(ln for ln in lines if "recs-stuck" in ln)
    failed = next(ln for ln in lines if "pricing-broken" in ln)
    ok = next(ln for ln in lines if "churn-api" in ln)
    assert _attrs_at(updating, "↻ Updating") >= {1} and 7 not in _attrs_at(updating, "↻ Updating")
    assert _attrs_at(failed, "✖ Failed") >= {1, 7}
    assert not {1, 7} & _attrs_at(ok, "● Succeeded")
    # the endpoint screen marks the failed deployment the same way
    t.type(":deploy pricing-broken")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^candidate\s+pricing-model\s+3\s.*✖ Failed", re.M))
    assert re.search(r"^stable\s+pricing-model\s+2\s.*● Succeeded", screen, re.M)
    assert not fake.mutations()


def test_progress_shows_live_while_the_operation_runs(azure_deck, fake):
    """recs-stuck's operation never ends on the fake: the endpoint screen says what is
    running, and the status line too, until the operator leaves."""
    t = azure_deck.start()
    open_overview(t)
    t.type(":deploy recs-stuck")
    t.send("Enter")
    t.wait_for(re.compile(r"^a\s+recs-model\s+5\s.*50%", re.M))
    t.send("w")
    t.wait_for("weights of recs-stuck (NAME=WEIGHT,...): a=50,b=50")
    t.send("C-u")
    t.type("a=100,b=0")
    t.send("Enter")
    t.wait_for("type the endpoint name to confirm")
    t.type("recs-stuck")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"running: endpoint:recs-stuck#traffic: a=50,b=50 -> "
                                   r"a=100,b=0"))
    assert screen.split("\n")[3].startswith(" running:"), screen  # the header's second line
    t.wait_for(lambda s: fake.requests("GET", "mfeOperationsStatus"), timeout=20)
    assert fake.state()["recs-stuck"]["traffic"] == {"a": 50, "b": 50}  # not before it ends
    assert fake.state()["recs-stuck"]["provisioningState"] == "Updating"


# --- the workspace's MLflow, deployment logs, monitor signals ----------------------------------


def test_workspace_mlflow_experiments_on_the_experiments_screen(azure_deck, fake, ws_mlflow):
    t = azure_deck.start()
    open_overview(t)
    t.wait_for(lambda s: "azure/mlflow" in s.split("\n")[0], timeout=30)  # in the header
    t.type(":experiments")
    t.send("Enter")
    for name in WS_EXPERIMENTS:
        screen = t.wait_for(re.compile(rf"\b{re.escape(name)}\b.*\bazure/mlflow\s*$", re.M),
                            timeout=30)
    # beside the other MLflow's and Azure ML's own (job) experiments
    assert re.search(r"\bfraud-training\b.*\bazure\s*$", screen, re.M), screen
    assert re.search(r"\bchurn-prediction\b.*\btracking\s*$", screen, re.M), screen
    select_row(t, "ws-fraud-features")
    t.send("Enter")
    screen = t.wait_for("features-baseline", timeout=30)
    assert "features-v2" in screen
    ml = fake.mlflow_requests()
    assert {"/api/2.0/mlflow/experiments/search", "/api/2.0/mlflow/runs/search"} <= {
        r["rest"] for r in ml}
    assert all(r["status"] == 200 for r in ml), ml  # every one carried a good token
    assert not fake.mutations()


def test_logs_view_on_the_endpoint_screen(azure_deck, fake):
    t = azure_deck.start("--read-only")
    open_overview(t)
    t.type(":deploy fraud-scorer")
    t.send("Enter")
    t.wait_for(re.compile(r"^blue\s+fraud-model\s+7\s", re.M))
    footer = t.screen().rstrip("\n").split("\n")[-1]
    assert "L logs" in footer, footer
    t.send("L")
    screen = t.wait_for("p99 latency 412ms above the 300ms budget", timeout=20)
    assert re.search(r"Logs of fraud-scorer . blue . InferenceServer . following", screen), screen
    # the tail's 200 lines hold 199 requests; the 197 answered 200 are health-check noise
    assert "197 health checks hidden" in screen, screen
    assert re.search(r"POST /score 500 \S+ms request blue-0207", screen), screen
    assert "request blue-0239" not in screen
    # what a terminal would have obeyed is gone: colours, the window title
    assert "[32m" not in screen and "[0m" not in screen and "blue-pod" not in screen
    t.send("n")  # the noise back, the newest line at the bottom
    screen = t.wait_for(re.compile(r"INFO  POST /score 200 \S+ms request blue-0239"))
    assert "health checks hidden" not in screen
    # following: a line the container prints later shows up, the tail read again is not
    fake.append_log("fraud-scorer", "blue", "2026-12-08T02:00:00Z ERROR  worker 3 crashed: "
                    "CUDA out of memory")
    screen = t.wait_for("worker 3 crashed: CUDA out of memory", timeout=10)
    time.sleep(4.5)  # two more follow reads
    screen = t.screen()
    assert screen.count("p99 latency 412ms") == 1 and screen.count("request blue-0239") == 1, \
        screen
    # the 200 lines of the first tail plus the one new line, none of them twice
    assert re.search(r"\b201/201\s*$", screen.split("\n")[1]), screen
    # the other container
    t.send("c")
    screen = t.wait_for("Model download completed; exiting 0", timeout=20)
    assert "StorageInitializer" in screen
    logs = [r for r in fake.requests("POST") if r["path"].endswith("/getLogs")]
    assert len(logs) >= 3 and all(r["body"]["tail"] == 200 for r in logs), logs
    assert {r["body"]["containerType"] for r in logs} == {"InferenceServer", "StorageInitializer"}
    assert {r["path"].split("/")[-2] for r in logs} == {"blue"}
    # Esc closes the view, back on the endpoint screen
    t.send("Escape")
    t.wait_for("traffic history (observed by mldeck)")
    t.send("j", "L")  # the other deployment's logs
    t.wait_for(re.compile(r"Logs of fraud-scorer . green . InferenceServer"), timeout=20)
    t.send("n")
    t.wait_for("request green-0239", timeout=20)
    t.send("Escape")
    t.wait_for("traffic history (observed by mldeck)")
    t.send("Escape")
    t.wait_for("Overview: deployed versions")
    assert fake.mutations() == []  # read-only mode, and every getLogs went out


def test_monitor_signals_on_the_endpoint_screen(azure_deck, fake):
    t = azure_deck.start()
    open_overview(t)
    t.type(":deploy fraud-scorer")
    t.send("Enter")
    screen = t.wait_for("Azure ML monitor signals (platform)", timeout=20)
    screen = t.wait_for(re.compile(r"data-drift\s+DataDrift\s+NormalizedWassersteinDistance=0\.1, "
                                   r"JensenShannonDistance=0\.1"), timeout=20)
    assert re.search(r"fraud-scorer-monitor \(fraud-scorer monitoring\)\s+on blue\s+model "
                     r"fraud-model:7\s+recurrence Day/1\s+enabled", screen), screen
    assert re.search(r"prediction-drift\s+PredictionDrift\s+PearsonsChiSquaredTest=0\.05", screen)
    assert re.search(r"data-quality\s+DataQuality\s+NullValueRate=0\.02", screen)
    assert re.search(r"feature-attribution\s+FeatureAttributionDrift\s+"
                     r"NormalizedDiscountedCumulativeGain=0\.9", screen)
    assert "churn-api-monitor" not in screen  # another endpoint's
    assert "traffic history (observed by mldeck)" in screen
    t.send("Escape")
    t.wait_for("Overview: deployed versions")
    t.type(":deploy churn-api")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"churn-api-monitor .*on main\s+model churn-model:3\s+"
                                   r"cron 0 6 \* \* 1\s+DISABLED"), timeout=20)
    t.type(":deploy recs-stuck")
    t.send("Enter")
    t.wait_for("no monitor targets the deployments of this endpoint", timeout=20)
    assert fake.requests("GET", "/schedules")


def test_drift_screen_shows_the_endpoints_azure_monitor_beside_mldecks_verdict(
        mldeck, fake, mlflow_server, tmp_path):
    """A drift job watching fraud-scorer: under mldeck's own table, the Azure ML monitor that
    targets fraud-scorer, titled as the platform's and with each signal's thresholds; a
    monitor of another endpoint is not there."""
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    for path, shift in ((ref, 0), (cur, 12)):
        path.write_text("amount,merchant\n" + "".join(
            f"{(i * 37) % 100 + shift},{'abc'[i % 3]}\n" for i in range(600)))
    cfg = write_config(tmp_path / "config.yaml", fake, mlflow_server.url)
    cfg.write_text(cfg.read_text() + (
        "    drift:\n"
        f"      - name: fraud-inputs\n        reference: {ref}\n        current: {cur}\n"
        "        endpoint: fraud-scorer\n        categorical: [merchant]\n"))
    env = {"AZURE_TENANT_ID": fake.tenant, "AZURE_CLIENT_ID": fake.client_id,
           "AZURE_CLIENT_SECRET": fake.client_secret, "PATH": "/usr/bin:/bin"}
    t = mldeck.start("--config", str(cfg), "--no-color", env=env, cols=COLS, rows=ROWS)
    open_overview(t)
    t.type(":drift")
    t.send("Enter")
    screen = t.wait_for("Azure ML monitor fraud-scorer-monitor (platform)", timeout=30)
    screen = t.wait_for("updated from 1 new file", timeout=30)
    assert re.search(r"^amount\S*.*✖ drift", screen, re.M), screen
    section = screen[screen.index("Azure ML monitor fraud-scorer-monitor (platform)"):]
    assert "on blue" in section and "recurrence Day/1" in section and "enabled" in section
    assert "thresholds only" in section
    assert re.search(r"· data-drift\s+DataDrift\s+NormalizedWassersteinDistance=0\.1", section)
    assert re.search(r"· data-quality\s+DataQuality\s+NullValueRate=0\.02", section), section
    assert "churn-api-monitor" not in screen
    # the platform's signals are not rows of mldeck's table
    table = screen[:screen.index("Azure ML monitor fraud-scorer-monitor (platform)")]
    assert "data-drift" not in table
