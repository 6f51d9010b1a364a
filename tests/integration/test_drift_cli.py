"""`mldeck drift` headless, on generated CSV, JSONL and SageMaker Data Capture files.

    mldeck drift --reference FILE --current FILE|DIR [--current ...] [--json]
                 [--features a,b] [--categorical x,y] [--numeric x,y] [--prediction COL]
                 [--time-column COL] [--window SECONDS] [--smoothing eps|add-one|none]
                 [--threshold [FEATURE:]METHOD=[WARN,]DRIFT] [--no-yates] [--memory MB]
                 [--format csv|jsonl|capture] [--capture-columns a,b] [--state FILE] [--job NAME]
                 [--methods psi,w1,js,ks,chi2]

Every statistic is checked against numpy/scipy computed here on the same rows: KS D and its
exact p (scipy ks_2samp method='exact'), W1 over the reference std (scipy wasserstein_distance,
numpy std ddof 0), PSI on reference deciles with the stated smoothing, JS distance base 2
(scipy jensenshannon) and the 2 x k contingency chi-squared (scipy chi2_contingency).
--methods narrows what is computed, judged, stored and shown; --numeric/--categorical override
the inferred type; a value between a method's warn and drift thresholds is "warn". The sandbox's
generated data (tests/sandbox/drift_data.py, run as tests/sandbox/run.sh configures the job)
drifts after its seeded deployment and not before.
Exit codes: 0 the job ran (drift or not), 1 runtime error, 2 usage. Bad input is reported
on stderr as "mldeck: warning: FILE:LINE: ..." and the rest of the job is done.
"""

import base64
import json
import math
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from scipy.spatial.distance import jensenshannon

from servers import describe

T0 = 1764583200  # 2025-12-01T10:00:00Z


# --- helpers ------------------------------------------------------------------------------------


def drift(run_mldeck, env, *args, ok=True):
    cp = run_mldeck(["drift", *map(str, args)], env, timeout=120)
    if ok:
        assert cp.returncode == 0, describe(cp)
    return cp


def drift_json(run_mldeck, env, *args):
    cp = drift(run_mldeck, env, *args, "--json")
    return json.loads(cp.stdout), cp


def features(doc):
    return {f["feature"]: f for f in doc["features"]}


def value(f, m):
    v = f["metrics"][m]["value"]
    return math.inf if v == "inf" else v


def eps_shares(counts, n):
    s = counts / n
    nz = s[s > 0]
    e = nz.min() / 1e6 if nz.min() <= 1e-4 else 1e-4
    s = s.copy()
    s[s == 0] = e
    return s


def expected_numeric(x, y, smoothing="eps"):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    x = x[np.isfinite(x)]
    y = y[np.isfinite(y)]
    edges = np.unique(np.quantile(x, np.arange(1, 10) / 10))
    br = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
    bc = np.bincount(np.searchsorted(edges, y, side="right"), minlength=len(edges) + 1)
    if smoothing == "eps":
        r, c = eps_shares(br, len(x)), eps_shares(bc, len(y))
    elif smoothing == "add-one":
        r, c = (br + 1) / len(x), (bc + 1) / len(y)
    else:
        r, c = br / len(x), bc / len(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where((r == 0) & (c == 0), 0.0, (c - r) * np.log(c / r))
    ks = stats.ks_2samp(x, y, method="exact" if len(x) * len(y) <= 1e6 else "asymp")
    return {
        "edges": edges,
        "psi": float(np.sum(terms)) if np.all(np.isfinite(terms)) else math.inf,
        "js": float(jensenshannon(br / len(x), bc / len(y), base=2)),
        "ks": float(ks.statistic),
        "ks_p": float(ks.pvalue),
        "w1": float(stats.wasserstein_distance(x, y) / max(np.std(x), 0.001)),
    }


def check_numeric(f, x, y, smoothing="eps", exact_p=True):
    e = expected_numeric(x, y, smoothing)
    assert f["type"] == "numeric"
    assert f["histogram"]["edges"] == pytest.approx(list(e["edges"]), rel=1e-12, abs=1e-12)
    assert value(f, "ks") == pytest.approx(e["ks"], abs=1e-12)
    assert value(f, "w1") == pytest.approx(e["w1"], rel=1e-9, abs=1e-12)
    assert value(f, "js") == pytest.approx(e["js"], rel=1e-9, abs=1e-12)
    if math.isinf(e["psi"]):
        assert value(f, "psi") == math.inf
    else:
        assert value(f, "psi") == pytest.approx(e["psi"], rel=1e-9, abs=1e-12)
    if exact_p:
        assert f["metrics"]["ks"]["p_method"] == "exact"
        assert f["metrics"]["ks"]["p_value"] == pytest.approx(e["ks_p"], abs=1e-6)


def check_categorical(f, x, y, yates=True):
    x = pd.Series(x).dropna()
    y = pd.Series(y).dropna()
    cats = sorted(set(x) | set(y))
    a = np.array([(x == c).sum() for c in cats])
    b = np.array([(y == c).sum() for c in cats])
    chi = stats.chi2_contingency(np.vstack([a, b]), correction=yates)
    assert f["type"] == "categorical"
    assert value(f, "chi2") == pytest.approx(chi.statistic, rel=1e-9)
    assert f["metrics"]["chi2"]["df"] == chi.dof
    assert f["metrics"]["chi2"]["p_value"] == pytest.approx(chi.pvalue, abs=1e-6)
    assert value(f, "js") == pytest.approx(jensenshannon(a, b, base=2), rel=1e-9)
    assert f["histogram"]["unseen"] == int(sum(b[i] for i, c in enumerate(cats) if c not in set(x)))


def make_frames(n_ref=800, n_cur=700, seed=5, shift=0.4):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({
        "age": rng.normal(40, 10, n_ref).round(2),
        "income": rng.exponential(3000, n_ref).round(2),
        "score": rng.integers(0, 5, n_ref).astype(float),  # ties everywhere
        "plan": rng.choice(["basic", "plus", "pro"], n_ref, p=[.5, .3, .2]),
        "pred": rng.uniform(0, 1, n_ref).round(4),
    })
    cur = pd.DataFrame({
        "age": rng.normal(40 + 10 * shift, 10, n_cur).round(2),
        "income": rng.exponential(3000, n_cur).round(2),
        "score": rng.integers(0, 6, n_cur).astype(float),
        "plan": rng.choice(["basic", "plus", "pro", "enterprise"], n_cur, p=[.4, .3, .2, .1]),
        "pred": rng.uniform(0.1, 1, n_cur).round(4),
    })
    cur.loc[::50, "income"] = np.nan  # missing values: 2 %
    return ref, cur


def capture_line(inp, out, t, enc="CSV", ctype="text/csv"):
    def half(data, mode):
        if enc == "BASE64":
            data = base64.b64encode(data.encode()).decode()
        return {"observedContentType": ctype, "mode": mode, "data": data, "encoding": enc}
    ts = pd.Timestamp(t, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"captureData": {"endpointInput": half(inp, "INPUT"),
                                       "endpointOutput": half(out, "OUTPUT")},
                       "eventMetadata": {"eventId": "x", "inferenceTime": ts},
                       "eventVersion": "0"})


# --- statistics against scipy -------------------------------------------------------------------


def test_csv_statistics_match_scipy(run_mldeck, isolated_env, tmp_path):
    ref, cur = make_frames()
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    doc, cp = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv",
                         "--current", tmp_path / "cur.csv", "--prediction", "pred")
    f = features(doc)
    assert doc["features"][0]["feature"] == "pred" and f["pred"]["prediction"]
    for col in ("age", "income", "score", "pred"):
        check_numeric(f[col], ref[col], cur[col])
    check_categorical(f["plan"], ref["plan"], cur["plan"])
    assert f["income"]["missing"] == pytest.approx(cur["income"].isna().mean())
    assert f["income"]["n_cur"] == cur["income"].notna().sum()
    assert f["plan"]["histogram"]["unseen"] == (cur["plan"] == "enterprise").sum()
    s = doc["summary"]
    assert (s["rows_ref"], s["rows_cur"]) == (800, 700)
    assert s["tested"] == 5
    assert s["drifted"] == sum(x["status"] == "drift" for x in doc["features"])
    assert s["dataset_drift"] == (s["drifted"] / s["tested"] >= 0.5)
    assert f["age"]["status"] == "drift"
    assert doc["options"]["smoothing"] == "eps"
    # severity order after the pinned prediction
    order = {"drift": 3, "warn": 2, "ok": 1, "n/a": 0}
    keys = [(order[x["status"]], x["severity"]) for x in doc["features"][1:]]
    assert keys == sorted(keys, reverse=True)


def test_jsonl_gives_the_csv_answers(run_mldeck, isolated_env, tmp_path):
    ref, cur = make_frames(seed=8)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_json(tmp_path / "cur.jsonl", orient="records", lines=True)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    a, _ = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv", "--current",
                      tmp_path / "cur.jsonl", "--prediction", "pred")
    b, _ = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv", "--current",
                      tmp_path / "cur.csv", "--prediction", "pred")
    fa, fb = features(a), features(b)
    for name in fb:
        for m, v in fb[name]["metrics"].items():
            assert fa[name]["metrics"][m]["value"] == pytest.approx(v["value"], rel=1e-12), (name, m)
    check_numeric(fa["income"], ref["income"], cur["income"])


@pytest.mark.parametrize("smoothing", ["eps", "add-one", "none"])
def test_smoothing_is_explicit(run_mldeck, isolated_env, tmp_path, smoothing):
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 500).round(3)})
    cur = pd.DataFrame({"x": rng.normal(3, 1, 400).round(3)})  # far right: empty low bins
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    doc, _ = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv",
                        "--current", tmp_path / "cur.csv", "--smoothing", smoothing)
    assert doc["options"]["smoothing"] == smoothing
    check_numeric(features(doc)["x"], ref["x"], cur["x"], smoothing)
    if smoothing == "none":
        assert doc["features"][0]["metrics"]["psi"]["value"] == "inf"


def test_no_yates_and_thresholds(run_mldeck, isolated_env, tmp_path):
    ref = pd.DataFrame({"flag": ["a"] * 50 + ["b"] * 50, "v": np.arange(100.0)})
    cur = pd.DataFrame({"flag": ["a"] * 40 + ["b"] * 60, "v": np.arange(100.0) + 1})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    args = ["--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv"]
    doc, _ = drift_json(run_mldeck, isolated_env, *args)
    assert value(features(doc)["flag"], "chi2") == pytest.approx(1.636364, abs=1e-6)  # C-3 Yates
    doc, _ = drift_json(run_mldeck, isolated_env, *args, "--no-yates", "--threshold", "v:w1=0.001",
                        "--threshold", "chi2=0.2,0.16")
    f = features(doc)
    assert value(f["flag"], "chi2") == pytest.approx(2.020202, abs=1e-6)
    assert f["flag"]["metrics"]["chi2"]["p_value"] == pytest.approx(0.1552185, abs=1e-6)
    assert f["flag"]["metrics"]["chi2"]["status"] == "drift"  # p 0.155 < 0.16
    assert f["v"]["metrics"]["w1"]["threshold"] == 0.001
    assert f["v"]["metrics"]["w1"]["status"] == "drift"


# --- Data Capture ---------------------------------------------------------------------------------


def test_capture_windows_three_encodings(run_mldeck, isolated_env, tmp_path):
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"x1": rng.normal(0, 1, 600).round(4), "x2": rng.uniform(0, 1, 600).round(4),
                        "prediction": rng.uniform(0, 1, 600).round(4)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cap = tmp_path / "capture" / "ep" / "AllTraffic" / "2025" / "12" / "01"
    rows = {0: [], 1: [], 2: []}
    for hour, enc in enumerate(["CSV", "JSON", "BASE64"]):
        d = cap / f"{10 + hour:02d}"
        d.mkdir(parents=True)
        with open(d / f"part-{hour}.jsonl", "w") as fh:
            for i in range(150):
                x1 = round(float(rng.normal(1.5 if hour == 2 else 0, 1)), 4)
                x2 = round(float(rng.uniform(0, 1)), 4)
                p = round(float(rng.uniform(0, 1)), 4)
                t = T0 + hour * 3600 + i * 20
                if enc == "JSON":
                    line = capture_line(json.dumps({"instances": [[x1, x2]]}),
                                        json.dumps({"predictions": [p]}), t, "JSON",
                                        "application/json")
                else:
                    line = capture_line(f"{x1},{x2}", f"{p}", t, enc)
                fh.write(line + "\n")
                rows[hour].append((x1, x2, p))
    doc, cp = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv",
                         "--current", tmp_path / "capture", "--window", 3600,
                         "--prediction", "prediction")
    assert cp.stderr == ""
    assert len(doc["windows"]) == 3
    for hour, w in enumerate(doc["windows"]):
        assert w["start"] == (T0 + hour * 3600) * 1000
        assert w["end"] == w["start"] + 3600 * 1000
        assert w["summary"]["rows_cur"] == 150
        f = features(w)
        cur = np.array(rows[hour])
        check_numeric(f["x1"], ref["x1"], cur[:, 0])
        check_numeric(f["prediction"], ref["prediction"], cur[:, 2])
    shifted, same = features(doc["windows"][2])["x1"], features(doc["windows"][0])["x1"]
    assert shifted["status"] == "drift" and shifted["metrics"]["w1"]["status"] == "drift"
    assert value(shifted, "w1") > 5 * value(same, "w1")
    assert shifted["severity"] > same["severity"]
    assert doc["summary"] == doc["windows"][2]["summary"]


# --- output, exit codes, bad input -------------------------------------------------------------------


def test_text_table(run_mldeck, isolated_env, tmp_path):
    ref, cur = make_frames()
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    cp = drift(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv", "--current",
               tmp_path / "cur.csv", "--prediction", "pred")
    lines = cp.stdout.splitlines()
    assert lines[0].split() == ["FEATURE", "TYPE", "METHOD", "VALUE", "THRESHOLD", "STATUS",
                                "P-VALUE", "MISSING"]
    assert lines[1].startswith("pred (pred)")
    methods = {(ln.split()[0], ln.split()[-6]) for ln in lines[1:-1] if not ln.startswith("pred")}
    assert ("plan", "chi2") in methods and ("age", "ks") in methods
    assert "income" in cp.stdout and "2.0%" in cp.stdout
    summary = lines[-1]
    assert "of 5 features drifted" in summary
    assert "dataset drift:" in summary and "n_ref 800 / n_cur 700" in summary


def test_usage_errors(run_mldeck, isolated_env, tmp_path):
    (tmp_path / "r.csv").write_text("a\n1\n")
    cases = [
        ([], "usage: mldeck drift"),
        (["--reference", tmp_path / "r.csv"], "usage: mldeck drift"),
        (["--reference", tmp_path / "r.csv", "--current", tmp_path / "r.csv", "--smoothing",
          "laplace"], "bad --smoothing 'laplace'"),
        (["--reference", tmp_path / "r.csv", "--current", tmp_path / "r.csv", "--threshold",
          "psi=x"], "bad threshold 'psi=x'"),
        (["--reference", tmp_path / "r.csv", "--current", tmp_path / "r.csv", "--window", "0"],
         "bad --window"),
        (["--reference", tmp_path / "r.csv", "--current", tmp_path / "r.csv", "--bogus"],
         "unknown option '--bogus'"),
    ]
    for args, msg in cases:
        cp = drift(run_mldeck, isolated_env, *args, ok=False)
        assert cp.returncode == 2, describe(cp)
        assert msg in cp.stderr, describe(cp)
    cp = drift(run_mldeck, isolated_env, "--reference", tmp_path / "nope.csv", "--current",
               tmp_path / "r.csv", ok=False)
    assert cp.returncode == 1
    assert f"cannot open '{tmp_path / 'nope.csv'}'" in cp.stderr
    (tmp_path / "empty.csv").write_text("")
    cp = drift(run_mldeck, isolated_env, "--reference", tmp_path / "empty.csv", "--current",
               tmp_path / "r.csv", ok=False)
    assert cp.returncode == 1 and "has no rows" in cp.stderr


def test_bad_input_is_reported_and_skipped(run_mldeck, isolated_env, tmp_path):
    (tmp_path / "ref.csv").write_text("x1,x2,color\n" + "".join(
        f"{i},{i % 7},{'red' if i % 3 else 'blue'}\n" for i in range(100)) + "")
    (tmp_path / "const.csv").write_text("x1,x2,color\n" + "5,1,red\n" * 20)
    cur = tmp_path / "cur"
    cur.mkdir()
    (cur / "a_good.csv").write_text("x1,x2,color\n1,2,red\n3,4,blue\n")
    (cur / "b_ragged.csv").write_text("x1,x2,color\n1,2\n5,6,red\n7,8,red,9\n")
    (cur / "c_types.csv").write_text("x1,x2,color\nabc,2,red\n4,5,blue\n")
    (cur / "d_latin1.csv").write_bytes(b"x1,x2,color\n9,9,r\xe9d\n")
    (cur / "e_empty.csv").write_text("")
    (cur / "f_quote.csv").write_text('x1,x2,color\n1,2,"unterminated\n')
    (cur / "g_cap.jsonl").write_text(
        capture_line("1,2,red", "0.5", T0, "BASE64") + "\n" +
        capture_line("1,2,red", "0.5", T0).replace('"data": "1,2,red", "encoding": "CSV"',
                                                   '"data": "@@@", "encoding": "BASE64"') + "\n"
        + "{not json\n")
    cp = drift(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv", "--current", cur,
               "--json")
    err = cp.stderr
    for msg in [f"{cur}/b_ragged.csv:2: expected 3 fields, found 2: row skipped",
                f"{cur}/b_ragged.csv:4: expected 3 fields, found 4: row skipped",
                f"{cur}/c_types.csv:2: column 'x1': 'abc' is not a number",
                f"{cur}/d_latin1.csv:2: column 'color': invalid UTF-8: value ignored",
                f"{cur}/e_empty.csv: empty file",
                f"{cur}/f_quote.csv:2: unterminated quoted field",
                f"{cur}/g_cap.jsonl:2: endpointInput: data is not valid BASE64",
                f"{cur}/g_cap.jsonl:3: invalid JSON: line skipped"]:
        assert f"mldeck: warning: {msg}" in err, err
    doc = json.loads(cp.stdout)
    assert doc["files"] == {"read": 7, "skipped": 0, "failed": 0}
    # good rows of every file are in: 2 + 1 + 2 + 1 + 0 + 0 + 1 (the BASE64 line)
    assert doc["summary"]["rows_cur"] == 7
    assert len(doc["warnings"]) >= 8
    cp = drift(run_mldeck, isolated_env, "--reference", tmp_path / "const.csv", "--current",
               cur / "a_good.csv")
    assert "column 'x1' is constant (5)" in cp.stderr


# --- state: frozen reference, incremental folders ---------------------------------------------------


def test_state_incremental_folder(run_mldeck, isolated_env, tmp_path):
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x1": rng.normal(0, 1, 300).round(4), "x2": rng.normal(0, 1, 300).round(4),
                        "prediction": rng.uniform(0, 1, 300).round(3)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cap = tmp_path / "capture"
    cap.mkdir()
    n_files = 2000  # thousands of tiny files
    for i in range(n_files):
        t = T0 + i * 3  # all within 10:00-11:40
        (cap / f"f{i:05d}.jsonl").write_text(
            capture_line(f"{rng.normal():.4f},{rng.normal():.4f}", f"{rng.uniform():.3f}", t) + "\n")
    state = tmp_path / "state.db"
    args = ["--reference", tmp_path / "ref.csv", "--current", cap, "--state", state, "--job",
            "churn", "--window", 3600, "--prediction", "prediction"]
    doc, cp = drift_json(run_mldeck, isolated_env, *args)
    assert doc["files"] == {"read": n_files, "skipped": 0, "failed": 0}
    assert doc["reference"]["cached"] is False
    assert [w["summary"]["rows_cur"] for w in doc["windows"]] == [1200, 800]

    doc, cp = drift_json(run_mldeck, isolated_env, *args)
    assert doc["files"] == {"read": 0, "skipped": n_files, "failed": 0}
    assert doc["reference"]["cached"] is True
    assert doc["windows"] == [] and doc["summary"] is None
    cp = drift(run_mldeck, isolated_env, *args)
    assert f"no new current data ({n_files} files already processed)" in cp.stdout

    # one new file in the second hour: only it is parsed; its window is recomputed whole
    (cap / "zz_new.jsonl").write_text(capture_line("0.1,0.2", "0.3", T0 + 3600 + 5) + "\n")
    doc, cp = drift_json(run_mldeck, isolated_env, *args)
    assert doc["files"] == {"read": 1, "skipped": n_files, "failed": 0}
    assert [w["summary"]["rows_cur"] for w in doc["windows"]] == [801]

    db = sqlite3.connect(state)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4  # v4: platform history
    assert db.execute("SELECT count(*) FROM drift_file WHERE job='churn'").fetchone()[0] == n_files + 1
    assert db.execute("SELECT count(*) FROM drift_window WHERE job='churn'").fetchone()[0] == 2
    n_cur, opts = db.execute("SELECT n_cur, options FROM drift_result WHERE job='churn' AND "
                             "feature='x1' AND method='psi' ORDER BY window_start_ms DESC").fetchone()
    assert n_cur == 801
    o = json.loads(opts)
    assert o["smoothing"] == "eps" and o["bins"] == "reference deciles" and len(o["edges"]) == 9
    assert db.execute("SELECT count(*) FROM drift_ref WHERE job='churn'").fetchone()[0] == 3
    db.close()


def test_bounded_memory_sketch(run_mldeck, isolated_env, tmp_path):
    rng = np.random.default_rng(9)
    n = 300_000
    ref = pd.DataFrame({"a": rng.normal(0, 1, n).round(5), "b": rng.gamma(2, 1, n).round(5)})
    cur = pd.DataFrame({"a": rng.normal(0.05, 1, n).round(5), "b": rng.gamma(2, 1, n).round(5)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    doc, cp = drift_json(run_mldeck, isolated_env, "--reference", tmp_path / "ref.csv",
                         "--current", tmp_path / "cur.csv", "--memory", 1)
    assert doc["reference"]["sketch"] is True
    assert "more values than the memory budget (1 MiB)" in cp.stderr
    for col in ("a", "b"):
        f = features(doc)[col]
        exact = stats.ks_2samp(ref[col], cur[col], method="asymp").statistic
        assert f["sketch"] is True and 0 < f["rank_error"] < 0.01
        assert abs(value(f, "ks") - exact) <= f["rank_error"]
        w1 = stats.wasserstein_distance(ref[col], cur[col]) / np.std(ref[col])
        assert value(f, "w1") == pytest.approx(w1, abs=0.01)
        assert sum(f["histogram"]["ref"]) == n and sum(f["histogram"]["cur"]) == n
        assert f["std_ref"] == pytest.approx(np.std(ref[col]), rel=1e-9)


# --- methods, type overrides, the warn tier ---------------------------------------------------------


def test_methods_select_what_is_computed_stored_and_shown(run_mldeck, isolated_env, tmp_path):
    ref, cur = make_frames(seed=21)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    base = ["--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv",
            "--prediction", "pred"]
    full, _ = drift_json(run_mldeck, isolated_env, *base)
    assert full["options"]["methods"] == ["psi", "w1", "js", "ks", "chi2"]
    state = tmp_path / "state.db"
    doc, _ = drift_json(run_mldeck, isolated_env, *base, "--methods", "psi,ks", "--state", state,
                        "--job", "sel")
    assert doc["options"]["methods"] == ["psi", "ks"]
    f, ff = features(doc), features(full)
    for col in ("age", "income", "score", "pred"):
        assert set(f[col]["metrics"]) == {"psi", "ks"}, col
        for m in ("psi", "ks"):
            assert f[col]["metrics"][m] == ff[col]["metrics"][m], (col, m)
        assert f[col]["method"] in ("psi", "ks")
    # a categorical column has neither: untested, not "ok"
    assert f["plan"]["metrics"] == {} and f["plan"]["status"] == "n/a"
    assert doc["summary"]["tested"] == 4 and full["summary"]["tested"] == 5
    # only the selected methods were stored (what the drift screen reads back)
    db = sqlite3.connect(state)
    stored = {m for (m,) in db.execute("SELECT DISTINCT method FROM drift_result WHERE job='sel'")}
    db.close()
    assert stored == {"psi", "ks"}

    # the categorical side: JS for every column, chi2 where it applies
    doc, _ = drift_json(run_mldeck, isolated_env, *base, "--methods", "chi2,js")
    f = features(doc)
    assert set(f["plan"]["metrics"]) == {"js", "chi2"}
    assert set(f["age"]["metrics"]) == {"js"}
    check_categorical(f["plan"], ref["plan"], cur["plan"])

    # the text table has a row per selected method and nothing else
    cp = drift(run_mldeck, isolated_env, *base, "--methods", "ks")
    rows = [ln.split() for ln in cp.stdout.splitlines()[1:-1]]
    assert {r[0]: r[2] for r in rows if r[0] != "pred"} == {
        "age": "ks", "income": "ks", "score": "ks", "plan": "-"}
    plan = next(r for r in rows if r[0] == "plan")
    assert plan[1] == "categorical" and plan[5] == "n/a"

    for bad, msg in [("psi,kz", "bad --methods: unknown method 'kz'"),
                     (",", "bad --methods: no method given")]:
        cp = drift(run_mldeck, isolated_env, *base, "--methods", bad, ok=False)
        assert cp.returncode == 2 and msg in cp.stderr, describe(cp)


def test_numeric_override_keeps_integer_codes_numeric(run_mldeck, isolated_env, tmp_path):
    """Integer codes whose reference holds a stray "?" read as categorical (a text value);
    --numeric keeps them numeric, the "?" counted as missing."""
    rng = np.random.default_rng(13)
    codes_ref = rng.integers(1, 10, 600)
    codes_cur = rng.integers(3, 12, 500)
    ref = pd.DataFrame({"code": codes_ref.astype(str), "v": rng.normal(0, 1, 600).round(3)})
    ref.loc[[5, 77, 300], "code"] = "?"
    cur = pd.DataFrame({"code": codes_cur.astype(str), "v": rng.normal(0, 1, 500).round(3)})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    base = ["--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv"]

    doc, _ = drift_json(run_mldeck, isolated_env, *base)
    f = features(doc)["code"]
    assert f["type"] == "categorical" and set(f["metrics"]) == {"js", "chi2"}

    doc, cp = drift_json(run_mldeck, isolated_env, *base, "--numeric", "code")
    f = features(doc)["code"]
    assert f["type"] == "numeric" and set(f["metrics"]) == {"psi", "w1", "js", "ks"}
    x = pd.to_numeric(ref["code"], errors="coerce")
    check_numeric(f, x[x.notna()], codes_cur)
    assert f["n_ref"] == 597 and f["missing_ref"] == pytest.approx(3 / 600)
    assert f"{tmp_path / 'ref.csv'}:7: column 'code': '?' is not a number" in cp.stderr

    cp = drift(run_mldeck, isolated_env, *base, "--numeric", "code", "--categorical", "v,code",
               ok=False)
    assert cp.returncode == 2
    assert "column 'code' is in both --categorical and --numeric" in cp.stderr


def test_warn_tier_between_the_thresholds(run_mldeck, isolated_env, tmp_path):
    """x moves by 2 on 0..99: W1/std = 0.0693, between W1's warn 0.05 and drift 0.1; g goes
    from 500/500 to 460/540: chi2 p = 0.0809, between p's warn 0.15 and drift 0.05."""
    n = 1000
    ref = pd.DataFrame({"x": np.arange(n) % 100, "g": ["a"] * 500 + ["b"] * 500})
    cur = pd.DataFrame({"x": np.arange(n) % 100 + 2, "g": ["a"] * 460 + ["b"] * 540})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    args = ["--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv"]
    doc, _ = drift_json(run_mldeck, isolated_env, *args)
    f = features(doc)
    w1 = f["x"]["metrics"]["w1"]
    want = stats.wasserstein_distance(ref["x"], cur["x"]) / np.std(ref["x"])
    assert w1["value"] == pytest.approx(want, rel=1e-9)
    assert (w1["warn"], w1["threshold"]) == (0.05, 0.1) and 0.05 <= w1["value"] < 0.1
    assert w1["status"] == "warn"
    assert all(m["status"] == "ok" for k, m in f["x"]["metrics"].items() if k != "w1")
    assert (f["x"]["status"], f["x"]["method"]) == ("warn", "w1")
    chi = f["g"]["metrics"]["chi2"]
    want = stats.chi2_contingency([[500, 500], [460, 540]], correction=True)
    assert chi["p_value"] == pytest.approx(want.pvalue, abs=1e-6)
    assert (chi["warn"], chi["threshold"]) == (0.15, 0.05) and chi["status"] == "warn"
    assert (f["g"]["status"], f["g"]["method"]) == ("warn", "chi2")
    # a warning is not drift
    assert doc["summary"]["drifted"] == 0 and doc["summary"]["dataset_drift"] is False

    cp = drift(run_mldeck, isolated_env, *args)
    rows = {(r[0], r[2]): r[5] for r in (ln.split() for ln in cp.stdout.splitlines()[1:-1])}
    assert rows[("x", "w1")] == "warn" and rows[("x", "psi")] == "ok"
    assert rows[("g", "chi2")] == "warn"
    assert "0 of 2 features drifted" in cp.stdout


# --- the sandbox's drift data --------------------------------------------------------------------------


SANDBOX = Path(__file__).resolve().parents[1] / "sandbox"


def sandbox_job(sb):
    """The drift job tests/sandbox/run.sh writes into its config, with $SB replaced."""
    text = (SANDBOX / "run.sh").read_text()
    start = 'cat >"$SB/config.yaml" <<YAML\n'
    cfg = text[text.index(start) + len(start):text.index("\nYAML\n")]
    doc = yaml.safe_load(cfg.replace("$SB", str(sb)).replace("$url", "u").replace("$moto_url", "u"))
    (job,) = doc["contexts"][0]["drift"]
    return job


def test_sandbox_data_drifts_after_the_deployment(run_mldeck, isolated_env, tmp_path, venv_python):
    anchor = 1764590400  # 2025-12-01T12:00:00Z; the deployment is 5 hours before it
    cp = subprocess.run([venv_python, SANDBOX / "drift_data.py", tmp_path / "drift", "--anchor",
                         str(anchor)], capture_output=True, text=True, timeout=120)
    assert cp.returncode == 0, cp.stderr
    job = sandbox_job(tmp_path)
    flags = {"reference": "--reference", "current": "--current", "format": "--format",
             "prediction": "--prediction", "window": "--window", "violations": "--violations",
             "categorical": "--categorical"}
    args = []
    for k, v in job.items():
        if k in ("name", "endpoint"):
            continue
        assert k in flags, f"run.sh's drift job has '{k}': teach this test its flag"
        args += [flags[k], ",".join(v) if isinstance(v, list) else v]
    doc, cp = drift_json(run_mldeck, isolated_env, *args)
    assert cp.stderr == ""
    deployed = (anchor - 5 * 3600) * 1000
    before = [w for w in doc["windows"] if w["end"] <= deployed]
    after = [w for w in doc["windows"] if w["start"] >= deployed]
    assert (len(before), len(after), len(doc["windows"])) == (7, 5, 12)
    for w in before:
        assert w["summary"]["dataset_drift"] is False, w["summary"]
        assert w["summary"]["drifted"] <= 1
        assert features(w)["plan"]["status"] != "drift"
    for w in after:
        assert w["summary"]["dataset_drift"] is True, w["summary"]
        f = features(w)
        # what the generator moves: charges, the plan mix and the score
        assert {c: f[c]["status"] for c in ("monthly_charges", "plan", "prediction")} == {
            "monthly_charges": "drift", "plan": "drift", "prediction": "drift"}
    # what it leaves alone never drifts
    assert all(features(w)["region"]["status"] in ("ok", "warn") for w in doc["windows"])
    assert [p["feature"] for p in doc["platform"]] == ["monthly_charges", "plan"]
