#!/usr/bin/env bash
# Every file of a run is checked before the first one is sent (issue 15, point 3):
# with more pending migrations than one batch holds (1,000 files), a NUL byte in
# the last file used to stop `up` only after the first batch (versions 1..1000)
# had committed. Now `up`, `goto`, `down --all` and --dry-run refuse the bad file
# with its file:line:col and nothing of the run is applied.
. "$(dirname "$0")/lib.sh"

N=1205
# version 1 makes table t, each later one adds its row; downs undo them
printf 'CREATE TABLE t (x int);\n' >migrations/000001_t.up.sql
printf 'DROP TABLE t;\n' >migrations/000001_t.down.sql
for ((i = 2; i <= N; i++)); do
    v=$(printf '%06d' "$i")
    printf 'INSERT INTO t VALUES (%d);\n' "$i" >"migrations/${v}_m.up.sql"
    printf 'DELETE FROM t WHERE x = %d;\n' "$i" >"migrations/${v}_m.down.sql"
done
LAST=$(printf '%06d' "$N")
# rows: the rows of t ("none" when t does not exist)
rows() { if table_exists t; then q "SELECT count(*) FROM t"; else echo none; fi; }

# ---- up: a NUL byte in the last of 1,205 pending files; nothing applied ----
printf 'SELECT 1;\nINSERT INTO t VALUES (\0%d);\n' "$N" >"migrations/${LAST}_m.up.sql"
pgm up
expect_rc 6
expect_contains "$ERR" "migrations/${LAST}_m.up.sql:2:23: error: the file has a NUL byte" "up: file:line:col of the last file"
expect_eq "$(tracked)" "" "up: nothing applied (not versions 1..1000)"
expect_eq "$(rows)" none "up: table t not made"
pgm --json up
expect_rc 6
expect_eq "$(jget error file)" "migrations/${LAST}_m.up.sql" "up --json: the error's file"
expect_eq "$(jget error line):$(jget error column)" "2:23" "up --json: the error's place"
expect_eq "$(tracked)" "" "up --json: nothing applied"
pgm up --dry-run
expect_rc 6
expect_contains "$ERR" "migrations/${LAST}_m.up.sql:2:23: error: the file has a NUL byte" "up --dry-run"
expect_not_contains "$OUT" "000001_t" "up --dry-run: nothing rehearsed before the refusal"
expect_eq "$(tracked)" "" "up --dry-run: nothing applied"

# ---- goto up to the bad file: refused; goto below it runs ----
pgm goto "$N"
expect_rc 6
expect_contains "$ERR" "migrations/${LAST}_m.up.sql:2:23: error: the file has a NUL byte" "goto up"
expect_eq "$(tracked)" "" "goto up: nothing applied"
pgm goto $((N - 1))
expect_rc 0
expect_eq "$(tracked)" "$((N - 1))|f" "goto below the bad file"
expect_eq "$(rows)" "$((N - 2))" "goto below the bad file: the rows"

# ---- goto down: a bad down file at the end of 1,203 steps; nothing undone ----
printf 'DELETE FROM t\nWHERE x = 2;\xff\n' >migrations/000002_m.down.sql
pgm goto 1
expect_rc 6
expect_contains "$ERR" "migrations/000002_m.down.sql:2:13: error: the file is not valid UTF-8" "goto down"
expect_eq "$(tracked)" "$((N - 1))|f" "goto down: nothing undone"
expect_eq "$(rows)" "$((N - 2))" "goto down: rows kept"

# ---- down --all: a NUL byte in the first version's down file, the last step ----
printf 'DELETE FROM t WHERE x = 2;\n' >migrations/000002_m.down.sql
printf 'INSERT INTO t VALUES (%d);\n' "$N" >"migrations/${LAST}_m.up.sql"
pgm up
expect_rc 0
expect_eq "$(tracked)" "$N|f" "up once the file is fixed"
printf '\n\nDROP TABLE t;\0\n' >migrations/000001_t.down.sql
pgm down --all
expect_rc 6
expect_contains "$ERR" "migrations/000001_t.down.sql:3:14: error: the file has a NUL byte" "down --all"
expect_eq "$(tracked)" "$N|f" "down --all: nothing undone"
expect_eq "$(rows)" "$((N - 1))" "down --all: rows kept"
pgm down --all --dry-run
expect_rc 6
expect_contains "$ERR" "migrations/000001_t.down.sql:3:14: error: the file has a NUL byte" "down --all --dry-run"
expect_eq "$(tracked)" "$N|f" "down --all --dry-run: nothing undone"
printf 'DROP TABLE t;\n' >migrations/000001_t.down.sql
pgm down --all
expect_rc 0
expect_eq "$(tracked)" "" "down --all once the file is fixed"
expect_eq "$(rows)" none "down --all: table t dropped"
