function Get-PgMigrateEnvironment {
    <#
    .SYNOPSIS
    Checks the machine and the configuration the migrations run with, and says what to do
    about each problem (pgmigrate doctor).

    .DESCRIPTION
    Runs `pgmigrate doctor` and writes one PgMigrate.EnvironmentCheck object per check, in
    order: Name, Status (Pass, Info, Warn, Fail or Skip), Message, Detail and Hint (what to
    do). The checks: config (the database, folder and table in use and where each came
    from: parameter, environment, .env), migrations (the files are valid), libpq (found and
    loaded, from which folder), server (something answers at the host and port), login
    (the user, password and database), version (the server's), privileges (may create
    tables), tracking (the tracking table and its state, dirty or not), applied (the
    applied migrations' files unchanged), pending, lock (who holds the migration lock),
    installs (the PostgreSQL programs found: D:\Program Files\PostgreSQL\18\bin, the
    registry, PATH) and services (the PostgreSQL Windows services and their state: a
    stopped service is the usual reason for "connection refused").

    When one check fails, the checks that depend on it are skipped (no libpq: no server
    check). A failed check is data, not an error: filter with Where-Object Status -eq Fail.

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations.

    .PARAMETER Database
    The database: a URL, a keyword/value string or a database name (see Invoke-MigrateUp).
    Default: DATABASE_URL from the environment or .env.

    .PARAMETER Credential
    User name and password for PostgreSQL. The password reaches pgmigrate as PGPASSWORD in
    its environment for this call only, never on its command line.

    .PARAMETER Table
    The tracking table, NAME or SCHEMA.NAME (default schema_migrations).

    .EXAMPLE
    Get-PgMigrateEnvironment

    Every check as a table: PASS server, FAIL login with the hint to check PGPASSWORD, ...

    .EXAMPLE
    Get-PgMigrateEnvironment | Where-Object Status -in 'Fail', 'Warn' | Format-List Name, Message, Hint

    Only the problems, each with what to do about it.

    .EXAMPLE
    (Get-PgMigrateEnvironment | Where-Object Name -eq services).Message

    The PostgreSQL Windows services (postgresql-x64-18, ...) and whether they run.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.EnvironmentCheck, one per check.

    .LINK
    Test-Migration

    .LINK
    Invoke-Psql
    #>
    [CmdletBinding()]
    [OutputType('PgMigrate.EnvironmentCheck')]
    param(
        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string] $Table
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    $statuses = @{ pass = 'Pass'; info = 'Info'; warn = 'Warn'; fail = 'Fail'; skip = 'Skip' }
    # doctor exits 1 when a check failed: its report says which, so that is no error here
    Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList @('doctor') -ReportExitCode @(1) @connection | ForEach-Object -Process {
        if ($_.event -eq 'warning') {
            Write-Warning -Message ([string](Get-PgMigrateField $_ 'message'))
            return
        }
        if ($_.event -ne 'doctor') {
            return
        }
        foreach ($c in @(Get-PgMigrateField $_ 'checks')) {
            if ($null -eq $c) {
                continue
            }
            $raw = [string](Get-PgMigrateField $c 'status')
            $status = $statuses[$raw]
            if (-not $status) {
                $status = $raw
            }
            [pscustomobject]@{
                PSTypeName = 'PgMigrate.EnvironmentCheck'
                Name       = Get-PgMigrateField $c 'name'
                Status     = $status
                Message    = Get-PgMigrateField $c 'message'
                Detail     = Get-PgMigrateField $c 'detail'
                Hint       = Get-PgMigrateField $c 'hint'
            }
        }
    }
}
