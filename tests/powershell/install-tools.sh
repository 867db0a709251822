#!/usr/bin/env bash
# Install the PowerShell module's test tools into the build cache, not the repo:
#   PowerShell 7.6.9 as a .NET tool   -> $PGM_CACHE/powershell/pwsh-7.6.9/pwsh
#   Pester from NuGet (PackageDownload restore of a generated .csproj)
#                                     -> $PGM_CACHE/powershell/nuget/pester/<ver>/...
# Prints two lines for the caller to eval: PGM_PWSH=... and PGM_PESTER=... (the
# Pester.psd1). A second run finds both and installs nothing. Serialised with flock
# so parallel CTest runs don't install twice.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PGM_CACHE:-$here/build/cache}
PWSH_VERSION=${PGM_PWSH_VERSION:-7.6.9}
PESTER_VERSION=${PGM_PESTER_VERSION:-5.7.1}
root=$cache/powershell
mkdir -p "$root"
root=$(cd "$root" && pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# NuGet's package and HTTP caches live in the build folder too
export NUGET_PACKAGES=$root/nuget NUGET_HTTP_CACHE_PATH=$root/nuget-http

exec 9>"$root/.install.lock"
flock 9

log() { echo "install-tools: $*" >&2; }

pwsh_dir=$root/pwsh-$PWSH_VERSION
pwsh=$pwsh_dir/pwsh
if [ -x "$pwsh" ] && "$pwsh" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' >/dev/null 2>&1; then
    log "PowerShell $PWSH_VERSION: cached ($pwsh)"
else
    command -v dotnet >/dev/null || { log "dotnet (the .NET SDK) is not on PATH"; exit 1; }
    log "installing PowerShell $PWSH_VERSION as a .NET tool into $pwsh_dir"
    t0=$(date +%s)
    rm -rf "$pwsh_dir"
    dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$pwsh_dir" >&2
    [ -x "$pwsh" ] || { log "dotnet tool install left no $pwsh"; exit 1; }
    log "PowerShell installed in $(( $(date +%s) - t0 )) s"
fi

pester_root=$NUGET_PACKAGES/pester/$PESTER_VERSION
find_pester() { [ -d "$pester_root" ] && find "$pester_root" -name Pester.psd1 -print 2>/dev/null | head -n1 || true; }
pester=$(find_pester)
if [ -n "$pester" ]; then
    log "Pester $PESTER_VERSION: cached ($pester)"
else
    log "downloading Pester $PESTER_VERSION from NuGet"
    t0=$(date +%s)
    proj=$root/pester-restore
    mkdir -p "$proj"
    cat >"$proj/pester-restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <!-- written by tests/powershell/install-tools.sh: fetches Pester into the NuGet cache -->
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <NoWarn>\$(NoWarn);NU1701</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Pester" Version="[$PESTER_VERSION]" />
  </ItemGroup>
</Project>
XML
    dotnet restore "$proj/pester-restore.csproj" >&2
    pester=$(find_pester)
    [ -n "$pester" ] || { log "Pester.psd1 not found under $pester_root after the restore"; exit 1; }
    log "Pester downloaded in $(( $(date +%s) - t0 )) s"
fi

printf 'PGM_PWSH=%q\nPGM_PESTER=%q\n' "$pwsh" "$pester"
