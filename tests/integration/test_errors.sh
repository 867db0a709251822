#!/usr/bin/env bash
# Errors people can act on: SQL errors with file:line:col (CRLF, BOM, UTF-8), hints for the
# common issues, --json errors, connection failures, unknown versions, and invalid files.
. "$(dirname "$0")/lib.sh"

MASKED_URL="postgres://postgres:****@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable"

# back to an empty database and an empty folder
reset() {
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    rm -f migrations/* migrations/.[!.]* 2>/dev/null || true
}
# the caret line under the source line: caret at column $1
caret_line() { printf '       | %*s^' "$(($1 - 1))" ''; }

# ---------------------------------------------------------------- syntax error, line 3 of 5, migration 2 of 3
# syntax_case LABEL PREFIX EOL LINE3 COLUMN: the error must be reported at 000002_x.up.sql:3:COLUMN
syntax_case() {
    local label=$1 prefix=$2 eol=$3 line3=$4 col=$5
    reset
    printf '%s-- Zoë'"'"'s café: first migration%sCREATE TABLE a (id int, name text DEFAULT '"'ñandú'"');%s' "$prefix" "$eol" "$eol" \
        >migrations/000001_a.up.sql
    printf '%s-- Zoë'"'"'s café%sCREATE TABLE b0 (id int);%s%s%sCREATE TABLE b2 (id int);%s-- end of file%s' \
        "$prefix" "$eol" "$eol" "$line3" "$eol" "$eol" "$eol" >migrations/000002_x.up.sql
    printf 'CREATE TABLE c (id int);\n' >migrations/000003_c.up.sql
    pgm up
    expect_rc 1
    expect_eq "$(tracked)" "1|f" "$label: tracking row after the failure"
    expect_eq "$(user_tables)" "a" "$label: only migration 1 applied (nothing of 2, not 3)"
    expect_contains "$OUT" "applied  000001_a" "$label: stdout"
    expect_contains "$ERR" "migrations/000002_x.up.sql:3:$col: error:" "$label: stderr position"
    expect_contains "$ERR" "(SQLSTATE 42601)" "$label: stderr sqlstate"
    expect_contains "$ERR" "     3 | $line3"$'\n'"$(caret_line "$col")" "$label: source line with caret"
    expect_not_contains "$ERR" $'\r' "$label: stderr"
    expect_not_contains "$ERR" $'\xEF\xBB\xBF' "$label: stderr"
}
syntax_case "LF" "" $'\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "CRLF" "" $'\r\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "BOM" $'\xEF\xBB\xBF' $'\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "BOM+CRLF" $'\xEF\xBB\xBF' $'\r\n' 'CREATE TABLE b (id int,, x int);' 24
# multi-byte characters before the error on the same line: the column counts characters (43), not bytes (45)
syntax_case "UTF-8" "" $'\n' "CREATE TABLE b (name text DEFAULT 'ñandú',, x int);" 43

# the same error with --json: one error object with the position
pgm up --json
expect_rc 1
expect_eq "$(jget error code)" sql "json code"
expect_eq "$(jget error exit_code)" 1 "json exit_code"
expect_eq "$(jget error sqlstate)" 42601 "json sqlstate"
expect_eq "$(jget error file)" "migrations/000002_x.up.sql" "json file"
expect_eq "$(jget error line)" 3 "json line"
expect_eq "$(jget error column)" 43 "json column"
expect_eq "$(jget error version)" 2 "json version"
expect_eq "$(tracked)" "1|f" "tracking row after the json run"

# ---------------------------------------------------------------- run-time error without a position
reset
mig 000001 a "CREATE TABLE u (id int PRIMARY KEY);"
cat >migrations/000002_dup.up.sql <<'EOF'
-- a unique violation in the third statement
INSERT INTO u
    VALUES (1);
INSERT INTO u VALUES (2);

INSERT INTO u VALUES (1);
INSERT INTO u VALUES (3);
EOF
mig 000003 c "CREATE TABLE c (id int);"
pgm up
expect_rc 1
expect_eq "$(tracked)" "1|f" "tracking row after the unique violation"
expect_eq "$(q "SELECT count(*) FROM u")" 0 "rows of the failed migration"
expect_eq "$(user_tables)" "u" "tables after the unique violation"
expect_contains "$ERR" "migrations/000002_dup.up.sql:6:1: error:" "statement 3's line"
expect_contains "$ERR" "(SQLSTATE 23505)"
expect_contains "$ERR" "     6 | INSERT INTO u VALUES (1);"
pgm up --json
expect_rc 1
expect_eq "$(jget error sqlstate)" 23505
expect_eq "$(jget error line)" 6 "json line of statement 3"
expect_eq "$(jget error statement)" 3 "json statement"
# the same when the failing migration is the last one of the batch
rm migrations/000003_c.up.sql
pgm up --json
expect_rc 1
expect_eq "$(jget error line)" 6 "json line of statement 3 (last of the batch)"
expect_eq "$(jget error statement)" 3 "json statement (last of the batch)"
expect_eq "$(tracked)" "1|f"

# ---------------------------------------------------------------- 42P07 relation already exists
reset
q "CREATE TABLE reviews (id int)"
mig 000001 reviews "CREATE TABLE reviews (id serial PRIMARY KEY);"
pgm up
expect_rc 1
expect_contains "$ERR" "(SQLSTATE 42P07)"
expect_contains "$ERR" "migrations/000001_reviews.up.sql:1:"
expect_contains "$ERR" "HINT:"
expect_contains "$ERR" "IF NOT EXISTS" "42P07 hint"
expect_eq "$(tracked)" "" "tracking table after 42P07"
expect_eq "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'reviews'")" 1 "the existing table is untouched"

# ---------------------------------------------------------------- 42710 object already exists (a type: no IF NOT EXISTS)
reset
q "CREATE TYPE mood AS ENUM ('a')"
mig 000001 mood "-- the mood type
CREATE TYPE mood AS ENUM ('ok');"
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000001_mood.up.sql:2:1: error: type \"mood\" already exists (SQLSTATE 42710)"
expect_contains "$ERR" "CREATE TYPE, ADD CONSTRAINT and CREATE POLICY have not" "42710 hint"
expect_eq "$(tracked)" "" "tracking table after 42710"
q "DROP TYPE mood"

# ---------------------------------------------------------------- the server's DETAIL
reset
mig 000001 dup "-- duplicate keys
CREATE TABLE u (id int PRIMARY KEY);
INSERT INTO u VALUES (1), (1);"
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000001_dup.up.sql:3:1: error: duplicate key value violates unique constraint \"u_pkey\" (SQLSTATE 23505)"
expect_contains "$ERR" "     3 | INSERT INTO u VALUES (1), (1);"
expect_contains "$ERR" "DETAIL: Key (id)=(1) already exists."
pgm up --json
expect_eq "$(jget error detail)" "Key (id)=(1) already exists."
table_exists u && fail "the failed migration left table u"
CHECKS=$((CHECKS + 1))

# ---------------------------------------------------------------- 42P01 relation does not exist
reset
mig 000001 a "CREATE TABLE a (id int);"
mig 000002 idx "CREATE INDEX idx_products_name ON products (name);"
pgm up
expect_rc 1
expect_contains "$ERR" "(SQLSTATE 42P01)"
expect_contains "$ERR" "migrations/000002_idx.up.sql:1:"
expect_contains "$ERR" "pgmigrate status" "42P01 hint"
expect_contains "$ERR" "$MASKED_URL" "42P01 hint shows the masked target"
expect_not_contains "$ERR" "$PG_PASSWORD" "42P01 stderr"
expect_eq "$(tracked)" "1|f"
pgm up --json
expect_rc 1
expect_eq "$(jget error sqlstate)" 42P01
expect_contains "$(jget error hint)" "$MASKED_URL" "json hint"
expect_not_contains "$OUT" "$PG_PASSWORD" "json output"

# ---------------------------------------------------------------- connection failures
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/${DB}?sslmode=disable" up
expect_rc 5
expect_contains "$ERR" "could not connect"
expect_contains "$ERR" "PostgreSQL running" "connection refused hint"
expect_contains "$ERR" "docker compose up -d" "connection refused hint"
expect_contains "$ERR" "service" "connection refused hint"
expect_contains "$ERR" "127.0.0.1:1" "the target"
expect_not_contains "$ERR$OUT" "$PG_PASSWORD" "connection refused output"
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/${DB}?sslmode=disable" up --json
expect_rc 5
expect_eq "$(jget error code)" connection
expect_eq "$(jget error exit_code)" 5
expect_not_contains "$OUT$ERR" "$PG_PASSWORD" "connection refused json"

WRONG_PW="Wr0ng-pw-$$"
pgm --database "postgres://postgres:${WRONG_PW}@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" up
expect_rc 5
expect_contains "$ERR" "password authentication failed"
expect_not_contains "$ERR$OUT" "$WRONG_PW" "wrong password output"
expect_not_contains "$ERR$OUT" "$PG_PASSWORD" "wrong password output"
pgm --database "host=127.0.0.1 port=${PG_PORT} dbname=${DB} user=postgres password=${WRONG_PW} sslmode=disable" status
expect_rc 5
expect_not_contains "$ERR$OUT" "$WRONG_PW" "wrong password output (keyword/value)"
expect_eq "$(tracked)" "1|f" "nothing changed by the failed connections"

# ---------------------------------------------------------------- the database is at a version with no file
reset
mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
mig 000002 b "CREATE TABLE b (id int);" "DROP TABLE b;"
mig 000003 c "CREATE TABLE c (id int);" "DROP TABLE c;"
pgm force 12
expect_rc 0
expect_eq "$(tracked)" "12|f"
pgm up
expect_rc 6
expect_contains "$ERR" "version 12"
expect_contains "$ERR" "folder" "no-file hint"
expect_contains "$ERR" "branch" "no-file hint"
expect_eq "$(tracked)" "12|f" "tracking row unchanged"
expect_eq "$(user_tables)" "" "nothing ran"
pgm down
expect_rc 6
expect_eq "$(tracked)" "12|f"
pgm status
expect_rc 0
expect_contains "$OUT" "missing  12" "status row for version 12"
expect_contains "$OUT" "wrong folder or branch"
expect_contains "$OUT" "applied  000003  c" "status still lists the files"
pgm status --json
expect_rc 0
expect_eq "$(jget status migrations.3.state)" missing
expect_eq "$(jget status migrations.3.version)" 12

# ---------------------------------------------------------------- files that look like migrations but are not
reset
mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
mig 000002 b "CREATE TABLE b (id int);" "DROP TABLE b;"
echo "CREATE TABLE bad1 (id int);" >migrations/10-x.up.sql
echo "CREATE TABLE bad2 (id int);" >migrations/000010_x.up.SQL
echo "CREATE TABLE bad3 (id int);" >migrations/000010_x.sql
pgm up
expect_rc 0
expect_contains "$ERR" "warning:" "ignored files are reported"
expect_contains "$ERR" "migrations/10-x.up.sql"
expect_contains "$ERR" "migrations/000010_x.up.SQL"
expect_contains "$ERR" "migrations/000010_x.sql"
expect_eq "$(tracked)" "2|f" "the valid files applied"
expect_eq "$(user_tables)" "a,b" "only the valid migrations ran"
pgm up --json
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -c '"event":"warning"')" 3 "json warnings"

# fatal file problems: exit 6, nothing runs, the tracking table is unchanged
# bad_files LABEL FILE...: with migration 1 applied, create FILE(s) (plus a valid 000003), run up
bad_files() {
    local label=$1; shift
    reset
    mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
    pgm up
    expect_rc 0
    local f
    for f in "$@"; do echo "CREATE TABLE t_$RANDOM (id int);" >"migrations/$f"; done
    mig 000003 c "CREATE TABLE c (id int);" "DROP TABLE c;"
    pgm up
    expect_rc 6
    expect_contains "$ERR" "invalid" "$label"
    expect_contains "$ERR" "nothing was run" "$label"
    expect_eq "$(tracked)" "1|f" "$label: tracking row"
    expect_eq "$(user_tables)" "a" "$label: nothing ran"
}
bad_files "duplicate version" 000002_a.up.sql 000002_b.up.sql
expect_contains "$ERR" "version 2 is used by both" "duplicate version message"
expect_contains "$ERR" "000002_a.up.sql" "duplicate version message"
expect_contains "$ERR" "000002_b.up.sql" "duplicate version message"
bad_files "down without up" 000002_b.down.sql
expect_contains "$ERR" "000002_b.down.sql has no matching up migration"
bad_files "version above bigint" 9223372036854775808_x.up.sql
expect_contains "$ERR" "9223372036854775808"
expect_contains "$ERR" "bigint"
pgm status
expect_rc 6

# ---------------------------------------------------------------- down across a migration without a .down.sql
reset
mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
mig 000002 b "CREATE TABLE b (id int);" -
mig 000003 c "CREATE TABLE c (id int);" "DROP TABLE c;"
pgm up
expect_rc 0
expect_eq "$(tracked)" "3|f"
pgm down --all
expect_rc 6
expect_contains "$ERR" "000002_b.up.sql has no down migration"
expect_contains "$ERR" "000002_b.down.sql"
expect_eq "$(tracked)" "3|f" "version unchanged"
expect_eq "$(user_tables)" "a,b,c" "nothing reverted"
pgm down 2
expect_rc 6
expect_eq "$(tracked)" "3|f" "version unchanged (down 2)"
expect_eq "$(user_tables)" "a,b,c" "nothing reverted (down 2)"
pgm down
expect_rc 0
expect_eq "$(tracked)" "2|f" "down 1 does not cross it"

# ---------------------------------------------------------------- a psql meta-command
reset
mig 000001 a "CREATE TABLE a (id int);"
pgm up
expect_rc 0
printf -- '-- include the other file\n\\i other.sql\nCREATE TABLE b (id int);\n' >migrations/000002_b.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:2:1: error:" "meta-command position"
expect_contains "$ERR" "psql meta-commands are not SQL"
expect_contains "$ERR" '\i other.sql'
expect_eq "$(tracked)" "1|f"
expect_eq "$(user_tables)" "a"

# ---------------------------------------------------------------- a file with its own BEGIN/COMMIT
# (issue 14: golang-migrate runs it, so pgmigrate drops the pair and runs the body in its own
# transaction; more in test_golang_folders)
reset
mig 000001 a "CREATE TABLE a (id int);"
printf 'BEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n' >migrations/000002_b.up.sql
pgm up
expect_rc 0
expect_not_contains "$ERR" "transaction" "a wrapper needs no word"
expect_eq "$(tracked)" "2|f" "applied"
expect_eq "$(user_tables)" "a,b" "applied"
