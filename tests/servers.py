"""Test servers for mldeck: a real MLflow tracking server on loopback.

Used by tests/conftest.py, tests/valgrind.sh, tests/sandbox/run.sh and
tests/bench/bench_runs.py.

    with MlflowServer() as srv:          # free port, temp dir, sqlite store
        srv.url                          # http://127.0.0.1:PORT
        srv.requests_log()               # [(method, path, status), ...]
        srv.stop(); srv.start()          # server down / back up, same port and db

The request log is uvicorn's access log, on by default in `mlflow server`
(3.5+), one line per request in the server's stderr:

    2026/11/26 10:43:07 INFO:     127.0.0.1:32928 - "POST /api/2.0/mlflow/runs/search HTTP/1.1" 200 OK

uvicorn writes the line when the response starts, before the client can read
it, so once a client process has exited every request it made is in the log.

seeded_server(workdir, kind, cache_dir, **params) starts a server whose store holds
a tests/seed.py data set, copied from a cache keyed by the seeding code, so only the
first use pays for seeding.

Test helpers (importable from the tests: `from servers import run_mldeck`):
mldeck_path(), make_isolated_env(), run_mldeck(), describe(), is_mutation(),
assert_no_mutations().

Command line (used by the shell scripts):

    servers.py serve --workdir DIR [--port N] [--seed demo|demo+hostile|none]
                     [--cache-dir DIR] [--url-file F] [--auth]
        runs until SIGTERM/SIGINT; seeds once per workdir (marker DIR/.seeded)
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

ADMIN_USER = "admin"
# mlflow 3.17 refuses the legacy default admin password "password1234" (GHSA-gq3w-7jj3-x7gr)
# and has no default at all: the test server sets its own.
ADMIN_PASSWORD = "mldeck-Adm1n-pass"

START_DEADLINE_S = 90.0

# loopback only: never through an http_proxy from the environment
_URLOPEN = urllib.request.build_opener(urllib.request.ProxyHandler({})).open

_ACCESS_RE = re.compile(
    r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/[0-9.]+" (\d{3})'
)


def venv_dir():
    """The project virtualenv (VENV env var, default <repo>/.venv)."""
    v = os.environ.get("VENV", ".venv")
    p = Path(v)
    if not p.is_absolute():
        p = REPO / p
    return p


def venv_python():
    return str(venv_dir() / "bin" / "python")


def free_port(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def closed_port(host="127.0.0.1"):
    """A port with nothing listening on it (as far as anyone can tell)."""
    return free_port(host)


def server_env(extra=None):
    """Environment for a server or a seeding client: nothing MLflow-ish leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "AWS_", "AZURE_", "DATABRICKS_"))
        and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PYTHONUNBUFFERED"] = "1"
    # The job runner is a second process plus a huey dir in /dev/shm per server;
    # nothing here needs it.
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env["MLFLOW_ENABLE_TELEMETRY"] = "false"
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["DO_NOT_TRACK"] = "true"
    if extra:
        env.update(extra)
    return env


class ServerStartError(RuntimeError):
    pass


class MlflowServer:
    """One `mlflow server` on 127.0.0.1 with a sqlite store in `workdir`.

    workdir: None = a fresh temp dir removed on close(); else kept.
    auth: True = `--app-name basic-auth`, admin admin/ADMIN_PASSWORD.
    """

    def __init__(self, workdir=None, port=None, auth=False, extra_args=(), name="mlflow",
                 deadline_s=START_DEADLINE_S, workers=1):
        self._own_dir = workdir is None
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix=f"mldeck-{name}-")
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.workdir / "mlflow.db"
        self.art_dir = self.workdir / "art"
        self.log_path = self.workdir / "server.log"
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self.auth = auth
        self.workers = workers
        self.extra_args = list(extra_args)
        self.deadline_s = deadline_s
        self.proc = None
        self.seed = None  # summary dict, filled by whoever seeds
        self.startup_s = None

    # --- lifecycle ------------------------------------------------------------------------------

    def _command(self):
        cmd = [
            str(venv_dir() / "bin" / "mlflow"), "server",
            "--backend-store-uri", f"sqlite:///{self.db_path}",
            "--artifacts-destination", str(self.art_dir),
            "--host", self.host, "--port", str(self.port), "--workers", str(self.workers),
        ]
        if self.auth:
            cmd += ["--app-name", "basic-auth"]
        return cmd + self.extra_args

    def _env(self):
        extra = {}
        if self.auth:
            ini = self.workdir / "basic_auth.ini"
            ini.write_text(
                "[mlflow]\n"
                "default_permission = READ\n"
                f"database_uri = sqlite:///{self.workdir / 'basic_auth.db'}\n"
                f"admin_username = {ADMIN_USER}\n"
                f"admin_password = {ADMIN_PASSWORD}\n"
                "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
            )
            extra["MLFLOW_AUTH_CONFIG_PATH"] = str(ini)
            extra["MLFLOW_FLASK_SERVER_SECRET_KEY"] = "mldeck-test-secret-" + self.workdir.name
        return server_env(extra)

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return self
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"--- mldeck test harness: starting {' '.join(self._command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self._command(), cwd=str(self.workdir), env=self._env(),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            return self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, t0):
        deadline = t0 + self.deadline_s
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"mlflow server exited with {self.proc.returncode} before it was ready "
                    f"(port {self.port}); log {self.log_path}:\n{self.log_tail()}")
            try:
                with _URLOPEN(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        self.startup_s = time.monotonic() - t0
                        return self
            except (urllib.error.URLError, ConnectionError, OSError) as e:
                last_err = e
            time.sleep(0.2)
        self.stop()
        raise ServerStartError(
            f"mlflow server on port {self.port} not healthy after {self.deadline_s:.0f}s "
            f"({last_err}); log {self.log_path}:\n{self.log_tail()}")

    def stop(self, timeout=15):
        """Stop the server (its own process group only). The db and log stay."""
        p = self.proc
        if p is None:
            return
        self.proc = None
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (uvicorn worker, stragglers).
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # Wait for the port to be free, so a restart on it works.
        end = time.monotonic() + 10
        while time.monotonic() < end:
            s = socket.socket()
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((self.host, self.port))
                break
            except OSError:
                time.sleep(0.1)
            finally:
                s.close()

    def restart(self):
        self.stop()
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        self.stop()
        if self._own_dir and not os.environ.get("MLDECK_KEEP_SERVERS"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # --- the request log ------------------------------------------------------------------------

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def log_lines(self):
        """Number of lines in the log now: pass it as `since` to requests_log()."""
        return len(self.log_text().splitlines())

    def sync_log(self, timeout=5.0):
        """Make a marker request and wait until it is in the log: every request
        answered before this call is then in the log too."""
        marker = uuid.uuid4().hex
        try:
            _URLOPEN(f"{self.url}/health?sync={marker}", timeout=5).read()
        except Exception:
            return False
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if marker in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def requests_log(self, since=0, query=False):
        """[(method, path, status)] from the access log, from line `since` on.
        `path` has no query string unless query=True. The sync markers are left out."""
        out = []
        for line in self.log_text().splitlines()[since:]:
            m = _ACCESS_RE.search(line)
            if not m:
                continue
            method, path, status = m.group(1), m.group(2), int(m.group(3))
            if path.startswith("/health?sync="):
                continue
            if not query:
                path = path.split("?", 1)[0]
            out.append((method, path, status))
        return out

    # --- clients ----------------------------------------------------------------------------------

    def client(self):
        """An MlflowClient for this server (imports mlflow: the venv's python only)."""
        from mlflow import MlflowClient
        if self.auth:
            os.environ.setdefault("MLFLOW_TRACKING_USERNAME", ADMIN_USER)
            os.environ.setdefault("MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD)
        return MlflowClient(tracking_uri=self.url, registry_uri=self.url)


BULK_RUNS = 3000
BULK_EXPERIMENT = "bulk"


# --- test helpers: the binary, its environment, the request log ---------------------------------


def mldeck_path():
    b = os.environ.get("MLDECK_BIN")
    p = Path(b) if b else REPO / "mldeck"
    if not p.is_absolute():
        p = REPO / p
    return p.resolve()


_KEEP_ENV = ("PATH", "TMPDIR", "USER", "LOGNAME", "ASAN_OPTIONS", "UBSAN_OPTIONS",
             "LSAN_OPTIONS", "MSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH", "LD_LIBRARY_PATH")


def make_isolated_env(base, **extra):
    """A clean environment with every per-user directory under `base`."""
    base = Path(base)
    env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    dirs = {"HOME": base / "home", "XDG_CONFIG_HOME": base / "home" / ".config",
            "XDG_STATE_HOME": base / "home" / ".local" / "state",
            "XDG_CACHE_HOME": base / "home" / ".cache",
            "XDG_DATA_HOME": base / "home" / ".local" / "share"}
    for k, d in dirs.items():
        d.mkdir(parents=True, exist_ok=True)
        env[k] = str(d)
    env["LC_ALL"] = "C.UTF-8"
    env["LANG"] = "C.UTF-8"
    env["TERM"] = "xterm-256color"
    env.update({k: str(v) for k, v in extra.items()})
    return env


_SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                    b"ERROR: UndefinedBehaviorSanitizer")


def run_mldeck(args, env, input=None, timeout=60, bin=None, check_sanitizers=True):
    """Run mldeck headless. Returns a CompletedProcess whose stdout/stderr are text
    (UTF-8, undecodable bytes replaced) and stdout_bytes/stderr_bytes the raw bytes.
    A sanitizer report on stderr fails the test whatever the exit code."""
    b = bin or str(mldeck_path())
    if isinstance(input, str):
        input = input.encode()
    cmd = [b] + [str(a) for a in args]
    try:
        cp = subprocess.run(cmd, env=env, input=input if input is not None else b"",
                            capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        import pytest
        pytest.fail(f"mldeck timed out after {timeout}s: {cmd}\n"
                    f"stdout: {(e.stdout or b'')[-2000:]!r}\nstderr: {(e.stderr or b'')[-2000:]!r}")
    cp.stdout_bytes, cp.stderr_bytes = cp.stdout, cp.stderr
    cp.stdout = cp.stdout_bytes.decode("utf-8", "replace")
    cp.stderr = cp.stderr_bytes.decode("utf-8", "replace")
    if check_sanitizers and any(m in cp.stderr_bytes for m in _SANITIZER_MARKS):
        import pytest
        pytest.fail(f"sanitizer report from {cmd}:\n{cp.stderr[-6000:]}")
    return cp


def describe(cp):
    """One string with a CompletedProcess's command, exit code and output, for asserts."""
    return (f"\n$ {' '.join(map(str, cp.args))}\nexit {cp.returncode}\n"
            f"--- stdout ---\n{cp.stdout[-4000:]}\n--- stderr ---\n{cp.stderr[-4000:]}")


# --- the request log ----------------------------------------------------------------------------------


def is_mutation(method, path):
    """A request that may change the server: PUT/PATCH/DELETE, POST other than */search."""
    if method in ("PUT", "PATCH", "DELETE"):
        return True
    if method == "POST":
        return not path.split("?", 1)[0].rstrip("/").endswith("/search")
    return False


def assert_no_mutations(server, since_line):
    """Fail if the server's request log, from line `since_line` on, holds a mutating request."""
    server.sync_log()
    reqs = server.requests_log(since=since_line)
    bad = [r for r in reqs if is_mutation(r[0], r[1])]
    assert not bad, (f"mutating requests reached the server: {bad}\n"
                     f"(all requests since line {since_line}: {reqs})")
    return reqs


# --- seeded copies ----------------------------------------------------------------------------------


def seed_key(kind, **params):
    """Cache key "<kind>-<params hash>-<code hash>": what is seeded, and with which
    seeding code (tests/seed.py) and which mlflow."""
    ph = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:6]
    h = hashlib.sha256()
    h.update((HERE / "seed.py").read_bytes())
    try:
        import importlib.metadata as md
        h.update(md.version("mlflow").encode())
    except Exception:
        pass
    return f"{kind}-{ph}-{h.hexdigest()[:10]}"


def seeded_server(workdir, kind, cache_dir=None, **params):
    """A started MlflowServer whose store holds the `kind` data set
    ("demo", "demo+hostile", "bulk"), copied from `cache_dir` when a copy with
    the same key is there, else seeded now (and saved to the cache)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import seed as seedlib  # tests/seed.py

    workdir = Path(workdir)
    key = seed_key(kind, **params)
    cached = Path(cache_dir) / key if cache_dir else None
    if cached and (cached / "summary.json").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cached / "mlflow.db", workdir / "mlflow.db")
        if (cached / "art").exists():
            shutil.copytree(cached / "art", workdir / "art", dirs_exist_ok=True)
        srv = MlflowServer(workdir=workdir)
        srv.start()
        srv.seed = json.loads((cached / "summary.json").read_text())
        srv.seed["cached"] = True
        return srv

    srv = MlflowServer(workdir=workdir)
    srv.start()
    t0 = time.monotonic()
    try:
        summary = seedlib.seed_kind(srv.url, kind, **params)
    except BaseException:
        srv.stop()
        raise
    summary["seed_seconds"] = round(time.monotonic() - t0, 2)
    srv.seed = summary
    if cached:
        srv.stop()  # a consistent sqlite file to copy
        tmp = Path(cache_dir) / (key + ".tmp-" + uuid.uuid4().hex[:6])
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copy2(workdir / "mlflow.db", tmp / "mlflow.db")
        if (workdir / "art").exists():
            shutil.copytree(workdir / "art", tmp / "art", dirs_exist_ok=True)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
        try:
            tmp.rename(cached)
        except OSError:  # somebody else got there first
            shutil.rmtree(tmp, ignore_errors=True)
        # copies of the same data set seeded by older seeding code are dead weight now
        prefix = key.rsplit("-", 1)[0]
        for old in Path(cache_dir).glob(prefix + "-*"):
            if old.name != key and re.fullmatch(re.escape(prefix) + r"-[0-9a-f]{10}", old.name):
                shutil.rmtree(old, ignore_errors=True)
        srv.start()
    srv.seed["cached"] = False
    return srv


# --- command line -----------------------------------------------------------------------------------


class _Stop(Exception):
    pass


def _serve(args):
    sys.path.insert(0, str(HERE))
    import seed as seedlib

    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    def on_signal(signum, frame):
        raise _Stop(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    t0 = time.monotonic()
    marker = workdir / ".seeded"
    srv = None
    try:
        if args.cache_dir and args.seed != "none" and not marker.exists():
            # a fresh store: copy a cached seeded one (or seed it and cache it)
            srv = seeded_server(workdir, args.seed, cache_dir=args.cache_dir)
            (workdir / "seed-summary.json").write_text(json.dumps(srv.seed, indent=1,
                                                                  sort_keys=True))
            marker.write_text(args.seed + "\n")
        else:
            srv = MlflowServer(workdir=workdir, port=args.port, auth=args.auth)
            srv.start()
        print(f"mlflow server {srv.url} ready in {srv.startup_s:.1f}s (log {srv.log_path})",
              file=sys.stderr, flush=True)
        if args.seed != "none" and not marker.exists():
            t1 = time.monotonic()
            summary = seedlib.seed_kind(srv.url, args.seed)
            (workdir / "seed-summary.json").write_text(json.dumps(summary, indent=1,
                                                                  sort_keys=True))
            marker.write_text(args.seed + "\n")
            print(f"seeded '{args.seed}' in {time.monotonic() - t1:.1f}s", file=sys.stderr,
                  flush=True)
        if args.url_file:
            tmp = Path(args.url_file + ".tmp")
            tmp.write_text(srv.url + "\n")
            tmp.rename(args.url_file)
        print(srv.url, flush=True)
        while srv.running:
            time.sleep(0.2)
        print(f"mlflow server exited by itself; log {srv.log_path}:\n{srv.log_tail()}",
              file=sys.stderr)
        return 1
    except _Stop:
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if srv is not None:
            srv.stop()
        print(f"mlflow server stopped after {time.monotonic() - t0:.0f}s", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run a server in the foreground until SIGTERM/SIGINT")
    s.add_argument("--workdir", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--auth", action="store_true")
    s.add_argument("--seed", default="none",
                   help="demo, demo+hostile or none; seeded once per workdir (marker .seeded)")
    s.add_argument("--cache-dir", help="copy the seeded store from here (seeding it once)")
    s.add_argument("--url-file", help="write the URL here once ready (and seeded)")
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        return _serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
