"""Issue 10 defect 5: a reply is capped by what its request can legitimately return.

runs/search for a page of N runs may weigh N times a per-run budget plus an envelope; a
50 MB body (sent with its length, and chunked so the cap can only act while it arrives)
must fail naming the cap, with the mldeck process staying small and nothing cached. A page
answering 20,000 runs to a request for 1,000 is refused whole: no snapshot, state.db does
not grow."""

import copy
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from faultproxy import Fault
from servers import mldeck_path

RUNS = r"runs/search"
EXPERIMENT = "churn-prediction"
HUGE = 50 * 1024 * 1024


def huge_body():
    """A valid runs/search reply of ~50 MB: one run whose param is enormous."""
    pad = "x" * HUGE
    return ('{"runs":[{"info":{"run_id":"big","experiment_id":"1"},"data":{"params":'
            '[{"key":"blob","value":"' + pad + '"}]}}]}').encode()


def peak_rss_mib(args, env, tmp):
    """Run mldeck under /usr/bin/time; returns (returncode, stderr, peak RSS in MiB). Not
    wait4's rusage: Linux carries the forking parent's (pytest's) high-water mark into the
    child across exec."""
    rss_file = Path(tmp) / "rss.txt"
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), str(mldeck_path())]
                       + [str(a) for a in args], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    kib = int(rss_file.read_text().split()[-1])
    return p.returncode, p.stderr.decode(errors="replace"), kib / 1024.0


def snapshot_keys(state):
    if not Path(state).exists():
        return []
    db = sqlite3.connect(str(state))
    try:
        return [k for (k,) in db.execute("SELECT key FROM snapshot")]
    finally:
        db.close()


def get_runs(env):
    return ["--state", env["MLDECK_TEST_STATE"], "get", "runs", "--experiment", EXPERIMENT,
            "--json"]


@pytest.mark.parametrize("kind", ["replace_body", "chunked_body"])
def test_huge_runs_page_fails_at_its_cap(fault_mlflow, mlflow_env, kind, tmp_path):
    # a good run first: its cached runs page must outlive the huge reply
    rc, err, base_rss = peak_rss_mib(get_runs(mlflow_env), mlflow_env, tmp_path)
    assert rc == 0, err
    state = mlflow_env["MLDECK_TEST_STATE"]
    runs_keys = [k for k in snapshot_keys(state) if k.startswith("runs:")]
    assert runs_keys, "the good run did not cache its runs page"
    db = sqlite3.connect(state)
    before = db.execute("SELECT body FROM snapshot WHERE key = ?", (runs_keys[0],)).fetchone()
    db.close()

    fault_mlflow.proxy.add(Fault(kind, path=RUNS, body=huge_body()))
    rc, err, rss = peak_rss_mib(get_runs(mlflow_env), mlflow_env, tmp_path)
    assert rc != 0, err
    assert re.search(r"reply larger than [0-9.]+ MiB cap for runs/search \(page of \d+\)", err), err
    assert any(r.fault == kind for r in fault_mlflow.proxy.requests)
    # the cap for a CLI page (1000 runs) is ~32 MiB: buffered at worst, never parsed
    assert rss < base_rss + 48, f"peak RSS {rss:.0f} MiB (a good run: {base_rss:.0f} MiB)"
    db = sqlite3.connect(state)
    after = db.execute("SELECT body FROM snapshot WHERE key = ?", (runs_keys[0],)).fetchone()
    db.close()
    assert after == before, "the huge reply replaced the cached runs page"
    print(f"{kind}: peak RSS {rss:.1f} MiB (good run {base_rss:.1f} MiB)")


def test_page_with_more_runs_than_asked_is_refused(fault_mlflow, mlflow_env, tmp_path):
    state = mlflow_env["MLDECK_TEST_STATE"]
    rc, err, _ = peak_rss_mib(["--state", state, "get", "experiments"], mlflow_env, tmp_path)
    assert rc == 0, err
    size_before = os.path.getsize(state)

    def flood(obj):
        runs = obj.get("runs") or []
        assert runs, "the seeded experiment has runs to copy"
        out = []
        for i in range(20000):
            # real runs' info and metrics (their long hostile tags left out: the count is
            # what is tested here, and the page stays under its byte cap)
            src = runs[i % len(runs)]
            r = {"info": copy.deepcopy(src["info"]),
                 "data": {"metrics": src.get("data", {}).get("metrics", [])}}
            r["info"]["run_id"] = r["info"]["run_uuid"] = f"{i:032x}"
            out.append(r)
        return {"runs": out}

    fault_mlflow.proxy.add(Fault("transform", path=RUNS, fn=flood))
    rc, err, _ = peak_rss_mib(get_runs(mlflow_env), mlflow_env, tmp_path)
    assert rc != 0, err
    assert re.search(r"reply holds 20000 records for a page of \d+", err), err
    assert not [k for k in snapshot_keys(state) if k.startswith("runs:")], "the flood was cached"
    grown = os.path.getsize(state) - size_before
    assert grown < 256 * 1024, f"state.db grew by {grown} bytes"
