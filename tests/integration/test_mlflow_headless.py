"""The headless command line against a real MLflow tracking server.

    mldeck [--state FILE] [--config FILE] [--log FILE] [--read-only]
           get experiments|runs|models|versions|audit [--json] [--experiment NAME|ID]
               [--model NAME] [--backend NAME]
    mldeck [...] rollback alias MODEL ALIAS [--to VERSION] [--yes]

Exit codes: 0 ok, 1 runtime/server error, 2 usage or config error
("FILE:LINE:COL: ..." on stderr), 3 refused (read-only, or confirmation not given).
With no config file the backend comes from MLFLOW_TRACKING_URI and is named "mlflow".
Every answer is checked against what the server holds, read with MlflowClient.
"""

import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from servers import (ADMIN_PASSWORD, ADMIN_USER, BULK_EXPERIMENT, BULK_RUNS, closed_port, describe,
                     is_mutation)

EXPERIMENT_KEYS = {"backend", "id", "name", "lifecycle", "created", "updated", "tags"}
RUN_KEYS = {"backend", "id", "name", "experiment_id", "user", "status", "start_time", "end_time",
            "params", "metrics", "tags", "inputs"}
INPUT_KEYS = {"name", "digest", "source_type", "source", "context"}
MODEL_KEYS = {"backend", "name", "description", "created", "updated", "aliases", "alias_changes",
              "tags"}
VERSION_KEYS = {"backend", "model", "version", "stage", "status", "source", "run_id", "user",
                "description", "created", "updated", "aliases", "tags"}
AUDIT_KEYS = {"id", "ts", "who", "action", "backend", "target", "before", "after", "phase",
              "outcome", "message", "time"}

DEMO_EXPERIMENTS = ["churn-prediction", "fraud-detection", "demand-forecast", "search-ranking"]
DEMO_MODELS = ["churn-classifier", "fraud-detector", "demand-forecaster"]

_CTL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --- helpers ------------------------------------------------------------------------------------------


def has_ctl(s):
    return isinstance(s, str) and bool(_CTL.search(s))


def text_eq(ours, theirs, what):
    """Exact equality, except that a server value holding control characters must come
    back without them (mldeck sanitises every string it shows)."""
    theirs = "" if theirs is None else theirs
    ours = "" if ours is None else ours
    if has_ctl(theirs):
        assert not has_ctl(ours), f"{what}: control characters passed through: {ours!r}"
    else:
        assert ours == theirs, f"{what}: mldeck {ours!r} != server {theirs!r}"


def dict_eq(ours, theirs, what):
    assert isinstance(ours, dict), f"{what}: not an object: {ours!r}"
    clean_theirs = {k: v for k, v in theirs.items() if not has_ctl(k)}
    clean_ours = {k: v for k, v in ours.items() if not has_ctl(k)}
    assert set(clean_ours) >= set(clean_theirs), (
        f"{what}: missing keys {sorted(set(clean_theirs) - set(clean_ours))}")
    assert len(ours) == len(theirs), f"{what}: {sorted(ours)} vs {sorted(theirs)}"
    for k, v in clean_theirs.items():
        text_eq(ours[k], v, f"{what}[{k}]")


def metric_eq(ours, theirs, what):
    if isinstance(theirs, float) and not math.isfinite(theirs):
        want = "NaN" if math.isnan(theirs) else ("Infinity" if theirs > 0 else "-Infinity")
        assert ours == want, f"{what}: {ours!r}, want the string {want!r}"
    else:
        assert isinstance(ours, (int, float)) and not isinstance(ours, bool), f"{what}: {ours!r}"
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12), f"{what}: {ours} != {theirs}"


def ms(v):
    """Timestamps are epoch milliseconds; 0 (or null) when unknown."""
    return 0 if v is None else v


def env_for(server, isolated_env, **extra):
    env = dict(isolated_env)
    env["MLFLOW_TRACKING_URI"] = server.url
    env.update(extra)
    return env


class Deck:
    """mldeck bound to one state file and environment."""

    def __init__(self, run, env, state, extra=()):
        self.run_ = run
        self.env = env
        self.state = Path(state)
        self.extra = list(extra)

    def run(self, *args, input=None, timeout=120, glob=()):
        return self.run_(["--state", self.state, *self.extra, *glob, *args], self.env,
                         input=input, timeout=timeout)

    def ok(self, *args, **kw):
        cp = self.run(*args, **kw)
        assert cp.returncode == 0, describe(cp)
        return cp

    def json(self, *args, **kw):
        cp = self.ok(*args, "--json", **kw)
        try:
            return json.loads(cp.stdout)
        except ValueError as e:
            pytest.fail(f"not JSON ({e}):{describe(cp)}")


@pytest.fixture
def deck(run_mldeck, mlflow_server, isolated_env, tmp_path):
    return Deck(run_mldeck, env_for(mlflow_server, isolated_env), tmp_path / "state.db")


@pytest.fixture(scope="module")
def client(mlflow_server):
    return mlflow_server.client()


def all_runs(client, experiment_id):
    out, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        out.extend(page)
        token = page.token
        if not token:
            return out


def all_experiments(client):
    out, token = [], None
    while True:
        page = client.search_experiments(max_results=1000, page_token=token)
        out.extend(page)
        token = page.token
        if not token:
            return out


def all_models(client):
    out, token = [], None
    while True:
        page = client.search_registered_models(max_results=1000, page_token=token)
        out.extend(page)
        token = page.token
        if not token:
            return out


def alias_of(client, model, alias):
    return client.get_registered_model(model).aliases.get(alias)


def check_runs(ours, server_runs, backend="mlflow"):
    by_id = {r.info.run_id: r for r in server_runs}
    ids = [r["id"] for r in ours]
    assert len(ids) == len(set(ids)), "duplicate run ids in the output"
    assert set(ids) == set(by_id), (
        f"{len(ours)} runs from mldeck vs {len(by_id)} on the server; "
        f"missing {sorted(set(by_id) - set(ids))[:5]} extra {sorted(set(ids) - set(by_id))[:5]}")
    for r in ours:
        assert set(r) == RUN_KEYS, f"run keys {sorted(r)}"
        s = by_id[r["id"]]
        w = f"run {r['id']}"
        assert r["backend"] == backend
        text_eq(r["name"], s.info.run_name, w + " name")
        assert r["experiment_id"] == s.info.experiment_id, w
        text_eq(r["user"], s.data.tags.get("mlflow.user") or s.info.user_id, w + " user")
        assert r["status"] == s.info.status, w
        assert r["start_time"] == ms(s.info.start_time), w
        assert ms(r["end_time"]) == ms(s.info.end_time), w
        dict_eq(r["params"], s.data.params, w + " params")
        dict_eq(r["tags"], s.data.tags, w + " tags")
        assert set(r["metrics"]) == set(s.data.metrics), w + " metric keys"
        for k, v in s.data.metrics.items():
            metric_eq(r["metrics"][k], v, f"{w} metric {k}")
        want = []
        for di in (s.inputs.dataset_inputs if s.inputs else []):
            d = di.dataset
            try:
                src = json.loads(d.source).get("uri", d.source)
            except (ValueError, AttributeError):
                src = d.source
            ctx = {t.key: t.value for t in di.tags}.get("mlflow.data.context", "")
            want.append({"name": d.name, "digest": d.digest, "source_type": d.source_type,
                         "source": src, "context": ctx})
        assert len(r["inputs"]) == len(want), w + f" inputs {r['inputs']} vs {want}"
        for i in r["inputs"]:
            assert set(i) == INPUT_KEYS, f"input keys {sorted(i)}"
        key = lambda d: (d["context"], d["name"], d["digest"])  # noqa: E731
        for o, t in zip(sorted(r["inputs"], key=key), sorted(want, key=key)):
            for k in INPUT_KEYS:
                text_eq(o[k], t[k], f"{w} input {k}")


def audit_for(deck, target_part):
    entries = deck.json("get", "audit")
    for e in entries:
        assert set(e) == AUDIT_KEYS, f"audit keys {sorted(e)}"
    return [e for e in entries if target_part in (e.get("target") or "")]


# --- reads --------------------------------------------------------------------------------------------


def test_experiments_equal_server(deck, client):
    ours = deck.json("get", "experiments")
    theirs = {e.experiment_id: e for e in all_experiments(client)}
    assert isinstance(ours, list)
    assert len(ours) == len(theirs), [e["name"] for e in ours]
    for e in ours:
        assert set(e) == EXPERIMENT_KEYS, f"experiment keys {sorted(e)}"
        s = theirs[e["id"]]
        assert e["backend"] == "mlflow"
        text_eq(e["name"], s.name, "experiment name")
        assert e["lifecycle"] == s.lifecycle_stage
        assert e["created"] == s.creation_time
        assert e["updated"] == s.last_update_time
        dict_eq(e["tags"], s.tags, f"experiment {s.name} tags")
    names = {e["name"] for e in ours}
    assert set(DEMO_EXPERIMENTS) <= names


def test_experiments_tsv_has_header_and_rows(deck, mlflow_server):
    cp = deck.ok("get", "experiments")
    lines = cp.stdout.rstrip("\n").split("\n")
    assert len(lines) >= 1 + len(DEMO_EXPERIMENTS), describe(cp)
    assert all("\t" in ln for ln in lines), describe(cp)
    for name in DEMO_EXPERIMENTS:
        assert any(name in ln.split("\t") for ln in lines[1:]), f"{name} missing{describe(cp)}"


@pytest.mark.parametrize("exp", DEMO_EXPERIMENTS)
def test_runs_equal_server(deck, client, mlflow_server, exp):
    eid = mlflow_server.seed["experiments"][exp]
    ours = deck.json("get", "runs", "--experiment", exp)
    check_runs(ours, all_runs(client, eid))
    assert len(ours) == mlflow_server.seed["runs"][exp]


def test_runs_by_experiment_id(deck, client, mlflow_server):
    eid = mlflow_server.seed["experiments"]["search-ranking"]
    by_id = deck.json("get", "runs", "--experiment", eid)
    by_name = deck.json("get", "runs", "--experiment", "search-ranking")
    assert sorted(r["id"] for r in by_id) == sorted(r["id"] for r in by_name)
    assert all(r["experiment_id"] == eid for r in by_id)


def test_runs_status_and_inputs_are_varied(deck, mlflow_server):
    """The demo data has FAILED and RUNNING runs and three dataset contexts; they survive."""
    runs = deck.json("get", "runs", "--experiment", "fraud-detection")
    statuses = {r["status"] for r in runs}
    assert {"FINISHED", "FAILED", "RUNNING"} <= statuses, statuses
    for r in runs:
        if r["status"] == "RUNNING":
            assert ms(r["end_time"]) == 0, r["id"]
    contexts = {i["context"] for r in runs for i in r["inputs"]}
    assert contexts == {"training", "validation", "test"}
    sources = {i["source"] for r in runs for i in r["inputs"]}
    assert "s3://ml-data/fraud/transactions/2026-09/train/" in sources, sources


def test_non_finite_metrics(deck, mlflow_server):
    """NaN is served as the string "NaN" and must stay a string in the JSON; the SQL store
    clamps +-inf to +-DBL_MAX, which must survive as the same double."""
    want = mlflow_server.seed["non_finite"]
    assert want, "the seed should hold non-finite metric values"
    cp = deck.ok("get", "runs", "--experiment", "fraud-detection", "--json")
    runs = {r["id"]: r for r in json.loads(cp.stdout)}
    for rid, metrics in want.items():
        for k, v in metrics.items():
            assert runs[rid]["metrics"][k] == v, (rid, k, runs[rid]["metrics"].get(k))
    assert '"NaN"' in cp.stdout
    assert re.search(r"[:\[,]\s*-?(nan|inf)", cp.stdout, re.I) is None, "bare NaN/inf in JSON"


def test_runs_unknown_experiment_fails(deck):
    cp = deck.run("get", "runs", "--experiment", "no-such-experiment", "--json")
    assert cp.returncode == 1, describe(cp)
    assert "no-such-experiment" in cp.stderr, describe(cp)


def test_models_equal_server_without_prompts(deck, client, mlflow_server):
    ours = deck.json("get", "models")
    theirs = {m.name: m for m in all_models(client)}
    names = [m["name"] for m in ours]
    assert "support-reply-prompt" not in names, "a prompt was listed as a model"
    assert not any("prompt" in n for n in names), names
    assert len(ours) == len(theirs), (names, sorted(theirs))
    for m in ours:
        assert set(m) == MODEL_KEYS, f"model keys {sorted(m)}"
        assert m["backend"] == "mlflow"
        if has_ctl(m["name"]):
            pytest.fail(f"control characters in a model name: {m['name']!r}")
        if m["name"] not in theirs:  # the hostile one, sanitised
            assert "EVIL" in m["name"], m["name"]
            continue
        s = theirs[m["name"]]
        text_eq(m["description"], s.description, f"model {s.name} description")
        assert m["created"] == s.creation_timestamp
        assert m["updated"] == s.last_updated_timestamp
        assert m["aliases"] == dict(s.aliases), f"model {s.name} aliases"
        dict_eq(m["tags"], s.tags, f"model {s.name} tags")
    for name in DEMO_MODELS:
        assert name in names


def test_versions_equal_server(deck, client, mlflow_server):
    for model in DEMO_MODELS:
        ours = deck.json("get", "versions", "--model", model)
        theirs = {v.version: v for v in client.search_model_versions(f"name='{model}'")}
        # model-versions/search leaves aliases out; the registered model has them all
        aliases = {}
        for a, ver in client.get_registered_model(model).aliases.items():
            aliases.setdefault(str(ver), []).append(a)
        assert len(ours) == len(theirs) == mlflow_server.seed["versions"][model]
        for v in ours:
            assert set(v) == VERSION_KEYS, f"version keys {sorted(v)}"
            s = theirs[v["version"]]
            w = f"{model} v{v['version']}"
            assert v["backend"] == "mlflow"
            assert v["model"] == model
            assert v["stage"] == s.current_stage, w
            assert v["status"] == s.status, w
            assert v["source"] == s.source, w
            assert v["run_id"] == s.run_id, w
            text_eq(v["user"], s.user_id, w + " user")
            text_eq(v["description"], s.description, w + " description")
            assert v["created"] == s.creation_timestamp, w
            assert v["updated"] == s.last_updated_timestamp, w
            assert sorted(v["aliases"]) == sorted(aliases.get(v["version"], [])), w
            dict_eq(v["tags"], s.tags, w + " tags")
    stages = {v["version"]: v["stage"] for v in deck.json("get", "versions", "--model",
                                                          "demand-forecaster")}
    assert stages == {"1": "Archived", "2": "Production", "3": "Staging"}


def test_versions_unknown_model_fails(deck):
    cp = deck.run("get", "versions", "--model", "no-such-model", "--json")
    assert cp.returncode == 1, describe(cp)
    assert "no-such-model" in cp.stderr, describe(cp)


def test_backend_option(deck):
    models = deck.json("get", "models", "--backend", "mlflow")
    assert {m["backend"] for m in models} == {"mlflow"}
    cp = deck.run("get", "models", "--backend", "nosuch", "--json")
    assert cp.returncode == 2, describe(cp)
    assert "nosuch" in cp.stderr, describe(cp)


def test_bulk_all_pages(run_mldeck, bulk_server, isolated_env, tmp_path):
    """3,000 runs: mldeck pages through all of them (1,000 a page) and loses none."""
    d = Deck(run_mldeck, env_for(bulk_server, isolated_env), tmp_path / "state.db")
    since = bulk_server.log_lines()
    t0 = time.monotonic()
    ours = d.json("get", "runs", "--experiment", BULK_EXPERIMENT, timeout=300)
    took = time.monotonic() - t0
    client = bulk_server.client()
    theirs = all_runs(client, bulk_server.seed["experiment_id"])
    assert len(theirs) == BULK_RUNS
    assert len(ours) == BULK_RUNS
    check_runs(ours, theirs)
    bulk_server.sync_log()
    searches = [r for r in bulk_server.requests_log(since) if r[1].endswith("/runs/search")]
    assert len(searches) >= 3, f"{BULK_RUNS} runs in {len(searches)} runs/search requests"
    assert all(r[2] == 200 for r in searches), searches
    print(f"get runs: {BULK_RUNS} runs in {took:.2f}s, {len(searches)} pages")


# --- rollback -----------------------------------------------------------------------------------------


def _other_version(client, model, current):
    versions = sorted(int(v.version) for v in client.search_model_versions(f"name='{model}'"))
    return str(next(v for v in reversed(versions) if str(v) != current))


def test_rollback_to_previous_alias(deck, client, mlflow_server):
    model, alias = "churn-classifier", "champion"
    before = alias_of(client, model, alias)
    deck.json("get", "models")  # mldeck records champion -> before
    moved = _other_version(client, model, before)
    client.set_registered_model_alias(model, alias, moved)  # someone promotes a new version
    seen = {m["name"]: m for m in deck.json("get", "models")}
    assert seen[model]["aliases"][alias] == moved

    since = mlflow_server.log_lines()
    cp = deck.ok("rollback", "alias", model, alias, "--yes")
    assert alias_of(client, model, alias) == before, describe(cp)
    mlflow_server.sync_log()
    posts = [r for r in mlflow_server.requests_log(since)
             if r[0] == "POST" and r[1].endswith("/registered-models/alias")]
    assert len(posts) == 1 and posts[0][2] == 200, posts

    entries = [e for e in audit_for(deck, model) if alias in e["target"]]
    assert len(entries) >= 2, entries
    finished, started = entries[0], entries[1]  # newest first
    assert started["phase"] == "started" and finished["phase"] == "finished", entries
    assert finished["outcome"] == "ok", finished
    for e in (started, finished):
        assert str(e["before"]) == moved and str(e["after"]) == before, e
        assert e["backend"] == "mlflow"
        assert re.fullmatch(r"[^@\s]+@[^@\s]+", e["who"]), e["who"]
        assert isinstance(e["ts"], int) and e["ts"] > 1_600_000_000_000, e["ts"]
    assert finished["ts"] >= started["ts"]
    assert finished["id"] != started["id"]

    # the alias is back: the model list says so too
    seen = {m["name"]: m for m in deck.json("get", "models")}
    assert seen[model]["aliases"][alias] == before


def test_rollback_to_version_and_undo(deck, client):
    model, alias = "fraud-detector", "champion"
    old = alias_of(client, model, alias)
    deck.json("get", "models")
    target = "2" if old != "2" else "1"
    cp = deck.ok("rollback", "alias", model, alias, "--to", target, "--yes")
    assert alias_of(client, model, alias) == target, describe(cp)
    # undo: roll forward to where it was
    deck.ok("rollback", "alias", model, alias, "--to", old, "--yes")
    assert alias_of(client, model, alias) == old
    entries = [e for e in audit_for(deck, model) if e["phase"] == "finished"]
    assert len(entries) >= 2, entries
    assert (str(entries[0]["before"]), str(entries[0]["after"])) == (target, old), entries[0]
    assert (str(entries[1]["before"]), str(entries[1]["after"])) == (old, target), entries[1]
    assert all(e["outcome"] == "ok" for e in entries[:2])


def test_rollback_to_unknown_version_fails(deck, client):
    model, alias = "fraud-detector", "challenger"
    old = alias_of(client, model, alias)
    deck.json("get", "models")
    cp = deck.run("rollback", "alias", model, alias, "--to", "999", "--yes")
    assert cp.returncode in (1, 2), describe(cp)
    assert alias_of(client, model, alias) == old


def test_rollback_confirmation(deck, client, mlflow_server):
    model, alias = "demand-forecaster", "champion"
    old = alias_of(client, model, alias)
    deck.json("get", "models")
    target = "1" if old != "1" else "3"
    since = mlflow_server.log_lines()
    cp = deck.run("rollback", "alias", model, alias, "--to", target, input="demand\n")
    assert cp.returncode == 3, describe(cp)
    assert alias_of(client, model, alias) == old
    cp = deck.run("rollback", "alias", model, alias, "--to", target, input="")
    assert cp.returncode == 3, describe(cp)
    assert alias_of(client, model, alias) == old
    mlflow_server.sync_log()
    assert not [r for r in mlflow_server.requests_log(since) if is_mutation(r[0], r[1])]
    # typing the model name goes ahead
    cp = deck.run("rollback", "alias", model, alias, "--to", target, input=model + "\n")
    assert cp.returncode == 0, describe(cp)
    assert alias_of(client, model, alias) == target
    deck.ok("rollback", "alias", model, alias, "--to", old, "--yes")
    assert alias_of(client, model, alias) == old


def test_rollback_without_history_fails(run_mldeck, mlflow_server, isolated_env, tmp_path, client):
    """A fresh state file knows no earlier version: nothing to roll back to."""
    d = Deck(run_mldeck, env_for(mlflow_server, isolated_env), tmp_path / "fresh.db")
    old = alias_of(client, "churn-classifier", "challenger")
    cp = d.run("rollback", "alias", "churn-classifier", "challenger", "--yes")
    assert cp.returncode == 1, describe(cp)
    assert alias_of(client, "churn-classifier", "challenger") == old


def test_rollback_read_only_refused(deck, client, mlflow_server):
    model, alias = "churn-classifier", "challenger"
    old = alias_of(client, model, alias)
    deck.json("get", "models")
    since = mlflow_server.log_lines()
    cp = deck.run("rollback", "alias", model, alias, "--to", "1", "--yes", glob=["--read-only"])
    assert cp.returncode == 3, describe(cp)
    assert re.search(r"read[- ]only", cp.stderr, re.I), describe(cp)
    assert alias_of(client, model, alias) == old
    mlflow_server.sync_log()
    bad = [r for r in mlflow_server.requests_log(since)
           if r[0] in ("POST", "DELETE") and "registered-models/alias" in r[1]]
    assert not bad, bad
    entries = [e for e in audit_for(deck, model) if alias in e["target"]]
    assert entries and entries[0]["outcome"] == "refused", entries[:2]


# --- configuration and errors -------------------------------------------------------------------------


def test_malformed_config_yaml(deck, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("current_context: x\ncontexts:\n  - name: x\n    backends: [\n"
                   "      {name: a, type: mlflow\n")
    cp = deck.run("get", "experiments", glob=["--config", cfg])
    assert cp.returncode == 2, describe(cp)
    assert re.search(re.escape(str(cfg)) + r":\d+:\d+:", cp.stderr), describe(cp)


def test_config_unknown_key_names_its_line(deck, tmp_path, mlflow_server):
    cfg = tmp_path / "typo.yaml"
    cfg.write_text(
        "current_context: sandbox\n"
        "contexts:\n"
        "  - name: sandbox\n"
        "    read_onyl: true\n"          # line 4: a typo in a safety setting
        "    backends:\n"
        "      - name: sandbox\n"
        "        type: mlflow\n"
        f"        url: {mlflow_server.url}\n")
    cp = deck.run("get", "experiments", glob=["--config", cfg])
    assert cp.returncode == 2, describe(cp)
    m = re.search(re.escape(str(cfg)) + r":(\d+):(\d+):", cp.stderr)
    assert m, describe(cp)
    assert int(m.group(1)) == 4, describe(cp)
    assert "read_onyl" in cp.stderr, describe(cp)


def test_config_file_backend(deck, tmp_path, mlflow_server, client):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current_context: sandbox\n"
        "contexts:\n"
        "  - name: sandbox\n"
        "    refresh: 10\n"
        "    backends:\n"
        "      - name: sandbox\n"
        "        type: mlflow\n"
        f"        url: {mlflow_server.url}\n")
    models = deck.json("get", "models", glob=["--config", cfg])
    assert {m["backend"] for m in models} == {"sandbox"}
    assert set(DEMO_MODELS) <= {m["name"] for m in models}


def test_usage_errors(deck):
    for args in (["get", "nosuch"], ["get"], ["rollback", "alias", "churn-classifier"],
                 ["get", "runs", "--no-such-flag"], ["frobnicate"]):
        cp = deck.run(*args)
        assert cp.returncode == 2, describe(cp)
        assert cp.stderr.strip(), describe(cp)


def test_unreachable_server(run_mldeck, isolated_env, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    env = dict(isolated_env, MLFLOW_TRACKING_URI=url)
    d = Deck(run_mldeck, env, tmp_path / "state.db")
    t0 = time.monotonic()
    cp = d.run("get", "experiments", "--json", timeout=60)
    assert cp.returncode == 1, describe(cp)
    assert url in cp.stderr, describe(cp)
    assert time.monotonic() - t0 < 30, "gave up too slowly on a refused connection"


# --- hostile names ------------------------------------------------------------------------------------


def _assert_clean(data, what):
    assert b"\x1b" not in data, f"{what}: ESC in output: {data[:2000]!r}"
    assert b"\x07" not in data and b"\x9b" not in data.replace(b"\xc2\x9b", b""), what
    text = data.decode("utf-8", "surrogateescape")
    c1 = [c for c in text if 0x80 <= ord(c) <= 0x9f]
    assert not c1, f"{what}: C1 controls in output: {c1}"
    raw = [c for c in text if 0xdc80 <= ord(c) <= 0xdc9f]  # undecodable 0x80..0x9f bytes
    assert not raw, f"{what}: raw C1 bytes in output"


def test_hostile_names_are_sanitised(deck, mlflow_server):
    seed = mlflow_server.seed
    cp = deck.ok("get", "models")
    _assert_clean(cp.stdout_bytes, "get models")
    assert "EVIL" in cp.stdout, describe(cp)
    for args in (["get", "models", "--json"], ["get", "experiments"],
                 ["get", "experiments", "--json"],
                 ["get", "runs", "--experiment", seed["hostile_experiment_id"]],
                 ["get", "runs", "--experiment", seed["hostile_experiment_id"], "--json"]):
        cp = deck.ok(*args)
        _assert_clean(cp.stdout_bytes, " ".join(args))
        _assert_clean(cp.stderr_bytes, " ".join(args) + " (stderr)")
        if "--json" in args:
            doc = json.loads(cp.stdout)
            assert "\\u001b" not in cp.stdout.lower() and not _has_ctl_deep(doc), args
    runs = deck.json("get", "runs", "--experiment", seed["hostile_experiment_id"])
    assert [r["id"] for r in runs] == [seed["hostile_run_id"]]


def test_hostile_text_never_reaches_stderr(deck, mlflow_server):
    """Error messages quote names (the operator's argument, the server's error text):
    whatever the outcome, no escape sequence may come out on stderr either."""
    seed = mlflow_server.seed
    for args in (["get", "versions", "--model", seed["hostile_model"]],
                 ["get", "versions", "--model", seed["hostile_model"], "--json"],
                 ["get", "runs", "--experiment", seed["hostile_experiment"], "--json"],
                 ["get", "versions", "--model", "no-such\x1b[2J\u009b31m", "--json"],
                 ["rollback", "alias", seed["hostile_model"], "champ\x1b[31mion", "--yes"]):
        cp = deck.run(*args)
        _assert_clean(cp.stdout_bytes, " ".join(args))
        _assert_clean(cp.stderr_bytes, " ".join(args) + " (stderr)")


def _has_ctl_deep(x):
    if isinstance(x, str):
        return has_ctl(x)
    if isinstance(x, list):
        return any(_has_ctl_deep(v) for v in x)
    if isinstance(x, dict):
        return any(has_ctl(k) or _has_ctl_deep(v) for k, v in x.items())
    return False


# --- authentication -----------------------------------------------------------------------------------

_EXPERIMENTS_REPLY = {
    "experiments": [
        {"experiment_id": "7", "name": "token-guarded", "artifact_location": "mlflow-artifacts:/7",
         "lifecycle_stage": "active", "last_update_time": 1790000000000,
         "creation_time": 1790000000000, "tags": [{"key": "team", "value": "ops"}],
         "workspace": "default"},
        {"experiment_id": "0", "name": "Default", "artifact_location": "mlflow-artifacts:/0",
         "lifecycle_stage": "active", "last_update_time": 1789000000000,
         "creation_time": 1789000000000, "workspace": "default"},
    ]
}


class _FakeMlflow:
    """A loopback HTTP server that records every request's Authorization header and
    answers experiments/search with a recorded reply."""

    def __init__(self):
        self.seen = []
        fake = self

        class H(BaseHTTPRequestHandler):
            def _reply(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                fake.seen.append((self.command, self.path, self.headers.get("Authorization")))
                path = self.path.split("?", 1)[0]
                if path.endswith("/experiments/search"):
                    body, ctype, code = json.dumps(_EXPERIMENTS_REPLY), "application/json", 200
                elif path == "/health":
                    body, ctype, code = "OK", "text/plain", 200
                elif path == "/version":
                    body, ctype, code = "3.17.2", "text/plain", 200
                else:
                    body, ctype, code = (json.dumps({"error_code": "ENDPOINT_NOT_FOUND",
                                                     "message": "not recorded"}),
                                         "application/json", 404)
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()


def _files_with(base, secret):
    hits = []
    for p in Path(base).rglob("*"):
        if p.is_file() and secret.encode() in p.read_bytes():
            hits.append(str(p))
    return hits


def test_bearer_token(run_mldeck, isolated_env, tmp_path):
    token = "tok-" + "5ecret" * 6
    state, log = tmp_path / "state" / "state.db", tmp_path / "mldeck.log"
    state.parent.mkdir()
    with _FakeMlflow() as fake:
        env = dict(isolated_env, MLFLOW_TRACKING_URI=fake.url, MLFLOW_TRACKING_TOKEN=token)
        cp = run_mldeck(["--state", state, "--log", log, "get", "experiments", "--json"], env)
        assert cp.returncode == 0, describe(cp)
        names = {e["name"] for e in json.loads(cp.stdout)}
        assert names == {"token-guarded", "Default"}
        api = [s for s in fake.seen if s[1].startswith("/api/")]
        assert api, fake.seen
        assert all(s[2] == f"Bearer {token}" for s in api), fake.seen
        # the token lives in the environment only: not in the state, the log, or the output
        assert not _files_with(state.parent, token)
        assert log.exists() and token.encode() not in log.read_bytes()
        assert token not in cp.stdout and token not in cp.stderr
        assert not _files_with(isolated_env["HOME"], token)


def test_bearer_token_from_config_token_env(run_mldeck, isolated_env, tmp_path):
    token = "cfg-token-" + "x" * 20
    cfg = tmp_path / "config.yaml"
    with _FakeMlflow() as fake:
        cfg.write_text("current_context: c\ncontexts:\n  - name: c\n    backends:\n"
                       f"      - name: fake\n        type: mlflow\n        url: {fake.url}\n"
                       "        token_env: FAKE_MLFLOW_TOKEN\n")
        env = dict(isolated_env, FAKE_MLFLOW_TOKEN=token)
        cp = run_mldeck(["--config", cfg, "--state", tmp_path / "s.db", "get", "experiments",
                         "--json"], env)
        assert cp.returncode == 0, describe(cp)
        assert {e["backend"] for e in json.loads(cp.stdout)} == {"fake"}
        api = [s for s in fake.seen if s[1].startswith("/api/")]
        assert api and all(s[2] == f"Bearer {token}" for s in api), fake.seen


def test_basic_auth(run_mldeck, auth_server, isolated_env, tmp_path):
    base = dict(isolated_env, MLFLOW_TRACKING_URI=auth_server.url)
    good = dict(base, MLFLOW_TRACKING_USERNAME=ADMIN_USER, MLFLOW_TRACKING_PASSWORD=ADMIN_PASSWORD)
    state = tmp_path / "state" / "state.db"
    state.parent.mkdir()
    log = tmp_path / "mldeck.log"
    cp = run_mldeck(["--state", state, "--log", log, "get", "experiments", "--json"], good)
    assert cp.returncode == 0, describe(cp)
    assert "guarded" in {e["name"] for e in json.loads(cp.stdout)}
    assert not _files_with(state.parent, ADMIN_PASSWORD)
    assert ADMIN_PASSWORD.encode() not in log.read_bytes()

    bad = dict(base, MLFLOW_TRACKING_USERNAME=ADMIN_USER, MLFLOW_TRACKING_PASSWORD="wrong-pass")
    cp = run_mldeck(["--state", tmp_path / "s2.db", "get", "experiments", "--json"], bad)
    assert cp.returncode == 1, describe(cp)
    assert "HTTP 401" in cp.stderr, describe(cp)
    assert "wrong-pass" not in cp.stderr

    cp = run_mldeck(["--state", tmp_path / "s3.db", "get", "experiments", "--json"], base)
    assert cp.returncode == 1, describe(cp)
    assert "HTTP 401" in cp.stderr, describe(cp)

    # the server saw the failures as 401s
    auth_server.sync_log()
    assert any(r[2] == 401 for r in auth_server.requests_log()), auth_server.log_tail()
