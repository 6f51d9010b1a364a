#!/usr/bin/env bash
# `make run`: a local MLflow sandbox and a SageMaker sandbox (moto_server) with demo data,
# and mldeck on both.
#   .sandbox/server/     the server's sqlite store, artifacts and log (kept between runs;
#                        the demo data is seeded on the first start only)
#   .sandbox/config.yaml context "sandbox", backend "sandbox" (rewritten each start: new port)
#   .sandbox/state.db    mldeck's state file
#   .sandbox/drift/      drift data of endpoint churn-prod (tests/sandbox/drift_data.py: a
#                        reference CSV and Data Capture files of the 12 hours before the first
#                        start, drifting after a deployment 5 hours before it; generated once,
#                        delete the folder for fresh ones)
# Extra arguments go to mldeck. The server stops when mldeck exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SB="${MLDECK_SANDBOX_DIR:-$ROOT/.sandbox}"
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

# SageMaker: moto keeps its state in memory, so it is seeded on every start (a few seconds):
# endpoints with two configs each (so a rollback is possible), a 90/10 canary, model
# packages, training jobs and CloudWatch metrics.
moto_port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# CloudTrail: the launcher records the seed's calls as user "alice" and serves the incident's
# events (tests/sandbox/incident.py) from the events file.
MOTO_CLOUDTRAIL_USERS='{"AKIAIOSFODNN7EXAMPLE": "alice"}' \
    "$VENV/bin/python" tests/moto_launcher.py --port "$moto_port" \
    --cloudtrail-events "$SB/cloudtrail.json" >"$SB/moto.log" 2>&1 &
moto=$!
stop_all() {
    kill "$moto" 2>/dev/null || true
    wait "$moto" 2>/dev/null || true
    stop_server
}
trap stop_all EXIT
moto_url="http://127.0.0.1:$moto_port"
for _ in $(seq 1 300); do
    curl -fs "$moto_url/moto-api/" >/dev/null 2>&1 && break
    kill -0 "$moto" 2>/dev/null || { echo "run.sh: moto_server failed:" >&2; tail -20 "$SB/moto.log" >&2; exit 1; }
    sleep 0.2
done
echo "seeding the SageMaker sandbox (moto)..."
AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox \
    "$VENV/bin/python" tests/seed_sagemaker.py "$moto_url" >"$SB/seed_sagemaker.log" 2>&1 \
    || { echo "run.sh: seeding moto failed:" >&2; tail -20 "$SB/seed_sagemaker.log" >&2; exit 1; }
AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox \
    "$VENV/bin/python" tests/seed_logs.py "$moto_url" >>"$SB/seed_sagemaker.log" 2>&1 \
    || { echo "run.sh: seeding endpoint logs failed:" >&2; tail -20 "$SB/seed_sagemaker.log" >&2; exit 1; }
# Drift: generated once (fixed seed), so the windows stay put and the state file remembers
# which capture files it has read.
if [ ! -s "$SB/drift/anchor" ]; then
    echo "generating the sandbox drift data (first run only)..."
    "$VENV/bin/python" tests/sandbox/drift_data.py "$SB/drift" >"$SB/drift_data.log" 2>&1 \
        || { echo "run.sh: generating drift data failed:" >&2; tail -20 "$SB/drift_data.log" >&2; exit 1; }
fi

# ... and a bad day: the CloudTrail history of a deploy pipeline and of on-call bob (the alarm
# is seeded by seed_sagemaker.py's main, the endpoint logs by seed_logs.py).
# The pipeline's deployment of churn-prod is the one the drift data drifts after (drift_data.py
# deploys 5 hours before its anchor).
"$VENV/bin/python" tests/sandbox/incident.py "$moto_url" "$SB/cloudtrail.json" \
    --deployed-at "$(( $(cat "$SB/drift/anchor") - 5 * 3600 ))" \
    >>"$SB/seed_sagemaker.log" 2>&1 \
    || { echo "run.sh: seeding the incident failed:" >&2; tail -20 "$SB/seed_sagemaker.log" >&2; exit 1; }

cat >"$SB/config.yaml" <<YAML
current_context: sandbox
contexts:
  - name: sandbox
    refresh: 10
    backends:
      - name: sandbox
        type: mlflow
        url: $url
      - name: sagemaker
        type: sagemaker
        region: eu-west-1
        url: $moto_url
    drift:
      - name: churn-prod-inputs
        reference: $SB/drift/reference.csv
        current: $SB/drift/capture/churn-prod
        endpoint: churn-prod
        format: capture
        categorical: [plan, region]
        prediction: prediction
        window: 3600
        violations: $SB/drift/constraint_violations.json
YAML
export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox

echo "MLflow sandbox: $url"
echo "SageMaker sandbox (moto): $moto_url"
echo "server log:     $SB/server/server.log"
echo "config:         $SB/config.yaml   state: $SB/state.db"
set +e
"$BIN" --config "$SB/config.yaml" --state "$SB/state.db" "$@"
rc=$?
set -e
echo "server log: $SB/server/server.log"
exit $rc
