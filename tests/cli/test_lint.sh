#!/usr/bin/env bash
# pgmigrate lint, no database: for every rule a migration that breaks it
# (the finding, its severity and file:line:col) and one that does not (no
# finding at all); the human, JSON and gcc formats; --disable, --strict,
# the ignore comments; the example migrations have no finding.
. "$(dirname "$0")/lib.sh"

ok() { CHECKS=$((CHECKS + 1)); }

# set_new NAME: a folder with one clean migration (table users); its path in $D
set_new() {
    D="$T/$1"
    mkdir -p "$D"
    printf -- '-- users: the accounts\nCREATE TABLE IF NOT EXISTS users (\n    id int PRIMARY KEY,\n    email text\n);\n' \
        >"$D/000001_users.up.sql"
    printf -- '-- undo 000001\nDROP TABLE IF EXISTS users;\n' >"$D/000001_users.down.sql"
}

# mig VERSION UP [DOWN]: write a migration into $D; without DOWN there is no down file
mig() {
    local v
    v=$(printf %06d "$1")
    printf '%s' "$2" >"$D/${v}_m.up.sql"
    if [ $# -ge 3 ]; then printf '%s' "$3" >"$D/${v}_m.down.sql"; fi
}

# lint [ARGS...]: lint $D in gcc format
lint() { run lint --path "$D" --format gcc "$@"; }

# has RULE SEVERITY FILE:LINE:COL: a gcc line for RULE at that place
has() {
    grep -Eq -- "/$3: $2: .* \\[$1\\]\$" <<<"$OUT" || fail "expected $1 ($2) at $3"
    ok
}
# hasnt RULE: no finding of RULE
hasnt() {
    if grep -q -- "\\[$1\\]" <<<"$OUT"; then fail "unexpected $1"; fi
    ok
}
# clean: no finding at all, exit 0
clean() {
    [ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "expected no finding ($1)"
    ok
}
# count RULE N: N findings of RULE
count() {
    local n
    n=$(grep -c -- "\\[$1\\]" <<<"$OUT" || true)
    [ "$n" -eq "$2" ] || fail "expected $2 findings of $1, got $n"
    ok
}
rc_is() { [ "$RC" -eq "$1" ] || fail "expected exit code $1, got $RC"; ok; }

# ---- the example migrations have no finding ----
run lint --path "$PGM_SRC/migrations"
rc_is 0
grep -q '^no findings in 18 files (9 migrations)$' <<<"$OUT" || fail "examples: $OUT"
ok
run lint --path "$PGM_SRC/migrations" --format gcc
clean examples-gcc
run lint --path "$PGM_SRC/migrations" --json --strict
rc_is 0
[ "$OUT" = '{"event":"summary","command":"lint","migrations":9,"files":18,"errors":0,"warnings":0}' ] || fail "examples json"
ok

# ---- PGM001: IF NOT EXISTS / OR REPLACE ----
set_new pgm001-pos
mig 2 $'-- t\nCREATE TABLE t (id int);\nCREATE OR REPLACE VIEW v AS SELECT 1;\nCREATE VIEW w AS SELECT 1;\n' \
      $'-- u\nDROP VIEW IF EXISTS w;\nDROP VIEW IF EXISTS v;\nDROP TABLE IF EXISTS t;\n'
mig 3 $'-- c\nALTER TABLE users ADD COLUMN phone text;\nCREATE SEQUENCE s;\n' \
      $'-- u\nDROP SEQUENCE IF EXISTS s;\nALTER TABLE users DROP COLUMN IF EXISTS phone;\n'
lint
has PGM001 warning 000002_m.up.sql:2:1
has PGM001 warning 000002_m.up.sql:4:1
has PGM001 warning 000003_m.up.sql:2:19
has PGM001 warning 000003_m.up.sql:3:1
count PGM001 4
rc_is 0   # warnings only
mig 4 $'-- x\nCREATE INDEX users_email ON users (email);\nCREATE UNIQUE INDEX users_email2 ON users (email);\nCREATE SCHEMA app;\n' \
      $'-- u\nDROP SCHEMA IF EXISTS app;\nDROP INDEX IF EXISTS users_email2;\nDROP INDEX IF EXISTS users_email;\n'
lint --disable PGM007
has PGM001 warning 000004_m.up.sql:2:1
has PGM001 warning 000004_m.up.sql:3:1
has PGM001 warning 000004_m.up.sql:4:1
count PGM001 7
set_new pgm001-neg
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE OR REPLACE VIEW v AS SELECT 1;\n' \
      $'-- u\nDROP VIEW IF EXISTS v;\nDROP TABLE IF EXISTS t;\n'
mig 3 $'-- c\nALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;\nCREATE SEQUENCE IF NOT EXISTS s;\n' \
      $'-- u\nDROP SEQUENCE IF EXISTS s;\nALTER TABLE users DROP COLUMN IF EXISTS phone;\n'
mig 4 $'-- x\nCREATE INDEX IF NOT EXISTS users_email ON users (email);\nCREATE UNIQUE INDEX IF NOT EXISTS users_email2 ON users (email);\nCREATE SCHEMA IF NOT EXISTS app;\n' \
      $'-- u\nDROP SCHEMA IF EXISTS app;\nDROP INDEX IF EXISTS users_email2;\nDROP INDEX IF EXISTS users_email;\n'
lint --disable PGM007
clean pgm001

# ---- PGM002: IF EXISTS on DROP ----
set_new pgm002-pos
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int, x int);\n' $'-- u\nALTER TABLE t DROP COLUMN x;\nDROP TABLE t;\n'
lint
has PGM002 warning 000002_m.down.sql:2:15
has PGM002 warning 000002_m.down.sql:3:1
count PGM002 2
set_new pgm002-neg
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int, x int);\n' $'-- u\nALTER TABLE t DROP COLUMN IF EXISTS x;\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm002

# ---- PGM003: foreign keys need an index ----
set_new pgm003-pos
mig 2 $'-- orders\nCREATE TABLE IF NOT EXISTS orders (\n    id int PRIMARY KEY,\n    user_id int REFERENCES users(id)\n);\n' \
      $'-- u\nDROP TABLE IF EXISTS orders;\n'
mig 3 $'-- fk\nALTER TABLE orders ADD COLUMN IF NOT EXISTS owner_id int;\nALTER TABLE orders ADD CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID;\n' \
      $'-- u\nALTER TABLE orders DROP CONSTRAINT IF EXISTS fk_owner;\nALTER TABLE orders DROP COLUMN IF EXISTS owner_id;\n'
lint
has PGM003 warning 000002_m.up.sql:4:17
has PGM003 warning 000003_m.up.sql:3:44
count PGM003 2
grep -q 'CREATE INDEX IF NOT EXISTS idx_orders_user_id ON orders (user_id)' <<<"$(run lint --path "$D"; echo "$OUT")" \
    || fail "PGM003 fix"
ok
set_new pgm003-neg
mig 2 $'-- orders\nCREATE TABLE IF NOT EXISTS orders (\n    id int PRIMARY KEY,\n    user_id int REFERENCES users(id)\n);\nCREATE INDEX IF NOT EXISTS idx_orders_user_id ON orders (user_id);\n' \
      $'-- u\nDROP TABLE IF EXISTS orders;\n'
lint
clean pgm003

# ---- PGM004: a down migration, not empty ----
set_new pgm004-pos
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n'
mig 3 $'-- s\nCREATE TABLE IF NOT EXISTS s (id int);\n' $'-- nothing to do\n'
lint
has PGM004 error 000002_m.up.sql:1:1
has PGM004 error 000003_m.down.sql:1:1
count PGM004 2
rc_is 1
set_new pgm004-neg
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
mig 3 $'-- s: a one-way data fix\nUPDATE users SET email = lower(email);\n' $'-- the old values are gone\n-- pgmigrate:ignore-file PGM004\n'
lint
clean pgm004

# ---- PGM005: the down undoes what the up creates ----
set_new pgm005-pos
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE TYPE mood AS ENUM (\'ok\');\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n' \
      $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
has PGM005 error 000002_m.up.sql:3:13
has PGM005 error 000002_m.up.sql:4:28
count PGM005 2
rc_is 1
# a table and an index (on a table of an earlier migration) the down forgets
mig 3 $'-- y\nCREATE TABLE IF NOT EXISTS t2 (id int);\nCREATE INDEX IF NOT EXISTS users_lower ON users (lower(email));\nCREATE TABLE IF NOT EXISTS t3 (id int);\n' \
      $'-- u\nDROP TABLE IF EXISTS t3;\n'
lint --disable PGM007
has PGM005 error 000003_m.up.sql:2:28
has PGM005 error 000003_m.up.sql:3:28
count PGM005 4
set_new pgm005-neg
# the index goes with its table (like 000009's down)
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\nCREATE TYPE mood AS ENUM (\'ok\');\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n' \
      $'-- u\nDROP FUNCTION IF EXISTS f();\nDROP TYPE IF EXISTS mood;\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm005

# ---- PGM006: a comment ----
set_new pgm006-pos
mig 2 $'CREATE TABLE IF NOT EXISTS t (id int);\n' $'-- pgmigrate:ignore PGM002\nDROP TABLE IF EXISTS t;\n'
lint
has PGM006 warning 000002_m.up.sql:1:1
has PGM006 warning 000002_m.down.sql:1:1
count PGM006 2
set_new pgm006-neg
mig 2 $'/* t: scratch table */ CREATE TABLE IF NOT EXISTS t (id int);\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm006

# ---- PGM007: CONCURRENTLY on existing tables ----
set_new pgm007-pos
mig 2 $'-- i\nCREATE UNIQUE INDEX IF NOT EXISTS idx_users_email ON users (email);\n' $'-- u\nDROP INDEX IF EXISTS idx_users_email;\n'
lint
has PGM007 warning 000002_m.up.sql:2:1
count PGM007 1
set_new pgm007-neg
mig 2 $'-- i: on its own, so pgmigrate runs it outside a transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);\n' \
      $'-- u\nDROP INDEX CONCURRENTLY IF EXISTS idx_users_email;\n'
mig 3 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm007

# ---- PGM008: ADD COLUMN NOT NULL needs a DEFAULT ----
set_new pgm008-pos
mig 2 $'-- c\nALTER TABLE users ADD COLUMN IF NOT EXISTS age int NOT NULL;\n' $'-- u\nALTER TABLE users DROP COLUMN IF EXISTS age;\n'
lint
has PGM008 error 000002_m.up.sql:2:19
count PGM008 1
rc_is 1
set_new pgm008-neg
mig 2 $'-- c\nALTER TABLE users ADD COLUMN IF NOT EXISTS age int NOT NULL DEFAULT 0;\n' $'-- u\nALTER TABLE users DROP COLUMN IF EXISTS age;\n'
lint
clean pgm008

# ---- PGM009: SET NOT NULL ----
set_new pgm009-pos
mig 2 $'-- n\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n' $'-- u\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n'
lint
has PGM009 warning 000002_m.up.sql:2:19
count PGM009 1
set_new pgm009-neg
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int, x int);\nALTER TABLE t ALTER COLUMN x SET NOT NULL;\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm009

# ---- PGM010: column type changes ----
set_new pgm010-pos
mig 2 $'-- ty\nALTER TABLE users ALTER email TYPE varchar(300);\n' $'-- u\nALTER TABLE users ALTER COLUMN email SET DATA TYPE text;\n'
lint
has PGM010 warning 000002_m.up.sql:2:19
has PGM010 warning 000002_m.down.sql:2:19
count PGM010 2
set_new pgm010-neg
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int, x int);\nALTER TABLE t ALTER COLUMN x TYPE bigint;\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm010

# ---- PGM011: NOT VALID ----
set_new pgm011-pos
mig 2 $'-- ck\nALTER TABLE users ADD CONSTRAINT email_check CHECK (email <> \'\');\nALTER TABLE users ADD UNIQUE (email);\n' \
      $'-- u\nALTER TABLE users DROP CONSTRAINT IF EXISTS email_check;\nALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;\n'
lint
has PGM011 warning 000002_m.up.sql:2:19
has PGM011 warning 000002_m.up.sql:3:19
count PGM011 2
set_new pgm011-neg
mig 2 $'-- ck\nALTER TABLE users ADD CONSTRAINT email_check CHECK (email <> \'\') NOT VALID;\nALTER TABLE users ADD CONSTRAINT email_key UNIQUE USING INDEX idx_email;\n' \
      $'-- u\nALTER TABLE users DROP CONSTRAINT IF EXISTS email_check;\nALTER TABLE users DROP CONSTRAINT IF EXISTS email_key;\n'
lint
clean pgm011

# ---- PGM012: a file that manages its own transactions ----
set_new pgm012-pos
mig 2 $'-- t\nBEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE IF NOT EXISTS s (id int);\nCOMMIT;\n' \
      $'-- u\nDROP TABLE IF EXISTS s, t;\n'
lint
has PGM012 warning 000002_m.up.sql:5:1
count PGM012 1
rc_is 0
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nBEGIN;\nCREATE TABLE IF NOT EXISTS s (id int);\n' $'-- u\nDROP TABLE IF EXISTS s, t;\n'
lint
has PGM012 error 000002_m.up.sql:3:1
count PGM012 1
rc_is 1
set_new pgm012-wrapped
mig 2 $'-- t, wrapped as Atlas writes it\nSET lock_timeout = 0;\nBEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nCOMMIT;\n' \
      $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm012-wrapped
set_new pgm012-neg
mig 2 $'-- pgmigrate:no-transaction\n-- t, in a transaction of its own\nBEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nCOMMIT;\n' \
      $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm012

# ---- PGM013: identifiers up to 63 bytes ----
long63=$(printf 'a%.0s' {1..63})
set_new pgm013-pos
mig 2 "-- t"$'\n'"CREATE TABLE IF NOT EXISTS \"${long63}b\" (id int);"$'\n' "-- u"$'\n'"DROP TABLE IF EXISTS ${long63}b;"$'\n'
lint
has PGM013 error 000002_m.up.sql:2:28
has PGM013 error 000002_m.down.sql:2:22
count PGM013 2
rc_is 1
set_new pgm013-neg
mig 2 "-- t"$'\n'"CREATE TABLE IF NOT EXISTS \"${long63}\" (id int);"$'\n' "-- u"$'\n'"DROP TABLE IF EXISTS ${long63};"$'\n'
lint
clean pgm013

# ---- PGM014: unterminated quotes, psql meta-commands ----
set_new pgm014-pos
mig 2 $'-- q\nSELECT \'oops;\n' $'-- u\n\\i other.sql\n'
lint
has PGM014 error 000002_m.up.sql:2:8
has PGM014 error 000002_m.down.sql:2:1
count PGM014 2
set_new pgm014-neg
mig 2 $'-- q\nSELECT \'it\'\'s;\', E\'\\\'\', $x$ \' $x$;\n' $'-- u\nSELECT 1;\n'
lint
clean pgm014

# ---- PGM015: CONCURRENTLY mixed with other statements ----
set_new pgm015-pos
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
has PGM015 error 000002_m.up.sql:3:1
count PGM015 1
set_new pgm015-neg
mig 2 $'-- pgmigrate:no-transaction\n-- t, then its index without a lock\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\n' \
      $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
clean pgm015

# ---- PGM016: the down file's description is not the up file's ----
set_new pgm016-pos
printf -- '-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n' >"$D/000002_add_t.up.sql"
printf -- '-- u\nDROP TABLE IF EXISTS t;\n' >"$D/000002_drop_t.down.sql"
lint
has PGM016 warning 000002_drop_t.down.sql:1:1
count PGM016 1
rc_is 0
grep -qF 'rename it 000002_add_t.down.sql' <<<"$(run lint --path "$D"; echo "$OUT")" || fail "PGM016 fix names the file"
ok
set_new pgm016-neg
printf -- '-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n' >"$D/000002_add_t.up.sql"
printf -- '-- u\nDROP TABLE IF EXISTS t;\n' >"$D/000002_add_t.down.sql"
lint
clean pgm016

# ---- PGM017: an up migration without a statement ----
set_new pgm017-pos
mig 2 $'-- placeholder\n' $'-- u\nSELECT 1;\n'
lint
has PGM017 warning 000002_m.up.sql:1:1
count PGM017 1
rc_is 0
set_new pgm017-neg
mig 2 $'-- placeholder: kept for the numbering\n-- pgmigrate:ignore-file PGM017\n' $'-- u\nSELECT 1;\n'
lint
clean pgm017

# ---- ignore comments ----
set_new ignore
mig 2 $'-- t\n-- pgmigrate:ignore PGM001 created by the old tool too\nCREATE TABLE t (id int);\nCREATE TABLE s (id int); -- pgmigrate:ignore PGM001\nCREATE TABLE r (  -- pgmigrate:ignore\n    id int);\nCREATE TABLE q (id int);\n' \
      $'-- u\nDROP TABLE IF EXISTS q, r, s, t;\n'
lint
has PGM001 warning 000002_m.up.sql:7:1
count PGM001 1
mig 2 $'-- t\n-- pgmigrate:ignore-file PGM001, PGM005\nCREATE TABLE t (id int);\nCREATE TABLE s (id int);\n' $'-- u\nSELECT 1;\n'
lint
clean ignore-file
# a directive for another rule changes nothing
mig 2 $'-- t\n-- pgmigrate:ignore PGM002\nCREATE TABLE t (id int);\n' $'-- u\nDROP TABLE IF EXISTS t;\n'
lint
count PGM001 1

# ---- --disable ----
set_new disable
mig 2 $'CREATE TABLE t (id int);\nCREATE INDEX IF NOT EXISTS i ON users (email);\n' $'-- u\nDROP TABLE IF EXISTS t;\nDROP INDEX IF EXISTS i;\n'
lint
count PGM001 1
count PGM006 1
count PGM007 1
lint --disable PGM001 --disable no-comment,pgm007
clean disable
lint --disable PGM001,PGM006
count PGM007 1
run lint --path "$D" --disable PGM999
rc_is 2
grep -q 'unknown lint rule "PGM999"' <<<"$OUT" || fail "unknown rule message"
ok
run status --disable PGM001
rc_is 2
run up --format gcc
rc_is 2

# ---- exit codes: errors fail, warnings only with --strict ----
lint                  # warnings only
rc_is 0
lint --strict
rc_is 1
set_new exitcodes
mig 2 $'-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n'
lint
rc_is 1

# ---- formats ----
set_new formats
mig 2 $'CREATE TABLE t (id int);\n'
mig 3 $'-- é: accents count as one column\nCREATE TABLE IF NOT EXISTS \"é\" (id int);\n/* é */ ALTER TABLE users ADD COLUMN IF NOT EXISTS c int NOT NULL;\n' \
      $'-- u\nALTER TABLE users DROP COLUMN IF EXISTS c;\nDROP TABLE IF EXISTS \"é\";\n'
# gcc: one line per finding, nothing else
lint
while IFS= read -r l; do
    [[ "$l" =~ ^[^:]+:[0-9]+:[0-9]+:\ (warning|error):\ .+\ \[PGM[0-9]{3}\]$ ]] || fail "gcc line: $l"
done <<<"$OUT"
ok
has PGM008 error 000003_m.up.sql:3:27
count PGM004 1
# human: location, severity, message, rule; the source line with a caret; the fix; a summary
run lint --path "$D"
rc_is 1
grep -q "^$D/000003_m.up.sql:3:27: error: ADD COLUMN c NOT NULL without a DEFAULT .* \\[PGM008\\]\$" <<<"$OUT" || fail "human head"
grep -q '^     3 | /\* é \*/ ALTER TABLE users' <<<"$OUT" || fail "human source line"
grep -q '^       |                           \^$' <<<"$OUT" || fail "human caret"
grep -q '^fix: give it a DEFAULT' <<<"$OUT" || fail "human fix"
grep -q '^2 errors, 2 warnings in 5 files (3 migrations)$' <<<"$OUT" || fail "human summary"
ok
# JSON: one object per line, every finding then a summary
run lint --path "$D" --json
rc_is 1
printf '%s\n' "$OUT" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin.read().splitlines()]
f = [l for l in lines if l["event"] == "finding"]
s = lines[-1]
assert s == {"event": "summary", "command": "lint", "migrations": 3, "files": 5, "errors": 2, "warnings": 2}, s
assert len(f) == 4, f
keys = {"event", "rule", "severity", "file", "line", "column", "version", "message", "fix"}
assert all(set(x) == keys for x in f), f
x = [x for x in f if x["rule"] == "PGM008"][0]
assert x["severity"] == "error" and x["line"] == 3 and x["column"] == 27 and x["version"] == 3, x
assert x["file"].endswith("000003_m.up.sql"), x
assert "DEFAULT" in x["fix"]
assert sorted(y["rule"] for y in f) == ["PGM001", "PGM004", "PGM006", "PGM008"], f
' || fail "json"
ok
run lint --path "$D" --format json
rc_is 1
[ "$(printf '%s\n' "$OUT" | tail -n 1 | cut -c1-19)" = '{"event":"summary",' ] || fail "--format json"
ok
run lint --path "$D" --json --format gcc
rc_is 2
run lint --path "$D" --format xml
rc_is 2
run lint extra-argument --path "$D"
rc_is 2
# a folder that cannot be read
run lint --path "$T/nope"
rc_is 1
