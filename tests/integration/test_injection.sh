#!/usr/bin/env bash
# The tracking table's name is the user's text (--table, PGMIGRATE_TABLE in .env): names holding
# ' " \ $$ ; -- and newlines, bare and as schema.name, go through every command that talks to the
# database. Afterwards (an injection's effects last) a sentinel table is still there, no role was
# made, the tracking tables have exactly that name (the history's comment names it exactly), and
# the database holds nothing else. Also: a name PostgreSQL would cut (its history table's name
# over 63 bytes) is refused before anything is done.
. "$(dirname "$0")/lib.sh"

mig 1 one 'CREATE TABLE t_one (id int);' 'DROP TABLE t_one;'
mig 2 two 'CREATE TABLE t_two (id int);' 'DROP TABLE t_two;'

# psql with the name in variables s (schema) and t (table), SQL on stdin
qv() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" \
        -v s="$1" -v t="$2"
}
# what an injection would change: the sentinel's rows (its count through query_to_xml, which
# runs only when the table is there), the roles made, and the tables besides the sentinel and
# the migrations' (of which the tracking tables of name s.t are how many)
STATE_SQL="SELECT coalesce((SELECT (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM public.sentinel', false, true, '')))[1]::text
                            WHERE to_regclass('public.sentinel') IS NOT NULL), 'none')
  || ' rows, ' || (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'pgm_evil%') || ' roles, '
  || (SELECT count(*) FILTER (WHERE schemaname = :'s' AND tablename IN (:'t', :'t' || '_history')) || ' of ' || count(*)
      FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename NOT IN ('sentinel', 't_one', 't_two'))
  || ' tables'"
state() { qv "$SCHEMA" "$TABLE" <<<"$STATE_SQL"; }

# run CMD...: pgmigrate with the table given the current way ($MODE: flag or dotenv), expect exit 0
run() {
    if [ "$MODE" = flag ]; then
        pgm --table "$NAME" "$@"
    else
        pgm "$@"
    fi
    expect_rc 0
}

NAMES=(
    "x'; DROP TABLE sentinel; --"
    "y\"; DROP TABLE sentinel; --"
    "z\\'; DROP TABLE sentinel; CREATE ROLE pgm_evil1;--"
    "w\$\$; DROP TABLE sentinel; \$\$"
    $'n\'); DROP TABLE sentinel;\n--x\nCREATE ROLE pgm_evil2;--'
    "sch'; DROP TABLE sentinel; --.t\"; DROP TABLE sentinel; --"
    $'s\\"ch\n.t\'\\; CREATE ROLE pgm_evil3 SUPERUSER; --'
)
# each round starts from a copy of this: the sentinel and its row
TPL="${DB:0:55}_tpl"
psql_admin -c "DROP DATABASE IF EXISTS \"$TPL\"" -c "CREATE DATABASE \"$TPL\""
PGPASSWORD=$PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$TPL" \
    -c "CREATE TABLE sentinel (x int); INSERT INTO sentinel VALUES (1)"
on_exit "psql_admin -c 'DROP DATABASE IF EXISTS \"$TPL\"' >/dev/null 2>&1"

# through --table every name; through .env a quote, and a schema.name with newlines and \ " '
for MODE in flag dotenv; do
    for k in "${!NAMES[@]}"; do
        NAME=${NAMES[k]}
        [ "$MODE" = flag ] || [ "$k" = 0 ] || [ "$k" = 6 ] || continue
        psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\" TEMPLATE \"$TPL\""
        if [[ $NAME == *.* ]]; then
            SCHEMA=${NAME%%.*}
            TABLE=${NAME#*.}
            qv "$SCHEMA" "" <<<'CREATE SCHEMA :"s";'
        else
            SCHEMA=public
            TABLE=$NAME
        fi
        rm -f .env
        if [ "$MODE" = dotenv ]; then
            # a double-quoted .env value, its \ and " escaped, newlines as \n
            v=${NAME//\\/\\\\}
            v=${v//\"/\\\"}
            v=${v//$'\n'/\\n}
            printf 'PGMIGRATE_TABLE="%s"\n' "$v" >.env
        fi

        run up --dry-run
        expect_eq "$(state)" "1 rows, 0 roles, 0 of 0 tables" "after a dry run with [$NAME]"
        run up
        run status
        run version
        expect_eq "$OUT" "2" "version with [$NAME]"
        run validate
        run verify
        run doctor
        run env
        run goto 1
        run down 1
        run force 2
        run version
        expect_eq "$OUT" "2" "version at the end with [$NAME]"

        # nothing changed but the tracking tables, which have exactly the name given; the
        # history's comment names it exactly; the tracking row is there
        got=$(qv "$SCHEMA" "$TABLE" <<<"$STATE_SQL;
SELECT pg_catalog.obj_description(pg_catalog.format('%I.%I', :'s', :'t' || '_history')::regclass, 'pg_class') =
  'pgmigrate: every migration applied, reverted or forced, with checksums; ' || :'t' || ' beside it is golang-migrate''s table';
\\set q 'SELECT version FROM ' :\"s\" '.' :\"t\"
:q;")
        expect_eq "$got" "1 rows, 0 roles, 2 of 2 tables
t
2" "the database after every command with [$NAME]"
    done
done

# a name PostgreSQL would cut: 55 bytes is the most (55 + "_history" = 63)
MODE=flag
NAME=$(printf 'a%.0s' $(seq 55))
psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\" TEMPLATE \"$TPL\""
rm -f .env
run up
expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('$NAME', '${NAME}_history')")" "2" "a 55-byte name"
for n in 56 63 64 80; do
    long=$(printf 'b%.0s' $(seq "$n"))
    for how in flag dotenv schema; do
        case $how in
            flag) pgm --table "$long" up ;;
            dotenv) printf 'PGMIGRATE_TABLE=%s\n' "$long" >.env; pgm up; rm -f .env ;;
            schema) pgm --table "public.$long" status ;;
        esac
        expect_rc 2
        expect_contains "$ERR" "table name \"$long\" is too long ($n bytes)"
        expect_contains "$ERR" "the table name plus \"_history\" must fit in 63 bytes"
    done
done
pgm --table "$(printf 's%.0s' $(seq 64)).t" status
expect_rc 2
expect_contains "$ERR" "is too long (64 bytes)"
# a multibyte name: bytes count, not characters (28 x 2 bytes = 56)
pgm --table "$(printf 'é%.0s' $(seq 28))" status
expect_rc 2
expect_contains "$ERR" "(56 bytes)"
pgm --table "$(printf '\xff\xfe')" status
expect_rc 2
expect_contains "$ERR" "invalid table name: it is not valid UTF-8"
expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" "5" \
    "tables in public (sentinel, t_one, t_two, the 55-byte name's two): none made for refused names"
