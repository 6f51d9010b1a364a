"""Issue 10 defect 6: a hung server is not silent. The fault proxy holds experiments/search
after the console has shown the experiments once; the header must say the backend is not
answering within a few seconds, counting up, while the experiments stay on screen and
keys keep working. A reply that stalls mid-body ends in an error that names the stall
(libcurl's low-speed limit: no data for 10 s), not after the whole time-out and retries."""

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from faultproxy import Fault  # noqa: E402
from tmuxterm import Deck  # noqa: E402

EXPERIMENT = "churn-prediction"
NOT_ANSWERING = re.compile(r"mlflow: not answering \((\d+) s\)")


def header(screen):
    return screen.split("\n")[0]


def experiments_shown(d):
    t = d.start(cols=170, rows=40)
    t.wait_for("Overview")
    t.type(":experiments")
    t.send("Enter")
    t.wait_for(EXPERIMENT, timeout=15)
    t.wait_for(lambda s: "mlflow: " not in header(s))  # nothing slow or failed yet
    return t


def test_stalled_reply_says_not_answering_while_cached_rows_stay(fault_mlflow, tmp_path):
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = experiments_shown(d)
        fault_mlflow.proxy.add(Fault("stall_headers", path=r"experiments/search", seconds=30))
        t0 = time.monotonic()
        t.send("C-r")
        screen = t.wait_for(lambda s: NOT_ANSWERING.search(header(s)), timeout=8)
        took = time.monotonic() - t0
        assert took <= 6.5, f"'not answering' showed after {took:.1f} s"
        assert EXPERIMENT in screen
        first = int(NOT_ANSWERING.search(header(screen)).group(1))
        # the count goes up while the request hangs
        later = t.wait_for(lambda s: (m := NOT_ANSWERING.search(header(s)))
                           and int(m.group(1)) >= first + 2, timeout=5)
        assert EXPERIMENT in later
        # keys still work: the help screen opens and closes
        t.send("?")
        t.wait_for("Help: keys and commands", timeout=3)
        t.send("Escape")
        t.wait_for(EXPERIMENT, timeout=3)
    finally:
        d.close()


def test_reply_stalled_mid_body_is_an_error_naming_the_stall(fault_mlflow, tmp_path):
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = experiments_shown(d)
        fault_mlflow.proxy.add(Fault("stall_body", path=r"experiments/search", keep=20,
                                     seconds=30))
        t0 = time.monotonic()
        t.send("C-r")
        screen = t.wait_for(lambda s: "stalled" in header(s), timeout=20)
        took = time.monotonic() - t0
        assert took <= 15, f"the stall was named after {took:.1f} s"
        assert re.search(r"mlflow: .*stalled: no data for 10 s", header(screen)), header(screen)
        assert EXPERIMENT in screen
        # the error replaced the slow mark
        assert not NOT_ANSWERING.search(header(screen))
    finally:
        d.close()


def test_not_answering_mark_goes_when_the_reply_arrives(fault_mlflow, tmp_path):
    d = Deck(tmp_path, fault_mlflow.url)
    try:
        t = experiments_shown(d)
        fault_mlflow.proxy.add(Fault("stall_headers", path=r"experiments/search", seconds=6,
                                     times=1))
        t.send("C-r")
        t.wait_for(lambda s: NOT_ANSWERING.search(header(s)), timeout=6)
        screen = t.wait_for(lambda s: not NOT_ANSWERING.search(header(s)), timeout=8)
        assert EXPERIMENT in screen
        assert "mlflow: " not in header(screen), header(screen)  # answered: no error either
    finally:
        d.close()
