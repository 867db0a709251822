#!/usr/bin/env bash
# bench/dotenv.sh - how long pgmigrate takes to read a large .env.
#
# Writes a .env of BENCH_KEYS keys (default 100,000, about 2.4 MB: KEY_n=value_n lines, every
# tenth key assigned twice so the last-wins path is taken too) into build/bench/dotenv and times
# `pgmigrate env` there (it reads the .env and connects to nothing), BENCH_RUNS times (default
# 5), printing the median and the largest in ms, next to an empty .env's. Reading is linear in
# the keys: twice the keys take about twice as long.
#
# Env: PGM_BIN (default: build/bench/pgmigrate, else build/ci/pgmigrate), BENCH_KEYS, BENCH_RUNS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${PGM_BIN:-}
if [ -z "$BIN" ]; then
    for b in "$ROOT/build/bench/pgmigrate" "$ROOT/build/ci/pgmigrate"; do
        if [ -x "$b" ]; then BIN=$b; break; fi
    done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "dotenv.sh: no pgmigrate built (set PGM_BIN)" >&2; exit 1; }
KEYS=${BENCH_KEYS:-100000}
RUNS=${BENCH_RUNS:-5}
DIR=$ROOT/build/bench/dotenv
mkdir -p "$DIR"
cd "$DIR"
unset DATABASE_URL PGMIGRATE_PATH PGMIGRATE_TABLE PGMIGRATE_LOCK_TIMEOUT

# time_env: the median and the largest of RUNS runs of `pgmigrate env`, in ms
time_env() {
    python3 - "$BIN" "$RUNS" <<'PY'
import subprocess, sys, time
binary, runs = sys.argv[1], int(sys.argv[2])
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([binary, "env"], check=True, stdout=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print("%.1f ms median, %.1f ms largest" % (ts[len(ts) // 2], ts[-1]))
PY
}

: >.env
empty=$(time_env)
python3 - "$KEYS" >.env <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    out.write("KEY_%d=value_%d\n" % (i, i))
for i in range(0, n, 10):
    out.write("KEY_%d=again_%d\n" % (i, i))
PY
size=$(wc -c <.env)
full=$(time_env)
echo "pgmigrate env, .env of $KEYS keys ($size bytes): $full; empty .env: $empty ($RUNS runs, $BIN)"
