"""CHANGED BY on the Overview after an mldeck undo and a later alias move made outside mldeck
(issue 11: it showed mldeck's user and the undo's time, and kept doing so after a restart).
The move is made through MLflow's REST API, as the Python client sends it; the console
must say "unknown", dated "at most N ago" (the bracket's end), and say so again after a
restart; mldeck's own undo before it is still mldeck's.
"""

import json
import re
import sys
import time
from pathlib import Path

from tmuxterm import Deck

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from servers import describe, run_mldeck  # noqa: E402
from test_tui import alias_version, set_alias, start_on_overview  # noqa: E402

MODEL, ALIAS = "churn-classifier", "challenger"


def _row(screen, model, alias):
    for line in screen.splitlines():
        if re.search(rf"{model}\s+@{alias}\b", line):
            return line
    return ""


def test_alias_moved_outside_after_an_undo_is_unknown_on_the_overview(mldeck, mlflow_server,
                                                                      tmp_path):
    url = mlflow_server.url
    state = str(tmp_path / "state.db")
    env = mldeck.env()
    old = alias_version(url, MODEL, ALIAS)
    other = "1" if old != "1" else "2"

    def headless(*args):
        cp = run_mldeck(["--state", state, *args], env)
        assert cp.returncode == 0, describe(cp)
        return cp

    try:
        headless("get", "models")
        headless("rollback", "alias", MODEL, ALIAS, "--to", other, "--yes")
        headless("rollback", "alias", MODEL, ALIAS, "--yes")  # undo
        assert alias_version(url, MODEL, ALIAS) == old
        audit = json.loads(headless("get", "audit", "--json").stdout)
        who = next(e["who"] for e in audit if e["target"] == f"{MODEL}@{ALIAS}"
                   and e["phase"] == "finished" and e["outcome"] == "ok")
        t = start_on_overview(mldeck, state=state, cols=180)  # wide enough for BY
        # the undo is mldeck's own
        t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{old}\b.*\d+[smh] ago\s+"
                              rf"{re.escape(who[:8])}"))
        set_alias(url, MODEL, ALIAS, other)  # someone else, outside mldeck
        t.send("C-r")
        screen = t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{other}\b.*"
                                       r"(≤|<)\d+[smh] ago\s+unknown"))
        assert who[:8] not in _row(screen, MODEL, ALIAS), _row(screen, MODEL, ALIAS)
        t.send("q")
        assert t.wait_dead() == 0
        # a restart keeps the answer
        t = start_on_overview(mldeck, state=state, cols=180)
        screen = t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{other}\b.*"
                                       r"(≤|<)\d+[smh] ago\s+unknown"))
        assert who[:8] not in _row(screen, MODEL, ALIAS)
        t.send("q")
        assert t.wait_dead() == 0
    finally:
        set_alias(url, MODEL, ALIAS, old)


# --- SageMaker: CloudTrail's actor on the Overview and the endpoint screen -----------------------


def test_cloudtrail_actor_on_overview_and_endpoint_screen(tmp_path):
    """A read-only console: CloudTrail's assumed-role session is BY on the Overview, and the
    endpoint screen says when, by whom, from where and what."""
    region = "eu-west-1"
    with moto_launcher.MotoServer() as moto:
        seed_sagemaker.seed(moto.url, region)
        mark = len(moto.requests())
        at = time.time()
        ident = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:deploy-bot",
                 "arn": "arn:aws:sts::123456789012:assumed-role/ci-deploy/deploy-bot"}
        record = {"eventVersion": "1.09", "userIdentity": ident, "eventName": "UpdateEndpoint",
                  "eventSource": "sagemaker.amazonaws.com", "eventID": "tui-1",
                  "requestParameters": {"EndpointName": "churn-prod",
                                        "EndpointConfigName": "churn-cfg-from-ci"}}
        moto.write_cloudtrail([{
            "EventId": "tui-1", "EventName": "UpdateEndpoint", "EventTime": at,
            "EventSource": "sagemaker.amazonaws.com", "Username": "deploy-bot",
            "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint",
                           "ResourceName": "churn-prod"}],
            "CloudTrailEvent": json.dumps(record)}])
        cfg = tmp_path / "config.yaml"
        cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    read_only: true\n"
                       "    backends:\n      - name: sagemaker\n        type: sagemaker\n"
                       f"        url: {moto.url}\n        region: {region}\n")
        d = Deck(tmp_path, "http://127.0.0.1:9")
        try:
            t = d.start("--config", str(cfg), cols=180, rows=40,
                        env={"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                             "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"})
            t.wait_for("Overview")
            t.wait_for(re.compile(r"churn-prod\s+endpoint\b.*\d+[smh] ago\s+deploy-bot"),
                       timeout=30)
            t.type(":deploy churn-prod")
            t.send("Enter")
            t.wait_for(re.compile(r"changed \d\d:\d\d \(\d+[smh] ago\) by deploy-bot \(role "
                                  r"ci-deploy\) \(CloudTrail\): UpdateEndpoint config "
                                  r"churn-cfg-from-ci"), timeout=20)
            t.send("q")
            assert t.wait_dead() == 0
            assert moto.mutations(mark) == []  # read-only: the lookups are reads
        finally:
            d.close()
