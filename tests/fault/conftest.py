"""Fixtures of the fault tier: the real servers with tests/faultproxy.py in front.

    fault_mlflow      (module) a seeded `mlflow server` (demo + hostile names) and a FaultProxy
                      in front: .server (the MlflowServer), .proxy (FaultProxy), .url (the
                      proxy's URL: give it to mldeck), .direct (the server's own URL, for
                      checks that must not go through the faults)
    fault_moto        (module) moto_server seeded by tests/seed_sagemaker.py, a FaultProxy in
                      front; .moto (MotoServer, .seed), .proxy, .url, .direct, .env (the
                      AWS variables mldeck needs: fake keys, region, endpoint = the proxy)
    mlflow_env        env dict for headless mldeck on fault_mlflow through the proxy, with
                      HOME/XDG under tmp_path; .state (str) a state file path beside it
    proxy_clean       autouse: every test starts with no fault installed

Every server listens on 127.0.0.1; the proxy forwards to loopback only.
"""

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
from servers import make_isolated_env, seeded_server  # noqa: E402

REGION = "eu-west-1"


class _Front:
    pass


def _cache_dir():
    repo = TESTS.parent
    d = Path(os.environ.get("MLDECK_TEST_CACHE", repo / "build" / "test-cache"))
    if not d.is_absolute():
        d = repo / d
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def fault_mlflow(tmp_path_factory):
    srv = seeded_server(tmp_path_factory.mktemp("fault-mlflow"), "demo+hostile",
                        cache_dir=_cache_dir())
    fp = FaultProxy(srv.url).start()
    f = _Front()
    f.server, f.proxy, f.url, f.direct = srv, fp, fp.url, srv.url
    try:
        yield f
    finally:
        fp.stop()
        srv.close()


@pytest.fixture(scope="module")
def fault_moto():
    with moto_launcher.MotoServer(request_log=True) as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        fp = FaultProxy(m.url).start()
        f = _Front()
        f.moto, f.proxy, f.url, f.direct = m, fp, fp.url, m.url
        f.env = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                 "AWS_SECRET_ACCESS_KEY": "mldeck-fault-test-not-a-secret",
                 "AWS_REGION": REGION, "AWS_ENDPOINT_URL": fp.url,
                 "AWS_EC2_METADATA_DISABLED": "true"}
        try:
            yield f
        finally:
            fp.stop()


@pytest.fixture(autouse=True)
def proxy_clean(request):
    """No fault carries over from one test to the next."""
    for name in ("fault_mlflow", "fault_moto"):
        if name in request.fixturenames:
            request.getfixturevalue(name).proxy.clear()
    yield


@pytest.fixture
def mlflow_env(tmp_path, fault_mlflow):
    env = make_isolated_env(tmp_path, MLFLOW_TRACKING_URI=fault_mlflow.url)
    env = dict(env)
    env["MLDECK_TEST_STATE"] = str(tmp_path / "state.db")
    return env
