#!/usr/bin/env bash
# Every command against a real database: up [N], down [N|--all], goto, force, version, status,
# new, help, --version, usage errors (exit 2), and the NDJSON of --json on up/down.
. "$(dirname "$0")/lib.sh"

# the user tables that exist, comma-separated and sorted ("" when none)
rows() { q "SELECT count(*) FROM schema_migrations"; }

# every stdout line must be a JSON object with an "event"; prints the events, space-separated
json_events() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
evs = []
for n, line in enumerate(sys.stdin, 1):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %r" % (n, e, line))
    if not isinstance(o, dict) or "event" not in o:
        sys.exit("line %d has no event: %r" % (n, line))
    evs.append(o["event"])
print(" ".join(evs))
' || fail "stdout of --json is not NDJSON"
}
# python3 expression over the list L of parsed lines, e.g. jcheck 'all(...)'
jcheck() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
L = [json.loads(l) for l in sys.stdin if l.strip()]
print(eval(sys.argv[1]))
' "$1"
}

for i in 1 2 3 4 5; do
    mig "00000$i" "create_t$i" "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
done

# ---------------------------------------------------------------- read-only views of a fresh database
pgm version
expect_rc 0
expect_eq "$OUT" "none (no migration applied)" "version on a fresh database"
pgm version --json
expect_rc 0
expect_eq "$(jget version version)" null "version --json on a fresh database"
pgm status
expect_rc 0
for i in 1 2 3 4 5; do expect_contains "$OUT" "pending  00000$i  create_t$i"; done
expect_contains "$OUT" "5 migrations, 5 pending"
table_exists schema_migrations && fail "status created the tracking table"
table_exists t1 && fail "status ran a migration"
CHECKS=$((CHECKS + 2))

# ---------------------------------------------------------------- up N, up, no-op up
pgm up 2
expect_rc 0
expect_contains "$OUT" "applied  000001_create_t1"
expect_contains "$OUT" "applied  000002_create_t2"
expect_not_contains "$OUT" "000003"
expect_contains "$OUT" "2 migrations done"
expect_eq "$(tracked)" "2|f" "after up 2"
expect_eq "$(user_tables)" "t1,t2" "tables after up 2"
expect_eq "$(rows)" 1 "one tracking row"

pgm status
expect_rc 0
expect_contains "$OUT" "version:  2"
expect_contains "$OUT" "applied  000001  create_t1"
expect_contains "$OUT" "applied  000002  create_t2"
expect_contains "$OUT" "pending  000003  create_t3"
expect_contains "$OUT" "pending  000005  create_t5"
expect_contains "$OUT" "5 migrations, 3 pending"
pgm status --json
expect_rc 0
expect_eq "$(json_events)" "status"
expect_eq "$(jget status version)" 2
expect_eq "$(jget status pending)" 3
expect_eq "$(jget status dirty)" false
expect_eq "$(jcheck '[(m["version"], m["state"]) for m in L[0]["migrations"]]')" \
    "[(1, 'applied'), (2, 'applied'), (3, 'pending'), (4, 'pending'), (5, 'pending')]" "status --json migrations"
expect_eq "$(jget status migrations.2.name)" create_t3

pgm up
expect_rc 0
expect_contains "$OUT" "applied  000003_create_t3"
expect_contains "$OUT" "applied  000005_create_t5"
expect_not_contains "$OUT" "000001_create_t1" "up after up 2"
expect_contains "$OUT" "now at version 5"
expect_eq "$(tracked)" "5|f" "after up"
expect_eq "$(user_tables)" "t1,t2,t3,t4,t5" "tables after up"

pgm up
expect_rc 0
expect_contains "$OUT" "up to date"
expect_eq "$(tracked)" "5|f" "after a no-op up"
pgm up --json
expect_rc 0
# (docs/json.md: plan comes "before the first migration runs"; a no-op has none)
expect_eq "$(json_events | sed 's/^plan //')" "summary" "no-op up --json"
expect_eq "$(jget summary steps)" 0
expect_eq "$(jget summary version)" 5

pgm version
expect_rc 0
expect_eq "$OUT" "5" "version"
pgm version --json
expect_rc 0
expect_eq "$(json_events)" "version"
expect_eq "$(jget version version)" 5
expect_eq "$(jget version dirty)" false

# ---------------------------------------------------------------- down (1 step), down N, down --all
pgm down
expect_rc 0
expect_contains "$OUT" "reverted 000005_create_t5"
expect_not_contains "$OUT" "000004"
expect_eq "$(tracked)" "4|f" "down reverts exactly one migration"
expect_eq "$(user_tables)" "t1,t2,t3,t4" "tables after down"

pgm down 2
expect_rc 0
expect_contains "$OUT" "reverted 000004_create_t4"
expect_contains "$OUT" "reverted 000003_create_t3"
expect_eq "$(tracked)" "2|f" "after down 2"
expect_eq "$(user_tables)" "t1,t2" "tables after down 2"

pgm down --all
expect_rc 0
expect_contains "$OUT" "reverted 000001_create_t1"
expect_contains "$OUT" "no migration is applied now"
expect_eq "$(tracked)" "" "down --all empties the tracking table"
expect_eq "$(rows)" 0 "no row after down --all"
expect_eq "$(user_tables)" "" "tables after down --all"

pgm down
expect_rc 0
expect_contains "$OUT" "no change"
expect_eq "$(rows)" 0 "down with nothing applied"

# ---------------------------------------------------------------- goto up and down
pgm goto 4
expect_rc 0
expect_eq "$(tracked)" "4|f" "goto 4 from nothing"
expect_eq "$(user_tables)" "t1,t2,t3,t4" "tables after goto 4"
pgm goto 4
expect_rc 0
expect_eq "$(tracked)" "4|f" "goto the current version"
pgm goto 2
expect_rc 0
expect_contains "$OUT" "reverted 000004_create_t4"
expect_contains "$OUT" "reverted 000003_create_t3"
expect_not_contains "$OUT" "000002_create_t2" "goto 2 reverts down to 2, not 2 itself"
expect_eq "$(tracked)" "2|f" "goto 2 from 4"
expect_eq "$(user_tables)" "t1,t2" "tables after goto 2"
pgm goto 7
expect_rc 1
expect_contains "$ERR" "no migration has version 7"
expect_eq "$(tracked)" "2|f" "goto an unknown version changes nothing"

# ---------------------------------------------------------------- force V, force -1, dirty views
pgm force 4
expect_rc 0
expect_contains "$OUT" "recorded: version 4, clean"
expect_eq "$(tracked)" "4|f" "force 4"
expect_eq "$(user_tables)" "t1,t2" "force runs no migration"
pgm force 2
expect_rc 0
expect_eq "$(tracked)" "2|f" "force back to 2"
q "UPDATE schema_migrations SET dirty = true"
pgm version
expect_rc 0
expect_eq "$OUT" "2 (dirty)" "version of a dirty database"
pgm version --json
expect_eq "$(jget version dirty)" true
pgm status
expect_rc 0
expect_contains "$OUT" "version:  2 (dirty)"
expect_contains "$OUT" "dirty    000002  create_t2"
pgm status --json
expect_eq "$(jget status dirty)" true
expect_eq "$(jget status migrations.1.state)" dirty
pgm force 2
expect_rc 0
expect_eq "$(tracked)" "2|f" "force clears dirty"
pgm force -1
expect_rc 0
expect_contains "$OUT" "recorded: no migration applied"
expect_eq "$(rows)" 0 "force -1 empties the table (no -1 row)"
pgm version
expect_eq "$OUT" "none (no migration applied)" "version after force -1"
pgm force 2
expect_rc 0
expect_eq "$(tracked)" "2|f"

# ---------------------------------------------------------------- --json on up and down: NDJSON
pgm up --json
expect_rc 0
expect_eq "$(json_events)" "plan started applied started applied started applied summary" "up --json events"
expect_eq "$(jget plan steps)" 3
expect_eq "$(jget plan from_version)" 2
expect_eq "$(jcheck '[o["version"] for o in L if o["event"] == "applied"]')" "[3, 4, 5]" "applied versions"
expect_eq "$(jcheck 'all(isinstance(o["duration_ms"], (int, float)) and o["duration_ms"] >= 0 for o in L if o["event"] == "applied")')" True "duration_ms on every applied line"
expect_eq "$(jcheck 'L[-1]["event"]')" summary "summary last"
expect_eq "$(jget summary version)" 5
expect_eq "$(jget summary steps)" 3
expect_eq "$(jget summary dirty)" false
expect_eq "$(tracked)" "5|f" "after up --json"

pgm down 2 --json
expect_rc 0
expect_eq "$(json_events)" "plan started reverted started reverted summary" "down --json events"
expect_eq "$(jcheck '[(o["version"], o["direction"], o["version_after"]) for o in L if o["event"] == "reverted"]')" \
    "[(5, 'down', 4), (4, 'down', 3)]" "reverted lines"
expect_eq "$(jcheck 'all(isinstance(o["duration_ms"], (int, float)) for o in L if o["event"] == "reverted")')" True "duration_ms on every reverted line"
expect_eq "$(jget summary version)" 3
expect_eq "$(jget summary reverted)" 2
expect_eq "$(tracked)" "3|f" "after down 2 --json"

pgm down --all --json
expect_rc 0
expect_eq "$(json_events)" "plan started reverted started reverted started reverted summary"
expect_eq "$(jget summary version)" null
expect_eq "$(rows)" 0 "after down --all --json"

# ---------------------------------------------------------------- usage errors: exit 2, nothing changes
pgm up 2
expect_eq "$(tracked)" "2|f"
for args in "frobnicate" "up abc" "up 0" "up -3" "up 1 2" "goto" "goto abc" "goto 1 2" "down abc" "down 0" "down --all 2" \
            "force" "force abc" "force -2" "version 3" "status now" "new" "up --bogus" "up --lock-timeout"; do
    # shellcheck disable=SC2086
    pgm $args
    expect_rc 2
    [ -n "$ERR" ] || fail "no message for: pgmigrate $args"
done
expect_eq "$(tracked)" "2|f" "state after the usage errors"
pgm frobnicate
expect_contains "$ERR" 'unknown command "frobnicate"'
pgm up abc --json
expect_rc 2
expect_eq "$(jget error code)" usage "usage error --json"
pgm
expect_rc 2
expect_contains "$OUT" "Usage: pgmigrate"

# ---------------------------------------------------------------- help, --version
pgm help
expect_rc 0
expect_contains "$OUT" "Usage: pgmigrate"
for c in "up [N]" "down [N]" "down --all" "goto V" "force V" "version" "status" "new NAME"; do
    expect_contains "$OUT" "  $c" "help text"
done
pgm --help
expect_rc 0
expect_contains "$OUT" "Usage: pgmigrate"
pgm --version
expect_rc 0
[[ $OUT =~ ^pgmigrate\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "--version printed [$OUT]"
CHECKS=$((CHECKS + 1))
human_version=${OUT#pgmigrate }
# with --json (before or after) every one of them is JSON
pgm --version --json
expect_rc 0
expect_eq "$(json_events)" "program" "--version --json"
expect_eq "$(jcheck 'L[0]["name"] + " " + L[0]["version"]')" "pgmigrate $human_version" "--json --version"
pgm --json help
expect_rc 0
expect_eq "$(json_events)" "help" "--json help"
expect_eq "$(jcheck '"Usage: pgmigrate" in L[0]["usage"] and "new NAME" in L[0]["usage"]')" "True" "--json help usage text"
pgm --help --json
expect_rc 0
expect_eq "$(json_events)" "help" "--help --json"
pgm --json
expect_rc 2
expect_eq "$(json_events)" "error" "--json without a command"
expect_eq "$(jcheck 'L[0]["code"] + " " + str(L[0]["exit_code"])')" "usage 2" "--json without a command"
pgm --bogus --json
expect_rc 2
expect_eq "$(jcheck 'L[0]["message"]')" "unknown option --bogus" "usage error before --json"
expect_eq "$ERR" "" "stderr of a JSON usage error"

# ---------------------------------------------------------------- new
mkdir seq
for i in 1 2 3 4 5 6 7 8 9; do printf 'SELECT 1;\n' >"seq/00000${i}_m$i.up.sql"; done
pgm new add_index --path seq
expect_rc 0
[ -f seq/000010_add_index.up.sql ] && [ -f seq/000010_add_index.down.sql ] || { ls seq >&2; fail "new did not create 000010_add_index"; }
CHECKS=$((CHECKS + 1))
expect_contains "$OUT" "seq/000010_add_index.up.sql"
expect_eq "$(head -n 1 seq/000010_add_index.up.sql)" "-- 000010_add_index.up.sql" "header of the up file"
expect_eq "$(head -n 1 seq/000010_add_index.down.sql)" "-- 000010_add_index.down.sql" "header of the down file"
pgm new "Reviews Table" --path seq --json
expect_rc 0
expect_eq "$(json_events)" created
expect_eq "$(jget created version)" 11
expect_eq "$(jget created name)" reviews_table
expect_eq "$(jget created up)" "seq/000011_reviews_table.up.sql"
expect_eq "$(jget created down)" "seq/000011_reviews_table.down.sql"
[ -f "$(jget created up)" ] && [ -f "$(jget created down)" ] || fail "the files --json names do not exist"
CHECKS=$((CHECKS + 1))
grep -q '^--' seq/000011_reviews_table.up.sql || fail "no header comment"
# the new files are valid migrations: the folder still loads and they show as pending
pgm status --path seq --json
expect_rc 0
expect_eq "$(jget status migrations.10.name)" reviews_table

mkdir empty
pgm new create_users --path empty
expect_rc 0
expect_eq "$(cd empty && ls | tr '\n' ' ')" "000001_create_users.down.sql 000001_create_users.up.sql " "new in an empty folder"
expect_eq "$(head -n 1 empty/000001_create_users.up.sql)" "-- 000001_create_users.up.sql"
pgm new create_users --path empty
expect_rc 0
[ -f empty/000002_create_users.up.sql ] || fail "second new did not create 000002"
CHECKS=$((CHECKS + 1))

mkdir stamped
printf 'SELECT 1;\n' >stamped/20200101120000_init.up.sql
printf 'SELECT 1;\n' >stamped/20200101120000_init.down.sql
pgm new add_orders --path stamped --json
expect_rc 0
v=$(jget created version)
now=$(date -u +%Y%m%d%H%M%S)
[[ $v =~ ^[0-9]{14}$ ]] || fail "timestamp folder: version [$v] is not 14 digits"
[ "$v" -gt 20200101120000 ] || fail "timestamp folder: version $v not after the last one"
# a UTC timestamp of now (within two minutes), not just last + 1
[ $((now - v)) -ge 0 ] && [ $((now - v)) -le 200 ] || fail "timestamp folder: version $v is not the current UTC time ($now)"
CHECKS=$((CHECKS + 3))
[ -f "stamped/${v}_add_orders.up.sql" ] && [ -f "stamped/${v}_add_orders.down.sql" ] || fail "timestamp files missing"
CHECKS=$((CHECKS + 1))

pgm new "!!!" --path seq
expect_rc 2
pgm new x --path does-not-exist
expect_rc 1
[ -e does-not-exist ] && fail "new created a missing folder"
CHECKS=$((CHECKS + 1))
# new touches no database
expect_eq "$(tracked)" "2|f" "state after new"

# ---------------------------------------------------------------- down without a down file
mkdir nodown
printf 'CREATE TABLE nd1 (id int);\n' >nodown/000001_nd1.up.sql
printf 'DROP TABLE nd1;\n' >nodown/000001_nd1.down.sql
printf 'CREATE TABLE nd2 (id int);\n' >nodown/000002_nd2.up.sql
pgm up --path nodown --table nd_tracking
expect_rc 0
expect_eq "$(q "SELECT version FROM nd_tracking")" 2
for cmd in "down" "down --all" "goto 1"; do
    # shellcheck disable=SC2086
    pgm $cmd --path nodown --table nd_tracking
    expect_rc 6
    expect_contains "$ERR" "000002_nd2.up.sql has no down migration" "$cmd"
    expect_contains "$ERR" "000002_nd2.down.sql" "$cmd names the file to write"
    expect_not_contains "$ERR" "goto 2" "$cmd: no advice to goto the current version"
    expect_eq "$(q "SELECT version FROM nd_tracking")" 2 "$cmd without a down file changes nothing"
    table_exists nd2 || fail "$cmd without a down file dropped nd2"
done
expect_eq "$(tracked)" "2|f" "another --table leaves schema_migrations alone"
