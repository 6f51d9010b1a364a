"""Issue 10, defect 9: a dead backend does not block the others.

Against a real moto_server (tests/moto_launcher.py) seeded by tests/seed_sagemaker.py:
with only AWS variables set there is no default MLflow at 127.0.0.1:5000 to fail the
command, and in a two-backend context whose MLflow is a refused port, the live backend's
answer is printed, the dead one is named on stderr, and the exit status says whether the
backend the command needs failed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
SEEDED = ["churn-prod", "fraud-live", "reco-batch"]


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


def mldeck_bin():
    p = Path(os.environ.get("MLDECK_BIN", "mldeck"))
    p = p if p.is_absolute() else REPO / p
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mldeck binary not found: {p} (build it with `make`, or set MLDECK_BIN)")
    return str(p)


def aws_env(home, **extra):
    """Only AWS variables: nothing MLflow- or Azure-ish from outside."""
    home = Path(home)
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MLFLOW_", "AZURE_", "MLDECK_", "XDG_"))
           and "proxy" not in k.lower()}
    env.update(HOME=str(home), LC_ALL="C.UTF-8", AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
               AWS_SECRET_ACCESS_KEY="mldeck-test-not-a-secret", AWS_REGION=REGION,
               AWS_EC2_METADATA_DISABLED="true")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(args, env, timeout=120):
    return subprocess.run([mldeck_bin()] + [str(a) for a in args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_only_aws_variables_get_endpoints_exits_0(moto, tmp_path):
    env = aws_env(tmp_path / "home", AWS_ENDPOINT_URL=moto.url)
    cp = run(["--state", tmp_path / "state.db", "get", "endpoints", "--json"], env)
    assert cp.returncode == 0, cp.stderr
    assert sorted(e["name"] for e in json.loads(cp.stdout)) == SEEDED
    assert "mlflow" not in cp.stderr and "127.0.0.1:5000" not in cp.stderr, cp.stderr


@pytest.fixture
def two_backends(moto, tmp_path):
    dead = moto_launcher.free_port()  # nothing listens there: connections are refused
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: both\ncontexts:\n  - name: both\n    backends:\n"
                   f"      - name: deadml\n        type: mlflow\n        url: http://127.0.0.1:{dead}\n"
                   f"      - name: sm\n        type: sagemaker\n        url: {moto.url}\n"
                   f"        region: {REGION}\n")
    env = aws_env(tmp_path / "home")

    def cli(*args):
        return run(["--config", cfg, "--state", tmp_path / "state.db"] + list(args), env)
    return cli


def test_dead_mlflow_does_not_hide_live_sagemaker(two_backends):
    cp = two_backends("get", "endpoints", "--json")
    assert cp.returncode == 0, cp.stderr
    assert sorted(e["name"] for e in json.loads(cp.stdout)) == SEEDED
    assert "backend 'deadml'" in cp.stderr, cp.stderr
    assert "backend 'sm'" not in cp.stderr, cp.stderr


def test_command_needing_the_dead_backend_exits_1(two_backends):
    # naming the dead backend makes it the one needed
    cp = two_backends("get", "endpoints", "--backend", "deadml")
    assert cp.returncode == 1 and "backend 'deadml'" in cp.stderr, cp.stderr
    # a target that only the dead backend could hold cannot be found: exit 1, said so
    cp = two_backends("rollback", "alias", "some-model", "prod", "--yes")
    assert cp.returncode == 1, cp.stdout + cp.stderr
    assert "reachable backends" in cp.stderr, cp.stderr
