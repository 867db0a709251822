#!/usr/bin/env bash
# Concurrency and interruptions: eight concurrent `up` runs apply each migration once;
# kill -9, pg_terminate_backend and Ctrl-C (SIGINT) during a long migration leave the
# previous version recorded clean, nothing of the interrupted migration, and no lock held.
. "$(dirname "$0")/lib.sh"

reset() {
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    rm -f migrations/*
}

# A long migration waits at the gate (lib.sh): the test's own session holds the lock it
# needs until the test opens it, so no run outlasts a pg_sleep on a busy machine.
backend_gone() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $1")" = 0 ]; }
advisory_locks() { q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()"; }

# pgm_bg ARGS...: start pgmigrate in the background (pid in $BG); pgm_wait collects it like pgm
pgm_bg() {
    "$PGM_BIN" "$@" >"$WORK/.bg.out" 2>"$WORK/.bg.err" &
    BG=$!
}
bg_gone() { ! kill -0 "$BG" 2>/dev/null; }
pgm_wait() {
    set +e
    wait "$BG" 2>/dev/null
    RC=$?
    set -e
    OUT=$(cat "$WORK/.bg.out")
    ERR=$(cat "$WORK/.bg.err")
}

# ---------------------------------------------------------------- eight concurrent `up` runs
# applied_log has no unique constraint: a migration applied twice would show as a duplicate row
mig 000001 applied_log "CREATE TABLE applied_log (version bigint, at timestamptz DEFAULT clock_timestamp());
INSERT INTO applied_log (version) VALUES (1);"
for v in $(seq 2 20); do
    mig "$(printf '%06d' "$v")" "step_$v" "INSERT INTO applied_log (version) VALUES ($v);"
done
pids=()
for i in $(seq 1 8); do
    "$PGM_BIN" up --json --lock-timeout 30 >"$WORK/c$i.out" 2>"$WORK/c$i.err" &
    pids+=($!)
done
total_steps=0
for i in $(seq 1 8); do
    set +e
    wait "${pids[$((i - 1))]}"
    RC=$?
    set -e
    OUT=$(cat "$WORK/c$i.out")
    ERR=$(cat "$WORK/c$i.err")
    expect_rc 0
    expect_eq "$(jget summary version)" 20 "run $i: final version"
    total_steps=$((total_steps + $(jget summary steps)))
done
expect_eq "$total_steps" 20 "migrations applied over all eight runs"
expect_eq "$(q "SELECT count(*) || '|' || count(DISTINCT version) || '|' || min(version) || '|' || max(version) FROM applied_log")" "20|20|1|20" \
    "applied_log rows|versions|min|max"
expect_eq "$(q "SELECT count(*) FROM (SELECT version FROM applied_log GROUP BY version HAVING count(*) <> 1) d")" 0 \
    "versions logged more than once"
expect_eq "$(tracked)" "20|f" "tracking row"
expect_eq "$(advisory_locks)" 0 "advisory locks left"

# ---------------------------------------------------------------- kill -9 during a long migration
reset
mig 000001 t1 "CREATE TABLE t1 (id int);" "DROP TABLE t1;"
mig 000002 slow "$GATE_SQL
CREATE TABLE t2 (id int);" "DROP TABLE t2;"
gate_close
pgm_bg up
wait_for "migration 2 to wait at the gate" 60 gate_has_waiter
orphan=$(gate_waiter)
kill -9 "$BG"
pgm_wait
expect_eq "$RC" 137 "exit status of the killed pgmigrate"
# The server notices the dead client by itself (pgmigrate sets client_connection_check_interval,
# one second) and rolls migration 2 back while the gate is still closed; no pg_terminate_backend
# here. Without that the orphan would wait at the gate, then run the rest of the batch and commit
# migration 2 when the gate opens.
wait_for "the orphan backend $orphan to end after kill -9" 60 backend_gone "$orphan"
gate_open
expect_eq "$(tracked)" "1|f" "tracking row after kill -9"
table_exists t1 || fail "t1 (migration 1) missing after kill -9"
table_exists t2 && fail "t2 exists: migration 2 was committed after kill -9"
expect_eq "$(advisory_locks)" 0 "advisory lock after kill -9"
pgm up --lock-timeout 30
expect_rc 0
expect_contains "$OUT" "applied  000002_slow"
expect_eq "$(tracked)" "2|f" "tracking row after the rerun"
table_exists t2 || fail "t2 missing after the rerun"

# ---------------------------------------------------------------- pg_terminate_backend during a long migration
mig 000003 slow3 "CREATE TABLE t3 (id int);
$GATE_SQL" "DROP TABLE t3;"
gate_close
pgm_bg up
wait_for "migration 3 to wait at the gate" 60 gate_has_waiter
victim=$(q "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgmigrate'")
expect_eq "$(q "SELECT pg_terminate_backend($victim)")" t "pg_terminate_backend"
pgm_wait
gate_open
expect_rc 5
expect_contains "$ERR" "terminating connection due to administrator command"
expect_contains "$ERR" "000003_slow3.up.sql"
expect_contains "$ERR" "rolled that migration back"
expect_eq "$(tracked)" "2|f" "tracking row after pg_terminate_backend"
table_exists t3 && fail "t3 exists after pg_terminate_backend"
expect_eq "$(advisory_locks)" 0 "advisory lock after pg_terminate_backend"
pgm up --lock-timeout 5
expect_rc 0
expect_eq "$(tracked)" "3|f" "tracking row after the rerun"
table_exists t3 || fail "t3 missing after the rerun"

# ---------------------------------------------------------------- Ctrl-C (SIGINT) during a long migration
mig 000004 slow4 "CREATE TABLE t4 (id int);
$GATE_SQL
INSERT INTO t4 VALUES (1);" "DROP TABLE t4;"
gate_close
pgm_bg up
wait_for "migration 4 to wait at the gate" 60 gate_has_waiter
kill -INT "$BG"
# the gate stays closed: pgmigrate ends only if SIGINT cancels the waiting statement
wait_for "pgmigrate to stop after SIGINT while the gate stays closed" 60 bg_gone
pgm_wait
expect_rc 130
expect_contains "$ERR" "interrupted"
expect_contains "$ERR" "rolled back"
expect_eq "$(tracked)" "3|f" "tracking row after SIGINT"
table_exists t4 && fail "t4 exists after SIGINT"
expect_eq "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgmigrate'")" 0 \
    "pgmigrate sessions left after SIGINT"
expect_eq "$(advisory_locks)" 0 "advisory lock after SIGINT"
gate_open
pgm up --lock-timeout 2
expect_rc 0
expect_eq "$(tracked)" "4|f" "tracking row after the rerun"
expect_eq "$(q "SELECT count(*) FROM t4")" 1 "t4 rows after the rerun"

# ---------------------------------------------------------------- the first round trip's guess
# The first message takes the lock and reads the tables where they usually are (public, or
# --table's schema) before the server has said where they are. With search_path pointing
# elsewhere the guess is wrong: the lock taken under the wrong key is given back, the right
# one is taken, and public's tables are not mistaken for the run's.
lock_key() {
    python3 -c 'import sys, zlib; print(zlib.crc32(("%s\0%s\0%s" % tuple(sys.argv[1:])).encode()) * 1486364155 % 2**32)' "$1" "$2" "$DB"
}
held_keys() {  # the advisory locks of the pgmigrate backend waiting at the gate
    q "SELECT string_agg(objid::text, ',' ORDER BY objid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1"
}
reset
q "DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app" >/dev/null
mig 000001 one "CREATE TABLE IF NOT EXISTS one (id int);" "DROP TABLE one;"
pgm up
expect_rc 0
expect_eq "$(tracked)" "1|f" "public's tracking row"
mig 000002 slow "$GATE_SQL" "SELECT 1;"
export PGOPTIONS='-c search_path=app'
pgm status --json
expect_rc 0
expect_eq "$(jget status table):$(jget status version):$(jget status table_exists)" '"app"."schema_migrations":null:false' \
    "status reads app's (missing) table, not public's"
gate_close
pgm_bg up
wait_for "the run with search_path=app to wait at the gate" 60 gate_has_waiter
expect_eq "$(held_keys "$(gate_waiter)")" "$(lock_key app schema_migrations)" \
    "only the lock of app.schema_migrations is held (public's guess given back)"
pgm up --lock-timeout 0.5
expect_rc 4
expect_contains "$ERR" "could not take the migration lock"
gate_open
pgm_wait
expect_rc 0
unset PGOPTIONS
expect_eq "$(q "SELECT version || '|' || dirty FROM app.schema_migrations")" "2|false" "app's tracking row"
expect_eq "$(tracked)" "1|f" "public's tracking row untouched"
expect_eq "$(q "SELECT to_regclass('app.one') IS NOT NULL")" t "migration 1 ran again, in app"
# --table names the schema: the guess is right, and the lock is app's from the first message
mig 000003 slow3 "$GATE_SQL" "SELECT 1;"
gate_close
pgm_bg --table app.schema_migrations up
wait_for "the run with --table app.schema_migrations to wait at the gate" 60 gate_has_waiter
expect_eq "$(held_keys "$(gate_waiter)")" "$(lock_key app schema_migrations)" "the lock of --table app.schema_migrations"
gate_open
pgm_wait
expect_rc 0
expect_eq "$(q "SELECT version FROM app.schema_migrations")" 3 "app's tracking row after --table"
expect_eq "$(advisory_locks)" 0 "advisory locks left"
