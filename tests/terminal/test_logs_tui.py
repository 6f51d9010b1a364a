"""The logs view (L) on SageMaker endpoint logs in a real terminal: moto_server serves
CloudWatch Logs FilterLogEvents over events the test writes (tests/seed_logs.py).

L on an Overview endpoint row opens every variant's logs, L on a variant row of the
endpoint screen that variant's. The view follows: a line written after it opened shows up
within seconds, the health-check noise (/ping 200s) is hidden with its count until `n`,
`/` filters like any table, and moving up pauses the view ("paused") until End.
"""

import re
import sys
from pathlib import Path

import pytest

from tmuxterm import Deck

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_logs  # noqa: E402
import seed_sagemaker  # noqa: E402

REGION = "eu-west-1"
EP = "fraud-live"
COLS, ROWS = 150, 40
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        m.va, m.vb = sorted(m.seed["endpoints"][EP]["variants"])[:2]
        now = seed_logs.now_ms()
        sa, sb = f"{m.va}/i-0aaa", f"{m.vb}/i-0bbb"
        seed_logs.write(m.url, REGION, EP, [
            (sa, now - 12 * 60 * 1000, "INFO model loaded in 2.1 s"),
            (sa, now - 10 * 60 * 1000, "ERROR inference failed: division by zero"),
            (sb,) + seed_logs.ping(now - 9 * 60 * 1000),
            (sb,) + seed_logs.ping(now - 8 * 60 * 1000),
            (sa,) + seed_logs.ping(now - 7 * 60 * 1000),
            (sb, now - 5 * 60 * 1000, "INFO variant b serving \x1b[31mred\x1b[0m"),
        ])
        yield m


@pytest.fixture
def deck(moto, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    d.start_sm = lambda *a: d.start("--config", str(cfg), *a, env=AWS_ENV, cols=COLS, rows=ROWS)
    yield d
    d.close()


def select_endpoint(t):
    t.wait_for("Overview: deployed versions")
    t.wait_for(lambda s: re.search(rf"\b{EP}\s+endpoint\b", s), timeout=30)
    t.send("/")
    t.type(EP)
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))


def body(screen):
    return "\n".join(screen.split("\n")[2:-2])


TEST_WRITES = {"CreateLogGroup", "CreateLogStream", "PutLogEvents"}


def test_overview_L_follows_every_variant_hides_noise_and_filters(deck, moto, tmp_path):
    since = len(moto.requests())
    t = deck.start_sm("--read-only")
    select_endpoint(t)
    t.send("Escape")  # the filter goes, the selection stays on the endpoint
    footer = t.screen().rstrip("\n").split("\n")[-1]
    assert "L logs" in footer, footer
    t.send("L")
    screen = t.wait_for("division by zero", timeout=20)
    assert re.search(rf"Logs of {EP} . following . 3 health checks hidden", screen), screen
    assert "INFO variant b serving red" in screen  # the colour codes are gone
    assert "\x1b" not in screen and "/ping" not in body(screen)
    assert re.search(rf"\d\d:\d\d:\d\d\s+{moto.va}/i-0aaa\s+ERROR inference failed", screen)
    # a line written now shows up while following, at the bottom
    seed_logs.write(moto.url, REGION, EP,
                    [(f"{moto.va}/i-0aaa", seed_logs.now_ms(), "ERROR fresh failure after open")])
    screen = t.wait_for("fresh failure after open", timeout=10)
    rows = [ln for ln in body(screen).split("\n") if ln.strip()]
    assert "fresh failure after open" in rows[-1], screen
    # the noise toggle
    t.send("n")
    screen = t.wait_for(lambda s: body(s).count("GET /ping HTTP/1.1") == 3)
    assert "health checks hidden" not in screen
    t.send("n")
    screen = t.wait_for(lambda s: "/ping" not in body(s))
    assert "3 health checks hidden" in screen
    # the filter, then Esc clears it
    t.send("/")
    t.type("division")
    t.send("Enter")
    screen = t.wait_for(lambda s: "division by zero" in s and "model loaded" not in s)
    assert "fresh failure" not in body(screen)
    t.send("Escape")
    t.wait_for("model loaded in 2.1 s")
    # moving up pauses; End follows again
    t.send("k")
    screen = t.wait_for("paused (End resumes)")
    t.send("End")
    t.wait_for(re.compile(rf"Logs of {EP} . following"))
    t.send("Escape")
    t.wait_for("Overview: deployed versions")
    # logs are shown, never kept
    assert (tmp_path / "state.db").exists()
    for f in tmp_path.glob("state.db*"):
        assert b"division by zero" not in f.read_bytes(), f
    # mldeck wrote nothing: the only writes are this test's own events
    assert {r["action"] for r in moto.mutations(since)} <= TEST_WRITES


def test_endpoint_screen_L_reads_one_variant(deck, moto):
    t = deck.start_sm()
    select_endpoint(t)
    t.send("Enter")
    t.wait_for(re.compile(rf"^{moto.vb}\s", re.M), timeout=20)
    screen = t.screen()
    rows = [ln for ln in screen.split("\n") if re.match(rf"({moto.va}|{moto.vb})\s", ln)]
    if not rows[0].startswith(moto.vb):
        t.send("j")
    t.wait_for(lambda s: re.search(rf"{moto.vb}\s", s))
    before = len(moto.requests())
    t.send("L")
    screen = t.wait_for("variant b serving", timeout=20)
    assert re.search(rf"Logs of {EP} . {moto.vb} . following", screen), screen
    assert "division by zero" not in screen and "model loaded" not in screen
    assert any(r["action"] == "FilterLogEvents" for r in moto.requests()[before:])


def test_help_lists_the_logs_keys(deck, moto):
    t = deck.start_sm()
    t.wait_for("Overview: deployed versions")
    t.send("?")
    t.wait_for("Help: keys and commands")
    t.send("/")
    t.type("noise")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^n\s+noise: hide or show health-check noise", re.M))
    t.send("Escape", "/")
    t.type("follow")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"^f\s+follow new lines on or off", re.M))
    assert re.search(r"^L\s+logs: the selected endpoint's logs", screen, re.M), screen
