#!/usr/bin/env bash
# Errors of pgmigrate.exe under wine: SQL errors at file:line:col (LF, CRLF, BOM, UTF-8 columns)
# with Windows paths, --json errors; a refused connection to this machine, whose hint names
# the stopped postgresql-x64-18 service and how to start it; `service list` and
# `service start` (which under wine may start or fail: either way a clear message).
# This test owns the service postgresql-x64-18; test_service.sh starts the others meanwhile.
. "$(dirname "$0")/lib.sh"

reset() {
    q "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    rm -f migrations/* migrations/.[!.]* 2>/dev/null || true
}
user_tables() { q "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations%'"; }
caret_line() { printf '       | %*s^' "$(($1 - 1))" ''; }

# ---------------------------------------------------------------- syntax error, line 3 of 5, migration 2 of 3
# syntax_case LABEL PREFIX EOL LINE3 COLUMN: reported at migrations\000002_x.up.sql:3:COLUMN
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
    expect_eq "$(user_tables)" "a" "$label: only migration 1 applied"
    expect_contains "$OUT" "applied  000001_a" "$label: stdout"
    expect_contains "$ERR" "migrations\\000002_x.up.sql:3:$col: error:" "$label: stderr position"
    expect_contains "$ERR" "(SQLSTATE 42601)" "$label: stderr sqlstate"
    expect_contains "$ERR" "     3 | $line3"$'\n'"$(caret_line "$col")" "$label: source line with caret"
    expect_not_contains "$ERR" $'\r' "$label: stderr (a CR of the file)"
    expect_not_contains "$ERR" $'\xEF\xBB\xBF' "$label: stderr (the BOM)"
}
syntax_case "LF" "" $'\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "CRLF" "" $'\r\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "BOM" $'\xEF\xBB\xBF' $'\n' 'CREATE TABLE b (id int,, x int);' 24
syntax_case "BOM+CRLF" $'\xEF\xBB\xBF' $'\r\n' 'CREATE TABLE b (id int,, x int);' 24
# multi-byte characters before the error: the column counts characters (43), not bytes (45)
syntax_case "UTF-8" "" $'\n' "CREATE TABLE b (name text DEFAULT 'ñandú',, x int);" 43

pgm up --json
expect_rc 1
expect_eq "$(jget error code)" sql "json code"
expect_eq "$(jget error sqlstate)" 42601 "json sqlstate"
expect_eq "$(jget error file)" 'migrations\000002_x.up.sql' "json file"
expect_eq "$(jget error line)" 3 "json line"
expect_eq "$(jget error column)" 43 "json column"
expect_eq "$(jget error version)" 2 "json version"

# the folder as given: forward slashes stay, a Windows absolute path stays
pgm --path migrations/ up
expect_rc 1
expect_contains "$ERR" "migrations/000002_x.up.sql:3:43: error:" "--path migrations/"
pgm --path "$(winpath migrations)" up
expect_rc 1
expect_contains "$ERR" "$(winpath migrations)\\000002_x.up.sql:3:43: error:" "--path Z:\\..."

# ---------------------------------------------------------------- run-time error at statement 3, line 6
reset
mig 000001 a "CREATE TABLE u (id int PRIMARY KEY);"
printf '%s\r\n' "-- a unique violation in the third statement" "INSERT INTO u" "    VALUES (1);" \
    "INSERT INTO u VALUES (2);" "" "INSERT INTO u VALUES (1);" "INSERT INTO u VALUES (3);" >migrations/000002_dup.up.sql
pgm up
expect_rc 1
expect_contains "$ERR" "migrations\\000002_dup.up.sql:6:1: error:" "statement 3's line (CRLF file)"
expect_contains "$ERR" "(SQLSTATE 23505)"
expect_contains "$ERR" "     6 | INSERT INTO u VALUES (1);"$'\n'
expect_eq "$(tracked)" "1|f"
expect_eq "$(q "SELECT count(*) FROM u")" 0 "rows of the failed migration"

# ---------------------------------------------------------------- invalid files: exit 6, with the file
reset
mig 000001 a "CREATE TABLE a (id int);"
mig 000001 b "CREATE TABLE b (id int);"
pgm up
expect_rc 6
expect_contains "$ERR" "000001"
expect_eq "$(user_tables)" "" "nothing ran with invalid files"
reset

# ---------------------------------------------------------------- a refused connection on this machine
REFUSED="postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/${DB}?sslmode=disable"
HINT_SERVICE="service $WIN_SERVICE ($WIN_SERVICE_DISPLAY) is Stopped: run \`Start-Service $WIN_SERVICE\` as Administrator"
pgm --database "$REFUSED" up
expect_rc 5
expect_contains "$ERR" "error: could not connect to the database"
expect_contains "$ERR" "Connection refused"
expect_contains "$ERR" "127.0.0.1:1" "the target"
expect_contains "$ERR" "HINT: is PostgreSQL running? service " "service hint"
expect_contains "$ERR" "$HINT_SERVICE (or \`pgmigrate service start $WIN_SERVICE\`)" "service hint"
expect_not_contains "$ERR$OUT" "$PG_PASSWORD" "refused connection output"
pgm --database "$REFUSED" status --json
expect_rc 5
expect_eq "$(jget error code)" connection
expect_eq "$(jget error exit_code)" 5
expect_contains "$(jget error hint)" "$HINT_SERVICE" "json hint"
expect_not_contains "$OUT$ERR" "$PG_PASSWORD" "refused connection json"
# the same on the machine without PostgreSQL: no service to name (libpq from --pg-bin)
pgm_bare --pg-bin "$(winpath "$WIN_DDRIVE/Program Files/PostgreSQL/18/bin")" --database "$REFUSED" up
expect_rc 5
expect_contains "$ERR" "could not connect to the database"
expect_contains "$ERR" "on Windows, the PostgreSQL service" "hint without a service"
expect_not_contains "$ERR" "$WIN_SERVICE" "bare machine hint"

# ---------------------------------------------------------------- service list
pgm service list
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -c .)" 3 "three service lines"
expect_eq "$(printf '%s\n' "$OUT" | grep "^$WIN_SERVICE " | tr -s ' ')" "$WIN_SERVICE Stopped $WIN_SERVICE_DISPLAY" "service list"
expect_contains "$OUT" "postgresql-x64-17 " "service list"
expect_contains "$OUT" "postgresql-x64-16 " "service list"
pgm service
expect_rc 0
expect_contains "$OUT" "$WIN_SERVICE" "service (list by default)"
pgm service list --json
expect_rc 0
expect_eq "$(jfield 'o["event"]')" services
expect_eq "$(jfield '[(s["name"], s["state"], s["display_name"]) for s in o["services"] if s["name"] == "'"$WIN_SERVICE"'"]')" \
    "[('$WIN_SERVICE', 'Stopped', '$WIN_SERVICE_DISPLAY')]" "service list --json"
expect_eq "$(jfield 'sorted(s["name"] for s in o["services"])')" "['postgresql-x64-16', 'postgresql-x64-17', '$WIN_SERVICE']" "service names"
pgm_bare service list
expect_rc 0
expect_eq "$OUT" "no PostgreSQL service is installed on this machine" "service list without PostgreSQL"
pgm service frobnicate
expect_rc 2
expect_contains "$ERR" "usage: pgmigrate service [list | start [NAME]]"

# ---------------------------------------------------------------- service start
# A service that does not exist: wine's service manager says so.
pgm service start postgresql-x64-99
expect_rc 1
expect_contains "$ERR" "error: could not start service postgresql-x64-99"
expect_contains "$ERR" "DETAIL: " "the Windows reason"
# The stopped one. Its program (notepad) is no service: under wine the start times out after
# a few seconds (error 1053) or, with another wine, might start. Either outcome must be a
# clear message (and an exit code of pgmigrate's, not a crash).
started=$(date +%s)
pgm service start "$WIN_SERVICE"
echo "service start $WIN_SERVICE: exit $RC after $(($(date +%s) - started)) s: $OUT$ERR"
case "$RC" in
0) expect_eq "$OUT" "started service $WIN_SERVICE" "service start output" ;;
1)
    expect_contains "$ERR" "error: could not start service $WIN_SERVICE"$'\n'"DETAIL: " "service start error"
    expect_not_contains "$ERR" "Windows error " "a message, not just a number"
    ;;
*)
    case "$ERR" in
    *"access denied starting service $WIN_SERVICE"*"HINT: "*"Start-Service $WIN_SERVICE"*) CHECKS=$((CHECKS + 1)) ;;
    *) show >&2; fail "service start: unexpected exit $RC" ;;
    esac
    ;;
esac
pgm service list --json
expect_rc 0
expect_eq "$(jfield 'sorted(s["name"] for s in o["services"])')" "['postgresql-x64-16', 'postgresql-x64-17', '$WIN_SERVICE']" "service list after start"
