#!/usr/bin/env bash
# check.sh - pgmigrate's statement splitter (src/engine/lexer.c) against PostgreSQL's parser,
# on PostgreSQL's own regression scripts (src/test/regress/sql/*.sql).
#
#   1. the scripts come from Debian's source package postgresql-15 (apt-get source, through
#      a private apt configuration with deb-src entries made from the system's Debian
#      entries: /etc/apt is not touched), cached in ${PGM_CACHE:-build/cache}/pg-regress/,
#      never in the repository; or from PGM_PG_REGRESS_SQL=DIR when set
#   2. build/lexcheck: pgm_lexcheck (lexcheck.c, linked to pgm_engine, ASan + UBSan)
#   3. a private PostgreSQL 15 server (scripts/pg.sh, stopped on exit), database pgm_lexcheck
#   4. every statement pgm_lex finds is sent alone with the extended protocol, inside an
#      already failed transaction (parsed, never executed): "cannot insert multiple
#      commands" (merged) or a syntax error "at end of input"/"unterminated ..." (cut) is a
#      mismatch. psql-only text (meta-commands, COPY FROM stdin data) is blanked first.
# Exits non-zero on a mismatch (each is printed) or on trouble; under CI=true a missing tool
# or source is trouble, elsewhere it skips with a message. Env: PG15_BIN, JOBS, CC.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO"
MAJOR=15
CACHE=${PGM_CACHE:-$REPO/build/cache}
BUILD=build/lexcheck
PGDIR=$BUILD/pg
JOBS=${JOBS:-2}
T0=$(date +%s)

log() { echo "lexer-conformance: $*" >&2; }
die() { echo "lexer-conformance: ERROR: $*" >&2; exit 2; }
missing() {
    if [ "${CI:-}" = true ]; then die "$* (CI=true: this fails the check)"; fi
    log "SKIPPED: $*"
    exit 0
}

for tool in cmake tar; do
    command -v "$tool" >/dev/null 2>&1 || missing "$tool not found (scripts/deps.sh)"
done
[ -x "${PG15_BIN:-/usr/lib/postgresql/15/bin}/postgres" ] ||
    missing "no PostgreSQL 15 server in ${PG15_BIN:-/usr/lib/postgresql/15/bin} (scripts/deps.sh)"

# ------------------------------------------------------------------ the regression scripts
# Debian's entries of this system's apt sources, as deb-src entries (deb822 and one-line).
write_src_entries() {  # DIR: writes DIR/debian-src.sources and DIR/debian-src.list
    python3 - "$1" "$CODENAME" <<'PY'
import glob, os, re, sys
out, codename = sys.argv[1], sys.argv[2]
stanzas, lines = [], []
for path in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
    for block in re.split(r'\n\s*\n', open(path, encoding='utf-8', errors='replace').read()):
        fields, order = {}, []
        key = None
        for ln in block.splitlines():
            if ln.startswith('#') or not ln.strip():
                continue
            if ln[0] in ' \t' and key:
                fields[key] += '\n' + ln
                continue
            key, _, val = ln.partition(':')
            key = key.strip()
            fields[key] = val.strip()
            order.append(key)
        types = fields.get('Types', '').split()
        suites = fields.get('Suites', '').split()
        if 'deb' not in types or fields.get('Enabled', 'yes').lower() == 'no':
            continue
        if not any(s == codename or s.startswith(codename + '-') for s in suites):
            continue
        fields['Types'] = 'deb-src'
        stanzas.append('\n'.join('%s: %s' % (k, fields[k]) for k in order))
for path in ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list')):
    if not os.path.exists(path):
        continue
    for ln in open(path, encoding='utf-8', errors='replace'):
        m = re.match(r'\s*deb\s+((?:\[[^\]]*\]\s+)?)(\S+)\s+(\S+)\s+(.*)', ln)
        if m and (m.group(3) == codename or m.group(3).startswith(codename + '-')):
            lines.append('deb-src %s%s %s %s' % (m.group(1), m.group(2), m.group(3), m.group(4).strip()))
open(os.path.join(out, 'debian-src.sources'), 'w').write('\n\n'.join(stanzas) + '\n')
open(os.path.join(out, 'debian-src.list'), 'w').write('\n'.join(lines) + '\n')
print(len(stanzas) + len(lines))
PY
}

fetch_regress() {  # prints the folder holding the *.sql files
    local apt_dir=$CACHE/pg-regress/apt dl n v versions tarball dest
    command -v apt-get >/dev/null 2>&1 || missing "apt-get not found: set PGM_PG_REGRESS_SQL to a PostgreSQL src/test/regress/sql folder"
    command -v python3 >/dev/null 2>&1 || missing "python3 not found (scripts/deps.sh)"
    CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$CODENAME" ] || missing "no VERSION_CODENAME in /etc/os-release"
    rm -rf "$apt_dir"
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/dl"
    : > "$apt_dir/sources.list"
    n=$(write_src_entries "$apt_dir/sources.list.d")
    [ "$n" -gt 0 ] || missing "no Debian '$CODENAME' entry in the apt sources to make a deb-src entry from"
    APT=(apt-get -q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
    if [ "$(id -u)" -eq 0 ]; then APT+=(-o APT::Sandbox::User=root); fi
    log "apt-get update (deb-src of $CODENAME, private lists in $apt_dir)"
    "${APT[@]}" update >"$apt_dir/update.log" 2>&1 ||
        { cat "$apt_dir/update.log" >&2; missing "apt-get update of the source lists failed"; }
    # the installed server's version first, then the others, newest first
    versions=$(dpkg-query -W -f='${Version}\n' "postgresql-$MAJOR" 2>/dev/null || true)
    versions+=" $(apt-cache -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d" \
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" showsrc "postgresql-$MAJOR" 2>/dev/null |
        sed -n 's/^Version: //p' | sort -rV)"
    dl=$apt_dir/dl
    for v in $versions; do
        rm -f "$dl"/*
        log "apt-get source --download-only postgresql-$MAJOR=$v"
        if (cd "$dl" && "${APT[@]}" source --download-only "postgresql-$MAJOR=$v") >"$apt_dir/source.log" 2>&1; then
            tarball=$(ls "$dl"/postgresql-"$MAJOR"_*.orig.tar.* 2>/dev/null | head -1)
            [ -n "$tarball" ] && break
        fi
        tail -n 3 "$apt_dir/source.log" >&2
        tarball=""
    done
    [ -n "$tarball" ] || missing "apt-get source postgresql-$MAJOR failed for every version ($versions)"
    v=$(basename "$tarball" | sed 's/^postgresql-[0-9]*_\(.*\)\.orig\.tar\..*/\1/')
    dest=$CACHE/pg-regress/$v
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    log "extracting src/test/regress/sql of $(basename "$tarball")"
    tar -xf "$tarball" -C "$dest.tmp" --strip-components=4 --wildcards '*/src/test/regress/sql/*.sql' ||
        die "could not extract the regression scripts from $tarball"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    echo "$v" > "$CACHE/pg-regress/current"
    rm -rf "$apt_dir"
    echo "$dest/sql"
}

if [ -n "${PGM_PG_REGRESS_SQL:-}" ]; then
    SQLDIR=$PGM_PG_REGRESS_SQL
else
    mkdir -p "$CACHE/pg-regress"
    exec 9>"$CACHE/pg-regress/.lock"
    flock 9
    cur=$(cat "$CACHE/pg-regress/current" 2>/dev/null || true)
    if [ -n "$cur" ] && [ -d "$CACHE/pg-regress/$cur/sql" ]; then
        SQLDIR=$CACHE/pg-regress/$cur/sql
        log "regression scripts of PostgreSQL $cur from the cache"
    else
        SQLDIR=$(fetch_regress)
    fi
    flock -u 9
fi
files=("$SQLDIR"/*.sql)
[ -f "${files[0]}" ] || die "no *.sql in $SQLDIR"

# ------------------------------------------------------------------ the driver
log "building pgm_lexcheck in $BUILD"
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGM_SANITIZE=ON -DPGM_PG_VERSIONS=$MAJOR \
    ${CC:+-DCMAKE_C_COMPILER="$CC"} -DPGM_CACHE_DIR="$CACHE" >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j "$JOBS" --target pgm_lexcheck >/dev/null || die "build of pgm_lexcheck failed"
LEXCHECK=$BUILD/tests/lexer-conformance/pgm_lexcheck

# ------------------------------------------------------------------ the server
trap 'bash scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1 || true' EXIT
bash scripts/pg.sh start "$PGDIR" >/dev/null
bash scripts/pg.sh createdb "$PGDIR" pgm_lexcheck
# shellcheck disable=SC1091
. "$PGDIR/pg.env"
export PGHOST PGPORT PGUSER PGPASSWORD=$PGM_TEST_PASSWORD PGDATABASE=pgm_lexcheck

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log "checking ${#files[@]} files of $SQLDIR against $("$PGM_PG_BIN/postgres" --version)"
set +e
"$LEXCHECK" "${files[@]}"
rc=$?
set -e
log "done in $(( $(date +%s) - T0 ))s"
case $rc in
    0) echo "lexer conformance: ok" ;;
    1) echo "lexer conformance: FAILED: statements split differently from the server (MISMATCH lines above)"; exit 1 ;;
    *) echo "lexer conformance: FAILED: pgm_lexcheck exited $rc"; exit "$rc" ;;
esac
