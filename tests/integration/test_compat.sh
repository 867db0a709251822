#!/usr/bin/env bash
# golang-migrate compatibility: the tracking table's DDL and one-row protocol, taking over a
# database golang-migrate left (clean and dirty), --table placement and quoting, no other
# objects created, and golang-migrate's advisory lock key (held by others, held by us).
. "$(dirname "$0")/lib.sh"

psql_db() { PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" "$@"; }
# back to an empty database
reset() { q "SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS myschema CASCADE; CREATE SCHEMA public" >/dev/null; }
rows() { q "SELECT count(*) FROM $1"; }
# golang-migrate's lock key for SCHEMA TABLE in the test database (database.GenerateAdvisoryLockId)
lock_key() {
    python3 -c 'import sys, zlib; print(zlib.crc32(("%s\0%s\0%s" % tuple(sys.argv[1:])).encode()) * 1486364155 % 2**32)' "$1" "$2" "$DB"
}
# columns of a table as name:type:nullable;... and its primary key columns
columns() {
    q "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ';' ORDER BY ordinal_position)
       FROM information_schema.columns WHERE table_schema = '$1' AND table_name = '$2'"
}
pkey() {
    q "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = '$1'::regclass AND i.indisprimary"
}

for i in 1 2 3 4 5; do
    mig "00000$i" "create_t$i" "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
done

# ---------------------------------------------------------------- the table's DDL and the one-row protocol
pgm up 1
expect_rc 0
expect_eq "$(columns public schema_migrations)" "version:bigint:NO;dirty:boolean:NO" "schema_migrations columns"
expect_eq "$(pkey public.schema_migrations)" "version" "primary key"
expect_eq "$(q "SELECT count(*) FROM pg_index WHERE indrelid = 'public.schema_migrations'::regclass")" 1 "only the primary key index"
# (PostgreSQL 18 also lists NOT NULL constraints in pg_constraint: contype 'n')
expect_eq "$(q "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.schema_migrations'::regclass AND contype <> 'n'")" 1 "only the primary key constraint"
expect_eq "$(q "SELECT column_default IS NULL FROM information_schema.columns WHERE table_name = 'schema_migrations' AND column_name = 'dirty'")" t "no default on dirty"
expect_eq "$(tracked)" "1|f"
for v in 2 3 4 5; do
    pgm up 1
    expect_rc 0
    expect_eq "$(rows schema_migrations)" 1 "one row after up to $v"
    expect_eq "$(tracked)" "$v|f" "row after up to $v"
done
for v in 4 3 2 1; do
    pgm down
    expect_rc 0
    expect_eq "$(rows schema_migrations)" 1 "one row after down to $v"
    expect_eq "$(tracked)" "$v|f" "row after down to $v"
done
pgm down
expect_rc 0
expect_eq "$(rows schema_migrations)" 0 "down past the first version leaves no row"
expect_eq "$(q "SELECT count(*) FROM schema_migrations WHERE version < 0")" 0 "no -1 row"
expect_eq "$(user_tables)" "" "every migration reverted"
pgm goto 3
pgm goto 1
expect_eq "$(rows schema_migrations)" 1 "one row after goto"
pgm down --all
expect_rc 0
expect_eq "$(rows schema_migrations)" 0 "down --all leaves no row"

# ---------------------------------------------------------------- taking over golang-migrate's database
reset
q "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null);
   INSERT INTO schema_migrations (version, dirty) VALUES (3, false);
   CREATE TABLE t1 (id int); CREATE TABLE t2 (id int); CREATE TABLE t3 (id int);"
pgm status --json
expect_eq "$(jget status version)" 3 "status reads golang-migrate's row"
expect_eq "$(jget status pending)" 2
pgm up
expect_rc 0
expect_not_contains "$OUT" "000001_create_t1" "takeover: migration 1 must not run again"
expect_not_contains "$OUT" "000003_create_t3" "takeover: migration 3 must not run again"
expect_contains "$OUT" "applied  000004_create_t4"
expect_contains "$OUT" "applied  000005_create_t5"
expect_eq "$(tracked)" "5|f" "takeover: after up"
expect_eq "$(user_tables)" "t1,t2,t3,t4,t5" "takeover: tables"
expect_eq "$(rows schema_migrations)" 1

# a dirty row: refuse to move, name the version and the way out
q "DELETE FROM schema_migrations; INSERT INTO schema_migrations VALUES (3, true); DROP TABLE t4, t5"
for cmd in "up" "down" "goto 5" "goto 1" "up 1" "down --all"; do
    # shellcheck disable=SC2086
    pgm $cmd
    expect_rc 3
    expect_contains "$ERR" "dirty at version 3" "$cmd on a dirty database"
    expect_contains "$ERR" "pgmigrate force 3" "$cmd on a dirty database"
    expect_eq "$(tracked)" "3|t" "$cmd on a dirty database leaves the row"
    expect_eq "$(user_tables)" "t1,t2,t3" "$cmd on a dirty database runs nothing"
done
pgm up --json
expect_rc 3
expect_eq "$(jget error code)" dirty
expect_eq "$(jget error version)" 3
pgm force 3
expect_rc 0
expect_eq "$(tracked)" "3|f" "force 3 clears dirty"
pgm up
expect_rc 0
expect_eq "$(tracked)" "5|f" "up after force"
expect_eq "$(user_tables)" "t1,t2,t3,t4,t5"

# (-1, dirty): golang-migrate's protocol while the first migration's down runs outside a
# transaction; a failure there leaves it, in golang-migrate and in pgmigrate alike
reset
mkdir firstdown
printf 'CREATE TABLE f1 (id int);\n' >firstdown/000001_f1.up.sql
printf -- '-- pgmigrate:no-transaction\nDROP TABLE f1;\nSELECT 1/0;\n' >firstdown/000001_f1.down.sql
printf 'CREATE TABLE f2 (id int);\n' >firstdown/000002_f2.up.sql
printf 'DROP TABLE f2;\n' >firstdown/000002_f2.down.sql
pgm up --path firstdown
expect_eq "$(tracked)" "2|f"
pgm down --all --path firstdown
expect_rc 1
expect_eq "$(tracked)" "-1|t" "a failed no-transaction down of the first migration"
expect_eq "$(user_tables)" "" "f2 reverted, f1 dropped before the failing statement"
pgm version --path firstdown
expect_rc 0
expect_contains "$OUT" "dirty" "version shows a dirty -1"
pgm status --path firstdown
expect_contains "$OUT" "dirty" "status shows a dirty -1"
pgm status --path firstdown --json
expect_eq "$(jget status dirty)" true
expect_eq "$(jget status version)" null
for cmd in "up" "down" "goto 2"; do
    # shellcheck disable=SC2086
    pgm $cmd --path firstdown
    expect_rc 3
    expect_contains "$ERR" "pgmigrate force -1" "$cmd at a dirty -1"
    expect_contains "$ERR" "pgmigrate force 1" "$cmd at a dirty -1"
    expect_eq "$(tracked)" "-1|t" "$cmd at a dirty -1 changes nothing"
done
pgm force -1 --path firstdown
expect_rc 0
expect_eq "$(rows schema_migrations)" 0 "force -1 clears a dirty -1"
pgm up --path firstdown
expect_rc 0
expect_eq "$(tracked)" "2|f" "up after force -1"
expect_eq "$(user_tables)" "f1,f2"

# ---------------------------------------------------------------- --table: name, schema.name, quoting
reset
pgm up 2 --table custom_table
expect_rc 0
expect_eq "$(columns public custom_table)" "version:bigint:NO;dirty:boolean:NO" "custom_table columns"
expect_eq "$(pkey public.custom_table)" "version"
expect_eq "$(q "SELECT version || '|' || dirty FROM custom_table")" "2|false" "custom_table row"
table_exists public.schema_migrations && fail "--table custom_table also created schema_migrations"
CHECKS=$((CHECKS + 1))
pgm status --table custom_table --json
expect_eq "$(jget status version)" 2 "status --table reads the custom table"
pgm version
expect_eq "$OUT" "none (no migration applied)" "the default table is another table"

reset
q "CREATE SCHEMA myschema"
pgm up --table myschema.tracking
expect_rc 0
expect_eq "$(columns myschema tracking)" "version:bigint:NO;dirty:boolean:NO" "myschema.tracking columns"
expect_eq "$(pkey myschema.tracking)" "version"
expect_eq "$(q "SELECT version FROM myschema.tracking")" 5 "myschema.tracking row"
expect_eq "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('tracking', 'schema_migrations', 'tracking_history') AND relnamespace = 'public'::regnamespace")" 0 \
    "nothing tracking-like in public"
expect_eq "$(q "SELECT count(*) FROM myschema.tracking_history WHERE outcome = 'applied'")" 5 "the history lives beside the tracking table"
expect_eq "$(user_tables)" "t1,t2,t3,t4,t5" "migrations still run in the search_path schema"
pgm down 2 --table myschema.tracking
expect_rc 0
expect_eq "$(q "SELECT version FROM myschema.tracking")" 3

reset
pgm up 1 --table Mig_Table
expect_rc 0
expect_eq "$(q "SELECT string_agg(relname, ',') FROM pg_class WHERE relkind = 'r' AND relname ILIKE 'mig_table'")" "Mig_Table" \
    "--table Mig_Table creates exactly \"Mig_Table\""
expect_eq "$(q 'SELECT version FROM "Mig_Table"')" 1
pgm up 1 --table Mig_Table
expect_eq "$(q 'SELECT version FROM "Mig_Table"')" 2 "the quoted table is found again"
reset
pgm up 1 --table 'we"ird tab;le'
expect_rc 0
expect_eq "$(q "SELECT version FROM \"we\"\"ird tab;le\"")" 1 "a table name needing quotes"
reset
q "CREATE SCHEMA \"My Schema\""
pgm up 1 --table 'My Schema.Track'
expect_rc 0
expect_eq "$(q 'SELECT version FROM "My Schema"."Track"')" 1 "a quoted schema and table"
q "SET client_min_messages = warning; DROP SCHEMA \"My Schema\" CASCADE"

# ---------------------------------------------------------------- nothing else is created
reset
objects() {
    q "SELECT coalesce(string_agg(x, ',' ORDER BY x COLLATE \"C\"), '') FROM (
         SELECT 'class:' || n.nspname || '.' || c.relname AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         UNION ALL SELECT 'ns:' || nspname FROM pg_namespace
         UNION ALL SELECT 'proc:' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
         UNION ALL SELECT 'type:' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND t.typrelid = 0 AND t.typcategory <> 'A'
         UNION ALL SELECT 'ext:' || extname FROM pg_extension) s"
}
before=$(objects)
pgm up
expect_rc 0
pgm status
pgm version
pgm down 2
pgm force 3
after=$(objects)
expected=$(printf '%s\n' "$before" | tr ',' '\n' | sed '/^$/d'
           printf '%s\n' class:public.schema_migrations class:public.schema_migrations_pkey class:public.t1 class:public.t2 class:public.t3 \
               class:public.schema_migrations_history class:public.schema_migrations_history_id_seq class:public.schema_migrations_history_pkey)
# golang-migrate's table, and pgmigrate's history beside it (with its id sequence and key): nothing else
expect_eq "$after" "$(printf '%s\n' "$expected" | LC_ALL=C sort | paste -sd, -)" "objects besides the migrations' own"

# ---------------------------------------------------------------- the advisory lock: someone else holds it
reset
KEY=$(lock_key public schema_migrations)
# hold_lock KEY: the test's own session takes the advisory lock and keeps it until stop_holder;
# sets HOLDER (its backend pid)
hold_lock() {
    session_open holder pgm_test_holder
    session_run holder "SELECT pg_advisory_lock($1);"
    HOLDER=$(q "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    [ -n "$HOLDER" ] || fail "the test's session does not hold lock $1"
}
stop_holder() { session_close holder; }
hold_lock "$KEY"
t0=$(date +%s%N)
pgm up --lock-timeout 1
t1=$(date +%s%N)
expect_rc 4
expect_contains "$ERR" "pid $HOLDER" "lock timeout names the holder"
expect_contains "$ERR" "pgm_test_holder" "lock timeout names the holder's application"
expect_contains "$ERR" "lock" "lock timeout message"
expect_contains "$ERR" "could not take the migration lock within 1 seconds" "the timeout given, not the default 15"
# a bound far from both 1 s and the default 15 s, so that a busy machine does not break it
[ $(((t1 - t0) / 1000000)) -lt 12000 ] || fail "--lock-timeout 1 took $(((t1 - t0) / 1000000)) ms"
CHECKS=$((CHECKS + 1))
expect_eq "$(user_tables)" "" "nothing ran without the lock"
table_exists public.schema_migrations && fail "the tracking table was created without the lock"
CHECKS=$((CHECKS + 1))
pgm up --lock-timeout 0.5 --json
expect_rc 4
expect_eq "$(jget error code)" lock_timeout
expect_eq "$(jget lock_wait holder_pid)" "$HOLDER" "--json lock_wait holder_pid"
expect_eq "$(jget lock_wait holder_application)" "pgm_test_holder" "--json lock_wait holder_application"
expect_eq "$(jget lock_wait holder_client)" "127.0.0.1" "--json lock_wait holder_client"
CHECKS=$((CHECKS + 1))
[[ $(jget lock_wait holder_since) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2} ]] ||
    fail "--json lock_wait holder_since: [$(jget lock_wait holder_since)]"
# the human line names pid, application, user, client and since when
pgm up --lock-timeout 0.5
expect_rc 4
expect_contains "$ERR" "waiting for the migration lock held by pid $HOLDER (application \"pgm_test_holder\", user postgres, client 127.0.0.1, connected since 20"
expect_contains "$ERR" "could not take the migration lock within 0.5 seconds"
# PGMIGRATE_LOCK_TIMEOUT is honoured like --lock-timeout
PGMIGRATE_LOCK_TIMEOUT=0.5 pgm up
expect_rc 4
expect_contains "$ERR" "could not take the migration lock within 0.5 seconds"
# force takes the lock too
pgm force 2 --lock-timeout 0.5
expect_rc 4
# a lock on another table's key does not block
pgm up 1 --table other_tracking --lock-timeout 1
expect_rc 0
expect_eq "$(q "SELECT version FROM other_tracking")" 1
stop_holder
reset
pgm up 1 --lock-timeout 1
expect_rc 0
expect_eq "$(tracked)" "1|f" "up once the holder is gone"

# the key of --table SCHEMA.NAME: golang-migrate joins the schema and the table name
reset
q "CREATE SCHEMA myschema"
hold_lock "$(lock_key myschema tracking)"
pgm up --table myschema.tracking --lock-timeout 0.5
expect_rc 4
expect_contains "$ERR" "pid $HOLDER"
stop_holder

# ---------------------------------------------------------------- the advisory lock: pgmigrate holds it while it runs
reset
pgm up
expect_eq "$(tracked)" "5|f"
# alone in its batch, so that pg_stat_activity shows its text untruncated
mig 000006 slow "$GATE_SQL" "SELECT 1;"
gate_close
"$PGM_BIN" up >"$WORK/bg.out" 2>"$WORK/bg.err" &
PGM_PID=$!
on_exit "kill $PGM_PID 2>/dev/null"
wait_for "the slow migration to wait at the gate (lib.sh)" 60 gate_has_waiter
seen=$(q "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $KEY AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND a.query LIKE '%test_gate.gate%'")
gate_open
expect_eq "$seen" "pgmigrate" "pgmigrate holds advisory lock $KEY while the slow migration runs"
set +e
wait "$PGM_PID"
rc=$?
set -e
expect_eq "$rc" 0 "the slow up (stderr: $(cat "$WORK/bg.err"))"
expect_eq "$(tracked)" "6|f" "after the slow up"
expect_eq "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $KEY")" 0 "the lock is released at the end"
