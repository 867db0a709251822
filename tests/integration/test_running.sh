#!/usr/bin/env bash
# A long migration shows life (issue 14): on a terminal, a migration that has run for more
# than a second gets a line with its file and the elapsed time, redrawn in place and erased
# when it ends, whatever the number of migrations (with five or more, the bar carries the
# time). Not on a terminal: nothing of the kind. The long migration waits at the gate
# (lib.sh) for as long as the test keeps it closed.
. "$(dirname "$0")/lib.sh"

# onterm_bg OUTFILE ARGS...: run pgmigrate on a pseudo-terminal (script), in the background,
# its terminal output written to OUTFILE as it comes (-f); pid in $BG
onterm_bg() {
    local out=$1 cmd
    shift
    printf -v cmd '%q ' "$PGM_BIN" "$@"
    NO_COLOR=1 TERM=xterm script -qefc "$cmd" "$out" </dev/null >/dev/null 2>&1 &
    BG=$!
}
bg_wait() {
    set +e
    wait "$BG"
    RC=$?
    set -e
}
# the elapsed times the running line for FILE showed in OUT, one a line
shown_times() { grep -ao "running $2 \.\.\. [0-9]*\.[0-9]s" "$1" | sed 's/.* //; s/s$//' || true; }
# shown_at_least OUT FILE SECONDS: the line for FILE has shown SECONDS or more
shown_at_least() {
    local t
    for t in $(shown_times "$1" "$2"); do
        awk -v t="$t" -v m="$3" 'BEGIN { exit !(t >= m) }' && return 0
    done
    return 1
}

mig 000001 quick "CREATE TABLE one (id int);" "DROP TABLE one;"
mig 000002 slow "-- waits at the gate
$GATE_SQL
CREATE TABLE two (id int);" "DROP TABLE two;"
mig 000003 after "CREATE TABLE three (id int);" "DROP TABLE three;"

# ---------------------------------------------------------------- three migrations on a terminal
gate_close
onterm_bg "$WORK/tty.out" up
wait_for "the running line of 000002 on the terminal ($(cat -v "$WORK/tty.out" 2>/dev/null))" 60 \
    grep -aq "running 000002_slow.up.sql \.\.\. " "$WORK/tty.out"
# redrawn as the time goes on: a later draw shows two seconds or more
wait_for "the running line to reach 2.0s ($(shown_times "$WORK/tty.out" 000002_slow.up.sql | tr '\n' ' '))" 60 \
    shown_at_least "$WORK/tty.out" 000002_slow.up.sql 2.0
CHECKS=$((CHECKS + 1))
first=$(shown_times "$WORK/tty.out" 000002_slow.up.sql | head -n 1)
awk -v t="$first" 'BEGIN { exit !(t >= 1.0) }' || fail "the first running line shows $first s: drawn before a second had passed"
gate_open
bg_wait
OUT=$(cat "$WORK/tty.out")
ERR=
expect_rc 0
expect_contains "$OUT" "applied  000001_quick"
expect_contains "$OUT" $'\r\033[Kapplied  000002_slow' "the running line erased before the applied line"
expect_contains "$OUT" "applied  000003_after"
expect_contains "$OUT" "3 migrations done"
# nothing drawn after the step ended: the last running line is erased and never comes back
after_last=${OUT##*running 000002_slow.up.sql}
expect_not_contains "$after_last" "running " "output after the last running line"
expect_eq "$(tracked)" "3|f" "tracking row"

# ---------------------------------------------------------------- five or more: the bar carries the time
for v in 4 6 7 8; do mig "00000$v" "quick_$v" "SELECT $v;" "SELECT -$v;"; done
mig 000005 slow5 "$GATE_SQL" "SELECT -5;"
gate_close
onterm_bg "$WORK/bar.out" up
wait_for "the bar with the running time of 000005 ($(cat -v "$WORK/bar.out" 2>/dev/null))" 60 \
    grep -Eaq '\] 1/5 running 000005_slow5 [0-9]+\.[0-9]s' "$WORK/bar.out"
gate_open
bg_wait
OUT=$(cat "$WORK/bar.out")
expect_rc 0
expect_contains "$OUT" "applied  000008_quick_8"

# ---------------------------------------------------------------- not on a terminal: no running line
mig 000009 slow9 "$GATE_SQL" "SELECT -8;"
gate_close
"$PGM_BIN" up >"$WORK/pipe.out" 2>"$WORK/pipe.err" &
BG=$!
wait_for "migration 9 to wait at the gate" 60 gate_has_waiter
sleep 1.5   # only lengthens the hold past the running line's second
gate_open
bg_wait
OUT=$(cat "$WORK/pipe.out")
ERR=$(cat "$WORK/pipe.err")
expect_rc 0
expect_contains "$OUT" "applied  000009_slow9"
expect_not_contains "$OUT$ERR" "running" "output to a pipe and a file"
