#!/usr/bin/env bash
# `pgmigrate.exe psql`: psql.exe found with no --pg-bin (D:\Program Files\PostgreSQL\18\bin,
# after the registry's folder, which has none), its arguments passed through as they are,
# the connection (password included) only through its environment, its exit code returned.
# No psql.exe exists for this machine (the npm package of PostgreSQL's Windows files has
# none), so the fixture puts a stand-in there (psql-standin.c) that prints the command line,
# argv and the PG* environment values it received.
. "$(dirname "$0")/lib.sh"

# val NAME: the value the stand-in printed for NAME (cmdline, argc, argv[N], PGHOST, ...)
val() {
    printf '%s\n' "$OUT" | awk -v n="$1=" 'index($0, n) == 1 { print substr($0, length(n) + 1); found = 1; exit }
        END { if (!found) print "(missing)" }'
}
# argvs: argv[1..] of the stand-in, one per line, each between < >
argvs() {
    local i n
    n=$(val argc)
    for ((i = 1; i < n; i++)); do printf '<%s>\n' "$(val "argv[$i]")"; done
}
expect_conn() {  # expect_conn LABEL DBNAME: the connection reached psql through its environment
    expect_eq "$(val PGHOST)" 127.0.0.1 "$1: PGHOST"
    expect_eq "$(val PGPORT)" "$PG_PORT" "$1: PGPORT"
    expect_eq "$(val PGDATABASE)" "$2" "$1: PGDATABASE"
    expect_eq "$(val PGUSER)" postgres "$1: PGUSER"
    expect_eq "$(val PGPASSWORD)" "$PG_PASSWORD" "$1: PGPASSWORD"
    expect_eq "$(val PGSSLMODE)" disable "$1: PGSSLMODE"
    expect_not_contains "$(val cmdline)" "$PG_PASSWORD" "$1: psql's command line"
    expect_not_contains "$ERR" "$PG_PASSWORD" "$1: stderr"
}
PSQL_D="$WIN_D_BIN\\psql.exe"

# ---------------------------------------------------------------- psql -c "\dt"
pgm psql -c '\dt'
expect_rc 0
expect_eq "$(val 'argv[0]')" "$PSQL_D" "the psql.exe found"
expect_eq "$(val argc)" 3 "argc"
expect_eq "$(argvs)" '<-c>
<\dt>' "arguments"
expect_conn "psql -c \\dt" "$DB"
pgm -v psql -c '\dt'
expect_rc 0
expect_contains "$ERR" "running $PSQL_D" "-v names the psql it runs"

# ---------------------------------------------------------------- arguments that need quoting on Windows
pgm psql -c "SELECT 'a b' AS \"x y\"" 'C:\my dir\' 'q"x' '' 'Zoë' '--' '-v' 'ON_ERROR_STOP=1'
expect_rc 0
expect_eq "$(argvs)" "<-c>
<SELECT 'a b' AS \"x y\">
<C:\\my dir\\>
<q\"x>
<>
<Zoë>
<-->
<-v>
<ON_ERROR_STOP=1>" "arguments with spaces, quotes, backslashes, empty, non-ASCII, options"
# everything after psql belongs to psql, options of pgmigrate's included; a leading -- is dropped
pgm psql -- --version --json
expect_rc 0
expect_eq "$(argvs)" "<--version>
<--json>" "psql -- ARGS"

# ---------------------------------------------------------------- the exit code is psql's
pgm psql --exit 3
expect_rc 3
pgm psql --exit 0
expect_rc 0

# ---------------------------------------------------------------- the connection from other sources
# keyword/value DATABASE_URL
DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=$DB user=postgres password=$PG_PASSWORD sslmode=disable" pgm psql
expect_rc 0
expect_eq "$(val argc)" 1 "no argument"
expect_conn "keyword/value URL" "$DB"
# --database, with a password that needs percent-decoding
pgm --database "postgres://postgres:$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_PASSWORD")@127.0.0.1:$PG_PORT/postgres?sslmode=disable" psql
expect_rc 0
expect_conn "--database" postgres
# .env with CRLF: URL without password, PGPASSWORD beside it
(
    unset DATABASE_URL
    printf '%s\r\n' "DATABASE_URL=postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" \
        "PGPASSWORD=${PG_PASSWORD}" >.env
    pgm psql -c 'SELECT 1'
    expect_rc 0
    expect_conn ".env" "$DB"
    expect_eq "$(argvs)" '<-c>
<SELECT 1>' ".env arguments"
    rm -f .env
)
# --pg-bin wins over the discovered installs
PKG_BIN=$(winpath "$WIN_DDRIVE/Program Files/PostgreSQL/18/bin")
pgm --pg-bin "$PKG_BIN" psql -c '\l'
expect_rc 0
expect_eq "$(val 'argv[0]')" "$PKG_BIN\\psql.exe" "psql.exe of --pg-bin"
expect_conn "--pg-bin" "$DB"
