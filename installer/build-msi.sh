#!/usr/bin/env bash
# build-msi.sh - build the pgmigrate MSI (x64) from the mingw build, with Debian's wixl.
#
#   installer/build-msi.sh [-o OUT.msi]          stage, generate, wixl, msibuild, check
#   installer/build-msi.sh --stage-only DIR      stage and generate only, for WiX v3 on
#                                                Windows: DIR\build-wix3.cmd (README.md)
#
# 1. Stage the files (WORK/stage):
#    bin/       pgmigrate.exe (PGM_WINDOWS_EXE; it must import Windows DLLs only), libpq.dll
#               and the closure of its imports from WINPG_DIR/bin: each import of a staged
#               DLL is a Windows system DLL, the Visual C++ runtime (vcruntime140.dll, not
#               shipped: pgmigrate.wxs checks for it at install time), or a DLL of
#               WINPG_DIR/bin, staged in turn. An import found nowhere stops the build, and
#               nothing that is not imported is staged.
#    licenses/  the licence text of every staged third-party file (licence_of below: a DLL
#               with no known licence stops the build) and THIRD-PARTY-NOTICES.txt, which
#               says what each file is, its version, licence and sources.
#    module/    every file of powershell/PgMigrate as it is now; the staged manifest's
#               ModuleVersion is set to the product version (the version folder must match).
# 2. Generate WORK/files.wxs: ComponentGroups PgmLibraries, PgmLicenses, PgmModule, one
#    component per file (Guid="*", Win64="yes"), a RemoveFolder in every folder.
# 3. wixl -a x64 pgmigrate.wxs files.wxs, then msibuild adds what wixl 0.101 has no element
#    for: the Environment row (=-*PATH = [~];[BINDIR]) with WriteEnvironmentStrings and
#    RemoveEnvironmentStrings, and the vcruntime140.dll search (AppSearch, DrLocator,
#    Signature) that the launch condition reads.
# 4. Check the tables (msiinfo export) and print a summary.
#
# Env:
#   VERSION          product version (default: project(pgmigrate VERSION x.y.z) in CMakeLists.txt)
#   PGM_WINDOWS_EXE  pgmigrate.exe (default: <repo>/build/mingw/pgmigrate.exe)
#   WINPG_DIR        Windows PostgreSQL files holding bin/libpq.dll (default: WINPG_DIR of
#                    $PGM_CACHE/pg-bins.env, written by scripts/deps.sh --windows)
#   PGM_HELP_URL     Add/Remove Programs link (default: HOMEPAGE_URL of project(), else DEFAULT_HELP_URL)
#   OBJDUMP          PE reader (default: x86_64-w64-mingw32-objdump)
# Default output: <repo>/build/installer/pgmigrate-VERSION-x64.msi; work folder: OUT.d
# Needs: wixl msibuild msiinfo (scripts/deps.sh --msi), x86_64-w64-mingw32-objdump (--windows).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
# until project() carries a HOMEPAGE_URL: where the Add/Remove Programs links point
DEFAULT_HELP_URL="https://github.com/pgmigrate/pgmigrate"

die() { echo "build-msi.sh: ERROR: $*" >&2; exit 1; }
log() { echo "build-msi.sh: $*" >&2; }

out=
stage_only=
while [ $# -gt 0 ]; do
    case "$1" in
        -o) out=${2:?-o needs a file name}; shift 2 ;;
        --stage-only) stage_only=${2:?--stage-only needs a folder}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

# ---------------------------------------------------------------- inputs
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"; }
OBJDUMP=${OBJDUMP:-x86_64-w64-mingw32-objdump}
need "$OBJDUMP" "scripts/deps.sh --windows installs binutils-mingw-w64-x86-64"
if [ -z "$stage_only" ]; then
    need wixl "scripts/deps.sh --msi installs wixl"
    need msibuild "scripts/deps.sh --msi installs msitools"
    need msiinfo "scripts/deps.sh --msi installs msitools"
fi

project_line=$(grep -m1 -E '^\s*project\(pgmigrate\b' "$repo/CMakeLists.txt") || die "no project(pgmigrate ...) in CMakeLists.txt"
VERSION=${VERSION:-$(sed -n 's/.*VERSION \([0-9][0-9.]*\).*/\1/p' <<<"$project_line")}
[[ "$VERSION" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "version '$VERSION' is not MAJOR.MINOR.PATCH"
# Windows Installer: major and minor < 256, build < 65536
[ "${BASH_REMATCH[1]}" -lt 256 ] && [ "${BASH_REMATCH[2]}" -lt 256 ] && [ "${BASH_REMATCH[3]}" -lt 65536 ] ||
    die "version $VERSION is out of the MSI range (255.255.65535)"
HELP_URL=${PGM_HELP_URL:-$(sed -n 's/.*HOMEPAGE_URL \+"\{0,1\}\([^" )]*\).*/\1/p' <<<"$project_line")}
HELP_URL=${HELP_URL:-$DEFAULT_HELP_URL}

exe=${PGM_WINDOWS_EXE:-$repo/build/mingw/pgmigrate.exe}
[ -f "$exe" ] || die "$exe does not exist: build it with
  cmake -S $repo -B $repo/build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DCMAKE_BUILD_TYPE=Release -DPGM_TESTS=OFF && cmake --build $repo/build/mingw"
"$OBJDUMP" -f "$exe" 2>/dev/null | grep 'file format pei-x86-64' >/dev/null || die "$exe is not a 64-bit Windows executable"

if [ -z "${WINPG_DIR:-}" ]; then
    env_file=${PGM_CACHE:-$repo/build/cache}/pg-bins.env
    [ -f "$env_file" ] && WINPG_DIR=$(. "$env_file"; printf '%s' "${WINPG_DIR:-}")
fi
[ -n "${WINPG_DIR:-}" ] && [ -f "$WINPG_DIR/bin/libpq.dll" ] ||
    die "no Windows PostgreSQL files (WINPG_DIR with bin/libpq.dll): run scripts/deps.sh --windows"
npm_pkg=
if [ -f "$WINPG_DIR/../package.json" ]; then
    npm_pkg=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["name"]+"@"+p["version"])' \
        "$WINPG_DIR/../package.json" 2>/dev/null || true)
fi

module_src=$repo/powershell/PgMigrate
[ -f "$module_src/PgMigrate.psd1" ] || die "$module_src/PgMigrate.psd1 is missing"

if [ -n "$stage_only" ]; then
    work=$stage_only
else
    out=${out:-$repo/build/installer/pgmigrate-$VERSION-x64.msi}
    case "$out" in /*) ;; *) out=$PWD/$out ;; esac
    work=${out%.msi}.d
fi
mkdir -p "$work"
work=$(cd "$work" && pwd -P)
stage=$work/stage
rm -rf "$stage" "$work/files.wxs"
mkdir -p "$stage/bin" "$stage/licenses" "$stage/module"

# ---------------------------------------------------------------- the DLL closure
lower() { tr '[:upper:]' '[:lower:]' <<<"$1"; }
imports_of() {  # the DLL names a PE file imports; fails on delay-load imports (not listed)
    local f=$1 dump delay
    dump=$("$OBJDUMP" -p "$f") || return 1
    # "Entry d <address> <size> Delay Import Directory"
    delay=$(awk '/Delay Import Directory/ { print $4 }' <<<"$dump")
    if [ -n "$delay" ] && [ "$delay" != 00000000 ]; then
        echo "build-msi.sh: ERROR: $(basename "$f") has delay-load imports that objdump does not list: check them by hand" >&2
        return 1
    fi
    sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$dump" | tr -d '\r'
}
# Windows' own DLLs: present on every Windows 10/11 (api-ms-win-crt-* and ucrtbase are the UCRT)
is_system_dll() {
    [[ "$(lower "$1")" =~ ^(kernel32|advapi32|user32|gdi32|shell32|ole32|oleaut32|shlwapi|ws2_32|wsock32|mswsock|secur32|sspicli|wldap32|crypt32|bcrypt|ncrypt|iphlpapi|dnsapi|userenv|version|rpcrt4|netapi32|normaliz|ntdll|msvcrt|ucrtbase|api-ms-win-.*|ext-ms-win-.*)\.dll$ ]]
}
# the Visual C++ runtime: the redistributable's files, checked for at install time, not shipped
is_vc_runtime() { [[ "$(lower "$1")" =~ ^(vcruntime140(_1)?|msvcp140(_[0-9a-z]+)?|concrt140|vccorlib140)\.dll$ ]]; }

declare -A npm_file=()   # lower-case name -> file in WINPG_DIR/bin
for f in "$WINPG_DIR"/bin/*.dll "$WINPG_DIR"/bin/*.DLL; do
    [ -f "$f" ] && npm_file[$(lower "$(basename "$f")")]=$f
done

declare -A staged=() needed_by=() vcrt=()
queue=()
exe_imports=$(imports_of "$exe") || exit 1
for dll in $exe_imports; do
    is_system_dll "$dll" && continue
    die "pgmigrate.exe imports $dll: it must be linked statically and load libpq.dll at run time (imports only Windows DLLs)"
done
queue+=(libpq.dll)
needed_by[libpq.dll]="pgmigrate.exe (loaded at run time)"
while [ ${#queue[@]} -gt 0 ]; do
    name=${queue[0]}
    queue=("${queue[@]:1}")
    key=$(lower "$name")
    [ -n "${staged[$key]:-}" ] && continue
    src=${npm_file[$key]:-}
    [ -n "$src" ] || die "$name (needed by ${needed_by[$key]}) is not in $WINPG_DIR/bin"
    "$OBJDUMP" -f "$src" | grep 'file format pei-x86-64' >/dev/null || die "$src is not a 64-bit Windows DLL"
    staged[$key]=$(basename "$src")
    cp "$src" "$stage/bin/"
    deps=$(imports_of "$src") || exit 1
    for dep in $deps; do
        dkey=$(lower "$dep")
        if is_system_dll "$dep"; then
            continue
        elif is_vc_runtime "$dep"; then
            vcrt[$dkey]=1
        else
            [ -n "${needed_by[$dkey]:-}" ] || needed_by[$dkey]=$(basename "$src")
            queue+=("$dep")
        fi
    done
done
for v in "${!vcrt[@]}"; do
    # pgmigrate.wxs searches for this one only; another would need its own search there
    [ "$v" = vcruntime140.dll ] || die "the libraries need $v, which pgmigrate.wxs does not check for: add a search for it (and to the msibuild rows below)"
done
cp "$exe" "$stage/bin/pgmigrate.exe"
mapfile -t dlls < <(printf '%s\n' "${staged[@]}" | sort)
log "DLL closure of libpq.dll from $WINPG_DIR/bin: ${dlls[*]}"
[ ${#vcrt[@]} -eq 0 ] || log "needed from the Visual C++ Redistributable (not shipped, checked at install): ${!vcrt[*]}"

# ---------------------------------------------------------------- licences
# licence_of DLL -> "project|licence|licence file|home page"
licence_of() {
    case "$(lower "$1")" in
        libpq.dll) echo "PostgreSQL client library (libpq)|PostgreSQL Licence|PostgreSQL.txt|https://www.postgresql.org/" ;;
        libssl-3*.dll | libcrypto-3*.dll) echo "OpenSSL|Apache License 2.0|Apache-2.0.txt|https://www.openssl.org/" ;;
        libintl-*.dll) echo "GNU gettext runtime (libintl)|GNU LGPL 2.1 or later|LGPL-2.1.txt|https://www.gnu.org/software/gettext/" ;;
        libiconv-*.dll) echo "GNU libiconv|GNU LGPL 2.1 or later|LGPL-2.1.txt|https://www.gnu.org/software/libiconv/" ;;
        libwinpthread-*.dll) echo "mingw-w64 winpthreads|MIT, parts BSD 3-Clause|winpthreads.txt|https://www.mingw-w64.org/" ;;
        *) return 1 ;;
    esac
}
# where a licence text comes from: this folder, or Debian's copies of the long standard texts
licence_source() {
    case "$1" in
        Apache-2.0.txt) echo /usr/share/common-licenses/Apache-2.0 ;;
        LGPL-2.1.txt) echo /usr/share/common-licenses/LGPL-2.1 ;;
        mingw-w64-runtime.txt) echo /usr/share/doc/mingw-w64-common/copyright ;;
        *) echo "$here/licenses/$1" ;;
    esac
}
file_version() {  # FileVersion of a PE version resource, or "?"
    local v
    v=$(strings -el "$1" | grep -A1 -x 'FileVersion' | sed -n 2p | tr -d ' ' | tr ',' '.')
    echo "${v:-?}"
}
copy_licence() {
    local src
    [ -f "$stage/licenses/$1" ] && return 0
    src=$(licence_source "$1")
    [ -f "$src" ] || die "licence text $1 not found at $src"
    cp "$src" "$stage/licenses/$1"
}

notices=$stage/licenses/THIRD-PARTY-NOTICES.txt
{
    echo "pgmigrate $VERSION for Windows (x64): third-party software"
    echo
    echo "The files below ship with pgmigrate. Each is the work of its authors and is used under"
    echo "its own licence, whose text is in this folder."
    echo
    printf '%-26s %-34s %-10s %-26s %s\n' "file" "project" "version" "licence" "text"
    for d in "${dlls[@]}"; do
        info=$(licence_of "$d") || die "no licence known for $d: add it to licence_of in $0"
        IFS='|' read -r project lic text url <<<"$info"
        copy_licence "$text"
        printf '%-26s %-34s %-10s %-26s %s\n' "bin\\$d" "$project" "$(file_version "$stage/bin/$d")" "$lic" "$text"
    done
    if grep -aq 'Mingw-w64 runtime failure' "$exe"; then
        copy_licence mingw-w64-runtime.txt
        printf '%-26s %-34s %-10s %-26s %s\n' "bin\\pgmigrate.exe" "mingw-w64 runtime (static)" "-" "ZPL 2.1, MIT, public domain" "mingw-w64-runtime.txt"
    fi
    echo
    echo "Home pages:"
    for d in "${dlls[@]}"; do
        IFS='|' read -r project lic text url <<<"$(licence_of "$d")"
        echo "  $project: $url"
    done | sort -u
    echo
    echo "The DLLs are unmodified builds of the PostgreSQL 18 Windows binaries${npm_pkg:+ (npm package $npm_pkg)}."
    echo "The sources of the LGPL libraries are published by the GNU project:"
    echo "  https://ftp.gnu.org/gnu/gettext/ (libintl) and https://ftp.gnu.org/gnu/libiconv/ (libiconv)."
    if grep -aq 'Mingw-w64 runtime failure' "$exe"; then
        echo "mingw-w64-runtime.txt is the mingw-w64 copyright file as Debian records it; pgmigrate.exe"
        echo "contains parts of that runtime (it is linked statically)."
    fi
    if [ ${#vcrt[@]} -gt 0 ]; then
        echo
        echo "Not included: the Microsoft Visual C++ runtime (${!vcrt[*]}) that the PostgreSQL DLLs use;"
        echo "it comes with the Visual C++ 2015-2022 Redistributable (x64), which the installer requires."
    fi
} >"$notices"

# ---------------------------------------------------------------- the module
psd1_version=$(sed -n "s/^[[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*['\"]\([^'\"]*\)['\"].*/\1/p" "$module_src/PgMigrate.psd1" | head -n1)
[ -n "$psd1_version" ] || die "no ModuleVersion in $module_src/PgMigrate.psd1"
# every file of the module, but no editor or VCS leftovers
(cd "$module_src" && find . -type f ! -name '.*' ! -name '*~' ! -name '*.swp' ! -name '*.tmp' ! -path '*/.*/*' -print0) |
    (cd "$module_src" && xargs -0 -r cp --parents -t "$stage/module")
if [ "$psd1_version" != "$VERSION" ]; then
    log "note: PgMigrate.psd1 says ModuleVersion $psd1_version; the staged manifest gets $VERSION (the product version)"
    sed -i "s/^\([[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*['\"]\)[^'\"]*\(['\"]\)/\1$VERSION\2/" "$stage/module/PgMigrate.psd1"
fi
MODULE_VERSION=$VERSION
chmod -R a+rX,go-w "$stage"

# ---------------------------------------------------------------- files.wxs
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&apos;/g" <<<"$1"; }
declare -A used_ids=()
make_id() {  # make_id PREFIX KEY: an identifier (<= 72 chars, unique) made from KEY
    local id="$1$(sed 's/[^A-Za-z0-9_.]/_/g' <<<"$2")"
    if [ ${#id} -gt 72 ] || [ -n "${used_ids[$id]:-}" ]; then
        id="$1$(printf '%s' "$2" | sha1sum | cut -c1-20)"
    fi
    [ -z "${used_ids[$id]:-}" ] || die "identifier clash for $2"
    used_ids[$id]=1
    printf '%s' "$id"
}

# emit_dir DIRID STAGEDIR SOURCEPREFIX INDENT GROUP [SKIP]: a component for each file of a
# folder (but SKIP), the first also removing the folder on uninstall (not for BINDIR, whose
# RemoveFolder is in pgmigrate.wxs's pgmigrate.exe component), then its subfolders
emit_dir() {
    local dirid=$1 dir=$2 prefix=$3 ind=$4 group=$5 skip=${6:-} first=1 f name id sub subid
    [ "$dirid" != BINDIR ] || first=0
    while IFS= read -r -d '' f; do
        name=$(basename "$f")
        [ "$name" != "$skip" ] || continue
        id=$(make_id "${group}_" "${dir#"$stage"/}/$name")
        printf '%s<Component Id="c%s" Guid="*" Win64="yes">\n' "$ind" "$id"
        printf '%s  <File Id="f%s" Name="%s" Source="$(var.SourceDir)/%s" KeyPath="yes" />\n' \
            "$ind" "$id" "$(xml_escape "$name")" "$(xml_escape "$prefix$name")"
        if [ $first = 1 ]; then
            printf '%s  <RemoveFolder Id="r%s" On="uninstall" />\n' "$ind" "$id"
            first=0
        fi
        printf '%s</Component>\n' "$ind"
        eval "$group+=(\"c\$id\")"
    done < <(find "$dir" -mindepth 1 -maxdepth 1 -type f -print0 | sort -z)
    [ $first = 0 ] || die "${dir#"$stage"/} holds no file of its own (only folders): give it one, or teach build-msi.sh to remove such a folder"
    while IFS= read -r -d '' sub; do
        [ -n "$(find "$sub" -type f -print -quit)" ] || continue   # nothing to install there
        name=$(basename "$sub")
        subid=$(make_id d "${sub#"$stage"/}")
        printf '%s<Directory Id="%s" Name="%s">\n' "$ind" "$subid" "$(xml_escape "$name")"
        emit_dir "$subid" "$sub" "$prefix$name/" "$ind  " "$group"
        printf '%s</Directory>\n' "$ind"
    done < <(find "$dir" -mindepth 1 -maxdepth 1 -type d -print0 | sort -z)
}
group_xml() {  # group_xml ID COMPONENT-IDS...
    local id=$1; shift
    echo "    <ComponentGroup Id=\"$id\">"
    printf '      <ComponentRef Id="%s" />\n' "$@"
    echo "    </ComponentGroup>"
}

PgmLibraries=() PgmLicenses=() PgmModule=()
{
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo "<!-- generated by installer/build-msi.sh from $(basename "$stage")/: do not edit -->"
    echo '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">'
    echo '  <Fragment>'
    echo '    <DirectoryRef Id="BINDIR">'
    # pgmigrate.exe is in pgmigrate.wxs (its component carries the PATH entry)
    emit_dir BINDIR "$stage/bin" bin/ '      ' PgmLibraries pgmigrate.exe
    echo '    </DirectoryRef>'
    echo '    <DirectoryRef Id="LICENSEDIR">'
    emit_dir LICENSEDIR "$stage/licenses" licenses/ '      ' PgmLicenses
    echo '    </DirectoryRef>'
    echo '    <DirectoryRef Id="MODULEDIR">'
    emit_dir MODULEDIR "$stage/module" module/ '      ' PgmModule
    echo '    </DirectoryRef>'
    group_xml PgmLibraries "${PgmLibraries[@]}"
    group_xml PgmLicenses "${PgmLicenses[@]}"
    group_xml PgmModule "${PgmModule[@]}"
    echo '  </Fragment>'
    echo '</Wix>'
} >"$work/files.wxs.tmp"
mv "$work/files.wxs.tmp" "$work/files.wxs"
cp "$here/pgmigrate.wxs" "$work/pgmigrate.wxs"

nfiles=$(find "$stage" -type f | wc -l)
log "staged $nfiles files in $stage (bin ${#dlls[@]} DLLs + pgmigrate.exe, licenses ${#PgmLicenses[@]}, module ${#PgmModule[@]})"

# ---------------------------------------------------------------- Windows: WiX v3
if [ -n "$stage_only" ]; then
    {
        printf '@echo off\r\n'
        printf 'rem Build pgmigrate-%s-x64.msi with WiX v3 (written by installer/build-msi.sh --stage-only).\r\n' "$VERSION"
        printf 'rem candle/light from %%WIX%%bin (set by the WiX v3 installer) or from PATH.\r\n'
        printf 'setlocal\r\ncd /d "%%~dp0"\r\n'
        printf 'set "CANDLE=candle.exe"\r\nset "LIGHT=light.exe"\r\n'
        printf 'if not defined WIX goto build\r\n'
        printf 'set "CANDLE=%%WIX%%bin\\candle.exe"\r\nset "LIGHT=%%WIX%%bin\\light.exe"\r\n'
        printf ':build\r\n'
        printf '"%%CANDLE%%" -nologo -arch x64 -dVersion=%s -dModuleVersion=%s -dSourceDir=stage "-dHelpLink=%s" pgmigrate.wxs files.wxs || exit /b 1\r\n' \
            "$VERSION" "$MODULE_VERSION" "$HELP_URL"
        printf '"%%LIGHT%%" -nologo -o pgmigrate-%s-x64.msi pgmigrate.wixobj files.wixobj || exit /b 1\r\n' "$VERSION"
        printf 'echo built pgmigrate-%s-x64.msi\r\n' "$VERSION"
    } >"$work/build-wix3.cmd"
    log "staged for WiX v3 in $work: run build-wix3.cmd there on Windows"
    exit 0
fi

# ---------------------------------------------------------------- wixl
# (sources relative to the work folder: wixl does not take absolute File/@Source paths)
rm -f "$out"
(cd "$work" && wixl -a x64 -D Wixl=1 -D "Version=$VERSION" -D "ModuleVersion=$MODULE_VERSION" \
    -D SourceDir=stage -D "HelpLink=$HELP_URL" -o "$out" pgmigrate.wxs files.wxs) 2>"$work/wixl.log" || {
    cat "$work/wixl.log" >&2
    die "wixl failed"
}
# wixl warns about attributes it does not know; there should be none
if grep -q . "$work/wixl.log"; then
    cat "$work/wixl.log" >&2
    die "wixl printed warnings (above)"
fi

# ---------------------------------------------------------------- msibuild: what wixl lacks
# The rows are the ones WiX v3 makes from pgmigrate.wxs's <Environment> and
# <DirectorySearch>/<FileSearch> (left out for wixl with var.Wixl). .idt: names, types, keys.
idt=$work/idt
rm -rf "$idt"
mkdir -p "$idt"
tab=$'\t'
printf '%s\n' "Environment${tab}Name${tab}Value${tab}Component_" "s72${tab}l255${tab}L255${tab}s72" \
    "Environment${tab}Environment" "envPath${tab}=-*PATH${tab}[~];[BINDIR]${tab}cmpPgmigrateExe" >"$idt/Environment.idt"
printf '%s\n' "Signature${tab}FileName${tab}MinVersion${tab}MaxVersion${tab}MinSize${tab}MaxSize${tab}MinDate${tab}MaxDate${tab}Languages" \
    "s72${tab}s255${tab}S20${tab}S20${tab}I4${tab}I4${tab}I4${tab}I4${tab}S255" "Signature${tab}Signature" \
    "VcRuntime140Dll${tab}vcruntime140.dll${tab}${tab}${tab}${tab}${tab}${tab}${tab}" >"$idt/Signature.idt"
printf '%s\n' "Signature_${tab}Parent${tab}Path${tab}Depth" "s72${tab}S72${tab}S255${tab}I2" \
    "DrLocator${tab}Signature_${tab}Parent${tab}Path" "VcRuntime140Dll${tab}${tab}[System64Folder]${tab}0" >"$idt/DrLocator.idt"
printf '%s\n' "Property${tab}Signature_" "s72${tab}s72" "AppSearch${tab}Property${tab}Signature_" \
    "VCRUNTIME140${tab}VcRuntime140Dll" >"$idt/AppSearch.idt"
for t in Environment Signature DrLocator AppSearch; do
    msibuild "$out" -i "$idt/$t.idt" || die "msibuild could not import $t"
done
# standard sequence numbers (WiX's): AppSearch before LaunchConditions (100)
sql() { msibuild "$out" -q "$1" || die "msibuild: $1"; }
sql "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('AppSearch', 50)"
sql "INSERT INTO \`InstallUISequence\` (\`Action\`, \`Sequence\`) VALUES ('AppSearch', 50)"
sql "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)"
sql "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"

# ---------------------------------------------------------------- check
table() { msiinfo export "$out" "$1" | tr -d '\r' | tail -n +4; }
table Environment | grep -x "envPath${tab}=-\*PATH${tab}\[~\];\[BINDIR\]${tab}cmpPgmigrateExe" >/dev/null || die "the Environment row is missing"
seq=$(table InstallExecuteSequence)
for a in AppSearch LaunchConditions RemoveExistingProducts RemoveEnvironmentStrings WriteEnvironmentStrings InstallFiles; do
    grep -q "^$a$tab" <<<"$seq" || die "InstallExecuteSequence has no $a"
done
[ "$(table File | wc -l)" = "$nfiles" ] || die "the File table has $(table File | wc -l) rows for $nfiles staged files"
grep -q "^ProductVersion$tab$VERSION\$" <(table Property) || die "ProductVersion is not $VERSION"
log "built $out ($(du -k "$out" | cut -f1) KiB, version $VERSION, $nfiles files)"
echo "$out"
