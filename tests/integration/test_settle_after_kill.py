"""An action interrupted between its "started" audit entry and its outcome (the
process killed with -9 after the request left) is settled by the next start:
mldeck re-reads the target and appends the missing "finished" entry.

The interruption is reproduced exactly as a kill leaves it: a "started" row in the
state file with no "finished" row referring to it, and the server already moved.
"""

import json
import sqlite3
import time

import requests


def _audit(run_mldeck, env, state):
    cp = run_mldeck(["--state", state, "get", "audit", "--json"], env)
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)


def _leave_started(state, action, backend, target, before, after):
    """What a process killed mid-action leaves behind: one 'started' row."""
    db = sqlite3.connect(state)
    with db:
        cur = db.execute(
            "INSERT INTO audit(ts_ms, who, action, backend, target, \"before\", \"after\","
            " phase, outcome, message, ref_id)"
            " VALUES (?, 'killed@host', ?, ?, ?, ?, ?, 'started', 'unknown', '', 0)",
            (int(time.time() * 1000), action, backend, target, before, after))
        rowid = cur.lastrowid
    db.close()
    return rowid


def _alias(url, model, alias):
    r = requests.get(f"{url}/api/2.0/mlflow/registered-models/alias",
                     params={"name": model, "alias": alias}, timeout=10)
    r.raise_for_status()
    return r.json()["model_version"]["version"]


def _set_alias(url, model, alias, version):
    r = requests.post(f"{url}/api/2.0/mlflow/registered-models/alias",
                      json={"name": model, "alias": alias, "version": version}, timeout=10)
    r.raise_for_status()


def test_started_alias_change_that_landed_is_settled_ok(mlflow_server, isolated_env, run_mldeck,
                                                       tmp_path):
    env = dict(isolated_env, MLFLOW_TRACKING_URI=mlflow_server.url)
    state = str(tmp_path / "state.db")
    model, alias = "churn-classifier", "champion"
    before = _alias(mlflow_server.url, model, alias)
    after = "1" if before != "1" else "2"
    assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
    started = _leave_started(state, "alias-rollback", "mlflow", f"{model}@{alias}", before, after)
    _set_alias(mlflow_server.url, model, alias, after)  # the request had landed
    try:
        assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
        entries = _audit(run_mldeck, env, state)
        fin = [e for e in entries if e["phase"] == "finished" and e["target"] == f"{model}@{alias}"]
        assert fin, entries
        assert fin[0]["outcome"] == "ok"
        assert f"now {after}" in fin[0]["message"]
        # settled once: a second start adds nothing
        assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
        again = _audit(run_mldeck, env, state)
        assert len([e for e in again if e["phase"] == "finished"]) == len(
            [e for e in entries if e["phase"] == "finished"])
        assert started in [e["id"] for e in entries]
    finally:
        _set_alias(mlflow_server.url, model, alias, before)


def test_started_alias_change_not_seen_applied_stays_pending_then_unknown(mlflow_server,
                                                                         isolated_env,
                                                                         run_mldeck, tmp_path):
    """The target still shows the old value: that proves nothing (the killed write may still
    be held by a gateway and land later), so the entry is pending, not failed, until the
    settle window (MLDECK_SETTLE_WINDOW) has passed; then it ends unknown with the reason."""
    window = 3
    env = dict(isolated_env, MLFLOW_TRACKING_URI=mlflow_server.url,
               MLDECK_SETTLE_WINDOW=str(window))
    state = str(tmp_path / "state.db")
    model, alias = "fraud-detector", "champion"
    before = _alias(mlflow_server.url, model, alias)
    after = "1" if before != "1" else "2"
    assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
    t0 = time.monotonic()
    _leave_started(state, "alias-rollback", "mlflow", f"{model}@{alias}", before, after)
    assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
    mine = [e for e in _audit(run_mldeck, env, state) if e["target"] == f"{model}@{alias}"]
    assert time.monotonic() - t0 < window, "too slow to see the entry inside its window"
    assert [(e["phase"], e["outcome"]) for e in mine] == [("pending", "pending"),
                                                          ("started", "unknown")], mine
    assert f"re-read shows {before}" in mine[0]["message"]
    while time.monotonic() - t0 < window + 0.5:
        time.sleep(0.1)
    assert run_mldeck(["--state", state, "get", "models"], env).returncode == 0
    mine = [e for e in _audit(run_mldeck, env, state) if e["target"] == f"{model}@{alias}"]
    assert [(e["phase"], e["outcome"]) for e in mine][0] == ("finished", "unknown"), mine
    assert f"not settled within {window} s" in mine[0]["message"]
    assert f"re-read shows {before}" in mine[0]["message"]
    assert not [e for e in mine if e["outcome"] == "failed"]
    assert _alias(mlflow_server.url, model, alias) == before
