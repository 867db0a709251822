function Invoke-MigrateGoto {
    <#
    .SYNOPSIS
    Migrates up or down to a given version.

    .DESCRIPTION
    Runs `pgmigrate goto V`: applies the pending migrations up to and including V, or
    reverts the applied migrations above V, whichever way V lies from the current version.
    Writes a PgMigrate.MigrationResult object for each migration as it is applied or
    reverted, with a progress bar while several run.

    Because it can revert migrations, the cmdlet asks for confirmation (ConfirmImpact
    High); pass -Confirm:$false in scripts. -WhatIf lists what would run and changes
    nothing. -Version completes with Tab from the files in the migrations folder.

    A version that no migration file has is an error (ErrorId PgMigrate.not_found).

    .PARAMETER Version
    The version to end at, as in the file name (000005 and 5 are the same). Tab completes
    it from the migrations folder.

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations. Relative paths
    are taken from the current PowerShell location.

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
    Invoke-MigrateGoto -Version 5 -Confirm:$false

    Brings the database to version 5, applying or reverting migrations as needed.

    .EXAMPLE
    Invoke-MigrateGoto 000003 -WhatIf

    Lists the migrations that going to version 3 would revert (or apply).

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.MigrationResult, one per migration applied or reverted.

    .LINK
    Invoke-MigrateUp

    .LINK
    Invoke-MigrateDown
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType('PgMigrate.MigrationResult')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateRange(0, [long]::MaxValue)]
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

    if ($WhatIfPreference) {
        $preview = $null
        try {
            $preview = @(Get-PgMigratePlanPreview -Cmdlet $PSCmdlet -Command 'goto' -Version $Version -Connection $connection)
        }
        catch {
            Write-Warning -Message ('could not read the status to list what would run: {0}' -f $_.Exception.Message)
        }
        if ($null -ne $preview) {
            if ($preview.Count -eq 0) {
                $null = $PSCmdlet.ShouldProcess($target, ('Go to version {0} (nothing to run)' -f $Version))
            }
            foreach ($m in $preview) {
                $verb = 'Apply'
                if ($m.State -ne 'Pending') {
                    $verb = 'Revert'
                }
                $null = $PSCmdlet.ShouldProcess($target, ('{0} migration {1}' -f $verb, (Format-PgMigrateMigration -Migration $m)))
            }
            return
        }
    }

    if ($PSCmdlet.ShouldProcess($target, ('Migrate to version {0}' -f $Version))) {
        Invoke-PgMigrateMigration -Cmdlet $PSCmdlet -ArgumentList @('goto', [string]$Version) -Connection $connection
    }
}
