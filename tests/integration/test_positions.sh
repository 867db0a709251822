#!/usr/bin/env bash
# Where an error is: PostgreSQL gives a position for many errors (an unknown relation in a
# query, a syntax error): a character offset from 1 into the message sent. pgmigrate maps it
# to the file's line:col, counting characters (not bytes) and leaving out what it sends
# before the file (the session setting, the bookkeeping, earlier migrations of a batch), in
# every way a file runs. Where the server gives none (a foreign key to a missing table), the
# statement's start. README's error example is the second kind.
. "$(dirname "$0")/lib.sh"

reset() {
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    rm -f migrations/*
}
caret_line() { printf '       | %*s^' "$(($1 - 1))" ''; }

# line 4 has multi-byte characters before the misspelt table at column 40 (byte 44)
LINE4="SELECT id, 'ñandú, café, té' AS t FROM prodcts;"
write_tags() {  # write_tags EOL PREFIX [FIRST_LINE]: migration 10 with that line ending and start
    local eol=$1 prefix=$2 first=${3:-}
    {
        printf '%s' "$prefix"
        [ -z "$first" ] || printf '%s%s' "$first" "$eol"
        printf -- "-- tags for the café's products (★)%s" "$eol"
        printf 'CREATE TABLE IF NOT EXISTS product_tags (product_id int, tag text);%s' "$eol"
        printf 'INSERT INTO product_tags (product_id, tag)%s' "$eol"
        printf '%s%s' "$LINE4" "$eol"
    } >migrations/000010_tags.up.sql
    printf 'DROP TABLE product_tags;\n' >migrations/000010_tags.down.sql
}
mig 000001 first "CREATE TABLE first (id int);" "DROP TABLE first;"
mig 000011 after "CREATE TABLE after (id int);" "DROP TABLE after;"

# expect_at LINE LABEL: the last run failed at 000010_tags.up.sql:LINE:40 on prodcts
expect_at() {
    expect_rc 1
    expect_contains "$ERR" "migrations/000010_tags.up.sql:$1:40: error: relation \"prodcts\" does not exist (SQLSTATE 42P01)" "$2: position"
    expect_contains "$ERR" "$(printf '%6d' "$1") | $LINE4"$'\n'"$(caret_line 40)" "$2: source line with caret"
}

# ---------------------------------------------------------------- in a batch, after a migration of the same message
write_tags $'\n' ""
pgm up
expect_at 4 "batch"
expect_contains "$OUT" "applied  000001_first"
expect_eq "$(tracked)" "1|f" "tracking row"
expect_eq "$(user_tables)" "first" "nothing of 10, nothing of 11"

# ---------------------------------------------------------------- alone, as JSON, rehearsed
pgm up 1
expect_at 4 "alone"
pgm up --json
expect_eq "$(jget error line):$(jget error column):$(jget error statement)" "4:40:2" "json line:column:statement"
pgm up --dry-run
expect_at 4 "dry run"

# ---------------------------------------------------------------- CRLF, a BOM
write_tags $'\r\n' $'\xEF\xBB\xBF'
pgm up
expect_at 4 "BOM and CRLF"
expect_not_contains "$ERR" $'\r' "stderr"

# ---------------------------------------------------------------- outside a transaction: statement by statement
write_tags $'\n' "" "-- pgmigrate:no-transaction"
pgm up
expect_at 5 "no-transaction"
expect_contains "$ERR" "stopped at statement 2"
q "DROP TABLE product_tags" >/dev/null
pgm force 1
expect_rc 0

# ---------------------------------------------------------------- verify reports the same place
write_tags $'\n' ""
pgm verify 10
expect_rc 1
expect_contains "$OUT" "migrations/000010_tags.up.sql:4:40: relation \"prodcts\" does not exist (SQLSTATE 42P01)" "verify"

# ---------------------------------------------------------------- no position from the server: the statement's start
reset
mig 000001 first "CREATE TABLE first (id int);" "DROP TABLE first;"
cp "$PGM_SRC/migrations/000009_create_reviews_table.up.sql" migrations/
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000009_create_reviews_table.up.sql:3:1: error: relation \"users\" does not exist (SQLSTATE 42P01)" \
    "a foreign key to a missing table (README's example)"
expect_contains "$ERR" "     3 | CREATE TABLE IF NOT EXISTS reviews ("$'\n'"$(caret_line 1)"
