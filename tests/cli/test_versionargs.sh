#!/usr/bin/env bash
# Versions typed on the command line (force, goto, verify) are PostgreSQL bigints: one out of that
# range is refused with exit 2 before anything connects (strtoll used to saturate, so
# `force 99999999999999999999` recorded 9223372036854775807); counts (up N, down N) are bounded.
. "$(dirname "$0")/lib.sh"

expect_rc() { CHECKS=$((CHECKS + 1)); [ "$RC" = "$1" ] || fail "expected exit $1, got $RC"; }
has() { CHECKS=$((CHECKS + 1)); grep -qF -- "$1" <<<"$OUT" || fail "output lacks [$1]"; }
hasnt() { CHECKS=$((CHECKS + 1)); ! grep -qF -- "$1" <<<"$OUT" || fail "output has [$1]"; }

mkdir migrations
printf 'SELECT 1;\n' >migrations/000001_a.up.sql
# nothing listens on port 1: a command that got past its arguments fails to connect (exit 3)
export DATABASE_URL="postgres://u@127.0.0.1:1/db?connect_timeout=2"

for cmd in force goto verify; do
    for v in 99999999999999999999 9223372036854775808 -99999999999999999999 -9223372036854775809; do
        run "$cmd" "$v"
        expect_rc 2
        case $cmd:$v in
            goto:-* | verify:-*) ;;  # refused anyway (a negative version)
            *) has "error: version $v is out of range: versions are PostgreSQL bigints, at most 9223372036854775807" ;;
        esac
        hasnt "could not connect"
    done
    for v in "" " 5" "+5" "5x" "0x10" "1e3"; do
        run "$cmd" "$v"
        expect_rc 2
        hasnt "could not connect"
    done
done
# the largest bigint is a version: past the arguments (to the connection, or the files)
for cmd in force goto verify; do
    run "$cmd" 9223372036854775807
    CHECKS=$((CHECKS + 1))
    [ "$RC" != 2 ] || fail "$cmd 9223372036854775807: a usage error"
    hasnt "out of range"
done
run force 9223372036854775807
has "could not connect"
run force -1
has "could not connect"
for cmd in up down; do
    for n in 99999999999999999999 1000001 0 -1 x; do
        run "$cmd" "$n"
        expect_rc 2
        hasnt "could not connect"
    done
done
