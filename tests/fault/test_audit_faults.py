"""Audit trail under faults (issue 10): an action whose "started" audit entry cannot
be written is refused before any request reaches the server, so a kill mid-write can
never leave an untraceable change behind.
"""

import sqlite3

import requests

from servers import is_mutation, run_mldeck

MODEL, ALIAS = "churn-classifier", "champion"


def _writes(proxy):
    return [r for r in proxy.requests if is_mutation(r.method, r.path)]


def test_started_row_unwritable_refuses_and_sends_nothing(fault_mlflow, mlflow_env):
    state = mlflow_env["MLDECK_TEST_STATE"]
    assert run_mldeck(["--state", state, "get", "models"], mlflow_env).returncode == 0
    # A real failing insert (what a full disk does to it), not a mock: SQLite aborts it.
    db = sqlite3.connect(state)
    with db:
        db.execute("CREATE TRIGGER no_started BEFORE INSERT ON audit WHEN NEW.phase = 'started'"
                   " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    db.close()
    r = requests.get(f"{fault_mlflow.direct}/api/2.0/mlflow/registered-models/alias",
                     params={"name": MODEL, "alias": ALIAS}, timeout=10)
    r.raise_for_status()
    before = r.json()["model_version"]["version"]
    to = "1" if before != "1" else "2"
    fault_mlflow.proxy.requests.clear()
    cp = run_mldeck(["--state", state, "rollback", "alias", MODEL, ALIAS, "--to", to, "--yes"],
                    mlflow_env)
    assert cp.returncode == 1, (cp.stdout, cp.stderr)
    assert "could not be written" in cp.stderr
    assert _writes(fault_mlflow.proxy) == []
