"""The drift screen in the real binary: a context's drift job runs on the worker thread
when `:drift` opens, and the screen shows the verdict and the features by severity, each
status as a glyph and a word so it reads without colour. Reopening it shows the stored
results at once; the Overview shows an endpoint's worst drift; the feature chart marks a
rollback of the job's endpoint taken from the audit log; a SageMaker Model Monitor
violations file shows in a section of its own.

The SageMaker tests use a real moto_server (tests/moto_launcher.py) seeded by
tests/seed_sagemaker.py: endpoint churn-prod moved from churn-prod-config-1 to -2, so a
rollback has somewhere to go. A test that rolls it back puts it back."""

import json
import random
import re
import sys
import time
from pathlib import Path

import pytest

from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from servers import run_mldeck  # noqa: E402

REGION = "eu-west-1"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}
STATUS = r"([✖▲✓·]\s\w+)"


def _write(path, shift, seed, times=None):
    """2000 rows of age, income, plan, prediction; `shift` moves age and adds a plan.
    With `times` (a list of epoch seconds, one per row) a `ts` column is added."""
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("age,income,plan,prediction" + (",ts" if times else "") + "\n")
        plans = ["basic", "pro", "team"] + (["pro"] if shift else [])
        for i in range(2000):
            f.write(f"{rnd.gauss(40 + 8 * shift, 10):.3f},{rnd.gauss(50000, 8000):.1f},"
                    f"{rnd.choice(plans)},{rnd.random():.4f}"
                    + (f",{times[i]}" if times else "") + "\n")


def _job(name, ref, cur, extra=""):
    return (f"      - name: {name}\n        reference: {ref}\n        current: {cur}\n"
            "        categorical: [plan]\n        prediction: prediction\n" + extra)


def _rows(screen):
    """FEATURE -> 'glyph status' of the drift table on screen."""
    return {m.group(1): m.group(2) for m in
            re.finditer(r"^(age|income|plan|prediction)\S*.*?" + STATUS, screen, re.M)}


def _open_drift(t):
    t.send(":")
    t.type("drift")
    t.send("Enter")


def test_drift_screen_runs_the_configured_job_and_ranks_features(mldeck, mlflow_server, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n" + _job("churn-inputs", ref, cur))
    t = mldeck.start("--config", str(cfg), "--no-color", cols=120, rows=30)
    t.wait_for("@champion")
    _open_drift(t)
    t.wait_for(re.compile(r"2 of 4 features drifted"), timeout=30)
    screen = t.wait_for("updated from 1 new file", timeout=30)
    assert "dataset drift: YES" in screen
    rows = _rows(screen)
    assert rows["age"] == "✖ drift" and rows["plan"] == "✖ drift", screen
    assert "n_ref 2000 / n_cur 2000" in screen
    t.send("Escape")
    t.wait_for("@champion")


def test_reopening_drift_shows_the_stored_window(mldeck, mlflow_server, tmp_path):
    """With no new file the worker produces no window: the screen keeps showing the
    newest stored one, in the same session and in the next."""
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n" + _job("churn-inputs", ref, cur))
    t = mldeck.start("--config", str(cfg), "--no-color", cols=120, rows=30)
    t.wait_for("@champion")
    _open_drift(t)
    first = t.wait_for("updated from 1 new file", timeout=30)
    want = _rows(first)
    assert len(want) == 4, first
    t.send("Escape")
    t.wait_for("@champion")

    _open_drift(t)
    screen = t.wait_for("no new current data (1 files already processed)", timeout=30)
    assert "stored results computed" in screen
    assert "2 of 4 features drifted" in screen and "n_ref 2000 / n_cur 2000" in screen
    assert _rows(screen) == want, screen
    t.send("Escape")
    t.wait_for("@champion")
    t.send("q")
    t.wait_dead()

    # A new process: the stored window comes from the state file, the file is not read again.
    t = mldeck.start("--config", str(cfg), "--no-color", cols=120, rows=30)
    t.wait_for("@champion")
    _open_drift(t)
    screen = t.wait_for("no new current data (1 files already processed)", timeout=30)
    assert _rows(screen) == want, screen
    # the feature screen of a stored window: its histogram came back from the store too
    t.send("Enter")
    screen = t.wait_for("histogram: reference (top) vs current (bottom)")
    assert re.search(r"^\[-inf, .*?\d+\.\d%", screen, re.M), screen
    t.send("Escape")
    t.wait_for("no new current data")


# --- SageMaker: the Overview column and the chart markers ------------------------------------


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


@pytest.fixture
def sm(moto):
    return seed_sagemaker.client("sagemaker", moto.url, REGION)


def _recent_times(hours):
    """One time per row over the last `hours` hours up to a minute ago, oldest first."""
    now = int(time.time()) - 60
    return [now - hours * 3600 + i * hours * 3600 // 2000 for i in range(2000)]


def _sm_config(moto, tmp_path, jobs):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n"
                   "    drift:\n" + jobs)
    return cfg


def _endpoint_row(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def test_overview_shows_the_worst_drift_of_a_watched_endpoint(moto, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2)
    cfg = _sm_config(moto, tmp_path, _job("churn-inputs", ref, cur, "        endpoint: churn-prod\n"))
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(cfg), "--no-color", env=AWS_ENV, cols=160, rows=30)
        screen = t.wait_for(lambda s: _endpoint_row(s, "reco-batch"), timeout=30)
        assert re.search(r"LATENCY\s+DRIFT\s+CHANGED", screen), screen  # a job names an endpoint
        # nothing stored yet: a dash, for the watched endpoint and the others alike
        assert re.search(r"\s–\s", _endpoint_row(screen, "churn-prod")), screen
        _open_drift(t)
        t.wait_for("updated from 1 new file", timeout=30)
        t.send("Escape")
        screen = t.wait_for(lambda s: "✖ age" in (_endpoint_row(s, "churn-prod") or ""))
        row = _endpoint_row(screen, "churn-prod")
        assert re.search(r"✖ age \d+\.\d+", row), row
        assert re.search(r"\s–\s", _endpoint_row(screen, "fraud-live")), screen
    finally:
        d.close()


def test_feature_chart_marks_a_rollback_from_the_audit_log(moto, sm, tmp_path):
    name = "churn-prod"
    want = moto.seed["endpoints"][name]
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2, times=_recent_times(4))
    cfg = _sm_config(moto, tmp_path, _job(
        "churn-inputs", ref, cur,
        f"        endpoint: {name}\n        time_column: ts\n        window: 3600\n"))
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        # the rollback, headless, into the same state file: an audit entry for endpoint:churn-prod
        cp = run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", "rollback",
                         "endpoint", name, "--yes"], d.env(AWS_ENV), timeout=120)
        assert cp.returncode == 0, cp.stdout + cp.stderr
        assert sm.describe_endpoint(EndpointName=name)["EndpointConfigName"] == want["previous"]

        t = d.start("--config", str(cfg), "--no-color", env=AWS_ENV, cols=140, rows=44)
        t.wait_for(lambda s: _endpoint_row(s, name), timeout=30)
        _open_drift(t)
        screen = t.wait_for("updated from 1 new file", timeout=30)
        assert _rows(screen)["age"] == "✖ drift", screen
        t.send("/")
        t.type("age")
        t.send("Enter")
        t.send("Enter")
        screen = t.wait_for("over time")
        legend = re.search(rf"^▼ \d\d:\d\d rollback endpoint {name} → {want['previous']} by \S+",
                           screen, re.M)
        assert legend, screen
        lines = screen.split("\n")
        # the marker itself: a ▼ on the row above the plot, a dotted column under it
        top = next(i for i, line in enumerate(lines) if "▼" in line and "rollback" not in line)
        col = lines[top].index("▼")
        column = [line[col] if len(line) > col else " " for line in lines[top + 1:top + 12]]
        assert column.count("┊") >= 5, screen
        assert "threshold" in screen
    finally:
        d.close()
        if sm.describe_endpoint(EndpointName=name)["EndpointConfigName"] != want["current"]:
            sm.update_endpoint(EndpointName=name, EndpointConfigName=want["current"])


# --- the platform's own verdicts ----------------------------------------------------------------


def test_platform_violations_show_in_their_own_section(mldeck, mlflow_server, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2)
    violations = tmp_path / "constraint_violations.json"
    violations.write_text(json.dumps({"violations": [
        {"feature_name": "income", "constraint_check_type": "baseline_drift_check",
         "description": "Baseline drift distance: 0.31 exceeds threshold: 0.1"},
        {"feature_name": "plan", "constraint_check_type": "data_type_check",
         "description": "Data type match requirement is not met."},
    ]}))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n" + _job("with-monitor", ref, cur, f"        violations: {violations}\n")
        + _job("broken-monitor", ref, cur,
               f"        violations: {tmp_path / 'missing.json'}\n"))
    t = mldeck.start("--config", str(cfg), "--no-color", cols=130, rows=34)
    t.wait_for("@champion")
    _open_drift(t)
    screen = t.wait_for("SageMaker Model Monitor (platform)", timeout=30)
    assert "2 violations" in screen and "not merged with the scores above" in screen
    section = screen[screen.index("SageMaker Model Monitor (platform)"):]
    assert re.search(r"✖ income\s+baseline_drift_check\s+Baseline drift distance: 0\.31", section)
    assert re.search(r"✖ plan\s+data_type_check\s+Data type match requirement", section)
    # our table is untouched by the platform's verdicts: income stays as mldeck scored it
    table = screen[:screen.index("SageMaker Model Monitor (platform)")]
    assert _rows(table)["income"] != "✖ drift", screen
    # a violations file that cannot be read: the error in place of the section, results stay
    t.send("Tab")
    screen = t.wait_for(re.compile(r"^platform: .*missing\.json", re.M), timeout=30)
    assert "2 of 4 features drifted" in screen
