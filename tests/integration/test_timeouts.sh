#!/usr/bin/env bash
# --ddl-lock-timeout reaches the server as the lock_timeout it says, in every kind of migration
# (in a transaction, no-transaction files statement by statement, and files that manage their
# own transactions, run golang-migrate's way): a part of a millisecond
# is rounded up to 1ms (0ms would mean no timeout at all), the largest value PostgreSQL takes
# (2147483647 ms) is sent as it is, and anything above it is refused before anything runs (it
# used to overflow an int: "-2147483648ms"). --lock-timeout and PGMIGRATE_LOCK_TIMEOUT have
# the same bound. The migrations record current_setting('lock_timeout') in a table.
. "$(dirname "$0")/lib.sh"

mig 1 seen "CREATE TABLE seen (v text); INSERT INTO seen SELECT 'tx:' || current_setting('lock_timeout');" \
    'DROP TABLE seen;'
mig 2 notx "-- pgmigrate:no-transaction
INSERT INTO seen SELECT 'notx:' || current_setting('lock_timeout');" "DELETE FROM seen WHERE v LIKE 'notx:%';"
mig 3 golang "BEGIN; INSERT INTO seen SELECT 'go1:' || current_setting('lock_timeout'); COMMIT;
BEGIN; INSERT INTO seen SELECT 'go2:' || current_setting('lock_timeout'); COMMIT;" "DELETE FROM seen WHERE v LIKE 'go_:%';"
seen() { q "SELECT string_agg(v, ',' ORDER BY v DESC) FROM seen"; }

# given S, the server saw W
for pair in "0.0001 1ms" "0.001 1ms" "0.0015 2ms" "1.001 1001ms" "2.5 2500ms" "2147483.647 2147483647ms" "35791m 35791min"; do
    set -- $pair
    pgm --ddl-lock-timeout "$1" up
    expect_rc 0
    expect_eq "$(seen)" "tx:$2,notx:$2,go2:$2,go1:$2" "lock_timeout seen with --ddl-lock-timeout $1"
    pgm down --all
    expect_rc 0
done
# without it, the server's default
pgm up
expect_rc 0
expect_eq "$(seen)" "tx:0,notx:0,go2:0,go1:0" "lock_timeout without --ddl-lock-timeout"
pgm down --all
expect_rc 0

# above PostgreSQL's limit, or nothing: refused, nothing run
for s in 2147483.648 2147484 35792m 1e9 0; do
    pgm --ddl-lock-timeout "$s" up
    expect_rc 2
    expect_contains "$ERR" "--ddl-lock-timeout takes seconds"
    expect_contains "$ERR" "at most 2147483.647 (PostgreSQL's limit: 2147483647 ms)"
    pgm --lock-timeout "$s" up
    if [ "$s" = 0 ]; then
        expect_rc 0   # 0: one try for the migration lock
        pgm down --all
        expect_rc 0
    else
        expect_rc 2
        expect_contains "$ERR" "--lock-timeout takes seconds, like 15 or 2.5 or 30s, at most 2147483.647"
        PGMIGRATE_LOCK_TIMEOUT=$s pgm up
        expect_rc 1
        expect_contains "$ERR" "PGMIGRATE_LOCK_TIMEOUT=$s is not a number of seconds (like 15, 2.5, 30s or 2m) from 0 to 2147483.647"
    fi
    expect_eq "$(q "SELECT to_regclass('seen') IS NULL")" "t" "nothing ran with $s"
done
