"""State file faults (issue 10, defect 10): a state file that cannot be written is opened
read-only (reads work, every mutation is refused before anything is sent); a corrupt file is
named with SQLite's error and left as it is unless --state-recover moves it aside; a corrupt
audit table is an error from `get audit`, not an empty list.

The read-only cases run mldeck as an unprivileged user when the tests run as root: root
writes through a 0444 file or a 0555 directory, so only another uid makes them read-only.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import pytest

from faultproxy import Fault
from servers import describe, is_mutation, make_isolated_env, mldeck_path, run_mldeck

MODEL, ALIAS = "churn-classifier", "champion"
NOBODY = 65534


def _writes(proxy):
    return [r for r in proxy.requests if is_mutation(r.method, r.path)]


def _seeded_state(env, path):
    """A healthy state file with a cached model list and one audit entry (a refusal)."""
    cp = run_mldeck(["--state", path, "get", "models"], env)
    assert cp.returncode == 0, describe(cp)
    cp = run_mldeck(["--state", path, "--read-only", "rollback", "alias", MODEL, ALIAS, "--to",
                     "1", "--yes"], env)
    assert cp.returncode != 0, describe(cp)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] >= 1


@pytest.fixture
def ro_home(fault_mlflow):
    """A directory any uid can enter, owned by the uid mldeck runs as, with HOME inside."""
    base = Path(tempfile.mkdtemp(prefix="mldeck-ro-"))
    os.chmod(base, 0o755)
    env = make_isolated_env(base, MLFLOW_TRACKING_URI=fault_mlflow.url)
    state_dir = base / "state"
    state_dir.mkdir()
    yield base, state_dir, env
    for p in [base, *base.rglob("*")]:
        if p.is_dir() and not p.is_symlink():
            os.chmod(p, 0o755)
    shutil.rmtree(base, ignore_errors=True)


def _as_user(base, args, env):
    """mldeck as the owner of `base`: the tests' own uid, or nobody when that is root."""
    cmd = [str(mldeck_path())] + [str(a) for a in args]
    if os.geteuid() == 0:
        for p in [base, *base.rglob("*")]:
            os.chown(p, NOBODY, NOBODY, follow_symlinks=False)
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + cmd
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace",
                        timeout=60, input="")
    return cp


def _check_read_only(fault_mlflow, base, state, env):
    # a read from the cache, a read from the server, and the audit log all answer
    cp = _as_user(base, ["--state", state, "get", "audit", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    assert '"refused"' in cp.stdout, describe(cp)
    assert f"state file '{state}' is read-only: mutations refused" in cp.stderr, describe(cp)
    cp = _as_user(base, ["--state", state, "get", "models"], env)
    assert cp.returncode == 0, describe(cp)
    assert MODEL in cp.stdout, describe(cp)
    # a change is refused before a single request is sent
    fault_mlflow.proxy.requests.clear()
    cp = _as_user(base, ["--state", state, "rollback", "alias", MODEL, ALIAS, "--to", "1",
                         "--yes"], env)
    assert cp.returncode == 1, describe(cp)
    assert f"state file '{state}' is read-only: mutations refused" in cp.stderr, describe(cp)
    assert _writes(fault_mlflow.proxy) == []


def test_read_only_file_reads_work_and_mutations_are_refused(fault_mlflow, ro_home):
    base, state_dir, env = ro_home
    state = state_dir / "state.db"
    _seeded_state(env, state)
    before = state.read_bytes()
    _as_user(base, ["--version"], env)  # hands everything to the user under test
    os.chmod(state, 0o444)
    _check_read_only(fault_mlflow, base, state, env)
    assert state.read_bytes() == before


def test_read_only_directory_reads_work_and_mutations_are_refused(fault_mlflow, ro_home):
    base, state_dir, env = ro_home
    state = state_dir / "state.db"
    _seeded_state(env, state)
    # no -wal/-shm left to reuse: the reader must cope without creating them
    db = sqlite3.connect(state)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert not Path(f"{state}-wal").exists() and not Path(f"{state}-shm").exists()
    _as_user(base, ["--version"], env)
    os.chmod(state_dir, 0o555)
    _check_read_only(fault_mlflow, base, state, env)


def _corrupt(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[:60]))
    elif how == "garbled-header":
        data[:16] = b"NOT A SQLITE DB!"
        path.write_bytes(bytes(data))
    elif how == "not-a-database":
        path.write_bytes(b"hello, this is a text file\n" * 10)


@pytest.mark.parametrize("how, sqlite_says", [
    ("truncated", "database disk image is malformed"),
    ("garbled-header", "file is not a database"),
    ("not-a-database", "file is not a database"),
])
def test_corrupt_file_is_named_and_left_alone(fault_mlflow, mlflow_env, how, sqlite_says):
    state = Path(mlflow_env["MLDECK_TEST_STATE"])
    _seeded_state(mlflow_env, state)
    _corrupt(state, how)
    bad = state.read_bytes()
    for args in (["get", "audit"], ["get", "models"], ["--read-only", "get", "audit"]):
        cp = run_mldeck(["--state", state, *args], mlflow_env)
        assert cp.returncode == 1, describe(cp)
        assert f"state file '{state}' is corrupt ({sqlite_says})" in cp.stderr, describe(cp)
        assert "--state-recover" in cp.stderr, describe(cp)
        assert cp.stdout == "", describe(cp)
    # never silently recreated: the same bytes, nothing beside them
    assert state.read_bytes() == bad
    assert sorted(p.name for p in state.parent.glob("state.db*")) == ["state.db"]


def test_state_recover_moves_the_file_aside_and_keeps_its_bytes(fault_mlflow, mlflow_env):
    state = Path(mlflow_env["MLDECK_TEST_STATE"])
    _seeded_state(mlflow_env, state)
    _corrupt(state, "garbled-header")
    bad = state.read_bytes()
    cp = run_mldeck(["--state", state, "--state-recover", "get", "models"], mlflow_env)
    assert cp.returncode == 0, describe(cp)
    assert MODEL in cp.stdout, describe(cp)
    aside = [p for p in state.parent.iterdir() if p.name.startswith("state.db.corrupt-")]
    assert len(aside) == 1, list(state.parent.iterdir())
    assert aside[0].read_bytes() == bad
    assert f"moved the corrupt state file '{state}' aside to '{aside[0]}'" in cp.stderr, \
        describe(cp)
    with closing(sqlite3.connect(state)) as db:  # a fresh, working file in its place
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    # on a healthy file the option does nothing
    cp = run_mldeck(["--state", state, "--state-recover", "get", "audit"], mlflow_env)
    assert cp.returncode == 0, describe(cp)
    assert "moved" not in cp.stderr, describe(cp)
    assert len([p for p in state.parent.iterdir() if ".corrupt-" in p.name]) == 1


def test_corrupt_audit_table_is_an_error_not_an_empty_list(fault_mlflow, mlflow_env):
    state = Path(mlflow_env["MLDECK_TEST_STATE"])
    _seeded_state(mlflow_env, state)
    with closing(sqlite3.connect(state)) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit'").fetchone()[0]
    data = bytearray(state.read_bytes())
    data[(root - 1) * page:root * page] = b"\xa5" * page  # the audit table's b-tree page
    state.write_bytes(bytes(data))
    for fmt in ("--json", "--tsv"):
        cp = run_mldeck(["--state", state, "get", "audit", fmt], mlflow_env)
        assert cp.returncode == 1, describe(cp)
        assert cp.stdout == "", describe(cp)
        assert "audit" in cp.stderr and "malformed" in cp.stderr, describe(cp)


def test_console_reads_a_read_only_file_from_its_cache(fault_mlflow, ro_home):
    """The console opens on a read-only state file with the server unreachable: the cached
    models show, and the header says the console is read-only."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
    from tmuxterm import Term

    base, state_dir, env = ro_home
    state = state_dir / "state.db"
    _seeded_state(env, state)
    _as_user(base, ["--version"], env)
    os.chmod(state, 0o444)
    fault_mlflow.proxy.add(Fault("reset"))
    cmd = [str(mldeck_path()), "--state", str(state), "--view", "models"]
    if os.geteuid() == 0:
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + cmd
    t = Term().start(cmd, dict(env, TZ="UTC"), cols=120, rows=30,
                     stderr_path=str(base / "stderr.txt"))
    try:
        t.wait_for(MODEL)
        t.wait_for("READ-ONLY")
    finally:
        t.kill()
    assert "is corrupt" not in (base / "stderr.txt").read_text(errors="replace")
