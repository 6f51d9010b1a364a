"""Who made the last change, and when: `get endpoints --json` and `get models --json` carry
changed_by / changed_at (with changed_after / changed_before bracketing a change only
observed, and changed_source saying where the answer came from).

- MLflow keeps no alias history. After an mldeck undo, an alias moved from the MLflow Python
  client shows "unknown" with a bracket, never mldeck's user, and stays so after a restart;
  an alias set before a fresh state file's first look is "unknown" too, not "0s ago".
- SageMaker: CloudTrail LookupEvents (moto, patched by tests/moto_launcher.py, serving the
  events this test writes): the IAM user, or an assumed role's session, and EventTime; the
  next refresh asks from the newest event kept (StartTime, read from the launcher's record of
  the requests it received), and the state file keeps what an earlier refresh learnt.
- Azure ML (tests/fake_azure.py): the Activity Log's caller; systemData.lastModifiedBy/At
  when the log has nothing.
Both history reads are reads for the HTTP guard: in read-only mode they are sent and no
mutating request is.
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from fake_azure import FakeAzure, activity_event  # noqa: E402
from servers import describe, make_isolated_env, run_mldeck as run_bin  # noqa: E402

REGION = "eu-west-1"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "mldeckWHOsecretKEY0123456789abcdefghijkl"
WEEK_S = 7 * 86400


def _json(cp):
    assert cp.returncode == 0, describe(cp)
    try:
        return json.loads(cp.stdout)
    except ValueError as e:
        pytest.fail(f"not JSON ({e}):{describe(cp)}")


# --- MLflow: an alias moved from Python after an mldeck undo -------------------------------------


@pytest.fixture
def ml(run_mldeck, mlflow_server, isolated_env, tmp_path):
    env = dict(isolated_env)
    env["MLFLOW_TRACKING_URI"] = mlflow_server.url
    state = tmp_path / "state.db"

    def run(*args):
        return run_mldeck(["--state", state, *args], env, timeout=120)
    return run


def _alias_who(run, model, alias):
    models = {m["name"]: m for m in _json(run("get", "models", "--json"))}
    return models[model]["aliases"][alias], models[model]["alias_changes"][alias]


def test_alias_moved_from_python_after_an_undo_is_unknown_with_a_bracket(ml, mlflow_server):
    client = mlflow_server.client()
    model, alias = "churn-classifier", "challenger"
    old = client.get_model_version_by_alias(model, alias).version
    other = next(v.version for v in client.search_model_versions(f"name='{model}'")
                 if v.version != old)
    ml("get", "models", "--json")
    cp = ml("rollback", "alias", model, alias, "--to", other, "--yes")
    assert cp.returncode == 0, describe(cp)
    cp = ml("rollback", "alias", model, alias, "--yes")  # undo: back to the previous value
    assert cp.returncode == 0, describe(cp)
    assert client.get_model_version_by_alias(model, alias).version == old
    audit = [e for e in _json(ml("get", "audit", "--json"))
             if e["phase"] == "finished" and e["target"] == f"{model}@{alias}"]
    me = audit[0]["who"]
    # mldeck's own undo is mldeck's: its user, its time
    value, who = _alias_who(ml, model, alias)
    assert value == old
    assert (who["changed_by"], who["changed_source"]) == (me, "mldeck"), who
    assert who["changed_at"] == audit[0]["ts"]

    t0 = int(time.time() * 1000)
    client.set_registered_model_alias(model, alias, other)  # from Python, not from mldeck
    t1 = int(time.time() * 1000)
    value, who = _alias_who(ml, model, alias)
    assert value == other
    assert who["changed_by"] == "unknown", who
    assert who["changed_source"] == "observed" and who["changed_at"] == 0, who
    # between the last look that saw the old value and the first that saw the new one
    assert audit[0]["ts"] <= who["changed_after"] <= t0, who
    assert t1 <= who["changed_before"] <= int(time.time() * 1000), who
    assert who["changed_what"] == f"{old} -> {other}"
    # a restart (a new process on the same state file) says the same
    bracket = (who["changed_after"], who["changed_before"])
    _, again = _alias_who(ml, model, alias)
    assert again["changed_by"] == "unknown"
    assert (again["changed_after"], again["changed_before"]) == bracket
    client.set_registered_model_alias(model, alias, old)


def test_alias_set_before_the_first_look_is_unknown_not_just_now(ml, mlflow_server):
    """A fresh state file: the alias was set earlier by someone; mldeck knows only that it
    was set by the time it first looked."""
    client = mlflow_server.client()
    model, alias = "fraud-detector", "challenger"
    value = client.get_model_version_by_alias(model, alias).version
    client.set_registered_model_alias(model, alias, value)
    before_look = int(time.time() * 1000)
    _, who = _alias_who(ml, model, alias)
    assert who["changed_by"] == "unknown", who
    assert who["changed_at"] == 0 and who["changed_after"] == 0, who
    assert who["changed_before"] >= before_look, who


# --- SageMaker: CloudTrail -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_trail():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


def _sm(moto_srv, tmp_path, *args):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: aws\ncontexts:\n  - name: aws\n    backends:\n"
                   f"      - name: sm\n        type: sagemaker\n        url: {moto_srv.url}\n"
                   f"        region: {REGION}\n")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MLFLOW_", "AZURE_")) and "proxy" not in k.lower()}
    env.update(HOME=str(home), LC_ALL="C.UTF-8", AWS_ACCESS_KEY_ID=KEY_ID,
               AWS_SECRET_ACCESS_KEY=SECRET)
    return run_bin(["--config", cfg, "--state", tmp_path / "state.db", *args], env,
                   timeout=120)


def _event(eid, name, endpoint, at, identity, params, error=None):
    record = {"eventVersion": "1.09", "userIdentity": identity, "eventName": name,
              "eventSource": "sagemaker.amazonaws.com", "eventID": eid,
              "requestParameters": params}
    if error:
        record["errorCode"] = error
    return {"EventId": eid, "EventName": name, "EventTime": at, "ReadOnly": "false",
            "EventSource": "sagemaker.amazonaws.com", "Username": identity.get("userName", ""),
            "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint", "ResourceName": endpoint}],
            "CloudTrailEvent": json.dumps(record)}


def _lookups_of(moto_srv, endpoint, since=0):
    return [q for q in moto_srv.lookups()[since:]
            if q["LookupAttributes"] == [{"AttributeKey": "ResourceName",
                                          "AttributeValue": endpoint}]]


def test_sagemaker_changed_by_from_cloudtrail_then_incremental(moto_trail, tmp_path):
    now = time.time()  # after the seed: these are the newest events of their endpoints
    role = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:deploy-bot",
            "arn": "arn:aws:sts::123456789012:assumed-role/ci-deploy/deploy-bot"}
    carol = {"type": "IAMUser", "userName": "carol",
             "arn": "arn:aws:iam::123456789012:user/carol"}
    moto_trail.write_cloudtrail([
        _event("w-role", "UpdateEndpoint", "churn-prod", now + 0.25, role,
               {"EndpointName": "churn-prod", "EndpointConfigName": "churn-cfg"}),
        _event("w-carol", "UpdateEndpointWeightsAndCapacities", "fraud-live", now + 0.5, carol,
               {"EndpointName": "fraud-live",
                "DesiredWeightsAndCapacities": [{"VariantName": "canary", "DesiredWeight": 0}]}),
        # a failed call changed nothing: not the last change
        _event("w-fail", "UpdateEndpoint", "fraud-live", now + 0.75,
               {"type": "IAMUser", "userName": "mallory"},
               {"EndpointName": "fraud-live", "EndpointConfigName": "nope"},
               error="ValidationException"),
    ])
    mark = len(moto_trail.lookups())
    reqs = len(moto_trail.requests())
    eps = {e["name"]: e for e in _json(_sm(moto_trail, tmp_path, "--read-only", "get",
                                           "endpoints", "--json"))}
    churn, fraud = eps["churn-prod"], eps["fraud-live"]
    assert churn["changed_by"] == "deploy-bot (role ci-deploy)", churn
    assert churn["changed_source"] == "cloudtrail"
    assert churn["changed_at"] == pytest.approx((now + 0.25) * 1000, abs=1)
    assert churn["changed_what"] == "UpdateEndpoint config churn-cfg"
    assert fraud["changed_by"] == "carol", fraud
    assert fraud["changed_at"] == pytest.approx((now + 0.5) * 1000, abs=1)
    # read-only: the lookups went out, nothing that writes did
    assert moto_trail.mutations(reqs) == []
    first = _lookups_of(moto_trail, "churn-prod", mark)
    assert len(first) == 1, first
    assert first[0]["StartTime"] == pytest.approx(now - WEEK_S, abs=120)

    # the next refresh asks from the newest event kept; the trail has meanwhile lost the
    # written events, and the state file still names the actors
    moto_trail.write_cloudtrail([])
    mark = len(moto_trail.lookups())
    eps = {e["name"]: e for e in _json(_sm(moto_trail, tmp_path, "get", "endpoints", "--json"))}
    second = _lookups_of(moto_trail, "churn-prod", mark)
    assert len(second) == 1, second
    assert float(second[0]["StartTime"]) == pytest.approx(now + 0.25, abs=0.002)
    assert float(_lookups_of(moto_trail, "fraud-live", mark)[0]["StartTime"]) == \
        pytest.approx(now + 0.75, abs=0.002)
    assert eps["churn-prod"]["changed_by"] == "deploy-bot (role ci-deploy)"
    assert eps["fraud-live"]["changed_by"] == "carol"


# --- Azure ML: the Activity Log, then systemData ---------------------------------------------------


@pytest.fixture
def fake():
    with FakeAzure(page_size=2, lro_polls=1, lro_retry_after=0) as fa:
        yield fa


def _az(fake, tmp_path, run_mldeck, *args):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
        "      - name: azure\n        type: azureml\n"
        f"        url: {fake.url}\n        authority: {fake.url}\n"
        f"        subscription: {fake.subscription}\n"
        f"        resource_group: {fake.resource_group}\n"
        f"        workspace: {fake.workspace}\n")
    env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fake.tenant,
                            AZURE_CLIENT_ID=fake.client_id,
                            AZURE_CLIENT_SECRET=fake.client_secret)
    env["PATH"] = "/usr/bin:/bin"
    return run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", *args], env,
                      timeout=120)


def test_azure_activity_log_caller_then_system_data(fake, tmp_path, run_mldeck):
    first = _json(_az(fake, tmp_path, run_mldeck, "--read-only", "get", "endpoints", "--json"))
    names = [e["name"] for e in first]
    assert len(names) >= 2, first
    logged, plain = names[0], names[1]
    # nothing in the Activity Log yet: who the endpoint itself says modified it last
    by = {e["name"]: e for e in first}
    assert by[plain]["changed_by"] == "maria.lopez@contoso.com", by[plain]
    assert by[plain]["changed_source"] == "systemData"
    assert by[plain]["changed_at"] == by[plain]["updated"] > 0
    at = time.time() - 60  # newer than systemData's lastModifiedAt (an hour ago)
    rid = f"{fake.ws_id()}/onlineEndpoints/{logged}"
    write = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"
    with fake.lock:
        fake.activity.append(activity_event(rid, write, "Started", at - 5, "dev@contoso.com"))
        fake.activity.append(activity_event(rid, write, "Succeeded", at, "dev@contoso.com"))
        fake.activity.append(activity_event(rid, write, "Failed", at + 10, "eve@contoso.com",
                                            status_code="Conflict"))
        fake.activity.append(activity_event(rid, write, "Canceled", at + 20, "carl@contoso.com"))
    asked = len(fake.requests("GET", "eventtypes/management/values"))
    cp = _az(fake, tmp_path, run_mldeck, "--read-only", "get", "endpoints", "--json")
    by = {e["name"]: e for e in _json(cp)}
    assert by[logged]["changed_by"] == "dev@contoso.com", by[logged]
    assert by[logged]["changed_source"] == "activity-log"
    assert by[logged]["changed_at"] == pytest.approx(at * 1000, abs=1000)
    assert by[plain]["changed_source"] == "systemData"
    assert len(fake.requests("GET", "eventtypes/management/values")) > asked
    assert fake.mutations() == [], fake.mutations()


def test_sagemaker_change_made_by_mldeck_names_the_trail_actor_and_the_operator(moto_trail,
                                                                               tmp_path):
    """CloudTrail names the key mldeck signed with; the answer adds whose action it was."""
    name = "reco-batch"
    want = moto_trail.seed["endpoints"][name]
    _json(_sm(moto_trail, tmp_path, "get", "endpoints", "--json"))
    cp = _sm(moto_trail, tmp_path, "rollback", "endpoint", name, "--yes")
    assert cp.returncode == 0, describe(cp)
    try:
        audit = [e for e in _json(_sm(moto_trail, tmp_path, "get", "audit", "--json"))
                 if e["phase"] == "finished" and e["outcome"] == "ok"]
        me = audit[0]["who"]
        ep = {e["name"]: e for e in _json(_sm(moto_trail, tmp_path, "get", "endpoints",
                                              "--json"))}[name]
        assert ep["config"] == want["previous"]
        assert (ep["changed_by"], ep["changed_source"]) == (KEY_ID, "cloudtrail"), ep
        assert ep["changed_what"] == f"UpdateEndpoint config {want['previous']}, via mldeck by {me}"
        assert audit[0]["ts"] - 60000 <= ep["changed_at"] <= audit[0]["ts"]
    finally:
        cp = _sm(moto_trail, tmp_path, "rollback", "endpoint", name, "--to", want["current"],
                 "--yes")
        assert cp.returncode == 0, describe(cp)


def test_sagemaker_cloudtrail_refused_leaves_the_endpoints_and_says_unknown(moto_trail,
                                                                           tmp_path):
    """No cloudtrail:LookupEvents permission: the endpoints still list, and who changed them
    is "unknown" at the platform's LastModifiedTime, not an error and not a guess."""
    moto_trail.write_cloudtrail({"error": "AccessDeniedException",
                                 "message": "not authorized to perform cloudtrail:LookupEvents"})
    try:
        mark = len(moto_trail.lookups())
        reqs = len(moto_trail.requests())
        cp = _sm(moto_trail, tmp_path, "get", "endpoints", "--json")
        eps = {e["name"]: e for e in _json(cp)}
        assert len(_lookups_of(moto_trail, "churn-prod", mark)) == 1
        refused = [r["status"] for r in moto_trail.requests()[reqs:]
                   if r["action"] == "LookupEvents"]
        assert refused and set(refused) == {400}, refused
        churn = eps["churn-prod"]
        assert churn["changed_by"] == "unknown", churn
        assert churn["changed_source"] == "platform"
        assert churn["changed_at"] == churn["updated"] > 0
    finally:
        moto_trail.write_cloudtrail([])
