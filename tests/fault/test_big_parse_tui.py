"""Issue 10 defect 5: a large reply is parsed off the loop thread, so keys stay answered.

The proxy answers runs/search with a valid ~30 MiB page of 1,000 runs (30 KiB each: 10
params, 10 metrics, 10 tags; under the runs/search cap of 1 MiB + 32 KiB a run). The
terminal is tall enough (520 rows) that the runs view asks for a page of 1,000 at once,
which is what lets that cap admit the page. While the page arrives, is parsed and lands,
and again on two refreshes (Ctrl-R), help is opened and closed over and over; the time
from each key to the screen answering it is measured (tmux send-keys to capture-pane).
Every key must be answered within LATENCY_MAX_S, and some must be answered while the view
still says it is loading; with the parse on the loop thread a key pressed during it waits
for the whole parse (~200 ms and more). The page is not cached: the state file stays small.
bigpage_proxy.py serves the page from its own
process, so the measuring loop here never waits on a proxy thread's interpreter lock.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "terminal"))
from tmuxterm import Deck  # noqa: E402

EXPERIMENT = "churn-prediction"
N_RUNS = 1000
ROWS = 520  # the runs view asks for two screens of rows: a page of 1,000
HELP = "Help: keys and commands"
# Through tmux on a shared 2-core machine the slowest of ~2,000 idle keys already takes
# 100-140 ms; a parse on the loop thread adds its whole length (measured 350-870 ms).
LATENCY_MAX_S = float(os.environ.get("MLDECK_KEY_LATENCY_MAX_S", "0.3"))


_OPEN = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def experiment_id(url, name):
    with _OPEN(f"{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}",
               timeout=10) as r:
        return json.load(r)["experiment"]["experiment_id"]


def big_page(experiment_id):
    """A valid runs/search reply of ~30 MiB, every run ~30 KiB."""
    runs = []
    for i in range(N_RUNS):
        rid = f"{i:032x}"
        runs.append({
            "info": {"run_id": rid, "run_uuid": rid, "experiment_id": experiment_id,
                     "run_name": f"big-{i:04d}", "status": "FINISHED",
                     "start_time": 1700000000000 + i, "end_time": 1700000100000 + i,
                     "artifact_uri": f"mlflow-artifacts:/{experiment_id}/{rid}/artifacts",
                     "lifecycle_stage": "active", "user_id": "bench"},
            "data": {
                "params": [{"key": f"p{k}", "value": f"{k}-" + "v" * 2600} for k in range(10)],
                "metrics": [{"key": f"m{k}", "value": k * 0.5 + i, "timestamp": 1700000000000,
                             "step": 0} for k in range(10)],
                "tags": [{"key": f"t{k}", "value": "t" * 300} for k in range(10)],
            },
        })
    return {"runs": runs}


def answered(t, key, shown, timeout=10.0):
    """Send `key`, poll until shown(screen); the seconds it took and the last screen."""
    t0 = time.perf_counter()
    t.tmux("send-keys", "-t", t.target, key)
    while True:
        screen = t.screen()
        took = time.perf_counter() - t0
        if shown(screen):
            return took, screen
        assert took < timeout, f"key {key!r} not answered in {timeout} s:\n{screen[:2000]}"


@pytest.fixture
def big_proxy(fault_mlflow, tmp_path):
    """bigpage_proxy.py in front of the server: (its URL, the runs/search log file)."""
    eid = experiment_id(fault_mlflow.direct, EXPERIMENT)
    text = json.dumps(big_page(eid))
    assert 28 << 20 < len(text) < 32 << 20, len(text)
    page_file, log_file = tmp_path / "page.json", tmp_path / "asks.log"
    page_file.write_text(text)
    p = subprocess.Popen([sys.executable, str(HERE / "bigpage_proxy.py"), fault_mlflow.direct,
                          eid, str(page_file), str(N_RUNS), str(log_file)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        url = p.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url, log_file
    finally:
        p.stdin.close()
        p.wait(timeout=10)


def test_keys_answered_while_a_30_mib_runs_page_is_parsed(big_proxy, tmp_path):
    url, log_file = big_proxy
    d = Deck(tmp_path, url)
    try:
        t = d.start(cols=100, rows=ROWS)
        t.wait_for("Overview", timeout=30)
        t.type(f":runs {EXPERIMENT}")
        t.send("Enter")
        lat, loading_lat = [], []
        deadline = time.perf_counter() + 60
        loaded = refreshes = 0
        while time.perf_counter() < deadline:
            took, screen = answered(t, "?", lambda s: HELP in s)
            lat.append(took)
            took2, screen = answered(t, "Escape", lambda s: HELP not in s)
            lat.append(took2)
            if "loading" in screen:
                loading_lat += [took, took2]
            if "big-0999" in screen:
                loaded += 1
                if loaded == 5 and refreshes < 2:  # answered for a while: load it again
                    refreshes += 1
                    loaded = 0
                    t.send("C-r")
                elif loaded == 5:
                    break
        asks = [json.loads(line) for line in log_file.read_text().splitlines() if line]
        big_asks = [a for a in asks if a.get("max_results") == N_RUNS]
        assert len(big_asks) >= 3, asks
        assert "big-0" in t.screen(), t.screen()[:2000]
        worst = max(lat)
        print(f"\nkeys: {len(lat)}, during loading: {len(loading_lat)}, worst {worst * 1000:.0f} ms,"
              f" worst while loading {max(loading_lat or [0]) * 1000:.0f} ms,"
              f" median {sorted(lat)[len(lat) // 2] * 1000:.0f} ms")
        assert loading_lat, "no key was pressed while the runs were loading"
        assert worst < LATENCY_MAX_S, (
            f"a key waited {worst * 1000:.0f} ms (limit {LATENCY_MAX_S * 1000:.0f} ms); "
            f"slowest: {[round(x * 1000) for x in sorted(lat)[-10:]]}")
    finally:
        d.close()
    # a 30 MiB page is not written into the state file (that write alone blocked the loop
    # for 0.4-0.6 s): the file and its WAL stay far below the page's size
    state = sum(p.stat().st_size for p in tmp_path.glob("state.db*"))
    assert state < 8 << 20, f"state file holds {state} bytes after a 30 MiB page"
