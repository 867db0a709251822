function Set-MigrationVersion {
    <#
    .SYNOPSIS
    Records a version as applied and clean without running any migration (pgmigrate force).

    .DESCRIPTION
    Runs `pgmigrate force V`: sets the schema_migrations row to version V, not dirty, and
    runs no SQL. This is the way out of a dirty database (after a migration that could not
    run in a transaction failed half-way) once the schema has been repaired by hand, and the
    way to adopt a database whose schema was created another way. -Version -1 records that
    no migration is applied (golang-migrate's meaning).

    It rewrites the migration history, so it asks for confirmation (ConfirmImpact High);
    pass -Confirm:$false in scripts. -WhatIf changes nothing. Writes the resulting
    PgMigrate.Version object (Version, Dirty).

    .PARAMETER Version
    The version to record, or -1 for "none applied". Tab completes it from the migrations
    folder.

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

    .PARAMETER LockTimeout
    Seconds to wait for the migration lock when another run holds it (default 15).

    .EXAMPLE
    Set-MigrationVersion -Version 8 -Confirm:$false

    After repairing a failed migration 9 by hand, records version 8 as the clean current
    version, so that Invoke-MigrateUp runs 9 again.

    .EXAMPLE
    Set-MigrationVersion -Version -1 -WhatIf

    Shows that the history would be reset to "no migration applied", without doing it.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.Version

    .LINK
    Get-MigrationVersion

    .LINK
    Get-MigrationStatus
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType('PgMigrate.Version')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateRange(-1, [long]::MaxValue)]
        [long] $Version,

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
    $action = 'Record version {0} as applied and clean (runs no migration)' -f $Version
    if ($Version -eq -1) {
        $action = 'Record that no migration is applied (runs no migration)'
    }
    if ($PSCmdlet.ShouldProcess($target, $action)) {
        Invoke-PgMigrateMigration -Cmdlet $PSCmdlet -ArgumentList @('force', [string]$Version) -Connection $connection -PassSummary
    }
}
