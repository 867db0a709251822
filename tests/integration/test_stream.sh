#!/usr/bin/env bash
# Large files (issue 3): a migration above 16 MiB is streamed statement by
# statement in its one transaction, so memory stays bounded (psql does this;
# golang-migrate and dbmate read the whole file). Checks: peak memory well
# below the file size, the data and bookkeeping are there, the checksum is
# the file's (CRLF/BOM-normalised) SHA-256, and an error deep in the file is
# reported at its line with nothing of the file left behind.
. "$(dirname "$0")/lib.sh"

command -v /usr/bin/time >/dev/null || fail "/usr/bin/time is needed (Debian package time)"
mig 000001 big_table "-- a table for the data
CREATE TABLE big (id int PRIMARY KEY, payload text);" "DROP TABLE big;"
gen() {  # gen FILE ROWS [BAD_AT]: INSERTs of 100 rows each, about 1 KiB per row
    python3 - "$@" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
bad = int(sys.argv[3]) if len(sys.argv) > 3 else -1
pad = "x" * 1000
with open(path, "w", newline="") as f:
    f.write("\ufeff-- bulk data, CRLF line ends\r\n")
    for start in range(0, rows, 100):
        vals = ",\r\n".join(f"({i}, '{pad}')" for i in range(start, min(start + 100, rows)))
        f.write(f"INSERT INTO big VALUES\r\n{vals};\r\n")
        if start // 100 == bad:
            f.write("INSERT INTO nope VALUES (1);\r\n")
PY
}
gen migrations/000002_big_data.up.sql 40000
printf 'DELETE FROM big;\n' >migrations/000002_big_data.down.sql
size=$(stat -c %s migrations/000002_big_data.up.sql)
[ "$size" -gt $((30 * 1024 * 1024)) ] || fail "test file too small: $size"

/usr/bin/time -f '%M' -o "$WORK/rss" "$PGM_BIN" up >"$WORK/.out" 2>"$WORK/.err" || { cat "$WORK/.err"; fail "up failed"; }
rss_kib=$(tail -1 "$WORK/rss")
expect_eq "$(q "SELECT count(*) FROM big")" 40000 "rows of the streamed migration"
expect_eq "$(tracked)" "2|f"
# bounded by the pieces and libpq's buffers, not by the file: below 64 MiB and below the file size
[ "$rss_kib" -lt $((48 * 1024)) ] && [ "$rss_kib" -lt $((size / 1024)) ] || \
    fail "peak memory ${rss_kib} KiB for a $((size / 1024)) KiB file: not streamed"
CHECKS=$((CHECKS + 1))
echo "streamed $((size / 1048576)) MiB with a peak of $((rss_kib / 1024)) MiB"
expect_eq "$(q "SELECT checksum FROM schema_migrations_history WHERE version = 2 AND outcome = 'applied'")" \
    "$(tail -c +4 migrations/000002_big_data.up.sql | sed 's/\r$//' | sha256sum | cut -d' ' -f1)" "checksum of the streamed file"
pgm status --json
expect_eq "$(jget status migrations.1.state)" applied "a streamed file is not 'modified'"
pgm validate
expect_rc 0
expect_not_contains "$OUT$ERR" "no SQL statement" "validate of a streamed file (it is not empty)"

# an error deep in a streamed file: its line, nothing of the file kept
pgm down
expect_rc 0
gen migrations/000002_big_data.up.sql 40000 300
bad_line=$(grep -n 'INSERT INTO nope' migrations/000002_big_data.up.sql | cut -d: -f1)
pgm up --allow-modified
expect_rc 1
expect_contains "$ERR" "migrations/000002_big_data.up.sql:${bad_line}:13: error: relation \"nope\" does not exist"
expect_contains "$ERR" "INSERT INTO nope VALUES (1);"
expect_eq "$(q "SELECT count(*) FROM big")" 0 "the failed streamed migration rolled back"
expect_eq "$(tracked)" "1|f"

# a large file wrapped in its own BEGIN ... COMMIT (issue 14): the pair is dropped, the rest
# streams in pgmigrate's transaction; an error rolls all of it back
pgm force 1
expect_rc 0
gen_wrapped() {  # gen_wrapped FILE ROWS [BAD_AT] [TAIL]: gen's INSERTs between BEGIN and COMMIT (then TAIL)
    gen "$1.body" "$2" "${3:--1}"
    { printf -- '-- wrapped bulk data\nSET lock_timeout = 0;\nBEGIN;\n'; tail -c +4 "$1.body"; printf 'COMMIT;\n%s' "${4:-}"; } >"$1"
    rm "$1.body"
}
gen_wrapped migrations/000002_big_data.up.sql 17000
[ "$(stat -c %s migrations/000002_big_data.up.sql)" -gt $((16 * 1024 * 1024)) ] || fail "wrapped test file too small"
pgm up --allow-modified
expect_rc 0
expect_eq "$(q "SELECT count(*) FROM big")" 17000 "rows of the streamed wrapped migration"
expect_eq "$(tracked)" "2|f" "streamed wrapped migration applied"
pgm down
expect_rc 0
gen_wrapped migrations/000002_big_data.up.sql 17000 150
pgm up --allow-modified
expect_rc 1
expect_contains "$ERR" "relation \"nope\" does not exist" "streamed wrapped failure"
expect_eq "$(q "SELECT count(*) FROM big")" 0 "the failed streamed wrapped migration rolled back"
expect_eq "$(tracked)" "1|f" "streamed wrapped failure: clean"
gen_wrapped migrations/000002_big_data.up.sql 17000 -1 $'INSERT INTO big VALUES (-1, \'after\');\n'
pgm up --allow-modified
expect_rc 6
expect_contains "$ERR" "controls its own transaction" "streamed: a statement after the COMMIT is refused"
expect_eq "$(q "SELECT count(*) FROM big")" 0 "refused streamed file rolled back"
expect_eq "$(tracked)" "1|f"
