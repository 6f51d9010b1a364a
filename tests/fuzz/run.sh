#!/usr/bin/env bash
# Run libFuzzer targets for a while each, one after the other.
#   tests/fuzz/run.sh SECONDS BINARY...
# Each target grows its corpus in tests/fuzz/corpus-NAME (git-ignored) from its seeds in
# tests/fuzz/seeds/NAME-without-fuzz_; its log is BINARY.log. One line per target:
#   "PASS fuzz_x: N executions in S s (peak M MB)"  or  "FAIL fuzz_x: ..." (log tail above)
# A crash artifact goes to the target's directory, not the working directory.
# Exit status: 0 when every target ran to its time without a finding.
set -u
cd "$(dirname "$0")/../.."
secs=${1:?seconds}
shift
fails=0
for b in "$@"; do
    n=$(basename "$b")
    corpus=tests/fuzz/corpus-$n
    seeds=tests/fuzz/seeds/${n#fuzz_}
    mkdir -p "$corpus"
    args=(-max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$(dirname "$b")/$n-"
          "$corpus")
    [ -d "$seeds" ] && args+=("$seeds")
    if [ ! -x "$b" ]; then
        echo "FAIL $n: not built ($b)"
        fails=$((fails + 1))
        continue
    fi
    "$b" "${args[@]}" >"$b.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$b.log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *\([0-9]*\)/\1/p' "$b.log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
        echo "PASS $n: $execs executions in $secs s (peak ${rss:-?} MB)"
    else
        tail -40 "$b.log"
        echo "FAIL $n: exit $rc after ${execs:-0} executions (log $b.log)"
        fails=$((fails + 1))
    fi
done
[ "$fails" -eq 0 ]
