#!/usr/bin/env bash
# pgmigrate.exe reads a .env (./.env or --env-file) only when the file's owner SID is the
# current user's, or the Administrators group's or SYSTEM's; another owner's is refused, naming
# the file and the owner. Under wine the file's Unix owner maps to the SID: the test's own user
# is the current user, any other Unix user shows as another account.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { [ "${CI:-}" != true ] || fail "the owner checks need root (CI runs as root)"; echo "ok: $TEST_NAME (not root: skipped)"; exit 0; }

printf 'PGMIGRATE_TABLE=mine_env\n' >.env
pgm env
expect_rc 0
expect_contains "$OUT" "mine_env" "a .env of the user's own"
pgm --env-file .env env
expect_rc 0
expect_contains "$OUT" "mine_env" "--env-file of the user's own"

chown nobody .env
pgm env
expect_rc 1
expect_contains "$ERR" "error: env file \".env\" belongs to another user ("
expect_contains "$ERR" "): not read"
expect_not_contains "$OUT" "mine_env"
pgm --env-file .env env
expect_rc 1
expect_contains "$ERR" "error: env file \".env\" belongs to another user ("
chown root .env
pgm env
expect_rc 0
