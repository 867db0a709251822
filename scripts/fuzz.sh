#!/usr/bin/env bash
# fuzz.sh [SECONDS_PER_TARGET] - build the libFuzzer targets (clang, ASan + UBSan) in
# build/fuzz and run each for SECONDS_PER_TARGET (default 30) over its seed corpus.
#   Targets (tests/fuzz/): fuzz_filename fuzz_dotenv fuzz_mask fuzz_lexer fuzz_sumcache fuzz_tablename fuzz_files
#   Seeds are read from tests/fuzz/corpus/<target>/ and never written: new inputs go to
#   build/fuzz/corpus-work/<target>/, crashes to build/fuzz/artifacts/<target>-crash-*.
#   Fails on any crash, leak, sanitizer report, timeout or out-of-memory; prints one
#   summary line per target (executions, time, executions per second, coverage).
# Env: FUZZ_TARGETS (default: all four), CI=true makes a missing clang/libFuzzer an error
# (elsewhere the run is skipped with a message). To keep interesting new inputs:
#   build/fuzz/tests/fuzz/fuzz_lexer -merge=1 tests/fuzz/corpus/fuzz_lexer build/fuzz/corpus-work/fuzz_lexer
# Replay one input: build/fuzz/tests/fuzz/fuzz_lexer FILE
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
SECS=${1:-30}
TARGETS=${FUZZ_TARGETS:-fuzz_filename fuzz_dotenv fuzz_mask fuzz_lexer fuzz_sumcache fuzz_tablename fuzz_files}
BUILD=build/fuzz
JOBS=${JOBS:-2}

log() { echo "fuzz.sh: $*" >&2; }
die() { echo "fuzz.sh: ERROR: $*" >&2; exit 1; }
missing_tool() {
    if [ "${CI:-}" = true ]; then
        die "$* (CI=true: a missing tool fails; install with scripts/deps.sh --asan)"
    fi
    log "SKIPPED: $* (install with scripts/deps.sh --asan)"
    exit 0
}

[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -gt 0 ] || die "usage: fuzz.sh [SECONDS_PER_TARGET] (a positive number, got '$SECS')"
command -v clang >/dev/null 2>&1 || missing_tool "clang not found"
command -v cmake >/dev/null 2>&1 || missing_tool "cmake not found"

# libFuzzer's runtime (Debian: libclang-rt-14-dev) is a separate package from clang
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe/p.c"
clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1 ||
    { cat "$probe/log" >&2; missing_tool "clang cannot link -fsanitize=fuzzer,address,undefined (libclang-rt-14-dev missing?)"; }

log "building $BUILD (clang $(clang -dumpversion), -fsanitize=fuzzer,address,undefined)"
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -DPGM_FUZZ=ON -DPGM_TESTS=OFF -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log" >&2; die "cmake configure failed"; }
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "$JOBS" --target $TARGETS >/dev/null || die "build failed (cmake --build $BUILD)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/corpus-work" "$BUILD/artifacts" "$BUILD/logs"
SUMMARY=()
FAILED=()
for t in $TARGETS; do
    bin=$BUILD/tests/fuzz/$t
    seeds=tests/fuzz/corpus/$t
    work=$BUILD/corpus-work/$t
    logf=$BUILD/logs/$t.log
    [ -x "$bin" ] || die "$bin was not built"
    [ -d "$seeds" ] || die "no seed corpus $seeds"
    mkdir -p "$work"
    dict=()
    if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
    rm -f "$BUILD/artifacts/$t"-*
    log "$t: ${SECS}s over $(find "$seeds" -type f | wc -l) seeds + $(find "$work" -type f | wc -l) earlier inputs"
    set +e
    # the first corpus folder receives new inputs; the seed folder is only read
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$t-" "${dict[@]}" "$work" "$seeds" >"$logf" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$logf" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$logf" | tail -1)
    arts=$(find "$BUILD/artifacts" -maxdepth 1 -name "$t-*" -type f | wc -l)
    line=$(printf '%-14s %10s execs in %3ss (%s/s), %s, corpus %d files' "$t" "${execs:-?}" \
        "${secs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$(find "$work" -type f | wc -l)")
    if [ "$rc" -ne 0 ] || [ "$arts" -gt 0 ] || grep -q 'ERROR: \(libFuzzer\|AddressSanitizer\|LeakSanitizer\)\|runtime error:' "$logf"; then
        FAILED+=("$t")
        SUMMARY+=("$line  FAILED (exit $rc)")
        echo "---- $t: tail of $logf ----" >&2
        tail -n 60 "$logf" >&2
        find "$BUILD/artifacts" -maxdepth 1 -name "$t-*" -type f | sed 's/^/fuzz.sh: artifact: /' >&2
    else
        SUMMARY+=("$line  ok")
    fi
done

echo "fuzz summary (${SECS}s per target):"
printf '  %s\n' "${SUMMARY[@]}"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${FAILED[*]} (replay: $BUILD/tests/fuzz/TARGET ARTIFACT)"
    exit 1
fi
echo "fuzz: ${#SUMMARY[@]} targets, no crash, leak or sanitizer report"
