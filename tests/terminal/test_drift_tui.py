"""The drift screen in the real binary: a context's drift job runs on the worker thread
when `:drift` opens, and the screen shows the verdict and the features by severity, each
status as a glyph and a word so it reads without colour. The summary line, the column
headers, the row order and each row's method, threshold, status, p-value, missing share and
history sparkline are checked against `mldeck drift --json` on the same data; Esc cancels a
running job and nothing of it is stored. Reopening it shows the stored results at once; the
Overview shows an endpoint's worst drift; the feature chart marks a rollback of the job's
endpoint taken from the audit log, and a change of the endpoint mldeck only observed on
refresh; a SageMaker Model Monitor violations file shows in a section of its own.

The SageMaker tests use a real moto_server (tests/moto_launcher.py) seeded by
tests/seed_sagemaker.py: endpoint churn-prod moved from churn-prod-config-1 to -2, so a
rollback has somewhere to go. A test that rolls it back puts it back."""

import json
import math
import random
import re
import sqlite3
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
        if re.search(rf"\b{re.escape(name)}\s+endpoi(nt\b|…)", line):  # "endpoi…" when narrow
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


def test_feature_chart_marks_a_change_observed_on_refresh(moto, sm, tmp_path):
    """No action of mldeck's: the endpoint is moved behind its back (as CI or the console
    would), a refresh sees the new config, and the open chart gains an "(observed)" marker."""
    name = "churn-prod"
    want = moto.seed["endpoints"][name]
    if sm.describe_endpoint(EndpointName=name)["EndpointConfigName"] != want["current"]:
        sm.update_endpoint(EndpointName=name, EndpointConfigName=want["current"])
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2, times=_recent_times(4))
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    refresh: 1\n"
                   "    backends:\n      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n"
                   "    drift:\n" + _job("churn-inputs", ref, cur,
                                        f"        endpoint: {name}\n        time_column: ts\n"
                                        "        window: 3600\n"))
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(cfg), "--no-color", env=AWS_ENV, cols=140, rows=44)
        t.wait_for(lambda s: _endpoint_row(s, name), timeout=30)  # seen once: no change yet
        _open_drift(t)
        t.wait_for("updated from 1 new file", timeout=30)
        t.send("/")
        t.type("age")
        t.send("Enter")
        t.send("Enter")
        screen = t.wait_for("over time")
        # the platform's own history marks the deployments it recorded (the seed's and earlier
        # tests' calls, by CloudTrail's actor); nothing is observed yet
        assert re.search(rf"^▼ \d\d:\d\d UpdateEndpoint {name} .* \(cloudtrail\)$", screen, re.M), screen
        assert "(observed)" not in screen

        sm.update_endpoint(EndpointName=name, EndpointConfigName=want["previous"])
        pattern = re.compile(rf"^▼ \d\d:\d\d deploy endpoint {name} → "
                             rf"{re.escape(want['previous'])} \(observed\)$", re.M)
        screen = t.wait_for(pattern, timeout=30)
        assert "rollback" not in screen and " by " not in pattern.search(screen).group(0)
        # the marker on the chart itself, above its dotted column
        lines = screen.split("\n")
        top = next(i for i, line in enumerate(lines) if "▼" in line and "observed" not in line)
        col = lines[top].index("▼")
        column = [line[col] if len(line) > col else " " for line in lines[top + 1:top + 12]]
        assert column.count("┊") >= 5, screen
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


# --- the table in detail, and cancelling a run ---------------------------------------------------------


T0 = 1764583200  # 2025-12-01T10:00:00Z
LABELS = {"psi": "PSI(dec)", "w1": "W1/σ", "js": "JS₂", "ks": "KS D", "chi2": "χ²"}
SPARK = "▁▂▃▄▅▆▇█"


def _write_hours(path, shifts, rows, seed):
    """`rows` rows per hour from T0, one hour per entry of `shifts` (how far age moves that
    hour; from 1 on, plan gains extra "pro" rows), with a `ts` column."""
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("age,income,plan,prediction,ts\n")
        for h, shift in enumerate(shifts):
            plans = ["basic", "pro", "team"] + (["pro"] if shift >= 1 else [])
            for i in range(rows):
                f.write(f"{rnd.gauss(40 + 8 * shift, 10):.3f},{rnd.gauss(50000, 8000):.1f},"
                        f"{rnd.choice(plans)},{rnd.random():.4f},"
                        f"{T0 + h * 3600 + i * 3600 // rows}\n")


def _table(screen):
    """The drift table: its header line's cells and each feature row's text, top to bottom."""
    lines = screen.split("\n")
    head = next(i for i, line in enumerate(lines) if line.lstrip().startswith("FEATURE"))
    rows = []
    for line in lines[head + 1:]:
        m = re.match(r"\s*(age|income|plan|prediction)(?: \(pred\))?\s", line)
        if not m:
            break
        rows.append((m.group(1), line))
    return lines[head].split(), rows


def test_drift_table_summary_columns_severity_order_and_history(mldeck, mlflow_server, tmp_path,
                                                                 isolated_env):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write_hours(cur, [0, 0.5, 1.5], 700, 2)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n" + _job("hourly", ref, cur, "        time_column: ts\n        window: 1h\n"))
    # the same job headless, for the numbers the screen must show
    cp = run_mldeck(["drift", "--reference", ref, "--current", cur, "--categorical", "plan",
                     "--prediction", "prediction", "--time-column", "ts", "--window", 3600,
                     "--json"], isolated_env, timeout=120)
    assert cp.returncode == 0, cp.stderr
    doc = json.loads(cp.stdout)
    assert len(doc["windows"]) == 3
    last = doc["windows"][-1]
    s = last["summary"]

    t = mldeck.start("--config", str(cfg), "--no-color", cols=132, rows=30)
    t.wait_for("@champion")
    _open_drift(t)
    screen = t.wait_for("updated from 1 new file", timeout=30)

    # the summary line: verdict glyph, drifted of tested, share, verdict, window, row counts
    share = f"{100 * s['drifted'] / s['tested']:.0f}%"
    verdict = "YES" if s["dataset_drift"] else "NO"
    summary = (f"{'✖' if s['dataset_drift'] else '✓'} {s['drifted']} of {s['tested']} features "
               f"drifted ({share}) · dataset drift: {verdict} · 2025-12-01 12:00 - 2025-12-01 "
               f"13:00 · n_ref 2000 / n_cur 700")
    assert summary in screen, screen
    assert s["drifted"] >= 1 and s["tested"] == 4

    head, rows = _table(screen)
    assert head == ["FEATURE", "METHOD", "SCORE", "THRESHOLD", "STATUS", "P-VALUE", "MISSING",
                    "HISTORY"], screen
    # rows in the run's order: the prediction pinned, then worst status and severity first
    want = [f["feature"] for f in last["features"]]
    assert [name for name, _ in rows] == want, screen
    order = {"drift": 3, "warn": 2, "ok": 1, "n/a": 0}
    keys = [(order[f["status"]], f["severity"]) for f in last["features"][1:]]
    assert keys == sorted(keys, reverse=True)
    for (name, line), f in zip(rows, last["features"]):
        m = f["metrics"][f["method"]]
        glyph = {"drift": "✖", "warn": "▲", "ok": "✓"}[f["status"]]
        thr = ("p<" if f["method"] in ("ks", "chi2") else "") + f"{m['threshold']:g}"
        history = re.search(f"[{SPARK}]*$", line.rstrip()).group(0)
        cells = re.split(r"\s{2,}|\s(?=[✖▲✓·] )", line.rstrip()[:-len(history) or None].strip())
        assert LABELS[f["method"]] in cells, (name, line)
        assert thr in cells and f"{glyph} {f['status']}" in cells, (name, line)
        assert f"{100 * f['missing']:.1f}%" in cells, (name, line)
        if f["method"] in ("ks", "chi2"):
            assert f"{m['p_value']:.3g}" in cells, (name, line)
        # history: the primary metric of every stored window, scaled from 0 to its largest
        hist = [features_of(w)[name]["metrics"][f["method"]]["value"] for w in doc["windows"]]
        spark = "".join(SPARK[math.floor(v / max(hist) * 7 + 0.5)] for v in hist)  # lround
        assert history == spark, (name, line, hist)
    t.send("Escape")
    t.wait_for("@champion")


def features_of(window):
    return {f["feature"]: f for f in window["features"]}


def test_esc_cancels_a_running_job_and_stores_nothing(mldeck, mlflow_server, tmp_path):
    ref, big = tmp_path / "ref.csv", tmp_path / "big"
    _write(ref, 0, 1)
    big.mkdir()
    # ~1.3 GB of current data (several seconds to read): one 32 MB file under 40 names (hard
    # links, no disk cost)
    one = tmp_path / "chunk.csv"
    rnd = random.Random(5)
    block = "".join(f"{rnd.gauss(48, 10):.3f},{rnd.gauss(50000, 8000):.1f},"
                    f"{rnd.choice(['basic', 'pro', 'team'])},{rnd.random():.4f}\n"
                    for _ in range(20000))
    with open(one, "w") as f:
        f.write("age,income,plan,prediction\n")
        for _ in range(60):
            f.write(block)
    for i in range(40):
        (big / f"part-{i:02d}.csv").hardlink_to(one)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n" + _job("huge", ref, big))
    t = mldeck.start("--config", str(cfg), "--no-color", cols=120, rows=30)
    t.wait_for("@champion")
    _open_drift(t)
    # well into the current files (the reference counts as the first half of the bar, each
    # file 1.25 % of the rest), so a run that kept what it had read would have files to store
    t.wait_for(re.compile(r"running 'huge': current [6-9]\d%  \(Esc cancels\)"), timeout=60)
    t.send("Escape")
    screen = t.wait_for("'huge': cancelled (R reruns)", timeout=30)
    assert "no stored results yet" not in screen
    # still on the drift screen: the first Esc cancelled, it did not leave
    assert "Drift › huge" in screen
    # a cancelled run stores nothing: no window, no result, no file remembered
    db = sqlite3.connect(tmp_path / "state.db")
    try:
        for table in ("drift_window", "drift_result", "drift_file"):
            n = db.execute(f"SELECT count(*) FROM {table} WHERE job = 'huge'").fetchone()[0]
            assert n == 0, (table, n)
    finally:
        db.close()
    t.send("Escape")
    t.wait_for("@champion")
