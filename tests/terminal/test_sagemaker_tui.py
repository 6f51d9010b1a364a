"""The console against SageMaker on a real moto_server 5.2.5: tests/moto_launcher.py
(moto with UpdateEndpoint patched in, and a request log) seeded by
tests/seed_sagemaker.py (three endpoints, each moved from a first config to a second, so a
rollback has somewhere to go; CloudWatch metrics for the last hour).

What these tests rely on from those two files:
  moto_launcher.MotoServer()            context manager; .url; .requests() (list of
                                        {"action", "mutates", ...}, in order);
                                        .mutations(since=index)
  seed_sagemaker.seed(url, region)      -> {"endpoints": {NAME: {"current": CONFIG,
                                        "previous": CONFIG, "variants": {VARIANT:
                                        {"model", "instance_type", "count", "weight"}}}}}
  seed_sagemaker.client(service, url, region)   a boto3 client for checks and clean-up

The module's moto is shared; a test that changes an endpoint puts it back.
"""

import re
import sys
from pathlib import Path

import pytest

import keymash
from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from fake_azure import FakeAzure  # noqa: E402

REGION = "eu-west-1"
COLS, ROWS = 150, 40
SPARK = "[\u2581-\u2588]"


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


@pytest.fixture
def sm(moto):
    return seed_sagemaker.client("sagemaker", moto.url, REGION)


def sagemaker_backend(moto):
    return ("      - name: sagemaker\n"
            "        type: sagemaker\n"
            f"        url: {moto.url}\n"
            f"        region: {REGION}\n")


AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}


@pytest.fixture
def sm_deck(moto, tmp_path):
    """A factory: start(*args) -> Term, mldeck on a context with the SageMaker backend."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   + sagemaker_backend(moto))
    d = Deck(tmp_path, "http://127.0.0.1:9")

    def start(*args, cols=COLS, rows=ROWS):
        return d.start("--config", str(cfg), *args, env=AWS_ENV, cols=cols, rows=rows)

    yield start
    d.close()


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def expected_parts(seed, endpoint):
    """Each variant's model, and its share of traffic as 'NN%'."""
    variants = seed["endpoints"][endpoint]["variants"]
    total = sum(v["weight"] for v in variants.values())
    return [(v["model"], f"{round(100 * v['weight'] / total)}%") for v in variants.values()
            if v["weight"] > 0]


def describe(sm, endpoint):
    return sm.describe_endpoint(EndpointName=endpoint)


def weights(sm, endpoint):
    return {v["VariantName"]: v["CurrentWeight"]
            for v in describe(sm, endpoint)["ProductionVariants"]}


def select_row(t, text):
    t.send("/")
    t.type(text)
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))


def open_overview(t, seed):
    t.wait_for("Overview: deployed versions")
    return t.wait_for(lambda s: all(row_of(s, e) for e in seed["endpoints"]), timeout=30)


# --- tests ----------------------------------------------------------------------------------------


def test_overview_shows_seeded_endpoints_with_weights_and_health(sm_deck, moto):
    since = len(moto.requests())  # the seeding itself is in the log
    t = sm_deck()
    open_overview(t, moto.seed)
    # health is asked for the rows on screen: the sparklines fill in
    screen = t.wait_for(lambda s: all(re.search(rf"{SPARK}{{4}} max \d", row_of(s, e) or "")
                                      for e in moto.seed["endpoints"]), timeout=30)
    for endpoint in moto.seed["endpoints"]:
        row = row_of(screen, endpoint)
        assert row.startswith("sagemaker"), row
        assert "InService" in row, row
        for model, share in expected_parts(moto.seed, endpoint):
            assert model in row and share in row, f"{model} {share} missing:\n{row}"
        # ERRORS (percent) and LATENCY (milliseconds) as sparkline + its top
        health = rf"{SPARK}{{4}} max \d+(\.\d)?%\s+{SPARK}{{4}} max \d+(\.\d)?(us|ms|s)\b"
        assert re.search(health, row), row
    assert re.search(r"fraud-v1 90% · fraud-v2 (v\d+ )?10%", row_of(screen, "fraud-live"))
    assert not moto.mutations(since)


def test_endpoint_rollback_moves_to_the_previous_config(sm_deck, moto, sm):
    name = "churn-prod"
    want = moto.seed["endpoints"][name]
    assert describe(sm, name)["EndpointConfigName"] == want["current"]
    since = len(moto.requests())
    t = sm_deck(cols=180)  # wide enough for BY beside HEALTH and ALARMS
    open_overview(t, moto.seed)
    try:
        t.type(f":deploy {name}")
        t.send("Enter")
        screen = t.wait_for(f"Endpoint {name}")
        # nothing observed yet: the configs by creation time say which came before
        screen = t.wait_for(lambda s: "configs (inferred from creation time)" in s
                            and want["previous"] in s, timeout=20)
        assert re.search(rf"config {want['current']}", screen.split("\n")[2])
        assert re.search(rf"^AllTraffic\s+{want['variants']['AllTraffic']['model']}", screen, re.M)
        # health per deployment: verdict, then sparkline, the last value when there is room, top
        assert re.search(rf"\(endpoint\)\s+\S+ (ok|warn|bad|n/a)\s+{SPARK}+ (\d\S* )?max \d", screen)
        t.send("r")
        screen = t.wait_for("type the endpoint name to confirm")
        assert (f"Roll back endpoint {name}: config {want['current']} -> {want['previous']}"
                in screen)
        assert "inferred from config creation times" in screen
        t.type("churn")
        t.send("Enter")
        t.wait_for("does not match")
        assert not moto.mutations(since)
        t.send("C-u")
        t.type(name)
        t.send("Enter")
        t.wait_for(f"done: endpoint:{name}: {want['current']} -> {want['previous']}", timeout=40)
        assert describe(sm, name)["EndpointConfigName"] == want["previous"]
        assert [r["action"] for r in moto.mutations(since)] == ["UpdateEndpoint"]
        # the header follows the endpoint; the observed history now has the change
        screen = t.wait_for(lambda s: f"config {want['previous']}" in s.split("\n")[2])
        screen = t.wait_for("config history (observed by mldeck)")
        assert re.search(rf"{want['previous']}\s+\(current\)", screen)
        t.send("Escape")
        # BY: mldeck's user@host (its audited action), or CloudTrail's actor once the trail is
        # read again: the access key mldeck signed with
        t.wait_for(lambda s: any(x in (row_of(s, name) or "")
                                 for x in ("@", AWS_ENV["AWS_ACCESS_KEY_ID"][:10])))
    finally:
        if describe(sm, name)["EndpointConfigName"] != want["current"]:
            sm.update_endpoint(EndpointName=name, EndpointConfigName=want["current"])


def test_overview_r_reads_the_configs_first_and_cancel_changes_nothing(sm_deck, moto, sm):
    name = "reco-batch"  # configs reco-blue / reco-green: no common stem with the endpoint
    want = moto.seed["endpoints"][name]
    since = len(moto.requests())
    t = sm_deck()
    open_overview(t, moto.seed)
    select_row(t, name)
    t.send("r")  # one press: the dialog opens and fills in once the configs are read
    screen = t.wait_for(f"Roll back endpoint {name}: config {want['current']} -> "
                        f"{want['previous']}", timeout=20)
    assert "type the endpoint name to confirm" in screen
    t.type(name)
    t.send("Escape")
    t.wait_for("cancelled: nothing changed")
    assert not moto.mutations(since)
    assert describe(sm, name)["EndpointConfigName"] == want["current"]


def test_weights_shift_on_moto(sm_deck, moto, sm):
    name = "fraud-live"
    before = weights(sm, name)
    assert before == {"primary": 0.9, "canary": 0.1}
    since = len(moto.requests())
    t = sm_deck()
    open_overview(t, moto.seed)
    try:
        select_row(t, name)
        t.send("w")
        t.wait_for(re.compile(r"weights of fraud-live \(NAME=WEIGHT,\.\.\.\): "
                              r"primary=0\.9,canary=0\.1"))
        t.send("C-u")
        t.type("primary=0.5,canary=0.5")
        t.send("Enter")
        screen = t.wait_for("type the endpoint name to confirm")
        assert ("Shift traffic of fraud-live: primary=0.9,canary=0.1 -> primary=0.5,canary=0.5"
                in screen)
        t.type(name)
        t.send("Enter")
        t.wait_for(f"done: endpoint:{name}#traffic", timeout=40)
        assert weights(sm, name) == {"primary": 0.5, "canary": 0.5}
        muts = moto.mutations(since)
        assert [r["action"] for r in muts] == ["UpdateEndpointWeightsAndCapacities"]
        t.wait_for(lambda s: re.search(r"fraud-v1 50% · fraud-v2 (v\d+ )?50%",
                                       row_of(s, name) or ""))
    finally:
        if weights(sm, name) != before:
            sm.update_endpoint_weights_and_capacities(
                EndpointName=name,
                DesiredWeightsAndCapacities=[{"VariantName": k, "DesiredWeight": v}
                                             for k, v in before.items()])


def test_read_only_key_mash_makes_no_mutating_call(sm_deck, moto):
    since = len(moto.requests())
    t = sm_deck("--read-only")
    open_overview(t, moto.seed)
    names = list(moto.seed["endpoints"])
    commands = [f"deploy {e}" for e in names] + ["overview", "endpoints", "models", "experiments",
                                                 "audit", "help", "refresh"]
    tour = []
    for e in names:
        tour += [[":"] + keymash.keys(f"deploy {e}") + ["Enter"], ["r"], ["w"], ["u"],
                 keymash.keys(e) + ["Enter"], ["Escape"], ["r"], ["Enter"]]
    moves = keymash.mash_moves(seed=31337, n=600, names=names, commands=commands)
    seen = keymash.play(t, tour + moves)
    assert not t.dead, f"mldeck died during the key-mash:\n{t.screen()}"
    keymash.settle(t)
    assert any(s.startswith("Endpoint") for s in seen), seen
    t.send("q")
    assert t.wait_dead(timeout=15) == 0
    calls = moto.requests()[since:]
    assert moto.mutations(since) == [], [c["action"] for c in calls if c["mutates"]]
    assert any(c["action"] == "DescribeEndpoint" for c in calls), calls[:20]


def test_overview_shows_sagemaker_azure_and_mlflow_side_by_side(moto, mlflow_server, tmp_path):
    since = len(moto.requests())
    with FakeAzure(page_size=2, lro_polls=1) as fa:
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "current_context: all\ncontexts:\n  - name: all\n    backends:\n"
            f"      - name: tracking\n        type: mlflow\n        url: {mlflow_server.url}\n"
            + sagemaker_backend(moto)
            + "      - name: azure\n        type: azureml\n"
            f"        url: {fa.url}\n        authority: {fa.url}\n"
            f"        subscription: {fa.subscription}\n"
            f"        resource_group: {fa.resource_group}\n        workspace: {fa.workspace}\n")
        env = dict(AWS_ENV, AZURE_TENANT_ID=fa.tenant, AZURE_CLIENT_ID=fa.client_id,
                   AZURE_CLIENT_SECRET=fa.client_secret, PATH="/usr/bin:/bin")
        d = Deck(tmp_path, mlflow_server.url)
        try:
            t = d.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=50)
            screen = t.wait_for(lambda s: row_of(s, "fraud-live") and row_of(s, "fraud-scorer")
                                and re.search(r"@champion\s+\d", s), timeout=40)
            header = screen.split("\n")[0]
            assert all(b in header for b in ("tracking", "sagemaker", "azure")), header
            assert row_of(screen, "fraud-live").startswith("sagemaker")
            assert row_of(screen, "fraud-scorer").startswith("azureml")
            assert re.search(r"^mlflow\s+\S+\s+@champion\s+\d", screen, re.M), screen
        finally:
            d.close()
        assert not fa.mutations()
    assert not moto.mutations(since)


def test_versions_screen_approves_a_model_package_with_typed_confirmation(sm_deck, moto, sm):
    group = "churn-models"

    def status(n):
        for p in sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]:
            if p["ModelPackageVersion"] == n:
                return p["ModelApprovalStatus"], p["ModelPackageArn"]
        raise AssertionError(n)

    st, arn = status(2)
    assert st == "PendingManualApproval"
    since = len(moto.requests())
    t = sm_deck()
    open_overview(t, moto.seed)
    try:
        t.type(":models")
        t.send("Enter")
        t.wait_for(group)
        select_row(t, group)
        t.send("Enter")
        # newest first: version 2 (PendingManualApproval) is the selected first row
        t.wait_for(re.compile(r"^\s+2 \S+\s+PendingMa", re.M))
        t.send("a")
        screen = t.wait_for("type the ", timeout=20)
        assert f"{group}#2" in screen and "PendingManualApproval -> Approved" in screen
        t.type(group)
        t.send("Enter")
        t.wait_for(f"done: {group}#2: PendingManualApproval -> Approved", timeout=40)
        assert status(2)[0] == "Approved"
        assert [r["action"] for r in moto.mutations(since)] == ["UpdateModelPackage"]
    finally:
        if status(2)[0] != "PendingManualApproval":
            sm.update_model_package(ModelPackageArn=arn,
                                    ModelApprovalStatus="PendingManualApproval")
