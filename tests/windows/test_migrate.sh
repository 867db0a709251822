#!/usr/bin/env bash
# pgmigrate.exe under wine, libpq.dll found with no --pg-bin (through the registry): up [N],
# status, down [N|--all], new, --json, a dirty database and its recovery, and a .env with
# CRLF line ends that carries the URL, the password and the migrations folder.
. "$(dirname "$0")/lib.sh"

user_tables() { q "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations%'"; }  # not the tracking tables (and their history)
# every stdout line must be a JSON object with an "event", with no CR left; prints the events
json_events() {
    printf '%s\n' "$OUT" | python3 -c '
import json, sys
evs = []
for n, line in enumerate(sys.stdin, 1):
    if not line.strip():
        continue
    if "\r" in line:
        sys.exit("line %d has a CR inside: %r" % (n, line))
    o = json.loads(line)
    if not isinstance(o, dict) or "event" not in o:
        sys.exit("line %d has no event: %r" % (n, line))
    evs.append(o["event"])
print(" ".join(evs))
' || fail "stdout of --json is not NDJSON"
}

for i in 1 2 3; do
    mig "00000$i" "create_t$i" "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
done

# ---------------------------------------------------------------- status, up N, up, down
pgm status
expect_rc 0
for i in 1 2 3; do expect_contains "$OUT" "pending  00000$i  create_t$i"; done
expect_contains "$OUT" "3 migrations, 3 pending"

pgm up 2
expect_rc 0
expect_contains "$OUT" "applied  000001_create_t1"
expect_contains "$OUT" "applied  000002_create_t2"
expect_not_contains "$OUT" "000003"
expect_eq "$(tracked)" "2|f" "after up 2"
expect_eq "$(user_tables)" "t1,t2" "tables after up 2"

pgm status
expect_rc 0
expect_contains "$OUT" "version:  2"
expect_contains "$OUT" "applied  000002  create_t2"
expect_contains "$OUT" "pending  000003  create_t3"
expect_contains "$OUT" "3 migrations, 1 pending"

pgm up --json
expect_rc 0
expect_eq "$(json_events)" "plan started applied summary" "up --json events"
expect_eq "$(jget summary version)" 3
expect_eq "$(tracked)" "3|f" "after up"
pgm up
expect_rc 0
expect_contains "$OUT" "up to date"

pgm status --json
expect_rc 0
expect_eq "$(json_events)" "status"
expect_eq "$(jget status version)" 3
expect_eq "$(jget status pending)" 0
expect_eq "$(jget status dirty)" false

pgm version
expect_rc 0
expect_eq "$OUT" "3" "version"

pgm down
expect_rc 0
expect_contains "$OUT" "reverted 000003_create_t3"
expect_eq "$(tracked)" "2|f" "down reverts one"
pgm down --all --json
expect_rc 0
expect_eq "$(json_events)" "plan started reverted started reverted summary" "down --all --json events"
expect_eq "$(tracked)" "" "after down --all"
expect_eq "$(user_tables)" "" "tables after down --all"

# ---------------------------------------------------------------- new: the next number, Windows separators
pgm new add_users
expect_rc 0
expect_eq "$OUT" "created migrations\\000004_add_users.up.sql
created migrations\\000004_add_users.down.sql" "new output"
[ -f migrations/000004_add_users.up.sql ] && [ -f migrations/000004_add_users.down.sql ] ||
    fail "new did not create migrations/000004_add_users.{up,down}.sql"
CHECKS=$((CHECKS + 1))
pgm new add_users
expect_rc 0
expect_contains "$OUT" "000005_add_users.up.sql" "a second new takes the next number"
rm -f migrations/000004_* migrations/000005_*
pgm new
expect_rc 2
expect_contains "$ERR" "usage: pgmigrate new NAME"

# ---------------------------------------------------------------- a dirty database and its recovery
pgm up
expect_rc 0
cat >migrations/000004_five.up.sql <<'EOF'
-- pgmigrate:no-transaction
CREATE TABLE n1 (id int);
CREATE TABLE n2 (
    id int
);
INSERT INTO n1 VALUES (1 / 0);
CREATE TABLE n4 (id int);
EOF
printf 'DROP TABLE IF EXISTS n4, n2, n1;\n' >migrations/000004_five.down.sql
pgm up
expect_rc 1
expect_contains "$ERR" "migrations\\000004_five.up.sql:6:1: error: division by zero (SQLSTATE 22012)"
expect_contains "$ERR" "     6 | INSERT INTO n1 VALUES (1 / 0);"
expect_contains "$ERR" "pgmigrate force 3"
expect_eq "$(tracked)" "4|t" "the failing version, dirty"
pgm up
expect_rc 3
expect_contains "$ERR" "dirty at version 4"
pgm up --json
expect_rc 3
expect_eq "$(jget error code)" dirty
expect_eq "$(jget error exit_code)" 3
pgm status
expect_rc 0
expect_contains "$OUT" "version:  4 (dirty)"
expect_contains "$OUT" "dirty    000004  five"
# recovery as the hint says: fix the file, undo by hand, force the previous version, up
sed -i 's|1 / 0|1|' migrations/000004_five.up.sql
q "DROP TABLE n1, n2"
pgm force 3
expect_rc 0
expect_eq "$(tracked)" "3|f" "after force 3"
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000004_five"
expect_eq "$(tracked)" "4|f" "after the fixed run"
expect_eq "$(user_tables)" "n1,n2,n4,t1,t2,t3" "tables after the fixed run"

# ---------------------------------------------------------------- .env with CRLF: URL, password, folder
# the password is only in .env; pgmigrate passes it to libpq.dll as a keyword (a variable set
# inside pgmigrate.exe would not reach the MSVC-built libpq.dll)
unset DATABASE_URL
mkdir -p db/migrations
mig 000001 env_a "CREATE TABLE env_a (id int);" "DROP TABLE env_a;"
mv migrations/000001_env_a.* db/migrations/
printf '%s\r\n' "# written on Windows: CRLF line ends" \
    "DATABASE_URL=postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" \
    "PGPASSWORD=\"${PG_PASSWORD}\"" \
    "PGMIGRATE_PATH=db/migrations" \
    "PGMIGRATE_TABLE=env_migrations" >.env
pgm env --json
expect_rc 0
expect_eq "$(jfield 'o["database_from"]')" ".env" "database_from"
expect_eq "$(jfield 'o["database"]')" "postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" "database, no CR at the end"
expect_eq "$(jfield 'o["path"]')" "db/migrations" "path from .env, no CR at the end"
expect_eq "$(jfield 'o["path_from"]')" ".env" "path_from"
expect_eq "$(jfield 'o["table"]')" "env_migrations" "table from .env"
expect_not_contains "$OUT" "$PG_PASSWORD" "env --json"
pgm env
expect_rc 0
expect_contains "$OUT" "database:  postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable  (from .env)"
expect_contains "$OUT" "path:      db/migrations  (from .env)"
expect_not_contains "$OUT" "$PG_PASSWORD" "env"
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000001_env_a"
expect_eq "$(q "SELECT version || '|' || dirty FROM env_migrations")" "1|false" "tracking table named in .env"
table_exists env_a || fail "the migration of db/migrations did not run"
pgm status
expect_rc 0
expect_contains "$OUT" "applied  000001  env_a"
pgm down
expect_rc 0
expect_eq "$(q "SELECT count(*) FROM env_migrations")" 0 "after down through .env"
# a wrong password in .env is refused and not shown
printf '%s\r\n' "DATABASE_URL=postgres://postgres@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable" \
    "PGPASSWORD=Wr0ng-pw-$$" >.env
pgm status
expect_rc 5
expect_contains "$ERR" "password authentication failed"
expect_not_contains "$ERR$OUT" "Wr0ng-pw-$$" "wrong password output"
rm -f .env

# ---------------------------------------------------------------- 20 migrations: the checksums read on a second thread
# (_beginthreadex in win32.c) while libpq.dll loads and connects
export DATABASE_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable"
mkdir -p many
for i in $(seq 1 20); do
    v=$(printf '%06d' "$i")
    printf -- '-- table w%d\r\nCREATE TABLE w%d (id int);\r\n' "$i" "$i" >"many/${v}_w$i.up.sql"
    printf -- 'DROP TABLE w%d;\r\n' "$i" >"many/${v}_w$i.down.sql"
done
pgm --path many --table many_migrations up
expect_rc 0
expect_eq "$(q "SELECT version FROM many_migrations")" 20 "20 applied"
pgm --path many --table many_migrations up
expect_rc 0
expect_contains "$OUT" "no change" "a no-op run over 20 applied files"
printf -- '-- table w17\r\nCREATE TABLE w17 (id int, x int);\r\n' >many/000017_w17.up.sql
pgm --path many --table many_migrations up
expect_rc 7
expect_contains "$ERR" "1 applied migration changed since it was applied"
expect_contains "$ERR" "many\\000017_w17.up.sql"

# ---------------------------------------------------------------- the checksum cache in %LOCALAPPDATA%\pgmigrate\cache
# (GetFileInformationByHandleEx's change time and file index stand for POSIX's ctime and inode)
printf -- '-- table w17\r\nCREATE TABLE w17 (id int);\r\n' >many/000017_w17.up.sql
sleep 3.2 # files changed in the last 3 s are not cached
pgm --path many --table many_migrations status --json
expect_rc 0
expect_eq "$(jget status migrations.16.state)" applied "w17 restored"
[[ "$(jget status migrations.0.applied_at)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}(:[0-9]{2})?$ ]] ||
    fail "applied_at is not 'YYYY-MM-DD HH:MM:SS+HH': $(jget status migrations.0.applied_at)"
local_app=$(wine cmd /c echo '%LOCALAPPDATA%' 2>/dev/null | tr -d '\r')
WCACHE=$(winepath -u "$local_app\\pgmigrate\\cache" 2>/dev/null)
WSUMS=$(grep -lxF "pgmigrate checksums 1 $(winpath many)" "$WCACHE"/*.sums 2>/dev/null | head -n 1 || true)
[ -n "$WSUMS" ] || fail "no cache file for $(winpath many) in $WCACHE"
expect_eq "$(tail -n 1 "$WSUMS")" "end 20"
sum3=$(grep '^3 ' "$WSUMS" | awk '{ print $6 }')
bad=$(printf 'f%.0s' $(seq 1 64))
sed -i "s/ $sum3 w3\$/ $bad w3/" "$WSUMS"
pgm --path many --table many_migrations status --json
expect_eq "$(jget status migrations.2.state)" modified "the cache is read: a planted checksum shows"
PGMIGRATE_CACHE_DIR=off pgm --path many --table many_migrations status --json
expect_eq "$(jget status migrations.2.state)" applied "PGMIGRATE_CACHE_DIR=off reads the file"
sed -i "s/ $bad w3\$/ $sum3 w3/" "$WSUMS"
# an edit keeping the size and the modification time: the change time moved
f=many/000005_w5.up.sql
cp -p "$f" "$WORK/orig5.sql"
printf -- '-- table w5\r\nCREATE TABLE w5 (ix int);\r\n' >"$f"
touch -r "$WORK/orig5.sql" "$f"
expect_eq "$(stat -c %s.%Y "$f")" "$(stat -c %s.%Y "$WORK/orig5.sql")" "size and mtime kept"
pgm --path many --table many_migrations status --json
expect_eq "$(jget status migrations.4.state)" modified "an edit keeping size and mtime"
