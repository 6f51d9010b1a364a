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



# --- SageMaker: GetMetricData refused ------------------------------------------------------------

HEALTH_403 = ('{"__type": "AccessDeniedException", "message": "User: '
              'arn:aws:iam::123456789012:user/ci is not authorized to perform: '
              'cloudwatch:GetMetricData"}')


def metric_calls(proxy):
    # CloudWatch's JSON 1.0 target: GraniteServiceVersion20100801.GetMetricData
    return [r for r in proxy.requests
            if any(k.lower() == "x-amz-target" and v.endswith(".GetMetricData")
                   for k, v in r.headers.items())]


def sagemaker_deck(fault_moto, tmp_path):
    fault_moto.proxy.add(Fault("status", method="POST", code=403,
                               when_header=("X-Amz-Target", r"\.GetMetricData$"),
                               headers={"Content-Type": "application/x-amz-json-1.0"},
                               body=HEALTH_403))
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {fault_moto.url}\n        region: eu-west-1\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    t = d.start("--config", str(cfg), env=fault_moto.env, cols=170, rows=40)
    return d, t


def endpoint_row(screen, name):
    return next((ln for ln in screen.split("\n") if re.search(rf"\b{name}\s+endpoint\b", ln)), "")


def test_get_metric_data_403_is_backed_off_on_the_endpoint_screen(fault_moto, tmp_path):
    d, t = sagemaker_deck(fault_moto, tmp_path)
    try:
        t.wait_for("Overview: deployed versions")
        t.wait_for(lambda s: endpoint_row(s, "churn-prod"), timeout=30)
        t.type(":endpoints churn-prod")
        t.send("Enter")
        t.wait_for("INVOCATIONS", timeout=10)
        t.wait_for(lambda s: metric_calls(fault_moto.proxy), timeout=10)
        before = len(metric_calls(fault_moto.proxy))
        deadline = time.monotonic() + WINDOW_S
        while time.monotonic() < deadline:
            t.screen()
            time.sleep(0.5)
        sent = len(metric_calls(fault_moto.proxy)) - before
        assert sent <= 5, f"{sent} GetMetricData requests in {WINDOW_S} s"
    finally:
        d.close()


def test_get_metric_data_403_is_named_in_the_header_and_marked_in_the_cells(fault_moto,
                                                                            tmp_path):
    d, t = sagemaker_deck(fault_moto, tmp_path)
    try:
        t.wait_for("Overview: deployed versions")
        header = re.compile(r"sagemaker: cannot get health of endpoint .*access denied")
        t.wait_for(lambda s: header.search(s.split("\n")[0]), timeout=30)
        # a refresh lists the endpoints again (a success): the failing health stays named
        t.send("C-r")
        time.sleep(3)
        screen = t.wait_for(lambda s: header.search(s.split("\n")[0]), timeout=5)
        for name in ("churn-prod", "fraud-live", "reco-batch"):
            row = endpoint_row(screen, name)
            assert row and "..." not in row and "error" in row, row
    finally:
        d.close()
