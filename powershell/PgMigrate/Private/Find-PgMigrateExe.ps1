function Find-PgMigrateExe {
    <#
    .SYNOPSIS
    Finds the pgmigrate executable.
    .DESCRIPTION
    In order: bin\ beside the module; the MSI layout, where the module sits in
    <ProgramFiles>\WindowsPowerShell\Modules\PgMigrate\<version>\ and the program in
    <ProgramFiles>\pgmigrate\bin\ (so the module runs the pgmigrate it was installed
    with); pgmigrate on PATH; then $env:PGMIGRATE_EXE (an error when it names no file).
    Returns the full path.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $names = @('pgmigrate.exe', 'pgmigrate')
    $root = $script:ModuleRoot
    $dirs = @(
        (Join-Path -Path $root -ChildPath 'bin')
        # Modules\PgMigrate\<version>\ -> <ProgramFiles>\pgmigrate\bin
        (Join-Path -Path $root -ChildPath '..\..\..\..\pgmigrate\bin')
        # Modules\PgMigrate\ (no version folder)
        (Join-Path -Path $root -ChildPath '..\..\..\pgmigrate\bin')
    )
    foreach ($dir in $dirs) {
        foreach ($name in $names) {
            $candidate = Join-Path -Path $dir -ChildPath $name
            if (Test-Path -LiteralPath $candidate -PathType Leaf) {
                return [System.IO.Path]::GetFullPath((Resolve-Path -LiteralPath $candidate).ProviderPath)
            }
        }
    }

    $cmd = Get-Command -Name 'pgmigrate' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) {
        return $cmd.Path
    }

    $fallback = $env:PGMIGRATE_EXE
    if ($fallback) {
        if (Test-Path -LiteralPath $fallback -PathType Leaf) {
            return (Resolve-Path -LiteralPath $fallback).ProviderPath
        }
        throw ("pgmigrate was not found beside the module nor on PATH, and PGMIGRATE_EXE is set to '{0}', " +
            "but there is no such file") -f $fallback
    }
    throw ("pgmigrate was not found: not in '{0}', not beside the module in '{1}', not on PATH, and `$env:PGMIGRATE_EXE is not set. " +
        "Install pgmigrate (the MSI puts it in <ProgramFiles>\pgmigrate\bin) or set `$env:PGMIGRATE_EXE to its full path.") -f $dirs[0], $dirs[1]
}
