"""Drive a program in a real terminal: a private tmux server per Term.

    t = Term()
    t.start(["./mldeck", "--state", db], env={...}, cols=100, rows=30)
    t.wait_for("Overview")          # poll the screen until the text shows, or fail with it
    t.send("j", "Enter")            # tmux key names
    t.type(":experiments")          # literal text
    t.screen()                      # the visible screen as text (capture-pane -p)
    t.screen(escapes=True)          # with SGR attribute sequences (capture-pane -p -e)
    t.resize(120, 40)
    t.kill()

    d = Deck(tmp_path, server_url)  # mldeck with its own HOME, XDG dirs and state file
    t = d.start("--read-only", env={"NO_COLOR": "1"})
    d.close()                       # quits as a person would; fails on sanitizer reports

Every tmux call uses an isolated socket (-L mldeck-test-<random>) and no
user configuration (-f /dev/null), so tests neither see nor disturb other
tmux servers. Waits poll to a deadline; the only sleeps are tiny ones after
send-keys.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import make_isolated_env, mldeck_path  # noqa: E402  (tests/servers.py)

SEND_PAUSE_S = 0.05


class TermError(AssertionError):
    pass


class Term:
    def __init__(self):
        self.socket = f"mldeck-test-{uuid.uuid4().hex[:10]}"
        self.target = "t:0.0"
        self.started = False
        self.env = None

    # --- tmux plumbing -------------------------------------------------------------------

    def tmux(self, *args, check=True):
        cmd = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=20)
        if check and r.returncode != 0:
            raise TermError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout

    def start(self, cmd, env, cols=100, rows=30, stderr_path=None):
        """Start `cmd` (a list) in a fresh tmux server sized cols x rows; its stderr
        goes to `stderr_path` when given (then it is not a terminal)."""
        if shutil.which("tmux") is None:
            raise TermError("tmux is not installed")
        self.env = dict(env)
        self.env.pop("TMUX", None)
        self.env.pop("TMUX_PANE", None)
        # tmux 3.3 does not always report a dead pane's exit status, so a small shell
        # around the program writes it to a file.
        self.status_path = Path(self.env.get("TMPDIR", "/tmp")) / f"{self.socket}.status"
        shell_cmd = " ".join(_quote(c) for c in cmd)
        if stderr_path:
            shell_cmd += " 2>" + _quote(str(stderr_path))
        shell_cmd += "; echo $? >" + _quote(str(self.status_path))
        # remain-on-exit keeps the pane after the program ends, so a crash shows up as a
        # dead pane instead of a vanished server.
        self.tmux("new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows),
                  "sh", "-c", shell_cmd,
                  ";", "set-option", "-t", "t", "remain-on-exit", "on",
                  ";", "set-option", "-t", "t", "status", "off")
        self.started = True
        return self

    def kill(self):
        if self.started:
            self.tmux("kill-server", check=False)
            self.started = False
            # kill-server leaves the socket file behind
            base = (self.env or {}).get("TMUX_TMPDIR") or os.environ.get("TMUX_TMPDIR") or "/tmp"
            Path(base, f"tmux-{os.getuid()}", self.socket).unlink(missing_ok=True)
        if getattr(self, "status_path", None):
            self.status_path.unlink(missing_ok=True)

    # --- input -------------------------------------------------------------------------

    def send(self, *keys):
        """tmux key names: "j", "Enter", "Escape", "C-r", "Space", "BSpace", "Tab"."""
        self.tmux("send-keys", "-t", self.target, *keys)
        time.sleep(SEND_PAUSE_S)

    def type(self, text):
        """Literal text, character by character as typed."""
        self.tmux("send-keys", "-t", self.target, "-l", text)
        time.sleep(SEND_PAUSE_S)

    def resize(self, cols, rows):
        self.tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))
        time.sleep(SEND_PAUSE_S)

    # --- output ------------------------------------------------------------------------

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.target]
        if escapes:
            args.insert(2, "-e")
        return self.tmux(*args)

    def lines(self):
        return self.screen().split("\n")

    def pane(self, fmt):
        return self.tmux("display-message", "-p", "-t", self.target, fmt).strip()

    @property
    def dead(self):
        return self.pane("#{pane_dead}") == "1"

    def exit_status(self):
        """The program's exit status once it has exited, else None."""
        try:
            text = self.status_path.read_text().strip()
        except (FileNotFoundError, AttributeError):
            return None
        return int(text) if text else None

    def program_pid(self):
        """Pid of the program: the child of the pane's shell."""
        shell = self.pane("#{pane_pid}")
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may hold spaces, so split after the ')'
            if stat[stat.rindex(")") + 2:].split()[1] == shell:
                return int(d.name)
        raise TermError(f"no child of the pane's shell (pid {shell})")

    def size(self):
        w, h = self.pane("#{pane_width} #{pane_height}").split()
        return int(w), int(h)

    def wait_for(self, what, timeout=15.0, escapes=False):
        """Poll until `what` (str, compiled regex, or callable(screen) -> bool) matches.
        Returns the matching screen; on timeout fails showing the last screen."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            last = self.screen(escapes=escapes)
            if _matches(what, last):
                return last
            if time.monotonic() >= deadline:
                raise TermError(f"timed out after {timeout}s waiting for {_describe(what)}; "
                                f"screen:\n{last}")
            if self.dead and not _matches(what, last):
                raise TermError(f"the program exited (status {self.exit_status()}) while "
                                f"waiting for {_describe(what)}; screen:\n{last}")
            time.sleep(0.05)

    def wait_gone(self, what, timeout=15.0):
        return self.wait_for(lambda s: not _matches(what, s), timeout=timeout)

    def wait_dead(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exit_status() is not None:
                return self.exit_status()
            time.sleep(0.05)
        raise TermError(f"the program did not exit within {timeout}s; screen:\n{self.screen()}")


def _quote(s):
    if re.fullmatch(r"[A-Za-z0-9_./:=@+-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def _matches(what, screen):
    if callable(what):
        return bool(what(screen))
    if isinstance(what, re.Pattern):
        return what.search(screen) is not None
    return what in screen


def _describe(what):
    if isinstance(what, re.Pattern):
        return f"/{what.pattern}/"
    if callable(what):
        return getattr(what, "__name__", "a condition")
    return repr(what)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")


class Deck:
    """One mldeck in one tmux server, with its own HOME, XDG dirs and state file."""

    def __init__(self, tmp_path, url):
        self.tmp = Path(tmp_path)
        self.url = url
        self.term = None
        self.stderr_path = self.tmp / "stderr.txt"

    def env(self, extra=None):
        env = make_isolated_env(self.tmp / "env", TZ="UTC", MLFLOW_TRACKING_URI=self.url)
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def start(self, *args, env=None, cols=100, rows=30, state=None):
        state = state or str(self.tmp / "state.db")
        cmd = [str(mldeck_path()), "--state", state, *args]
        self.term = Term()
        # stderr to a file: not a terminal, so sanitizer reports land there.
        self.term.start(cmd, self.env(env), cols=cols, rows=rows, stderr_path=self.stderr_path)
        return self.term

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def close(self):
        t = self.term
        if t is None:
            return
        try:
            if t.started and not t.dead:
                # Leave any dialog or input line, then quit the way a person would.
                t.send("Escape")
                t.send("Escape")
                t.send("q")
                try:
                    t.wait_dead(timeout=5)
                except AssertionError:
                    pass
        finally:
            t.kill()
        err = self.stderr()
        bad = [m for m in SANITIZER_MARKS if m in err]
        assert not bad, f"sanitizer report in mldeck's stderr:\n{err[-4000:]}"


