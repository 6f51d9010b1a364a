"""Outcomes settled by re-reading the server (issue 10, defect 2): a write whose reply is not
a clear success is re-read; the audit entry is `ok` when the target shows the change,
`failed` only when it shows the old value and the reply says the write cannot land later,
and `pending` otherwise, until a later start's re-read proves it or the settle window
(MLDECK_SETTLE_WINDOW seconds) passes and it ends `unknown` with the reason.

Every check of the server's truth goes to the server directly, not through the faults.
"""

import json
import os
import signal
import subprocess
import time

import pytest
import requests

from faultproxy import Fault
from servers import mldeck_path, run_mldeck

ALIAS_PATH = r"/registered-models/alias"


def _alias(url, model, alias="champion"):
    r = requests.get(f"{url}/api/2.0/mlflow/registered-models/alias",
                     params={"name": model, "alias": alias}, timeout=10)
    r.raise_for_status()
    return r.json()["model_version"]["version"]


def _set_alias(url, model, version, alias="champion"):
    r = requests.post(f"{url}/api/2.0/mlflow/registered-models/alias",
                      json={"name": model, "alias": alias, "version": version}, timeout=10)
    r.raise_for_status()


def _audit(env, target):
    """The audit entries of one target, newest first (a `get audit` start: it settles too)."""
    cp = run_mldeck(["--state", env["MLDECK_TEST_STATE"], "get", "audit", "--json"], env)
    assert cp.returncode == 0, (cp.stdout, cp.stderr)
    return [e for e in json.loads(cp.stdout) if e["target"] == target]


def _rollback(env, model, to):
    return run_mldeck(["--state", env["MLDECK_TEST_STATE"], "rollback", "alias", model,
                       "champion", "--to", to, "--yes"], env)


@pytest.fixture
def moved(fault_mlflow):
    """(model, before, to) of an alias the test moves; the alias is put back afterwards."""
    made = []

    def pick(model):
        before = _alias(fault_mlflow.direct, model)
        to = "1" if before != "1" else "2"
        made.append((model, before))
        return model, before, to

    yield pick
    for model, before in made:
        _set_alias(fault_mlflow.direct, model, before)


def test_504_after_the_write_landed_is_confirmed_ok_by_re_read(fault_mlflow, mlflow_env, moved):
    model, before, to = moved("churn-classifier")
    fault_mlflow.proxy.add(Fault("forward_then_status", method="POST", path=ALIAS_PATH,
                                 code=504))
    cp = _rollback(mlflow_env, model, to)
    assert _alias(fault_mlflow.direct, model) == to  # the gateway's 504 hid an applied write
    assert cp.returncode == 0, (cp.stdout, cp.stderr)
    assert "confirmed by re-read" in cp.stdout and "HTTP 504" in cp.stdout, cp.stdout
    entries = _audit(mlflow_env, f"{model}@champion")
    assert [(e["phase"], e["outcome"]) for e in entries] == [("finished", "ok"),
                                                             ("started", "unknown")]
    assert "confirmed by re-read" in entries[0]["message"]


def test_502_without_forwarding_is_failed_after_re_read(fault_mlflow, mlflow_env, moved):
    model, before, to = moved("fraud-detector")
    fault_mlflow.proxy.add(Fault("status", method="POST", path=ALIAS_PATH, code=502,
                                 body="<html><title>502 Bad Gateway</title></html>",
                                 headers={"Content-Type": "text/html"}))
    fault_mlflow.proxy.requests.clear()
    cp = _rollback(mlflow_env, model, to)
    assert cp.returncode == 1, (cp.stdout, cp.stderr)
    assert _alias(fault_mlflow.direct, model) == before
    # the outcome came from a re-read of the alias after the 502, not from the 502 alone
    reads = [r for r in fault_mlflow.proxy.requests
             if r.method == "GET" and "registered-models/alias" in r.path]
    writes = [i for i, r in enumerate(fault_mlflow.proxy.requests) if r.method == "POST"
              and r.path.endswith("registered-models/alias")]
    assert writes and any(fault_mlflow.proxy.requests.index(r) > writes[-1] for r in reads)
    assert f"re-read shows version {before}" in cp.stderr, cp.stderr
    entries = _audit(mlflow_env, f"{model}@champion")
    assert [(e["phase"], e["outcome"]) for e in entries] == [("finished", "failed"),
                                                             ("started", "unknown")]
    assert "HTTP 502" in entries[0]["message"]


def test_kill_9_while_the_write_is_held_stays_pending_then_settles_ok(fault_mlflow, mlflow_env,
                                                                     moved):
    model, before, to = moved("demand-forecaster")
    hold = 8.0
    fault_mlflow.proxy.add(Fault("stall_headers", method="POST", path=ALIAS_PATH,
                                 seconds=hold, times=1))
    t_write = None
    fault_mlflow.proxy.requests.clear()
    p = subprocess.Popen([str(mldeck_path()), "--state", mlflow_env["MLDECK_TEST_STATE"],
                          "rollback", "alias", model, "champion", "--to", to, "--yes"],
                         env=mlflow_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not fault_mlflow.proxy.hits("POST", ALIAS_PATH):
            time.sleep(0.05)
        assert fault_mlflow.proxy.hits("POST", ALIAS_PATH), "the write never left"
        t_write = time.monotonic()
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    target = f"{model}@champion"
    # the next start, while the proxy still holds the write: pending, never failed
    assert time.monotonic() - t_write < hold - 2, "too slow to see the write still held"
    entries = _audit(mlflow_env, target)
    assert _alias(fault_mlflow.direct, model) == before
    assert [(e["phase"], e["outcome"]) for e in entries] == [("pending", "pending"),
                                                             ("started", "unknown")], entries
    assert f"re-read shows {before}" in entries[0]["message"]
    # a start that learns nothing new writes nothing new
    assert len(_audit(mlflow_env, target)) == 2
    # the held write lands; the next start's re-read sees it and settles the entry ok
    deadline = time.monotonic() + hold + 20
    while time.monotonic() < deadline and _alias(fault_mlflow.direct, model) != to:
        time.sleep(0.2)
    assert _alias(fault_mlflow.direct, model) == to
    entries = _audit(mlflow_env, target)
    assert [(e["phase"], e["outcome"]) for e in entries] == [
        ("finished", "ok"), ("pending", "pending"), ("started", "unknown")], entries
    assert f"now {to}" in entries[0]["message"]
    assert not [e for e in entries if e["outcome"] == "failed"]


def test_pending_entry_that_cannot_be_read_ends_unknown_after_the_window(fault_mlflow, mlflow_env,
                                                                         moved):
    model, before, to = moved("churn-classifier")
    window = 6
    env = dict(mlflow_env, MLDECK_SETTLE_WINDOW=str(window))
    # a gateway 504 that did not forward: the write may land later, so nothing is proved
    fault_mlflow.proxy.add(Fault("status", method="POST", path=ALIAS_PATH, code=504, times=1))
    t0 = time.monotonic()
    cp = _rollback(env, model, to)
    assert cp.returncode == 4, (cp.stdout, cp.stderr)
    assert "outcome pending" in cp.stderr, cp.stderr
    target = f"{model}@champion"
    entries = _audit(env, target)
    assert [(e["phase"], e["outcome"]) for e in entries] == [("pending", "pending"),
                                                             ("started", "unknown")], entries
    # from now on the alias cannot be read: the entry stays pending inside the window
    fault_mlflow.proxy.add(Fault("status", method="GET", path=ALIAS_PATH, code=500,
                                 body="<html><title>500 Internal Server Error</title></html>"))
    if time.monotonic() - t0 < window - 2:
        assert [e["outcome"] for e in _audit(env, target)] == ["pending", "unknown"]
    while time.monotonic() - t0 < window + 1:
        time.sleep(0.2)
    entries = _audit(env, target)
    assert [(e["phase"], e["outcome"]) for e in entries] == [
        ("finished", "unknown"), ("pending", "pending"), ("started", "unknown")], entries
    msg = entries[0]["message"]
    assert f"not settled within {window} s" in msg and "cannot re-read" in msg, msg
    # settled for good: the re-reads stop
    n = len(fault_mlflow.proxy.hits("GET", ALIAS_PATH))
    assert len(_audit(env, target)) == 3
    assert len(fault_mlflow.proxy.hits("GET", ALIAS_PATH)) == n
    assert _alias(fault_mlflow.direct, model) == before
