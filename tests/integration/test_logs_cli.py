"""`mldeck logs` against a real moto_server: CloudWatch Logs FilterLogEvents for a
SageMaker endpoint, with --since, --filter, --variant and --follow.

The test writes the events itself (tests/seed_logs.py): per variant stream, an old line
(2 h ago), an error line, health-check noise, and a line with a terminal escape sequence.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

import moto_launcher  # noqa: E402
import seed_logs  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
EP = "fraud-live"
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        variants = sorted(m.seed["endpoints"][EP]["variants"])
        assert len(variants) >= 2
        m.va, m.vb = variants[0], variants[1]
        now = seed_logs.now_ms()
        sa, sb = f"{m.va}/i-0aaa", f"{m.vb}/i-0bbb"
        m.t0 = now
        seed_logs.write(m.url, REGION, EP, [
            (sa, now - 2 * 3600 * 1000, "INFO old line from two hours ago"),
            (sa, now - 20 * 60 * 1000, "INFO model loaded in 2.1 s"),
            (sa, now - 10 * 60 * 1000, "ERROR inference failed: division by zero"),
            (sa, now - 9 * 60 * 1000, "WARN evil \x1b]0;pwned\x07 title \x1b[31mred"),
            (sb,) + seed_logs.ping(now - 8 * 60 * 1000),
            (sb, now - 5 * 60 * 1000, "INFO variant b serving"),
        ])
        yield m


def mldeck_bin():
    p = Path(os.environ.get("MLDECK_BIN", "mldeck"))
    p = p if p.is_absolute() else REPO / p
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mldeck binary not found: {p} (build it with `make`)")
    return str(p)


def command(moto, tmp_path, *args, read_only=False):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: aws\ncontexts:\n  - name: aws\n    backends:\n"
                   f"      - name: sm\n        type: sagemaker\n        url: {moto.url}\n"
                   f"        region: {REGION}\n")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MLFLOW_", "AZURE_")) and "proxy" not in k.lower()}
    env.update(HOME=str(home), LC_ALL="C.UTF-8", AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
               AWS_SECRET_ACCESS_KEY="mldeck-logs-test-not-a-secret")
    cmd = [mldeck_bin(), "--config", str(cfg), "--state", str(tmp_path / "state.db"),
           "--log", str(tmp_path / "mldeck.log"), "-v"]
    if read_only:
        cmd.append("--read-only")
    return cmd + ["logs", EP] + [str(a) for a in args], env


def run(moto, tmp_path, *args, read_only=False):
    cmd, env = command(moto, tmp_path, *args, read_only=read_only)
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if any(mark in cp.stderr for mark in SANITIZER_MARKS):
        pytest.fail(f"sanitizer report:\n{cp.stderr[-6000:]}")
    return cp


def test_default_last_hour_every_variant_in_time_order(moto, tmp_path):
    cp = run(moto, tmp_path)
    assert cp.returncode == 0, cp.stderr
    out = cp.stdout
    assert "ERROR inference failed: division by zero" in out
    assert "INFO variant b serving" in out
    assert "old line from two hours ago" not in out  # before the default --since 1h
    lines = out.splitlines()
    assert [ln for ln in lines if "model loaded" in ln][0].split()[1] == f"{moto.va}/i-0aaa"
    stamps = [ln.split()[0] for ln in lines]
    assert stamps == sorted(stamps) and all(s.endswith("Z") for s in stamps)


def test_since_reaches_older_events(moto, tmp_path):
    cp = run(moto, tmp_path, "--since", "3h")
    assert cp.returncode == 0, cp.stderr
    assert "INFO old line from two hours ago" in cp.stdout
    cp = run(moto, tmp_path, "--since", "15m")
    assert "division by zero" in cp.stdout and "model loaded" not in cp.stdout


def test_filter_keeps_matching_lines(moto, tmp_path):
    cp = run(moto, tmp_path, "--filter", "ERROR")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.splitlines() and all("ERROR" in ln for ln in cp.stdout.splitlines())
    assert "division by zero" in cp.stdout


def test_variant_keeps_its_streams(moto, tmp_path):
    cp = run(moto, tmp_path, "--variant", moto.vb)
    assert cp.returncode == 0, cp.stderr
    assert "INFO variant b serving" in cp.stdout and "/ping" in cp.stdout
    assert "division by zero" not in cp.stdout
    assert all(ln.split()[1].startswith(moto.vb + "/") for ln in cp.stdout.splitlines())


def test_escape_sequences_never_reach_the_terminal(moto, tmp_path):
    cp = run(moto, tmp_path)
    assert "\x1b" not in cp.stdout and "\x07" not in cp.stdout
    assert "WARN evil" in cp.stdout and "title" in cp.stdout


def test_read_only_reads_logs_and_stores_none(moto, tmp_path):
    since = len(moto.requests())
    cp = run(moto, tmp_path, read_only=True)
    assert cp.returncode == 0, cp.stderr
    assert "division by zero" in cp.stdout
    reqs = moto.requests()[since:]
    assert any(r["action"] == "FilterLogEvents" for r in reqs), reqs
    assert not [r for r in reqs if r["mutates"]]
    assert "refused" not in (tmp_path / "mldeck.log").read_text()
    # logs are shown, never kept: not in the state file, not in the log
    for f in tmp_path.glob("state.db*"):
        assert b"division by zero" not in f.read_bytes()
    assert "division by zero" not in (tmp_path / "mldeck.log").read_text()


def test_unknown_endpoint_fails(moto, tmp_path):
    cmd, env = command(moto, tmp_path)
    cmd[cmd.index(EP)] = "no-such-endpoint"
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert cp.returncode == 1 and "no endpoint 'no-such-endpoint'" in cp.stderr


def test_follow_prints_new_events_until_sigint(moto, tmp_path):
    cmd, env = command(moto, tmp_path, "--follow", "--since", "1h")
    out_path = tmp_path / "out.txt"
    with open(out_path, "w") as out:
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
    try:
        def wait_for(text, timeout):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if text in out_path.read_text():
                    return True
                if p.poll() is not None:
                    return False
                time.sleep(0.1)
            return False

        assert wait_for("division by zero", 20), out_path.read_text()
        written = time.monotonic()
        seed_logs.write(moto.url, REGION, EP,
                        [(f"{moto.va}/i-0aaa", seed_logs.now_ms(), "ERROR fresh failure after start")])
        assert wait_for("fresh failure after start", 8), out_path.read_text()
        assert time.monotonic() - written < 8
        time.sleep(2.5)  # another follow fetch or two: nothing printed twice
        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    err = p.stderr.read()
    assert not any(mark in err for mark in SANITIZER_MARKS), err
    assert rc == 0, err
    text = out_path.read_text()
    assert text.count("division by zero") == 1 and text.count("fresh failure") == 1


def test_pages_follow_next_token_to_the_end(tmp_path):
    """2500 events: three FilterLogEvents pages of 1000 (limit), every event printed once."""
    with moto_launcher.MotoServer() as m:
        seed_sagemaker.seed(m.url, REGION)
        now = seed_logs.now_ms()
        for chunk in range(5):  # PutLogEvents takes at most 10,000 events, keep batches small
            seed_logs.write(m.url, REGION, EP, [
                ("primary/i-1", now - 30 * 60 * 1000 + i, f"INFO request {i:05d}")
                for i in range(chunk * 500, (chunk + 1) * 500)])
        since = len(m.requests())
        cp = run(m, tmp_path)
        assert cp.returncode == 0, cp.stderr
        got = [ln.rsplit(" ", 1)[-1] for ln in cp.stdout.splitlines()]
        assert got == [f"{i:05d}" for i in range(2500)]
        pages = [r for r in m.requests()[since:] if r["action"] == "FilterLogEvents"]
        assert len(pages) == 3, pages
