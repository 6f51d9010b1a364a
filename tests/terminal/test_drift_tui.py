"""The drift screen in the real binary: a context's drift job runs on the worker thread
when `:drift` opens, and the screen shows the verdict and the features by severity, each
status as a glyph and a word so it reads without colour."""

import random
import re


def _write(path, shift, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("age,income,plan,prediction\n")
        plans = ["basic", "pro", "team"] + (["pro"] if shift else [])
        for _ in range(2000):
            f.write(f"{rnd.gauss(40 + 8 * shift, 10):.3f},{rnd.gauss(50000, 8000):.1f},"
                    f"{rnd.choice(plans)},{rnd.random():.4f}\n")


def test_drift_screen_runs_the_configured_job_and_ranks_features(mldeck, mlflow_server, tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    _write(ref, 0, 1)
    _write(cur, 1, 2)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: t\ncontexts:\n  - name: t\n    backends:\n"
        f"      - name: ml\n        type: mlflow\n        url: {mlflow_server.url}\n"
        "    drift:\n      - name: churn-inputs\n"
        f"        reference: {ref}\n        current: {cur}\n"
        "        categorical: [plan]\n        prediction: prediction\n")
    t = mldeck.start("--config", str(cfg), "--no-color", cols=120, rows=30)
    t.wait_for("@champion")
    t.send(":")
    t.type("drift")
    t.send("Enter")
    t.wait_for(re.compile(r"2 of 4 features drifted"), timeout=30)
    screen = t.screen()
    assert "dataset drift: YES" in screen
    rows = {m.group(1): m.group(2) for m in
            re.finditer(r"^(age|income|plan|prediction)\S*.*?([✖▲✓]\s\w+)", screen, re.M)}
    assert rows["age"] == "✖ drift" and rows["plan"] == "✖ drift", screen
    assert "n_ref 2000 / n_cur 2000" in screen
    t.send("Escape")
    t.wait_for("@champion")
