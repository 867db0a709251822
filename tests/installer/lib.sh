# Shared helpers of the installer tests (bash): where the MSIs are, the tools they need,
# and reading an MSI's tables.
#
# Environment from CTest: PGM_MSI_DIR (this label's folder in the build tree), PGM_WINDOWS_EXE
# (the mingw pgmigrate.exe), PGM_SRC, PGM_CACHE. Two MSIs are built there by installer.build:
# the project version (V1) and the next patch version (V2), which the upgrade test installs
# over V1. A missing tool skips the test (exit 77), but fails it under CI=true.
set -euo pipefail

: "${PGM_MSI_DIR:?PGM_MSI_DIR must name the installer tests folder}"
: "${PGM_SRC:?PGM_SRC must point at the source tree}"
export PGM_WINDOWS_EXE=${PGM_WINDOWS_EXE:-$PGM_SRC/build/mingw/pgmigrate.exe}
export PGM_CACHE=${PGM_CACHE:-$PGM_SRC/build/cache}
export LANG=C.UTF-8 LC_ALL=C.UTF-8

msi_die() { echo "FAIL ($(basename "$0")): $*" >&2; exit 1; }

require_tools() {  # require_tools TOOL...: all on PATH, or skip (fail under CI=true)
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "${CI:-}" = true ]; then
        msi_die "missing tools: ${missing[*]} (scripts/deps.sh --windows --msi installs them)"
    fi
    echo "SKIP ($(basename "$0")): missing tools: ${missing[*]} (scripts/deps.sh --windows --msi)"
    exit 77
}

V1=$(sed -n 's/^[[:space:]]*project(pgmigrate VERSION \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' "$PGM_SRC/CMakeLists.txt" | head -n1)
[[ "$V1" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || msi_die "no project(pgmigrate VERSION x.y.z) in CMakeLists.txt"
V2="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.$((BASH_REMATCH[3] + 1))"
MSI1=$PGM_MSI_DIR/v1/pgmigrate-$V1-x64.msi
MSI2=$PGM_MSI_DIR/v2/pgmigrate-$V2-x64.msi
STAGE1=${MSI1%.msi}.d/stage
STAGE2=${MSI2%.msi}.d/stage
UPGRADE_CODE='{5228F222-3CD4-49CE-89BB-8EDAC107AA14}'   # installer/pgmigrate.wxs: never changes

# tbl MSI TABLE: the rows of a table, tab-separated, without the three header lines
tbl() { msiinfo export "$1" "$2" | tr -d '\r' | tail -n +4; }
# prop MSI NAME: a Property value
prop() { tbl "$1" Property | awk -F'\t' -v n="$2" '$1 == n { print $2 }'; }

T=$'\t'
CHECKS=0
check() {  # check DESCRIPTION COMMAND...: run COMMAND, fail with DESCRIPTION if it fails
    local what=$1; shift
    CHECKS=$((CHECKS + 1))
    "$@" || msi_die "$what"
}
eq() {  # eq ACTUAL EXPECTED WHAT
    CHECKS=$((CHECKS + 1))
    [ "$1" = "$2" ] || msi_die "$3: expected [$2], got [$1]"
}

lower() { tr '[:upper:]' '[:lower:]'; }
# the DLLs a PE file imports, lower case
pe_imports() { x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr -d '\r' | lower; }
# Windows' own DLLs (and the UCRT), present on every Windows 10/11
is_windows_dll() { [[ "$1" =~ ^(kernel32|advapi32|user32|gdi32|shell32|ole32|oleaut32|shlwapi|ws2_32|wsock32|mswsock|secur32|sspicli|wldap32|crypt32|bcrypt|ncrypt|iphlpapi|dnsapi|userenv|version|rpcrt4|netapi32|normaliz|ntdll|msvcrt|ucrtbase|api-ms-win-.*|ext-ms-win-.*)\.dll$ ]]; }
