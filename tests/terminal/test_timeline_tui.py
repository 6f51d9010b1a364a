""":timeline in the console, as an on-call engineer uses it: an alias moved by someone else
(from the MLflow API) and one moved by mldeck show on one axis, the outside one with who
"unknown"; Enter shows the row in full; `r` on the outside change plans putting the old
version back, and confirming it does so on the real server.
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import describe, run_mldeck  # noqa: E402
from test_tui import alias_version, set_alias, start_on_overview  # noqa: E402

MINE, THEIRS = "fraud-detector", "demand-forecaster"


def _other(v):
    return "1" if v != "1" else "2"


def test_timeline_shows_who_undoes_an_outside_change(mldeck, mlflow_server, tmp_path):
    url = mlflow_server.url
    state = str(tmp_path / "state.db")
    env = mldeck.env()
    mine_before = alias_version(url, MINE, "champion")
    theirs_before = alias_version(url, THEIRS, "champion")
    theirs_to = _other(theirs_before)

    def headless(*args):
        cp = run_mldeck(["--state", state, *args], env)
        assert cp.returncode == 0, describe(cp)
        return cp

    try:
        headless("get", "models")  # the first look at both aliases
        headless("rollback", "alias", MINE, "champion", "--to", _other(mine_before), "--yes")
        set_alias(url, THEIRS, "champion", theirs_to)  # someone else, outside mldeck

        t = start_on_overview(mldeck, state=state, cols=160, rows=40)
        t.type(":timeline")
        t.send("Enter")
        t.wait_for("Timeline (newest first")
        # the outside change: a bracket, nobody to name; mldeck's: its user and outcome
        screen = t.wait_for(re.compile(
            rf"{THEIRS}@champion\s+alias moved\s+{theirs_before} -> {theirs_to}\s+unknown"
            r"\s+observed"))
        assert re.search(rf"{MINE}@champion\s+alias-rollback\s+{mine_before} -> "
                         rf"{_other(mine_before)}\s+\S+@\S+\s+mldeck\s+ok", screen), screen
        assert "(observed)" not in screen

        # one target: only its rows
        t.send("Escape")
        t.type(f":timeline {THEIRS}")
        t.send("Enter")
        t.wait_for(f"Timeline of {THEIRS}")
        screen = t.wait_for(f"{THEIRS}@champion")
        assert f"{MINE}@champion" not in screen, screen

        # Enter: the row in full
        t.send("Enter")
        screen = t.wait_for(re.compile(r"who\s+unknown"))
        assert re.search(rf"change\s+{theirs_before} -> {theirs_to}", screen), screen

        # r: undo that change, typed confirmation, then the server holds the old version
        t.send("r")
        screen = t.wait_for("type the model name to confirm")
        assert (f"Undo the alias change of {THEIRS}@champion: {theirs_to} -> {theirs_before}"
                in screen), screen
        t.type(THEIRS)
        t.send("Enter")
        t.wait_for(lambda s: alias_version(url, THEIRS, "champion") == theirs_before, timeout=20)
        # and the timeline shows the undo as mldeck's own action
        t.wait_for(re.compile(rf"{THEIRS}@champion\s+alias-rollback\s+{theirs_to} -> "
                              rf"{theirs_before}\s+\S+@\S+\s+mldeck\s+ok"), timeout=20)
    finally:
        set_alias(url, MINE, "champion", mine_before)
        set_alias(url, THEIRS, "champion", theirs_before)
