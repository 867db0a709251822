# Shared helpers for the Windows tests (bash): pgmigrate.exe under wine, in the private
# prefixes of the winprefix fixture (prefix.sh), against the private Linux PostgreSQL of the
# pg15 fixture. On top of tests/integration/lib.sh (a database and a scratch folder per test,
# q, tracked, mig, expect_*, jget), pgm runs the Windows build.
#
# Environment from CTest: PGM_WIN_DIR (the fixture's folder), PGM_PG_DIR, PGM_SRC.
# Under wine: output lines end in CRLF (pgm turns the CRLF line ends back into LF, so a
# stray CR inside a line still shows), exit codes arrive modulo 256, and libpq must be
# reached with sslmode=disable (Wine 8 lacks NtFlushBuffersFileEx, see
# /work/shared/notes/windows-under-wine.md). Missing pieces fail the test, never skip it.
set -euo pipefail

win_die() { echo "FAIL ($(basename "$0")): $*" >&2; exit 1; }

: "${PGM_WIN_DIR:?PGM_WIN_DIR must point at the winprefix fixture folder (tests/windows/prefix.sh)}"
command -v wine >/dev/null 2>&1 || win_die "wine is not installed (scripts/deps.sh --windows)"
WIN_MAIN=$PGM_WIN_DIR/prefix
WIN_BARE=$PGM_WIN_DIR/prefix-bare
WIN_EXE=$PGM_WIN_DIR/app/pgmigrate.exe
WIN_DDRIVE=$PGM_WIN_DIR/ddrive
[ -f "$WIN_MAIN/.pgm-stamp" ] && [ -f "$WIN_BARE/.pgm-stamp" ] ||
    win_die "the wine prefixes are not set up: run the tests through ctest (fixture winprefix, tests/windows/prefix.sh)"
[ -f "$WIN_EXE" ] || win_die "$WIN_EXE is missing (the winprefix fixture copies PGM_WINDOWS_EXE there)"
[ -f "$WIN_DDRIVE/Program Files/PostgreSQL/18/bin/libpq.dll" ] ||
    win_die "libpq.dll is missing from the D: folder $WIN_DDRIVE (scripts/deps.sh --windows, then rerun)"

export LANG=C.UTF-8 LC_ALL=C.UTF-8
export WINEPREFIX=$WIN_MAIN WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY WAYLAND_DISPLAY PGMIGRATE_PG_BIN

export PGM_BIN=$WIN_EXE
# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# pgm ARGS...: run pgmigrate.exe in $WINEPREFIX; stdout in $OUT, stderr in $ERR, exit code in $RC
pgm() {
    set +e
    wine "$WIN_EXE" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    if [ "$RC" != 0 ] && [ ! -s "$WORK/.out" ] && [ ! -s "$WORK/.err" ]; then
        # pgmigrate never fails without a word: wine did not start it (seen once in CI
        # under -j2, exit 1 and nothing else). Say so, and try once more with wine's
        # errors shown.
        echo "pgm: wine exited $RC with no output for: $*; running it again with WINEDEBUG=err+all" >&2
        WINEDEBUG=err+all wine "$WIN_EXE" "$@" >"$WORK/.out" 2>"$WORK/.err"
        RC=$?
    fi
    set -e
    OUT=$(sed 's/\r$//' "$WORK/.out")
    ERR=$(sed 's/\r$//' "$WORK/.err")
    # a crash shows as wine's own report, not as pgmigrate's message
    case "$ERR" in
    *"Unhandled exception"* | *"wine: Unhandled"* | *"wine: could not load"*)
        show >&2
        fail "pgmigrate.exe crashed or wine failed"
        ;;
    esac
}
# pgm_bare ARGS...: the same on the machine without PostgreSQL
pgm_bare() { WINEPREFIX=$WIN_BARE pgm "$@"; }

# winpath UNIX_PATH: the path as a Windows program sees it (Z: is the Unix root under wine)
winpath() {
    local p=$1
    case "$p" in /*) ;; *) p=$PWD/$p ;; esac
    printf 'Z:%s' "${p//\//\\}"
}

# field of the JSON object that is the whole of $OUT: jfield EXPR (python over the object o)
jfield() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))
' "$1"
}

WIN_D_BIN='D:\Program Files\PostgreSQL\18\bin'
WIN_REG_BIN='C:\Bases de données\PostgreSQL\18\bin'
WIN_SERVICE=postgresql-x64-18
WIN_SERVICE_DISPLAY='postgresql-x64-18 - PostgreSQL Server 18'
