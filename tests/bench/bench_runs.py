#!/usr/bin/env python3
"""`make bench`: fetching every run of a 10,000-run experiment, three ways.

    1. mldeck get runs --experiment bench --json > /dev/null     (fresh --state each time)
    2. the MLflow Python client: MlflowClient.search_runs, max_results=1000, page_token loop,
       in its own python process (interpreter + mlflow import included; fetch-only time too)
    3. raw curl: a bash loop of POST runs/search (max_results=1000), the next_page_token cut
       from the tail of each page with sed (no JSON parsing at all: a lower bound)

Each is run 3 times (interleaved), median wall time and peak RSS reported; peak RSS comes
from GNU time (%M) around the tool (for the curl loop: the largest of bash, curl and sed,
which never run all at once). Then "start to first frame from a warm cache": mldeck
--max-frames 1 in a 100x30 pty with the server stopped, median of 10.

The seeded store is cached in .sandbox/bench/ keyed by the seeding code and parameters,
so only the first run pays for seeding. Results: stdout and build/bench/results.md.
"""

import fcntl
import json
import os
import platform
import pty  # noqa: F401  (documented: the pty is made with os.openpty below)
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests"))

from servers import seeded_server, server_env, venv_python  # noqa: E402

N_RUNS = int(os.environ.get("BENCH_RUNS", "10000"))
N_PARAMS = 10
N_METRICS = 10
EXPERIMENT = "bench"
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
FRAME_REPEAT = int(os.environ.get("BENCH_FRAME_REPEAT", "10"))
PAGE = 1000
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def mldeck_bin():
    b = os.environ.get("MLDECK_BIN", "./mldeck")
    p = Path(b)
    return (p if p.is_absolute() else REPO / p).resolve()


def measured(cmd, env, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=600):
    """(wall seconds, peak RSS in KiB, exit status) of one process tree."""
    errf = tempfile.TemporaryFile()
    tool = Path(cmd[0]).name
    rssf = None
    if GNU_TIME:
        # ru_maxrss of a child forked from this (large) python process would count the
        # pages it shares before exec; GNU time is small, so its child's peak is the tool's
        rssf = tempfile.NamedTemporaryFile(prefix="rss-", delete=False)
        rssf.close()
        cmd = [GNU_TIME, "-f", "%M", "-o", rssf.name] + list(cmd)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=stdout, stdin=stdin, stderr=errf)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.002)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    errf.close()
    maxrss = ru.ru_maxrss
    if rssf:
        try:
            maxrss = int(Path(rssf.name).read_text().split()[-1])
        except (ValueError, IndexError):
            maxrss = float("nan")
        os.unlink(rssf.name)
    if p.returncode != 0:
        print(f"  !! {tool} exited {p.returncode}: {err.strip()[-1500:]}", file=sys.stderr)
    return wall, maxrss, p.returncode, err


PY_CLIENT = r"""
import sys, time
t0 = time.perf_counter()
from mlflow import MlflowClient
t1 = time.perf_counter()
c = MlflowClient(tracking_uri=sys.argv[1])
eid = c.get_experiment_by_name(sys.argv[2]).experiment_id
token, n = None, 0
while True:
    page = c.search_runs([eid], max_results=int(sys.argv[3]), page_token=token)
    n += len(page)
    token = page.token
    if not token:
        break
t2 = time.perf_counter()
print(f"runs={n} import={t1 - t0:.3f} fetch={t2 - t1:.3f}", file=sys.stderr)
"""

CURL_LOOP = r"""
set -eu
url=$1; eid=$2; page=$3; out=$4
token=""
n=0
while :; do
    if [ -n "$token" ]; then
        body="{\"experiment_ids\":[\"$eid\"],\"max_results\":$page,\"page_token\":\"$token\"}"
    else
        body="{\"experiment_ids\":[\"$eid\"],\"max_results\":$page}"
    fi
    curl -sS --fail -X POST -H 'Content-Type: application/json' -d "$body" \
        "$url/api/2.0/mlflow/runs/search" -o "$out"
    n=$((n + 1))
    # the token is the last key of the reply: cut it from the tail, no JSON parse
    token=$(tail -c 300 "$out" | sed -n 's/.*"next_page_token": *"\([^"]*\)".*/\1/p')
    [ -n "$token" ] || break
done
echo "pages=$n" >&2
"""


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pty_first_frame(bin_, args, env, cols=100, rows=30, timeout=30):
    """Wall time from spawn to exit of mldeck in a pty of cols x rows."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    t0 = time.perf_counter()
    try:
        p = subprocess.Popen([str(bin_)] + args, env=env, stdin=slave, stdout=slave,
                             stderr=slave, preexec_fn=child_setup, close_fds=True)
    except OSError as e:
        os.close(slave)
        os.close(master)
        return float("nan"), -1, str(e).encode()
    os.close(slave)
    out = bytearray()
    deadline = t0 + timeout
    os.set_blocking(master, False)
    while True:
        try:
            chunk = os.read(master, 65536)
            if chunk:
                out += chunk
        except BlockingIOError:
            pass
        except OSError:  # EIO: the slave side is closed
            pass
        if p.poll() is not None:
            break
        if time.perf_counter() > deadline:
            p.kill()
            p.wait()
            break
        time.sleep(0.001)
    wall = time.perf_counter() - t0
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    os.close(master)
    return wall, p.returncode, bytes(out)


def fmt_t(x):
    return "n/a" if x != x else f"{x:.2f} s"


def fmt_m(kb):
    return "n/a" if kb != kb else f"{kb / 1024:.0f} MiB"


def main():
    bin_ = mldeck_bin()
    have_mldeck = bin_.is_file() and os.access(bin_, os.X_OK)
    cache = REPO / ".sandbox" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mldeck-bench-"))
    print(f"bench: {N_RUNS} runs x {N_PARAMS} params x {N_METRICS} metrics, page {PAGE}")
    t0 = time.monotonic()
    srv = seeded_server(work / "server", "bulk", cache_dir=cache, experiment_name=EXPERIMENT,
                        n_runs=N_RUNS, n_params=N_PARAMS, n_metrics=N_METRICS)
    try:
        seed = srv.seed
        how = "from cache" if seed.get("cached") else f"seeded in {seed.get('seed_seconds')} s"
        print(f"server {srv.url} up ({how}; {time.monotonic() - t0:.1f} s in all)")
        eid = seed["experiment_id"]
        env = server_env({"MLFLOW_TRACKING_URI": srv.url, "HOME": str(work / "home"),
                          "XDG_STATE_HOME": str(work / "home" / "state"),
                          "XDG_CONFIG_HOME": str(work / "home" / "config"),
                          "XDG_CACHE_HOME": str(work / "home" / "cache"),
                          "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"})
        (work / "home").mkdir(exist_ok=True)

        # correctness first, untimed: each tool sees every run
        checks = {}
        if have_mldeck:
            cp = subprocess.run([str(bin_), "--state", str(work / "check.db"), "get", "runs",
                                 "--experiment", EXPERIMENT, "--json"], env=env,
                                capture_output=True, timeout=600)
            try:
                checks["mldeck"] = len(json.loads(cp.stdout)) if cp.returncode == 0 else \
                    f"exit {cp.returncode}: " + " ".join(
                        cp.stderr.decode(errors="replace")[-300:].split())
            except ValueError as e:
                checks["mldeck"] = f"bad JSON: {e}"
        cp = subprocess.run(["bash", "-c", CURL_LOOP, "curl-loop", srv.url, eid, str(PAGE),
                             str(work / "page.json")], capture_output=True, text=True)
        checks["curl pages"] = cp.stderr.strip() if cp.returncode == 0 else f"exit {cp.returncode}"
        print(f"checks: {checks}")

        res = {"mldeck": [], "python": [], "curl": []}
        py_inner = []
        for i in range(REPEAT):
            if have_mldeck:
                st = work / f"state-{i}.db"
                w, rss, rc, _ = measured([str(bin_), "--state", str(st), "get", "runs",
                                          "--experiment", EXPERIMENT, "--json"], env)
                if rc == 0:
                    res["mldeck"].append((w, rss))
            w, rss, rc, err = measured([venv_python(), "-c", PY_CLIENT, srv.url, EXPERIMENT,
                                        str(PAGE)], env)
            if rc == 0:
                res["python"].append((w, rss))
                py_inner.append(err.strip().splitlines()[-1])
            w, rss, rc, _ = measured(["bash", "-c", CURL_LOOP, "curl-loop", srv.url, eid,
                                      str(PAGE), str(work / "page.json")], env)
            if rc == 0:
                res["curl"].append((w, rss))
            print(f"  round {i + 1}: " + ", ".join(
                f"{k} {fmt_t(v[-1][0])}" for k, v in res.items() if v))

        med = {k: (median([x[0] for x in v]), median([x[1] for x in v])) if v else
               (float("nan"), float("nan")) for k, v in res.items()}

        # start to first frame, warm cache, server stopped
        frames = []
        frame_note = ""
        if have_mldeck:
            warm = work / "warm.db"
            for args in (["get", "experiments", "--json"], ["get", "models", "--json"],
                         ["get", "runs", "--experiment", EXPERIMENT, "--json"]):
                subprocess.run([str(bin_), "--state", str(warm)] + args, env=env,
                               capture_output=True, timeout=600)
            pty_first_frame(bin_, ["--state", str(warm), "--max-frames", "5"], env)
            srv.stop()
            shows = 0
            for _ in range(FRAME_REPEAT):
                w, rc, out = pty_first_frame(bin_, ["--state", str(warm), "--view", "experiments",
                                                    "--max-frames", "1"], env)
                if rc == 0:
                    frames.append(w)
                    shows += EXPERIMENT.encode() in out
                else:
                    frame_note = f"exit {rc}: {out[-300:]!r}"
            if frames and not frame_note:
                frame_note = (f"(the cached experiment list was on {shows} of {len(frames)} "
                              "first frames)")
        frame_med = median(frames)
    finally:
        srv.close()

    py_summary = "n/a"
    if py_inner:
        kv = [dict(x.split("=", 1) for x in line.split()) for line in py_inner]
        py_summary = (f"{kv[-1]['runs']} (import {median([float(k['import']) for k in kv]):.2f} s"
                      f" + fetch {median([float(k['fetch']) for k in kv]):.2f} s, medians)")

    def ratio(a, b):
        return "n/a" if a != a or b != b or b == 0 else f"{a / b:.1f}x"

    host = f"{platform.node()} ({os.cpu_count()} CPUs, {platform.machine()})"
    lines = [
        "# mldeck benchmark: every run of one experiment",
        "",
        f"{N_RUNS} runs x {N_PARAMS} params x {N_METRICS} metrics, pages of {PAGE}, "
        f"MLflow server on loopback (sqlite, 1 worker); median of {REPEAT}; {host}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| tool | wall time | peak RSS | runs seen |",
        "|---|---:|---:|---|",
        f"| mldeck get runs --json | {fmt_t(med['mldeck'][0])} | {fmt_m(med['mldeck'][1])} | "
        f"{checks.get('mldeck', 'n/a')} |",
        f"| MLflow Python client (search_runs loop) | {fmt_t(med['python'][0])} | "
        f"{fmt_m(med['python'][1])} | {py_summary} |",
        f"| curl loop (no parsing) | {fmt_t(med['curl'][0])} | {fmt_m(med['curl'][1])} | "
        f"{checks.get('curl pages')} |",
        "",
        f"- python / mldeck, time: {ratio(med['python'][0], med['mldeck'][0])}; "
        f"peak RSS: {ratio(med['python'][1], med['mldeck'][1])}",
        f"- mldeck / curl, time: {ratio(med['mldeck'][0], med['curl'][0])} "
        "(curl only moves bytes: the server's time to build each page dominates both)",
        f"- start to first frame, warm cache, server stopped, 100x30 pty: "
        f"{fmt_t(frame_med)} (median of {len(frames)}/{FRAME_REPEAT}, `--view experiments "
        f"--max-frames 1`){' ' + frame_note if frame_note else ''}",
        "",
        "Python time includes interpreter start and `import mlflow` (the import/fetch split "
        "is in the runs-seen column). Peak RSS is GNU time's %M (max RSS of the process tree's "
        "largest member): for the curl loop the largest of bash/curl/sed, never resident "
        "together.",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    out = REPO / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text)
    print(f"written to {out / 'results.md'}")
    shutil.rmtree(work, ignore_errors=True)
    if not have_mldeck:
        print(f"mldeck binary {bin_} missing: its rows are n/a", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
