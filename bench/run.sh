#!/usr/bin/env bash
# bench/run.sh - pgmigrate's benchmark, in one go.
#
# Builds a release pgmigrate and bench/delayproxy.c into build/bench, installs
# dbmate from npm into build/cache/npm-bench when missing, starts a private
# PostgreSQL 15 (fsync on) in build/bench/pg, and measures, on fresh databases:
#   A) 100 one-statement migrations, B) 1,000 one-statement migrations,
#   C) 1,000 migrations of CREATE TABLE + CREATE INDEX,
# at round trip 0 ms (direct) and 10 ms (through delayproxy; A only, and B
# too with BENCH_FULL=1), for:
#   pgmigrate up | psql -1 -f all.sql (the floor: one transaction) |
#   psql -1, all statements in one message | dbmate up |
#   golang-migrate's protocol emulated with psql (dirty/clean bookkeeping in
#   transactions of their own, each statement its own round trip).
# Also: no-op `up` and `status` over 1,000 applied migrations against one psql
# query; `--version` time and peak RSS against dbmate's; peak RSS of applying
# one 200 MB migration against psql -f.
# Prints a markdown table and writes it to build/bench/results.md (with
# BENCH_ONLY: results-<parts>.md).
#
# Env: BENCH_ONLY (a comma list of parts to run, default all: A0, B0, C0, A10, B10
# (B10 also with BENCH_FULL=1), noop, startup, big), BENCH_RUNS (default 3; the median is reported), BENCH_FULL=1 (B at
# 10 ms too), BENCH_BIG_MB (default 200), BENCH_QUICK_RUNS (default 10: runs of
# the sub-second no-op/status measurements), PG15_BIN (server binaries),
# BENCH_REF=<git ref> (benchmark that commit, exported with git archive into
# build/bench/src and built in build/bench/src-build, instead of the work tree).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
OUT=$ROOT/build/bench
NPM_DIR=$ROOT/build/cache/npm-bench
PGDIR=$OUT/pg
WORK=$OUT/work
LOGS=$OUT/logs
RUNS=${BENCH_RUNS:-3}
QUICK_RUNS=${BENCH_QUICK_RUNS:-10}
FULL=${BENCH_FULL:-0}
ONLY=${BENCH_ONLY:-}
# want PART: is PART to be measured (BENCH_ONLY)
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
RESULTS=results.md
[ -n "$ONLY" ] && RESULTS="results-${ONLY//,/-}.md"
BIG_MB=${BENCH_BIG_MB:-200}
PG_BIN=${PG15_BIN:-/usr/lib/postgresql/15/bin}
PROXY_DELAY_MS=5 # each direction: round trip 10 ms
# pgmigrate's checksum cache: the bench's own, not the user's
export PGMIGRATE_CACHE_DIR=$OUT/sumcache

SRC=$ROOT BUILD=$OUT
if [ -n "${BENCH_REF:-}" ]; then
    SRC=$OUT/src BUILD=$OUT/src-build
fi
PGM=$BUILD/pgmigrate
PROXY=$OUT/delayproxy
PROXY_PID=""
SAMPLER_PID=""
PG_STARTED=0
T_START=$EPOCHREALTIME

log() { printf '[bench %6.1fs] %s\n' "$(elapsed "$T_START")" "$*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }'; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SAMPLER_PID" ]; then
        kill -TERM "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
    fi
    if [ -n "$PROXY_PID" ]; then
        kill -TERM "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
    fi
    if [ "$PG_STARTED" = 1 ]; then
        "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK/big" 2>/dev/null || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- phases
PHASES=()
PHASE_NAME="" PHASE_T0=""
phase() {
    phase_end
    PHASE_NAME=$1 PHASE_T0=$EPOCHREALTIME
    log "== $1"
}
phase_end() {
    if [ -n "$PHASE_NAME" ]; then
        local d; d=$(elapsed "$PHASE_T0")
        PHASES+=("$PHASE_NAME|$d")
        log "   $PHASE_NAME took ${d}s"
    fi
    PHASE_NAME=""
}

# ---------------------------------------------------------------- build
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average ${LOAD_START%% *}: other work on this machine makes the timings noisy (fsync-bound runs most)"
fi
phase "build (release pgmigrate, delayproxy)"
mkdir -p "$OUT" "$LOGS" "$WORK"
rm -rf "$PGMIGRATE_CACHE_DIR"
if [ -n "${BENCH_REF:-}" ]; then
    SRC_DESC="$(git -C "$ROOT" rev-parse --short "$BENCH_REF^{commit}") ($BENCH_REF)" || die "no such git ref: $BENCH_REF"
    rm -rf "$SRC"; mkdir -p "$SRC"
    git -C "$ROOT" archive "$BENCH_REF" | tar -x -C "$SRC" || die "git archive $BENCH_REF failed"
else
    SRC_DESC="work tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src include CMakeLists.txt cmake 2>/dev/null || echo ' + local changes')"
fi
log "source: $SRC_DESC"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPGM_TESTS=OFF > "$LOGS/cmake.log" 2>&1 ||
    { tail -n 30 "$LOGS/cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j2 >> "$LOGS/cmake.log" 2>&1 ||
    { tail -n 30 "$LOGS/cmake.log" >&2; die "cmake build failed"; }
[ -x "$PGM" ] || die "$PGM was not built"
cc -O2 -Wall -Wextra -o "$PROXY" "$ROOT/bench/delayproxy.c" ||
    die "could not compile bench/delayproxy.c"

# ---------------------------------------------------------------- dbmate
phase "dbmate (npm)"
# The npm package `dbmate` is a node wrapper (dist/cli.js) around a native Go
# binary shipped in the optional dependency @dbmate/linux-x64. We run the
# native binary directly, so node's start-up is not counted against dbmate.
dbmate_native() {
    local d
    for d in "$NPM_DIR/node_modules/@dbmate/linux-x64/bin/dbmate" \
             "$NPM_DIR/node_modules/dbmate/node_modules/@dbmate/linux-x64/bin/dbmate"; do
        if [ -x "$d" ]; then echo "$d"; return 0; fi
    done
    return 1
}
DBMATE=$(dbmate_native || true)
if [ -z "$DBMATE" ]; then
    mkdir -p "$NPM_DIR"
    log "installing dbmate into $NPM_DIR"
    npm install --prefix "$NPM_DIR" --no-audit --no-fund dbmate > "$LOGS/npm.log" 2>&1 ||
        log "npm install dbmate failed (see $LOGS/npm.log)"
    DBMATE=$(dbmate_native || true)
    if [ -z "$DBMATE" ] && [ -f "$NPM_DIR/node_modules/dbmate/package.json" ]; then
        # optional dependencies skipped (npm config omit=optional): ask for it by name
        v=$(node -p "require('$NPM_DIR/node_modules/dbmate/package.json').version" 2>/dev/null || echo latest)
        npm install --prefix "$NPM_DIR" --no-audit --no-fund "@dbmate/linux-x64@$v" >> "$LOGS/npm.log" 2>&1 || true
        DBMATE=$(dbmate_native || true)
    fi
fi
if [ -n "$DBMATE" ]; then
    DBMATE_VERSION=$("$DBMATE" --version 2>/dev/null | head -n1)
    log "dbmate: $DBMATE ($DBMATE_VERSION)"
else
    DBMATE_VERSION="not installed"
    log "dbmate not available: its rows are skipped"
fi

# ---------------------------------------------------------------- server
phase "PostgreSQL 15 (fsync on)"
[ -x "$PG_BIN/postgres" ] || die "no PostgreSQL server in $PG_BIN (run scripts/deps.sh or set PG15_BIN)"
PG_STARTED=1
PGM_PG_FSYNC=on "$ROOT/scripts/pg.sh" start "$PGDIR" --bin "$PG_BIN" > "$LOGS/pg.log" 2>&1 ||
    { cat "$LOGS/pg.log" >&2; die "PostgreSQL did not start"; }
PORT=$(. "$PGDIR/pg.env" && echo "$PGPORT")
PW=$(. "$PGDIR/pg.env" && echo "$PGM_TEST_PASSWORD")
PSQL=$PG_BIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql)
# every tool gets the same URL and nothing else from the environment
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS \
      DATABASE_URL PGMIGRATE_PATH PGMIGRATE_PG_BIN
url() { # url DB [PORT]
    printf 'postgres://postgres:%s@127.0.0.1:%s/%s?sslmode=disable' "$PW" "${2:-$PORT}" "$1"
}
ADMIN_URL=$(url postgres)
admin() { PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@" > /dev/null; }
[ "$("$PSQL" -X -At -d "$ADMIN_URL" -c 'SHOW fsync')" = on ] || die "the server does not run with fsync on"
PG_VERSION=$("$PSQL" -X -At -d "$ADMIN_URL" -c 'SHOW server_version')
log "PostgreSQL $PG_VERSION on 127.0.0.1:$PORT, fsync on"

freshdb() { admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
dropdb() { admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# ---------------------------------------------------------------- proxy
phase "delay proxy (5 ms each way)"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 50); do
    PROXY_PORT=$(( 20000 + RANDOM % 40000 ))
    port_free "$PROXY_PORT" && break
done
"$PROXY" "$PROXY_PORT" "$PORT" "$PROXY_DELAY_MS" 2> "$LOGS/proxy.log" &
PROXY_PID=$!
for _ in $(seq 1 100); do
    port_free "$PROXY_PORT" || break
    kill -0 "$PROXY_PID" 2>/dev/null || { cat "$LOGS/proxy.log" >&2; die "delayproxy exited"; }
    sleep 0.02
done
port_free "$PROXY_PORT" && die "delayproxy does not listen on $PROXY_PORT"
# check the added latency: 20 extra queries on one connection should cost ~200 ms
t0=$EPOCHREALTIME
"$PSQL" -X -q -d "$(url postgres "$PROXY_PORT")" -c 'SELECT 1' > /dev/null
t1=$(elapsed "$t0")
args=(); for _ in $(seq 1 21); do args+=(-c 'SELECT 1'); done
t0=$EPOCHREALTIME
"$PSQL" -X -q -d "$(url postgres "$PROXY_PORT")" "${args[@]}" > /dev/null
t21=$(elapsed "$t0")
RTT_MEASURED=$(awk -v a="$t1" -v b="$t21" 'BEGIN { printf "%.1f", (b - a) / 20 * 1000 }')
log "delayproxy on 127.0.0.1:$PROXY_PORT: measured round trip ${RTT_MEASURED} ms"

# ---------------------------------------------------------------- files
phase "generate migrations"
# gen_scenario NAME COUNT KIND: golang-migrate files (gm/), dbmate files
# (dbmate/), all.sql (concatenated), onemsg.sql (one message: `\;`) and
# gmemu.sql (golang-migrate's protocol, for psql in autocommit mode).
gen_scenario() {
    local name=$1 count=$2 kind=$3 d=$WORK/$1
    rm -rf "$d"
    mkdir -p "$d/gm" "$d/dbmate"
    awk -v n="$count" -v kind="$kind" -v d="$d" '
    function stmts(i, s) {
        if (kind == "one") { s[1] = sprintf("CREATE TABLE IF NOT EXISTS t%04d (id int)", i); return 1 }
        s[1] = sprintf("CREATE TABLE t%04d (id serial primary key, a int, b text)", i)
        s[2] = sprintf("CREATE INDEX t%04d_a ON t%04d (a)", i, i)
        return 2
    }
    BEGIN {
        all = d "/all.sql"; one = d "/onemsg.sql"; emu = d "/gmemu.sql"
        print "SELECT pg_catalog.pg_advisory_lock(1234567890);" > emu
        print "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);" > emu
        print "SELECT version, dirty FROM schema_migrations LIMIT 1;" > emu
        for (i = 1; i <= n; i++) {
            k = stmts(i, s)
            body = ""; joined = ""
            for (j = 1; j <= k; j++) {
                body = body s[j] ";\n"
                joined = joined s[j] (j < k ? "\\;\n" : "")
            }
            f = sprintf("%s/gm/%06d_t%04d.up.sql", d, i, i)
            printf "%s", body > f; close(f)
            f = sprintf("%s/dbmate/%06d_t%04d.sql", d, i, i)
            printf "-- migrate:up\n%s\n-- migrate:down\n", body > f; close(f)
            printf "%s", body > all
            printf "%s%s\n", joined, (i < n ? "\\;" : ";") > one
            printf "BEGIN;\nTRUNCATE schema_migrations;\nINSERT INTO schema_migrations (version, dirty) VALUES (%d, true);\nCOMMIT;\n", i > emu
            printf "%s;\n", joined > emu
            printf "BEGIN;\nTRUNCATE schema_migrations;\nINSERT INTO schema_migrations (version, dirty) VALUES (%d, false);\nCOMMIT;\n", i > emu
        }
        print "SELECT pg_catalog.pg_advisory_unlock(1234567890);" > emu
    }'
}
gen_scenario A 100 one
gen_scenario B 1000 one
gen_scenario C 1000 two

# ---------------------------------------------------------------- measuring
cd "$WORK" # no .env here
declare -A RES=()
ROWS=()
LAST=""

# run_tool TOOL DB PORTARG SCEN: apply scenario SCEN to database DB with TOOL; time in $LAST
run_tool() {
    local tool=$1 db=$2 port=$3 scen=$4 u t0 rc=0
    u=$(url "$db" "$port")
    t0=$EPOCHREALTIME
    case "$tool" in
        pgmigrate) "$PGM" --database "$u" --path "$WORK/$scen/gm" --no-color up > "$LOGS/run.log" 2>&1 || rc=$? ;;
        psql1)     "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$u" -f "$WORK/$scen/all.sql" > "$LOGS/run.log" 2>&1 || rc=$? ;;
        psqlmsg)   "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$u" -f "$WORK/$scen/onemsg.sql" > "$LOGS/run.log" 2>&1 || rc=$? ;;
        dbmate)    "$DBMATE" --url "$u" --migrations-dir "$WORK/$scen/dbmate" --no-dump-schema up > "$LOGS/run.log" 2>&1 || rc=$? ;;
        gmemu)     "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$u" -f "$WORK/$scen/gmemu.sql" > "$LOGS/run.log" 2>&1 || rc=$? ;;
        *) die "unknown tool $tool" ;;
    esac
    LAST=$(elapsed "$t0")
    if [ "$rc" != 0 ]; then
        tail -n 20 "$LOGS/run.log" >&2
        die "$tool failed on scenario $scen (exit $rc)"
    fi
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tool_label() {
    case "$1" in
        pgmigrate) echo "pgmigrate up" ;;
        psql1) echo "psql -1 -f (floor)" ;;
        psqlmsg) echo "psql -1, one message" ;;
        dbmate) echo "dbmate up" ;;
        gmemu) echo "golang-migrate protocol (psql)" ;;
    esac
}

# bench_scenario SCEN PORT LABEL: every tool, RUNS times each (interleaved), fresh databases
bench_scenario() {
    local scen=$1 port=$2 label=$3 r tool db
    local tools=(psql1 psqlmsg pgmigrate gmemu)
    [ -n "$DBMATE" ] && tools+=(dbmate)
    declare -A times=()
    for r in $(seq 1 "$RUNS"); do
        for tool in "${tools[@]}"; do
            db="bench_${scen,,}_${tool}"
            freshdb "$db"
            run_tool "$tool" "$db" "$port" "$scen"
            times[$tool]="${times[$tool]:-} $LAST"
            dropdb "$db"
        done
    done
    local floor; floor=$(echo "${times[psql1]}" | median)
    for tool in "${tools[@]}"; do
        local m; m=$(echo "${times[$tool]}" | median)
        ROWS+=("$label|$(tool_label "$tool")|$m|$(awk -v a="$m" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')|${times[$tool]# }")
        log "   $label / $(tool_label "$tool"): median ${m}s (runs:${times[$tool]})"
    done
}

if want A0; then
    phase "A: 100 migrations, RTT 0 ms"
    bench_scenario A "$PORT" "A: 100 × 1 statement, RTT 0 ms"
fi
if want B0; then
    phase "B: 1,000 migrations, RTT 0 ms"
    bench_scenario B "$PORT" "B: 1,000 × 1 statement, RTT 0 ms"
fi
if want C0; then
    phase "C: 1,000 migrations (table + index), RTT 0 ms"
    bench_scenario C "$PORT" "C: 1,000 × table + index, RTT 0 ms"
fi
if want A10; then
    phase "A: 100 migrations, RTT 10 ms"
    bench_scenario A "$PROXY_PORT" "A: 100 × 1 statement, RTT 10 ms"
fi
if { [ "$FULL" = 1 ] && [ -z "$ONLY" ]; } || { [ -n "$ONLY" ] && want B10; }; then
    phase "B: 1,000 migrations, RTT 10 ms"
    bench_scenario B "$PROXY_PORT" "B: 1,000 × 1 statement, RTT 10 ms"
fi

# ---------------------------------------------------------------- no-op and status
# interleaved: each round runs every command once, so a slow minute of this
# shared VM weighs on all of them alike; prints one median per command
quick_rounds() { # quick_rounds N CMD1 -- CMD2 -- ...  (a CMD may be a shell function)
    local n=$1 r j t0; shift
    local -a cmds=() times=()
    local c=""
    for a in "$@"; do
        if [ "$a" = "--" ]; then cmds+=("$c"); c=""; else c="$c $(printf '%q' "$a")"; fi
    done
    cmds+=("$c")
    for ((r = 0; r < n; r++)); do
        for j in "${!cmds[@]}"; do
            t0=$EPOCHREALTIME
            eval "${cmds[$j]}" > /dev/null 2>&1 || die "failed: ${cmds[$j]}"
            times[$j]="${times[$j]:-} $(elapsed "$t0")"
        done
    done
    for j in "${!cmds[@]}"; do echo "${times[$j]}" | median; done
}
quick() { quick_rounds "$QUICK_RUNS" "$@"; } # quick CMD...: its median seconds of QUICK_RUNS runs
add_row() { # add_row SCENARIO TOOL SECONDS BASELINE_SECONDS
    ROWS+=("$1|$2|$3|$(awk -v a="$3" -v b="$4" 'BEGIN { printf "%.2f", a / b }')|")
    log "   $1 / $2: median ${3}s"
}

if want noop; then
phase "no-op up and status over 1,000 applied migrations"
pgm_nocache() { PGMIGRATE_CACHE_DIR=off "$PGM" "$@"; }
freshdb bench_applied
"$PGM" --database "$(url bench_applied)" --path "$WORK/B/gm" up > /dev/null 2>&1 || die "pgmigrate up failed"
if [ -n "$DBMATE" ]; then
    freshdb bench_applied_dbmate
    "$DBMATE" --url "$(url bench_applied_dbmate)" --migrations-dir "$WORK/B/dbmate" --no-dump-schema up > /dev/null 2>&1 ||
        die "dbmate up failed"
fi
# the checksum cache keeps files changed in the last 3 s out (they may change
# again within the file system's clock tick): wait for the generated files to
# settle, then one status fills it, as any run on a developer's machine does
sleep 3.5
"$PGM" --database "$(url bench_applied)" --path "$WORK/B/gm" status > /dev/null 2>&1 || die "pgmigrate status failed"
sums=$(grep -lxF "pgmigrate checksums 1 $(cd "$WORK/B/gm" && pwd -P)" "$PGMIGRATE_CACHE_DIR"/*.sums 2>/dev/null | head -n 1)
[ -n "$sums" ] && [ "$(tail -n 1 "$sums")" = "end 1000" ] || die "the checksum cache of B was not written"
for rtt in 0 10; do
    p=$PORT; [ "$rtt" = 10 ] && p=$PROXY_PORT
    scen="no-op, 1,000 applied, RTT $rtt ms"
    mapfile -t M < <(quick_rounds "$QUICK_RUNS" \
        "$PSQL" -X -d "$(url bench_applied "$p")" -c 'SELECT version, dirty FROM schema_migrations' -- \
        "$PGM" --database "$(url bench_applied "$p")" --path "$WORK/B/gm" up -- \
        pgm_nocache --database "$(url bench_applied "$p")" --path "$WORK/B/gm" up -- \
        "$PGM" --database "$(url bench_applied "$p")" --path "$WORK/B/gm" --no-color status -- \
        "$PGM" --database "$(url bench_applied "$p")" --path "$WORK/B/gm" version -- \
        sh -c 'cat "$1"/*.sql' sh "$WORK/B/gm")
    q=${M[0]}
    add_row "$scen" "psql -c 'SELECT version, dirty …' (floor)" "$q" "$q"
    add_row "$scen" "pgmigrate up (nothing to do; checksums from the cache)" "${M[1]}" "$q"
    add_row "$scen" "pgmigrate up, every file read (PGMIGRATE_CACHE_DIR=off)" "${M[2]}" "$q"
    add_row "$scen" "pgmigrate status" "${M[3]}" "$q"
    add_row "$scen" "pgmigrate version" "${M[4]}" "$q"
    # what reading every file costs on its own
    add_row "$scen" "cat of the 1,000 files (reference: reading them)" "${M[5]}" "$q"
    if [ -n "$DBMATE" ]; then
        t=$(quick "$DBMATE" --url "$(url bench_applied_dbmate "$p")" --migrations-dir "$WORK/B/dbmate" --no-dump-schema up)
        add_row "$scen" "dbmate up (nothing to do)" "$t" "$q"
    fi
done
dropdb bench_applied
[ -n "$DBMATE" ] && dropdb bench_applied_dbmate
fi

# ---------------------------------------------------------------- start-up and memory
phase "start-up time and peak RSS"
EXTRA=()
TIME_BIN=/usr/bin/time
if [ ! -x "$TIME_BIN" ]; then
    log "installing GNU time"
    (apt-get install -y time > "$LOGS/apt.log" 2>&1 ||
     { apt-get update > /dev/null 2>&1 && apt-get install -y time >> "$LOGS/apt.log" 2>&1; }) || true
fi
peak_rss() { # peak_rss CMD... -> KiB
    if [ -x "$TIME_BIN" ]; then
        "$TIME_BIN" -f '%M' -o "$LOGS/rss.txt" "$@" > /dev/null 2> "$LOGS/rss.err" || { cat "$LOGS/rss.err" >&2; die "failed: $*"; }
        tail -n 1 "$LOGS/rss.txt"
    else
        echo "n/a"
    fi
}
per_run_ms() { # 100 runs in a loop -> ms per run
    local t0 i
    t0=$EPOCHREALTIME
    for i in $(seq 1 100); do "$@" > /dev/null 2>&1; done
    awk -v t="$(elapsed "$t0")" 'BEGIN { printf "%.2f", t * 1000 / 100 }'
}
if want startup; then
EXTRA+=("pgmigrate --version|$(per_run_ms "$PGM" --version) ms per run|$(peak_rss "$PGM" --version) KiB|")
if [ -n "$DBMATE" ]; then
    EXTRA+=("dbmate --version|$(per_run_ms "$DBMATE" --version) ms per run|$(peak_rss "$DBMATE" --version) KiB|")
fi
EXTRA+=("/bin/true (process start floor)|$(per_run_ms /bin/true) ms per run|$(peak_rss /bin/true) KiB|")
fi

if want big; then
phase "one ${BIG_MB} MB migration: peak RSS"
mkdir -p "$WORK/big"
# rows of ~100 bytes, 1,000 rows per INSERT statement (~110 kB), up to BIG_MB
awk -v mb="$BIG_MB" 'BEGIN {
    pad = sprintf("%090d", 0); gsub(/0/, "x", pad)
    print "CREATE TABLE big (id int, payload text);"
    target = mb * 1024 * 1024; size = 0; id = 0
    while (size < target) {
        printf "INSERT INTO big VALUES "
        size += 24
        for (r = 0; r < 1000; r++) {
            id++
            row = sprintf("%s(%d,\x27%s\x27)", (r ? "," : ""), id, pad)
            printf "%s", row
            size += length(row)
        }
        print ";"
        size += 2
    }
}' > "$WORK/big/000001_big.up.sql"
BIG_BYTES=$(stat -c %s "$WORK/big/000001_big.up.sql")
log "   generated $(( BIG_BYTES / 1024 / 1024 )) MB"
# backend_peak_start DB: sample the peak RSS (VmHWM) of the server process serving DB
backend_peak_start() {
    echo 0 > "$LOGS/backend_hwm.txt"
    (
        hwm=0
        while :; do
            for p in $(pgrep -f "^postgres: [^ ]+ $1 " || true); do
                h=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
                if [ -n "$h" ] && [ "$h" -gt "$hwm" ]; then hwm=$h; echo "$hwm" > "$LOGS/backend_hwm.txt"; fi
            done
            sleep 0.1
        done
    ) &
    SAMPLER_PID=$!
}
backend_peak_stop() {
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    cat "$LOGS/backend_hwm.txt"
}
BIG_LABEL="one $(( BIG_BYTES / 1024 / 1024 )) MB migration"
freshdb bench_big_psql
backend_peak_start bench_big_psql
t0=$EPOCHREALTIME
rss=$(peak_rss "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$(url bench_big_psql)" -f "$WORK/big/000001_big.up.sql")
t=$(elapsed "$t0")
EXTRA+=("psql -1 -f, $BIG_LABEL|$t s|$rss KiB|$(backend_peak_stop) KiB")
log "   psql -1 -f: ${t}s"
dropdb bench_big_psql
freshdb bench_big_pgm
backend_peak_start bench_big_pgm
t0=$EPOCHREALTIME
rss=$(peak_rss "$PGM" --database "$(url bench_big_pgm)" --path "$WORK/big" up)
t=$(elapsed "$t0")
EXTRA+=("pgmigrate up, $BIG_LABEL|$t s|$rss KiB|$(backend_peak_stop) KiB")
log "   pgmigrate up: ${t}s"
dropdb bench_big_pgm
rm -rf "$WORK/big"
fi
phase_end

# ---------------------------------------------------------------- report
TOTAL=$(elapsed "$T_START")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "# pgmigrate benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)); " \
         "PostgreSQL $PG_VERSION on 127.0.0.1, fsync on; $("$PGM" --version) (release build of $SRC_DESC); $DBMATE_VERSION; " \
         "psql $("$PSQL" --version | awk '{ print $3 }'). Median of $RUNS runs (no-op/status: $QUICK_RUNS), each on a fresh database. " \
         "RTT 10 ms = through bench/delayproxy (5 ms each way; measured ${RTT_MEASURED} ms). " \
         "Load average at start: $LOAD_START; at end: $LOAD_END."
    echo
    echo "| scenario | tool | median s | ratio to psql floor | runs (s) |"
    echo "| --- | --- | ---: | ---: | --- |"
    for row in "${ROWS[@]}"; do
        IFS='|' read -r s t m r all <<< "$row"
        printf '| %s | %s | %.3f | %s | %s |\n' "$s" "$t" "$m" "$r" "$all"
    done
    echo
    echo "| command | time | peak RSS | server backend peak RSS |"
    echo "| --- | ---: | ---: | ---: |"
    for row in "${EXTRA[@]}"; do
        IFS='|' read -r c t m b <<< "$row"
        printf '| %s | %s | %s | %s |\n' "$c" "$t" "$m" "$b"
    done
    echo
    echo "Phases:"
    for p in "${PHASES[@]}"; do
        IFS='|' read -r n d <<< "$p"
        printf -- '- %s: %ss\n' "$n" "$d"
    done
    echo "- total: ${TOTAL}s"
} > "$OUT/$RESULTS"
cat "$OUT/$RESULTS"
