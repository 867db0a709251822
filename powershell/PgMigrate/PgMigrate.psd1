#
# Module manifest for PgMigrate: PowerShell cmdlets over the pgmigrate
# executable (PostgreSQL schema migrations, compatible with golang-migrate).
# ModuleVersion follows project(pgmigrate VERSION ...) in CMakeLists.txt;
# tests/powershell checks that they agree.
#
@{
    RootModule           = 'PgMigrate.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '21a2e0f4-2185-4528-8841-8d82d0979a5d'
    Author               = 'pgmigrate contributors'
    CompanyName          = 'pgmigrate'
    Copyright            = '(c) pgmigrate contributors'
    Description          = 'PostgreSQL schema migrations from PowerShell: cmdlets over the pgmigrate executable (golang-migrate compatible). Applies, reverts and lists migrations as objects, creates new migration files, checks them (validate, lint, verify), diagnoses the setup (doctor) and runs psql with the configured connection.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('PgMigrate.Format.ps1xml')
    FunctionsToExport    = @(
        'Get-MigrationStatus'
        'Get-MigrationVersion'
        'Get-PgMigrateEnvironment'
        'Invoke-MigrateDown'
        'Invoke-MigrateGoto'
        'Invoke-MigrateUp'
        'Invoke-Psql'
        'New-Migration'
        'Set-MigrationVersion'
        'Test-Migration'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('PostgreSQL', 'migrations', 'golang-migrate', 'database', 'schema', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
        }
    }
}
