#!/usr/bin/env bash
# The example migrations apply, report and roll back on a fresh database.
. "$(dirname "$0")/lib.sh"
cp "$PGM_SRC"/migrations/*.sql migrations/
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000009_create_reviews_table"
expect_eq "$(tracked)" "9|f" "tracking row"
table_exists reviews || fail "reviews table missing"
pgm status --json
expect_rc 0
expect_eq "$(jget status version)" 9
expect_eq "$(jget status pending)" 0
pgm down --all
expect_rc 0
expect_eq "$(tracked)" "" "tracking table empty after down --all"
expect_eq "$(user_tables)" "" "tables left after down --all"
expect_eq "$(q "SELECT count(*) FROM schema_migrations_history WHERE outcome = 'reverted'")" 9 "history of the reverts"
