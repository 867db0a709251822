#!/usr/bin/env bash
# Durable at return: every migration `up` reported is there after the server is
# killed (pg_ctl stop -m immediate: no shutdown checkpoint, WAL replay on restart)
# right after `up` returns. All but the last commit of a batch are asynchronous;
# the last one's synchronous commit must flush them all. Uses its own server
# (fsync on) so the shared fixture is not disturbed.
. "$(dirname "$0")/lib.sh"

chmod 755 "$WORK"
PGDIR="$WORK/pgdur"
PGM_PG_FSYNC=on bash "$PGM_SRC/scripts/pg.sh" start "$PGDIR" --bin "$PG_BIN" >/dev/null
on_exit 'bash "$PGM_SRC/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1'
DPORT=$(. "$PGDIR/pg.env"; echo "$PGPORT")
OSUSER=$(. "$PGDIR/pg.env"; echo "$PGM_PG_OSUSER")
export DATABASE_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${DPORT}/postgres?sslmode=disable"
dq() { PGPASSWORD=$PG_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$DPORT" -U postgres -d postgres -c "$1"; }
ctl() {
    if [ -n "$OSUSER" ]; then (cd / && runuser -u "$OSUSER" -- "$PG_BIN/pg_ctl" "$@"); else "$PG_BIN/pg_ctl" "$@"; fi
}

# a lazy WAL writer: asynchronous commits then stay unflushed for seconds, so
# only a synchronous final commit can save the tail of a run (without this the
# writer, woken by each async commit, flushes within milliseconds and the test
# could not tell a durable run from a lucky one)
dq "ALTER SYSTEM SET wal_writer_delay = '10s'" >/dev/null
dq "ALTER SYSTEM SET wal_writer_flush_after = '1GB'" >/dev/null
dq "SELECT pg_reload_conf()" >/dev/null

printf -- '-- durability log\nCREATE TABLE dlog (v int);\n' >migrations/000000_dlog.up.sql
for i in $(seq 1 40); do
    v=$(printf '%06d' "$i")
    printf -- '-- durability %s\nINSERT INTO dlog VALUES (%s);\n' "$i" "$i" >"migrations/${v}_d_$i.up.sql"
done

# crash_round ROUND REPORTED WANT [UP ARGS...]: pgmigrate up, and the moment it
# returns kill the server without a checkpoint (immediate) and start it again with
# the same options (restart reads postmaster.opts); up said REPORTED migrations
# applied, and version WANT with its rows must have survived
crash_round() {
    local round=$1 reported_want=$2 want=$3 reported
    shift 3
    pgm up "$@"
    expect_rc 0
    reported=$(printf '%s\n' "$OUT" | grep -c '^applied')
    ctl -D "$PGDIR/data" -m immediate -w -t 60 -l "$PGDIR/server.log" restart >/dev/null
    expect_eq "$reported" "$reported_want" "migrations reported in round $round"
    expect_eq "$(dq "SELECT version || '|' || dirty FROM schema_migrations")" "$want|false" "tracking row after the crash, round $round"
    expect_eq "$(dq "SELECT count(*) || '|' || max(v) FROM dlog")" "$want|$want" "rows of every reported migration, round $round"
}
crash_round 1 21 20 21
crash_round 2 20 40

# The same where the server's default is synchronous_commit = off: the commits
# that end a run must still be synchronous. Round 3 ends with a no-transaction
# migration (its final tracking update), round 4 with a file too large to hold
# (streamed: its own COMMIT).
dq "ALTER SYSTEM SET synchronous_commit = off" >/dev/null
dq "SELECT pg_reload_conf()" >/dev/null
printf -- '-- durability 41\nINSERT INTO dlog VALUES (41);\n' >migrations/000041_d_41.up.sql
printf -- '-- pgmigrate:no-transaction\n-- durability 42\nINSERT INTO dlog VALUES (42);\n' >migrations/000042_d_42.up.sql
{
    printf -- '-- durability 43: larger than the streaming threshold (16 MiB)\n/* '
    head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
    printf ' */\nINSERT INTO dlog VALUES (43);\n'
} >migrations/000043_d_43.up.sql
crash_round 3 2 42 2
expect_eq "$(dq "SHOW synchronous_commit")" "off" "server default in round 3"
crash_round 4 1 43
expect_eq "$(dq "SHOW synchronous_commit")" "off" "server default in round 4"

# A migration may turn synchronous commit off for the session (`SET
# synchronous_commit = off`): the commit that ends the run must still be
# synchronous, whether it is the batch's last transaction (round 5), the final
# tracking update of a no-transaction migration after it (round 6) or a
# streamed file's COMMIT after it (round 7).
dq "ALTER SYSTEM RESET synchronous_commit" >/dev/null
dq "SELECT pg_reload_conf()" >/dev/null
off_mig() { printf -- 'SET synchronous_commit = off;\nINSERT INTO dlog VALUES (%s);\n' "$1" >"migrations/0000$1_off_$1.up.sql"; }
off_mig 44
off_mig 45
crash_round 5 2 45
expect_eq "$(dq "SHOW synchronous_commit")" "on" "server default in round 5"
off_mig 46
printf -- '-- pgmigrate:no-transaction\nINSERT INTO dlog VALUES (47);\n' >migrations/000047_d_47.up.sql
crash_round 6 2 47
off_mig 48
{
    printf -- '-- durability 49: streamed after a session SET off\n/* '
    head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
    printf ' */\nINSERT INTO dlog VALUES (49);\n'
} >migrations/000049_d_49.up.sql
crash_round 7 2 49

# Round 8: an immediate stop in the middle of a batch. 50 to 52 commit
# asynchronously and are reported applied with "durable": false; 53 waits for a
# lock the test holds; the test stops the server once `started` of 53 has come.
# The error names 50 to 52 as possibly lost; no event said durable: true of a
# migration that is missing; the database is consistent and a rerun finishes.
dq "CREATE TABLE gate (x int)" >/dev/null
for i in 50 51 52 54; do
    printf -- 'INSERT INTO dlog VALUES (%s);\n' "$i" >"migrations/0000${i}_d_$i.up.sql"
done
printf -- 'SELECT count(*) FROM public.gate;\nINSERT INTO dlog VALUES (53);\n' >migrations/000053_d_53.up.sql
coproc HOLD { PGPASSWORD=$PG_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$DPORT" -U postgres -d postgres 2>/dev/null; }
echo 'BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE; \echo locked' >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}" || fail "the test could not lock gate"
expect_eq "$line" "locked" "the test's lock"
JS="$WORK/r8.json"
: >"$JS"
# stdout through a pipe: the progress notices are on, so events come as each migration commits
"$PGM_BIN" --json up > >(cat >"$JS") 2>"$WORK/r8.err" &
UPPID=$!
for _ in $(seq 600); do
    grep -q '"event":"started","version":53' "$JS" && break
    sleep 0.1
done
grep -q '"event":"started","version":53' "$JS" || fail "53 never started: $(cat "$JS" "$WORK/r8.err")"
ctl -D "$PGDIR/data" -m immediate -w -t 60 -l "$PGDIR/server.log" restart >/dev/null
set +e; wait "$UPPID"; RC=$?; set -e
kill "$HOLD_PID" 2>/dev/null || true
sleep 0.2 # let the pipe's cat write the file
OUT=$(cat "$JS"); ERR=$(cat "$WORK/r8.err")
expect_rc 5
for v in 50 51 52; do
    expect_eq "$(printf '%s\n' "$OUT" | grep "\"event\":\"applied\",\"version\":$v," | grep -c '"durable":false')" 1 "applied $v reported not yet durable"
done
expect_contains "$(jget error detail)" "the 3 migrations migrations/000050_d_50.up.sql to migrations/000052_d_52.up.sql were reported applied, committed asynchronously" "error detail"
expect_contains "$(jget error detail)" "they may be lost" "error detail"
have=$(dq "SELECT max(v) FROM dlog")
expect_eq "$(dq "SELECT version || '|' || dirty || '|' || (SELECT count(*) FROM dlog) FROM schema_migrations")" "$have|false|$have" "consistent after the crash"
for v in $(printf '%s\n' "$OUT" | grep '"durable":true' | sed -E 's/.*"version":([0-9]+),.*/\1/'); do
    expect_eq "$(dq "SELECT count(*) FROM dlog WHERE v = $v")" 1 "$v, reported durable, after the crash"
done
pgm up
expect_rc 0
expect_eq "$(dq "SELECT version || '|' || dirty || '|' || (SELECT count(*) || '|' || count(DISTINCT v) FROM dlog) FROM schema_migrations")" "54|false|54|54" "after the rerun"
