function Get-MigrationStatus {
    <#
    .SYNOPSIS
    Lists every migration with its state: Applied, Pending, Dirty, Missing, Modified or OutOfOrder.

    .DESCRIPTION
    Runs `pgmigrate status` and writes one PgMigrate.MigrationStatus object per migration:
    Version, Name, State, AppliedAt (a DateTimeOffset, when the history table knows it),
    HasDown, UpFile, DownFile, Detail, FailedStatement (of a dirty migration, when known),
    plus the Database (password masked), the tracking Table and the database's
    CurrentVersion. States:
      Applied  the migration is applied
      Pending  not applied yet (Invoke-MigrateUp would apply it)
      Dirty    the current version, marked dirty: a migration failed half-way outside a
               transaction; repair by hand, then Set-MigrationVersion
      Missing  the database is at this version but no file has it (wrong folder, or a
               branch that has not got the migration): Name and the files are empty
      Modified    applied, but its file changed since (the checksum differs): Detail says
                  how; Test-Migration -Check Validate reports it, Invoke-MigrateUp refuses
      OutOfOrder  never applied, although the database is at a later version (a branch
                  merged late): Invoke-MigrateUp refuses it unless allowed

    Reading the status takes no lock and creates nothing, not even the tracking table.

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
    Get-MigrationStatus

    Lists the migrations of .\migrations and their state in the database of DATABASE_URL.

    .EXAMPLE
    Get-MigrationStatus | Where-Object State -eq Pending

    The migrations that are not applied yet.

    .EXAMPLE
    Get-MigrationStatus | Where-Object AppliedAt -gt (Get-Date).AddDays(-7)

    The migrations applied in the last seven days.

    .EXAMPLE
    Get-MigrationStatus | Where-Object { -not $_.HasDown }

    The migrations that have no .down.sql file (they cannot be reverted).

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.MigrationStatus, one per migration.

    .LINK
    Get-MigrationVersion

    .LINK
    Invoke-MigrateUp
    #>
    [CmdletBinding()]
    [OutputType('PgMigrate.MigrationStatus')]
    param(
        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string] $Table
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList @('status') @connection | ForEach-Object -Process {
        if ($_.event -eq 'status') {
            ConvertTo-PgMigrateStatus -InputObject $_
        }
        elseif ($_.event -eq 'warning') {
            Write-Warning -Message ([string](Get-PgMigrateField $_ 'message'))
        }
    }
}
