#!/usr/bin/env bash
# CTest entry for the PowerShell module's tests (label powershell):
#   tests/powershell/run.sh Static|Database
# Installs PowerShell 7.6.9 (.NET tool) and Pester (NuGet) into $PGM_CACHE/powershell
# when missing (install-tools.sh), then runs the Pester tests of that tag with the
# real pgmigrate ($PGM_BIN). Database needs the fixture's server ($PGM_PG_DIR).
# Without the tools: exit 77 (skipped), except under CI=true, where it is a failure.
set -euo pipefail
tag=${1:?usage: run.sh Static|Database}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PGM_SRC=${PGM_SRC:-$(cd "$here/../.." && pwd)}
export PGM_CACHE=${PGM_CACHE:-$PGM_SRC/build/cache}

if ! tools=$(bash "$here/install-tools.sh"); then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: could not install PowerShell or Pester (CI=true: the PowerShell tests must run)" >&2
        exit 1
    fi
    echo "SKIP: could not install PowerShell or Pester" >&2
    exit 77
fi
eval "$tools"
export PGM_PWSH PGM_PESTER

if [ "$tag" = Database ]; then
    : "${PGM_BIN:?PGM_BIN must point at the pgmigrate executable}"
    : "${PGM_PG_DIR:?PGM_PG_DIR must point at the fixture server folder}"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
# a private home for PowerShell's module analysis cache and history, not the user's
export XDG_CACHE_HOME=$PGM_CACHE/powershell/xdg-cache XDG_DATA_HOME=$PGM_CACHE/powershell/xdg-data
export XDG_CONFIG_HOME=$PGM_CACHE/powershell/xdg-config
exec "$PGM_PWSH" -NoLogo -NoProfile -NonInteractive -File "$here/run-pester.ps1" -PesterPath "$PGM_PESTER" -Tag "$tag" </dev/null
