#!/usr/bin/env bash
# installer.build: build the MSI with installer/build-msi.sh, at the project version and at
# the next patch version (for the upgrade in test_msiexec.sh), then check it without
# installing: its tables (msiinfo export) and its files (msiextract).
#   - product: version, one fixed UpgradeCode, a new ProductCode per build, per machine,
#     x64 (summary template, Win64 components), MajorUpgrade rows, ARP properties;
#   - folders: bin and licenses under ProgramFiles64Folder\pgmigrate, the module under
#     ProgramFiles64Folder\WindowsPowerShell\Modules\PgMigrate\<version>, a RemoveFolder
#     for each folder the package creates;
#   - PATH: the Environment row and its two actions; the VC runtime launch condition;
#   - files: pgmigrate.exe and the DLLs identical to their sources; every import of a
#     shipped binary is shipped or a Windows DLL (nothing missing) and every shipped DLL is
#     imported (nothing unneeded); the licence texts; every file of powershell/PgMigrate.
. "$(dirname "$0")/lib.sh"
require_tools wixl msibuild msiinfo msiextract x86_64-w64-mingw32-objdump

[ -f "$PGM_WINDOWS_EXE" ] || msi_die "$PGM_WINDOWS_EXE does not exist: build it with
  cmake -S $PGM_SRC -B $PGM_SRC/build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DCMAKE_BUILD_TYPE=Release -DPGM_TESTS=OFF && cmake --build $PGM_SRC/build/mingw
(or point the CMake variable PGM_WINDOWS_EXE at it)"
winpg=$(. "$PGM_CACHE/pg-bins.env" 2>/dev/null; printf '%s' "${WINPG_DIR:-}")
[ -n "$winpg" ] && [ -f "$winpg/bin/libpq.dll" ] || msi_die "no Windows PostgreSQL files (WINPG_DIR in $PGM_CACHE/pg-bins.env): scripts/deps.sh --windows"

work=$PGM_MSI_DIR/check
rm -rf "$PGM_MSI_DIR/v1" "$PGM_MSI_DIR/v2" "$work"
mkdir -p "$work"

t0=$(date +%s)
bash "$PGM_SRC/installer/build-msi.sh" -o "$MSI1" >"$work/build1.log" 2>&1 || { cat "$work/build1.log"; msi_die "build-msi.sh failed"; }
VERSION=$V2 bash "$PGM_SRC/installer/build-msi.sh" -o "$MSI2" >"$work/build2.log" 2>&1 || { cat "$work/build2.log"; msi_die "build-msi.sh VERSION=$V2 failed"; }
echo "built $MSI1 and $MSI2 in $(( $(date +%s) - t0 )) s"
grep 'DLL closure' "$work/build1.log" || true

for m in "$MSI1" "$MSI2"; do
    [ "$m" = "$MSI1" ] && v=$V1 || v=$V2
    # ---------------------------------------------------------------- product
    eq "$(prop "$m" ProductVersion)" "$v" "ProductVersion"
    eq "$(prop "$m" UpgradeCode)" "$UPGRADE_CODE" "UpgradeCode (it must never change)"
    eq "$(prop "$m" ProductName)" pgmigrate "ProductName"
    eq "$(prop "$m" Manufacturer)" "pgmigrate contributors" "Manufacturer (ARP publisher)"
    eq "$(prop "$m" ALLUSERS)" 1 "ALLUSERS (per-machine)"
    check "ARPHELPLINK is not a URL: $(prop "$m" ARPHELPLINK)" grep -Eq '^https?://' <<<"$(prop "$m" ARPHELPLINK)"
    check "the summary's template is not x64;1033" grep -qx 'Template: x64;1033' <(msiinfo suminfo "$m" | tr -d '\r')
    # MajorUpgrade: older versions are removed (WIX_UPGRADE_DETECTED), newer refused
    upg=$(tbl "$m" Upgrade)
    check "no Upgrade row for older versions" grep -q "^$UPGRADE_CODE${T}${T}$v${T}.*WIX_UPGRADE_DETECTED\$" <<<"$upg"
    check "no Upgrade row for newer versions" grep -q "^$UPGRADE_CODE${T}$v${T}.*WIX_DOWNGRADE_DETECTED\$" <<<"$upg"
    check "no downgrade launch condition" grep -q '^NOT WIX_DOWNGRADE_DETECTED' <(tbl "$m" LaunchCondition)
    check "no VC runtime launch condition" grep -q '^Installed OR VCRUNTIME140' <(tbl "$m" LaunchCondition)
    check "the cabinet is not embedded" grep -q "${T}#" <(tbl "$m" Media)
    # every component 64-bit (msidbComponentAttributes64bit)
    bad=$(tbl "$m" Component | awk -F'\t' 'int($4 / 256) % 2 != 1 { print $1 }')
    eq "$bad" "" "components without Win64"

    # ---------------------------------------------------------------- folders
    dirs=$(tbl "$m" Directory)
    for row in "INSTALLDIR ProgramFiles64Folder pgmigrate" "BINDIR INSTALLDIR bin" "LICENSEDIR INSTALLDIR licenses" \
        "WindowsPowerShellDir ProgramFiles64Folder WindowsPowerShell" "PSModulesDir WindowsPowerShellDir Modules" \
        "PSMODULEDIR PSModulesDir PgMigrate" "MODULEDIR PSMODULEDIR $v"; do
        check "no Directory row $row" grep -qx "$(tr ' ' '\t' <<<"$row")" <<<"$dirs"
    done
    # every folder the package creates is removed on uninstall: all but the standard ones
    # and WindowsPowerShell\Modules (which Windows has)
    removed=$(tbl "$m" RemoveFile | awk -F'\t' '$3 == "" { print $4 }' | sort)
    created=$(awk -F'\t' '$1 !~ /^(TARGETDIR|ProgramFiles64Folder|WindowsPowerShellDir|PSModulesDir)$/ { print $1 }' <<<"$dirs" | sort)
    eq "$removed" "$created" "folders removed on uninstall"

    # ---------------------------------------------------------------- PATH and sequences
    eq "$(tbl "$m" Environment)" "envPath${T}=-*PATH${T}[~];[BINDIR]${T}cmpPgmigrateExe" "Environment row"
    seq=$(tbl "$m" InstallExecuteSequence)
    n() { awk -F'\t' -v a="$1" '$1 == a { print $3 }' <<<"$seq"; }
    for a in AppSearch LaunchConditions RemoveExistingProducts RemoveEnvironmentStrings WriteEnvironmentStrings InstallFiles RemoveFiles; do
        check "InstallExecuteSequence has no $a" test -n "$(n $a)"
    done
    check "AppSearch runs after LaunchConditions" test "$(n AppSearch)" -lt "$(n LaunchConditions)"
    check "RemoveEnvironmentStrings is not between InstallInitialize and RemoveFiles" \
        test "$(n RemoveEnvironmentStrings)" -gt "$(n InstallInitialize)" -a "$(n RemoveEnvironmentStrings)" -lt "$(n RemoveFiles)"
    check "WriteEnvironmentStrings is not between InstallFiles and InstallFinalize" \
        test "$(n WriteEnvironmentStrings)" -gt "$(n InstallFiles)" -a "$(n WriteEnvironmentStrings)" -lt "$(n InstallFinalize)"
    check "RemoveExistingProducts is not right after InstallValidate" test "$(n RemoveExistingProducts)" -gt "$(n InstallValidate)" -a "$(n RemoveExistingProducts)" -lt "$(n InstallInitialize)"
    eq "$(tbl "$m" AppSearch)" "VCRUNTIME140${T}VcRuntime140Dll" "AppSearch row"
    eq "$(tbl "$m" DrLocator)" "VcRuntime140Dll${T}${T}[System64Folder]${T}0" "DrLocator row"
    check "no Signature row for vcruntime140.dll" grep -q "^VcRuntime140Dll${T}vcruntime140.dll" <(tbl "$m" Signature)
done
pc1=$(prop "$MSI1" ProductCode)
pc2=$(prop "$MSI2" ProductCode)
check "both MSIs have the ProductCode $pc1" test "$pc1" != "$pc2"

# ---------------------------------------------------------------- files
x1=$work/x1
x2=$work/x2
msiextract -C "$x1" "$MSI1" >"$work/files1.txt"
msiextract -C "$x2" "$MSI2" >"$work/files2.txt"
eq "$(tbl "$MSI1" File | wc -l)" "$(wc -l <"$work/files1.txt")" "msiextract extracted every File row"
bin=$x1/pgmigrate/bin
check "pgmigrate.exe differs from $PGM_WINDOWS_EXE" cmp -s "$bin/pgmigrate.exe" "$PGM_WINDOWS_EXE"
# pgmigrate.exe: Windows DLLs only (libpq.dll is loaded at run time)
for d in $(pe_imports "$bin/pgmigrate.exe"); do
    check "pgmigrate.exe imports $d, not a Windows DLL" is_windows_dll "$d"
done
shipped=$(cd "$bin" && ls | grep -iv '^pgmigrate\.exe$' | lower | sort)
check "libpq.dll is not shipped" grep -qx libpq.dll <<<"$shipped"
imported=""
for f in "$bin"/*.dll; do
    name=$(basename "$f")
    check "$name differs from $winpg/bin/$name" cmp -s "$f" "$winpg/bin/$name"
    for d in $(pe_imports "$f"); do
        if grep -qx "$d" <<<"$shipped"; then
            imported+="$d"$'\n'
        elif ! is_windows_dll "$d"; then
            # the Visual C++ runtime comes from the redistributable (the launch condition)
            check "$name needs $d, which is not shipped" test "$d" = vcruntime140.dll
        fi
    done
done
needed=$( (echo libpq.dll; printf '%s' "$imported") | sort -u)
eq "$needed" "$shipped" "shipped DLLs (libpq.dll and what the shipped DLLs import)"
echo "DLLs: $(tr '\n' ' ' <<<"$shipped")"

# licences: the texts of what ships, and the notice naming every DLL
lic=$x1/pgmigrate/licenses
check "no PostgreSQL licence text" grep -q 'PostgreSQL Global Development Group' "$lic/PostgreSQL.txt"
check "no Apache 2.0 text (OpenSSL)" grep -q 'Apache License' "$lic/Apache-2.0.txt"
check "no LGPL 2.1 text (libintl, libiconv)" grep -q 'GNU LESSER GENERAL PUBLIC LICENSE' "$lic/LGPL-2.1.txt"
check "no winpthreads licence text" grep -q 'mingw-w64 project' "$lic/winpthreads.txt"
for d in $(cd "$bin" && ls); do
    check "THIRD-PARTY-NOTICES.txt does not name $d" grep -qF "bin\\$d" "$lic/THIRD-PARTY-NOTICES.txt"
done
echo "licences: $(cd "$lic" && ls | tr '\n' ' ')"

# the module: every file of powershell/PgMigrate, the manifest's version = the folder's
src_files=$(cd "$PGM_SRC/powershell/PgMigrate" && find . -type f ! -name '.*' ! -name '*~' ! -name '*.swp' ! -name '*.tmp' ! -path '*/.*/*' | sort)
for pair in "$x1:$V1:$STAGE1" "$x2:$V2:$STAGE2"; do
    IFS=: read -r x v stage <<<"$pair"
    mod=$x/WindowsPowerShell/Modules/PgMigrate/$v
    eq "$(ls "$x/WindowsPowerShell/Modules/PgMigrate")" "$v" "module version folders in the $v MSI"
    eq "$(cd "$mod" && find . -type f | sort)" "$src_files" "module files in the $v MSI"
    check "the $v module differs from what build-msi.sh staged" diff -r "$mod" "$stage/module"
    check "the $v manifest says another ModuleVersion" grep -Eq "^\s*ModuleVersion\s*=\s*'$v'" "$mod/PgMigrate.psd1"
done
# the module as it is in the source tree, but for the stamped version
check "the module differs from powershell/PgMigrate" diff -r -x PgMigrate.psd1 "$x1/WindowsPowerShell/Modules/PgMigrate/$V1" "$PGM_SRC/powershell/PgMigrate"

# ---------------------------------------------------------------- the WiX v3 staging
bash "$PGM_SRC/installer/build-msi.sh" --stage-only "$work/wix3" >"$work/stage.log" 2>&1 || { cat "$work/stage.log"; msi_die "build-msi.sh --stage-only failed"; }
for f in pgmigrate.wxs files.wxs build-wix3.cmd stage/bin/libpq.dll; do
    check "--stage-only left no $f" test -f "$work/wix3/$f"
done
check "build-wix3.cmd has no candle -arch x64 line" grep -q 'CANDLE%" -nologo -arch x64 -dVersion='"$V1" "$work/wix3/build-wix3.cmd"

echo "ok: installer.build ($CHECKS checks)"
