"""Drift data for the `make run` sandbox: a reference CSV and SageMaker Data Capture files
of the seeded endpoint churn-prod, so `:drift` and the Overview's DRIFT column show
something real.

    python tests/sandbox/drift_data.py OUT_DIR [--anchor EPOCH_S] [--hours 12] [--deployed 5]

Writes, under OUT_DIR:
  reference.csv                 5000 training rows: tenure_months, monthly_charges,
                                support_calls, plan, region, prediction
  capture/churn-prod/AllTraffic/YYYY/MM/DD/HH/capture-NN.jsonl
                                Data Capture lines (JSON payloads, eventMetadata.inferenceTime)
                                for every hour of the `hours` before the anchor
  constraint_violations.json    what a SageMaker Model Monitor run would report on the
                                drifted hours (the platform section of :drift)
  anchor                        the anchor used (epoch seconds)

The story: churn-xgb-v2 was deployed `deployed` hours before the anchor. Rows before it
come from the reference distributions; rows after it have higher monthly charges, more
"pro" plans and higher predicted churn, while tenure, support calls and region stay put.
Every value comes from one random.Random with a fixed seed, so the same anchor gives the
same files byte for byte; the anchor defaults to the current hour, so the windows are
recent when the sandbox is first started.
"""

import argparse
import datetime as dt
import json
import random
import time
from pathlib import Path

SEED = 20251201
ENDPOINT = "churn-prod"
VARIANT = "AllTraffic"
PLANS = ["basic", "pro", "team"]
REGIONS = ["eu", "us", "apac"]


def row(rnd, drifted):
    """One customer; after the deployment the charges, the plan mix and the score move."""
    tenure = max(0, int(rnd.expovariate(1 / 24)))
    charges = rnd.gauss(70, 18) * (1.18 if drifted else 1.0)
    calls = min(12, int(rnd.expovariate(1 / 1.5)))
    plan = rnd.choices(PLANS, weights=[2, 5, 3] if drifted else [5, 3, 2])[0]
    region = rnd.choices(REGIONS, weights=[4, 4, 2])[0]
    score = 1 / (1 + pow(2.718281828, -(-2.0 + 0.02 * charges - 0.03 * tenure + 0.3 * calls)))
    if drifted:
        score = min(0.999, score * 1.35)
    return {"tenure_months": tenure, "monthly_charges": round(charges, 2),
            "support_calls": calls, "plan": plan, "region": region,
            "prediction": round(score, 4)}


def capture_line(features, score, event_id, when):
    payload = {k: v for k, v in features.items() if k != "prediction"}
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                              "data": json.dumps(payload), "encoding": "JSON"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": json.dumps(score), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": event_id,
                          "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "eventVersion": "0",
    })


def generate(out, anchor, hours=12, deployed=5, ref_rows=5000, rows_per_hour=400):
    out = Path(out)
    rnd = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    cols = ["tenure_months", "monthly_charges", "support_calls", "plan", "region", "prediction"]
    with open(out / "reference.csv", "w") as f:
        f.write(",".join(cols) + "\n")
        for _ in range(ref_rows):
            r = row(rnd, False)
            f.write(",".join(str(r[c]) for c in cols) + "\n")
    start = anchor - hours * 3600
    deploy_at = anchor - deployed * 3600
    n = 0
    for h in range(hours):
        hour0 = start + h * 3600
        t = dt.datetime.fromtimestamp(hour0, dt.timezone.utc)
        d = out / "capture" / ENDPOINT / VARIANT / t.strftime("%Y/%m/%d/%H")
        d.mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(rows_per_hour):
            ts = hour0 + i * 3600 // rows_per_hour
            r = row(rnd, ts >= deploy_at)
            n += 1
            when = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
            lines.append(capture_line(r, r["prediction"], f"sandbox-{n:06d}", when))
        (d / f"capture-{h:02d}.jsonl").write_text("\n".join(lines) + "\n")
    violations = {"violations": [
        {"feature_name": "monthly_charges", "constraint_check_type": "baseline_drift_check",
         "description": "Baseline drift distance: 0.2734 exceeds threshold: 0.1"},
        {"feature_name": "plan", "constraint_check_type": "baseline_drift_check",
         "description": "Baseline drift distance: 0.2411 exceeds threshold: 0.1"},
    ]}
    (out / "constraint_violations.json").write_text(json.dumps(violations, indent=2) + "\n")
    (out / "anchor").write_text(f"{anchor}\n")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--anchor", type=int, help="epoch seconds (default: the current hour)")
    ap.add_argument("--hours", type=int, default=12)
    ap.add_argument("--deployed", type=int, default=5, help="hours before the anchor")
    a = ap.parse_args()
    anchor = a.anchor if a.anchor is not None else int(time.time()) // 3600 * 3600
    n = generate(a.out, anchor, a.hours, a.deployed)
    print(f"{n} captured requests over {a.hours} h in {a.out}; "
          f"churn-xgb-v2 deployed {a.deployed} h before {anchor}")


if __name__ == "__main__":
    main()
