"""Two processes on one state file (issue 10, defect 11): a console and a headless command
share the state file. After Ctrl-R the console shows the audit entry the headless command
wrote, the overview names who changed the alias instead of "unknown", and `u` offers the
newest action (the headless one), not the older one the console loaded at its start.
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import describe, run_mldeck  # noqa: E402
from test_tui import alias_version, set_alias, start_on_overview  # noqa: E402

OLDER, NEWER = "fraud-detector", "demand-forecaster"


def _other(v):
    return "1" if v != "1" else "2"


def test_console_sees_headless_entries_after_ctrl_r_and_undoes_the_newest(mldeck, mlflow_server,
                                                                          tmp_path):
    url = mlflow_server.url
    state = str(tmp_path / "state.db")
    env = mldeck.env()
    old_before = alias_version(url, OLDER, "champion")
    new_before = alias_version(url, NEWER, "champion")
    new_to = _other(new_before)

    def headless(*args):
        cp = run_mldeck(["--state", state, *args], env)
        assert cp.returncode == 0, describe(cp)
        return cp

    try:
        # an older action, in the log before the console starts
        headless("get", "models")
        headless("rollback", "alias", OLDER, "champion", "--to", _other(old_before), "--yes")
        t = start_on_overview(mldeck, state=state, cols=180)  # wide enough for BY
        # set before mldeck ever looked: nobody it can name
        t.wait_for(re.compile(rf"{NEWER}\s+@champion\s+{new_before}\b.*\bunknown\b"))
        # the newer one, by another process on the same state file while the console runs
        headless("rollback", "alias", NEWER, "champion", "--to", new_to, "--yes")
        assert alias_version(url, NEWER, "champion") == new_to
        audit = json.loads(headless("get", "audit", "--json").stdout)
        who = next(e["who"] for e in audit if e["target"] == f"{NEWER}@champion"
                   and e["phase"] == "finished" and e["outcome"] == "ok")
        t.send("C-r")
        # the label now names who moved it: the audit entry explains the change
        t.wait_for(re.compile(rf"{NEWER}\s+@champion\s+{new_to}\b.*{re.escape(who)}"))
        t.type(":audit")
        t.send("Enter")
        t.wait_for("Audit log (newest first)")
        t.wait_for(re.compile(rf"alias-rollback\s+{NEWER}@champion\s+{new_before} → {new_to}"
                              r"\s+finished\s+ok"))
        t.send("u")
        screen = t.wait_for("type the model name to confirm")
        assert f"Undo {NEWER}@champion: {new_to} -> {new_before}" in screen, screen
        assert f"Undo {OLDER}@champion" not in screen
        t.send("Escape")
        t.wait_for("cancelled: nothing changed")
        assert alias_version(url, NEWER, "champion") == new_to
    finally:
        set_alias(url, OLDER, "champion", old_before)
        set_alias(url, NEWER, "champion", new_before)
