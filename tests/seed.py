"""Deterministic test data for an MLflow tracking server, written through the server.

    seed_demo(uri)      four realistic experiments (~300 runs), three registered models
                        with versions and champion/challenger aliases, one prompt
    seed_hostile(uri)   a model, experiment and run whose names hold ESC / C1 sequences
    seed_bulk(uri, experiment_name, n_runs, n_params=10, n_metrics=10)
                        many plain runs, fast (REST, concurrent requests)

Every function returns a summary dict (JSON-serialisable). Values come from a
fixed random seed; only ids and server-side timestamps differ between runs.

Command line:  python tests/seed.py demo|hostile|bulk URI [--runs N] [--experiment NAME]
"""

import argparse
import json
import math
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

SEED = 20261126
USERS = ["alice", "bob", "chen.wei", "dana", "emeka", "farah", "gustavo", "hana"]
PROMPT_MODEL = "support-reply-prompt"

HOSTILE_MODEL = "\x1b[2J\x1b[31mEVIL\x1b[0m-model\u009b31m"
HOSTILE_DESCRIPTION = ("title \x1b]0;pwned\x07 bell \x07 csi \x1b[5m blink "
                       "c1 \u009b2J \u0085 nel \u0090dcs\u009c end")
HOSTILE_EXPERIMENT = "hostile-\x1b[41mEVIL\x1b[0m\u009b7m-exp"
HOSTILE_RUN = "run-\x1b[2J\x1b[HEVIL\u0085"


# --- a small REST client (thread-local sessions) -----------------------------------------------


class Rest:
    """POST/GET JSON to /api/2.0/mlflow with one keep-alive session per thread."""

    def __init__(self, uri, auth=None):
        self.base = uri.rstrip("/") + "/api/2.0/mlflow"
        self.auth = auth
        self._local = threading.local()

    def _session(self):
        s = getattr(self._local, "s", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False  # loopback: no proxies, no netrc from the environment
            if self.auth:
                s.auth = self.auth
            a = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=2)
            s.mount("http://", a)
            self._local.s = s
        return s

    def call(self, method, path, body=None, params=None, tries=5):
        for attempt in range(tries):
            try:
                r = self._session().request(method, self.base + path, json=body, params=params,
                                            timeout=120)
            except requests.ConnectionError:
                if attempt == tries - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code in (429, 500, 502, 503, 504) and attempt < tries - 1:
                # sqlite "database is locked" under concurrency shows up as a 500
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code != 200:
                raise RuntimeError(f"{method} {path} -> HTTP {r.status_code}: {r.text[:500]}")
            return r.json() if r.content else {}
        raise AssertionError("unreachable")

    def post(self, path, body):
        return self.call("POST", path, body)

    def get(self, path, **params):
        return self.call("GET", path, params=params)


def _tags(d):
    return [{"key": k, "value": str(v)} for k, v in d.items()]


def _metric_json(key, value, ts, step):
    # the REST API takes non-finite values as the strings NaN / Infinity / -Infinity
    if math.isnan(value):
        v = "NaN"
    elif math.isinf(value):
        v = "Infinity" if value > 0 else "-Infinity"
    else:
        v = value
    return {"key": key, "value": v, "timestamp": int(ts), "step": int(step)}


def _get_or_create_experiment(rest, name, tags=None):
    try:
        return rest.post("/experiments/create", {"name": name, "tags": _tags(tags or {})})[
            "experiment_id"]
    except RuntimeError as e:
        if "RESOURCE_ALREADY_EXISTS" not in str(e):
            raise
        return rest.get("/experiments/get-by-name", experiment_name=name)["experiment"][
            "experiment_id"]


def _create_run(rest, exp_id, spec):
    """spec: name, start, end, status, user, params, metrics [(k, v, ts, step)], tags,
    inputs [(name, digest, source_type, source, context)]. Returns the run id."""
    tags = {"mlflow.user": spec["user"]}
    tags.update(spec.get("tags", {}))
    run = rest.post("/runs/create", {
        "experiment_id": exp_id, "run_name": spec["name"], "start_time": spec["start"],
        "tags": _tags(tags)})["run"]
    rid = run["info"]["run_id"]
    params = [{"key": k, "value": str(v)} for k, v in spec.get("params", {}).items()]
    metrics = [_metric_json(*m) for m in spec.get("metrics", [])]
    # log-batch limits: 1000 items in all, 100 params, 1000 metrics
    while params or metrics:
        p, params = params[:100], params[100:]
        room = 1000 - len(p)
        m, metrics = metrics[:room], metrics[room:]
        rest.post("/runs/log-batch", {"run_id": rid, "params": p, "metrics": m, "tags": []})
    if spec.get("inputs"):
        datasets = []
        for (name, digest, stype, source, context) in spec["inputs"]:
            datasets.append({
                "tags": [{"key": "mlflow.data.context", "value": context}],
                "dataset": {"name": name, "digest": digest, "source_type": stype,
                            "source": json.dumps({"uri": source})}})
        rest.post("/runs/log-inputs", {"run_id": rid, "datasets": datasets})
    if spec["status"] != "RUNNING":
        body = {"run_id": rid, "status": spec["status"]}
        if spec.get("end"):
            body["end_time"] = spec["end"]
        rest.post("/runs/update", body)
    return rid


# --- the demo data set ------------------------------------------------------------------------------

_ADJ = ["brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lively", "merry",
        "nimble", "proud", "quick", "silly", "witty", "zesty", "bold", "sunny", "vivid", "wise"]
_ANIMAL = ["otter", "lynx", "heron", "panda", "koala", "bison", "gecko", "moose", "raven", "shark",
           "tapir", "yak", "zebra", "finch", "hound", "ibis", "lemur", "mole", "newt", "wasp"]

_EXPERIMENTS = [
    {
        "name": "churn-prediction", "runs": 96,
        "tags": {"team": "growth", "owner": "alice", "mlflow.note.content":
                 "Monthly churn classifier for the subscription product."},
        "model_family": ["xgboost", "lightgbm", "logreg"],
        "params": {
            "model_type": lambda r, fam: fam,
            "learning_rate": lambda r, fam: r.choice(["0.01", "0.03", "0.05", "0.1", "0.2"]),
            "max_depth": lambda r, fam: str(r.choice([3, 4, 6, 8, 10])),
            "n_estimators": lambda r, fam: str(r.choice([100, 200, 400, 800])),
            "subsample": lambda r, fam: r.choice(["0.6", "0.8", "1.0"]),
            "class_weight": lambda r, fam: r.choice(["balanced", "none"]),
            "feature_set": lambda r, fam: r.choice(["v3", "v4", "v4-lean"]),
            "seed": lambda r, fam: str(r.randint(0, 9999)),
        },
        "metrics": [("train_loss", "down", 0.65, 0.18), ("val_loss", "down", 0.68, 0.27),
                    ("val_auc", "up", 0.62, 0.91), ("val_f1", "up", 0.40, 0.74),
                    ("val_precision", "up", 0.45, 0.79), ("val_recall", "up", 0.35, 0.71)],
        "datasets": [("churn-train", "s3", "s3://ml-data/churn/2026-10/train.parquet", "training"),
                     ("churn-val", "s3", "s3://ml-data/churn/2026-10/val.parquet", "validation")],
    },
    {
        "name": "fraud-detection", "runs": 84,
        "tags": {"team": "risk", "owner": "emeka", "pii": "masked"},
        "model_family": ["gbdt", "mlp", "isolation-forest"],
        "params": {
            "model_type": lambda r, fam: fam,
            "learning_rate": lambda r, fam: r.choice(["0.001", "0.005", "0.01", "0.05"]),
            "batch_size": lambda r, fam: str(r.choice([256, 512, 1024, 2048])),
            "epochs": lambda r, fam: str(r.choice([10, 20, 40])),
            "dropout": lambda r, fam: r.choice(["0.0", "0.1", "0.2", "0.3"]),
            "threshold": lambda r, fam: r.choice(["0.35", "0.5", "0.65"]),
            "neg_sampling": lambda r, fam: r.choice(["1:10", "1:20", "1:50"]),
            "window_days": lambda r, fam: str(r.choice([7, 14, 30])),
            "optimizer": lambda r, fam: r.choice(["adam", "adamw", "sgd"]),
            "seed": lambda r, fam: str(r.randint(0, 9999)),
        },
        "metrics": [("train_loss", "down", 0.9, 0.05), ("val_loss", "down", 0.95, 0.09),
                    ("val_pr_auc", "up", 0.20, 0.83), ("val_recall_at_1pct_fpr", "up", 0.1, 0.66),
                    ("val_precision", "up", 0.3, 0.92), ("grad_norm", "down", 8.0, 0.4),
                    ("latency_p99_ms", "down", 40.0, 11.0), ("throughput_rps", "up", 900, 4200)],
        "datasets": [("transactions-train", "s3",
                      "s3://ml-data/fraud/transactions/2026-09/train/", "training"),
                     ("transactions-val", "s3",
                      "s3://ml-data/fraud/transactions/2026-09/val/", "validation"),
                     ("chargebacks-holdout", "http",
                      "https://data.internal.example.com/fraud/holdout.csv", "test")],
    },
    {
        "name": "demand-forecast", "runs": 72,
        "tags": {"team": "supply-chain", "owner": "farah", "horizon": "28d"},
        "model_family": ["prophet", "deepar", "lightgbm"],
        "params": {
            "model_type": lambda r, fam: fam,
            "horizon_days": lambda r, fam: str(r.choice([7, 14, 28])),
            "context_length": lambda r, fam: str(r.choice([56, 84, 112])),
            "seasonality": lambda r, fam: r.choice(["weekly", "weekly+yearly", "none"]),
            "holidays": lambda r, fam: r.choice(["us", "us+eu", "none"]),
            "learning_rate": lambda r, fam: r.choice(["0.001", "0.003", "0.01"]),
            "stores": lambda r, fam: r.choice(["all", "top-500", "eu-only"]),
        },
        "metrics": [("train_mape", "down", 0.42, 0.08), ("val_mape", "down", 0.45, 0.12),
                    ("val_rmse", "down", 310.0, 88.0), ("val_wql", "down", 0.30, 0.09),
                    ("bias", "down", 0.2, 0.01)],
        "datasets": [("sales-daily", "local", "/data/forecast/sales_daily.csv", "training"),
                     ("sales-holdout", "local", "/data/forecast/sales_holdout.csv", "validation")],
    },
    {
        "name": "search-ranking", "runs": 60,
        "tags": {"team": "search", "owner": "chen.wei"},
        "model_family": ["lambdamart", "two-tower", "cross-encoder"],
        "params": {
            "model_type": lambda r, fam: fam,
            "learning_rate": lambda r, fam: r.choice(["0.02", "0.05", "0.1"]),
            "num_leaves": lambda r, fam: str(r.choice([31, 63, 127])),
            "embedding_dim": lambda r, fam: str(r.choice([64, 128, 256])),
            "negatives": lambda r, fam: str(r.choice([4, 8, 16])),
            "query_set": lambda r, fam: r.choice(["2026-q3", "2026-q4"]),
            "label_gain": lambda r, fam: r.choice(["0,1,3,7,15", "0,1,2,3,4"]),
            "truncation": lambda r, fam: str(r.choice([10, 20, 50])),
            "seed": lambda r, fam: str(r.randint(0, 9999)),
        },
        "metrics": [("train_loss", "down", 1.2, 0.31), ("val_ndcg_at_10", "up", 0.31, 0.58),
                    ("val_mrr", "up", 0.28, 0.52), ("val_recall_at_100", "up", 0.61, 0.93),
                    ("val_loss", "down", 1.25, 0.40), ("serving_ms", "down", 22.0, 9.0),
                    ("val_map", "up", 0.22, 0.47)],
        "datasets": [("clicks-train", "delta_table", "dbfs:/ranking/clicks_train", "training"),
                     ("clicks-val", "delta_table", "dbfs:/ranking/clicks_val", "validation")],
    },
]


def _curve(r, direction, start, end, n, quality):
    """A noisy learning curve of n points from ~start toward ~end (scaled by quality)."""
    target = start + (end - start) * quality
    out = []
    rate = r.uniform(3.0, 7.0)
    noise = abs(start - end) * 0.02
    for i in range(n):
        frac = 1.0 - math.exp(-rate * i / max(1, n - 1))
        v = start + (target - start) * frac + r.gauss(0, noise)
        out.append(round(v, 6))
    return out


def _demo_run_specs(r, exp, now_ms):
    specs = []
    n = exp["runs"]
    for i in range(n):
        fam = r.choice(exp["model_family"])
        name = f"{r.choice(_ADJ)}-{r.choice(_ANIMAL)}-{i + 1:03d}"
        # oldest first: run i starts somewhere in the last 30 days, increasing with i
        age_ms = int((n - i) * (30 * 86400_000 / n) - r.randint(0, 3600_000))
        start = now_ms - max(age_ms, 60_000)
        roll = r.random()
        if i >= n - 2:
            status = "RUNNING"  # the newest two are still training
            start = now_ms - r.randint(5, 50) * 60_000
        elif roll < 0.07:
            status = "FAILED"
        elif roll < 0.10:
            status = "KILLED"
        else:
            status = "FINISHED"
        steps = r.randint(20, 100)
        if status == "RUNNING":
            steps = r.randint(20, 40)
        quality = r.uniform(0.55, 1.0)
        params = {k: gen(r, fam) for k, gen in exp["params"].items()}
        metrics = []
        step_ms = r.randint(5_000, 60_000)
        n_keys = len(exp["metrics"])
        for (key, direction, start_v, end_v) in exp["metrics"]:
            k_steps = steps if status != "FAILED" else max(20, steps // 2)
            vals = _curve(r, direction, start_v, end_v, k_steps, quality)
            for s, v in enumerate(vals):
                metrics.append((key, v, start + (s + 1) * step_ms, s))
        last_ts = start + (steps + 1) * step_ms
        end = None if status == "RUNNING" else last_ts + r.randint(1_000, 30_000)
        tags = {
            "mlflow.source.name": r.choice(["train.py", "pipelines/train.py", "notebooks/exp.ipynb"]),
            "mlflow.source.type": r.choice(["LOCAL", "JOB", "NOTEBOOK"]),
            "mlflow.source.git.commit": "%040x" % r.getrandbits(160),
            "mlflow.source.git.branch": r.choice(["main", "main", "feat/features-v4", "exp/lr"]),
            "team": exp["tags"]["team"],
        }
        if r.random() < 0.15:
            tags["mlflow.note.content"] = r.choice([
                "Baseline with last quarter's features.", "Retrained after the schema change.",
                "Sweep over learning rate; see the dashboard.", "Candidate for promotion."])
        if status == "FAILED":
            tags["failure_reason"] = r.choice(["OOM on worker 3", "NaN loss at step 17",
                                               "spot instance reclaimed"])
        inputs = []
        for (dname, stype, source, context) in exp["datasets"]:
            digest = "%08x" % r.getrandbits(32)
            inputs.append((dname, digest, stype, source, context))
        specs.append({"name": name, "start": start, "end": end, "status": status,
                      "user": r.choice(USERS), "params": params, "metrics": metrics,
                      "tags": tags, "inputs": inputs, "_quality": quality,
                      "_n_metric_keys": n_keys})
    return specs


_MODELS = [
    # model name, source experiment, n versions, champion, challenger, description, tags
    ("churn-classifier", "churn-prediction", 4, "3", "4",
     "Predicts 30-day churn for subscribers. Owner: growth team.",
     {"team": "growth", "task": "classification"}),
    ("fraud-detector", "fraud-detection", 5, "4", "5",
     "Card-not-present fraud scoring, served behind the payments API.",
     {"team": "risk", "task": "classification", "tier": "1"}),
    ("demand-forecaster", "demand-forecast", 3, "2", "3",
     "Daily demand per store and SKU, 28-day horizon.",
     {"team": "supply-chain", "task": "forecasting"}),
]


def seed_demo(uri, now_ms=None, seed=SEED, workers=6, auth=None):
    """The realistic demo data set. Returns a summary dict."""
    rest = Rest(uri, auth=auth)
    r = random.Random(seed)
    if now_ms is None:
        now_ms = int(time.time() // 60 * 60 * 1000)
    summary = {"uri": uri, "experiments": {}, "runs": {}, "run_count": 0, "models": [],
               "aliases": {}, "versions": {}, "prompts": [PROMPT_MODEL], "run_ids": {},
               "non_finite": {}}

    exp_ids = {}
    all_specs = []
    for exp in _EXPERIMENTS:
        eid = _get_or_create_experiment(rest, exp["name"], exp["tags"])
        exp_ids[exp["name"]] = eid
        specs = _demo_run_specs(r, exp, now_ms)
        for s in specs:
            all_specs.append((exp["name"], eid, s))

    # Non-finite metric values on two fraud-detection runs (a diverged run and a blown-up
    # gradient). NaN comes back as the string "NaN"; +-inf are clamped by the server.
    fraud = [s for (en, _, s) in all_specs if en == "fraud-detection" and s["status"] == "FAILED"]
    fin = [s for (en, _, s) in all_specs if en == "fraud-detection" and s["status"] == "FINISHED"]
    nonfinite_specs = []
    if fraud:
        s = fraud[0]
        last = max(m[2] for m in s["metrics"])
        step = max(m[3] for m in s["metrics"]) + 1
        s["metrics"].append(("train_loss", float("nan"), last + 1000, step))
        s["metrics"].append(("grad_norm", float("inf"), last + 1000, step))
        nonfinite_specs.append(s)
    if fin:
        s = fin[0]
        last = max(m[2] for m in s["metrics"])
        s["metrics"].append(("calibration_log_ratio", float("-inf"), last + 1000, 0))
        nonfinite_specs.append(s)

    def make(item):
        en, eid, spec = item
        return en, spec, _create_run(rest, eid, spec)

    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(ex.map(make, all_specs))

    best = {}  # experiment -> specs sorted by quality, for model versions
    for en, spec, rid in results:
        spec["_id"] = rid
        summary["runs"][en] = summary["runs"].get(en, 0) + 1
        summary["run_ids"].setdefault(en, []).append(rid)
        if spec["status"] == "FINISHED":
            best.setdefault(en, []).append(spec)
    # What the server holds: NaN stays NaN (served as the string "NaN"); the SQL store
    # clamps +-inf to +-DBL_MAX (1.7976931348623157e308) before storing it.
    for s in nonfinite_specs:
        summary["non_finite"][s["_id"]] = {
            m[0]: ("NaN" if math.isnan(m[1]) else (1.7976931348623157e308 if m[1] > 0
                                                    else -1.7976931348623157e308))
            for m in s["metrics"] if not math.isfinite(m[1])}
    summary["experiments"] = exp_ids
    summary["run_count"] = sum(summary["runs"].values())

    # Registered models: versions from the best finished runs, oldest first.
    for (mname, en, nver, champ, chall, desc, mtags) in _MODELS:
        rest.post("/registered-models/create",
                  {"name": mname, "description": desc, "tags": _tags(mtags)})
        cands = sorted(best[en], key=lambda s: -s["_quality"])[:nver]
        cands.sort(key=lambda s: s["start"])
        for vi, spec in enumerate(cands, start=1):
            mv = rest.post("/model-versions/create", {
                "name": mname, "source": f"runs:/{spec['_id']}/model", "run_id": spec["_id"],
                "description": f"v{vi}: {spec['params'].get('model_type', '')} "
                               f"trained by {spec['user']}",
                "tags": _tags({"validation_status": "approved" if vi < nver else "pending",
                               "git_commit": spec["tags"]["mlflow.source.git.commit"][:12]}),
            })["model_version"]
            assert mv["version"] == str(vi), mv
        rest.post("/registered-models/alias", {"name": mname, "alias": "champion",
                                               "version": champ})
        rest.post("/registered-models/alias", {"name": mname, "alias": "challenger",
                                               "version": chall})
        summary["models"].append(mname)
        summary["versions"][mname] = nver
        summary["aliases"][mname] = {"champion": champ, "challenger": chall}

    # Legacy stages on one model, so the stage column has values.
    for v, stage in (("1", "Archived"), ("2", "Production"), ("3", "Staging")):
        rest.post("/model-versions/transition-stage",
                  {"name": "demand-forecaster", "version": v, "stage": stage,
                   "archive_existing_versions": False})

    # A prompt: a registered model tagged mlflow.prompt.is_prompt=true. Must not show up.
    rest.post("/registered-models/create", {
        "name": PROMPT_MODEL, "description": "Reply template for support tickets",
        "tags": _tags({"mlflow.prompt.is_prompt": "true"})})
    try:
        rest.post("/model-versions/create", {
            "name": PROMPT_MODEL, "source": "dummy-source",
            "tags": _tags({"mlflow.prompt.is_prompt": "true",
                           "mlflow.prompt.text": "Dear {{name}}, thanks for writing."})})
    except RuntimeError:
        pass  # the prompt model alone is enough for the exclusion test
    return summary


def seed_hostile(uri, auth=None):
    """Names and texts carrying terminal escape sequences and C1 controls."""
    rest = Rest(uri, auth=auth)
    rest.post("/registered-models/create", {
        "name": HOSTILE_MODEL, "description": HOSTILE_DESCRIPTION,
        "tags": _tags({"note": "value \x1b[2J\u009b1m"})})
    eid = _get_or_create_experiment(rest, HOSTILE_EXPERIMENT,
                                    {"owner": "mallory\x1b[8m", "desc": HOSTILE_DESCRIPTION})
    now = int(time.time() * 1000)
    rid = _create_run(rest, eid, {
        "name": HOSTILE_RUN, "start": now - 600_000, "end": now - 60_000, "status": "FINISHED",
        "user": "mallory\x1b]0;pwned\x07",
        "params": {"cmd": "rm -rf /\x1b[8m hidden", "c1": "\u009b31mred\u0085"},
        "metrics": [("loss", 0.5, now - 120_000, 0)],
        "tags": {"mlflow.note.content": HOSTILE_DESCRIPTION},
        "inputs": [("data\x1b[1mset", "dead\x1bbeef", "s3", "s3://bucket/\x1b[2Jx.csv",
                    "training")],
    })
    mv = rest.post("/model-versions/create", {
        "name": HOSTILE_MODEL, "source": f"runs:/{rid}/model", "run_id": rid,
        "description": HOSTILE_DESCRIPTION})["model_version"]
    rest.post("/registered-models/alias", {"name": HOSTILE_MODEL, "alias": "champion",
                                           "version": mv["version"]})
    return {"hostile_model": HOSTILE_MODEL, "hostile_experiment": HOSTILE_EXPERIMENT,
            "hostile_experiment_id": eid, "hostile_run_id": rid, "hostile_run": HOSTILE_RUN}


def seed_bulk(uri, experiment_name="bulk", n_runs=10_000, n_params=10, n_metrics=10,
              workers=8, seed=SEED, auth=None, progress=False):
    """Many plain runs in one experiment, fast: three REST requests per run
    (create, log-batch, update), `workers` at a time."""
    rest = Rest(uri, auth=auth)
    eid = _get_or_create_experiment(rest, experiment_name, {"purpose": "bulk"})
    base = int(time.time() // 60 * 60 * 1000) - n_runs * 1000 - 86400_000

    def make(i):
        r = random.Random(seed * 1_000_003 + i)
        start = base + i * 1000  # distinct start times: a stable order
        spec = {
            "name": f"bulk-{i:06d}", "start": start, "end": start + 500,
            "status": "FINISHED", "user": USERS[i % len(USERS)],
            "params": {f"p{j:02d}": f"{r.random():.6f}" for j in range(n_params)},
            "metrics": [(f"m{j:02d}", round(r.random(), 6), start + 400, 0)
                        for j in range(n_metrics)],
            "tags": {"batch": str(i // 1000)},
        }
        return _create_run(rest, eid, spec)

    t0 = time.monotonic()
    ids = []
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for k, rid in enumerate(ex.map(make, range(n_runs)), start=1):
            ids.append(rid)
            if progress and k % 1000 == 0:
                el = time.monotonic() - t0
                print(f"  {k}/{n_runs} runs, {el:.0f}s ({k / el:.0f} runs/s)", file=sys.stderr,
                      flush=True)
    return {"uri": uri, "experiments": {experiment_name: eid}, "experiment": experiment_name,
            "experiment_id": eid, "runs": {experiment_name: n_runs}, "run_count": n_runs,
            "n_params": n_params, "n_metrics": n_metrics,
            "seconds": round(time.monotonic() - t0, 2)}


def seed_kind(uri, kind, **params):
    """Seed a named data set: demo, hostile, demo+hostile, bulk (params as seed_bulk)."""
    if kind == "demo":
        return seed_demo(uri, **params)
    if kind == "hostile":
        return seed_hostile(uri, **params)
    if kind == "demo+hostile":
        s = seed_demo(uri, **params)
        s.update(seed_hostile(uri))
        return s
    if kind == "bulk":
        return seed_bulk(uri, **params)
    raise ValueError(f"unknown seed kind {kind!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seed an MLflow tracking server with test data.")
    ap.add_argument("kind", choices=["demo", "hostile", "demo+hostile", "bulk"])
    ap.add_argument("uri")
    ap.add_argument("--runs", type=int, default=10_000, help="bulk: number of runs")
    ap.add_argument("--experiment", default="bulk", help="bulk: experiment name")
    ap.add_argument("--params", type=int, default=10)
    ap.add_argument("--metrics", type=int, default=10)
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    if a.kind == "bulk":
        s = seed_bulk(a.uri, a.experiment, a.runs, a.params, a.metrics, workers=a.workers,
                      progress=True)
    else:
        s = seed_kind(a.uri, a.kind)
    s.pop("run_ids", None)
    s["seconds"] = round(time.monotonic() - t0, 2)
    json.dump(s, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
