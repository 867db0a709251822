#!/usr/bin/env bash
# Configuration: where the database comes from (--database > environment > .env / --env-file),
# .env syntax, PG* variables, keyword/value strings, PGMIGRATE_PATH/--path, PGMIGRATE_TABLE, and
# that no output of any command ever shows the password.
. "$(dirname "$0")/lib.sh"

DB_A=$DB
DB_B="${DB}_b"
new_db "$DB_B"
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"$DB_B\" WITH (FORCE)' >/dev/null 2>&1"
URL_A=$DATABASE_URL
URL_B="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB_B}?sslmode=disable"
# nothing listens on port 1: a URL that cannot work (with the real password in it)
BAD_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=3"
FAKE_PW="Zx9-TopSecret-pw"

# the tracking version recorded in database $1 ("" when none)
vin() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" \
        -c "SELECT version FROM schema_migrations"
}
# pgx [env args] CMD...: run CMD through env(1) (to unset or set variables), capturing like pgm
pgx() {
    set +e
    env "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}
# pgmigrate with no DATABASE_URL in the environment
noenv() { pgx -u DATABASE_URL "$PGM_BIN" "$@"; }
# no_pw [PASSWORD]: the last command's stdout and stderr do not contain the password
no_pw() {
    local pw=${1:-$PG_PASSWORD}
    expect_not_contains "$OUT" "$pw" "stdout"
    expect_not_contains "$ERR" "$pw" "stderr"
}
# jrow VERSION FIELD: FIELD of the row of VERSION in the last `status --json` ("none" if no such row)
jrow() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
v, f = int(sys.argv[1]), sys.argv[2]
rows = [m for m in json.loads(sys.stdin.readline())["migrations"] if m["version"] == v]
print(rows[0][f] if rows else "none")
' "$1" "$2"
}
# the up files the last `status --json` lists, space-separated
jfiles() { printf '%s\n' "$OUT" | python3 -c 'import json, sys; print(" ".join(m["up_file"] for m in json.loads(sys.stdin.readline())["migrations"] if m["up_file"]))'; }
N=0
next() { N=$((N + 1)); }

for i in $(seq 1 40); do
    printf 'SELECT 1;\n' >"migrations/$(printf %06d "$i")_m$i.up.sql"
    printf 'SELECT 1;\n' >"migrations/$(printf %06d "$i")_m$i.down.sql"
done
for d in "$DB_A" "$DB_B"; do
    PGPASSWORD=$PG_PASSWORD psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$d" \
        -c "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)"
done

# ---------------------------------------------------------------- DATABASE_URL from the environment
next; pgm force $N
expect_rc 0
expect_eq "$(vin "$DB_A")" $N "DATABASE_URL from the environment"
expect_eq "$(vin "$DB_B")" "" "database B untouched"
pgm env
expect_contains "$OUT" "(from environment)"

# ---------------------------------------------------------------- from .env when the environment has none
printf 'DATABASE_URL=%s\n' "$URL_B" >.env
next; noenv force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "DATABASE_URL from .env"
expect_eq "$(vin "$DB_A")" $((N - 1)) "database A untouched"
noenv env
expect_contains "$OUT" "(from .env)"
expect_contains "$OUT" "env file:  .env"

# the environment wins over .env
next; pgm force $N
expect_rc 0
expect_eq "$(vin "$DB_A")" $N "the environment wins over .env"
expect_eq "$(vin "$DB_B")" $((N - 1)) "database B (.env) untouched"
printf 'DATABASE_URL=%s\n' "$BAD_URL" >.env
next; pgm force $N
expect_rc 0
expect_eq "$(vin "$DB_A")" $N "a wrong .env does not matter when the environment has DATABASE_URL"
noenv force 1
expect_rc 5
expect_eq "$(vin "$DB_A")" $N "the wrong .env is really used without the environment"

# --database wins over both
next; pgm --database "$URL_B" force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "--database wins over the environment and .env"
expect_eq "$(vin "$DB_A")" $((N - 1))
next; noenv --database="$URL_A" force $N
expect_rc 0
expect_eq "$(vin "$DB_A")" $N "--database=URL wins over .env"
pgm env --database "$URL_B"
expect_contains "$OUT" "(from flag)"

# --env-file: read instead of ./.env (which still holds the bad URL)
printf '# another file\nDATABASE_URL=%s\n' "$URL_B" >other.env
next; noenv --env-file other.env force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "--env-file other.env"
next; noenv force $N --env-file=other.env
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "--env-file=other.env after the command"
next; pgm --env-file other.env force $N
expect_rc 0
expect_eq "$(vin "$DB_A")" $N "the environment wins over --env-file too"
printf 'PGMIGRATE_TABLE=x\n' >nodb.env
printf 'DATABASE_URL=%s\n' "$URL_B" >.env
noenv --env-file nodb.env env
expect_rc 0
expect_not_contains "$OUT" "$DB_B" "--env-file: ./.env is not read as well"
expect_contains "$OUT" "env file:  nodb.env"
mkdir sub
pgm --env-file sub/missing.env force 1
expect_rc 1
expect_contains "$ERR" "sub/missing.env" "a missing --env-file is named"
expect_eq "$(vin "$DB_A")" $N "nothing done with a missing --env-file"
noenv --env-file sub status
expect_rc 1

# ---------------------------------------------------------------- .env syntax
# env_case WHAT: .env has just been written; it must lead to database B
env_case() {
    next; noenv force $N
    expect_rc 0
    expect_eq "$(vin "$DB_B")" $N ".env syntax: $1"
}
printf '# comment line\n\n   # indented comment\nOTHER=x # inline comment\nDATABASE_URL=%s   # the database\n# DATABASE_URL=%s\n' "$URL_B" "$BAD_URL" >.env
env_case "comments"
printf 'export DATABASE_URL=%s\n' "$URL_B" >.env
env_case "export"
printf "DATABASE_URL='%s'\n" "$URL_B" >.env
env_case "single quotes"
printf 'DATABASE_URL="%s"\n' "$URL_B" >.env
env_case "double quotes"
printf 'A=1\r\nDATABASE_URL=%s\r\nB=2\r\n' "$URL_B" >.env
env_case "CRLF line endings"
printf '# CRLF\r\nexport DATABASE_URL="%s"\r\n' "$URL_B" >.env
env_case "CRLF with export and double quotes"
printf "DATABASE_URL='%s'\r\n" "$URL_B" >.env
env_case "CRLF with single quotes"
printf '\xef\xbb\xbfDATABASE_URL=%s\n' "$URL_B" >.env
env_case "UTF-8 BOM"
printf 'DATABASE_URL = %s\n' "$URL_B" >.env
env_case "spaces around ="
printf 'DATABASE_URL=%s\nDATABASE_URL=%s' "$BAD_URL" "$URL_B" >.env
env_case "the last assignment wins, no final newline"
printf 'DATABASE_URL="%s\n' "$URL_B" >.env
next; noenv force $N
expect_rc 1
expect_contains "$ERR" ".env:1" "an unterminated quote is reported with its line"
expect_contains "$ERR" "unterminated"
no_pw

# ---------------------------------------------------------------- PG* variables, keyword/value strings
printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=postgres\nPGPASSWORD=%s\nPGDATABASE=%s\nPGSSLMODE=disable\n' \
    "$PG_PORT" "$PG_PASSWORD" "$DB_B" >.env
env_case "PG* variables and no DATABASE_URL"
noenv status
expect_rc 0
expect_contains "$OUT" "dbname=$DB_B" "status shows the PG* target"
no_pw
# PG* in the environment, nothing in .env
rm .env
next; pgx -u DATABASE_URL PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres PGPASSWORD="$PG_PASSWORD" PGDATABASE="$DB_B" \
    PGSSLMODE=disable "$PGM_BIN" force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "PG* variables from the environment"
# a URL without a password, PGPASSWORD from .env (the team's `$env:PGPASSWORD = ...` habit)
printf 'PGPASSWORD=%s\n' "$PG_PASSWORD" >.env
next; pgm --database "postgres://postgres@127.0.0.1:${PG_PORT}/${DB_B}?sslmode=disable" force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "URL without a password + PGPASSWORD in .env"
rm .env

KV="host=127.0.0.1 port=$PG_PORT user=postgres password=$PG_PASSWORD dbname=$DB_B sslmode=disable"
next; pgm --database "$KV" force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "keyword/value --database"
pgm --database "$KV" status
expect_rc 0
expect_contains "$OUT" "password=****" "status masks a keyword/value password"
no_pw
next; pgm --database "host=127.0.0.1 port=$PG_PORT user=postgres password='$PG_PASSWORD' dbname='$DB_B' sslmode=disable" force $N
expect_rc 0
expect_eq "$(vin "$DB_B")" $N "keyword/value with quoted values"
next; noenv force $N --database "$KV"
expect_eq "$(vin "$DB_B")" $N "keyword/value without DATABASE_URL"

# ---------------------------------------------------------------- PGMIGRATE_TABLE
next; pgx PGMIGRATE_TABLE=cfg_tracking "$PGM_BIN" force $N
expect_rc 0
expect_eq "$(q "SELECT version FROM cfg_tracking")" $N "PGMIGRATE_TABLE"
next; pgx PGMIGRATE_TABLE=cfg_tracking "$PGM_BIN" --table schema_migrations force $N
expect_eq "$(vin "$DB_A")" $N "--table wins over PGMIGRATE_TABLE"

# ---------------------------------------------------------------- PGMIGRATE_PATH and --path
mkdir alt alt2
printf 'CREATE TABLE alt_t (id int);\n' >alt/000100_alt.up.sql
printf 'DROP TABLE alt_t;\n' >alt/000100_alt.down.sql
printf 'CREATE TABLE alt2_t (id int);\n' >alt2/000200_alt2.up.sql
printf 'DROP TABLE alt2_t;\n' >alt2/000200_alt2.down.sql
pgm force -1
expect_eq "$(vin "$DB_A")" "" "reset"
pgx PGMIGRATE_PATH=alt "$PGM_BIN" up
expect_rc 0
expect_eq "$(vin "$DB_A")" 100 "PGMIGRATE_PATH from the environment"
table_exists alt_t || fail "alt_t missing"
CHECKS=$((CHECKS + 1))
pgx PGMIGRATE_PATH=alt "$PGM_BIN" status --json
expect_eq "$(jrow 100 name)" alt "status with PGMIGRATE_PATH lists alt's migration"
expect_eq "$(jrow 100 state)" applied
expect_eq "$(jfiles)" "alt/000100_alt.up.sql" "status with PGMIGRATE_PATH reads alt only"
pgx PGMIGRATE_PATH=alt "$PGM_BIN" down
expect_rc 0
expect_eq "$(vin "$DB_A")" "" "down with PGMIGRATE_PATH"
table_exists alt_t && fail "alt_t still there"
CHECKS=$((CHECKS + 1))
pgx PGMIGRATE_PATH=alt "$PGM_BIN" --path alt2 up
expect_rc 0
expect_eq "$(vin "$DB_A")" 200 "--path wins over PGMIGRATE_PATH"
table_exists alt_t && fail "--path alt2 applied alt"
CHECKS=$((CHECKS + 1))
table_exists alt2_t || fail "alt2_t missing"
CHECKS=$((CHECKS + 1))
printf 'PGMIGRATE_PATH=alt2\n' >.env
pgm status --json
expect_rc 0
expect_eq "$(jrow 200 name)" alt2 "PGMIGRATE_PATH from .env"
expect_eq "$(jfiles)" "alt2/000200_alt2.up.sql" "PGMIGRATE_PATH from .env: alt2 only"
pgm env
expect_contains "$OUT" "path:      alt2  (from .env)"
pgx PGMIGRATE_PATH=alt "$PGM_BIN" env
expect_contains "$OUT" "path:      alt  (from environment)" "the environment wins over .env for PGMIGRATE_PATH"
pgm --path=alt2 down
expect_rc 0
expect_eq "$(vin "$DB_A")" "" "--path=DIR"
rm .env
pgm --path no-such-folder up
expect_rc 1
expect_contains "$ERR" "no-such-folder"

# ---------------------------------------------------------------- PGMIGRATE_LOCK_TIMEOUT and --lock-timeout
pgm env
expect_contains "$OUT" "lock wait: 15 s  (from default)"
pgx PGMIGRATE_LOCK_TIMEOUT=2m "$PGM_BIN" env
expect_contains "$OUT" "lock wait: 120 s  (from environment)"
printf 'PGMIGRATE_LOCK_TIMEOUT=30s\n' >.env
pgm env --json
expect_eq "$(printf '%s\n' "$OUT" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read()); print(o["lock_timeout"], o["lock_timeout_from"])')" \
    "30 .env" "PGMIGRATE_LOCK_TIMEOUT from .env"
pgm --lock-timeout 2.5 env
expect_contains "$OUT" "lock wait: 2.5 s  (from flag)"
rm .env
pgx PGMIGRATE_LOCK_TIMEOUT=soon "$PGM_BIN" status
expect_rc 1
expect_contains "$ERR" "PGMIGRATE_LOCK_TIMEOUT=soon is not a number of seconds"
for bad in nan inf -1 1e999; do
    pgx PGMIGRATE_LOCK_TIMEOUT=$bad "$PGM_BIN" env
    expect_rc 1
    pgm --lock-timeout "$bad" env
    expect_rc 2
done

# ---------------------------------------------------------------- run below the project folder
# (the seed: "ALWAYS run from the ecommerce-backend/ directory"): migrations/ and .env are
# found in the nearest folder above that has migrations/, up to the top of a git work tree
mkdir -p cmd/migrate
printf 'DATABASE_URL=%s\n' "$URL_B" >.env
cd cmd/migrate
pgm env
expect_contains "$OUT" "path:      ../../migrations  (from a parent folder)"
noenv env
expect_contains "$OUT" "database:  ${URL_B/$PG_PASSWORD/****}  (from .env)" "the project folder's .env"
expect_contains "$OUT" "env file:  ../../.env"
noenv status --json
expect_rc 0
expect_eq "$(jrow 1 up_file)" "../../migrations/000001_m1.up.sql" "status below the project folder"
noenv force 7
expect_rc 0
expect_eq "$(vin "$DB_B")" 7 "force below the project folder: the .env's database"
pgm new from_below
expect_rc 0
expect_contains "$OUT" "../../migrations/000041_from_below.up.sql"
[ -f "$WORK/migrations/000041_from_below.up.sql" ] || fail "new below the project folder wrote elsewhere"
CHECKS=$((CHECKS + 1))
rm "$WORK"/migrations/000041_from_below.*
# PGMIGRATE_PATH in the project folder's .env is relative to that folder
printf 'PGMIGRATE_PATH=alt\n' >>"$WORK/.env"
pgm env
expect_contains "$OUT" "path:      ../../alt  (from .env)"
# other relative paths of that .env too (PGMIGRATE_PG_BIN)
printf 'PGMIGRATE_PG_BIN=tools/bin\n' >>"$WORK/.env"
pgm env
expect_contains "$OUT" "PGMIGRATE_PG_BIN  ../../tools/bin"
# a .env here means this is the project folder: no search
printf '# here\n' >.env
pgm env
expect_contains "$OUT" "path:      migrations  (from default)"
rm .env
cd "$WORK"
rm .env
# not past the top of a git work tree
mkdir -p repo/.git repo/pkg
cd repo/pkg
pgm status
expect_rc 1
expect_contains "$ERR" "could not read the migrations folder \"migrations\""
expect_contains "$ERR" "or below it"
mkdir ../migrations
pgm env
expect_contains "$OUT" "path:      ../migrations  (from a parent folder)" "the work tree's own migrations/"
# nor past the current folder when it is the top of a work tree
cd "$WORK/repo"
rmdir migrations
pgm env
expect_contains "$OUT" "path:      migrations  (from default)" "at the top of a work tree"
# a migrations/ above that belongs to another user is not taken (someone's /tmp/migrations)
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$WORK/other/migrations" "$WORK/other/sub"
    chown nobody "$WORK/other/migrations"
    cd "$WORK/other/sub"
    pgm env
    expect_contains "$OUT" "path:      ../../migrations  (from a parent folder)" "another user's migrations/ above is passed over"
    chown root "$WORK/other/migrations"
    printf 'DATABASE_URL=postgres://elsewhere/db\n' >"$WORK/other/.env"
    chown nobody "$WORK/other/.env"
    pgm env
    expect_rc 1
    expect_contains "$ERR" "env file \"../.env\" belongs to another user (nobody): not read"
elif [ "${CI:-}" = true ]; then
    fail "the ownership checks need root (CI runs as root)"
fi
cd "$WORK"
rm -rf repo cmd other

# ---------------------------------------------------------------- the password never shows
MASKED_A="postgres://postgres:****@127.0.0.1:${PG_PORT}/${DB_A}?sslmode=disable"
pgm force 2
pgm status
expect_rc 0
expect_contains "$OUT" "database: $MASKED_A" "status shows the masked URL"
no_pw
pgm status --json
expect_eq "$(jget status database)" "$MASKED_A" "status --json database"
no_pw
for args in "version" "version --json" "up" "down" "up --json" "down --json" "force 3" "goto 2 --json" "env" "env --json" "-v env" "status -v"; do
    # shellcheck disable=SC2086
    pgm $args
    expect_rc 0
    no_pw
done

# connection failures with the password in the URL: refused, unknown host, wrong password, no database
for url in "postgres://postgres:${FAKE_PW}@127.0.0.1:1/x?sslmode=disable" \
           "postgresql://postgres:${FAKE_PW}@no-such-host.invalid:5432/x?sslmode=disable&connect_timeout=3" \
           "postgres://postgres:${FAKE_PW}@127.0.0.1:${PG_PORT}/${DB_A}?sslmode=disable" \
           "postgres://postgres@127.0.0.1:1/x?password=${FAKE_PW}&sslmode=disable" \
           "host=127.0.0.1 port=1 user=postgres password=${FAKE_PW} dbname=x" \
           "host=127.0.0.1 port=1 user=postgres password='${FAKE_PW} with space' dbname=x" \
           "postgres://postgres:${FAKE_PW}%zz@127.0.0.1:1/x" \
           "postgres://postgres@127.0.0.1:1/x?sslmode=disable&password=${FAKE_PW}%zz" \
           "postgres://postgres:${FAKE_PW}@[::1:1/x"; do
    for args in "status" "status --json" "up" "up --json" "version --json" "force 1"; do
        # shellcheck disable=SC2086
        pgm --database "$url" $args
        # a bad percent-encoding in a password is refused before libpq sees it (test_secrets.sh)
        case $url in *%zz*) expect_rc 1;; *) expect_rc 5;; esac
        no_pw "$FAKE_PW"
    done
    expect_contains "$ERR$OUT" "****" "the failed target is shown masked"
    # psql gets the same connection through its environment
    pgm --database "$url" psql -c "SELECT 1"
    [ "$RC" != 0 ] || fail "psql connected with [$url]"
    CHECKS=$((CHECKS + 1))
    no_pw "$FAKE_PW"
done
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/no_such_db_here?sslmode=disable" up
expect_rc 5
expect_contains "$ERR" "no_such_db_here"
no_pw
printf 'DATABASE_URL=postgres://postgres:%s@127.0.0.1:1/x?sslmode=disable\n' "$FAKE_PW" >.env
noenv up
expect_rc 5
no_pw "$FAKE_PW"
noenv env --json
no_pw "$FAKE_PW"
rm .env

# errors that show the target: a missing relation (hint), a version with no file (detail)
mkdir errs
printf 'INSERT INTO no_such_table VALUES (1);\n' >errs/000001_bad.up.sql
pgm force -1
pgm --path errs up
expect_rc 1
expect_contains "$ERR" "$MASKED_A" "the hint names the masked target"
no_pw
pgm --path errs up --json
expect_rc 1
no_pw
pgm force 999
pgm up
expect_rc 6
expect_contains "$ERR" "****"
no_pw
pgm up --json
no_pw
pgm force -1

# psql gets the connection (and password) through its environment, and prints no password
pgm psql -At -c "SELECT current_database()"
expect_rc 0
expect_eq "$OUT" "$DB_A" "pgmigrate psql connects to the configured database"
no_pw
pgm -v --database "$KV" psql -At -c "SELECT current_database()"
expect_rc 0
expect_eq "$OUT" "$DB_B" "pgmigrate psql with a keyword/value string"
no_pw
