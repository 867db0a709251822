#!/usr/bin/env bash
# pgmigrate validate --offline, no database: every problem of the files is
# found and named (bad names, duplicate versions, missing down migrations,
# empty and unreadable files, SQL that does not split, transaction control),
# all of them in one run, in human and JSON form, with exit 6; a clean
# folder passes with exit 0.
. "$(dirname "$0")/lib.sh"

expect_rc() { CHECKS=$((CHECKS + 1)); [ "$RC" = "$1" ] || fail "expected exit $1, got $RC"; }
has() { CHECKS=$((CHECKS + 1)); grep -qF -- "$1" <<<"$OUT" || fail "output lacks [$1]"; }
# jpy EXPR: a python expression over P (the problems of the JSON validate event)
jpy() {
    python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
P = o["problems"]
print(eval(sys.argv[1]))
' "$1" <<<"$OUT"
}

# a clean folder
mkdir ok
printf -- '-- users\nCREATE TABLE users (id int);\n' >ok/000001_users.up.sql
printf -- '-- undo\nDROP TABLE users;\n' >ok/000001_users.down.sql
run --path ok validate --offline
expect_rc 0
has "1 migration"
has "(files only)"

# one problem of each kind
mkdir m
cp ok/* m/
printf -- 'CREATE TABLE b (id int);\n' >m/000002_b.up.sql                       # no down
: >m/000003_c.up.sql; printf -- 'SELECT 1;\n' >m/000003_c.down.sql               # empty up
mkdir m/000004_d.up.sql                                                         # unreadable (a folder)
printf -- 'SELECT 1;\n' >m/10-x.up.sql                                          # bad name
printf -- 'SELECT 1;\n' >m/000005_e.up.SQL                                      # bad suffix
printf -- 'SELECT 0;\nBEGIN;\nSELECT 1;\n' >m/000006_t.up.sql                      # a transaction left open
printf -- "-- q\nSELECT 'x;\n" >m/000007_q.up.sql                                # unterminated string
printf -- 'SELECT 1;\n' >m/000007_q.down.sql
run --path m validate --offline
expect_rc 6
has "m/10-x.up.sql: error: m/10-x.up.sql looks like a migration but is not one"
has "m/000005_e.up.SQL: error: m/000005_e.up.SQL looks like a migration but is not one: the suffix must be exactly .up.sql"
has "m/000002_b.up.sql: warning: no down migration"
has "m/000003_c.up.sql: warning: the file has no SQL statement"
has "m/000004_d.up.sql: error: could not read"
has "m/000006_t.up.sql:2:1: error: the migration leaves a transaction open"
has "m/000007_q.up.sql:2:8: error: unterminated quoted string"
has "errors,"

run --path m --json validate --offline
expect_rc 6
CHECKS=$((CHECKS + 1))
[ "$(jpy 'sorted(set(p["code"] for p in P))')" = "['empty', 'invalid_name', 'invalid_sql', 'no_down', 'unreadable']" ] ||
    fail "problem codes: $(jpy 'sorted(set(p["code"] for p in P))')"
CHECKS=$((CHECKS + 1))
[ "$(jpy '[p["file"] for p in P if p["code"] == "unreadable"]')" = "['m/000004_d.up.sql']" ] || fail "the unreadable file is named"
CHECKS=$((CHECKS + 1))
[ "$(jpy '[(p["line"], p["column"]) for p in P if p["file"] == "m/000007_q.up.sql" and p["code"] == "invalid_sql"]')" = "[(2, 8)]" ] ||
    fail "line and column of the unterminated string"

# what golang-migrate runs: warnings, exit 0 (issue 14)
mkdir gm
printf -- 'SET lock_timeout = 0;\nBEGIN;\nCREATE TABLE w (id int);\nCOMMIT;\n' >gm/000001_wrapped.up.sql
printf -- 'DROP TABLE w;\n' >gm/000001_unwrapped.down.sql
printf -- 'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n' >gm/000002_blocks.up.sql
printf -- '-- comments only\n' >gm/000003_nothing.up.sql
printf -- "ALTER TYPE mood ADD VALUE 'meh';\nSELECT 1;\n" >gm/000004_enum.up.sql
run --path gm validate --offline
expect_rc 0
has "gm/000001_wrapped.up.sql: warning: the down file's description is not the up file's (gm/000001_unwrapped.down.sql)"
has "gm/000002_blocks.up.sql:4:1: warning: the migration manages its own transactions (more than one transaction block)"
has "gm/000003_nothing.up.sql: warning: the file has no SQL statement"
has "gm/000004_enum.up.sql:1:1: warning: ALTER TYPE ... ADD VALUE with other statements runs in one transaction on PostgreSQL 12 and later"
has "0 errors"
CHECKS=$((CHECKS + 1))
if grep -q "000001_wrapped.up.sql:[0-9]" <<<"$OUT"; then fail "a file wrapped in one BEGIN/COMMIT needs no word"; fi

# duplicate versions: both files named, nothing else hides it
mkdir dup
cp ok/* dup/
printf -- '-- again\nCREATE TABLE users2 (id int);\n' >dup/000001_users_again.up.sql
run --path dup validate --offline
expect_rc 6
has "version 1 is used by both dup/000001_users.up.sql and dup/000001_users_again.up.sql"
run --path dup --json validate --offline
expect_rc 6
CHECKS=$((CHECKS + 1))
[ "$(jpy '"invalid_files" in [p["code"] for p in P]')" = True ] || fail "duplicate versions are invalid_files"

# a folder that is not there
run --path nowhere validate --offline
CHECKS=$((CHECKS + 1))
[ "$RC" != 0 ] || fail "a missing folder passes validate"
has "nowhere"
