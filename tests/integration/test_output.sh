#!/usr/bin/env bash
# What a person or a pipeline sees while migrations run: "applied" lines (and
# JSON events) arrive through a pipe while a batch still runs, not all at its
# end (to a file, where nobody watches, at its end); on a terminal a progress
# bar and colours, which --no-color and NO_COLOR turn off; durations in ms or s.
. "$(dirname "$0")/lib.sh"

# six migrations in one batch; the fourth waits at the gate (lib.sh) as long as the test keeps it closed
for i in 1 2 3 5 6; do mig "00000$i" "quick_$i" "-- quick $i
SELECT $i;" "SELECT -$i;"; done
mig 000004 slow "-- slow
$GATE_SQL" "SELECT -4;"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_lines FILE PATTERN N PID SECONDS: N lines of FILE match PATTERN while PID runs
wait_lines() {
    local t=0
    CHECKS=$((CHECKS + 1))
    while [ "$t" -lt $(($5 * 20)) ]; do
        kill -0 "$4" 2>/dev/null || fail "the run ended before $3 lines matched [$2]: $(cat "$1")"
        if [ "$(grep -c -- "$2" "$1" || true)" -ge "$3" ]; then return 0; fi
        sleep 0.05
        t=$((t + 1))
    done
    fail "after ${5}s, fewer than $3 lines of $1 match [$2]: $(cat "$1")"
}

# JSON events stream through a pipe (as to PowerShell): the three before the slow one while it waits
gate_close
"$PGM_BIN" --json --table out_json up 2>"$WORK/json.err" | cat >"$WORK/json.out" &
pid=$!
wait_lines "$WORK/json.out" '"event":"started","version":4,' 1 "$pid" 60
expect_eq "$(grep -c '"event":"applied"' "$WORK/json.out")" 3 "events while the slow migration runs"
expect_eq "$(grep -o '"event":"[a-z]*","version":[0-9]*' "$WORK/json.out" | tail -n 1)" '"event":"started","version":4' \
    "the last event while it runs: the slow one started"
# the slow one is held at least from the moment the test sees it wait until the gate opens:
# its duration (server clock) is at least that long, however busy the machine
wait_for "migration 4 to wait at the gate" 60 gate_has_waiter
held_from=$(now_ms)
sleep 1   # only lengthens the hold; nothing races it
held_ms=$(($(now_ms) - held_from))
gate_open
set +e; wait "$pid"; RC=$?; set -e
OUT=$(cat "$WORK/json.out"); ERR=$(cat "$WORK/json.err")
expect_rc 0
expect_eq "$(grep -c '"event":"applied"' "$WORK/json.out")" 6 "events at the end"
slow_ms=$(grep '"event":"applied","version":4,' "$WORK/json.out" | sed 's/.*"duration_ms":\([0-9.]*\).*/\1/')
expect_eq "$(awk -v d="$slow_ms" -v h="$held_ms" 'BEGIN { print (d >= h) ? "ok" : d " < " h }')" ok "server-clock duration of the slow one"
expect_not_contains "$OUT$ERR" "progress" "output (the server's progress notice stays quiet)"

# human lines through a pipe: the same (held over a second: its duration reads in seconds)
gate_close
"$PGM_BIN" --table out_pipe up 2>"$WORK/pipe.err" | cat >"$WORK/pipe.out" &
pid=$!
wait_lines "$WORK/pipe.out" '^applied ' 3 "$pid" 60
wait_for "migration 4 to wait at the gate" 60 gate_has_waiter
sleep 1.2   # only lengthens the hold
gate_open
wait "$pid"
OUT=$(cat "$WORK/pipe.out"); ERR=$(cat "$WORK/pipe.err")
expect_eq "$(grep -c '^applied ' "$WORK/pipe.out")" 6 "lines at the end"
CHECKS=$((CHECKS + 1))
grep -Eq '^applied  000004_slow \([0-9]\.[0-9]{2} s\)$' "$WORK/pipe.out" || fail "a duration in seconds: $OUT"
CHECKS=$((CHECKS + 1))
grep -Eq '^applied  000001_quick_1 \([0-9.]+ ms\)$' "$WORK/pipe.out" || fail "a duration in ms: $OUT"
expect_not_contains "$OUT$ERR" $'\033' "output to a pipe (no colour, no bar)"

# output to a file, no terminal: nobody watches, so no progress notices (they cost 3% of a
# batch of one-line migrations) and the lines come when the batch ends
gate_close
"$PGM_BIN" --table out_file up >"$WORK/file.out" 2>"$WORK/file.err" </dev/null &
pid=$!
wait_for "migration 4 to wait at the gate" 60 gate_has_waiter
expect_eq "$(grep -c '^applied ' "$WORK/file.out" || true)" 0 "lines in the file while the batch runs (1 to 3 done)"
gate_open
wait "$pid"
expect_eq "$(grep -c '^applied ' "$WORK/file.out")" 6 "lines in the file at the end"

# a terminal (script gives the command a pseudo-terminal): colours and a bar
onterm() {  # onterm ENV... -- ARGS...: run pgmigrate on a terminal, all output in $OUT
    local envs=() cmd
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    printf -v cmd '%q ' "$PGM_BIN" "$@"
    set +e
    OUT=$(env "${envs[@]}" script -qec "$cmd" /dev/null </dev/null)
    RC=$?
    set -e
    ERR=
}
onterm TERM=xterm -- --table out_tty up
expect_rc 0
expect_contains "$OUT" $'\033[32mapplied' "terminal output (green 'applied')"
expect_contains "$OUT" '] 3/6 running 000004_slow' "terminal output (progress bar naming the running migration)"
expect_contains "$OUT" $'\r\033[K' "terminal output (the bar is cleared before a line)"
expect_contains "$OUT" '000006_quick_6' "terminal output"

onterm TERM=xterm -- --no-color --table out_tty down --all
expect_rc 0
expect_not_contains "$OUT" $'\033[3' "--no-color output"
expect_contains "$OUT" '] 3/6' "--no-color output (the bar stays)"
expect_contains "$OUT" 'reverted 000001_quick_1' "--no-color output"

onterm TERM=xterm NO_COLOR=1 -- --table out_tty up
expect_rc 0
expect_not_contains "$OUT" $'\033[3' "NO_COLOR output"
expect_contains "$OUT" 'applied  000006_quick_6' "NO_COLOR output"

# fewer than five migrations: no bar
onterm TERM=xterm -- --table out_tty down 2
expect_rc 0
expect_not_contains "$OUT" '] 1/2' "output of a short run"
expect_contains "$OUT" $'\033[33mreverted' "terminal output (yellow 'reverted')"

# PL/pgSQL there but not usable by this role (REVOKE USAGE ... FROM PUBLIC, a hardening
# step): no DO block either, and the migrations run
ROLE="pgm_noplpgsql_$$"
psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD 'limited-pw'" >/dev/null
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)' -c 'DROP ROLE IF EXISTS $ROLE' >/dev/null 2>&1"
q "REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC; GRANT CREATE ON SCHEMA public TO $ROLE; GRANT CREATE ON DATABASE \"$DB\" TO $ROLE" >/dev/null
pgm --database "postgres://$ROLE:limited-pw@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" --table out_limited up
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^applied ')" 6 "migrations applied by a role without USAGE on PL/pgSQL"

# without PL/pgSQL (dropped by its owner) no DO block is sent: the lines then
# come at the end of the batch, and everything still runs
q "DROP EXTENSION plpgsql" >/dev/null
pgm --table out_noplpgsql up
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^applied ')" 6 "migrations applied without PL/pgSQL"
