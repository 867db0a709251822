#!/usr/bin/env bash
# The checksum cache (issue 8): a no-op `up` or `status` takes an applied file's
# checksum from the cache while the file's stamp (size, modification and change
# times, identity) is the one it had when it was read; any edit is still seen.
# Files changed in the last 3 seconds are not cached, the cache is the user's
# ($XDG_CACHE_HOME/pgmigrate, ~/.cache/pgmigrate) or PGMIGRATE_CACHE_DIR, "off"
# reads every file, and `validate` always does.
. "$(dirname "$0")/lib.sh"

CACHE=$XDG_CACHE_HOME/pgmigrate
FOLDER=$(cd migrations && pwd -P)
# the cache file of this folder (the one whose first line names it)
sums_file() { grep -lxF "pgmigrate checksums 1 $FOLDER" "$1"/*.sums 2>/dev/null | head -n 1; }
state_of() { jget status "migrations.$(($1 - 1)).state"; }  # state_of VERSION (versions 1..20)

for i in $(seq 1 20); do
    v=$(printf '%06d' "$i")
    mig "$v" "t$i" "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
done
pgm up
expect_rc 0
expect_eq "$(tracked)" "20|f"
# ---------------------------------------------------------------- files changed in the last seconds are not cached
expect_eq "$(sums_file "$CACHE")" "" "no cache of files written a moment ago"

sleep 3.2  # the 3 s window
pgm status --json
expect_rc 0
SUMS=$(sums_file "$CACHE")
[ -n "$SUMS" ] || fail "no cache file in $CACHE after a status of settled files"
expect_eq "$(tail -n 1 "$SUMS")" "end 20" "entries"
pgm env --json
expect_eq "$(jget env checksum_cache)" "$SUMS" "env names the cache file"
expect_eq "$(jget env checksum_cache_from)" default
PGMIGRATE_CACHE_DIR=off pgm env
expect_contains "$OUT" "checksums: not cached  (from environment)"
pgm doctor
expect_contains "$OUT" "checksum cache $SUMS (from default)" "doctor's config check names the cache"
sum5=$(sha256sum migrations/000005_t5.up.sql | cut -d' ' -f1)
line5=$(grep '^5 ' "$SUMS")
expect_eq "$(echo "$line5" | awk '{ print $2, $6, $7 }')" "$(stat -c %s migrations/000005_t5.up.sql) $sum5 t5" "entry of version 5"
expect_eq "$(stat -c %a "$CACHE")" 700 "cache folder rights"
expect_eq "$(stat -c %a "$SUMS")" 600 "cache file rights"
before=$(stat -c %y "$SUMS")
pgm status
expect_rc 0
expect_eq "$(stat -c %y "$SUMS")" "$before" "an unchanged cache is not written again"

# ---------------------------------------------------------------- the cache is what a no-op run reads
# a wrong checksum under the file's own stamp: the file reads as modified, though it is not
bad=$(printf 'f%.0s' $(seq 1 64))
sed -i "s/^\(5 .*\) $sum5 t5\$/\1 $bad t5/" "$SUMS"
grep -q " $bad t5\$" "$SUMS" || fail "could not plant the wrong checksum"
pgm status --json
expect_eq "$(state_of 5)" modified "a planted checksum is used"
expect_eq "$(state_of 4)" applied
pgm up
expect_rc 7
expect_contains "$ERR" "000005_t5.up.sql"
# validate and doctor read every file
pgm validate
expect_rc 0
pgm doctor --json
expect_not_contains "$OUT" "000005_t5.up.sql" "doctor does not take the planted checksum"
PGMIGRATE_CACHE_DIR=off pgm status --json
expect_eq "$(state_of 5)" applied "PGMIGRATE_CACHE_DIR=off reads the file"

# a cache file without its last line is not trusted, and is written anew
sed -i '$d' "$SUMS"
pgm status --json
expect_eq "$(state_of 5)" applied "a cut cache file is ignored"
expect_eq "$(tail -n 1 "$SUMS")" "end 20" "and rewritten"
expect_eq "$(grep '^5 ' "$SUMS" | awk '{ print $6 }')" "$sum5" "with the file's checksum"

# one bad line in the middle: the whole file is ignored, the entries before it too
sed -i "s/^\(5 .*\) $sum5 t5\$/\1 $bad t5/; s/^15 [0-9]* /15 x /" "$SUMS"
grep -q " $bad t5\$" "$SUMS" && grep -q '^15 x ' "$SUMS" || fail "could not plant the bad lines"
pgm status --json
expect_eq "$(state_of 5)" applied "a cache file with a bad line is ignored whole"
expect_eq "$(grep '^5 ' "$SUMS" | awk '{ print $6 }')" "$sum5" "and written anew"

# another folder's entries under this name are not used
{ echo "pgmigrate checksums 1 /somewhere/else/migrations"; sed 1d "$SUMS"; } | sed "s/ $sum5 t5\$/ $bad t5/" > "$SUMS.x"
mv "$SUMS.x" "$SUMS"
pgm status --json
expect_eq "$(state_of 5)" applied "a cache of another folder is ignored"
expect_eq "$(head -n 1 "$SUMS")" "pgmigrate checksums 1 $FOLDER"

# ---------------------------------------------------------------- an edit is seen even with size and time kept
f=migrations/000005_t5.up.sql
cp -p "$f" "$WORK/orig5.sql"
printf 'CREATE TABLE t5 (ix int);\n' > "$f"   # the same size
touch -r "$WORK/orig5.sql" "$f"              # the same modification time
expect_eq "$(stat -c %s.%Y "$f")" "$(stat -c %s.%Y "$WORK/orig5.sql")" "size and mtime kept"
pgm status --json
expect_eq "$(state_of 5)" modified "an edit keeping size and mtime (the change time moved)"
cp "$WORK/orig5.sql" "$f"
touch -r "$WORK/orig5.sql" "$f"
pgm status --json
expect_eq "$(state_of 5)" applied "the original content back"
# a file replaced by a copy (another inode), as editors and git do: read again, and not
# cached while it is new
cp "$f" "$WORK/copy5.sql" && mv "$WORK/copy5.sql" "$f"
pgm status --json
expect_eq "$(state_of 5)" applied
expect_eq "$(grep -c '^5 ' "$SUMS" || true)" 0 "a file changed a moment ago is not cached"

# ---------------------------------------------------------------- many stamps changed at once (a checkout, a new clone)
# the cache says all 20 are known, so the stamps are checked while the query runs; 20 misses
# are more than the main thread hashes while it waits: a thread reads them
sleep 3.2
pgm status
expect_eq "$(tail -n 1 "$SUMS")" "end 20" "all cached again"
for g in migrations/*.up.sql; do touch "$g"; done
printf 'CREATE TABLE t9 (ix int);\n' > migrations/000009_t9.up.sql
pgm status --json
expect_eq "$(state_of 9)" modified "an edit among 20 changed stamps"
expect_eq "$(state_of 8)" applied
expect_eq "$(state_of 10)" applied
printf 'CREATE TABLE t9 (id int);\n' > migrations/000009_t9.up.sql
pgm status --json
expect_eq "$(state_of 9)" applied

# a database where nothing is applied: the entries of files not looked at stay
sleep 3.2
pgm status
expect_eq "$(tail -n 1 "$SUMS")" "end 20" "all cached again"
q "CREATE DATABASE \"${DB}_empty\"" > /dev/null
on_exit 'psql_admin -c "DROP DATABASE IF EXISTS \"${DB}_empty\"" > /dev/null 2>&1'
DATABASE_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}_empty?sslmode=disable" pgm status --json
expect_rc 0
expect_eq "$(jget status pending)" 20
expect_eq "$(tail -n 1 "$SUMS")" "end 20" "a status of an empty database keeps the cache"

# ---------------------------------------------------------------- where the cache lives
pgm --path migrations status
PGMIGRATE_CACHE_DIR=$WORK/elsewhere pgm status
expect_rc 0
[ -n "$(sums_file "$WORK/elsewhere")" ] || fail "PGMIGRATE_CACHE_DIR not used"
mkdir -p "$WORK/home"
set +e
env -u XDG_CACHE_HOME HOME="$WORK/home" "$PGM_BIN" status > /dev/null 2>&1
RC=$?
set -e
expect_rc 0
[ -n "$(sums_file "$WORK/home/.cache/pgmigrate")" ] || fail "no cache in ~/.cache/pgmigrate"

# from a sub-folder with the project's .env: "off" is a word, not a path to rebase
rm -rf "$CACHE"
printf 'PGMIGRATE_CACHE_DIR=off\n' > .env
mkdir -p cmd/tool
(cd cmd/tool && pgm status)
expect_rc 0
expect_contains "$OUT" "20 migrations, 0 pending"
[ ! -e "$CACHE" ] && [ ! -e "$WORK/off" ] && [ ! -e "$WORK/cmd/tool/off" ] || fail "a cache was written with PGMIGRATE_CACHE_DIR=off"
rm .env

# ---------------------------------------------------------------- month-old cache files of other folders go
pgm status
SUMS=$(sums_file "$CACHE")
echo stale > "$CACHE/0123456789abcdef0123456789abcdef.sums"
touch -d '40 days ago' "$CACHE/0123456789abcdef0123456789abcdef.sums"
echo stale > "$CACHE/0123456789abcdef0123456789abcdef.sums.4242.tmp"
touch -d '40 days ago' "$CACHE/0123456789abcdef0123456789abcdef.sums.4242.tmp"
echo recent > "$CACHE/fedcba9876543210fedcba9876543210.sums"
for other in notes.tmp list.sums; do # not pgmigrate's: never removed
    echo mine > "$CACHE/$other"
    touch -d '40 days ago' "$CACHE/$other"
done
rm "$SUMS"
pgm status
[ -e "$SUMS" ] || fail "the cache was not written"
[ ! -e "$CACHE/0123456789abcdef0123456789abcdef.sums" ] || fail "a month-old cache file stayed"
[ ! -e "$CACHE/0123456789abcdef0123456789abcdef.sums.4242.tmp" ] || fail "a month-old temporary file stayed"
[ -e "$CACHE/fedcba9876543210fedcba9876543210.sums" ] || fail "a recent cache file of another folder was removed"
[ -e "$CACHE/notes.tmp" ] && [ -e "$CACHE/list.sums" ] || fail "a file that is not pgmigrate's was removed"
CHECKS=$((CHECKS + 5))
# an unchanged cache file older than a day is touched (folders in use are not pruned)
touch -d '2 days ago' "$SUMS"
pgm status
expect_eq "$(( $(date +%s) - $(stat -c %Y "$SUMS") < 60 ))" 1 "an unchanged day-old cache file is touched"
expect_eq "$(tail -n 1 "$SUMS")" "end 20"

# another user's cache file is not read
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
    sed -i "s/^\(5 .*\) $sum5 t5\$/\1 $bad t5/" "$SUMS"
    chown nobody "$SUMS"
    pgm status --json
    expect_eq "$(state_of 5)" applied "a cache file of another user is not trusted"
fi
