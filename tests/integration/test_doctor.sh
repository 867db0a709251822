#!/usr/bin/env bash
# doctor: each check PASS/INFO/WARN/FAIL/SKIP with a hint, --json, exit 1 only on a FAIL.
# A healthy setup; configuration origins (.env, password masked); a stopped server; a wrong
# password; a missing database; no tracking table; a user without CREATE; a dirty database
# with the failed statement; a rolled-back failure in the history; a held migration lock.
. "$(dirname "$0")/lib.sh"

# status of one check from the last doctor --json, and one of its fields
check() { printf '%s\n' "$OUT" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read().strip().splitlines()[-1]); c = [c for c in o["checks"] if c["name"] == sys.argv[1]]; print(c[0][sys.argv[2]] if c else "absent")' "$1" "${2:-status}"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
MASKED_URL="postgres://postgres:****@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable"

mig 000001 users "CREATE TABLE users (id int PRIMARY KEY);" "DROP TABLE users;"
mig 000002 orders "CREATE TABLE orders (id int, user_id int REFERENCES users (id));" "DROP TABLE orders;"

# ---------------------------------------------------------------- healthy: nothing fails
pgm up
expect_rc 0
pgm doctor
expect_rc 0
expect_contains "$OUT" "PASS  server"
expect_contains "$OUT" "PASS  login      logged in as \"postgres\" to database \"$DB\""
expect_contains "$OUT" "PASS  tracking   at version 2 (migrations/000002_orders.up.sql), clean"
expect_contains "$OUT" "PASS  lock       nobody holds the migration lock"
expect_contains "$OUT" "0 failures"
expect_not_contains "$OUT$ERR" "$PG_PASSWORD" "doctor output"
pgm doctor --json
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "one JSON object"
expect_eq "$(check config)" pass
expect_contains "$(check config message)" "$MASKED_URL (from environment)"
expect_eq "$(check migrations):$(check libpq):$(check version):$(check privileges):$(check pending)" "pass:pass:pass:pass:pass"
expect_eq "$(check services)" info "no services outside Windows"
# the libpq file actually loaded (dlopen of libpq.so.5, resolved by the dynamic linker)
lib=$(check libpq detail)
case "$lib" in "loaded from /"*libpq*) [ -f "${lib#loaded from }" ] || fail "doctor's libpq file ${lib#loaded from } does not exist" ;;
*) fail "doctor's libpq detail names no file: $lib" ;; esac
CHECKS=$((CHECKS + 1))
expect_not_contains "$OUT" "$PG_PASSWORD" "doctor json"
q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()" | grep -qx 0 || fail "doctor left a lock"

# ---------------------------------------------------------------- configuration from .env: origin shown, password masked
printf 'DATABASE_URL=%s\n' "$DATABASE_URL" >.env
DATABASE_URL= pgm doctor --json
expect_rc 0
expect_contains "$(check config message)" "(from .env)"
expect_contains "$(check config message)" "env file .env"
expect_not_contains "$OUT" "$PG_PASSWORD" ".env password"
rm .env

# ---------------------------------------------------------------- a stopped server (connection refused)
DOWN_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:$(free_port)/${DB}?sslmode=disable"
pgm --database "$DOWN_URL" doctor
expect_rc 1
expect_contains "$OUT" "FAIL  server     no server answers"
expect_contains "$OUT" "Connection refused"
expect_contains "$OUT" "docker compose up -d" "the seed's connection refused advice"
expect_contains "$OUT" "PostgreSQL service" "the seed's connection refused advice"
expect_contains "$OUT" "SKIP  login"
expect_contains "$OUT" "SKIP  tracking"
expect_not_contains "$OUT$ERR" "$PG_PASSWORD" "stopped server output"
pgm --database "$DOWN_URL" doctor --json
expect_rc 1
expect_eq "$(check server):$(check login):$(check lock)" "fail:skip:skip"
expect_eq "$(check migrations)" pass "the files are still checked"

# ---------------------------------------------------------------- a wrong password
pgm --database "postgres://postgres:not-the-password@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" doctor --json
expect_rc 1
expect_eq "$(check server):$(check login)" "pass:fail" "the server answers, the login fails"
expect_eq "$(check login message)" "password authentication failed"
expect_contains "$(check login detail)" "the password came from the --database URL"
expect_contains "$(check login hint)" "check the user and password in DATABASE_URL"
expect_not_contains "$OUT" "not-the-password" "the wrong password is not printed"
expect_contains "$(check config hint)" "on the command line" "a password given as a flag is pointed out"
PGPASSWORD=not-the-password pgm --database "postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" doctor --json
expect_rc 1
expect_contains "$(check login detail)" "PGPASSWORD in the environment"

# ---------------------------------------------------------------- a database that does not exist
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}_nope?sslmode=disable" doctor --json
expect_rc 1
expect_eq "$(check login message)" "the database does not exist"
expect_contains "$(check login hint)" "createdb"

# ---------------------------------------------------------------- no tracking table yet ("relation does not exist")
new_db "${DB}_fresh"
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"${DB}_fresh\" WITH (FORCE)' >/dev/null"
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}_fresh?sslmode=disable" doctor --json
expect_rc 0
expect_eq "$(check tracking)" warn
expect_contains "$(check tracking hint)" "run \`pgmigrate up\`"
expect_contains "$(check tracking hint)" "DATABASE_URL points at another database"
expect_eq "$(check pending)" info
expect_contains "$(check pending message)" "2 pending migrations (versions 1 to 2)"
expect_eq "$(psql_admin -d "${DB}_fresh" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 "doctor creates nothing"

# ---------------------------------------------------------------- a user who may not create tables (PostgreSQL 15+: not in public)
ROLE="pgm_doctor_$$"
psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD 'role-pw'" >/dev/null
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"${DB}_fresh\" WITH (FORCE)' -c 'DROP ROLE IF EXISTS $ROLE' >/dev/null"
psql_admin -d "${DB}_fresh" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
pgm --database "postgres://$ROLE:role-pw@127.0.0.1:${PG_PORT}/${DB}_fresh?sslmode=disable" doctor --json
expect_rc 1
expect_eq "$(check privileges)" fail
expect_contains "$(check privileges message)" "user \"$ROLE\" may not create tables in schema \"public\""
expect_contains "$(check privileges hint)" "GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"$ROLE\""

# ---------------------------------------------------------------- a migration that failed and was rolled back ("relation does not exist")
mig 000003 bad "CREATE TABLE t3 (id int);
SELECT * FROM missing_table;" "DROP TABLE t3;"
pgm up
expect_rc 1
pgm doctor --json
expect_rc 0
expect_eq "$(check last_run)" warn
expect_contains "$(check last_run message)" "the last up run of migrations/000003_bad.up.sql failed"
expect_eq "$(check last_run detail)" 'statement 2: relation "missing_table" does not exist'
expect_contains "$(check last_run hint)" "an earlier migration may not be applied here"
expect_contains "$(check last_run hint)" "$MASKED_URL"
rm migrations/000003_*

# ---------------------------------------------------------------- a dirty database ("relation already exists", stopped part-way)
mig 000003 dup "-- pgmigrate:no-transaction
CREATE TABLE t3 (id int);
CREATE TABLE users (id int);" "DROP TABLE t3;"
pgm up
expect_rc 1
expect_eq "$(tracked)" "3|t"
pgm doctor
expect_rc 1
expect_contains "$OUT" "FAIL  tracking   the database is dirty at version 3 (migrations/000003_dup.up.sql)"
expect_contains "$OUT" "stopped at statement 2"
expect_contains "$OUT" 'relation "users" already exists'
expect_contains "$OUT" "pgmigrate force 3"
expect_contains "$OUT" "pgmigrate force 2"
expect_contains "$OUT" 'pgmigrate psql -c "\d users"' "the seed's already-exists advice"
expect_contains "$OUT" "IF NOT EXISTS" "the seed's already-exists advice"
pgm doctor --json
expect_eq "$(check tracking)" fail
expect_eq "$(check pending)" absent "no pending count while dirty"
q "DROP TABLE t3" >/dev/null
pgm force 2
rm migrations/000003_*

# ---------------------------------------------------------------- a held migration lock: who holds it
KEY=$(python3 -c 'import sys, zlib; print(zlib.crc32(("%s\0%s\0%s" % tuple(sys.argv[1:])).encode()) * 1486364155 % 2**32)' public schema_migrations "$DB")
# the test's own session holds it until the test closes the session
session_open holder pgm_doctor_holder
session_run holder "SELECT pg_advisory_lock($KEY);"
HOLDER=$(q "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $KEY")
[ -n "$HOLDER" ] || fail "the test's session does not hold the lock"
pgm doctor
expect_rc 0
expect_contains "$OUT" "WARN  lock       the migration lock is held by pid $HOLDER (application \"pgm_doctor_holder\""
expect_contains "$OUT" "that session is idle since" "what the holder does"
expect_contains "$OUT" "SELECT pg_advisory_lock($KEY);" "what the holder ran last"
expect_contains "$OUT" "client 127.0.0.1, connected since 20" "where the holder connects from"
expect_contains "$OUT" "pg_terminate_backend($HOLDER)"
pgm doctor --json
expect_eq "$(check lock)" warn
