#!/usr/bin/env bash
# Fault injection: rounds of `pgmigrate --json up`, each cut at a random point
# by kill -9 of pgmigrate, an immediate stop of the server (pg_ctl -m
# immediate: no checkpoint, WAL replay on restart) or a connection reset (the
# proxy between them killed), over a folder that mixes transactional,
# no-transaction and streamed (> 16 MiB) migrations. The cut comes after the
# Nth JSON event pgmigrate writes (N random), not after a sleep. After each:
# the schema matches the tracking row, every migration ran at most once (each
# up migration logs a row), nothing reported applied with "durable": true is
# missing (nor anything reported applied at all, unless the server crashed),
# and a rerun finishes. The seed is printed: PGM_FAULT_SEED=N repeats a run.
# Uses its own server with a lazy WAL writer, so a crash really loses what was
# not flushed. fsync stays off (the fixtures' default): an immediate stop kills
# the server's processes, not the machine, so what PostgreSQL wrote to the OS
# survives it and what it held back (asynchronous commits) does not, as with
# fsync on, without a disk flush per commit (seconds a round on a busy machine).
. "$(dirname "$0")/lib.sh"

SEED=${PGM_FAULT_SEED:-$(( $(date +%s) % 100000 ))}
ROUNDS=${PGM_FAULT_ROUNDS:-24}
echo "fault injection: seed $SEED, $ROUNDS rounds (repeat with PGM_FAULT_SEED=$SEED)"

chmod 755 "$WORK"
PGDIR="$WORK/pgf"
bash "$PGM_SRC/scripts/pg.sh" start "$PGDIR" --bin "$PG_BIN" >/dev/null
on_exit 'bash "$PGM_SRC/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1'
FPORT=$(. "$PGDIR/pg.env"; echo "$PGPORT")
OSUSER=$(. "$PGDIR/pg.env"; echo "$PGM_PG_OSUSER")
PGPASSWORD=$PG_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$FPORT" -U postgres -d postgres \
    -c "ALTER SYSTEM SET wal_writer_delay = '10s'" -c "ALTER SYSTEM SET wal_writer_flush_after = '1GB'" \
    -c "SELECT pg_reload_conf()" >/dev/null

cc -O2 -o "$WORK/delayproxy" "$PGM_SRC/bench/delayproxy.c" || fail "could not build bench/delayproxy.c"
PPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# the folder: every up migration logs its version in flog; transactional ones
# also create t_<version>; every 4th is no-transaction (one statement: the log
# row says whether it ran); 14 is streamed; most take a little while, so that
# cuts land inside batches
for v in $(seq 1 24); do
    f=$(printf 'migrations/%06d_m%d.up.sql' "$v" "$v")
    if [ "$v" = 1 ]; then
        printf 'CREATE TABLE flog (v int NOT NULL, at timestamptz DEFAULT clock_timestamp());\nINSERT INTO flog (v) VALUES (1);\n' >"$f"
    elif [ "$v" = 14 ]; then
        {
            printf -- '-- streamed: larger than 16 MiB\nCREATE TABLE t_14 (x int);\n/* '
            head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
            printf ' */\nINSERT INTO flog (v) VALUES (14);\n'
        } >"$f"
    elif [ $((v % 4)) = 0 ]; then
        printf -- '-- pgmigrate:no-transaction\nINSERT INTO flog (v) VALUES (%d);\n' "$v" >"$f"
    else
        printf 'CREATE TABLE t_%d (x int);\nINSERT INTO t_%d SELECT g FROM generate_series(1, 2000) g;\nINSERT INTO flog (v) VALUES (%d);\n' \
            "$v" "$v" "$v" >"$f"
        [ $((v % 3)) != 0 ] && printf 'SELECT pg_sleep(0.1);\n' >>"$f"
    fi
done

export PGM_FAULT_PGDIR=$PGDIR PGM_FAULT_FPORT=$FPORT PGM_FAULT_PPORT=$PPORT PGM_FAULT_OSUSER=$OSUSER \
    PGM_FAULT_PROXY=$WORK/delayproxy PGM_FAULT_SEED=$SEED PGM_FAULT_ROUNDS=$ROUNDS PG_PASSWORD PG_BIN PGM_BIN
python3 - <<'PY' || fail "fault injection found a problem (seed $SEED)"
import json, os, random, signal, subprocess, sys, time

env = os.environ
rng = random.Random(int(env["PGM_FAULT_SEED"]))
pgdir, fport, pport = env["PGM_FAULT_PGDIR"], env["PGM_FAULT_FPORT"], env["PGM_FAULT_PPORT"]
osuser, pg_bin, pgm_bin = env["PGM_FAULT_OSUSER"], env["PG_BIN"], env["PGM_BIN"]
pw = env["PG_PASSWORD"]
NOTX = {v for v in range(1, 25) if v % 4 == 0}
db_seq = [0]
proxy = [None]

def psql(sql, db="postgres", port=None):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port or fport,
                        "-U", "postgres", "-d", db, "-c", sql], env=dict(env, PGPASSWORD=pw),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise SystemExit("psql failed: %s: %s" % (sql, r.stderr))
    return r.stdout.strip()

def ctl(*args):
    cmd = [pg_bin + "/pg_ctl"] + list(args)
    if osuser:
        cmd = ["runuser", "-u", osuser, "--"] + cmd
    subprocess.run(cmd, cwd="/", stdout=subprocess.DEVNULL, check=True, timeout=120)

def start_proxy():
    proxy[0] = subprocess.Popen([env["PGM_FAULT_PROXY"], pport, fport, "0"], stderr=subprocess.DEVNULL)
    import socket
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", int(pport)), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the proxy does not listen")

def new_db():
    # a fresh start: an empty public schema (DROP/CREATE DATABASE would cost
    # a checkpoint each, seconds with fsync on)
    if db_seq[0] == 0:
        psql('CREATE DATABASE faults')
    db_seq[0] += 1
    psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public", "faults")
    return "faults"

def url(db):
    return "postgres://postgres:%s@127.0.0.1:%s/%s?sslmode=disable" % (pw, pport, db)

def run_up(db, cut_after=None, action=None):
    """pgmigrate --json up; with cut_after, the fault after that many events"""
    p = subprocess.Popen([pgm_bin, "--json", "up", "--lock-timeout", "60"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=dict(env, DATABASE_URL=url(db)), text=True)
    events, cut = [], False
    for line in p.stdout:
        events.append(json.loads(line))
        if cut_after is not None and not cut and len(events) >= cut_after:
            cut = True
            if action == "kill":
                p.send_signal(signal.SIGKILL)
            elif action == "stop":
                # SIGQUIT to the postmaster at once (what -m immediate sends), then
                # pg_ctl waits for it and starts it again with the same options
                with open(pgdir + "/data/postmaster.pid") as f:
                    os.kill(int(f.readline()), signal.SIGQUIT)
                ctl("-D", pgdir + "/data", "-m", "immediate", "-w", "-t", "60", "-l", pgdir + "/server.log", "restart")
            elif action == "reset":
                proxy[0].kill()
                proxy[0].wait()
                start_proxy()
    err = p.stderr.read()
    rc = p.wait(timeout=120)
    return rc, events, cut, err

def snapshot(db, what):
    """one psql call: the tracking row, the log counts, the tables; once the
    cut run's server session is gone (it notices a vanished client within a
    second, and may still be finishing until then)"""
    def via_xml(table, sql):
        return ("CASE WHEN to_regclass('public.%s') IS NOT NULL THEN (xpath('//s/text()', ('<r>' || "
                "query_to_xml('%s', false, true, '')::text || '</r>')::xml))[1]::text END") % (table, sql.replace("'", "''"))
    sql = ("SELECT json_build_object('busy', (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
           "AND pid <> pg_backend_pid() AND backend_type = 'client backend'), "
           "'state', " + via_xml("schema_migrations", "SELECT version || '|' || dirty AS s FROM public.schema_migrations") + ", "
           "'log', " + via_xml("flog", "SELECT string_agg(v || ':' || c, ',') AS s FROM (SELECT v, count(*) c FROM public.flog GROUP BY v) x") + ", "
           "'tables', (SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't\\_%'))")
    for _ in range(300):
        o = json.loads(psql(sql, db))
        if o["busy"] == 0:
            return o
        time.sleep(0.05)
    raise SystemExit("%s: the cut run's session never ended" % what)

def check(db, events, crashed, what):
    o = snapshot(db, what)
    v, dirty = -1, False
    if o["state"]:
        a, b = o["state"].split("|")
        v, dirty = int(a), b == "true"
    logged = {}
    for item in (o["log"] or "").split(","):
        if item:
            a, b = item.split(":")
            logged[int(a)] = int(b)
    tables = set(int(t[2:]) for t in (o["tables"] or "").split())
    if dirty:
        # a no-transaction migration cut between its dirty mark and its clean
        # one: its one statement ran or not, as its log row says (golang-migrate's
        # protocol: force the version that matches, then go on)
        if v not in NOTX:
            raise SystemExit("%s: dirty at %d, which is transactional" % (what, v))
        forced = v if logged.get(v) else v - 1
        r = subprocess.run([pgm_bin, "force", str(forced)], env=dict(env, DATABASE_URL=url(db)), capture_output=True, timeout=60)
        if r.returncode != 0:
            raise SystemExit("%s: force %d failed: %s" % (what, forced, r.stderr))
        v = forced
    for m in range(1, 25):
        want = 1 if m <= v else 0
        if logged.get(m, 0) > 1:
            raise SystemExit("%s: migration %d ran %d times" % (what, m, logged[m]))
        if logged.get(m, 0) != want:
            raise SystemExit("%s: at version %d, migration %d logged %d times" % (what, v, m, logged.get(m, 0)))
        if m not in NOTX and m != 1 and (m in tables) != (m <= v):
            raise SystemExit("%s: at version %d, table t_%d %s" % (what, v, m, "exists" if m in tables else "is missing"))
    for e in events:
        if e.get("event") == "applied" and e["version"] > v:
            if e.get("durable") or not crashed:
                raise SystemExit("%s: %d was reported applied%s and is missing (at %d)"
                                 % (what, e["version"], " and durable" if e.get("durable") else "", v))
    return v

import atexit
atexit.register(lambda: proxy[0] and proxy[0].kill())
start_proxy()
db = new_db()
counts = {"kill": 0, "stop": 0, "reset": 0}
for rnd in range(1, int(env["PGM_FAULT_ROUNDS"]) + 1):
    action = rng.choice(["kill", "stop", "reset"])
    cut_after = rng.randint(1, 14)
    rc, events, cut, err = run_up(db, cut_after, action)
    what = "round %d (%s after event %d)" % (rnd, action, cut_after)
    if cut:
        counts[action] += 1
    v = check(db, events, cut and action == "stop", what)
    print("%s: exit %d, %d events, now at %d" % (what, rc, len(events), v), flush=True)
    if v >= 24:
        db = new_db()
    elif rng.random() < 0.3:
        # the rerun finishes
        rc, events, _, err = run_up(db)
        if rc != 0:
            raise SystemExit("%s: the rerun failed (exit %d): %s %s" % (what, rc, events[-1:], err))
        check(db, events, False, what + ", rerun")
        db = new_db()
rc, events, _, err = run_up(db)
if rc != 0:
    raise SystemExit("the last rerun failed (exit %d): %s %s" % (rc, events[-1:], err))
check(db, events, False, "the last rerun")
print("faults injected: %s" % counts)
PY
