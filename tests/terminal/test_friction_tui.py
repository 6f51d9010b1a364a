"""Console frictions of issue #11 (item 6), each checked in the real binary in tmux against
a real MLflow server (tests/conftest.py's seeded `mlflow_server`) or a real moto_server
(tests/moto_launcher.py seeded by tests/seed_sagemaker.py)."""

import datetime
import json
import re
import sys
import time
from pathlib import Path

import pytest

from test_drift_tui import (AWS_ENV, REGION, _endpoint_row, _job, _open_drift, _recent_times,
                            _sm_config, _write)
from test_tui import alias_version, api, model_aliases, position, set_alias
from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from servers import describe, run_mldeck  # noqa: E402


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


@pytest.fixture
def sm(moto):
    return seed_sagemaker.client("sagemaker", moto.url, REGION)


DRIFT_CELL = re.compile(r"[✖▲✓] \S+ \d+\.\d+")


# --- 5. DRIFT from the stored windows at start ----------------------------------------------------


def test_overview_drift_column_comes_from_the_stored_window_at_start(moto, tmp_path):
    """A windowed job (the sandbox's kind): hourly windows, the newest one counts."""
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2, times=_recent_times(6))
    cfg = _sm_config(moto, tmp_path, _job("churn-inputs", ref, cur,
                                          "        endpoint: churn-prod\n        time_column: ts\n"
                                          "        window: 3600\n"))
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(cfg), "--no-color", env=AWS_ENV, cols=160, rows=30)
        t.wait_for(lambda s: _endpoint_row(s, "reco-batch"), timeout=30)
        _open_drift(t)
        t.wait_for(re.compile(r"updated from 1 new file|windows? of"), timeout=30)
        t.send("Escape")
        screen = t.wait_for(lambda s: DRIFT_CELL.search(_endpoint_row(s, "churn-prod") or ""))
        cell = DRIFT_CELL.search(_endpoint_row(screen, "churn-prod")).group(0)
        d.close()
        # A new process, no drift run: the column is there from the state file.
        t = d.start("--config", str(cfg), "--no-color", env=AWS_ENV, cols=160, rows=30)
        screen = t.wait_for(lambda s: _endpoint_row(s, "churn-prod"), timeout=30)
        screen = t.wait_for(lambda s: cell in (_endpoint_row(s, "churn-prod") or ""), timeout=10)
        assert "Drift" not in screen.split("\n")[1]  # still the Overview: no run was opened
    finally:
        d.close()


# --- 1 + 2. r with no recorded history: a picker, the plan names what comes back ------------------


def _select_alias(t, model, alias):
    t.send("/")
    t.type(f"{model} @{alias}")
    t.send("Enter")
    t.wait_for(lambda s: position(s) == (1, 1))


def _version_run(url, model, version):
    mv = api(url, "GET", "model-versions/get", params={"name": model, "version": version})
    run_id = mv["model_version"]["run_id"]
    run = api(url, "GET", "runs/get", params={"run_id": run_id})["run"]
    return run_id, run["info"]["run_name"]


def test_r_on_an_alias_without_history_picks_a_version_and_names_its_run(mldeck, mlflow_server):
    url = mlflow_server.url
    model, alias = "churn-classifier", "champion"
    before = model_aliases(url)[model][alias]
    assert before == "3", "the seed puts churn-classifier@champion on version 3"
    t = mldeck.start()  # a fresh state file: mldeck has recorded no earlier version
    t.wait_for(re.compile(r"@champion\s+\d"))
    try:
        _select_alias(t, model, alias)
        t.send("r")  # one press
        screen = t.wait_for(f"Roll back {model}@{alias}: 3 -> 2", timeout=15)
        assert "choose with" in screen and "type the model name to confirm" in screen
        for v in ("4", "2", "1"):
            assert re.search(rf"version {v}\s+READY", screen), screen
        assert not re.search(r"version 3\s+READY", screen), "the live version is no choice"
        t.send("Down")
        run_id, run_name = _version_run(url, model, "1")
        screen = t.wait_for(f"Roll back {model}@{alias}: 3 -> 1")
        # what comes back: the version and its run, by id and, once read, by name
        screen = t.wait_for(f"run {run_id[:8]} '{run_name}'", timeout=15)
        assert re.search(r"after\s+version 1 \(READY", screen), screen
        t.type(model)
        t.send("Enter")
        t.wait_for(f"done: {model}@{alias}", timeout=20)
        deadline = time.monotonic() + 10
        while alias_version(url, model, alias) != "1" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alias_version(url, model, alias) == "1"
    finally:
        set_alias(url, model, alias, before)


def test_r_on_an_endpoint_without_history_opens_at_once_with_its_configs(moto, sm, tmp_path):
    name = "reco-batch"  # reco-blue (reco-v1) -> reco-green (reco-v2)
    want = moto.seed["endpoints"][name]
    since = len(moto.requests())
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(cfg), env=AWS_ENV, cols=150, rows=40)
        t.wait_for(lambda s: _endpoint_row(s, name), timeout=30)
        t.send("/")
        t.type(name)
        t.send("Enter")
        t.wait_for(lambda s: position(s) == (1, 1))
        t.send("r")  # one press, the configs not read yet
        screen = t.wait_for(f"Roll back endpoint {name}: config {want['current']} -> "
                            f"{want['previous']}", timeout=20)
        assert "press r again" not in screen
        assert "choose with" in screen and "type the endpoint name to confirm" in screen
        assert "inferred from config creation times" in screen
        # what comes back: the previous config's variant and its model
        assert re.search(r"reco-main\s+model reco-v1, ml\.m5\.large x1", screen), screen
        assert re.search(rf"▶ {want['previous']}\b", screen), screen
        t.type(name)
        t.send("Escape")
        t.wait_for("cancelled: nothing changed")
        assert not moto.mutations(since)
    finally:
        d.close()


# --- 4. LIVE at 80x24: the middle of a long name goes, the version stays ---------------------------


def _endpoint(sm, name, model):
    sm.create_model(ModelName=model, ExecutionRoleArn=seed_sagemaker.ROLE,
                    PrimaryContainer={"Image": seed_sagemaker.IMAGE.format("clv")})
    sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": model, "InstanceType": "ml.m5.large",
         "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


def test_live_column_at_80x24_keeps_the_versions_apart(moto, sm, tmp_path):
    pairs = [("clv-a", "customer-lifetime-value-v11"),
             ("clv-b", "customer-lifetime-value-v12")]
    for name, model in pairs:
        _endpoint(sm, name, model)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(cfg), env=AWS_ENV, cols=80, rows=24)
        screen = t.wait_for(lambda s: all(_endpoint_row(s, n) for n, _ in pairs), timeout=30)
        rows = [_endpoint_row(screen, n) for n, _ in pairs]
        for (name, model), row in zip(pairs, rows):
            assert model not in row, f"the whole name fits: the test shows nothing\n{screen}"
            # the head of the name, the ellipsis in the middle, the version and share at the end
            assert re.search(r"\bcust\S*…\S*v1[12] 100%", row), f"{name}:\n{screen}"
        assert "v11 100%" in rows[0] and "v12 100%" in rows[1], screen
    finally:
        d.close()
        for name, model in pairs:
            sm.delete_endpoint(EndpointName=name)
            sm.delete_endpoint_config(EndpointConfigName=f"{name}-config")
            sm.delete_model(ModelName=model)


# --- 3. Versions open on the alias's version; the run names its experiment -------------------------


def test_versions_open_on_the_alias_version_and_the_run_names_its_experiment(mldeck,
                                                                             mlflow_server):
    url = mlflow_server.url
    model, alias = "fraud-detector", "champion"
    live = model_aliases(url)[model][alias]
    versions = api(url, "GET", "model-versions/search", params={"filter": f"name='{model}'"})
    ordered = sorted((v["version"] for v in versions["model_versions"]), key=int, reverse=True)
    assert ordered.index(live) > 0, "the alias is on the newest version: the test shows nothing"
    t = mldeck.start()
    t.wait_for(re.compile(r"@champion\s+\d"))
    _select_alias(t, model, alias)
    t.send("Enter")
    t.wait_for(f"Versions of {model}")
    screen = t.wait_for(lambda s: position(s)[1] == len(ordered))
    assert position(screen)[0] == ordered.index(live) + 1, screen
    t.send("Enter")  # the run of the selected version, which is the alias's
    run_id, _ = _version_run(url, model, live)
    run = api(url, "GET", "runs/get", params={"run_id": run_id})["run"]
    exp = api(url, "GET", "experiments/get",
              params={"experiment_id": run["info"]["experiment_id"]})["experiment"]
    screen = t.wait_for(run_id)
    screen = t.wait_for(re.compile(rf"experiment\s+{re.escape(exp['name'])} \(id "
                                   rf"{exp['experiment_id']}\)"))


# --- 7. Theme names; Space in the help --------------------------------------------------------------


def test_unknown_theme_lists_the_available_ones(mldeck):
    t = mldeck.start("--theme", "solarised-dark")  # the British spelling: a typo here
    assert t.wait_dead() == 2
    err = mldeck.stderr()
    assert "no theme named 'solarised-dark'" in err, err
    m = re.search(r"available: (.*)", err)
    assert m, err
    names = [n.strip() for n in m.group(1).split(",")]
    shipped = sorted(p.stem for p in (TESTS.parent / "themes").glob("*.yaml"))
    assert names == sorted(set(shipped) | {"default", "mono"}), err


def test_help_says_space_marks_and_moves_down(mldeck):
    t = mldeck.start()
    t.wait_for("Overview")
    t.send("?")
    t.wait_for("Help: keys and commands")
    t.send("/")
    t.type("space")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^Space\s+mark or unmark", re.M))
    assert re.search(r"^Space\s+mark or unmark the selected run, then move down one row", screen,
                     re.M), screen


# --- 6. Audit: a detail view and times people read ----------------------------------------------------

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \((\d+)s ago\)"


def test_audit_detail_view_and_human_times_on_screen_and_in_get_audit(mldeck, mlflow_server,
                                                                       tmp_path):
    url = mlflow_server.url
    model, alias = "demand-forecaster", "challenger"
    before = alias_version(url, model, alias)
    to = "1" if before != "1" else "2"
    state = str(tmp_path / "state.db")
    env = mldeck.env()

    def headless(*args):
        cp = run_mldeck(["--state", state, *args], env)
        assert cp.returncode == 0, describe(cp)
        return cp

    try:
        headless("get", "models")
        headless("rollback", "alias", model, alias, "--to", to, "--yes")
        # text: the time as people read it (TZ=UTC in the test env), epoch ms last for scripts
        lines = headless("get", "audit").stdout.strip().split("\n")
        assert lines[0].split("\t")[:2] == ["id", "time"] and lines[0].endswith("\tts_ms"), lines
        row = lines[1].split("\t")
        assert re.fullmatch(WHEN, row[1]), row
        js = json.loads(headless("get", "audit", "--json").stdout)
        newest = js[0]
        assert isinstance(newest["ts"], int)
        iso = datetime.datetime.fromtimestamp(newest["ts"] / 1000, datetime.timezone.utc)
        assert newest["time"] == iso.strftime("%Y-%m-%dT%H:%M:%S.") + f"{newest['ts'] % 1000:03d}Z"
        started = next(e for e in js if e["phase"] == "started" and e["target"] == f"{model}@{alias}")

        t = mldeck.start("--view", "audit")
        # the column: today's time and its age; the line under the table: the full moment
        screen = t.wait_for(re.compile(r"^\d\d:\d\d:\d\d \d+s ago\s+\S+\s+alias-rollback", re.M))
        assert re.search(rf"^ {WHEN}  ok: ", screen, re.M), screen
        # the newest entry is the finished one; Enter shows it in full
        t.send("Enter")
        screen = t.wait_for(re.compile(r"Audit entry #\d+"))
        for label, value in (("action", "alias-rollback"), ("target", f"{model}@{alias}"),
                             ("before", before), ("after", to), ("phase", "finished"),
                             ("outcome", "ok")):
            assert re.search(rf"^ {label}\s+{re.escape(value)}\s*$", screen, re.M), \
                f"{label} {value}:\n{screen}"
        assert re.search(rf"^ time\s+{WHEN}", screen, re.M), screen
        assert re.search(r"^ reason\s+\S", screen, re.M), screen
        assert f"refers to  #{started['id']}" in screen, screen
        assert "re-read outcome" in screen
        assert re.search(rf"#{started['id']} {WHEN}\s+started", screen), screen
        t.send("Escape")
        t.wait_for("Audit log (newest first)")
    finally:
        set_alias(url, model, alias, before)
