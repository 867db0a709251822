function Get-MigrationVersion {
    <#
    .SYNOPSIS
    Gets the database's current migration version and whether it is dirty.

    .DESCRIPTION
    Runs `pgmigrate version` and writes one PgMigrate.Version object: Version (a number,
    or $null when no migration is applied) and Dirty ($true when a migration failed
    half-way and the database needs repair, see Set-MigrationVersion).

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations. (The version
    comes from the database; the folder is read for the configuration only.)

    .PARAMETER Database
    The database: a URL, a keyword/value string or a database name (see Invoke-MigrateUp).
    Default: DATABASE_URL from the environment or .env.

    .PARAMETER Credential
    User name and password for PostgreSQL. The password reaches pgmigrate as PGPASSWORD in
    its environment for this call only, never on its command line.

    .PARAMETER Table
    The tracking table, NAME or SCHEMA.NAME (default schema_migrations).

    .EXAMPLE
    Get-MigrationVersion

    Version Dirty
    ------- -----
          9 False

    .EXAMPLE
    if ((Get-MigrationVersion).Dirty) { Write-Warning 'repair the database, then Set-MigrationVersion' }

    Checks for a dirty database in a script.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.Version

    .LINK
    Get-MigrationStatus

    .LINK
    Set-MigrationVersion
    #>
    [CmdletBinding()]
    [OutputType('PgMigrate.Version')]
    param(
        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string] $Table
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList @('version') @connection | ForEach-Object -Process {
        if ($_.event -eq 'version') {
            $version = Get-PgMigrateField $_ 'version'
            if ($null -ne $version) {
                $version = [long]$version
            }
            [pscustomobject]@{
                PSTypeName = 'PgMigrate.Version'
                Version    = $version
                Dirty      = [bool](Get-PgMigrateField $_ 'dirty')
            }
        }
    }
}
