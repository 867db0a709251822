function Invoke-MigrateDown {
    <#
    .SYNOPSIS
    Reverts the last applied migration, the last -Steps, or -All of them.

    .DESCRIPTION
    Runs `pgmigrate down`. Unlike golang-migrate's `down`, one migration is reverted by
    default. Each revert runs its .down.sql in one transaction with the schema_migrations
    update, and the cmdlet writes a PgMigrate.MigrationResult object (Direction Down) for
    each migration as soon as it is reverted, with a progress bar while several run.

    Reverting drops data, so the cmdlet asks for confirmation (ConfirmImpact High): answer
    the prompt, or pass -Confirm:$false in scripts and non-interactive sessions, where the
    prompt cannot be shown and the command stops without changing anything. -WhatIf lists
    the migrations that would be reverted and changes nothing.

    A failure is a terminating error carrying pgmigrate's message, exit code, SQLSTATE,
    file and line (see Invoke-MigrateUp). A migration without a .down.sql file stops the
    command before anything is reverted (ErrorId PgMigrate.no_down_migration).

    .PARAMETER Steps
    How many migrations to revert, newest first (default 1).

    .PARAMETER All
    Revert every applied migration.

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
    Invoke-MigrateDown

    Reverts the last applied migration after asking for confirmation.

    .EXAMPLE
    Invoke-MigrateDown -Steps 2 -Confirm:$false

    Reverts the last two migrations without asking (for scripts).

    .EXAMPLE
    Invoke-MigrateDown -All -WhatIf

    Lists every migration that -All would revert, newest first, without changing anything.

    .EXAMPLE
    Invoke-MigrateDown -Database ecommerce -Credential postgres

    Reverts the last migration of the database ecommerce as user postgres; PowerShell asks
    for the password.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.MigrationResult, one per migration reverted.

    .LINK
    Invoke-MigrateUp

    .LINK
    Invoke-MigrateGoto
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Steps')]
    [OutputType('PgMigrate.MigrationResult')]
    param(
        [Parameter(ParameterSetName = 'Steps', Position = 0)]
        [ValidateRange(1, 1000000)]
        [int] $Steps = 1,

        [Parameter(ParameterSetName = 'All', Mandatory = $true)]
        [switch] $All,

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
            $preview = @(Get-PgMigratePlanPreview -Cmdlet $PSCmdlet -Command 'down' -Steps $Steps -All:$All -Connection $connection)
        }
        catch {
            Write-Warning -Message ('could not read the status to list what would run: {0}' -f $_.Exception.Message)
        }
        if ($null -ne $preview) {
            if ($preview.Count -eq 0) {
                $null = $PSCmdlet.ShouldProcess($target, 'Revert migrations (none is applied)')
            }
            foreach ($m in $preview) {
                $null = $PSCmdlet.ShouldProcess($target, ('Revert migration {0}' -f (Format-PgMigrateMigration -Migration $m)))
            }
            return
        }
    }

    if ($All) {
        $pgArgs = @('down', '--all')
        $action = 'Revert every applied migration'
    }
    else {
        $pgArgs = @('down', [string]$Steps)
        if ($Steps -eq 1) {
            $action = 'Revert the last applied migration'
        }
        else {
            $action = 'Revert the last {0} applied migrations' -f $Steps
        }
    }
    if ($PSCmdlet.ShouldProcess($target, $action)) {
        Invoke-PgMigrateMigration -Cmdlet $PSCmdlet -ArgumentList $pgArgs -Connection $connection
    }
}
