# Shared helpers for the integration tests (bash). Each test script sources
# this file, gets a fresh database of its own on the private server that
# the CTest fixture started, and a scratch folder that is removed at exit.
#
# Environment from CTest: PGM_BIN (the pgmigrate executable), PGM_PG_DIR
# (the fixture's folder holding pg.env), PGM_SRC (the source tree).
set -euo pipefail

: "${PGM_BIN:?PGM_BIN must point at the pgmigrate executable}"
: "${PGM_PG_DIR:?PGM_PG_DIR must point at a running private server (tests/pg-fixture.sh)}"
: "${PGM_SRC:?PGM_SRC must point at the source tree}"

# read the server's coordinates without leaking PG* variables into pgmigrate's environment
# shellcheck disable=SC1091
. "$PGM_PG_DIR/pg.env"
PG_PORT=$PGPORT
PG_PASSWORD=$PGM_TEST_PASSWORD
PG_BIN=$PGM_PG_BIN
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE DATABASE_URL PGMIGRATE_PATH PGMIGRATE_TABLE NO_COLOR

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgm-${TEST_NAME}.XXXXXX")
DB="t_${TEST_NAME#test_}_$$"
DB=${DB:0:60}
CHECKS=0

psql_admin() {
    PGOPTIONS='-c client_min_messages=warning' PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

# q SQL: run SQL in the test database, print the rows (unaligned, tuples only)
q() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" -c "$1"
}

new_db() {  # new_db NAME: (re)create a database, print nothing
    psql_admin -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

# on_exit CMD: run CMD (a string) when the test ends, before the common cleanup.
# Use this instead of `trap ... EXIT`, which would replace the cleanup and lose the exit code.
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$1"); }

cleanup() {
    local rc=$? hook
    for hook in "${EXIT_HOOKS[@]}"; do eval "$hook" || true; done
    cd /
    rm -rf "$WORK"
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    if [ $rc -eq 0 ]; then
        echo "ok: $TEST_NAME ($CHECKS checks)"
    else
        echo "FAILED: $TEST_NAME (exit $rc)"
    fi
    exit $rc
}
trap cleanup EXIT

new_db "$DB"
# pgmigrate's checksum cache: the test's own ($XDG_CACHE_HOME/pgmigrate), not the user's
export XDG_CACHE_HOME="$WORK/.cache"
unset PGMIGRATE_CACHE_DIR
export DATABASE_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable"
cd "$WORK"
mkdir -p migrations

# fail MESSAGE: stop the test; the line is the test script's (not a helper's)
fail() {
    local i line=${BASH_LINENO[0]}
    for ((i = 0; i < ${#BASH_LINENO[@]}; i++)); do
        if [ "${BASH_SOURCE[i + 1]:-}" = "$0" ]; then
            line=${BASH_LINENO[i]}
            break
        fi
    done
    echo "FAIL ($TEST_NAME line $line): $*" >&2
    exit 1
}

# pgm ARGS...: run pgmigrate, capturing stdout in $OUT, stderr in $ERR, exit code in $RC
pgm() {
    set +e
    "$PGM_BIN" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}

show() { echo "--- exit $RC; stdout:"; echo "$OUT"; echo "--- stderr:"; echo "$ERR"; }

expect_rc() {  # expect_rc N: the last pgm exited with N
    CHECKS=$((CHECKS + 1))
    [ "$RC" = "$1" ] || { show >&2; fail "expected exit $1, got $RC"; }
}
expect_eq() {  # expect_eq ACTUAL EXPECTED [what]
    CHECKS=$((CHECKS + 1))
    [ "$1" = "$2" ] || fail "${3:-value}: expected [$2], got [$1]"
}
expect_contains() {  # expect_contains HAYSTACK NEEDLE [what]
    CHECKS=$((CHECKS + 1))
    case "$1" in *"$2"*) ;; *) show >&2; fail "${3:-output} does not contain [$2]";; esac
}
expect_not_contains() {
    CHECKS=$((CHECKS + 1))
    case "$1" in *"$2"*) show >&2; fail "${3:-output} contains [$2]";; *) ;; esac
}

# the tables in public besides pgmigrate's own (schema_migrations and its history)
user_tables() { q "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'schema_migrations_history')"; }

# tracking row as "version|dirty" ("" when the table is empty)
tracked() { q "SELECT version || '|' || CASE WHEN dirty THEN 't' ELSE 'f' END FROM schema_migrations"; }
table_exists() { [ "$(q "SELECT to_regclass('$1') IS NOT NULL")" = t ]; }

# mig VERSION NAME UP_SQL [DOWN_SQL]: write a migration pair (no down when DOWN_SQL is "-")
mig() {
    printf '%s\n' "$3" >"migrations/$1_$2.up.sql"
    if [ $# -ge 4 ] && [ "$4" != "-" ]; then
        printf '%s\n' "$4" >"migrations/$1_$2.down.sql"
    fi
}

# JSON field from the last line matching an event: jget EVENT FIELD (python3 for parsing)
jget() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
ev, field = sys.argv[1], sys.argv[2]
val = None
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    if o.get("event") == ev:
        val = o
        for part in field.split("."):
            val = val[int(part)] if isinstance(val, list) else val.get(part)
print("null" if val is None else (str(val).lower() if isinstance(val, bool) else val))
' "$1" "$2"
}

# pg_dump -s of the test database, without the random \restrict / \unrestrict keys of newer pg_dump.
# pg_dump refuses a server newer than itself (the npm PostgreSQL 18 has no pg_dump): then the
# catalog rows of every user object, OIDs included (anything dropped and created again, or
# left behind, shows), stand in for it.
schema_dump() {
    local pg_dump=$PG_BIN/pg_dump dump_major server_major
    [ -x "$pg_dump" ] || pg_dump=$(command -v pg_dump) || fail "no pg_dump (apt-get install postgresql-client)"
    dump_major=$("$pg_dump" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')
    server_major=$(( $(q "SHOW server_version_num") / 10000 ))
    if [ "$dump_major" -ge "$server_major" ]; then
        PGPASSWORD=$PG_PASSWORD "$pg_dump" -s -h 127.0.0.1 -p "$PG_PORT" -U postgres "$DB" | grep -Ev '^\\(un)?restrict '
    else
        q "SELECT string_agg(x, E'\n' ORDER BY x) FROM (
             SELECT 'class ' || c.oid || ' ' || c.relname || ' ' || c.relkind::text || ' ' || c.relnamespace::text || ' ' || coalesce(c.relacl::text, '') AS x
               FROM pg_class c WHERE c.oid >= 16384
             UNION ALL SELECT 'attr ' || a.attrelid || ' ' || a.attnum || ' ' || a.attname || ' ' || a.atttypid || ' ' || a.attnotnull::text
               || ' ' || a.attisdropped::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid >= 16384
             UNION ALL SELECT 'type ' || t.oid || ' ' || t.typname FROM pg_type t WHERE t.oid >= 16384
             UNION ALL SELECT 'enum ' || e.enumtypid || ' ' || e.enumlabel || ' ' || e.enumsortorder FROM pg_enum e
             UNION ALL SELECT 'constraint ' || o.oid || ' ' || o.conname || ' ' || pg_get_constraintdef(o.oid) FROM pg_constraint o WHERE o.oid >= 16384
             UNION ALL SELECT 'index ' || i.indexrelid || ' ' || pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indexrelid >= 16384
             UNION ALL SELECT 'proc ' || p.oid || ' ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p WHERE p.oid >= 16384
             UNION ALL SELECT 'comment ' || d.objoid || ' ' || d.objsubid || ' ' || d.description FROM pg_description d WHERE d.objoid >= 16384
             UNION ALL SELECT 'namespace ' || n.oid || ' ' || n.nspname || ' ' || coalesce(n.nspacl::text, '') FROM pg_namespace n
           ) s"
    fi
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds; fail naming WHAT after SECONDS.
# A guard against a hang, never a timing the test relies on: pick it generous.
wait_for() {
    local what=$1 limit=$2 start=$SECONDS
    shift 2
    # every 0.1 s: a poll that runs psql costs CPU the awaited run needs on a busy machine
    until "$@"; do
        [ $((SECONDS - start)) -lt "$limit" ] || fail "waited ${limit}s for $what"
        sleep 0.1
    done
}

# A session of the test's own: psql reading from a fifo, so the test decides when each
# statement runs and how long a lock stays held (never a pg_sleep that a busy machine outruns).
# session_open NAME [APPLICATION_NAME]: start it; session_run NAME SQL: run SQL in it and return
# once it has run; session_close NAME: end it (its locks go with it); session_pid NAME: its backend.
declare -A SESSION_FD SESSION_PID
session_open() {
    local name=$1 app=${2:-pgm_test_session} fd
    rm -f "$WORK/.session.$name.in" "$WORK/.session.$name.out"
    mkfifo "$WORK/.session.$name.in"
    # stdbuf: psql writes to a file, which stdio would buffer until psql ends
    PGAPPNAME=$app PGPASSWORD=$PG_PASSWORD stdbuf -oL psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" \
        <"$WORK/.session.$name.in" >"$WORK/.session.$name.out" 2>&1 &
    SESSION_PID[$name]=$!
    exec {fd}>"$WORK/.session.$name.in"
    SESSION_FD[$name]=$fd
    on_exit "session_close $name"
}
session_marker_seen() { grep -qx -- "$2" "$WORK/.session.$1.out" 2>/dev/null; }
session_run() {
    local name=$1 marker="done-$RANDOM$RANDOM"
    kill -0 "${SESSION_PID[$name]}" 2>/dev/null || fail "session $name has ended: $(cat "$WORK/.session.$name.out")"
    printf '%s\n\\echo %s\n' "$2" "$marker" >&"${SESSION_FD[$name]}"
    wait_for "session $name to run [$2] ($(cat "$WORK/.session.$name.out" 2>/dev/null | tail -n 3))" 120 session_marker_seen "$name" "$marker"
}
session_pid() {
    session_run "$1" "SELECT 'pid=' || pg_backend_pid();"
    sed -n 's/^pid=//p' "$WORK/.session.$1.out" | tail -n 1
}
session_close() {
    local name=$1 fd
    [ -n "${SESSION_PID[$name]:-}" ] || return 0
    fd=${SESSION_FD[$name]}
    printf '\\q\n' >&"$fd" 2>/dev/null || true
    exec {fd}>&-
    wait "${SESSION_PID[$name]}" 2>/dev/null || true
    unset "SESSION_PID[$name]" "SESSION_FD[$name]"
}

# The gate: gate_close makes the test's own session hold an ACCESS EXCLUSIVE lock on the
# table test_gate.gate; a migration that reads it (SELECT FROM test_gate.gate) waits there
# until gate_open. gate_waiter: the pid of a backend waiting at the gate, if any.
GATE_SQL="SELECT FROM test_gate.gate;"
gate_close() {
    q "SET client_min_messages = warning; CREATE SCHEMA IF NOT EXISTS test_gate; CREATE TABLE IF NOT EXISTS test_gate.gate ();
       GRANT USAGE ON SCHEMA test_gate TO PUBLIC; GRANT SELECT ON test_gate.gate TO PUBLIC" >/dev/null
    session_open gate pgm_test_gate
    session_run gate "BEGIN; LOCK TABLE test_gate.gate IN ACCESS EXCLUSIVE MODE;"
}
gate_open() {
    session_run gate "COMMIT;"
    session_close gate
}
gate_waiter() {
    q "SELECT l.pid FROM pg_locks l WHERE NOT l.granted AND l.relation = to_regclass('test_gate.gate')
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
}
gate_has_waiter() { [ -n "$(gate_waiter)" ]; }
