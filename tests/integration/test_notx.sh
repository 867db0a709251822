#!/usr/bin/env bash
# No-transaction migrations (-- pgmigrate:no-transaction, goose's and dbmate's markers):
# CREATE INDEX CONCURRENTLY, golang-migrate's dirty protocol, failure part-way and recovery.
. "$(dirname "$0")/lib.sh"

reset() {
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    rm -f migrations/*
}
# index state: "valid", "invalid" or "" (none)
index_state() { q "SELECT CASE WHEN i.indisvalid THEN 'valid' ELSE 'invalid' END FROM pg_index i WHERE i.indexrelid = to_regclass('$1')"; }

# ---------------------------------------------------------------- CREATE INDEX CONCURRENTLY
mig 000001 items "CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;" "DROP TABLE items;"

# without the marker: pgmigrate sees that nothing in the file can run in a transaction
# block and runs it statement by statement by itself
mig 000002 items_name_idx "-- index the name column
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_name ON items (name);" "DROP INDEX CONCURRENTLY IF EXISTS idx_items_name;"
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000002_items_name_idx"
expect_eq "$(tracked)" "2|f" "tracking row after a detected CONCURRENTLY migration"
expect_eq "$(index_state idx_items_name)" valid "index built outside a transaction"
pgm down
expect_rc 0
expect_eq "$(tracked)" "1|f" "tracking row after reverting it"
expect_eq "$(index_state idx_items_name)" "" "index dropped by the detected down"

# a file that mixes ordinary statements with CONCURRENTLY is explained and refused:
# in a transaction the CONCURRENTLY part fails, outside one a failure half-applies it
mig 000002 items_name_idx "-- a table and an index in one file
CREATE TABLE mixed_t (id int);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_name ON items (name);" "DROP INDEX IF EXISTS idx_items_name;"
pgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_items_name_idx.up.sql:3:1: error: the migration mixes statements that need a transaction with CREATE INDEX CONCURRENTLY"
expect_contains "$ERR" "split the file"
expect_contains "$ERR" "-- pgmigrate:no-transaction" "mixed-file hint"
expect_eq "$(tracked)" "1|f" "tracking row after the mixed file"
table_exists mixed_t && fail "the mixed file was partly applied"
pgm up --json
expect_rc 6
expect_eq "$(jget error code)" invalid_files
expect_eq "$(jget error line)" 3

# with the marker it applies, outside a transaction, and reverts the same way
mig 000002 items_name_idx "-- pgmigrate:no-transaction
-- index the name column without blocking writes
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_name ON items (name);" "-- pgmigrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS idx_items_name;"
mig 000003 after "CREATE TABLE after_idx (id int);" "DROP TABLE after_idx;"
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000002_items_name_idx"
expect_contains "$OUT" "applied  000003_after"
expect_eq "$(tracked)" "3|f" "tracking row after the concurrent index"
expect_eq "$(index_state idx_items_name)" valid "idx_items_name"
pgm down 2
expect_rc 0
expect_eq "$(tracked)" "1|f" "tracking row after down 2"
expect_eq "$(index_state idx_items_name)" "" "index after down"
pgm up
expect_rc 0
expect_eq "$(tracked)" "3|f"
expect_eq "$(index_state idx_items_name)" valid

# ---------------------------------------------------------------- the dirty protocol while it runs
mig 000004 slow_notx "-- pgmigrate:no-transaction
CREATE TABLE during (id int);
$GATE_SQL
CREATE INDEX CONCURRENTLY idx_during ON during (id);"
gate_close
"$PGM_BIN" up >"$WORK/bg.out" 2>"$WORK/bg.err" &
bg=$!
wait_for "the no-transaction migration to wait at the gate (lib.sh)" 60 gate_has_waiter
seen=$(tracked)
gate_open
set +e
wait "$bg"
RC=$?
set -e
expect_rc 0
expect_eq "$seen" "4|t" "tracking row while the no-transaction migration runs"
table_exists during || fail "statement 1 was committed on its own, so the table must be visible"
expect_eq "$(tracked)" "4|f" "tracking row after it"
expect_eq "$(index_state idx_during)" valid

# ---------------------------------------------------------------- five statements, the third fails
cat >migrations/000005_five.up.sql <<'EOF'
-- pgmigrate:no-transaction
CREATE TABLE n1 (id int);
CREATE TABLE n2 (
    id int
);
INSERT INTO n1 VALUES (1 / 0);
CREATE TABLE n4 (id int);
CREATE INDEX CONCURRENTLY idx_n4 ON n4 (id);
EOF
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000005_five.up.sql:6:1: error: division by zero (SQLSTATE 22012)" "file and line of statement 3"
expect_contains "$ERR" "     6 | INSERT INTO n1 VALUES (1 / 0);"
expect_contains "$ERR" "statement 3"
expect_contains "$ERR" "statements 1 to 2 stayed applied"
expect_contains "$ERR" "pgmigrate force 4" "how to record the undone state"
expect_contains "$ERR" "pgmigrate force 5" "how to record the finished state"
expect_eq "$(tracked)" "5|t" "tracking row: the failing version, dirty"
table_exists n1 || fail "statement 1 (n1) should have stayed applied"
table_exists n2 || fail "statement 2 (n2) should have stayed applied"
table_exists n4 && fail "statement 4 ran after the failure"
expect_eq "$(index_state idx_n4)" "" "statement 5"
# status names the statement it stopped at (from the history)
pgm status
expect_rc 0
expect_contains "$OUT" "dirty    000005  five" "status of the dirty version"
expect_contains "$OUT" "stopped at statement 3: division by zero" "status: where it stopped"
pgm status --json
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
print(" ".join("%s:%s:%s" % (m["version"], m["state"], m.get("failed_statement")) for m in o["migrations"] if m["version"] >= 4))')" \
    "4:applied:None 5:dirty:3" "status --json: the dirty version and its failed statement"
pgm up --json
expect_rc 3
expect_eq "$(jget error code)" dirty
# rerun the failure itself with --json to check its fields: force back to 4, undo by hand first
q "DROP TABLE n1, n2"
pgm force 4
expect_rc 0
pgm up --json
expect_rc 1
expect_eq "$(jget error file)" "migrations/000005_five.up.sql"
expect_eq "$(jget error line)" 6
expect_eq "$(jget error statement)" 3
expect_eq "$(jget error sqlstate)" 22012
expect_eq "$(tracked)" "5|t"
# forced back without undoing: statement 1 finds its table, and the hint says what to do about it
pgm force 4
expect_rc 0
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000005_five.up.sql:2:1: error: relation \"n1\" already exists (SQLSTATE 42P07)"
expect_contains "$ERR" "the object already exists: use IF NOT EXISTS" "the already-exists advice for a no-transaction file"
expect_contains "$ERR" "no statement of it ran" "and the dirty-state advice after it"
expect_eq "$(tracked)" "5|t"

# a dirty database: up refuses, says so, and runs nothing
pgm up
expect_rc 3
expect_contains "$ERR" "dirty at version 5"
expect_contains "$ERR" "pgmigrate force 4"
expect_eq "$(tracked)" "5|t" "tracking row after the refusal"
table_exists n4 && fail "up ran statements on a dirty database"

# recovery as the hint says: fix the file, undo by hand, force the previous version, up
sed -i 's|^INSERT INTO n1 VALUES (1 / 0);|INSERT INTO n1 VALUES (1);|' migrations/000005_five.up.sql
q "DROP TABLE n1, n2"
pgm force 4
expect_rc 0
expect_eq "$(tracked)" "4|f" "tracking row after force"
pgm up
expect_rc 0
expect_eq "$(tracked)" "5|f" "tracking row after the fixed run"
expect_eq "$(user_tables)" "after_idx,during,items,n1,n2,n4" "tables after the fixed run"
expect_eq "$(q "SELECT count(*) FROM n1")" 1 "n1 rows"
expect_eq "$(index_state idx_n4)" valid

# ---------------------------------------------------------------- goose's and dbmate's markers
reset
mig 000001 items "CREATE TABLE items (id int PRIMARY KEY, name text, sku text);"
mig 000002 goose_idx "-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE goose_t (id int);
CREATE INDEX CONCURRENTLY idx_items_name ON items (name);"
mig 000003 dbmate_idx "-- migrate:up transaction:false
CREATE TABLE dbmate_t (id int);
CREATE INDEX CONCURRENTLY idx_items_sku ON items (sku);"
# mixed files: refused without a marker (see above), run statement by statement with one
pgm up
expect_rc 0
expect_eq "$(tracked)" "3|f" "tracking row with goose and dbmate markers"
expect_eq "$(index_state idx_items_name)" valid "goose marker"
expect_eq "$(index_state idx_items_sku)" valid "dbmate marker"
table_exists goose_t || fail "goose-marked file not fully applied"
table_exists dbmate_t || fail "dbmate-marked file not fully applied"
# a marker after the first statement is not a header: the mixed file is refused
mig 000004 late_marker "CREATE TABLE late (id int);
-- pgmigrate:no-transaction
CREATE INDEX CONCURRENTLY idx_late ON late (id);"
pgm up
expect_rc 6
expect_contains "$ERR" "mixes statements"
expect_eq "$(tracked)" "3|f" "a late marker does not switch the transaction off"
table_exists late && fail "the late-marker migration was partly applied"
true
