#!/usr/bin/env bash
# Folders golang-migrate accepts run unchanged (tests/fixtures/compat/<shape>):
# files wrapped in their own BEGIN/COMMIT (Atlas style, SET and comments
# before BEGIN, END, CRLF), several transaction blocks after plain
# statements, ROLLBACK and COMMIT AND CHAIN, BEGIN with modes, up and down
# files with different descriptions, comment-only and empty files, ALTER
# TYPE ... ADD VALUE mixed with other statements. Each folder runs with
# pgmigrate and with psql, the reference (each file as one query, `psql -c`,
# which is what golang-migrate sends): the same schema after `up`, and the
# same after `down --all` and the down files in reverse. Then what pgmigrate
# adds: a self-wrapped file that fails leaves nothing dirty, one that runs
# as golang-migrate runs it leaves the database dirty with the statement
# named and what stayed committed, a file that leaves a transaction open is
# refused before anything runs, and validate/lint say all this as warnings.
. "$(dirname "$0")/lib.sh"

FIX=$PGM_SRC/tests/fixtures/compat
REF="${DB}_ref"
on_exit 'psql_admin -c "DROP DATABASE IF EXISTS \"$REF\" WITH (FORCE)" >/dev/null 2>&1'

# qref SQL: in the reference database
qref() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$REF" -c "$1"
}

# psql_file FILE: the reference run of one migration: the whole file as one query
psql_file() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$REF" -c "$(cat "$1")" >/dev/null 2>"$WORK/.psql-err" ||
        fail "psql could not run $1: $(cat "$WORK/.psql-err")"
}

# schema_of DB: the schema of DB without pgmigrate's tables. pg_dump -s when one of the
# server's major is at hand; else (the PostgreSQL 18 server comes without pg_dump) one line
# per object from the catalog, by name, so that two databases compare
PG_DUMP=$PG_BIN/pg_dump
[ -x "$PG_DUMP" ] || PG_DUMP=$(command -v pg_dump || true)
[ -n "$PG_DUMP" ] && [ "$("$PG_DUMP" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')" = $(( $(q "SHOW server_version_num") / 10000 )) ] ||
    PG_DUMP=
schema_of() {
    local pg_dump=$PG_DUMP
    if [ -n "$pg_dump" ]; then
        PGPASSWORD=$PG_PASSWORD "$pg_dump" -s -T 'public.schema_migrations*' -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1" |
            grep -Ev '^\\(un)?restrict |^-- |^--$|^$'
        return
    fi
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "
      SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
        SELECT 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text AS x FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'schema\_migrations%'
        UNION ALL SELECT 'col ' || a.attrelid::regclass::text || '.' || a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod)
            || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relnamespace = 'public'::regnamespace
            AND c.relname NOT LIKE 'schema\_migrations%'
        UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
          WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'schema\_migrations%'
        UNION ALL SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
          WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'schema\_migrations%'
        UNION ALL SELECT 'enum ' || enumtypid::regtype::text || ' ' || enumlabel::text || ' ' || enumsortorder::text FROM pg_enum
        UNION ALL SELECT 'type ' || oid::regtype::text || ' ' || typtype::text FROM pg_type
          WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')
        UNION ALL SELECT 'proc ' || oid::regprocedure::text || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'view ' || oid::regclass::text || ' ' || pg_get_viewdef(oid) FROM pg_class
          WHERE relkind IN ('v', 'm') AND relnamespace = 'public'::regnamespace
        UNION ALL SELECT 'comment ' || pg_describe_object(classoid, objoid, objsubid) || ' ' || description
          FROM pg_description WHERE objoid >= 16384
            AND pg_describe_object(classoid, objoid, objsubid) NOT LIKE '%schema\_migrations%'
      ) s"
}

# the files of a folder in version order (up), or reversed (down)
files_of() {  # files_of DIR up|down
    local dir=$1 f
    for f in "$dir"/*."$2".sql; do echo "$(basename "$f" | sed -E 's/_.*//') $f"; done |
        sort -k1,1n"$([ "$2" = down ] && echo r)" | cut -d' ' -f2-
}

new_db "$REF"
EMPTY=$(schema_of "$REF")

# run_shape NAME: pgmigrate up/down --all against psql. The databases start empty (every
# shape's down files undo all of it, checked at the end) and without pgmigrate's tables
run_shape() {
    local shape=$1 dir=$FIX/$1 f mine ref n
    q "SET client_min_messages = warning; DROP TABLE IF EXISTS schema_migrations, schema_migrations_history"
    n=$(ls "$dir"/*.up.sql | wc -l)
    pgm --path "$dir" up
    expect_rc 0
    expect_contains "$OUT" "$n migration" "$shape: up"
    while read -r f; do psql_file "$f"; done < <(files_of "$dir" up)
    mine=$(schema_of "$DB")
    ref=$(schema_of "$REF")
    [ -n "$ref" ] || fail "$shape: the reference schema is empty"
    expect_eq "$mine" "$ref" "$shape: schema after up (pgmigrate vs psql)"
    expect_eq "$(tracked)" "$(files_of "$dir" up | tail -1 | xargs basename | sed -E 's/^0*([0-9]+)_.*/\1/')|f" "$shape: tracking row after up"
    UP_ERR=$ERR
    pgm --path "$dir" down --all
    expect_rc 0
    while read -r f; do psql_file "$f"; done < <(files_of "$dir" down)
    ref=$(schema_of "$REF")
    expect_eq "$(schema_of "$DB")" "$ref" "$shape: schema after down --all (pgmigrate vs psql)"
    expect_eq "$ref" "$EMPTY" "$shape: back to the empty schema"
    expect_eq "$(tracked)" "" "$shape: nothing applied after down --all"
    DOWN_ERR=$ERR
}

# ---------------------------------------------------------------- the shapes
run_shape atlas_wrapped
# one BEGIN ... COMMIT around the file is dropped: it runs in pgmigrate's transaction, silently
expect_not_contains "$UP_ERR" "manages its own transactions" "atlas_wrapped: no warning for a wrapper"
expect_eq "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM schema_migrations_history")" \
    "applied,applied,applied,reverted,reverted,reverted" "atlas_wrapped: history"

# verify (up, down, up, rolled back) reads such files as up does
pgm --path "$FIX/atlas_wrapped" verify
expect_rc 0
expect_eq "$(user_tables)" "" "atlas_wrapped: verify changes nothing"

run_shape multi_block
pgm --path "$FIX/multi_block" verify
expect_rc 0
expect_contains "$OUT$ERR" "scratch" "multi_block: verified in a scratch database (it commits on its own)"
expect_contains "$UP_ERR" "000001_init.up.sql manages its own transactions (more than one transaction block)" "multi_block: warning"
expect_contains "$UP_ERR" "000002_audit.up.sql manages its own transactions (statements after its COMMIT)" "multi_block: warning"
expect_contains "$UP_ERR" "split it" "multi_block: advice"
expect_contains "$DOWN_ERR" "000001_init.down.sql manages its own transactions" "multi_block: down warning"

run_shape pair_names
pgm --path "$FIX/pair_names" up
expect_rc 0
pgm --path "$FIX/pair_names" status
expect_contains "$OUT" "30  add_settings" "pair_names: status shows the up file's name"
expect_contains "$OUT" "67  add_mfa_column" "pair_names: status shows the up file's name"
expect_contains "$OUT" "70  z_index_value" "pair_names: the up file's name also when the down sorts first"
expect_eq "$(q "SELECT string_agg(DISTINCT name, ',' ORDER BY name) FROM schema_migrations_history")" \
    "add_mfa_column,add_settings,z_index_value" "pair_names: history names"
pgm --path "$FIX/pair_names" validate
expect_rc 0
expect_contains "$OUT" "the down file's description is not the up file's" "pair_names: validate warning"
pgm --path "$FIX/pair_names" down --all
expect_rc 0

run_shape comment_only
expect_contains "$UP_ERR" "2_placeholder.up.sql has no SQL statement" "comment_only: up warns"
expect_contains "$UP_ERR" "3_empty.up.sql has no SQL statement" "comment_only: up warns (empty file)"
pgm --path "$FIX/comment_only" validate --offline
expect_rc 0
expect_contains "$OUT" "3_empty.up.sql: warning: the file has no SQL statement" "comment_only: validate warns, no error"

run_shape enum_add_value
pgm --path "$FIX/enum_add_value" validate --offline
expect_rc 0
expect_contains "$OUT" "2_happy.up.sql:1:1: warning: ALTER TYPE ... ADD VALUE with other statements runs in one transaction on PostgreSQL 12 and later" \
    "enum_add_value: offline, a warning that names the versions"
pgm --path "$FIX/enum_add_value" validate
expect_rc 0
expect_not_contains "$OUT" "ADD VALUE" "enum_add_value: with a PostgreSQL 12+ database, nothing to say"

run_shape crlf
expect_contains "$UP_ERR" "2_bc.up.sql manages its own transactions" "crlf: multi-block warning"
expect_not_contains "$UP_ERR" "1_a.up.sql manages" "crlf: a CRLF wrapper is dropped"

run_shape savepoint
expect_not_contains "$UP_ERR" "manages its own transactions" "savepoint: SAVEPOINT in a wrapper runs in pgmigrate's transaction"

run_shape rollback_chain
expect_contains "$UP_ERR" "1_tried.up.sql manages its own transactions (ROLLBACK)" "rollback_chain: ROLLBACK runs as golang-migrate runs it"
expect_contains "$UP_ERR" "2_chain.up.sql manages its own transactions (COMMIT AND CHAIN)" "rollback_chain: COMMIT AND CHAIN too"

run_shape begin_modes
expect_contains "$UP_ERR" "1_ser.up.sql manages its own transactions (BEGIN with transaction modes)" "begin_modes: warning"

# ---------------------------------------------------------------- failures
q "SET client_min_messages = warning; DROP TABLE IF EXISTS schema_migrations, schema_migrations_history"
mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
pgm up
expect_rc 0

# a self-wrapped file that fails: pgmigrate's transaction rolls it back, nothing is dirty
printf -- '-- wrapped\nSET lock_timeout = 0;\nBEGIN;\nCREATE TABLE w (id int);\nCREATE TABLE w (id int);\nCOMMIT;\n' >migrations/000002_w.up.sql
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000002_w.up.sql:5:1: error: relation \"w\" already exists" "wrapped failure: the statement"
expect_eq "$(tracked)" "1|f" "wrapped failure: clean at the version before"
expect_eq "$(user_tables)" "a" "wrapped failure: rolled back"
expect_eq "$(q "SELECT outcome || ' ' || failed_statement FROM schema_migrations_history WHERE version = 2")" "failed 4" \
    "wrapped failure: history names the statement as the file counts it (the BEGIN is one)"
rm migrations/000002_w.up.sql

# a wrapped CREATE INDEX CONCURRENTLY: its author asked for a transaction, and the server refuses
# it there (as it does for golang-migrate); nothing dirty
printf 'BEGIN;\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nCOMMIT;\n' >migrations/000002_w.up.sql
pgm up
expect_rc 1
expect_contains "$ERR" "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" "wrapped CONCURRENTLY"
expect_eq "$(tracked)" "1|f" "wrapped CONCURRENTLY: clean"
rm migrations/000002_w.up.sql

# several blocks, the second fails: dirty as golang-migrate leaves it, the statement named
printf 'CREATE TABLE m1 (id int);\nBEGIN;\nCREATE TABLE m2 (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE m3 (id int);\nSELECT 1/0;\nCOMMIT;\n' \
    >migrations/000002_m.up.sql
pgm up
expect_rc 1
expect_contains "$ERR" "manages its own transactions" "multi-block failure: warning"
expect_contains "$ERR" "migrations/000002_m.up.sql:7:1: error: division by zero" "multi-block failure: the statement, from the results"
expect_contains "$ERR" "it stopped at statement 7, statements 1 to 4 stayed committed" "multi-block failure: what stayed"
expect_contains "$ERR" "marked dirty at version 2" "multi-block failure: dirty"
expect_eq "$(tracked)" "2|t" "multi-block failure: dirty, as golang-migrate leaves it"
expect_eq "$(user_tables)" "a,m1,m2" "multi-block failure: the first block committed, the second rolled back"
expect_eq "$(q "SELECT outcome || ' ' || failed_statement FROM schema_migrations_history WHERE version = 2 ORDER BY id DESC LIMIT 1")" "failed 7" \
    "multi-block failure: history"
pgm force 1
expect_rc 0
q "DROP TABLE m1, m2"

# a syntax error: the server's position
printf 'BEGIN;\nCREATE TABLE s1 (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE s2 (id int) oops;\nCOMMIT;\n' >migrations/000002_m.up.sql
pgm up
expect_rc 1
expect_contains "$ERR" "migrations/000002_m.up.sql:5:26: error: syntax error" "syntax error: the server's position"
expect_contains "$ERR" "nothing of it was committed" "syntax error: nothing ran"
expect_eq "$(tracked)" "2|t" "syntax error: dirty all the same (golang-migrate's protocol)"
pgm force 1
expect_rc 0

# a transaction left open: refused before anything runs
printf 'CREATE TABLE o1 (id int);\nBEGIN;\nCREATE TABLE o2 (id int);\n' >migrations/000002_m.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_m.up.sql:2:1: error: the migration leaves a transaction open" "open: refused"
expect_eq "$(tracked)" "1|f" "open: nothing ran"
expect_eq "$(user_tables)" "a" "open: nothing ran"
pgm validate --offline
expect_rc 6
expect_contains "$OUT" "leaves a transaction open" "open: validate"
printf 'BEGIN;\nCREATE TABLE o2 (id int);\nCOMMIT AND CHAIN;\n' >migrations/000002_m.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_m.up.sql:3:1: error: the migration leaves a transaction open" "open after COMMIT AND CHAIN"

# --dry-run cannot rehearse a file that commits on its own
printf 'BEGIN;\nCREATE TABLE d1 (id int);\nCOMMIT;\nCREATE TABLE d2 (id int);\n' >migrations/000002_m.up.sql
pgm up --dry-run
expect_rc 0
expect_contains "$ERR" "not rehearsed by --dry-run" "dry run"
expect_eq "$(user_tables)" "a" "dry run: nothing ran"

# run, its tracking commit is synchronous: --json reports it durable
pgm --json up
expect_rc 0
expect_contains "$OUT" '"event":"applied","version":2,' "golang-mode run: applied"
expect_eq "$(printf '%s\n' "$OUT" | grep '"event":"applied","version":2,' | grep -c '"durable":true')" 1 \
    "golang-mode run: reported durable"
pgm force 1
expect_rc 0
q "DROP TABLE d1, d2"

# two ups (or two downs) of one version are still refused
rm migrations/000002_m.up.sql
mig 000002 b "CREATE TABLE b (id int);" "DROP TABLE b;"
printf 'CREATE TABLE b2 (id int);\n' >migrations/000002_b_again.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" "version 2 is used by both" "two ups"
rm migrations/000002_b_again.up.sql
printf 'DROP TABLE b2;\n' >migrations/000002_b_again.down.sql
pgm up
expect_rc 6
expect_contains "$ERR" "version 2 is used by both" "two downs"
