#!/usr/bin/env bash
# Unit binaries and a few headless mldeck runs under valgrind (memcheck).
# Errors or definite leaks make valgrind exit 99: that run fails.
# Last line: "N passed, N failed". Environment: O (default build), MLDECK_BIN, VENV.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
VENV=${VENV:-.venv}
BIN=${MLDECK_BIN:-./mldeck}
OUT="$O/valgrind"
mkdir -p "$OUT"
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes --num-callers=30 --quiet)

pass=0
fail=0
check() { # name rc log
    if [ "$2" -eq 0 ]; then
        pass=$((pass + 1)); echo "ok   $1"
    else
        fail=$((fail + 1)); echo "FAIL $1 (exit $2, log $3)"; tail -40 "$3"
    fi
}

if ! command -v valgrind >/dev/null; then
    echo "valgrind not installed (make deps)"; echo "0 passed, 1 failed"; exit 1
fi

shopt -s nullglob
for b in "$O"/tests/test_*; do
    [ -x "$b" ] && [ -f "$b" ] || continue
    case "$b" in *.d|*.o|*.log) continue ;; esac
    log="$OUT/$(basename "$b").log"
    # cmocka forks nothing by default; its own test failures also fail the run
    "${VG[@]}" --log-file="$log.vg" "$b" >"$log" 2>&1
    rc=$?
    cat "$log.vg" >>"$log"
    check "$(basename "$b")" "$rc" "$log"
done
shopt -u nullglob

# --- headless runs against a seeded server -------------------------------------------------------
if [ ! -x "$BIN" ]; then
    echo "FAIL mldeck binary $BIN missing"; fail=$((fail + 1))
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/mldeck-vg.XXXXXX")
    srv_pid=
    cleanup() {
        [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
        rm -rf "$work"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    "$VENV/bin/python" tests/servers.py serve --workdir "$work/server" --seed demo \
        --cache-dir "${MLDECK_TEST_CACHE:-build/test-cache}" \
        --url-file "$work/url" >"$work/serve.out" 2>"$work/serve.err" &
    srv_pid=$!
    for _ in $(seq 1 900); do
        [ -s "$work/url" ] && break
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ ! -s "$work/url" ]; then
        echo "FAIL could not start and seed an mlflow server:"; cat "$work/serve.err"
        fail=$((fail + 1))
    else
        url=$(cat "$work/url")
        mkdir -p "$work/home"
        i=0
        while read -r args; do
            i=$((i + 1))
            log="$OUT/headless-$i.log"
            # shellcheck disable=SC2086
            env -i PATH="$PATH" HOME="$work/home" LC_ALL=C.UTF-8 TERM=xterm-256color \
                XDG_CONFIG_HOME="$work/home/.config" XDG_STATE_HOME="$work/home/.state" \
                XDG_CACHE_HOME="$work/home/.cache" MLFLOW_TRACKING_URI="$url" \
                "${VG[@]}" --log-file="$log.vg" "$BIN" --state "$work/state.db" $args \
                >"$log" 2>&1
            rc=$?
            cat "$log.vg" >>"$log"
            check "mldeck $args" "$rc" "$log"
        done <<'EOF'
get experiments --json
get models --json
get runs --experiment churn-prediction --json
get versions --model churn-classifier --json
get models
get audit --json
--read-only -vv get --json audit
drift --reference=tests/fixtures/drift/ref_small.csv --cur tests/fixtures/drift/small.jsonl --json
EOF
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
