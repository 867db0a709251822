#!/usr/bin/env bash
# Integrity (issue 3): the history table with checksums, adoption of a golang-migrate
# database, modified and out-of-order files, validate, dry-run leaving the database
# exactly as it was, CRLF/LF copies sharing a checksum, failed migrations in the
# history, and no deadlock between CREATE INDEX CONCURRENTLY and a run waiting for
# the migration lock (golang-migrate #960).
. "$(dirname "$0")/lib.sh"

hist() { q "SELECT string_agg(version || ':' || direction || ':' || outcome, ',' ORDER BY id) FROM schema_migrations_history"; }

mig 000001 a "-- table a
CREATE TABLE a (id int);" "DROP TABLE a;"
mig 000002 b "-- table b
CREATE TABLE b (id int);" "DROP TABLE b;"

# ---------------------------------------------------------------- adoption of a golang-migrate database
q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
   INSERT INTO schema_migrations VALUES (2, false); CREATE TABLE a (id int); CREATE TABLE b (id int)"
mig 000003 c "-- table c
CREATE TABLE c (id int, note text);" "DROP TABLE c;"
pgm up
expect_rc 0
expect_contains "$ERR" "adopted 2 migrations" "adoption is announced"
expect_eq "$(hist)" "1:adopt:adopted,2:adopt:adopted,3:up:applied" "history after adoption"
expect_eq "$(q "SELECT bool_and(checksum_adopted) FROM schema_migrations_history WHERE outcome = 'adopted'")" t
expect_eq "$(q "SELECT count(*) FROM schema_migrations_history WHERE checksum ~ '^[0-9a-f]{64}$'")" 3 "checksums recorded"
expect_eq "$(q "SELECT db_user || '|' || (os_user LIKE '%@%') || '|' || pgmigrate_version FROM schema_migrations_history WHERE version = 3")" \
    "postgres|true|$("$PGM_BIN" --version | awk '{print $2}')" "applied by and version"
expect_eq "$(q "SELECT duration_ms >= 0 AND started_at <= now() FROM schema_migrations_history WHERE version = 3")" t
pgm up
expect_not_contains "$ERR" "adopted" "adoption is said once"

# the checksum is SHA-256 of the body, BOM removed and CRLF as LF
expect_eq "$(q "SELECT checksum FROM schema_migrations_history WHERE version = 3")" \
    "$(sha256sum migrations/000003_c.up.sql | cut -d' ' -f1)" "checksum of the LF file"

# ---------------------------------------------------------------- CRLF and BOM copies: same checksum, not modified
printf '\xef\xbb\xbf-- table c\r\nCREATE TABLE c (id int, note text);\r\n' >migrations/000003_c.up.sql
pgm status --json
expect_eq "$(jget status migrations.2.state)" applied "a CRLF+BOM copy is not a modification"
pgm up
expect_rc 0

# ---------------------------------------------------------------- a modified applied file blocks up
printf -- '-- table c\nCREATE TABLE c (id int, note text, extra int);\n' >migrations/000003_c.up.sql
mig 000010 d "-- table d
CREATE TABLE d (id int);" "DROP TABLE d;"
pgm up
expect_rc 7
expect_contains "$ERR" "1 applied migration changed since it was applied"
expect_contains "$ERR" "migrations/000003_c.up.sql"
expect_contains "$ERR" "pgmigrate new"
expect_eq "$(tracked)" "3|f" "nothing ran"
table_exists d && fail "d created despite the modified file"
pgm status --json
expect_eq "$(jget status migrations.2.state)" modified
pgm validate
expect_rc 6
expect_contains "$OUT" "applied migration 3 changed"
pgm up --allow-modified
expect_rc 0
expect_contains "$ERR" "allowed by --allow-modified"
expect_eq "$(tracked)" "10|f"
printf -- '-- table c\nCREATE TABLE c (id int, note text);\n' >migrations/000003_c.up.sql

# ---------------------------------------------------------------- out-of-order: flagged, applied only with the flag
# a file numbered between applied ones, merged from another branch after 3 and 10 ran here
mig 000005 late "-- merged late
CREATE TABLE late_branch (id int);" "DROP TABLE late_branch;"
pgm status --json
expect_eq "$(jget status migrations.3.version):$(jget status migrations.3.state)" 5:out_of_order "status flags the skipped file"
pgm up
expect_rc 7
expect_contains "$ERR" "older than the current version 10"
expect_contains "$ERR" "--allow-out-of-order"
table_exists late_branch && fail "applied without the flag"
pgm validate --json
expect_rc 6
expect_contains "$OUT" '"code":"out_of_order"'
pgm up --allow-out-of-order
expect_rc 0
expect_contains "$OUT" "applied  000005_late"
table_exists late_branch || fail "not applied with the flag"
expect_eq "$(tracked)" "10|f" "the tracking row stays at the newest version"
pgm status --json
expect_eq "$(jget status migrations.3.state)" applied
pgm up
expect_rc 0
expect_contains "$OUT" "up to date"
# going down reverts it in its place
pgm down 3
expect_rc 0
expect_eq "$(tracked)" "2|f"
table_exists late_branch && fail "the late migration was not reverted"
table_exists c && fail "c not reverted"
pgm up
expect_rc 0
expect_eq "$(tracked)" "10|f"

# ---------------------------------------------------------------- a failed transactional migration is in the history
mig 000011 bad "-- fails
CREATE TABLE e (id int);
INSERT INTO nope VALUES (1);" "DROP TABLE e;"
pgm up
expect_rc 1
expect_eq "$(q "SELECT outcome || ':' || coalesce(error, '') FROM schema_migrations_history WHERE version = 11 ORDER BY id DESC LIMIT 1")" \
    'failed:relation "nope" does not exist' "failure logged after the rollback"
table_exists e && fail "the failed migration left a table"
expect_eq "$(tracked)" "10|f"
rm migrations/000011_bad.*

# ---------------------------------------------------------------- --dry-run changes nothing
mig 000011 e "-- table e and data
CREATE TABLE e (id int PRIMARY KEY, v text);
INSERT INTO e VALUES (1, 'x');" "DROP TABLE e;"
mig 000012 f "-- an index
CREATE INDEX IF NOT EXISTS e_v ON e (v);" "DROP INDEX IF EXISTS e_v;"
snapshot() {
    schema_dump
    q "SELECT string_agg(version || ':' || dirty::text, ',') FROM schema_migrations"
    q "SELECT count(*) || ':' || max(id) FROM schema_migrations_history"
}
before=$(snapshot)
expect_contains "$before" "schema_migrations_history" "the schema snapshot (pg_dump -s or the catalog)"
pgm up --dry-run
expect_rc 0
expect_contains "$OUT" "applied  000011_e"
expect_contains "$OUT" "applied  000012_f"
expect_contains "$OUT" "rolled back"
after=$(snapshot)
expect_eq "$after" "$before" "schema (pg_dump -s), tracking row and history after --dry-run"
pgm up --dry-run --json
expect_eq "$(jget summary dry_run)" true
# a dry run reports errors as the real run would, and still changes nothing
mig 000013 g "-- broken
CREATE TABLE g (id int;" "DROP TABLE g;"
pgm up --dry-run
expect_rc 1
expect_contains "$ERR" "migrations/000013_g.up.sql:2:"
expect_eq "$(snapshot)" "$before" "nothing after a failing dry run"
rm migrations/000013_g.*
# on a fresh database too: not even the tracking tables are created
new_db "${DB}_dry"
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}_dry?sslmode=disable" up --dry-run
expect_rc 0
expect_eq "$(PGPASSWORD=$PG_PASSWORD psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB}_dry" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" 0 \
    "a dry run on a fresh database leaves it empty"
psql_admin -c "DROP DATABASE \"${DB}_dry\""

# down --dry-run: the same rehearsal; a no-transaction file is listed as not rehearsed
pgm up
expect_rc 0
mig 000013 cidx "-- pgmigrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS e_v_id ON e (v, id);" "-- pgmigrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS e_v_id;"
pgm up
expect_rc 0
before=$(snapshot)
pgm down 2 --dry-run
expect_rc 0
expect_contains "$OUT" "skipped  000013_cidx (runs outside a transaction: not rehearsed)"
expect_contains "$OUT" "reverted 000012_f"
expect_contains "$OUT" "rolled back"
expect_eq "$(snapshot)" "$before" "schema, tracking row and history after down --dry-run"
pgm down 2 --dry-run --json
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -o '"event":"[a-z]*"' | tr '\n' ' ')" \
    '"event":"plan" "event":"warning" "event":"skipped" "event":"started" "event":"reverted" "event":"info" "event":"summary" ' "down --dry-run --json events"
pgm down
expect_rc 0
expect_eq "$(tracked)" "12|f"
rm migrations/000013_cidx.*

# ---------------------------------------------------------------- no deadlock: CONCURRENTLY while another run waits for the lock
pgm up
expect_rc 0
mig 000013 slow_idx "-- pgmigrate:no-transaction
$GATE_SQL
CREATE INDEX CONCURRENTLY IF NOT EXISTS e_id_v ON e (id, v);" "DROP INDEX CONCURRENTLY IF EXISTS e_id_v;"
# the first run waits at the gate (lib.sh) holding the migration lock; the second starts and
# polls for that lock; then the gate opens and CREATE INDEX CONCURRENTLY runs while it polls
gate_close
"$PGM_BIN" up >"$WORK/r1.out" 2>&1 &
P1=$!
wait_for "the first run to wait at the gate" 60 gate_has_waiter
"$PGM_BIN" up --lock-timeout 30 >"$WORK/r2.out" 2>&1 &
P2=$!
wait_for "the second run to wait for the migration lock" 60 grep -q "waiting for the migration lock" "$WORK/r2.out"
gate_open
wait $P1; r1=$?
wait $P2; r2=$?
# a waiter that held a transaction open would block CREATE INDEX CONCURRENTLY, which waits for
# it, and so the lock: the waiter would give up after its 30 s (exit 4) instead of running
expect_eq "$r1:$r2" "0:0" "both runs finish (r1: $(cat "$WORK/r1.out" | tr '\n' ' '), r2: $(cat "$WORK/r2.out" | tr '\n' ' '))"
expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'e_id_v'::regclass")" t "the concurrent index is valid"
expect_eq "$(tracked)" "13|f"

# ---------------------------------------------------------------- many migrations: checksums read while connecting
# From 16 files on, the applied files are hashed on a second thread while libpq loads and
# connects; files over 1 MiB are left to the main thread. Both must still catch a change,
# wherever it is, and a fresh run (nothing applied) must apply everything.
mkdir -p many
for i in $(seq 1 40); do
    v=$(printf '%06d' "$i")
    printf -- '-- table m%d\nCREATE TABLE m%d (id int);\n' "$i" "$i" >"many/${v}_m$i.up.sql"
    printf -- 'DROP TABLE m%d;\n' "$i" >"many/${v}_m$i.down.sql"
done
{ echo "-- a large migration (over the 1 MiB the hashing thread takes)"; head -c 1200000 /dev/zero | tr '\0' '-'; echo; \
  echo "CREATE TABLE m41 (id int);"; } >many/000041_big.up.sql
echo "DROP TABLE m41;" >many/000041_big.down.sql
MANY=(--path many --table many_migrations)
pgm "${MANY[@]}" up
expect_rc 0
expect_eq "$(q "SELECT version FROM many_migrations")" 41 "all 41 applied from nothing"
pgm "${MANY[@]}" up
expect_rc 0
expect_contains "$OUT" "no change" "a no-op run over 41 applied files"
printf -- '-- table m2\nCREATE TABLE m2 (id int, x int);\n' >many/000002_m2.up.sql
printf -- '-- table m39\nCREATE TABLE m39 (id int, x int);\n' >many/000039_m39.up.sql
printf -- '-- changed\n' >>many/000041_big.up.sql
pgm "${MANY[@]}" up
expect_rc 7
expect_contains "$ERR" "3 applied migrations changed since they were applied"
expect_contains "$ERR" "many/000002_m2.up.sql"
expect_contains "$ERR" "many/000039_m39.up.sql"
expect_contains "$ERR" "many/000041_big.up.sql"
pgm "${MANY[@]}" status --json
expect_eq "$(jget status migrations.1.state),$(jget status migrations.2.state),$(jget status migrations.38.state),$(jget status migrations.40.state)" \
    "modified,applied,modified,modified" "status of the changed files"
