#!/usr/bin/env bash
# `make run`: a local MLflow sandbox with demo data, and mldeck on it.
#   .sandbox/server/     the server's sqlite store, artifacts and log (kept between runs;
#                        the demo data is seeded on the first start only)
#   .sandbox/config.yaml context "sandbox", backend "sandbox" (rewritten each start: new port)
#   .sandbox/state.db    mldeck's state file
# Extra arguments go to mldeck. The server stops when mldeck exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SB="$ROOT/.sandbox"
VENV=${VENV:-.venv}
BIN=${MLDECK_BIN:-./mldeck}
mkdir -p "$SB/server"

[ -x "$BIN" ] || { echo "run.sh: $BIN not built (make)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || { echo "run.sh: $VENV missing (make deps)" >&2; exit 1; }

# A sandbox server left over from a run that was killed hard: stop it, it holds the store.
if [ -s "$SB/server.pid" ]; then
    old=$(cat "$SB/server.pid")
    if [ -r "/proc/$old/cmdline" ] && tr '\0' ' ' <"/proc/$old/cmdline" | grep -q "servers.py serve --workdir $SB/server"; then
        echo "stopping the previous sandbox server (pid $old)"
        kill "$old" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$SB/server.pid"
fi

rm -f "$SB/url"
"$VENV/bin/python" tests/servers.py serve --workdir "$SB/server" --seed demo --url-file "$SB/url" \
    >"$SB/serve.out" 2>"$SB/serve.err" &
srv=$!
echo "$srv" >"$SB/server.pid"
stop_server() {
    if kill -0 "$srv" 2>/dev/null; then
        kill "$srv" 2>/dev/null || true
        wait "$srv" 2>/dev/null || true
    fi
    rm -f "$SB/server.pid"
}
trap stop_server EXIT
trap 'exit 130' INT TERM HUP

if [ ! -e "$SB/server/.seeded" ]; then
    echo "starting the sandbox MLflow server and seeding demo data (first run only, ~1 min)..."
else
    echo "starting the sandbox MLflow server..."
fi
for _ in $(seq 1 1500); do
    [ -s "$SB/url" ] && break
    if ! kill -0 "$srv" 2>/dev/null; then
        echo "run.sh: the MLflow server failed to start:" >&2
        tail -30 "$SB/serve.err" >&2
        tail -30 "$SB/server/server.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.2
done
[ -s "$SB/url" ] || { echo "run.sh: the MLflow server did not come up in time" >&2; exit 1; }
url=$(cat "$SB/url")

cat >"$SB/config.yaml" <<YAML
current_context: sandbox
contexts:
  - name: sandbox
    refresh: 10
    backends:
      - name: sandbox
        type: mlflow
        url: $url
YAML

echo "MLflow sandbox: $url"
echo "server log:     $SB/server/server.log"
echo "config:         $SB/config.yaml   state: $SB/state.db"
set +e
"$BIN" --config "$SB/config.yaml" --state "$SB/state.db" "$@"
rc=$?
set -e
echo "server log: $SB/server/server.log"
exit $rc
