function Find-PgMigrateExe {
    <#
    .SYNOPSIS
    Finds the pgmigrate executable.
    .DESCRIPTION
    In order: $env:PGMIGRATE_EXE when set (the explicit override; an error when it
    names no file); bin\ beside the module; the MSI layout, where the module sits in
    <ProgramFiles>\WindowsPowerShell\Modules\PgMigrate\<version>\ and the program in
    <ProgramFiles>\pgmigrate\bin\; then pgmigrate on PATH. Returns the full path.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $override = $env:PGMIGRATE_EXE
    if ($override) {
        if (Test-Path -LiteralPath $override -PathType Leaf) {
            return (Resolve-Path -LiteralPath $override).ProviderPath
        }
        throw "PGMIGRATE_EXE is set to '$override', but there is no such file"
    }

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
    throw ("pgmigrate was not found: not in `$env:PGMIGRATE_EXE, not in '{0}', not beside the module in '{1}', not on PATH. " +
        "Install pgmigrate (the MSI puts it in <ProgramFiles>\pgmigrate\bin) or set `$env:PGMIGRATE_EXE to its full path.") -f $dirs[0], $dirs[1]
}
