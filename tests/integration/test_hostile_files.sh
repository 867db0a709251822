#!/usr/bin/env bash
# Hostile and broken migration files (issue 15, points 3, 8, 9 and 14):
# a NUL byte (in a normal and a no-transaction file) is refused with
# file:line:col before anything of the file runs, so no partial apply looks
# complete; a migration or .env that is a link to /dev/zero or a FIFO is
# refused at once instead of hanging (a pipe named with --env-file is read); a UTF-16 or Latin-1 file is named (not
# the migration before it) and nothing is logged against another version;
# a file name that is not UTF-8 is named and --json stays valid JSON.
# Streamed files: test_hostile_stream.sh.
# `timeout 60` only guards against a hang (a regression fails, not blocks).
. "$(dirname "$0")/lib.sh"

P="timeout -k 5 60 $PGM_BIN"
# hpgm ARGS...: pgm under the guard (124 or 137: it hung; SIGTERM alone did not end the old loops)
hpgm() {
    set +e
    $P "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}
# failed_rows V: the history rows that log a failure of version V
failed_rows() { q "SELECT count(*) FROM schema_migrations_history WHERE version = $1 AND outcome = 'failed'"; }
# every stdout line is JSON (python's parser; it refuses invalid UTF-8 too)
all_json() {
    CHECKS=$((CHECKS + 1))
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
for raw in sys.stdin.buffer.read().splitlines():
    if raw.strip():
        json.loads(raw.decode("utf-8"))
' || { show >&2; fail "stdout is not JSON lines of valid UTF-8"; }
}

mig 000001 a "CREATE TABLE a (x int);" "DROP TABLE a;"

# ---- a NUL byte in a normal file: refused at its place, nothing of the batch runs ----
printf 'CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\nINSERT INTO b VALUES (2) \0 ;\n' >migrations/000002_b.up.sql
printf 'DROP TABLE b;\n' >migrations/000002_b.down.sql
hpgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:3:26: error: the file has a NUL byte" "NUL: file:line:col"
expect_contains "$ERR" "nothing of the file was sent"
expect_not_contains "$ERR" "did not run every migration" "NUL: not the batch's message"
expect_eq "$(tracked)" "" "NUL: nothing applied"
expect_eq "$(user_tables)" "" "NUL: no table"
expect_eq "$(failed_rows 1)$(failed_rows 2)" "00" "NUL: nothing logged"
hpgm --json up
expect_rc 6
expect_eq "$(jget error file)" "migrations/000002_b.up.sql" "NUL: the JSON error's file"
expect_eq "$(jget error line):$(jget error column)" "3:26" "NUL: the JSON error's place"
hpgm validate --offline
expect_rc 6
expect_contains "$OUT" "migrations/000002_b.up.sql:3:26: error: the file has a NUL byte" "validate --offline"
hpgm lint
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:3:26: error: the file has a NUL byte" "lint"
hpgm verify 2
expect_contains "$OUT$ERR" "the file has a NUL byte" "verify"
# down: a NUL in a down file is refused before it runs
printf 'CREATE TABLE b (x int);\n' >migrations/000002_b.up.sql
hpgm up
expect_rc 0
printf 'DROP TABLE b;\0\nDROP TABLE a;\n' >migrations/000002_b.down.sql
hpgm down 1
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.down.sql:1:14: error: the file has a NUL byte" "down"
expect_eq "$(tracked)" "2|f" "down refused: still at 2"
table_exists b || fail "down refused: table b kept"
printf 'DROP TABLE b;\n' >migrations/000002_b.down.sql
hpgm down 1
expect_rc 0

# ---- a NUL byte in a no-transaction file: not cut into a plain table ----
printf -- '-- pgmigrate:no-transaction\nCREATE TABLE b3 (x int) \0 PARTITION BY RANGE (x);\n' >migrations/000002_b.up.sql
hpgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:2:25: error: the file has a NUL byte" "no-transaction NUL"
table_exists b3 && fail "a no-transaction file cut at its NUL made table b3"
expect_eq "$(tracked)" "1|f" "no-transaction NUL: not dirty, at 1"
expect_eq "$(failed_rows 2)" 0 "no-transaction NUL: nothing logged"

# ---- special files: refused at once, in up, validate and lint ----
rm migrations/000002_b.*
ln -s /dev/zero migrations/000002_zero.up.sql
for cmd in up validate lint; do
    hpgm $cmd
    [ "$RC" -lt 124 ] || fail "$cmd hung on a link to /dev/zero"
    expect_contains "$OUT$ERR" "000002_zero.up.sql" "/dev/zero ($cmd): the file"
    expect_contains "$OUT$ERR" "it is a character device (such as /dev/zero), not a regular file" "/dev/zero ($cmd)"
done
expect_eq "$(tracked)" "1|f" "/dev/zero: nothing ran"
rm migrations/000002_zero.up.sql
mkfifo migrations/000002_fifo.up.sql
for cmd in up validate lint; do
    hpgm $cmd
    [ "$RC" -lt 124 ] || fail "$cmd hung on a FIFO"
    expect_contains "$OUT$ERR" "it is a FIFO (named pipe), not a regular file" "FIFO ($cmd)"
done
rm migrations/000002_fifo.up.sql
# .env: a link to /dev/zero, or a FIFO (found in the folder, and through --env-file)
ln -s /dev/zero .env
hpgm status
[ "$RC" -lt 124 ] || fail "a .env linked to /dev/zero hung"
expect_rc 1
expect_contains "$ERR" "could not read the env file \".env\"" ".env -> /dev/zero"
expect_contains "$ERR" "character device" ".env -> /dev/zero"
rm .env
# a FIFO named with --env-file is read (decrypt on the fly: --env-file <(sops -d .env.enc)); the
# writer waits for pgmigrate's open, so nothing races; found as ./.env it is refused
mkfifo env.fifo
{ printf 'PGMIGRATE_TABLE=from_fifo\n' >env.fifo; } &
writer=$!
hpgm --env-file env.fifo env
[ "$RC" -lt 124 ] || fail "--env-file FIFO hung"
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
expect_rc 0
expect_contains "$OUT" "from_fifo" "--env-file FIFO: read"
mv env.fifo .env
hpgm status
expect_contains "$ERR" "FIFO" ".env FIFO"
rm .env

# ---- UTF-16 and Latin-1 in 000002: named, nothing logged for version 1 ----
hpgm down 1
expect_rc 0
expect_eq "$(tracked)" "" "back to nothing applied"
q "DELETE FROM schema_migrations_history" >/dev/null
printf 'CREATE TABLE b (x int);\r\n' | iconv -f UTF-8 -t UTF-16 >migrations/000002_b.up.sql   # with a BOM
hpgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:1:1: error: the file is UTF-16, not UTF-8" "UTF-16"
expect_contains "$ERR" "PowerShell 5.1" "UTF-16: says where it comes from"
expect_not_contains "$ERR" "000001_a" "UTF-16: not the migration before"
expect_eq "$(failed_rows 1)$(failed_rows 2)" "00" "UTF-16: nothing logged"
expect_eq "$(tracked)" "" "UTF-16: nothing applied"
printf -- "-- caf\xe9\nCREATE TABLE b (x int);\n" >migrations/000002_b.up.sql
hpgm up
expect_rc 6
expect_contains "$ERR" "migrations/000002_b.up.sql:1:7: error: the file is not valid UTF-8" "Latin-1"
expect_contains "$ERR" "byte 0xE9" "Latin-1: the byte"
expect_not_contains "$ERR" "000001_a" "Latin-1: not the migration before"
expect_eq "$(failed_rows 1)$(failed_rows 2)" "00" "Latin-1: nothing logged"
rm migrations/000002_b.up.sql

# ---- a file name that is not UTF-8: named, and --json stays JSON ----
printf 'CREATE TABLE n (x int);\n' >"migrations/000002_caf$(printf '\xe9').up.sql"
hpgm --json up
expect_rc 6
all_json
expect_contains "$OUT" 'the file name is not valid UTF-8' "bad name: the message"
expect_contains "$OUT" 'caf\\xE9' "bad name: the byte shown"
expect_not_contains "$OUT" "out of memory" "bad name: not out of memory"
hpgm up
expect_rc 6
expect_contains "$ERR" "000002_caf\\xE9.up.sql: the file name is not valid UTF-8" "bad name (text)"
table_exists n && fail "a file with a bad name ran"
CHECKS=$((CHECKS + 1))

# ---- the checksum cache as a FIFO: not read, not waited for (a cache is a convenience) ----
rm -f migrations/*
for i in $(seq 1 16); do mig "$(printf '%06d' "$i")" "m$i" "SELECT $i;"; done   # 16 files: the cache is used
hpgm up
expect_rc 0
hpgm --json env
cache=$(jget env checksum_cache)
case "$cache" in "$XDG_CACHE_HOME"/pgmigrate/*.sums) ;; *) fail "no checksum cache for this folder: [$cache]";; esac
mkdir -p "$(dirname "$cache")"
rm -f "$cache"
mkfifo "$cache"
hpgm status
[ "$RC" -lt 124 ] || fail "status hung on a FIFO as the checksum cache"
expect_rc 0
expect_contains "$OUT" "000016  m16" "status with a FIFO as the checksum cache"
expect_contains "$OUT" "version:  16" "status with a FIFO as the checksum cache"
