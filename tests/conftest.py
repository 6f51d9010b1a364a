"""Shared fixtures for the integration and terminal tests.

Fixtures
    mldeck_bin        absolute path of the binary: $MLDECK_BIN (relative to the repo) or ./mldeck
    venv_python       the project virtualenv's python
    mlflow_server     (module) a started MLflow server seeded with the demo data set plus
                      the hostile names; .url .log_path .requests_log() .log_lines()
                      .sync_log() .seed (summary dict, see tests/seed.py) .client()
                      .stop() .start() (down and back up on the same port and db)
    bulk_server       (module) a separate server with 3,000 runs in experiment "bulk"
    auth_server       (module) `mlflow server --app-name basic-auth`, admin / servers.ADMIN_PASSWORD
    isolated_env      env dict: HOME and XDG_* under tmp_path, LC_ALL=C.UTF-8,
                      TERM=xterm-256color, nothing from the outside MLFLOW_*/AWS_*/AZURE_*
    run_mldeck        callable(args, env, input=None, timeout=60) -> CompletedProcess
    assert_no_mutations  callable(server, since_line)

The plain functions run_mldeck(), make_isolated_env(), assert_no_mutations(),
is_mutation() and describe() live in tests/servers.py: `from servers import run_mldeck`
(not `from conftest import ...`: tests/terminal has a conftest.py of its own, so the
module name "conftest" is ambiguous).

Nothing here skips: a server that cannot start is an error, so the test fails.
Seeded stores are cached under $MLDECK_TEST_CACHE (default build/test-cache),
keyed by a hash of tests/seed.py and the mlflow version.
"""

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from servers import (  # noqa: E402,F401  (re-exported for tests that import them from here)
    BULK_EXPERIMENT, BULK_RUNS, MlflowServer, assert_no_mutations, describe, is_mutation,
    make_isolated_env, mldeck_path, run_mldeck, seeded_server, venv_python as _venv_python)


def _cache_dir():
    d = Path(os.environ.get("MLDECK_TEST_CACHE", REPO / "build" / "test-cache"))
    if not d.is_absolute():
        d = REPO / d
    d.mkdir(parents=True, exist_ok=True)
    return d


# --- the binary and the environment ------------------------------------------------------------------


@pytest.fixture(scope="session")
def mldeck_bin():
    p = mldeck_path()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mldeck binary not found or not executable: {p} (build it with `make`, "
                    f"or set MLDECK_BIN)")
    return str(p)


@pytest.fixture(scope="session")
def venv_python():
    p = _venv_python()
    if not os.access(p, os.X_OK):
        pytest.fail(f"virtualenv python missing: {p} (run `make venv`)")
    return p


@pytest.fixture
def isolated_env(tmp_path):
    return make_isolated_env(tmp_path / "env")


@pytest.fixture(name="run_mldeck")
def _run_mldeck_fixture(mldeck_bin):
    def run(args, env, input=None, timeout=60, **kw):
        return run_mldeck(args, env, input=input, timeout=timeout, bin=mldeck_bin, **kw)
    return run


@pytest.fixture(name="assert_no_mutations")
def _assert_no_mutations_fixture():
    return assert_no_mutations


# --- servers ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    srv = seeded_server(tmp_path_factory.mktemp("mlflow"), "demo+hostile", cache_dir=_cache_dir())
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(scope="module")
def bulk_server(tmp_path_factory):
    srv = seeded_server(tmp_path_factory.mktemp("bulk"), "bulk", cache_dir=_cache_dir(),
                        experiment_name=BULK_EXPERIMENT, n_runs=BULK_RUNS)
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    srv = MlflowServer(workdir=tmp_path_factory.mktemp("auth"), auth=True, name="auth")
    srv.start()
    try:
        import seed
        from servers import ADMIN_PASSWORD, ADMIN_USER
        rest = seed.Rest(srv.url, auth=(ADMIN_USER, ADMIN_PASSWORD))
        eid = rest.post("/experiments/create", {"name": "guarded"})["experiment_id"]
        srv.seed = {"experiments": {"guarded": eid}}
        yield srv
    finally:
        srv.close()
