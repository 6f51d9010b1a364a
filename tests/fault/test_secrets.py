"""Issue 10 defect 3: a secret mldeck holds never reaches a sink, even when a
server echoes the request headers back in its error body; and no core dump
can carry one (RLIMIT_CORE 0, not dumpable) unless MLDECK_CORE=1."""
import os
import resource
import sqlite3
import subprocess
import time
from pathlib import Path

from faultproxy import Fault
from servers import mldeck_path, run_mldeck

TOKEN = "mldeck-test-token-4f9c2a7e1b"


def _state_dump(path):
    db = sqlite3.connect(str(path))
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


def _assert_clean(text, where):
    assert TOKEN not in text, f"token leaked into {where}"
    assert "Bearer " + TOKEN not in text, f"bearer leaked into {where}"


def test_echoed_token_reaches_no_sink(tmp_path, fault_mlflow, mlflow_env):
    env = dict(mlflow_env, MLFLOW_TRACKING_TOKEN=TOKEN)
    fault_mlflow.proxy.add(Fault("echo_headers", path=r"experiments/search", code=500,
                                 body="json"))
    log = tmp_path / "mldeck.log"
    state = Path(env["MLDECK_TEST_STATE"])
    cp = run_mldeck(["--state", str(state), "--log", str(log), "-v", "get", "experiments"], env)
    assert cp.returncode != 0, "the echoed 500 must fail the command"
    # the proxy really echoed the header: otherwise this test proves nothing
    assert any(TOKEN in (r.headers.get("Authorization") or "")
               for r in list(fault_mlflow.proxy.requests))
    assert "BAD_REQUEST" in cp.stderr and "you sent" in cp.stderr, cp.stderr
    _assert_clean(cp.stderr, "stderr")
    _assert_clean(cp.stdout, "stdout")
    if log.exists():
        _assert_clean(log.read_text(errors="replace"), "the log file")
    if state.exists():
        _assert_clean(_state_dump(state), "state.db")


def _limits(pid):
    return Path(f"/proc/{pid}/limits").read_text()


def _core_limit(pid):
    for line in _limits(pid).splitlines():
        if line.startswith("Max core file size"):
            return line.split()[4]
    raise AssertionError("no core limit line")


def _allow_core():
    # the runner may start with a soft core limit of 0; raise it so that only
    # mldeck itself can bring it to 0
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def test_core_dumps_off_unless_asked(tmp_path, fault_mlflow, mlflow_env):
    fault_mlflow.proxy.add(Fault("stall_headers", path=r"experiments/search", seconds=20))
    for extra, want_off in (({}, True), ({"MLDECK_CORE": "1"}, False)):
        env = dict(mlflow_env, **extra)
        fault_mlflow.proxy.requests.clear()  # an earlier test's request is no sign of this one
        p = subprocess.Popen([str(mldeck_path()), "--state", str(tmp_path / "s.db"), "get",
                              "experiments"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=_allow_core)
        try:
            deadline = time.monotonic() + 15
            while not any("experiments/search" in r.path
                          for r in list(fault_mlflow.proxy.requests)):
                assert time.monotonic() < deadline and p.poll() is None, "mldeck never asked"
                time.sleep(0.05)
            limit = _core_limit(p.pid)
            owner = Path(f"/proc/{p.pid}/status").stat().st_uid
        finally:
            p.kill()
            p.wait()
        fault_mlflow.proxy.requests.clear()
        if want_off:
            assert limit == "0"
            # as root every /proc entry is root's: the owner check only tells as a user
            assert os.geteuid() == 0 or owner == 0, "non-dumpable: /proc entry is root's"
        else:
            assert limit != "0"
            assert os.geteuid() == 0 or owner != 0
