#!/usr/bin/env bash
# A client that pauses is not a dead link: while pgmigrate's output is not
# read (piped into a pager, Ctrl-S, Ctrl-Z), its session sits idle waiting
# for it, but pgmigrate is not waiting for the server, so the link watchdog
# (src/engine/watchdog.c) must leave the run alone. The test blocks
# pgmigrate's stdout with a reader of its own that reads nothing until the
# server has shown the session idle in ClientRead well past the watchdog's
# limit (PGMIGRATE_WATCHDOG_IDLE=2, the test and tuning knob), then lets it
# read: the run must finish with everything applied.
. "$(dirname "$0")/lib.sh"

N=600
for i in $(seq 1 $N); do
    printf 'CREATE TABLE t%d (x int);\n' "$i" >"migrations/$(printf '%06d' "$i")_t$i.up.sql"
done
mig 000601 notx "-- pgmigrate:no-transaction
CREATE TABLE t601 (x int);"

mkfifo "$WORK/go"
# the reader opens the go fifo first: until the test opens it for writing,
# nothing reads pgmigrate's output and its pipe fills up
(
    set +e
    PGMIGRATE_WATCHDOG_IDLE=2 timeout 300 "$PGM_BIN" --json up 2>"$WORK/up.err" |
        { read -r _ <"$WORK/go"; cat >"$WORK/up.json"; }
    echo "${PIPESTATUS[0]}" >"$WORK/up.rc"
) &
UP=$!
on_exit "kill $UP 2>/dev/null"

# wait until the server has shown the session idle waiting for pgmigrate for
# 3 times the limit (the watchdog checks every 0.5 s from 1 s on)
SEEN=0 PRESENT=0
END=$((SECONDS + 90))
while [ "$SECONDS" -lt "$END" ]; do
    S=$(q "SELECT coalesce(max(CASE WHEN state LIKE 'idle%' AND wait_event = 'ClientRead'
                AND state_change < clock_timestamp() - interval '6 s' THEN 2 ELSE 1 END), 0)
           FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgmigrate'")
    [ "$S" = 2 ] && { SEEN=1; break; }
    [ "$S" = 1 ] && PRESENT=1
    [ "$S" = 0 ] && [ "$PRESENT" = 1 ] && break # the session ended
    sleep 0.1
done
echo go >"$WORK/go"
wait "$UP" || true
RC=$(cat "$WORK/up.rc")
OUT=$(cat "$WORK/up.json"); ERR=$(cat "$WORK/up.err")
[ "$SEEN" = 1 ] || { show >&2; fail "the session was never seen idle for 6 s while the output was blocked"; }
expect_rc 0
expect_eq "$(tracked)" "601|f" "tracking row"
expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")" 601 "tables made"
expect_not_contains "$ERR" "stopped responding" "stderr"
