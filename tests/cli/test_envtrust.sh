#!/usr/bin/env bash
# A .env chooses the database and the tracking table, so only a file of the user's own (or
# root's) that nobody else may write is read: ./.env and --env-file planted by another user in a
# shared sticky folder (like /tmp) are refused with the file and its owner named, and so is a
# group- or world-writable one of the user's own. Run as root (CI) it also runs pgmigrate as an
# unprivileged user (nobody) against files of other users; as another user it checks what it can.
. "$(dirname "$0")/lib.sh"

expect_rc() { CHECKS=$((CHECKS + 1)); [ "$RC" = "$1" ] || fail "expected exit $1, got $RC"; }
has() { CHECKS=$((CHECKS + 1)); grep -qF -- "$1" <<<"$OUT" || fail "output lacks [$1]"; }
hasnt() { CHECKS=$((CHECKS + 1)); ! grep -qF -- "$1" <<<"$OUT" || fail "output has [$1]"; }
# as USER ARGS...: pgmigrate run as USER (a uid), output in $OUT, exit code in $RC
as() {
    local uid=$1
    shift
    set +e
    OUT=$(setpriv --reuid="$uid" --regid="$uid" --clear-groups "$PGM_BIN" "$@" 2>&1)
    RC=$?
    set -e
}

PLANT='PGMIGRATE_TABLE=x'"'"'; DROP TABLE y; --'
chmod 755 "$T"
mkdir shared
chmod 1777 shared    # a /tmp-like folder: anyone may add files, only their owner may remove them
cd shared

# the user's own .env: read; writable by the group or others: refused, with the mode and the fix
printf 'PGMIGRATE_TABLE=mine\n' >.env
chmod 644 .env
run env
expect_rc 0
has "mine"
for m in 664 646 666 620; do
    chmod "$m" .env
    run env
    expect_rc 1
    has "error: env file \".env\" may be changed by other users (mode 0$m, owner $(id -un)): not read"
    has "HINT: chmod go-w \".env\""
    hasnt "mine"
    run --env-file .env env
    expect_rc 1
    has "error: env file \".env\" may be changed by other users (mode 0$m"
done
rm -f .env

if [ "$(id -u)" = 0 ]; then
    # another user's .env in the current folder, and given with --env-file: refused, owner named
    printf '%s\n' "$PLANT" >.env
    chown nobody .env
    chmod 644 .env
    run env
    expect_rc 1
    has "error: env file \".env\" belongs to another user (nobody): not read"
    hasnt "DROP TABLE"
    run --env-file "$T/shared/.env" env
    expect_rc 1
    has "error: env file \"$T/shared/.env\" belongs to another user (nobody): not read"
    # a file of a user the passwd database does not know: its number
    chown 54321 .env
    run env
    expect_rc 1
    has "belongs to another user (uid 54321): not read"

    # pgmigrate as an unprivileged user (nobody, 65534): another user's file is refused ...
    as 65534 env
    expect_rc 1
    has "error: env file \".env\" belongs to another user (uid 54321): not read"
    as 65534 --env-file .env env
    expect_rc 1
    has "belongs to another user (uid 54321)"
    # ... root's is read (the system's), and so is the user's own unless others may write it
    printf 'PGMIGRATE_TABLE=roots\n' >.env
    chown root .env
    as 65534 env
    expect_rc 0
    has "roots"
    rm -f .env
    setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'printf "PGMIGRATE_TABLE=nobodys\n" >.env && chmod 644 .env'
    as 65534 env
    expect_rc 0
    has "nobodys"
    chmod 666 .env
    as 65534 env
    expect_rc 1
    has "may be changed by other users (mode 0666, owner nobody): not read"
    # and root does not read nobody's file
    chmod 644 .env
    run env
    expect_rc 1
    has "belongs to another user (nobody): not read"
    rm -f .env
elif [ "${CI:-}" = true ]; then
    fail "the ownership checks need root (CI runs as root)"
else
    echo "note: not root: the checks of files owned by other users are skipped" >&2
fi
