"""Read-only mode makes zero mutating requests, whatever the command.

The server's own request log is the witness: after each read-only session it
must hold no PUT, PATCH or DELETE and no POST other than */search. A positive
control proves the log shows a mutation when one is made.
"""

import json

import pytest

from servers import assert_no_mutations, describe, is_mutation

MODEL, ALIAS = "churn-classifier", "champion"


def _config(tmp_path, url, context_ro=False, global_ro=False):
    cfg = tmp_path / "config.yaml"
    text = ""
    if global_ro:
        text += "read_only: true\n"
    text += "current_context: sandbox\ncontexts:\n  - name: sandbox\n"
    if context_ro:
        text += "    read_only: true\n"
    text += ("    refresh: 10\n    backends:\n      - name: mlflow\n        type: mlflow\n"
             f"        url: {url}\n")
    cfg.write_text(text)
    return cfg


def _alias(client):
    return client.get_registered_model(MODEL).aliases.get(ALIAS)


@pytest.fixture
def env(mlflow_server, isolated_env):
    return dict(isolated_env, MLFLOW_TRACKING_URI=mlflow_server.url)


@pytest.fixture(scope="module")
def client(mlflow_server):
    return mlflow_server.client()


def _prepare_history(run_mldeck, env, state, client):
    """Give the state file an earlier champion, so a plain rollback has a target
    (and would really mutate if the gate let it through)."""
    before = _alias(client)
    cp = run_mldeck(["--state", state, "get", "models", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    other = "1" if before != "1" else "2"
    client.set_registered_model_alias(MODEL, ALIAS, other)
    cp = run_mldeck(["--state", state, "get", "models", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    return other, before


def test_every_headless_command_read_only(run_mldeck, mlflow_server, env, tmp_path, client):
    state = tmp_path / "state.db"
    current, previous = _prepare_history(run_mldeck, env, state, client)
    eid = mlflow_server.seed["experiments"]["churn-prediction"]
    since = mlflow_server.log_lines()
    ro = ["--state", state, "--read-only"]
    reads = [
        ["get", "experiments"], ["get", "experiments", "--json"],
        ["get", "runs", "--experiment", "churn-prediction"],
        ["get", "runs", "--experiment", eid, "--json"],
        ["get", "models"], ["get", "models", "--json"],
        ["get", "versions", "--model", MODEL], ["get", "versions", "--model", MODEL, "--json"],
        ["get", "audit"], ["get", "audit", "--json"],
    ]
    for args in reads:
        cp = run_mldeck(ro + args, env)
        assert cp.returncode == 0, describe(cp)
    refusals = [
        (["rollback", "alias", MODEL, ALIAS, "--yes"], None),
        (["rollback", "alias", MODEL, ALIAS, "--to", previous, "--yes"], None),
        (["rollback", "alias", MODEL, ALIAS, "--to", previous], MODEL + "\n"),
        (["rollback", "alias", MODEL, ALIAS], MODEL + "\n"),
        (["rollback", "alias", MODEL, "challenger", "--to", "1", "--yes"], None),
    ]
    for args, stdin in refusals:
        cp = run_mldeck(ro + args, env, input=stdin)
        assert cp.returncode == 3, describe(cp)
        assert "read-only" in cp.stderr.lower() or "read only" in cp.stderr.lower(), describe(cp)
    reqs = assert_no_mutations(mlflow_server, since)
    assert any(r[1].endswith("/runs/search") for r in reqs), "the reads reached the server"
    assert _alias(client) == current

    audit = json.loads(run_mldeck(ro + ["get", "audit", "--json"], env).stdout)
    refused = [e for e in audit if e["outcome"] == "refused"]
    assert len(refused) >= len(refusals), audit
    assert all(e["phase"] in ("started", "finished") for e in audit)
    client.set_registered_model_alias(MODEL, ALIAS, previous)


@pytest.mark.parametrize("where", ["context", "global"])
def test_read_only_from_config(run_mldeck, mlflow_server, env, tmp_path, client, where):
    state = tmp_path / "state.db"
    current, previous = _prepare_history(run_mldeck, env, state, client)
    cfg = _config(tmp_path, mlflow_server.url, context_ro=(where == "context"),
                  global_ro=(where == "global"))
    since = mlflow_server.log_lines()
    base = ["--state", state, "--config", cfg]
    cp = run_mldeck(base + ["get", "models", "--json"], env)
    assert cp.returncode == 0, describe(cp)
    cp = run_mldeck(base + ["rollback", "alias", MODEL, ALIAS, "--yes"], env)
    assert cp.returncode == 3, describe(cp)
    cp = run_mldeck(base + ["rollback", "alias", MODEL, ALIAS, "--to", previous, "--yes"], env)
    assert cp.returncode == 3, describe(cp)
    assert_no_mutations(mlflow_server, since)
    assert _alias(client) == current
    client.set_registered_model_alias(MODEL, ALIAS, previous)


def test_positive_control_mutation_is_seen(run_mldeck, mlflow_server, env, tmp_path, client):
    """Without --read-only the same rollback shows up in the log: the witness works."""
    state = tmp_path / "state.db"
    current, previous = _prepare_history(run_mldeck, env, state, client)
    since = mlflow_server.log_lines()
    cp = run_mldeck(["--state", state, "rollback", "alias", MODEL, ALIAS, "--yes"], env)
    assert cp.returncode == 0, describe(cp)
    assert _alias(client) == previous
    mlflow_server.sync_log()
    muts = [r for r in mlflow_server.requests_log(since) if is_mutation(r[0], r[1])]
    assert muts and all("registered-models/alias" in r[1] for r in muts), muts
    with pytest.raises(AssertionError):
        assert_no_mutations(mlflow_server, since)
