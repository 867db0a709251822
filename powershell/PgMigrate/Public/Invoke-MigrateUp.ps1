function Invoke-MigrateUp {
    <#
    .SYNOPSIS
    Applies pending migrations: all of them, or the next -Steps.

    .DESCRIPTION
    Runs `pgmigrate up` on the database. Each migration runs in one transaction together
    with its schema_migrations update; the cmdlet writes a PgMigrate.MigrationResult
    object for each migration the moment it is committed (Version, Name, Direction,
    Duration, Index of Total, VersionAfter), and shows a progress bar while several run.
    Nothing pending is not an error: nothing is written out (-Verbose says so).

    A failure stops the command with a terminating error whose message is pgmigrate's
    (file:line:column, SQLSTATE, DETAIL, HINT); the ErrorRecord's TargetObject has every
    field (Code, ExitCode, SqlState, File, Line, Column, Version) and so has its exception.
    The failed migration is rolled back, so the database is left at the last good version.

    With -WhatIf nothing is changed: the pending migrations that would run are listed
    (read from the status, which takes no lock).

    The connection comes from -Database, else DATABASE_URL (environment, then .env in the
    current folder), else libpq's PG* variables. -Credential supplies user and password
    through the child process's environment only.

    .PARAMETER Steps
    How many pending migrations to apply (at least 1). Without it every pending migration
    is applied.

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations. Relative paths
    are taken from the current PowerShell location.

    .PARAMETER Database
    The database: a URL (postgres://user@host:5432/ecommerce?sslmode=disable), a
    keyword/value string (host=localhost dbname=ecommerce) or just a database name
    (ecommerce; host and port then come from PGHOST/PGPORT, .env or the defaults). Prefer
    -Credential to a password inside the URL: the URL is visible in the process list.

    .PARAMETER Credential
    User name and password for PostgreSQL, e.g. (Get-Credential postgres). The password is
    given to pgmigrate as PGPASSWORD in its environment for this call only (and the user
    as PGUSER), never on its command line; the previous values are restored afterwards.
    A user or password written in -Database or DATABASE_URL takes precedence.

    .PARAMETER Table
    The tracking table, NAME or SCHEMA.NAME. Default: schema_migrations (golang-migrate's),
    or $env:PGMIGRATE_TABLE.

    .PARAMETER LockTimeout
    Seconds to wait for the migration lock when another run holds it (default 15). While
    waiting, a warning names the holder every 5 seconds.

    .EXAMPLE
    Invoke-MigrateUp

    Applies every pending migration in .\migrations to the database of DATABASE_URL
    (from the environment or .env), writing one object per migration applied.

    .EXAMPLE
    Invoke-MigrateUp -Steps 1 -Database ecommerce -Credential (Get-Credential postgres)

    Applies the next pending migration to the database ecommerce, asking for the password
    of postgres. The password reaches pgmigrate through PGPASSWORD only.

    .EXAMPLE
    Invoke-MigrateUp -WhatIf

    Lists the migrations that would be applied, changing nothing.

    .EXAMPLE
    $applied = Invoke-MigrateUp -Path .\ecommerce-backend\migrations
    $applied | Measure-Object -Property DurationMs -Sum

    Applies the pending migrations of another folder and adds up how long they took.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.MigrationResult, one per migration applied.

    .LINK
    Get-MigrationStatus

    .LINK
    Invoke-MigrateDown
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('PgMigrate.MigrationResult')]
    param(
        [Parameter(Position = 0)]
        [ValidateRange(1, 1000000)]
        [int] $Steps,

        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string] $Table,

        [ValidateRange(0, 86400)]
        [double] $LockTimeout = -1
    )

    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    $target = Get-PgMigrateTargetName -Connection $connection

    if ($WhatIfPreference) {
        $preview = $null
        try {
            $preview = @(Get-PgMigratePlanPreview -Cmdlet $PSCmdlet -Command 'up' -Steps $Steps -Connection $connection)
        }
        catch {
            Write-Warning -Message ('could not read the status to list what would run: {0}' -f $_.Exception.Message)
        }
        if ($null -ne $preview) {
            if ($preview.Count -eq 0) {
                $null = $PSCmdlet.ShouldProcess($target, 'Apply migrations (none is pending)')
            }
            foreach ($m in $preview) {
                $null = $PSCmdlet.ShouldProcess($target, ('Apply migration {0}' -f (Format-PgMigrateMigration -Migration $m)))
            }
            return
        }
    }

    $pgArgs = @('up')
    $action = 'Apply all pending migrations'
    if ($Steps -gt 0) {
        $pgArgs += [string]$Steps
        $action = 'Apply the next {0} pending migration(s)' -f $Steps
    }
    if ($PSCmdlet.ShouldProcess($target, $action)) {
        Invoke-PgMigrateMigration -Cmdlet $PSCmdlet -ArgumentList $pgArgs -Connection $connection
    }
}
