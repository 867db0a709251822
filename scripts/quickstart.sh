#!/usr/bin/env bash
# quickstart.sh - set up and run pgmigrate's main job on a fresh machine:
#   1. install what the build needs (scripts/deps.sh),
#   2. build pgmigrate (build/release/pgmigrate),
#   3. use DATABASE_URL (environment or .env) when it answers; otherwise start a
#      private PostgreSQL under .pgdata/ on a free 127.0.0.1 port (the same port as
#      last time when it is free) as an unprivileged user, with fsync=off (a throwaway
#      dev server; PGM_PG_FSYNC=on turns it on), and create the database "ecommerce",
#   4. pgmigrate up on migrations/, then pgmigrate status.
# The private server keeps running so you can try more commands; stop it with
#   scripts/pg.sh stop .pgdata        (or run: scripts/quickstart.sh --stop)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
if [ "${1:-}" = "--stop" ]; then
    exec bash scripts/pg.sh stop "$REPO/.pgdata"
fi
t() { echo "--- $* ($(date -u +%H:%M:%S))"; }

t "installing build dependencies"
bash scripts/deps.sh

t "building"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DPGM_TESTS=OFF >/dev/null
cmake --build build/release -j 2 >/dev/null
PGM="$REPO/build/release/pgmigrate"
"$PGM" --version

reachable=0
if [ -n "${DATABASE_URL:-}" ] || { [ -f .env ] && grep -qE '^\s*(export\s+)?DATABASE_URL=' .env; }; then
    if "$PGM" version >/dev/null 2>&1; then
        reachable=1
        t "using the configured DATABASE_URL"
    else
        t "the configured DATABASE_URL does not answer: starting a private PostgreSQL instead"
    fi
fi
if [ "$reachable" = 0 ]; then
    t "starting a private PostgreSQL in .pgdata"
    # the port of the last start, kept across restarts so that a .env made from
    # .pgdata/quickstart.env goes on working; another one only when it is taken
    port_args=()
    if [ -f "$REPO/.pgdata/port" ]; then
        last_port=$(cat "$REPO/.pgdata/port")
        if [[ $last_port =~ ^[0-9]+$ ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$last_port") 2>/dev/null; then
            port_args=(--port "$last_port")
        else
            t "port $last_port (the last start's) is taken: another one, so update your .env"
        fi
    fi
    if ! bash scripts/pg.sh start "$REPO/.pgdata" "${port_args[@]}" >/dev/null; then
        [ ${#port_args[@]} -gt 0 ] || exit 1
        t "could not start on port $last_port: another one, so update your .env"
        bash scripts/pg.sh start "$REPO/.pgdata" >/dev/null
    fi
    # shellcheck disable=SC1091
    . "$REPO/.pgdata/pg.env"
    if ! PGPASSWORD=$PGM_TEST_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
            -c "SELECT 1 FROM pg_database WHERE datname = 'ecommerce'" | grep -q 1; then
        PGPASSWORD=$PGM_TEST_PASSWORD psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "CREATE DATABASE ecommerce"
    fi
    export DATABASE_URL="postgres://postgres:${PGM_TEST_PASSWORD}@127.0.0.1:${PGPORT}/ecommerce?sslmode=disable"
    echo "$PGPORT" >"$REPO/.pgdata/port"
    unset PGHOST PGPORT PGUSER
fi

t "pgmigrate up"
"$PGM" up
t "pgmigrate status"
"$PGM" status
if [ "$reachable" = 0 ]; then
    echo
    printf 'DATABASE_URL=%s\n' "$DATABASE_URL" >"$REPO/.pgdata/quickstart.env"
    echo "The private PostgreSQL keeps running; its URL is in .pgdata/quickstart.env. Try:"
    echo "  build/release/pgmigrate --env-file .pgdata/quickstart.env down"
    echo "  build/release/pgmigrate --env-file .pgdata/quickstart.env status"
    echo "Stop it with: scripts/quickstart.sh --stop"
fi
