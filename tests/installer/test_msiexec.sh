#!/usr/bin/env bash
# installer.msiexec: the MSIs of installer.build under wine's msiexec, in a fresh private
# prefix (PGM_MSI_DIR/wineprefix) with no PostgreSQL in it:
#   - without vcruntime140.dll in system32 the launch condition refuses to install;
#   - msiexec /i /qn: the files where they belong, identical to what build-msi.sh staged;
#     the bin folder on the system PATH (HKLM ... Session Manager\Environment); one
#     Add/Remove Programs entry (publisher, help link, version); HKLM\SOFTWARE\pgmigrate;
#   - the installed pgmigrate.exe: --version, found on PATH by a new process, and `up` of
#     the example migrations into a database of the private PostgreSQL (pg15 fixture) with
#     nothing but the bundled DLLs (libpq.dll exists nowhere else in the prefix);
#   - the installed module as PowerShell 7.6.9 finds it (installed into the build cache if needed):
#     Get-Module -ListAvailable, its commands, and its lookup of pgmigrate.exe;
#   - the next version over it: one ARP entry, the new version's files only, PATH once;
#     the older MSI then refuses to downgrade;
#   - msiexec /x: the files, folders, PATH entry, registry key and ARP entry gone.
# Every wine process of the prefix is stopped at the end (wineserver -k).
. "$(dirname "$0")/lib.sh"
require_tools wine wineserver msiinfo
for m in "$MSI1" "$MSI2"; do
    [ -f "$m" ] || msi_die "$m is missing: installer.build makes it (run the tests through ctest)"
done

prefix=$PGM_MSI_DIR/wineprefix
export WINEPREFIX=$prefix WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY WAYLAND_DISPLAY PGMIGRATE_PG_BIN PGMIGRATE_EXE

# the database side: a fresh database on the private server, a scratch folder, expect_*
export PGM_BIN=/nonexistent   # integration/lib.sh wants one; pgmigrate.exe runs through wine
# shellcheck source=../integration/lib.sh
. "$PGM_SRC/tests/integration/lib.sh"
stop_wine() { wineserver -k >/dev/null 2>&1 || true; wineserver -w >/dev/null 2>&1 || true; }
on_exit stop_wine

winpath() { local p=$1; printf 'Z:%s' "${p//\//\\}"; }
drive_c=$prefix/drive_c
pf="$drive_c/Program Files"
bindir="$pf/pgmigrate/bin"
moddir="$pf/WindowsPowerShell/Modules/PgMigrate"
BIN_WIN='C:\Program Files\pgmigrate\bin\'
EXE_WIN='C:\Program Files\pgmigrate\bin\pgmigrate.exe'
ENV_KEY='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
UNINSTALL_KEY='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

# msiexec ARGS...: wine msiexec, its log in $WORK/msiexec-N.log; exit code in $RC (mod 256)
nlog=0
msiexec() {
    nlog=$((nlog + 1))
    LOG=$WORK/msiexec-$nlog.log
    set +e
    wine msiexec "$@" /qn /l*v "$(winpath "$LOG")" >/dev/null 2>&1
    RC=$?
    set -e
}
# reg_value KEY NAME: a registry value's data, as `wine reg query` prints it
reg_value() {
    wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' |
        awk -v n="$2" '$1 == n && $2 ~ /^REG_/ { sub(/^[ \t]*[^ \t]+[ \t]+REG_[A-Z_]+[ \t]*/, ""); print; exit }'
}
# arp_entries: "DisplayName|DisplayVersion|Publisher|HelpLink" of each ARP entry named pgmigrate
arp_entries() {
    wine reg query "$UNINSTALL_KEY" /s 2>/dev/null | tr -d '\r' | python3 -c '
import re, sys
entries, cur = [], None
for line in sys.stdin:
    if line.startswith("HKEY_"):
        cur = {}
        entries.append(cur)
        continue
    m = re.match(r"\s+(\S+)\s+REG_\w+\s*(.*)$", line)
    if m and cur is not None:
        cur[m.group(1)] = m.group(2)
for e in entries:
    if e.get("DisplayName") == "pgmigrate":
        print("|".join(e.get(k, "") for k in ("DisplayName", "DisplayVersion", "Publisher", "HelpLink")))
'
}
# path_has_bin: how many times the bin folder is on the system PATH
path_has_bin() { reg_value "$ENV_KEY" PATH | tr ';' '\n' | grep -cixF "$BIN_WIN" || true; }
# wpgm ARGS...: the installed pgmigrate.exe; $OUT, $ERR (CRs dropped), $RC
wpgm() {
    set +e
    wine "$EXE_WIN" "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    set -e
    OUT=$(sed 's/\r$//' "$WORK/.out")
    ERR=$(sed 's/\r$//' "$WORK/.err")
}

# ---------------------------------------------------------------- a fresh machine
t0=$(date +%s)
stop_wine
rm -rf "$prefix"
wineboot -i >/dev/null 2>&1 || fail "wineboot -i failed for $prefix"
wineserver -w
[ -f "$prefix/system.reg" ] || fail "wineboot did not create $prefix"
echo "wine prefix created in $(( $(date +%s) - t0 )) s"
expect_eq "$(find "$drive_c" -iname libpq.dll | wc -l)" 0 "libpq.dll in the fresh prefix"
path_before=$(reg_value "$ENV_KEY" PATH)
[ -n "$path_before" ] || fail "no system PATH in the fresh prefix"

# ---------------------------------------------------------------- no VC runtime: refused
vcrt=$drive_c/windows/system32/vcruntime140.dll
[ -f "$vcrt" ] || fail "the prefix has no system32/vcruntime140.dll (wine's) to hide"
mv "$vcrt" "$vcrt.hidden"
msiexec /i "$(winpath "$MSI1")"
mv "$vcrt.hidden" "$vcrt"
[ "$RC" != 0 ] || fail "msiexec installed although vcruntime140.dll is missing"
expect_eq "$(ls "$pf/pgmigrate" 2>/dev/null | wc -l)" 0 "files after the refused install"
CHECKS=$((CHECKS + 1))

# ---------------------------------------------------------------- install V1
t1=$(date +%s)
msiexec /i "$(winpath "$MSI1")"
expect_eq "$RC" 0 "msiexec /i $(basename "$MSI1") exit code (log: $LOG)"
echo "installed $V1 in $(( $(date +%s) - t1 )) s"
diff -r "$bindir" "$STAGE1/bin" || fail "the bin folder differs from what build-msi.sh staged"
diff -r "$pf/pgmigrate/licenses" "$STAGE1/licenses" || fail "the licenses folder differs from the staged one"
expect_eq "$(ls "$pf/pgmigrate")" "$(printf 'bin\nlicenses')" "folders in Program Files\\pgmigrate"
expect_eq "$(ls "$moddir")" "$V1" "module version folders"
diff -r "$moddir/$V1" "$STAGE1/module" || fail "the module folder differs from the staged one"
CHECKS=$((CHECKS + 3))
expect_eq "$(find "$drive_c" -iname libpq.dll)" "$bindir/libpq.dll" "every libpq.dll in the prefix"
expect_eq "$(path_has_bin)" 1 "the bin folder on the system PATH (PATH: $(reg_value "$ENV_KEY" PATH))"
expect_contains "$(reg_value "$ENV_KEY" PATH)" "$path_before" "the PATH kept what it held"
help_url=$(prop "$MSI1" ARPHELPLINK)
expect_eq "$(arp_entries)" "pgmigrate|$V1|pgmigrate contributors|$help_url" "Add/Remove Programs entries"
expect_eq "$(reg_value 'HKLM\SOFTWARE\pgmigrate' InstallDir)" 'C:\Program Files\pgmigrate\' "HKLM\\SOFTWARE\\pgmigrate InstallDir"
expect_eq "$(reg_value 'HKLM\SOFTWARE\pgmigrate' ModuleDir)" "C:\\Program Files\\WindowsPowerShell\\Modules\\PgMigrate\\$V1\\" "HKLM\\SOFTWARE\\pgmigrate ModuleDir"

# ---------------------------------------------------------------- the installed pgmigrate.exe
wpgm --version
expect_rc 0
expect_eq "$OUT" "pgmigrate $V1" "pgmigrate.exe --version"
# a new process gets the system PATH from the registry: pgmigrate is found by name
set +e
out=$(wine cmd /c pgmigrate --version 2>&1 | tr -d '\r')
set -e
expect_eq "$out" "pgmigrate $V1" "pgmigrate --version through PATH (cmd /c)"

# where pgmigrate looks for libpq: only the bundled copy is found (exe folder, and PATH)
wpgm env
expect_rc 0
grep -E '^[[:space:]]*exe folder[[:space:]]' <<<"$OUT" | grep -F "${BIN_WIN%\\}" | grep libpq >/dev/null ||
    { show >&2; fail "pgmigrate env does not show libpq in the exe folder"; }
CHECKS=$((CHECKS + 1))
others=$(grep -i 'libpq' <<<"$OUT" | grep -viF "${BIN_WIN%\\}" || true)
expect_eq "$others" "" "libpq found outside the bin folder (pgmigrate env)"

cp "$PGM_SRC"/migrations/*.sql migrations/
last=$(ls migrations/*.up.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -n1)
wpgm up --path "$(winpath "$WORK/migrations")"
expect_rc 0
expect_contains "$OUT" "applied"
expect_eq "$(tracked)" "$last|f" "schema_migrations after up"
for f in migrations/*_create_*_table.up.sql; do
    t=$(basename "$f" | sed 's/^[0-9]*_create_\(.*\)_table\.up\.sql$/\1/')
    table_exists "$t" || fail "table $t is missing after up"
    CHECKS=$((CHECKS + 1))
done
wpgm status
expect_rc 0
expect_contains "$OUT" "0 pending"
echo "pgmigrate.exe up applied $last migrations with the bundled libpq.dll"

# ---------------------------------------------------------------- the module, as PowerShell sees it
# PowerShell 7.6.9 from the build cache, installed there when missing (the script the
# powershell label uses; flock keeps parallel tests from installing it twice)
pwsh=
if tools=$(PGM_CACHE=$PGM_CACHE bash "$PGM_SRC/tests/powershell/install-tools.sh" 2>"$WORK/install-tools.log"); then
    eval "$tools"
    pwsh=${PGM_PWSH:-}
else
    cat "$WORK/install-tools.log" >&2
    [ "${CI:-}" = true ] && fail "CI=true: PowerShell could not be installed, the module's discovery would go unchecked"
fi
if [ -n "$pwsh" ] && [ -x "$pwsh" ]; then
    # PowerShell on Linux: the same discovery of Modules\<name>\<version>\ as on Windows,
    # and it takes the module's backslash paths (..\..\..\..\pgmigrate\bin)
    out=$(HOME=$WORK/home XDG_CACHE_HOME=$WORK/xdg XDG_DATA_HOME=$WORK/xdg PSModulePath="$pf/WindowsPowerShell/Modules" \
        "$pwsh" -NoLogo -NoProfile -NonInteractive -Command '
$ErrorActionPreference = "Stop"
$m = @(Get-Module -ListAvailable PgMigrate)
"modules: " + $m.Count + " " + $m[0].Version + " " + ($m[0].CompatiblePSEditions -join ",")
Import-Module PgMigrate
"commands: " + ((Get-Command -Module PgMigrate | Sort-Object Name | ForEach-Object Name) -join ",")
"exe: " + (& (Get-Module PgMigrate) { Find-PgMigrateExe })
' 2>&1) || { echo "$out"; fail "pwsh could not load the installed module"; }
    expect_contains "$out" "modules: 1 $V1 Desktop,Core" "Get-Module -ListAvailable PgMigrate"
    exported=$(sed -n "/FunctionsToExport/,/)/p" "$moddir/$V1/PgMigrate.psd1" | grep -o "'[A-Za-z-]*'" | tr -d "'" | sort | paste -sd,)
    expect_contains "$out" "commands: $exported" "the module's commands"
    expect_contains "$out" "exe: $bindir/pgmigrate.exe" "pgmigrate.exe as the module finds it"
    echo "PowerShell ($("$pwsh" -NoLogo -NoProfile -Command '$PSVersionTable.PSVersion.ToString()')) finds the module $V1 and its pgmigrate.exe"
else
    echo "note: PowerShell could not be installed (see above): the module's discovery is not checked"
fi

# ---------------------------------------------------------------- V2 over V1
t2=$(date +%s)
msiexec /i "$(winpath "$MSI2")"
expect_eq "$RC" 0 "msiexec /i $(basename "$MSI2") over $V1 (log: $LOG)"
echo "upgraded to $V2 in $(( $(date +%s) - t2 )) s"
expect_eq "$(arp_entries)" "pgmigrate|$V2|pgmigrate contributors|$help_url" "Add/Remove Programs entries after the upgrade"
expect_eq "$(ls "$moddir")" "$V2" "module version folders after the upgrade"
diff -r "$moddir/$V2" "$STAGE2/module" || fail "the $V2 module folder differs from the staged one"
diff -r "$bindir" "$STAGE2/bin" || fail "the bin folder after the upgrade differs from the staged one"
CHECKS=$((CHECKS + 2))
expect_eq "$(path_has_bin)" 1 "the bin folder on the system PATH after the upgrade"
expect_eq "$(reg_value 'HKLM\SOFTWARE\pgmigrate' ModuleDir)" "C:\\Program Files\\WindowsPowerShell\\Modules\\PgMigrate\\$V2\\" "ModuleDir after the upgrade"
wpgm status
expect_rc 0
expect_contains "$OUT" "0 pending"

# the older MSI does not go back over the newer one
msiexec /i "$(winpath "$MSI1")"
[ "$RC" != 0 ] || fail "msiexec installed $V1 over $V2"
expect_eq "$(arp_entries)" "pgmigrate|$V2|pgmigrate contributors|$help_url" "Add/Remove Programs entries after the refused downgrade"
expect_eq "$(ls "$moddir")" "$V2" "module version folders after the refused downgrade"

# ---------------------------------------------------------------- uninstall
msiexec /x "$(winpath "$MSI2")"
expect_eq "$RC" 0 "msiexec /x (log: $LOG)"
[ ! -e "$pf/pgmigrate" ] || { find "$pf/pgmigrate"; fail "Program Files\\pgmigrate is still there"; }
[ ! -e "$moddir" ] || { find "$moddir"; fail "the module folder is still there"; }
CHECKS=$((CHECKS + 2))
expect_eq "$(path_has_bin)" 0 "the bin folder on the system PATH after uninstall"
# (wine leaves the separator it appended: compare without a trailing ';')
expect_eq "$(reg_value "$ENV_KEY" PATH | sed 's/;*$//')" "$(sed 's/;*$//' <<<"$path_before")" "the system PATH after uninstall"
expect_eq "$(arp_entries)" "" "Add/Remove Programs entries after uninstall"
if wine reg query 'HKLM\SOFTWARE\pgmigrate' >/dev/null 2>&1; then fail "HKLM\\SOFTWARE\\pgmigrate is still there"; fi
expect_eq "$(find "$drive_c" -iname libpq.dll | wc -l)" 0 "libpq.dll left in the prefix"
echo "installer.msiexec took $(( $(date +%s) - t0 )) s"
