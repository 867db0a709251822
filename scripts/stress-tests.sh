#!/usr/bin/env bash
# stress-tests.sh - run named CTest tests again and again while CPU hogs keep the machine
# busy, to show that they do not depend on timing (a test that races a sleep fails here).
#
#   scripts/stress-tests.sh [-n RUNS] [-c HOGS] [-b BUILD_DIR] TEST...
#
# TEST: a test name without the version prefix (test_concurrency) or a full CTest name
# (integration.pg18.test_locksafe); a short name runs on every configured version.
# RUNS (default 5): runs of each test. HOGS (default 4): CPU hogs (stress-ng --cpu, or busy
# shell loops without stress-ng). BUILD_DIR (default build/ci): a configured build tree.
# Prints each run's result, then a summary; exits 1 when any run failed.
# Example: scripts/stress-tests.sh -n 5 test_concurrency test_locksafe
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RUNS=5 HOGS=4 BUILD=$REPO/build/ci
while getopts n:c:b: opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        c) HOGS=$OPTARG ;;
        b) BUILD=$OPTARG ;;
        *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -f "$BUILD/CTestTestfile.cmake" ] || { echo "stress-tests: $BUILD is not a configured build tree" >&2; exit 2; }

# the CTest names: short names expand to every version the build tree has
names=()
for t in "$@"; do
    if [[ $t == *.* ]]; then
        names+=("$t")
    else
        # (-N lists the fixtures' start and stop too: keep the names that end in .TEST)
        mapfile -t found < <(ctest --test-dir "$BUILD" -N -R "\\.${t}\$" | sed -n 's/^ *Test *#[0-9]*: //p' | grep "\\.${t}\$")
        [ ${#found[@]} -gt 0 ] || { echo "stress-tests: no test named $t in $BUILD" >&2; exit 2; }
        names+=("${found[@]}")
    fi
done

hog_pids=()
stop_hogs() {
    local p
    for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${hog_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    hog_pids=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM   # through the EXIT trap: the hogs go too
if command -v stress-ng >/dev/null 2>&1; then
    stress-ng --cpu "$HOGS" --quiet >/dev/null 2>&1 &
    hog_pids+=($!)
    hog="stress-ng --cpu $HOGS"
else
    for _ in $(seq 1 "$HOGS"); do
        bash -c 'while :; do :; done' &
        hog_pids+=($!)
    done
    hog="$HOGS busy shell loops"
fi
echo "stress-tests: $RUNS runs each of ${names[*]}, with $hog on $(nproc) CPUs"

declare -A pass fail
failed=0
for run in $(seq 1 "$RUNS"); do
    for name in "${names[@]}"; do
        start=$(date +%s)
        log=$(mktemp)
        if ctest --test-dir "$BUILD" -R "^${name//./\\.}\$" --output-on-failure >"$log" 2>&1; then
            pass[$name]=$(( ${pass[$name]:-0} + 1 ))
            echo "run $run  $name: passed ($(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg))"
        else
            fail[$name]=$(( ${fail[$name]:-0} + 1 ))
            failed=1
            echo "run $run  $name: FAILED ($(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg))"
            grep -E 'FAIL|expected|waited' "$log" | head -n 5 | sed 's/^/    /'
        fi
        rm -f "$log"
    done
done
stop_hogs
echo "stress-tests: summary"
for name in "${names[@]}"; do
    echo "  $name: ${pass[$name]:-0} passed, ${fail[$name]:-0} failed of $RUNS"
done
exit "$failed"
