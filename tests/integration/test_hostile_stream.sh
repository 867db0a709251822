#!/usr/bin/env bash
# Hostile streamed files (> 16 MiB; issue 15, points 3 and 14): a NUL byte
# after line 1,000 or in the last piece is refused with file:line:col before
# any piece is sent (no row, nothing recorded or logged; before, 440,726 of
# 578,610 rows went in and the file was recorded applied); a BEGIN ATOMIC
# body across a piece boundary is sent whole; a 50 MiB comment line is not a
# statement; an error on a 2 MiB line shows an excerpt of it.
# `timeout 60` only guards against a hang.
. "$(dirname "$0")/lib.sh"

P="timeout -k 5 60 $PGM_BIN"
# hpgm ARGS...: pgm under the guard (124 or 137: it hung; SIGTERM alone did not end the old loops)
hpgm() {
    set +e
    $P "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}
# failed_rows V: the history rows that log a failure of version V
failed_rows() { q "SELECT count(*) FROM schema_migrations_history WHERE version = $1 AND outcome = 'failed'"; }

mig 000001 a "CREATE TABLE a (x int);" "DROP TABLE a;"
hpgm up
expect_rc 0

# ---- a NUL byte in a streamed file (> 16 MiB), after line 1,000 ----
# 17 MiB of one-row INSERTs into a; nul_at N: the file with a NUL statement after line N
python3 - "$WORK/rows.sql" <<'PY'
import sys
row = "INSERT INTO a VALUES (%d); -- " + "x" * 60 + "\n"
with open(sys.argv[1], "w") as f:
    f.write("".join(row % n for n in range(1, 190001)))
PY
nul_at() {
    { head -n "$1" "$WORK/rows.sql"; printf 'INSERT INTO a VALUES (0)\0;\n'; tail -n +$(($1 + 1)) "$WORK/rows.sql"; } \
        >migrations/000002_b.up.sql
}
nul_at 1000
hpgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:1001:25: error: the file has a NUL byte" "streamed NUL"
expect_eq "$(q 'SELECT count(*) FROM a')" 0 "streamed NUL: no row"
expect_eq "$(tracked)" "1|f" "streamed NUL: not recorded"
expect_eq "$(failed_rows 2)" 0 "streamed NUL: refused before any piece was sent (nothing to log)"
hpgm validate --offline
expect_rc 6
expect_contains "$OUT" "migrations/000002_b.up.sql:1001:25: error: the file has a NUL byte" "validate --offline of a streamed file"
# late in the file (in its last piece): refused all the same, before the first piece
nul_at $(($(wc -l <"$WORK/rows.sql") - 5))
hpgm up
expect_rc 6
expect_contains "$ERR" "the file has a NUL byte" "streamed NUL at the end"
expect_eq "$(q 'SELECT count(*) FROM a')" 0 "streamed NUL at the end: no row"
expect_eq "$(failed_rows 2)" 0 "streamed NUL at the end: nothing sent"

# a BEGIN ATOMIC body across the 4 MiB piece boundary of streaming: sent whole
# (found by fuzz_files: the piece ended at the body's inner ';' and was sent cut)
python3 - migrations/000002_b.up.sql <<'PY'
import sys
row = "INSERT INTO a VALUES (1); -- " + "x" * 60 + "\n"
head = "CREATE FUNCTION f_atomic() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;"
with open(sys.argv[1], "w") as f:
    n = (4 * 1024 * 1024 - len(head)) // len(row)
    f.write(row * n + " " * (4 * 1024 * 1024 - len(head) - n * len(row)) + head)
    f.write(" SELECT 2; END;\n" + row * 150000)
PY
hpgm up
expect_rc 0
expect_eq "$(q 'SELECT f_atomic()')" 2 "streamed BEGIN ATOMIC function"
printf 'DROP FUNCTION f_atomic();\nDELETE FROM a;\n' >migrations/000002_b.down.sql
hpgm down 1
expect_rc 0

# ---- a huge comment line: not a statement, and no huge echo ----
rm migrations/000002_b.*
{ printf -- '-- '; head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'c'; printf '\nCREATE TABLE after_comment (x int);\n'; } \
    >migrations/000002_comment.up.sql
hpgm up
expect_rc 0
table_exists after_comment || fail "the statement after a 50 MiB comment line did not run"
expect_eq "$(tracked)" "2|f" "huge comment: applied"
rm migrations/000002_comment.up.sql
q "DROP TABLE after_comment" >/dev/null
q "UPDATE schema_migrations SET version = 1" >/dev/null
# an error on a 2 MiB line: an excerpt around the position, not the line
{ printf 'SELECT 1 /* '; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'c'; printf ' */ + ;\n'; } \
    >migrations/000002_long.up.sql
hpgm up
expect_rc 1
expect_contains "$ERR" "migrations/000002_long.up.sql:1:" "long line: the place"
expect_contains "$ERR" "syntax error" "long line: the server's error"
expect_contains "$ERR" "..." "long line: cut"
[ ${#ERR} -lt 4096 ] || fail "long line: ${#ERR} bytes of stderr"
CHECKS=$((CHECKS + 1))
rm migrations/000002_long.up.sql

