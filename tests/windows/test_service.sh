#!/usr/bin/env bash
# `pgmigrate.exe service start` with services that really start or fail (service-standin.c
# as their program): postgresql-x64-17 reports START_PENDING, then RUNNING; postgresql-x64-16
# stops while starting with exit code 1, as pg_ctl runservice does when the server cannot
# start. pgmigrate waits for RUNNING before it says "started", and says why a service stopped.
# A refused connection's hint then calls the running service's port into question.
# This test owns postgresql-x64-16 and -17 (test_errors.sh owns postgresql-x64-18).
. "$(dirname "$0")/lib.sh"

# the state of one service, from `service list --json`
state() {
    pgm service list --json
    expect_rc 0
    jfield '([s["state"] for s in o["services"] if s["name"] == "'"$1"'"] or ["(not listed)"])[0]'
}

# wine stops the services of a prefix when its last ordinary process ends: keep one running
# while this test runs (it ends by itself after 5 minutes at the latest)
wine "$WIN_MAIN/drive_c/pgm/service-standin.exe" --hold 300 >/dev/null 2>&1 &
HOLD=$!
on_exit "WINEPREFIX='$WIN_MAIN' wine sc stop postgresql-x64-17 >/dev/null 2>&1"
on_exit "kill $HOLD 2>/dev/null; wait $HOLD 2>/dev/null"

expect_eq "$(state postgresql-x64-17)" Stopped "postgresql-x64-17 before"

# ---------------------------------------------------------------- a service that starts
pgm service start postgresql-x64-17
expect_rc 0
expect_eq "$OUT" "started service postgresql-x64-17"
expect_eq "$ERR" "" "service start stderr"
# "started" means running, not start-pending
expect_eq "$(state postgresql-x64-17)" Running "postgresql-x64-17 right after service start"
pgm service list
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | grep '^postgresql-x64-17 ' | tr -s ' ')" \
    "postgresql-x64-17 Running postgresql-x64-17 - PostgreSQL Server 17" "service list"
# starting a running service is no error
pgm service start postgresql-x64-17 --json
expect_rc 0
expect_eq "$(jfield '(o["event"], o["name"])')" "('service_started', 'postgresql-x64-17')" "service start --json"

# a refused connection while it runs: check the port
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/${DB}?sslmode=disable" up
expect_rc 5
expect_contains "$ERR" "service postgresql-x64-17 (postgresql-x64-17 - PostgreSQL Server 17) is Running: check the port in DATABASE_URL" "hint for a running service"
expect_contains "$ERR" "service postgresql-x64-16 (postgresql-x64-16 - PostgreSQL Server 16) is Stopped: run \`Start-Service postgresql-x64-16\` as Administrator" "hint for a stopped service"
expect_not_contains "$ERR$OUT" "$PG_PASSWORD"

# ---------------------------------------------------------------- a service that stops while starting
pgm service start postgresql-x64-16
expect_rc 1
expect_contains "$ERR" "error: could not start service postgresql-x64-16"$'\n'"DETAIL: the service stopped while starting, exit code 1"
expect_eq "$(state postgresql-x64-16)" Stopped "postgresql-x64-16 after its failed start"
pgm service start postgresql-x64-16 --json
expect_rc 1
expect_eq "$(jget error exit_code)" 1
expect_contains "$(jget error detail)" "the service stopped while starting, exit code 1" "json detail"

# ---------------------------------------------------------------- stopped again
WINEPREFIX=$WIN_MAIN wine sc stop postgresql-x64-17 >/dev/null
for _ in $(seq 1 240); do   # a guard of 60 s: wine is slow on a busy machine
    [ "$(state postgresql-x64-17)" = Stopped ] && break
    sleep 0.25
done
expect_eq "$(state postgresql-x64-17)" Stopped "postgresql-x64-17 after sc stop"
