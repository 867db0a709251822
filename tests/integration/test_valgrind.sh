#!/usr/bin/env bash
# valgrind finds no leak and no memory error in the CLI: up (batched and
# streamed-free paths), status, validate, a failing migration, down, lint.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || fail "valgrind is needed (Debian package valgrind)"
cp "$PGM_SRC"/migrations/*.sql migrations/
vg() {
    set +e
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --error-exitcode=99 "$PGM_BIN" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
    CHECKS=$((CHECKS + 1))
    [ "$RC" != 99 ] || { show >&2; fail "valgrind reported errors for: $*"; }
}
vg up 5
expect_rc 0
vg --json up
expect_rc 0
vg status
expect_rc 0
vg validate
expect_rc 0
vg down 2
expect_rc 0
mig 000100 bad "-- fails at line 3
CREATE TABLE vg_a (id int);
SELECT * FROM nope;" "DROP TABLE vg_a;"
vg up
expect_rc 1
expect_contains "$ERR" "000100_bad.up.sql:3:15"
vg --path "$PGM_SRC/migrations" lint
expect_rc 0
vg new valgrind_check
expect_rc 0
vg --version
expect_rc 0
