#!/usr/bin/env bash
# validate --offline and lint, no database, over hostile files (issue 15):
# a NUL byte, UTF-16, Latin-1, a link to /dev/zero, a FIFO (also as .env;
# a pipe named with --env-file is read)
# and a file name that is not UTF-8 are each refused with the file (and
# line:col where there is one), at once (`timeout 60` only guards against a
# hang); JSON output stays valid UTF-8 JSON; a finding on a 1 MiB line
# shows an excerpt of it, not the line.
. "$(dirname "$0")/lib.sh"

expect_rc() { CHECKS=$((CHECKS + 1)); [ "$RC" = "$1" ] || fail "expected exit $1, got $RC"; }
has() { CHECKS=$((CHECKS + 1)); grep -qF -- "$1" <<<"$OUT" || fail "output lacks [$1]"; }
# hrun ARGS...: run under the guard; 124 or 137 means it hung
hrun() {
    set +e
    OUT=$(timeout -k 5 60 "$PGM_BIN" "$@" 2>&1)
    RC=$?
    set -e
    [ "$RC" -lt 124 ] || fail "pgmigrate $* hung"
}
json_ok() {
    CHECKS=$((CHECKS + 1))
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
for raw in sys.stdin.buffer.read().splitlines():
    if raw.strip():
        json.loads(raw.decode("utf-8"))
' || fail "not JSON lines of valid UTF-8"
}
# fresh FILE CONTENT...: a folder m with one good migration and FILE
fresh() {
    rm -rf m
    mkdir m
    printf -- 'CREATE TABLE IF NOT EXISTS a (x int);\n' >m/000001_a.up.sql
    printf -- 'DROP TABLE IF EXISTS a;\n' >m/000001_a.down.sql
}

fresh
printf 'SELECT 1;\nSELECT 2 \0;\n' >m/000002_nul.up.sql
for cmd in "validate --offline" lint; do
    # shellcheck disable=SC2086
    hrun --path m $cmd
    expect_rc 6
    has "m/000002_nul.up.sql:2:10: error: the file has a NUL byte"
done
hrun --path m --json validate --offline
json_ok
has '"code":"invalid_text","file":"m/000002_nul.up.sql","line":2,"column":10'

fresh
printf 'SELECT 1;\n' | iconv -f UTF-8 -t UTF-16 >m/000002_u16.up.sql
hrun --path m validate --offline
expect_rc 6
has "m/000002_u16.up.sql:1:1: error: the file is UTF-16, not UTF-8"
has "PowerShell 5.1"
hrun --path m lint
expect_rc 6
has "m/000002_u16.up.sql:1:1: error: the file is UTF-16, not UTF-8"

fresh
printf "SELECT 'caf\xe9';\n" >m/000002_latin1.up.sql
hrun --path m validate --offline
expect_rc 6
has "m/000002_latin1.up.sql:1:12: error: the file is not valid UTF-8"
has "byte 0xE9"
hrun --path m lint
expect_rc 6
has "m/000002_latin1.up.sql:1:12: error: the file is not valid UTF-8"
has "SELECT 'caf?';"

fresh
ln -s /dev/zero m/000002_zero.up.sql
for cmd in "validate --offline" lint; do
    # shellcheck disable=SC2086
    hrun --path m $cmd
    has "m/000002_zero.up.sql"
    has "it is a character device (such as /dev/zero), not a regular file"
done
fresh
mkfifo m/000002_fifo.up.sql
for cmd in "validate --offline" lint; do
    # shellcheck disable=SC2086
    hrun --path m $cmd
    has "it is a FIFO (named pipe), not a regular file"
done

fresh
ln -s /dev/zero .env
hrun --path m validate --offline
expect_rc 1
has 'could not read the env file ".env"'
has "character device"
rm .env
mkfifo .env
hrun --path m lint
expect_rc 1
has "FIFO"
rm .env
# a pipe named with --env-file is read (decrypt on the fly: --env-file <(sops -d .env.enc)),
# a device named with it is not, and a FIFO is no ./.env even when --env-file names another file
hrun --path m --env-file <(printf 'PGMIGRATE_TABLE=frompipe\n') env
expect_rc 0
has "frompipe"
set +e
OUT=$(printf 'PGMIGRATE_TABLE=fromstdin\n' | timeout -k 5 60 "$PGM_BIN" --path m --env-file /dev/stdin env 2>&1)
RC=$?
set -e
expect_rc 0
has "fromstdin"
hrun --path m --env-file /dev/zero env
expect_rc 1
has 'could not read the env file "/dev/zero"'
has "character device"
mkfifo .env
hrun --path m env
expect_rc 1
has "FIFO"
rm .env

fresh
printf 'SELECT 1;\n' >"m/000002_caf$(printf '\xe9').up.sql"
hrun --path m --json validate --offline
expect_rc 6
json_ok
has 'the file name is not valid UTF-8'
has '"file":"m/000002_caf\ufffd.up.sql"'
hrun --path m --json lint
json_ok

# a finding on a 1 MiB line: an excerpt around it
fresh
{ printf -- '-- '; head -c $((1024 * 1024)) /dev/zero | tr '\0' 'c'; printf ' end\nCREATE TABLE b (x int); -- '; \
  head -c $((1024 * 1024)) /dev/zero | tr '\0' 'd'; printf '\n'; } >m/000002_long.up.sql
hrun --path m lint
has "m/000002_long.up.sql:2:1: warning: CREATE TABLE b without IF NOT EXISTS"
has "CREATE TABLE b (x int); -- dddd"
[ ${#OUT} -lt 4096 ] || fail "lint printed ${#OUT} bytes for a finding on a 1 MiB line"
CHECKS=$((CHECKS + 1))
