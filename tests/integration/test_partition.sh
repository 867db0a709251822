#!/usr/bin/env bash
# A silent network partition: the connection stops carrying data without
# closing (bench/delayproxy.c, frozen by SIGUSR1: to both ends it stays up).
# `up` must end with a clear error within the documented bound (about 30 s),
# the server session it leaves must not keep the migration lock (a rerun
# succeeds without clean-up), and while it holds the lock, the lock-wait
# report and `doctor` say its client is probably gone and how to end it.
. "$(dirname "$0")/lib.sh"

cc -O2 -o "$WORK/delayproxy" "$PGM_SRC/bench/delayproxy.c" || fail "could not build bench/delayproxy.c"
PPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$WORK/delayproxy" "$PPORT" "$PG_PORT" 0 2>"$WORK/proxy.log" &
PROXY=$!
on_exit "kill $PROXY 2>/dev/null"
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PPORT), 1)" 2>/dev/null && break
    sleep 0.1
done
DIRECT=$DATABASE_URL
PROXIED="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PPORT}/${DB}?sslmode=disable"

q "CREATE TABLE gate (x int); CREATE TABLE plog (v int)"
mig 000001 one 'INSERT INTO plog VALUES (1);'
mig 000002 two 'SELECT count(*) FROM public.gate; INSERT INTO plog VALUES (2);'
mig 000003 three 'INSERT INTO plog VALUES (3);'

# the test's session holds gate until the proxy is frozen: 2 waits for it
coproc HOLD { PGPASSWORD=$PG_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" 2>&1; }
echo 'BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE; \echo locked' >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}" || fail "the test could not lock gate"
expect_eq "$line" locked "the test's lock"

JS="$WORK/up.json"
: >"$JS"
START=$(date +%s)
# `timeout` only guards the test against a hang far above the bound
DATABASE_URL=$PROXIED timeout 150 "$PGM_BIN" --json up > >(cat >"$JS") 2>"$WORK/up.err" &
UP=$!
for _ in $(seq 600); do
    grep -q '"event":"started","version":2' "$JS" && break
    sleep 0.1
done
grep -q '"event":"started","version":2' "$JS" || fail "2 never started: $(cat "$JS" "$WORK/up.err")"
kill -USR1 "$PROXY"
# the signal is asynchronous: release the lock only once the proxy says it froze
for _ in $(seq 600); do
    grep -q 'delayproxy: frozen' "$WORK/proxy.log" && break
    sleep 0.1
done
grep -q 'delayproxy: frozen' "$WORK/proxy.log" || fail "the proxy never froze: $(cat "$WORK/proxy.log")"
# the lock goes: the server finishes the batch and its answer stays in the frozen proxy
echo 'COMMIT; \echo released' >&"${HOLD[1]}"
read -r -t 60 line <&"${HOLD[0]}" || fail "the test could not release gate"
HOLDER=$(q "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
[ -n "$HOLDER" ] || fail "nobody holds the migration lock"

# while the stranded session holds the lock, idle for 10 s or more: a second
# run (direct) and doctor say its client is probably gone
for _ in $(seq 300); do
    [ "$(q "SELECT state_change < clock_timestamp() - interval '10.5 s' FROM pg_stat_activity WHERE pid = $HOLDER")" = t ] && break
    sleep 0.1
done
pgm up --lock-timeout 0.5
expect_rc 4
expect_contains "$ERR" "held by pid $HOLDER" "lock-wait report"
expect_contains "$ERR" "its client is probably gone" "lock-wait report"
expect_contains "$ERR" "SELECT pg_terminate_backend($HOLDER)" "lock-wait report"
pgm --json doctor
expect_contains "$OUT" "its client is probably gone" "doctor"

set +e; wait "$UP"; RC=$?; set -e
ELAPSED=$(( $(date +%s) - START ))
OUT=$(cat "$JS"); ERR=$(cat "$WORK/up.err")
expect_rc 5
[ "$ELAPSED" -le 60 ] || fail "up took $ELAPSED s to notice the partition (bound: about 30 s)"
expect_eq "$(jget error message)" "the connection to the server stopped responding" "error"
expect_contains "$(jget error detail)" "had been idle" "error detail"
expect_contains "$(jget error detail)" "pg_terminate_backend" "error detail"
echo "partition noticed after ${ELAPSED} s"

# the stranded session is gone with its lock: a rerun (through the proxy,
# which forwards new connections) finishes without clean-up
expect_eq "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $HOLDER")" 0 "the stranded session"
DATABASE_URL=$PROXIED pgm up --lock-timeout 5
expect_rc 0
expect_eq "$(tracked)" "3|f" "tracking row after the rerun"
expect_eq "$(q "SELECT string_agg(v::text, ',' ORDER BY v) FROM plog")" "1,2,3" "each migration once"
