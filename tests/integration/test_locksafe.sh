#!/usr/bin/env bash
# Lock-safe DDL (issue 4): with --ddl-lock-timeout each migration runs with
# SET LOCAL lock_timeout; one that hits it (SQLSTATE 55P03) is rolled back and
# retried after a backoff, reported as such. A second session holds a conflicting lock.
. "$(dirname "$0")/lib.sh"

mig 000001 t "-- a table
CREATE TABLE t (id int);" "DROP TABLE t;"
pgm up
expect_rc 0
mig 000002 add_col "-- needs ACCESS EXCLUSIVE on t
ALTER TABLE t ADD COLUMN note text;" "ALTER TABLE t DROP COLUMN note;"
mig 000003 after "-- runs after the retried one
CREATE TABLE t3 (id int);" "DROP TABLE t3;"

# the test's own session holds a conflicting lock until the test releases it
session_open holder pgm_test_holder
session_run holder "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE;"

# without retries: fails fast with 55P03, nothing of 2 applied
pgm up --ddl-lock-timeout 0.2s
expect_rc 1
expect_contains "$ERR" "(SQLSTATE 55P03)"
expect_eq "$(tracked)" "1|f" "tracking row after the lock timeout"
expect_eq "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'note'")" 0

# with retries: each attempt times out after 0.3 s, backs off (0.5 s, 1 s, 2 s ...) until the
# holder is gone; the test lets go of the lock once the second attempt has failed
"$PGM_BIN" up --ddl-lock-timeout 0.3 --retries 5 >"$WORK/.out" 2>"$WORK/.err" &
BG=$!
wait_for "the second attempt to fail" 60 grep -q "retry 2 of 5" "$WORK/.err"
session_run holder "COMMIT;"
set +e
wait "$BG"
RC=$?
set -e
OUT=$(cat "$WORK/.out")
ERR=$(cat "$WORK/.err")
expect_rc 0
expect_contains "$ERR" "could not get a lock within 0.3s"
expect_contains "$ERR" "retry 1 of 5"
expect_contains "$OUT" "applied  000002_add_col"
expect_contains "$OUT" "applied  000003_after"
expect_eq "$(tracked)" "3|f"
expect_eq "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'note'")" 1
expect_eq "$(q "SELECT count(*) FROM schema_migrations_history WHERE version = 2 AND outcome = 'failed' AND error LIKE '%lock timeout%'")" \
    "$(q "SELECT count(*) FROM schema_migrations_history WHERE version = 2 AND outcome = 'failed'")" "failed attempts are in the history"
[ "$(q "SELECT count(*) FROM schema_migrations_history WHERE version = 2 AND outcome = 'failed'")" -ge 2 ] || fail "expected at least two failed attempts"
CHECKS=$((CHECKS + 1))

# the retries run out: the error is the lock timeout
session_run holder "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE;"
mig 000004 drop_col "-- needs the lock again
ALTER TABLE t DROP COLUMN note;" "ALTER TABLE t ADD COLUMN note text;"
pgm up --ddl-lock-timeout 0.2 --retries 1
expect_rc 1
expect_contains "$ERR" "retry 1 of 1"
expect_contains "$ERR" "(SQLSTATE 55P03)"
expect_eq "$(tracked)" "3|f"
