#!/usr/bin/env bash
# doctor on Windows (pgmigrate.exe under wine): the folders libpq.dll can come from, the
# PostgreSQL installs found (D: default path, registry), the PostgreSQL services and their
# state, the service advice for a refused connection, and a machine without PostgreSQL
# (libpq not found: the later checks are skipped); and verify. Leaves the services alone.
. "$(dirname "$0")/lib.sh"

check() { printf '%s\n' "$OUT" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read().strip().splitlines()[-1]); c = [c for c in o["checks"] if c["name"] == sys.argv[1]]; print(c[0][sys.argv[2]] if c else "absent")' "$1" "${2:-status}"; }

check_verify() { printf '%s\n' "$OUT" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read().strip().splitlines()[-1]); print(eval(sys.argv[1]))' "$1"; }

mig 000001 a "CREATE TABLE a (id int);" "DROP TABLE a;"

# ---------------------------------------------------------------- the installed machine, server reachable
pgm doctor --json
expect_rc 0
expect_eq "$(check server):$(check login):$(check tracking)" "pass:pass:warn"
expect_contains "$(check libpq detail)" "$WIN_D_BIN (default)" "libpq folders"
expect_contains "$(check libpq detail)" "$WIN_REG_BIN (registry)" "libpq folders"
expect_contains "$(check installs message)" "$WIN_D_BIN, PostgreSQL 18" "the default install path"
expect_contains "$(check installs message)" "$WIN_REG_BIN, PostgreSQL 18.1 (libpq; service $WIN_SERVICE)" "the registry's install"
expect_contains "$(check services message)" "$WIN_SERVICE ($WIN_SERVICE_DISPLAY): " "the service and its state"
expect_eq "$(check services)" info "a stopped service is no problem while the server answers"
expect_not_contains "$OUT" "$PG_PASSWORD" "doctor json"
pgm doctor
expect_rc 0
expect_contains "$OUT" "PASS  server"

# ---------------------------------------------------------------- a refused connection: the service to start
pgm --database "postgres://postgres:${PG_PASSWORD}@127.0.0.1:1/${DB}?sslmode=disable" doctor --json
expect_rc 1
expect_eq "$(check server):$(check login)" "fail:skip"
expect_contains "$(check server hint)" "is PostgreSQL running? service " "the service advice"
expect_contains "$(check server hint)" "Start-Service $WIN_SERVICE" "the service advice"
expect_eq "$(check services)" warn "a stopped service while nothing answers"
expect_contains "$(check services hint)" "Start-Service postgresql-x64-" "how to start it"
expect_contains "$(check services hint)" "pgmigrate service start postgresql-x64-" "how to start it"
expect_not_contains "$OUT" "$PG_PASSWORD" "refused connection json"

# ---------------------------------------------------------------- a machine without PostgreSQL
pgm_bare doctor --json
expect_rc 1
expect_eq "$(check libpq)" fail
expect_contains "$(check libpq hint)" "--pg-bin DIR" "where to point it"
expect_eq "$(check server):$(check login):$(check tracking)" "skip:skip:skip"
expect_eq "$(check migrations)" pass "the files are checked without libpq"
expect_eq "$(check services)" info
expect_contains "$(check services message)" "no PostgreSQL service on this machine"
pgm_bare --pg-bin "$(winpath "$WIN_DDRIVE/Program Files/PostgreSQL/18/bin")" doctor --json
expect_rc 0
expect_eq "$(check libpq):$(check server)" "pass:pass" "libpq from --pg-bin"
expect_contains "$(check libpq detail)" "(--pg-bin)"

# ---------------------------------------------------------------- verify runs the same under Windows
mig 000002 idx "CREATE INDEX IF NOT EXISTS a_id_idx ON a (id);" "SELECT 1;"
mig 000003 cidx "CREATE INDEX CONCURRENTLY a_id2_idx ON a (id);" "DROP INDEX CONCURRENTLY a_id2_idx;"
pgm verify --json
expect_rc 1
expect_eq "$(check_verify '[(m["version"], m["result"], m["scratch"]) for m in o["migrations"]]')" \
    "[(1, 'ok', False), (2, 'different', False), (3, 'ok', True)]"
expect_eq "$(check_verify 'o["migrations"][1]["down_extra"]')" "['index public.a_id_idx: CREATE INDEX a_id_idx ON public.a USING btree (id)']"
expect_eq "$(psql_admin -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmigrate_verify_%'")" 0 "scratch database dropped"
expect_eq "$(user_tables)" "" "verify left nothing behind"
