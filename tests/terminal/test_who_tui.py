"""CHANGED BY on the Overview after an mldeck undo and a later alias move made outside mldeck
(issue 11: it showed mldeck's user and the undo's time, and kept doing so after a restart).
The move is made through MLflow's REST API, as the Python client sends it; the console
must say "unknown", dated "at most N ago" (the bracket's end), and say so again after a
restart; mldeck's own undo before it is still mldeck's.
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import describe, run_mldeck  # noqa: E402
from test_tui import alias_version, set_alias, start_on_overview  # noqa: E402

MODEL, ALIAS = "churn-classifier", "challenger"


def _row(screen, model, alias):
    for line in screen.splitlines():
        if re.search(rf"{model}\s+@{alias}\b", line):
            return line
    return ""


def test_alias_moved_outside_after_an_undo_is_unknown_on_the_overview(mldeck, mlflow_server,
                                                                      tmp_path):
    url = mlflow_server.url
    state = str(tmp_path / "state.db")
    env = mldeck.env()
    old = alias_version(url, MODEL, ALIAS)
    other = "1" if old != "1" else "2"

    def headless(*args):
        cp = run_mldeck(["--state", state, *args], env)
        assert cp.returncode == 0, describe(cp)
        return cp

    try:
        headless("get", "models")
        headless("rollback", "alias", MODEL, ALIAS, "--to", other, "--yes")
        headless("rollback", "alias", MODEL, ALIAS, "--yes")  # undo
        assert alias_version(url, MODEL, ALIAS) == old
        audit = json.loads(headless("get", "audit", "--json").stdout)
        who = next(e["who"] for e in audit if e["target"] == f"{MODEL}@{ALIAS}"
                   and e["phase"] == "finished" and e["outcome"] == "ok")
        t = start_on_overview(mldeck, state=state, cols=150)  # wide enough for BY
        # the undo is mldeck's own
        t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{old}\b.*\d+[smh] ago\s+"
                              rf"{re.escape(who[:8])}"))
        set_alias(url, MODEL, ALIAS, other)  # someone else, outside mldeck
        t.send("C-r")
        screen = t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{other}\b.*"
                                       r"(≤|<)\d+[smh] ago\s+unknown"))
        assert who[:8] not in _row(screen, MODEL, ALIAS), _row(screen, MODEL, ALIAS)
        t.send("q")
        assert t.wait_dead() == 0
        # a restart keeps the answer
        t = start_on_overview(mldeck, state=state, cols=150)
        screen = t.wait_for(re.compile(rf"{MODEL}\s+@{ALIAS}\s+{other}\b.*"
                                       r"(≤|<)\d+[smh] ago\s+unknown"))
        assert who[:8] not in _row(screen, MODEL, ALIAS)
        t.send("q")
        assert t.wait_dead() == 0
    finally:
        set_alias(url, MODEL, ALIAS, old)
