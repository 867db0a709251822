#!/usr/bin/env bash
# No password in any output: a role whose password holds @ : / ? # % & ' \ and blanks.
# Written correctly (percent-encoded URL, quoted keyword/value string, the scheme in any
# case) it connects; written wrongly (raw in a URL, unquoted, another scheme) every command
# refuses before libpq sees it, advises percent-encoding or quotes with the string as meant
# (password masked), and no 4-byte piece of the password shows in stdout, stderr (human and
# --json) or the server's log.
. "$(dirname "$0")/lib.sh"

LOG=$PGM_PG_DIR/server.log
[ -f "$LOG" ] || fail "no server log at $LOG"
LOG_START=$(stat -c %s "$LOG")

# random letters between the special characters: every 4-byte piece is this run's own,
# so a hit in the shared server log is ours (bash's $RANDOM: python starts slowly on a busy machine)
LETTERS=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
rnd() { local i r=; for ((i = 0; i < $1; i++)); do r+=${LETTERS:RANDOM % 52:1}; done; printf '%s' "$r"; }
PW="$(rnd 3)@$(rnd 2):$(rnd 3)/$(rnd 3)?$(rnd 2)#$(rnd 2)%$(rnd 2)&$(rnd 2)'$(rnd 2)\\$(rnd 2) $(rnd 3) $(rnd 2)"
ROLE="sec_$$"
# the password percent-encoded, and each of its 4-byte pieces
pct() { local i c o=; for ((i = 0; i < ${#1}; i++)); do c=${1:i:1}; case $c in [A-Za-z0-9._~-]) o+=$c;; *) o+=$(printf '%%%02X' "'$c");; esac; done; printf '%s' "$o"; }
ENC=$(pct "$PW")
for ((i = 0; i + 4 <= ${#PW}; i++)); do printf '%s\n' "${PW:i:4}"; done >"$WORK/.pieces"
KVPW=$(printf '%s' "$PW" | sed "s/[\\\\']/\\\\&/g")
HOSTPART="127.0.0.1:${PG_PORT}/${DB}"

printf '%s\n' "CREATE ROLE \"$ROLE\" LOGIN PASSWORD :'pw';" "ALTER DATABASE \"$DB\" OWNER TO \"$ROLE\";" |
    psql_admin -v pw="$PW" >/dev/null
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)' -c 'DROP ROLE IF EXISTS \"$ROLE\"' >/dev/null"
unset DATABASE_URL

# no_secret TEXT WHAT: no piece of the password in TEXT
no_secret() {
    local hit
    CHECKS=$((CHECKS + 1))
    if hit=$(printf '%s' "$1" | LC_ALL=C grep -aoF -f "$WORK/.pieces" | head -n 1) && [ -n "$hit" ]; then
        show >&2
        fail "$2 shows [$hit], a piece of the password"
    fi
}

mig 000001 t "CREATE TABLE t (id int);" "DROP TABLE t;"

# ---------------------------------------------------------------- written correctly: it connects
GOOD_URL="postgres://${ROLE}:${ENC}@${HOSTPART}?sslmode=disable"
pgm --database "$GOOD_URL" up
expect_rc 0
no_secret "$OUT$ERR" "up with an encoded URL"
expect_eq "$(q "SELECT version FROM schema_migrations")" 1 "applied as the role"
expect_eq "$(q "SELECT tableowner FROM pg_tables WHERE tablename = 't'")" "$ROLE" "owner of t"
for scheme in POSTGRES PostgreSQL postgresql; do
    pgm --database "${scheme}://${ROLE}:${ENC}@${HOSTPART}" status
    expect_rc 0
    expect_contains "$OUT" "database: ${scheme,,}://${ROLE}:****@${HOSTPART}" "$scheme:// accepted, shown in lower case"
    no_secret "$OUT$ERR" "status with $scheme://"
done
pgm --database "host=127.0.0.1 port=$PG_PORT dbname=$DB user=$ROLE password='$KVPW'" version
expect_rc 0
expect_eq "$OUT" 1 "version through a quoted keyword/value string"
no_secret "$OUT$ERR" "version with a keyword/value string"
for cmd in env doctor; do
    pgm --database "$GOOD_URL" $cmd
    expect_rc 0
    no_secret "$OUT$ERR" "$cmd with an encoded URL"
    pgm --database "$GOOD_URL" --json $cmd
    expect_rc 0
    no_secret "$OUT$ERR" "$cmd --json with an encoded URL"
done
expect_contains "$OUT" "postgres://${ROLE}:****@${HOSTPART}?sslmode=disable" "doctor --json target"

# ---------------------------------------------------------------- written wrongly: refused, advised, masked
MEANT="postgres://${ROLE}:****@${HOSTPART}"
SLASH=${PW#*:}      # the piece between ':' and '?' holds a '/' only
SLASH=${SLASH%%\?*}
# name|connection string|the advice's words|the string as meant, masked
CASES=(
    "raw URL|postgres://${ROLE}:${PW}@${HOSTPART}|must be percent-encoded|$MEANT"
    "a slash|postgres://${ROLE}:${SLASH}@${HOSTPART}|must be percent-encoded|$MEANT"
    "an at sign and a colon|postgres://${ROLE}:${PW%%/*}@${HOSTPART}|must be percent-encoded|$MEANT"
    "an ampersand in the query|postgres://${HOSTPART}?user=${ROLE}&password=${PW#*%}|must be percent-encoded|postgres://${HOSTPART}?user=${ROLE}&password=****"
    "upper-case raw|POSTGRES://${ROLE}:${PW}@${HOSTPART}|must be percent-encoded|$MEANT"
    "another scheme|postgre://${ROLE}:${PW}@${HOSTPART}|not a postgres:// URL|postgre://${ROLE}:****@${HOSTPART}"
    "unquoted keyword/value|host=127.0.0.1 port=$PG_PORT dbname=$DB user=$ROLE password=$PW|needs quotes|host=127.0.0.1 port=$PG_PORT dbname=$DB user=$ROLE password=****"
)
# every command (human and --json) with the raw URL and the unquoted keyword/value string;
# up, env and doctor with the others
for c in "${CASES[@]}"; do
    IFS='|' read -r name ci advice meant <<<"$c"
    cmds=(up)
    case $name in "raw URL" | "unquoted keyword/value") cmds=(up status version validate "psql -c select");; esac
    for cmd in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        pgm --database "$ci" $cmd
        [ "$RC" != 0 ] || { show >&2; fail "$name: $cmd succeeded"; }
        expect_contains "$OUT$ERR" "$advice" "$name: $cmd's error"
        expect_contains "$OUT$ERR" "$meant" "$name: $cmd's error shows the string as meant"
        no_secret "$OUT$ERR" "$name: $cmd"
        # shellcheck disable=SC2086
        pgm --database "$ci" --json $cmd
        [ "$RC" != 0 ] || { show >&2; fail "$name: $cmd --json succeeded"; }
        no_secret "$OUT$ERR" "$name: $cmd --json"
    done
    expect_contains "$OUT" '"event":"error","code":"config"' "$name: --json error"
    expect_contains "$OUT" "$advice" "$name: --json message"
    pgm --database "$ci" env
    expect_rc 0
    expect_contains "$OUT" "$meant" "$name: env shows the string as meant"
    no_secret "$OUT$ERR" "$name: env"
    pgm --database "$ci" --json doctor
    expect_rc 1
    expect_contains "$OUT" "$meant" "$name: doctor --json shows the string as meant"
    expect_contains "$OUT" "$advice" "$name: doctor --json advice"
    no_secret "$OUT$ERR" "$name: doctor --json"
    case $name in "raw URL" | "unquoted keyword/value")
        pgm --database "$ci" --json env
        no_secret "$OUT$ERR" "$name: env --json"
        pgm --database "$ci" doctor
        no_secret "$OUT$ERR" "$name: doctor"
        # the same from .env
        printf 'DATABASE_URL="%s"\n' "$(printf '%s' "$ci" | sed 's/[\\"]/\\&/g')" >.env
        pgm status
        [ "$RC" != 0 ] || { show >&2; fail "$name from .env: status succeeded"; }
        expect_contains "$ERR" "$advice" "$name from .env"
        no_secret "$OUT$ERR" "$name from .env"
        rm -f .env;;
    esac
done
expect_eq "$(q "SELECT version FROM schema_migrations")" 1 "nothing ran"

# ---------------------------------------------------------------- the server never saw it
LOG_NEW=$(tail -c +"$((LOG_START + 1))" "$LOG")
OUT=$LOG_NEW ERR=
no_secret "$LOG_NEW" "the server log"
