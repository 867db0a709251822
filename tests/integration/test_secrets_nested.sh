#!/usr/bin/env bash
# No password in any output when the connection string is not a plain postgres:// URL or
# keyword/value string: a JDBC URL (refused, advice to drop "jdbc:"), a keyword/value string
# whose dbname is itself a URL (refused: libpq would send it to the server as a database
# name), and PGDATABASE holding a URL with no DATABASE_URL (libpq expands it: it connects).
# Each in env, env --json, doctor, doctor --json, up and up --json, and the server's log.
. "$(dirname "$0")/lib.sh"

LOG=$PGM_PG_DIR/server.log
[ -f "$LOG" ] || fail "no server log at $LOG"
LOG_START=$(stat -c %s "$LOG")

LETTERS=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
rnd() { local i r=; for ((i = 0; i < $1; i++)); do r+=${LETTERS:RANDOM % 52:1}; done; printf '%s' "$r"; }
PW="Sx$(rnd 14)"
ROLE="secn_$$"
for ((i = 0; i + 4 <= ${#PW}; i++)); do printf '%s\n' "${PW:i:4}"; done >"$WORK/.pieces"
HOST="127.0.0.1:${PG_PORT}"

printf '%s\n' "CREATE ROLE \"$ROLE\" LOGIN PASSWORD :'pw';" "ALTER DATABASE \"$DB\" OWNER TO \"$ROLE\";" |
    psql_admin -v pw="$PW" >/dev/null
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)' -c 'DROP ROLE IF EXISTS \"$ROLE\"' >/dev/null"

no_secret() {
    local hit
    CHECKS=$((CHECKS + 1))
    if hit=$(printf '%s' "$1" | LC_ALL=C grep -aoF -f "$WORK/.pieces" | head -n 1) && [ -n "$hit" ]; then
        show >&2
        fail "$2 shows [$hit], a piece of the password"
    fi
}

mig 000001 t "CREATE TABLE t (id int);" "DROP TABLE t;"
unset DATABASE_URL

# every output of pgmigrate run with the options "$@"
all_outputs() {
    local name=$1 cmd
    shift
    for cmd in env doctor up; do
        pgm "$@" "$cmd"
        no_secret "$OUT$ERR" "$name: $cmd"
        pgm "$@" --json "$cmd"
        no_secret "$OUT$ERR" "$name: $cmd --json"
    done
}

# a. a JDBC URL: refused, with the advice to drop "jdbc:"
JDBC="jdbc:postgresql://${HOST}/${DB}?user=${ROLE}&password=${PW}&sslmode=disable"
all_outputs "a JDBC URL" --database "$JDBC"
pgm --database "$JDBC" up
[ "$RC" != 0 ] || { show >&2; fail "a JDBC URL: up succeeded"; }
expect_contains "$ERR" "jdbc:" "a JDBC URL: the error names the prefix"
expect_contains "$ERR" "password=****" "a JDBC URL: the error shows the string masked"
printf 'DATABASE_URL=%s\n' "$JDBC" >.env
all_outputs "a JDBC URL from .env"
rm -f .env

# b. a keyword/value string whose dbname is a URL: refused
NESTED="host=127.0.0.1 port=${PG_PORT} dbname=postgres://${ROLE}:${PW}@${HOST}/${DB}"
all_outputs "a URL as dbname" --database "$NESTED"
pgm --database "$NESTED" up
[ "$RC" != 0 ] || { show >&2; fail "a URL as dbname: up succeeded"; }
expect_contains "$ERR" "dbname" "a URL as dbname: the error names dbname"
export PGDATABASE=$NESTED
all_outputs "a URL as PGDATABASE's dbname"
unset PGDATABASE

# c. PGDATABASE holding a URL, no DATABASE_URL: libpq expands it, and it connects
GOOD="postgres://${ROLE}:${PW}@${HOST}/${DB}?sslmode=disable"
PGDATABASE=$GOOD pgm status
expect_rc 0
expect_contains "$OUT" "postgres://${ROLE}:****@${HOST}/${DB}" "PGDATABASE URL shown masked"
export PGDATABASE=$GOOD
all_outputs "a URL in PGDATABASE"
unset PGDATABASE
printf 'PGDATABASE=%s\n' "$GOOD" >.env
all_outputs "a URL in PGDATABASE from .env"
rm -f .env
# the same with a bad host: libpq's error must not show it either
export PGDATABASE="postgres://${ROLE}:${PW}@127.0.0.1:1/${DB}"
all_outputs "a URL in PGDATABASE, no server"
unset PGDATABASE
# a URL in PGDATABASE while another connection string names no database: libpq would send
# PGDATABASE to the server as a database name; refused
export PGDATABASE=$GOOD
all_outputs "a URL in PGDATABASE besides --database" --database "postgres://postgres:${PG_PASSWORD}@${HOST}?sslmode=disable"
pgm --database "postgres://postgres:${PG_PASSWORD}@${HOST}?sslmode=disable" up
[ "$RC" != 0 ] || { show >&2; fail "a URL in PGDATABASE besides --database: up succeeded"; }
expect_contains "$ERR" "PGDATABASE" "a URL in PGDATABASE besides --database: the error names it"
unset PGDATABASE
expect_eq "$(q "SELECT tableowner FROM pg_tables WHERE tablename = 't'")" "$ROLE" "applied through PGDATABASE"

LOG_NEW=$(tail -c +"$((LOG_START + 1))" "$LOG")
OUT=$LOG_NEW ERR=
no_secret "$LOG_NEW" "the server log"
