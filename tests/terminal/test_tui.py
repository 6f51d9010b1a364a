"""End-to-end tests of the console: the real ./mldeck in tmux against a real,
seeded MLflow server, driven by keys as a person would.

The truth each test checks against comes from the server's REST API at test
time, not from constants, so a reseeded server does not break them.
"""

import json
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
import urllib.request

import pytest
from tmuxterm import Deck

BRAILLE = re.compile("[\u2801-\u28ff]")
POSITION = re.compile(r"(\d+)/(\d+)\s*$")
# SGR parameters that select a colour: 30-37, 39 is "default" (allowed), 40-47, 49 allowed,
# 90-97, 100-107, and extended 38;/48; forms.
COLOUR_SGR = re.compile(r"\x1b\[([0-9;]*)m")


# --- the server's truth ------------------------------------------------------------------------


def api(url, method, path, body=None, params=None):
    full = f"{url}/api/2.0/mlflow/{path}"
    if params:
        full += "?" + urllib.parse.urlencode(params)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(full, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=15) as r:
        raw = r.read()
    return json.loads(raw) if raw else {}


def printable(s):
    return all(ord(c) >= 0x20 and not 0x7f <= ord(c) < 0xa0 for c in s)


def model_aliases(url, hostile=False):
    """{model: {alias: version}} of every registered model that has aliases (no prompts);
    names holding control characters (the hostile seed) only when `hostile`."""
    out = {}
    res = api(url, "GET", "registered-models/search", params={"max_results": 1000})
    for m in res.get("registered_models", []):
        tags = {t["key"]: t.get("value") for t in m.get("tags", [])}
        if tags.get("mlflow.prompt.is_prompt") == "true":
            continue
        if m.get("aliases") and (hostile or printable(m["name"])):
            out[m["name"]] = {a["alias"]: a["version"] for a in m["aliases"]}
    return out


def alias_version(url, model, alias):
    res = api(url, "GET", "registered-models/alias", params={"name": model, "alias": alias})
    return res["model_version"]["version"]


def set_alias(url, model, alias, version):
    api(url, "POST", "registered-models/alias",
        {"name": model, "alias": alias, "version": version})


def run_names(url, experiment):
    eid = api(url, "GET", "experiments/get-by-name",
              params={"experiment_name": experiment})["experiment"]["experiment_id"]
    res = api(url, "POST", "runs/search", {"experiment_ids": [eid], "max_results": 1000})
    return [r["info"]["run_name"] for r in res.get("runs", [])]


# --- reading the screen --------------------------------------------------------------------------


def position(screen):
    """(selected, shown) from the right end of the view's title line."""
    m = POSITION.search(screen.split("\n")[1])
    assert m, f"no position in the title line:\n{screen}"
    return int(m.group(1)), int(m.group(2))


def body_rows(screen):
    """Table rows: between the column header (line 2) and the status line."""
    lines = screen.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return [ln for ln in lines[3:-2] if ln.strip()]


def run_name_column(screen):
    """The NAME column of the runs table (after the one-cell mark column)."""
    return [ln[2:].split()[0] for ln in body_rows(screen) if len(ln) > 2 and ln[2:].strip()]


def start_on_overview(mldeck, *args, **kw):
    t = mldeck.start(*args, **kw)
    t.wait_for("Overview")
    t.wait_for(re.compile(r"@champion\s+\d"))
    return t


def open_runs(t, experiment):
    t.type(f":runs {experiment}")
    t.send("Enter")
    t.wait_for(f"Runs of {experiment}")
    t.wait_for(lambda s: position(s)[1] > 0, timeout=15)


# --- tests ----------------------------------------------------------------------------------------


def test_overview_lists_every_seeded_model_alias(mldeck, mlflow_server):
    truth = model_aliases(mlflow_server.url)
    assert truth, "the seeded server has no model aliases"
    t = start_on_overview(mldeck)
    screen = t.wait_for(lambda s: all(m in s for m in truth))
    rows = body_rows(screen)
    for model, aliases in truth.items():
        for alias, version in aliases.items():
            pat = re.compile(rf"{re.escape(model)}\s+@{re.escape(alias)}\s+{version}\b")
            assert any(pat.search(r) for r in rows), f"{model}@{alias}={version} missing:\n{screen}"
    assert "mlflow" in screen.split("\n")[0]  # the backend in the header


def test_hostile_names_print_as_text_not_as_escape_sequences(mldeck, mlflow_server):
    hostile = [m for m in model_aliases(mlflow_server.url, hostile=True) if not printable(m)]
    if not hostile:
        pytest.fail("no hostile model seeded")
    t = start_on_overview(mldeck)
    screen = t.wait_for("EVIL")
    assert screen.split("\n")[0].startswith(" mldeck"), screen  # nothing moved the cursor home
    assert "?[2J" in screen or "?[31m" in screen  # ESC shown as '?', the rest as text
    raw = t.screen(escapes=True)
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", raw), "a non-SGR escape reached the screen"
    assert "\u009b" not in raw and "\x07" not in raw


def test_experiments_command_then_enter_shows_the_runs_of_the_experiment(mldeck, mlflow_server):
    names = set(run_names(mlflow_server.url, "churn-prediction"))
    t = start_on_overview(mldeck)
    t.type(":experiments")
    t.send("Enter")
    t.wait_for("churn-prediction")
    t.send("/")
    t.type("churn-prediction")
    t.send("Enter")
    t.wait_for(lambda s: position(s) == (1, 1))
    t.send("Enter")
    t.wait_for("Runs of churn-prediction")
    screen = t.wait_for(lambda s: position(s)[1] > 0)
    shown = run_name_column(screen)
    assert shown and set(shown) <= names, f"rows are not runs of the experiment:\n{screen}"


def test_j_k_g_and_G_move_the_selection(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    open_runs(t, "churn-prediction")
    assert position(t.screen())[0] == 1
    t.send("j")
    t.send("j")
    t.wait_for(lambda s: position(s)[0] == 3)
    t.send("k")
    t.wait_for(lambda s: position(s)[0] == 2)
    t.send("G")
    screen = t.wait_for(lambda s: position(s)[0] == position(s)[1])
    last = run_name_column(screen)[-1]
    t.send("g")
    t.wait_for(lambda s: position(s)[0] == 1)
    t.send("Down")
    t.wait_for(lambda s: position(s)[0] == 2)
    assert last  # the last row was on screen after G


def test_filter_narrows_the_rows_and_esc_clears_it(mldeck, mlflow_server):
    names = run_names(mlflow_server.url, "churn-prediction")
    target = sorted(names)[0]
    t = start_on_overview(mldeck)
    open_runs(t, "churn-prediction")
    _, total = position(t.screen())
    t.send("/")
    t.type(target)
    screen = t.wait_for(lambda s: position(s)[1] == 1)
    assert run_name_column(screen) == [target]
    assert f"[filter: {target}]" in screen.split("\n")[1]
    t.send("Enter")  # keep the filter, leave the input line
    t.send("Escape")  # clears the filter, stays on the screen
    screen = t.wait_for(lambda s: position(s)[1] == total)
    assert "Runs of churn-prediction" in screen
    assert "[filter:" not in screen


def test_sort_key_orders_runs_by_the_chosen_column(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    open_runs(t, "churn-prediction")
    for _ in range(8):
        if re.search(r"NAME ▲", t.screen()):
            break
        t.send("s")
        time.sleep(0.2)
    screen = t.wait_for(re.compile(r"NAME ▲"))
    screen = t.wait_for(lambda s: len(run_name_column(s)) > 5)
    shown = run_name_column(screen)
    assert shown == sorted(shown, key=str.lower), f"not ascending by name:\n{screen}"
    t.send("S")
    screen = t.wait_for(re.compile(r"NAME ▼"))
    screen = t.wait_for(lambda s: len(run_name_column(s)) > 5
                        and run_name_column(s) == sorted(run_name_column(s), key=str.lower,
                                                         reverse=True))
    assert run_name_column(screen) != shown


def test_help_lists_every_key_including_rollback(mldeck):
    t = mldeck.start()
    t.wait_for("Overview")
    t.send("?")
    screen = t.wait_for("Help: keys and commands")
    for text in ("Everywhere", "q ", "Ctrl-R", "Enter"):
        assert text in screen, f"{text!r} missing from help:\n{screen}"
    t.send("/")
    t.type("rollback")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^r\s+rollback: ", re.M))
    assert "type model name" in screen
    assert "changes platform" in screen
    t.send("Escape")  # clear the filter
    t.send("Escape")  # close help
    t.wait_for("Overview: deployed versions")


def test_esc_goes_back_one_screen_at_a_time(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    t.type(":experiments")
    t.send("Enter")
    t.wait_for("churn-prediction")
    t.send("/")
    t.type("churn-prediction")
    t.send("Enter")
    t.wait_for(lambda s: position(s) == (1, 1))
    t.send("Enter")
    t.wait_for("Runs of churn-prediction")
    t.send("Escape")
    t.wait_for(lambda s: s.split("\n")[1].startswith(" Experiments"))
    t.send("Escape")  # the filter first
    t.wait_for(lambda s: "[filter:" not in s)
    t.send("Escape")
    t.wait_for("Overview: deployed versions")


def test_run_detail_shows_params_metrics_and_a_braille_chart(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    open_runs(t, "churn-prediction")
    t.send("Enter")
    screen = t.wait_for("── params", timeout=15)
    assert "── run" in screen and "status" in screen
    # below the chart's title line (the header's spinner is braille too)
    screen = t.wait_for(lambda s: "chart:" in s and BRAILLE.search(s.split("chart:")[1]),
                        timeout=15)
    assert re.search(r"chart: \S+\s+\d+ points", screen), screen
    # the metrics section is further down: move onto it
    for _ in range(60):
        if "── metrics" in t.screen():
            break
        t.send("j")
    screen = t.wait_for("── metrics")
    assert "step 0" in screen  # the chart's x axis


def test_ascii_mode_draws_the_chart_without_unicode(mldeck, mlflow_server):
    t = mldeck.start("--ascii")
    t.wait_for("Overview")
    t.wait_for(re.compile(r"@champion\s+\d"))
    open_runs(t, "churn-prediction")
    t.send("Enter")
    screen = t.wait_for(lambda s: "chart:" in s and "*" in s.split("chart:")[1], timeout=15)
    assert all(ord(c) < 128 for c in screen), f"non-ASCII in --ascii mode:\n{screen}"


def test_compare_shows_two_marked_runs_side_by_side(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    open_runs(t, "churn-prediction")
    first, second = run_name_column(t.screen())[:2]
    t.send("Space")
    t.send("Space")
    screen = t.wait_for(lambda s: s.count("*") >= 2)
    t.send("c")
    screen = t.wait_for("Compare two runs")
    screen = t.wait_for("── params")
    header = screen.split("\n")[2]
    assert first in header and second in header, screen
    assert re.search(r"\d+ differences?", screen.split("\n")[1])
    assert "≠" in screen  # differences are marked by a glyph, not colour alone


def test_resize_grows_shrinks_to_the_too_small_message_and_back(mldeck, mlflow_server):
    t = start_on_overview(mldeck)
    t.resize(120, 40)
    screen = t.wait_for(lambda s: len(s.split("\n")[1].rstrip()) > 100)
    assert len(screen.rstrip("\n").split("\n")) == 40
    assert "Overview: deployed versions" in screen
    t.resize(50, 12)
    t.wait_for("terminal too small: 50x12 (need 60x15)")
    t.resize(100, 30)
    screen = t.wait_for("Overview: deployed versions")
    assert "too small" not in screen
    t.wait_for(re.compile(r"@champion\s+\d"))


def _colour_codes(screen):
    bad = []
    for params in COLOUR_SGR.findall(screen):
        parts = [p for p in params.split(";") if p]
        i = 0
        while i < len(parts):
            n = int(parts[i])
            if n in (38, 48):
                bad.append(params)
                break
            if 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 97 or 100 <= n <= 107:
                bad.append(params)
                break
            i += 1
    return bad


def test_no_color_env_draws_without_colour_sequences(mldeck, mlflow_server):
    t = mldeck.start(env={"NO_COLOR": "1"})
    t.wait_for(re.compile(r"@champion\s+\d"))
    screen = t.screen(escapes=True)
    assert _colour_codes(screen) == [], f"colour SGR with NO_COLOR: {_colour_codes(screen)[:5]}"
    assert "\x1b[" in screen  # attributes (bold, reverse) still mark the roles


def test_colours_are_used_when_allowed(mldeck, mlflow_server):
    t = mldeck.start()
    t.wait_for(re.compile(r"@champion\s+\d"))
    assert _colour_codes(t.screen(escapes=True)), "no colour at all with a 256-colour TERM"


def _select_alias(t, model, alias):
    t.send("/")
    t.type(f"{model} @{alias}")
    t.send("Enter")
    t.wait_for(lambda s: position(s) == (1, 1))


def test_rollback_with_typed_confirmation_moves_the_alias_and_is_audited(mldeck, mlflow_server):
    url = mlflow_server.url
    model, alias = "demand-forecaster", "champion"
    truth = model_aliases(url)
    if model not in truth or alias not in truth[model]:
        pytest.fail(f"{model}@{alias} is not seeded")
    before = truth[model][alias]
    other = next(v for v in ("1", "2", "3", "4") if v != before)
    t = start_on_overview(mldeck)
    try:
        # mldeck sees `before`; someone moves the alias; mldeck sees that too.
        set_alias(url, model, alias, other)
        t.send("C-r")
        t.wait_for(re.compile(rf"{model}\s+@{alias}\s+{other}\b"))
        _select_alias(t, model, alias)
        t.send("r")
        screen = t.wait_for("type the model name to confirm")
        assert f"Roll back {model}@{alias}: {other} -> {before}" in screen
        # the wrong name does not confirm
        t.type("not-the-model")
        t.send("Enter")
        t.wait_for("does not match")
        assert alias_version(url, model, alias) == other
        for _ in range(len("not-the-model")):
            t.send("BSpace")
        t.type(model)
        t.send("Enter")
        t.wait_for(f"done: {model}@{alias}", timeout=20)
        deadline = time.monotonic() + 10
        while alias_version(url, model, alias) != before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alias_version(url, model, alias) == before
        t.send("Escape")  # clear the filter
        t.type(":audit")
        t.send("Enter")
        screen = t.wait_for("Audit log")
        screen = t.wait_for(re.compile(rf"alias-rollback\s+{model}@{alias}\s+{other} → {before}"
                                       r"\s+finished\s+ok"))
    finally:
        set_alias(url, model, alias, before)


def test_cancelled_rollback_changes_nothing(mldeck, mlflow_server):
    url = mlflow_server.url
    model, alias = "fraud-detector", "champion"
    truth = model_aliases(url)
    if model not in truth or alias not in truth[model]:
        pytest.fail(f"{model}@{alias} is not seeded")
    before = truth[model][alias]
    other = next(v for v in ("1", "2", "3") if v != before)
    t = start_on_overview(mldeck)
    try:
        set_alias(url, model, alias, other)
        t.send("C-r")
        t.wait_for(re.compile(rf"{model}\s+@{alias}\s+{other}\b"))
        _select_alias(t, model, alias)
        t.send("r")
        t.wait_for("type the model name to confirm")
        t.type(model)
        t.send("Escape")
        t.wait_for("cancelled: nothing changed")
        assert alias_version(url, model, alias) == other
    finally:
        set_alias(url, model, alias, before)


def test_read_only_refuses_rollback_and_marks_the_hint_disabled(mldeck, mlflow_server):
    url = mlflow_server.url
    t = mldeck.start("--read-only")
    screen = t.wait_for(re.compile(r"@champion\s+\d"))
    assert "READ-ONLY" in screen.split("\n")[0]
    assert "r rollback (read-only)" in screen.split("\n")[-2] or \
        "r rollback (read-only)" in screen
    before = alias_version(url, "churn-classifier", "champion")
    _select_alias(t, "churn-classifier", "champion")
    t.send("r")
    screen = t.wait_for(re.compile(r"read-only", re.I))
    assert "type the model name" not in screen  # a refusal is a message, not a dialog
    status = screen.rstrip("\n").split("\n")[-2]
    assert "read-only" in status.lower(), screen
    assert alias_version(url, "churn-classifier", "champion") == before


def test_command_line_completes_command_names_with_tab(mldeck):
    t = mldeck.start()
    t.wait_for("Overview")
    t.type(":mod")
    t.send("Tab")
    t.wait_for(re.compile(r"^:models\s*$", re.M))
    t.send("Enter")
    t.wait_for("Registered models")


def test_q_quits_with_status_zero(mldeck):
    t = mldeck.start()
    t.wait_for("Overview")
    t.send("q")
    assert t.wait_dead() == 0


def test_sigterm_quits_cleanly(mldeck):
    t = mldeck.start()
    t.wait_for("Overview")
    os.kill(t.program_pid(), signal.SIGTERM)
    assert t.wait_dead() == 0


def test_view_option_opens_that_screen_over_the_overview(mldeck):
    t = mldeck.start("--view", "audit")
    t.wait_for("Audit log (newest first)")
    t.send("Escape")
    t.wait_for("Overview: deployed versions")


def test_max_frames_ends_the_program_by_itself(mldeck):
    t = mldeck.start("--max-frames", "3")
    assert t.wait_dead(timeout=15) == 0


def test_keys_answered_while_the_server_hangs(tmp_path):
    """A server that accepts connections and never answers: the screen still reacts."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = lsock.accept()
                held.append(c)
            except OSError:
                pass

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    d = Deck(tmp_path, f"http://127.0.0.1:{lsock.getsockname()[1]}")
    try:
        t = d.start()
        t.wait_for("Overview")
        t0 = time.monotonic()
        t.send("?")
        t.wait_for("Help: keys and commands", timeout=3)
        assert time.monotonic() - t0 < 2.5
        t.send("Escape")
        t.wait_for("Overview")
        t.send("q")
        assert t.wait_dead(timeout=10) == 0
    finally:
        d.close()
        stop.set()
        th.join(timeout=2)
        for c in held:
            c.close()
        lsock.close()


LOADED = re.compile(r"Runs of bulk \((\d+) loaded")


def test_runs_load_more_pages_only_as_the_selection_nears_the_end(bulk_server, tmp_path):
    from servers import BULK_EXPERIMENT, BULK_RUNS

    assert BULK_EXPERIMENT == "bulk"
    d = Deck(tmp_path, bulk_server.url)
    try:
        t = d.start()
        t.wait_for("Overview")
        t.wait_for(lambda s: "loading" not in s)
        open_runs(t, "bulk")
        screen = t.wait_for(LOADED)
        first = int(LOADED.search(screen).group(1))
        assert first < BULK_RUNS, "the whole experiment was fetched up front"
        t.send("G")
        screen = t.wait_for(lambda s: int(LOADED.search(s).group(1)) > first, timeout=20)
        # PgDn moves a page at a time; at the end of what is loaded, more rows arrive
        # without another key (the last move asked for them)
        for _ in range(10):
            before, shown = position(t.screen())
            if before == shown:
                t.wait_for(lambda s: position(s)[1] > before, timeout=20)
            t.send("PageDown")
            t.wait_for(lambda s: position(s)[0] > before, timeout=5)
        loaded = int(LOADED.search(t.screen()).group(1))
        assert loaded < BULK_RUNS
        # G selects the last loaded row; a page that lands just after the key press adds
        # rows below it, so press again until the selection is on the last row shown
        import time
        deadline = time.monotonic() + 30
        while True:
            t.send("G")
            time.sleep(0.3)
            sel, shown = position(t.screen())
            if sel == shown or time.monotonic() > deadline:
                break
        assert sel == shown
    finally:
        d.close()


def test_cached_rows_stay_on_screen_marked_stale_when_the_server_is_down(mldeck, mlflow_server):
    """Last in the file: it stops the module's server (and starts it again)."""
    t = start_on_overview(mldeck)
    t.send("q")
    assert t.wait_dead() == 0
    t.kill()
    mlflow_server.stop()
    try:
        t = mldeck.start()
        screen = t.wait_for(re.compile(r"churn-classifier\s+@champion"), timeout=10)
        screen = t.wait_for(lambda s: "✖" in s.split("\n")[0], timeout=30)
        header = screen.split("\n")[0]
        assert "stale" in header
        assert "stale" in screen.split("\n")[1]  # the title says the data is old
        assert re.search(r"@champion.*stale \d+[smhd]\s*$", screen, re.M)
        t.send("?")  # still answers keys
        t.wait_for("Help: keys and commands")
    finally:
        mlflow_server.start()
