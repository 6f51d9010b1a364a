"""Issue 10 defect 4: a fetch that fails is not sent again every frame. The fault proxy
answers runs/search with a 400 for as long as the TUI runs; the requests it logs must be a
handful (2 s back-off doubling), not one per frame, and the header must name what failed."""

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from faultproxy import Fault  # noqa: E402
from tmuxterm import Deck  # noqa: E402

WINDOW_S = 10.0


def runs_searches(proxy):
    return [r for r in proxy.requests if "runs/search" in r.path]


def test_runs_search_400_is_backed_off_and_named_in_the_header(fault_mlflow, tmp_path):
    fp = fault_mlflow.proxy
    fp.add(Fault("status", path=r"runs/search", code=400,
                 headers={"Content-Type": "application/json"},
                 body='{"error_code": "INVALID_PARAMETER_VALUE", "message": "bad filter"}'))
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = d.start(cols=150, rows=40)
        t.wait_for("Overview")
        t.type(":runs churn-prediction")
        t.send("Enter")
        t.wait_for(re.compile(r"runs.*bad filter"), timeout=10)
        before = len(runs_searches(fp))
        # the window the back-off is measured over: frames keep asking meanwhile
        deadline = time.monotonic() + WINDOW_S
        while time.monotonic() < deadline:
            t.screen()
            time.sleep(0.5)
        sent = len(runs_searches(fp)) - before
        # 2 s doubling: at most ~3 retries in 10 s; without back-off this was hundreds
        assert sent <= 5, f"{sent} runs/search requests in {WINDOW_S} s"
        assert re.search(r"runs.*bad filter", t.screen())
    finally:
        d.close()

