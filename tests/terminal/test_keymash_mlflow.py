"""Read-only key-mash against the seeded MLflow server: a long run of random keys from a
fixed seed over every screen (the mutating keys and typed confirmations included) must
not send one mutating request. The proof is the server's own access log (uvicorn's, see
tests/servers.py): every request from the start of the run is read back and checked with
servers.is_mutation() (PUT/PATCH/DELETE, or a POST that is not a */search).
"""

import json
import re
import sys
from pathlib import Path

import keymash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import assert_no_mutations, run_mldeck  # noqa: E402

MODELS = ["churn-classifier", "demand-forecaster", "fraud-detector"]
EXPERIMENTS = ["churn-prediction", "demand-forecasting"]


def test_read_only_key_mash_makes_no_mutating_request(mldeck, mlflow_server):
    since = mlflow_server.log_lines()
    t = mldeck.start("--read-only", cols=120, rows=35)
    t.wait_for(re.compile(r"@champion\s+\d"))
    commands = ["overview", "models", "experiments", "audit", "help", "refresh", "endpoints",
                "ctx"] + [f"versions {m}" for m in MODELS] + [f"runs {e}" for e in EXPERIMENTS]
    tour = []
    for m in MODELS:
        # the alias row, its rollback, a typed name; then the versions screen, same again
        tour += [["/"] + keymash.keys(m) + ["Enter"], ["r"], keymash.keys(m) + ["Enter"], ["u"],
                 ["Escape"], [":"] + keymash.keys(f"versions {m}") + ["Enter"], ["r"], ["u"],
                 ["Enter"], ["Escape"], ["Escape"]]
    moves = keymash.mash_moves(seed=424242, n=600, names=MODELS + EXPERIMENTS, commands=commands)
    seen = keymash.play(t, tour + moves)
    assert not t.dead, f"mldeck died during the key-mash:\n{t.screen()}"
    keymash.settle(t)
    assert {"Overview: deployed"} < seen, seen
    t.send("q")
    assert t.wait_dead(timeout=15) == 0
    reqs = assert_no_mutations(mlflow_server, since)
    assert len(reqs) > 10, reqs  # the log did record mldeck's reads
    env = mldeck.env()
    audit = run_mldeck(["--state", mldeck.tmp / "state.db", "get", "audit", "--json"], env)
    refused = [e for e in json.loads(audit.stdout) if e["outcome"] == "refused"]
    assert any("@" in e["target"] for e in refused), audit.stdout
    assert_no_mutations(mlflow_server, since)
