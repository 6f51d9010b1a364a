"""Issue 10, the fault table's remaining rows: a connection reset, a 500 with an HTML page,
a body cut short of its Content-Length, and a reply nested 100,000 levels deep. Each is
played by tests/faultproxy.py in front of the real mlflow server (and moto_server for the
AWS JSON reply); each must end in an error that names the fault (not "cannot reach", not a
JSON parse error), the process must exit 1 by itself (no crash, no stack overflow), the
cached snapshot must stay, and in the console the header names the fault over the rows."""

import re
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from faultproxy import Fault  # noqa: E402
from servers import describe, run_mldeck  # noqa: E402
from tmuxterm import Deck  # noqa: E402

EXPERIMENTS = r"experiments/search"
EXPERIMENT = "churn-prediction"
DEEP = 100_000
# SageMaker's smallest cap (a ListEndpoints page of 1, 68 KiB) must not cut the body first: the
# test is about the depth, and which of the two ListEndpoints calls fails first is a race
AWS_DEEP = 20_000

# A gateway's error page: no <title>, a script, a comment, an escape sequence, and far
# more text than a header line holds.
HTML_500 = ("<!DOCTYPE html>\n<html>\n<head><style>body { color: red; }</style>"
            "<script>var secret = 'do-not-show';</script></head>\n<body>\n"
            "<!-- upstream pool 7 -->\n<h1>Internal Server Error</h1>\n"
            "<p>The upstream \x1b[31mtracking\x1b[0m service failed while handling"
            " your request.</p>\n<p>" + "Please try again later. " * 60 + "</p>\n"
            "</body>\n</html>\n")


def header(screen):
    return screen.split("\n")[0]


def get_experiments(env):
    return run_mldeck(["--state", env["MLDECK_TEST_STATE"], "get", "experiments"], env,
                      timeout=60)


def snapshot(state, prefix):
    db = sqlite3.connect(str(state))
    try:
        return db.execute("SELECT key, body FROM snapshot WHERE key LIKE ? ORDER BY key",
                          (prefix + "%",)).fetchall()
    finally:
        db.close()


def cached_then_faulted(fault_mlflow, env, fault):
    """A good run caches the experiments; then `fault` answers experiments/search.
    Returns (the faulted run, the cached experiments before it)."""
    good = get_experiments(env)
    assert good.returncode == 0 and EXPERIMENT in good.stdout, describe(good)
    before = snapshot(env["MLDECK_TEST_STATE"], "experiments")
    assert before, "the good run cached no experiments"
    fault_mlflow.proxy.add(fault)
    cp = get_experiments(env)
    assert any(r.fault == fault.kind for r in fault_mlflow.proxy.requests)
    # exit 1 by its own hand: a crash or a stack overflow is a negative status (a signal)
    assert cp.returncode == 1, describe(cp)
    assert EXPERIMENT not in cp.stdout, describe(cp)
    assert snapshot(env["MLDECK_TEST_STATE"], "experiments") == before, \
        "the failed fetch replaced the cached experiments"
    return cp


def test_connection_reset_is_named_and_retried(fault_mlflow, mlflow_env):
    cp = cached_then_faulted(fault_mlflow, mlflow_env, Fault("reset", path=EXPERIMENTS))
    assert re.search(r"connection reset by '[^']*experiments/search' \(before any reply\)",
                     cp.stderr), describe(cp)
    assert "cannot reach" not in cp.stderr, describe(cp)
    # a read is tried again after a reset (3 tries), then the error is reported
    assert len(fault_mlflow.proxy.hits(path=EXPERIMENTS)) == 3 + 1  # + the good run


def test_html_500_shows_the_status_and_a_short_clean_excerpt(fault_mlflow, mlflow_env):
    cp = cached_then_faulted(fault_mlflow, mlflow_env,
                             Fault("status", path=EXPERIMENTS, code=500, body=HTML_500,
                                   headers={"Content-Type": "text/html; charset=utf-8"}))
    line = next((ln for ln in cp.stderr.splitlines() if "HTTP 500" in ln), "")
    # the escape's ESC byte is cleaned to "?" like any control character in server text
    assert re.search(r"cannot list experiments of 'mlflow': HTTP 500: Internal Server Error "
                     r"The upstream \?\[31mtracking\?\[0m service failed while handling your "
                     r"request\. Please try again later\.", line), describe(cp)
    # an excerpt: no markup, no script, no escape, clipped well below the page's size
    for bad in ("<", ">", "DOCTYPE", "do-not-show", "color: red", "upstream pool", "\x1b"):
        assert bad not in line, f"{bad!r} in {line!r}"
    assert len(line) < 400, line
    assert "JSON" not in cp.stderr, describe(cp)


def test_truncated_body_names_both_sizes(fault_mlflow, mlflow_env):
    cp = cached_then_faulted(fault_mlflow, mlflow_env,
                             Fault("truncate", path=EXPERIMENTS, keep=40))
    m = re.search(r"reply from '[^']*experiments/search' cut short: 40 of (\d+) bytes arrived",
                  cp.stderr)
    assert m and int(m.group(1)) > 40, describe(cp)
    assert "cannot reach" not in cp.stderr and "JSON" not in cp.stderr, describe(cp)


def nested(kind):
    if kind == "arrays":
        return "[" * DEEP + "]" * DEEP
    # an envelope of the right shape with the depth inside it
    return '{"experiments": [' + '{"a":' * DEEP + "1" + "}" * DEEP + "]}"


def test_deep_nesting_is_a_parse_error_naming_the_depth(fault_mlflow, mlflow_env):
    for kind in ("arrays", "objects"):
        fault_mlflow.proxy.clear()
        cp = cached_then_faulted(fault_mlflow, mlflow_env,
                                 Fault("replace_body", path=EXPERIMENTS, body=nested(kind)))
        assert re.search(r"cannot list experiments of 'mlflow': JSON nested deeper than 1000 "
                         r"levels \(at byte \d+\)", cp.stderr), f"{kind}: {describe(cp)}"


def test_deep_nesting_in_an_aws_reply(fault_moto, tmp_path):
    from servers import make_isolated_env
    env = dict(make_isolated_env(tmp_path, **fault_moto.env))
    state = str(tmp_path / "state.db")
    args = ["--state", state, "get", "endpoints", "--backend", "sagemaker"]
    good = run_mldeck(args, env, timeout=60)
    assert good.returncode == 0 and "churn-prod" in good.stdout, describe(good)
    fault_moto.proxy.add(Fault("replace_body", method="POST",
                               when_header=("X-Amz-Target", r"\.ListEndpoints$"),
                               body='{"Endpoints": ' + "[" * AWS_DEEP + "]" * AWS_DEEP + "}"))
    cp = run_mldeck(args, env, timeout=60)
    assert any(r.fault == "replace_body" for r in fault_moto.proxy.requests)
    assert cp.returncode == 1, describe(cp)
    assert re.search(r"sagemaker.*JSON nested deeper than 1000 levels", cp.stderr), describe(cp)


def console_fault(fault_mlflow, tmp_path, fault, want):
    """The console shows the experiments, then `fault` answers the refresh: the header
    must name it (`want`) while the cached rows stay."""
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = d.start(cols=200, rows=40)
        t.wait_for("Overview")
        t.type(":experiments")
        t.send("Enter")
        t.wait_for(EXPERIMENT, timeout=15)
        t.wait_for(lambda s: "mlflow: " not in header(s))
        fault_mlflow.proxy.add(fault)
        t.send("C-r")
        screen = t.wait_for(lambda s: want.search(header(s)), timeout=20)
        assert EXPERIMENT in screen, screen
        assert "\x1b" not in screen
        assert any(r.fault == fault.kind for r in fault_mlflow.proxy.requests)
        return screen
    finally:
        d.close()


def test_console_names_a_reset_and_keeps_the_rows(fault_mlflow, tmp_path):
    console_fault(fault_mlflow, tmp_path, Fault("reset", path=EXPERIMENTS),
                  re.compile(r"mlflow: .*connection reset by"))


def test_console_names_an_html_500_and_keeps_the_rows(fault_mlflow, tmp_path):
    screen = console_fault(fault_mlflow, tmp_path,
                           Fault("status", path=EXPERIMENTS, code=500, body=HTML_500,
                                 headers={"Content-Type": "text/html"}),
                           re.compile(r"mlflow: .*HTTP 500: Internal Server Error"))
    assert "DOCTYPE" not in header(screen) and "<" not in header(screen), header(screen)


def test_console_names_a_deep_reply_and_keeps_the_rows(fault_mlflow, tmp_path):
    console_fault(fault_mlflow, tmp_path,
                  Fault("replace_body", path=EXPERIMENTS, body=nested("arrays")),
                  re.compile(r"mlflow: .*JSON nested deeper than 1000 levels"))
