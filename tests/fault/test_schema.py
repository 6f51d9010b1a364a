"""Issue 10 defect 7: a reply of the wrong shape is an error, never the new snapshot.

The fault proxy rewrites a real mlflow server's registered-models/search reply (every
leaf value null; numbers turned into words) on its way to mldeck. The command must fail
naming the bad field, the good snapshot cached by the run before must stay byte for byte,
and in the console the header names the error while the cached rows stay on screen."""

import re
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from faultproxy import Fault  # noqa: E402
from servers import describe, run_mldeck  # noqa: E402
from tmuxterm import Deck  # noqa: E402

MODELS = r"registered-models/search"


def all_null(obj):
    """Every leaf value null, the structure kept: the "null everywhere" reply."""
    if isinstance(obj, dict):
        return {k: all_null(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [all_null(v) for v in obj]
    return None


def numbers_to_words(obj):
    """A string where every number belongs (not a decimal one: proto3 allows those)."""
    if isinstance(obj, dict):
        return {k: numbers_to_words(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [numbers_to_words(v) for v in obj]
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return f"about {obj}"
    return obj


def snapshot(state, key):
    db = sqlite3.connect(str(state))
    try:
        return db.execute("SELECT body, fetched_ms FROM snapshot WHERE key = ?", (key,)).fetchone()
    finally:
        db.close()


def get_models(env):
    return run_mldeck(["--state", env["MLDECK_TEST_STATE"], "get", "models", "--json"], env)


def test_wrong_shape_fails_and_keeps_the_snapshot(fault_mlflow, mlflow_env):
    good = get_models(mlflow_env)
    assert good.returncode == 0, describe(good)
    assert '"churn-classifier"' in good.stdout and '"champion"' in good.stdout
    before = snapshot(mlflow_env["MLDECK_TEST_STATE"], "models:#0")
    assert before is not None and b"champion" in bytes(before[0])

    cases = [(all_null, r"field registered_models\[0\]\.name: expected string, got null"),
             (numbers_to_words,
              r"field registered_models\[0\]\.creation_timestamp: expected integer, got string")]
    for fn, want in cases:
        fault_mlflow.proxy.clear()
        fault_mlflow.proxy.add(Fault("transform", path=MODELS, fn=fn))
        cp = get_models(mlflow_env)
        assert cp.returncode != 0, describe(cp)
        assert re.search(want, cp.stderr), describe(cp)
        assert '"churn-classifier"' not in cp.stdout  # no rows of nulls pass for data
        assert any(r.fault == "transform" for r in fault_mlflow.proxy.requests)
        after = snapshot(mlflow_env["MLDECK_TEST_STATE"], "models:#0")
        assert after == before, f"{fn.__name__}: the good snapshot was replaced"

    fault_mlflow.proxy.clear()
    again = get_models(mlflow_env)
    assert again.returncode == 0 and '"champion"' in again.stdout, describe(again)


def test_header_names_the_error_and_rows_stay(fault_mlflow, tmp_path):
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = d.start(cols=160, rows=40)
        t.wait_for("Overview")
        t.type(":models")
        t.send("Enter")
        t.wait_for("churn-classifier", timeout=15)
        t.wait_for("champion", timeout=5)
        fault_mlflow.proxy.add(Fault("transform", path=MODELS, fn=all_null))
        t.send("C-r")
        t.wait_for(re.compile(r"expected string, got null"), timeout=15)
        screen = t.screen()
        assert "churn-classifier" in screen and "champion" in screen, screen
        assert any(r.fault == "transform" for r in fault_mlflow.proxy.requests)
    finally:
        d.close()
