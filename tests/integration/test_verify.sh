#!/usr/bin/env bash
# verify: up, down, up again in a transaction that is rolled back, comparing catalog
# snapshots. Catches a down that forgets an index, a column default or an enum value;
# reports failing steps with file:line:col; verifies no-transaction migrations in a
# scratch database that is dropped; --pending / V / --all; and leaves the database
# byte-for-byte as it was (pg_dump -s before and after).
. "$(dirname "$0")/lib.sh"

# everything that is data pgmigrate owns: tracking row and history
state() { q "SELECT coalesce((SELECT version || '|' || dirty FROM schema_migrations), '-') || ' ' || (SELECT count(*) FROM schema_migrations_history)"; }
scratch_dbs() { psql_admin -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmigrate_verify_%'"; }
# python over the last verify --json: vjson EXPR (o is the object)
vjson() { printf '%s\n' "$OUT" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read().strip().splitlines()[-1]); print(eval(sys.argv[1]))' "$1"; }
reset() {
    rm -f migrations/*
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP TYPE IF EXISTS mood" >/dev/null
}

mig 000001 users "CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, m mood);
COMMENT ON TABLE users IS 'people';" "DROP TABLE users;
DROP TYPE mood;"

# ---------------------------------------------------------------- a correct pair: ok, exit 0
pgm verify
expect_rc 0
expect_contains "$OUT" "ok        000001_users"
expect_contains "$OUT" "1 migration verified: 1 ok"
table_exists users && fail "verify left the table behind"
pgm verify --json
expect_rc 0
expect_eq "$(vjson 'o["ok"], o["mode"], o["migrations"][0]["result"], o["migrations"][0]["scratch"]')" "(True, 'pending', 'ok', False)"

# ---------------------------------------------------------------- a down that forgets an index
mig 000002 email_idx "CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);" "-- forgot the index
SELECT 1;"
pgm verify
expect_rc 1
expect_contains "$OUT" "DIFFERENT 000002_email_idx"
expect_contains "$OUT" "+ index public.users_email_idx: CREATE INDEX users_email_idx ON public.users USING btree (email)"
expect_contains "$OUT" "ok        000001_users" "the migration before it still verifies"
pgm verify --json
expect_rc 1
expect_eq "$(vjson 'o["ok"], o["failed"], o["migrations"][1]["result"]')" "(False, 1, 'different')"
expect_eq "$(vjson 'o["migrations"][1]["down_extra"]')" "['index public.users_email_idx: CREATE INDEX users_email_idx ON public.users USING btree (email)']"
expect_eq "$(vjson 'o["migrations"][1]["down_missing"]')" "[]"
# without IF NOT EXISTS the second up fails on what down left: reported with its position and the diff
mig 000002 email_idx "CREATE INDEX users_email_idx ON users (email);" "SELECT 1;"
pgm verify --json
expect_rc 1
expect_eq "$(vjson 'o["migrations"][1]["result"], o["migrations"][1]["phase"]')" "('failed', 'up again')"
expect_eq "$(vjson 'o["migrations"][1]["error"]["sqlstate"], o["migrations"][1]["error"]["file"], o["migrations"][1]["error"]["line"]')" \
    "('42P07', 'migrations/000002_email_idx.up.sql', 1)"
expect_contains "$(vjson 'o["migrations"][1]["error"]["hint"]')" "the down migration leaves this object behind"
expect_contains "$(vjson 'o["migrations"][1]["down_extra"]')" "index public.users_email_idx"
pgm verify
expect_contains "$OUT" "FAILED    000002_email_idx: up again failed"
expect_contains "$OUT" "migrations/000002_email_idx.up.sql:1:1: relation \"users_email_idx\" already exists (SQLSTATE 42P07)"

# ---------------------------------------------------------------- a down that forgets a column default
mig 000002 email_default "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'nobody@example.com';" "SELECT 1;"
rm migrations/000002_email_idx.*
pgm verify --json
expect_rc 1
expect_eq "$(vjson 'o["migrations"][1]["result"]')" different
expect_eq "$(vjson 'o["migrations"][1]["down_missing"]')" "['column public.users.email #2: text NOT NULL']"
expect_eq "$(vjson 'o["migrations"][1]["down_extra"]')" "[\"column public.users.email #2: text NOT NULL DEFAULT 'nobody@example.com'::text\"]"
pgm verify
expect_contains "$OUT" "- column public.users.email #2: text NOT NULL
            + column public.users.email #2: text NOT NULL DEFAULT 'nobody@example.com'::text" "changed line shown as - then +"
# the right down passes
mig 000002 email_default "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'nobody@example.com';" \
    "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;"
pgm verify
expect_rc 0

# ---------------------------------------------------------------- a down that forgets an enum value
mig 000003 mood_happy "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';" "-- enum values cannot be dropped easily; forgotten
SELECT 1;"
pgm verify --json
expect_rc 1
expect_eq "$(vjson 'o["migrations"][2]["result"]')" different
expect_eq "$(vjson 'o["migrations"][2]["down_missing"], o["migrations"][2]["down_extra"]')" \
    "([\"type public.mood AS ENUM ('sad', 'ok')\"], [\"type public.mood AS ENUM ('sad', 'ok', 'happy')\"])"
mig 000003 mood_happy "ALTER TYPE mood ADD VALUE 'happy';" "SELECT 1;"
pgm verify --json
expect_eq "$(vjson 'o["migrations"][2]["result"], o["migrations"][2]["error"]["sqlstate"]')" "('failed', '42710')"
rm migrations/000003_*

# ---------------------------------------------------------------- the database is left byte-for-byte as it was
pgm up 1
expect_rc 0
q "INSERT INTO users (email) VALUES ('a@example.com')" >/dev/null
before=$(schema_dump)
before_state=$(state)
mig 000003 broken "CREATE TABLE t3 (id int);" "DROP TABLE t3;
DROP TABLE   nope;"
mig 000004 later "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
pgm verify
expect_rc 1
expect_contains "$OUT" "FAILED    000003_broken: down failed"
expect_contains "$OUT" "migrations/000003_broken.down.sql:2:1: table \"nope\" does not exist (SQLSTATE 42P01)"
expect_contains "$OUT" "skipped   000004_later: not verified"
pgm verify --all --json
expect_rc 1
pgm verify 1
expect_rc 0
after=$(schema_dump)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "pg_dump -s differs after verify"; }
CHECKS=$((CHECKS + 1))
expect_eq "$(state)" "$before_state" "tracking row and history untouched"
expect_eq "$(q "SELECT email FROM users")" "a@example.com" "data untouched"
expect_eq "$(q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()")" 0 "no advisory lock left"
rm migrations/000003_* migrations/000004_*

# ---------------------------------------------------------------- verify V: an applied one (reverted first), a pending one (the ones below applied first)
mig 000003 t3 "CREATE TABLE t3 (id int PRIMARY KEY);" "DROP TABLE t3;"
mig 000004 t4 "CREATE TABLE t4 (id int REFERENCES t3 (id));" "DROP TABLE t4;"
pgm up 1
pgm verify 1 --json
expect_rc 0
expect_eq "$(vjson 'o["mode"], o["version"], [m["version"] for m in o["migrations"]]')" "('version', 2, [1])"
pgm verify 4
expect_rc 0
expect_contains "$OUT" "ok        000004_t4"
pgm verify --all --json
expect_rc 0
expect_eq "$(vjson '[m["result"] for m in o["migrations"]]')" "['ok', 'ok', 'ok', 'ok']"
pgm verify --pending --json
expect_rc 0
expect_eq "$(vjson 'o["mode"], [m["version"] for m in o["migrations"]], [m["result"] for m in o["migrations"]]')" \
    "('pending', [3, 4], ['ok', 'ok'])" "verify --pending: the ones not applied"
pgm verify --pending --all
expect_rc 2
pgm verify 3 --pending
expect_rc 2
pgm verify 99
expect_rc 1
expect_contains "$ERR" "no migration has version 99"
pgm verify 1 --all
expect_rc 2

# ---------------------------------------------------------------- no down migration
mig 000005 nodown "CREATE TABLE t5 (id int PRIMARY KEY);" -
mig 000006 after "CREATE TABLE t6 (id int REFERENCES t5 (id));" "DROP TABLE t6;"
pgm verify --json
expect_rc 1
expect_eq "$(vjson '[m["result"] for m in o["migrations"]]')" "['ok', 'ok', 'no_down', 'ok']" "verification goes on after a missing down"
pgm verify
expect_contains "$OUT" "NO DOWN   000005_nodown"
rm migrations/000005_* migrations/000006_*

# ---------------------------------------------------------------- no-transaction migrations: a scratch database, dropped after
mig 000005 concurrent "CREATE INDEX CONCURRENTLY t3_id_idx ON t3 (id);" "DROP INDEX CONCURRENTLY t3_id_idx;"
mig 000006 notx "-- pgmigrate:no-transaction
CREATE TABLE t6 (id int);
CREATE INDEX CONCURRENTLY t6_id_idx ON t6 (id);" "-- pgmigrate:no-transaction
DROP TABLE t6;"
before=$(schema_dump)
pgm verify --json
expect_rc 0
expect_eq "$(vjson '[(m["version"], m["result"], m["scratch"]) for m in o["migrations"]]')" \
    "[(3, 'ok', False), (4, 'ok', False), (5, 'ok', True), (6, 'ok', True)]"
expect_contains "$(vjson 'o["scratch_database"]')" "pgmigrate_verify_"
expect_eq "$(scratch_dbs)" 0 "the scratch database is dropped"
# a down that forgets the index, in the scratch database
mig 000005 concurrent "CREATE INDEX CONCURRENTLY IF NOT EXISTS t3_id_idx ON t3 (id);" "SELECT 1;"
pgm verify 5
expect_rc 1
expect_contains "$OUT" "DIFFERENT 000005_concurrent (in the scratch database)"
expect_contains "$OUT" "+ index public.t3_id_idx"
# a failing statement in the scratch database: reported, and the scratch database still dropped
mig 000005 concurrent "-- pgmigrate:no-transaction
CREATE INDEX CONCURRENTLY t3_id_idx
  ON t3 USNG btree (id);" "DROP INDEX CONCURRENTLY t3_id_idx;"
pgm verify --json
expect_rc 1
expect_eq "$(vjson 'o["migrations"][2]["result"], o["migrations"][2]["phase"], o["migrations"][2]["error"]["line"], o["migrations"][2]["error"]["column"]')" \
    "('failed', 'up', 3, 9)"
expect_eq "$(scratch_dbs)" 0 "the scratch database is dropped after a failure"
[ "$before" = "$(schema_dump)" ] || fail "pg_dump -s differs after verifying no-transaction migrations"
CHECKS=$((CHECKS + 1))
rm migrations/000005_* migrations/000006_*

# ---------------------------------------------------------------- a dirty database is refused
q "UPDATE schema_migrations SET dirty = true" >/dev/null
pgm verify
expect_rc 3
expect_contains "$ERR" "dirty"
expect_contains "$ERR" "pgmigrate doctor"
q "UPDATE schema_migrations SET dirty = false" >/dev/null

# ---------------------------------------------------------------- the migration lock is taken: verify waits for a run
KEY=$(python3 -c 'import sys, zlib; print(zlib.crc32(("%s\0%s\0%s" % tuple(sys.argv[1:])).encode()) * 1486364155 % 2**32)' public schema_migrations "$DB")
# the test's own session holds it until the test closes the session
session_open holder pgm_verify_holder
session_run holder "SELECT pg_advisory_lock($KEY);"
pgm verify --lock-timeout 1
expect_rc 4
expect_contains "$ERR" "pgm_verify_holder"
