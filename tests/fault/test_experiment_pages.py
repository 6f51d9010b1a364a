"""Issue 10 defect 8: experiments past the first 5,000 are not dropped silently.

The fault proxy answers experiments/search with synthetic pages of a 10,000-experiment
server (built from the request's page token, in MLflow's reply shape; a real server with
10,000 experiments takes minutes to seed). Headless, `get experiments` lists all 10,000;
in the console the title says more are on the server, and scrolling or filtering loads
them."""

import json
import re
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from faultproxy import Fault  # noqa: E402
from servers import describe, run_mldeck  # noqa: E402
from tmuxterm import Deck  # noqa: E402

TOTAL = 10000
EXPERIMENTS = r"experiments/search"


def pages(obj, path, body):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    start = int(q.get("page_token", ["0"])[0] or 0)
    n = int(q["max_results"][0])
    exps = [{"experiment_id": str(100000 + k), "name": f"exp-{k:05d}",
             "artifact_location": f"mlflow-artifacts:/{100000 + k}", "lifecycle_stage": "active",
             "creation_time": 1796685713971 - k, "last_update_time": 1796685713971 - k,
             "tags": [], "workspace": "default"}
            for k in range(start, min(start + n, TOTAL))]
    out = {"experiments": exps}
    if start + n < TOTAL:
        out["next_page_token"] = str(start + n)
    return out


def searches(proxy):
    return [r for r in proxy.requests if "experiments/search" in r.path]


def test_get_experiments_lists_every_page(fault_mlflow, mlflow_env):
    before = len(searches(fault_mlflow.proxy))
    fault_mlflow.proxy.add(Fault("transform_request", path=EXPERIMENTS, fn=pages))
    cp = run_mldeck(["--state", mlflow_env["MLDECK_TEST_STATE"], "get", "experiments", "--json"],
                    mlflow_env)
    assert cp.returncode == 0, describe(cp)
    names = [e["name"] for e in json.loads(cp.stdout)]
    assert len(names) == TOTAL, f"{len(names)} of {TOTAL} experiments listed"
    assert names[0] == "exp-00000" and names[-1] == f"exp-{TOTAL - 1:05d}"
    assert len(searches(fault_mlflow.proxy)) - before == TOTAL // 1000


def test_console_says_more_and_loads_them(fault_mlflow, tmp_path):
    before = len(searches(fault_mlflow.proxy))
    fault_mlflow.proxy.add(Fault("transform_request", path=EXPERIMENTS, fn=pages))
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = d.start(cols=150, rows=40)
        t.wait_for("Overview")
        t.type(":experiments")
        t.send("Enter")
        # not "1/5000" and nothing else: the title says the server has more
        t.wait_for(re.compile(r"Experiments \(5000 loaded, more on scroll\)"), timeout=20)
        assert len(searches(fault_mlflow.proxy)) - before == 5
        t.send("End")
        t.wait_for(re.compile(r"Experiments \(6000 loaded, more on scroll\)"), timeout=15)
        # a filter for a row not loaded yet keeps loading until it is found
        t.send("/")
        t.type("exp-09999")
        t.wait_for(re.compile(r"exp-09999"), timeout=30)
        t.wait_for(re.compile(r"1/1\b"), timeout=10)
        screen = t.screen()
        assert "more on scroll" not in screen, screen
        assert len(searches(fault_mlflow.proxy)) - before == TOTAL // 1000
    finally:
        d.close()
