#!/usr/bin/env python3
"""`make bench`: peak RSS and time to parse a 10,000-run runs/search page.

The page (10 params, 10 metrics, 10 tags per run, ~15 MB) is generated here, with a fixed
seed, into build/bench/; no server is involved. Three parsers read the same file, each in a
fresh process, parsing it BENCH_PARSE_REPEAT times (default 7):

    mldeck (after)   build/bench/bench_parse: the backend's parse slot, field validation on
    mldeck (before)  build/bench/bench_parse_nocheck: the same with mlflow_check.c stubbed out
    MLflow client    tests/bench/parse_mlflow_client.py: json.loads + parse_dict into
                     SearchRuns.Response + Run.from_proto per run, as its REST store does

Reported: median parse time, and peak RSS (KiB) of the process and what the parse added to
it (peak after the first parse minus the peak before it), then the client's figures as
multiples of mldeck's. Results: stdout and build/bench/parse.md.
"""

import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
N_RUNS = int(os.environ.get("BENCH_PARSE_RUNS", "10000"))
REPEAT = int(os.environ.get("BENCH_PARSE_REPEAT", "7"))
BIN = Path(os.environ.get("BENCH_BIN", REPO / "build" / "bench"))
OUT = REPO / "build" / "bench"


def page(n):
    rnd = random.Random(10)
    runs = []
    for i in range(n):
        rid = f"{rnd.getrandbits(128):032x}"
        t = 1_700_000_000_000 + i * 1000
        runs.append({
            "info": {"run_id": rid, "run_uuid": rid, "experiment_id": "1",
                     "run_name": f"run-{i:05d}", "user_id": "bench", "status": "FINISHED",
                     "start_time": t, "end_time": t + 60_000,
                     "artifact_uri": f"mlflow-artifacts:/1/{rid}/artifacts",
                     "lifecycle_stage": "active"},
            "data": {
                "metrics": [{"key": f"metric_{k}", "value": rnd.random(), "timestamp": t,
                             "step": k} for k in range(10)],
                "params": [{"key": f"param_{k}", "value": str(rnd.randint(0, 10**6))}
                           for k in range(10)],
                "tags": [{"key": f"tag_{k}", "value": f"value-{rnd.randint(0, 999)}"}
                         for k in range(10)],
            },
            "inputs": {},
        })
    return {"runs": runs, "next_page_token": "bench-next"}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    f = OUT / f"runs-page-{N_RUNS}.json"
    if not f.exists():
        f.write_text(json.dumps(page(N_RUNS)))
    venv_py = REPO / ".venv" / "bin" / "python"
    py = str(venv_py) if venv_py.exists() else sys.executable
    tools = [
        ("mldeck (after: validated)", [BIN / "bench_parse", f, REPEAT]),
        ("mldeck (before: no validation)", [BIN / "bench_parse_nocheck", f, REPEAT]),
        ("MLflow Python client", [py, HERE / "parse_mlflow_client.py", f, REPEAT]),
    ]
    res = {}
    for name, cmd in tools:
        r = run([str(c) for c in cmd])
        if r["runs"] != N_RUNS:
            sys.exit(f"{name} parsed {r['runs']} runs, not {N_RUNS}")
        r["median_ms"] = statistics.median(r["times_ms"])
        r["parse_kib"] = r["rss_peak_kib"] - r["rss_before_kib"]
        res[name] = r
    after, before, client = (res[n] for n, _ in tools)
    size_mb = after["bytes"] / 1e6
    lines = [
        f"## Parse a {N_RUNS:,}-run runs/search page ({size_mb:.1f} MB; 10 params, 10 metrics,"
        f" 10 tags per run), median of {REPEAT}",
        "",
        "| parser | time (median) | fastest | peak RSS | RSS added by the parse | time vs mldeck |"
        " added RSS vs mldeck |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in res.items():
        lines.append(
            f"| {name} | {r['median_ms']:.0f} ms | {min(r['times_ms']):.0f} ms |"
            f" {r['rss_peak_kib'] / 1024:.0f} MiB |"
            f" {r['parse_kib'] / 1024:.0f} MiB | {r['median_ms'] / after['median_ms']:.2f}x |"
            f" {r['parse_kib'] / max(after['parse_kib'], 1):.2f}x |")
    lines += [
        "",
        f"Validation costs {after['median_ms'] - before['median_ms']:.0f} ms"
        f" ({(after['median_ms'] / before['median_ms'] - 1) * 100:+.0f} %) per page;"
        f" the MLflow client takes {client['median_ms'] / after['median_ms']:.1f}x mldeck's time"
        f" and adds {client['parse_kib'] / max(after['parse_kib'], 1):.1f}x its memory.",
    ]
    text = "\n".join(lines)
    print(text)
    (OUT / "parse.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
