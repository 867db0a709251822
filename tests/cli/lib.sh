# Shared set-up of the CLI tests (bash, no database): the executable and the
# source tree from CTest, none of the caller's configuration, a scratch folder
# as the current folder (so no .env of the caller's folder is read) that is
# removed at exit, and the helpers every CLI test uses.
#
# Environment from CTest: PGM_BIN (the executable), PGM_SRC (the source tree).
set -euo pipefail

: "${PGM_BIN:?PGM_BIN must point at the pgmigrate executable}"
: "${PGM_SRC:?PGM_SRC must point at the source tree}"
unset DATABASE_URL PGMIGRATE_PATH PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE NO_COLOR

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/pgm-${TEST_NAME#test_}.XXXXXX")
CHECKS=0
trap 'rc=$?; rm -rf "$T"; [ $rc -eq 0 ] && echo "ok: $TEST_NAME ($CHECKS checks)"; exit $rc' EXIT
cd "$T"

# fail MESSAGE: stop the test, with the line of the test script and the last output
fail() {
    echo "FAIL ($TEST_NAME line ${BASH_LINENO[0]}): $*" >&2
    printf -- '--- output (exit %s):\n%s\n---\n' "${RC:-?}" "${OUT:-}" >&2
    exit 1
}

# run ARGS...: pgmigrate's stdout+stderr in $OUT, its exit code in $RC
run() {
    set +e
    OUT=$("$PGM_BIN" "$@" 2>&1)
    RC=$?
    set -e
}
