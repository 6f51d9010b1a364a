"""The five questions on-call opens mldeck to answer, asked of the `make run` sandbox
(tests/sandbox/run.sh: MLflow, SageMaker in moto with a CloudTrail history, a firing alarm,
endpoint logs and drifting capture data) in a real terminal, counting the keys each answer
takes from the Overview as it opens (cursor on the first row). The keys that bring the
console back to that state between questions are not counted.

    question                                         target   keys here
    what changed last, and who did it                 <= 2     T
    live version -> its run -> the training data      <= 4     j Enter Enter
    abnormal health visible                            0       (the Overview)
    did the inputs drift since the last deployment    <= 3     d Enter
    roll back                                         <= 4     G k r Enter (+ the typed name)
"""

import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import make_isolated_env, mldeck_path  # noqa: E402
from tmuxterm import Term  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TARGETS = {"changed": 2, "lineage": 4, "health": 0, "drift": 3, "rollback": 4}
KEYS = {}


class Counted:
    """The terminal, counting the keys a person presses (typed names are counted apart)."""

    def __init__(self, term):
        self.t = term
        self.n = 0

    def press(self, *keys):
        for k in keys:
            self.t.send(k)
            self.n += 1

    def reset(self):
        self.n = 0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    base = tmp_path_factory.mktemp("oncall")
    env = make_isolated_env(base / "env", MLDECK_SANDBOX_DIR=str(base / "sb"),
                            MLDECK_BIN=str(mldeck_path()))
    t = Term().start([str(REPO / "tests/sandbox/run.sh")], env, cols=170, rows=45)
    try:
        # the first start seeds MLflow (about a minute on a busy machine)
        t.wait_for(re.compile(r"fraud-live .*1 ALARM"), timeout=300)
        t.sb = base / "sb"
        yield t
    finally:
        t.send("q")
        time.sleep(1)
        t.kill()


def overview(t):
    """Back to the Overview, cursor on the first row (not counted)."""
    for _ in range(4):
        if "Overview: deployed versions" in t.screen():
            break
        t.send("Escape")
        time.sleep(0.3)
    t.wait_for("Overview: deployed versions")
    t.send("g")
    return Counted(t)


def row(screen, name):
    return next((ln for ln in screen.split("\n") if re.search(rf"\b{re.escape(name)}\s", ln)), "")


def test_1_abnormal_health_shows_with_no_key(sandbox):
    k = overview(sandbox)
    screen = sandbox.wait_for(lambda s: "✖ bad" in row(s, "fraud-live"), timeout=60)
    fraud = row(screen, "fraud-live")
    assert "1 ALARM" in fraud, fraud
    assert "✔ ok" in row(screen, "churn-prod"), screen
    assert "alarms: 1" in screen.split("\n")[0], screen
    KEYS["health"] = k.n
    assert k.n <= TARGETS["health"]


def test_2_what_changed_last_and_who(sandbox):
    k = overview(sandbox)
    k.press("T")
    screen = sandbox.wait_for(re.compile(r"\bcloudtrail\b"), timeout=30)
    lines = screen.split("\n")
    changes = [ln for ln in lines[3:] if re.search(r"\s(cloudtrail|mldeck|observed)\s", ln)]
    assert changes, screen
    newest = changes[0]
    # a platform change with its actor from CloudTrail: a name, not "unknown"
    assert re.search(r"\b(alice|bob|deploy-pipeline)\b", newest), newest
    # and the older history is on the same axis: bob's traffic shift, the pipeline's deploy
    assert any("bob" in ln and "UpdateEndpointWeights" in ln for ln in lines), screen
    assert any("deploy-pipeline" in ln for ln in lines), screen
    KEYS["changed"] = k.n
    assert k.n <= TARGETS["changed"]


def test_3_live_version_to_run_to_training_data(sandbox):
    k = overview(sandbox)
    k.press("j")  # churn-classifier @champion, what serves
    sandbox.wait_for(lambda s: re.search(r"\s2/\d+\s*$", s.split("\n")[1]), timeout=10)
    assert re.search(r"churn-classifier\s+@champion", sandbox.screen().split("\n")[4])
    k.press("Enter")  # its versions, on the champion's version
    sandbox.wait_for("Versions of churn-classifier")
    k.press("Enter")  # the run that produced it
    screen = sandbox.wait_for("dataset inputs", timeout=30)
    assert "s3://ml-data/churn" in screen, screen
    assert re.search(r"experiment\s+churn-prediction", screen), screen
    KEYS["lineage"] = k.n
    assert k.n <= TARGETS["lineage"]


def test_4_drift_since_the_last_deployment(sandbox):
    k = overview(sandbox)
    k.press("d")  # the drift job of the context (churn-prod's inputs)
    screen = sandbox.wait_for(re.compile(r"churn-prod-inputs.*\n.*features drifted"), timeout=90)
    assert "dataset drift: YES" in screen, screen
    k.press("Enter")  # the worst feature over time, with the deployments marked
    screen = sandbox.wait_for(re.compile(r"▼ .*UpdateEndpoint churn-prod .*by deploy-pipeline"),
                              timeout=30)
    KEYS["drift"] = k.n
    assert k.n <= TARGETS["drift"]


def test_5_rollback(sandbox):
    k = overview(sandbox)
    k.press("G", "k")  # fraud-live, the endpoint with the firing alarm
    sandbox.wait_for(lambda s: "fraud-live" in s, timeout=10)
    k.press("r")
    screen = sandbox.wait_for("type the endpoint name to confirm", timeout=30)
    assert re.search(r"fraud-live-config-2 -> fraud-live-config-1", screen), screen
    sandbox.type("fraud-live")  # the typed name, not counted as keys
    k.press("Enter")
    cfg = (sandbox.sb / "config.yaml").read_text()
    moto_url = re.search(r"type: sagemaker\n\s+region: \S+\n\s+url: (\S+)", cfg)
    import boto3
    sm = boto3.client("sagemaker", endpoint_url=moto_url.group(1), region_name="eu-west-1",
                      aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    deadline = time.time() + 30
    while time.time() < deadline:
        now = sm.describe_endpoint(EndpointName="fraud-live")["EndpointConfigName"]
        if now == "fraud-live-config-1":
            break
        time.sleep(0.5)
    assert now == "fraud-live-config-1"
    KEYS["rollback"] = k.n
    assert k.n <= TARGETS["rollback"]


def test_6_the_key_counts(sandbox):
    """The table README shows: every question answered within its target."""
    assert set(KEYS) == set(TARGETS), KEYS
    for q, n in KEYS.items():
        print(f"{q}: {n} keys (target {TARGETS[q]})")
        assert n <= TARGETS[q], (q, n)
