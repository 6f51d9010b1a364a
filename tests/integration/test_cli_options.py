"""The command line's option parsing (cli/cli_opt.c, getopt_long), without any server.

    mldeck [global options] COMMAND [command options and arguments, in any order]

Global options come before the command and stop at it; a command's options and arguments mix
freely; "--" ends the options. Long options take "--opt VALUE" or "--opt=VALUE" and may be
shortened to an unambiguous prefix. A usage error names what is wrong on stderr, prints the
synopsis of the command (or the global one) and exits 2; -h/--help prints it on stdout and
exits 0. `get audit` and `drift` run without a server, so they show that options take effect.
"""

import json
import sqlite3

import pytest

from servers import describe

COMMANDS = ("get", "rollback", "approve", "drift", "logs")


@pytest.fixture
def csvs(tmp_path):
    ref = tmp_path / "ref.csv"
    cur = tmp_path / "cur.csv"
    ref.write_text("x,g\n" + "".join(f"{i % 10},{'ab'[i % 2]}\n" for i in range(200)))
    cur.write_text("x,g\n" + "".join(f"{i % 10 + 1},{'ab'[i % 3 == 0]}\n" for i in range(200)))
    return ref, cur


def usage_error(cp, message, synopsis):
    assert cp.returncode == 2, describe(cp)
    assert message in cp.stderr, describe(cp)
    assert synopsis in cp.stderr, describe(cp)
    assert cp.stdout == "", describe(cp)


@pytest.mark.parametrize("args, message, synopsis", [
    (["--bogus"], "mldeck: unknown option '--bogus'", "usage: mldeck [options]"),
    (["-x", "get", "audit"], "mldeck: unknown option '-x'", "usage: mldeck [options]"),
    (["--config"], "mldeck: --config needs a value", "usage: mldeck [options]"),
    (["--read-only=yes", "get", "audit"], "mldeck: --read-only takes no value",
     "usage: mldeck [options]"),
    (["--con", "x", "get", "audit"], "mldeck: option '--con' is ambiguous",
     "usage: mldeck [options]"),
    (["--max-frames", "many"], "mldeck: bad --max-frames 'many'", "usage: mldeck [options]"),
    (["--sta=/dev/null/x", "get", "audit"], "mldeck: option '--sta' is ambiguous",
     "usage: mldeck [options]"),
    (["--state-recover=yes", "get", "audit"], "mldeck: --state-recover takes no value",
     "usage: mldeck [options]"),
    (["--clock=0"], "mldeck: bad --clock '0'", "usage: mldeck [options]"),
    (["get", "audit", "--no-such-flag"], "mldeck: get: unknown option '--no-such-flag'",
     "usage: mldeck get"),
    (["get", "runs", "--experiment"], "mldeck: get: --experiment needs a value",
     "usage: mldeck get"),
    (["get", "--json=1", "audit"], "mldeck: get: --json takes no value", "usage: mldeck get"),
    (["get", "audit", "runs"], "mldeck: get: unexpected argument 'runs'", "usage: mldeck get"),
    (["get", "audit", "--", "--json"], "mldeck: get: unexpected argument '--json'",
     "usage: mldeck get"),
    (["rollback", "alias", "m", "a", "--to"], "mldeck: rollback: --to needs a value",
     "usage: mldeck rollback"),
    (["rollback", "alias", "m", "a", "-q"], "mldeck: rollback: unknown option '-q'",
     "usage: mldeck rollback"),
    (["rollback", "alias", "m", "a", "b"], "mldeck: rollback: unexpected argument 'b'",
     "usage: mldeck rollback"),
    (["approve", "m", "1", "--status"], "mldeck: approve: --status needs a value",
     "usage: mldeck approve"),
    (["approve", "m", "1", "2", "--status", "Approved"],
     "mldeck: approve: unexpected argument '2'", "usage: mldeck approve"),
    (["drift", "--reference"], "mldeck: drift: --reference needs a value", "usage: mldeck drift"),
    (["drift", "--s3", "x"], "mldeck: drift: option '--s3' is ambiguous", "usage: mldeck drift"),
    (["drift", "stray"], "mldeck: drift: unexpected argument 'stray'", "usage: mldeck drift"),
])
def test_usage_errors(run_mldeck, isolated_env, args, message, synopsis):
    usage_error(run_mldeck(args, isolated_env), message, synopsis)


def test_global_options_stop_at_the_command(run_mldeck, isolated_env, tmp_path):
    """A global option after the command is the command's business: get has no --read-only."""
    usage_error(run_mldeck(["get", "audit", "--read-only"], isolated_env),
                "mldeck: get: unknown option '--read-only'", "usage: mldeck get")
    usage_error(run_mldeck(["--json", "get", "audit"], isolated_env),
                "mldeck: unknown option '--json'", "usage: mldeck [options]")
    state = tmp_path / "s.db"
    cp = run_mldeck(["--read-only", "--state", state, "get", "audit", "--json"], isolated_env)
    assert cp.returncode == 0 and json.loads(cp.stdout) == [], describe(cp)
    assert state.exists()


@pytest.mark.parametrize("form", [["--state", "{}"], ["--state={}"], ["--read-o", "--state={}"]])
def test_value_forms(run_mldeck, isolated_env, tmp_path, form):
    """--opt VALUE, --opt=VALUE and an unambiguous prefix all reach the option."""
    state = tmp_path / "via.db"
    args = [a.format(state) for a in form]
    cp = run_mldeck([*args, "get", "audit", "--json"], isolated_env)
    assert cp.returncode == 0, describe(cp)
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_command_options_mix_with_arguments(run_mldeck, isolated_env, tmp_path):
    """Options before, between or after the arguments; "--" ends them; POSIXLY_CORRECT is
    no matter: the same command each time."""
    state = tmp_path / "s.db"
    outs = []
    for args, extra in [(["get", "audit", "--json"], {}), (["get", "--json", "audit"], {}),
                        (["get", "--json", "--", "audit"], {}),
                        (["get", "audit", "--json"], {"POSIXLY_CORRECT": "1"})]:
        cp = run_mldeck(["--state", state, *args], dict(isolated_env, **extra))
        assert cp.returncode == 0, describe(cp)
        outs.append(cp.stdout)
    assert outs == ["[]\n"] * 4
    cp = run_mldeck(["--state", state, "get", "audit"], isolated_env)  # TSV, the default
    assert cp.returncode == 0 and not cp.stdout.startswith("["), describe(cp)


def test_drift_option_forms(run_mldeck, isolated_env, csvs):
    ref, cur = csvs
    cp = run_mldeck(["drift", f"--reference={ref}", "--cur", cur, "--methods=ks,chi2", "--json"],
                    isolated_env)
    assert cp.returncode == 0, describe(cp)
    doc = json.loads(cp.stdout)
    metrics = {m for f in doc["features"] for m in f["metrics"]}
    assert metrics == {"ks", "chi2"}, doc["features"]
    # a repeated --current adds a file; a repeated --methods replaces the set
    cur2 = cur.with_name("cur2.csv")
    cur2.write_text(cur.read_text())
    cp = run_mldeck(["drift", "--json", "--methods", "psi", "--reference", ref, "--current", cur,
                     "--current", cur2, "--methods", "w1"], isolated_env)
    assert cp.returncode == 0, describe(cp)
    doc = json.loads(cp.stdout)
    assert doc["files"]["read"] == 2, doc["files"]
    assert {m for f in doc["features"] for m in f["metrics"]} == {"w1"}


@pytest.mark.parametrize("args, synopsis", [
    (["--help"], "usage: mldeck [options]"),
    (["-h"], "usage: mldeck [options]"),
    *[([c, "--help"], f"usage: mldeck {c}") for c in COMMANDS],
    (["rollback", "alias", "-h"], "usage: mldeck rollback"),
])
def test_help(run_mldeck, isolated_env, args, synopsis):
    cp = run_mldeck(args, isolated_env)
    assert cp.returncode == 0, describe(cp)
    assert cp.stdout.startswith(synopsis), describe(cp)
    assert cp.stderr == "", describe(cp)


def test_version_and_help_config(run_mldeck, isolated_env):
    cp = run_mldeck(["--version"], isolated_env)
    assert cp.returncode == 0 and cp.stdout.startswith("mldeck "), describe(cp)
    cp = run_mldeck(["--read-only", "--help-config"], isolated_env)
    assert cp.returncode == 0 and "read_only" in cp.stdout, describe(cp)


def test_state_recover_is_a_global_option(run_mldeck, isolated_env, tmp_path):
    """--state-recover goes before the command; on a missing or healthy file it does nothing,
    on a corrupt one it moves the file aside and the command runs on a fresh one."""
    usage_error(run_mldeck(["get", "audit", "--state-recover"], isolated_env),
                "mldeck: get: unknown option '--state-recover'", "usage: mldeck get")
    state = tmp_path / "s.db"
    cp = run_mldeck(["--state-recover", "--state", state, "get", "audit", "--json"], isolated_env)
    assert cp.returncode == 0 and json.loads(cp.stdout) == [], describe(cp)
    assert cp.stderr == "", describe(cp)
    state.write_bytes(b"not a database at all" * 100)
    cp = run_mldeck(["--state", state, "--state-rec", "get", "audit", "--json"], isolated_env)
    assert cp.returncode == 0 and json.loads(cp.stdout) == [], describe(cp)
    assert [p.read_bytes() for p in tmp_path.glob("s.db.corrupt-*")] == [
        b"not a database at all" * 100]
    cp = run_mldeck(["--help"], isolated_env)
    assert "--state-recover" in cp.stdout, describe(cp)
