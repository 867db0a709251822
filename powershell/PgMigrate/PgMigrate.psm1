#
# PgMigrate: PowerShell cmdlets over the pgmigrate executable. Every cmdlet
# runs pgmigrate with --json through one private helper (Invoke-PgMigrateExe)
# and turns its NDJSON events (docs/json.md) into objects as they arrive.
# One function per file: Public/ holds the exported cmdlets, Private/ the
# helpers. The code stays within Windows PowerShell 5.1's language (checked
# by tests/powershell).
#
Set-StrictMode -Version 3.0

$script:ModuleRoot = $PSScriptRoot
# the arguments of the last pgmigrate run (Invoke-PgMigrateExe), for tests and -Debug
$script:LastArgumentList = @()
# force the 5.1-style argument escaping on PowerShell 7.3+ (tests exercise it this way)
$script:LegacyArgumentPassing = $false

foreach ($folder in @('Private', 'Public')) {
    $dir = Join-Path -Path $PSScriptRoot -ChildPath $folder
    foreach ($file in @(Get-ChildItem -Path $dir -Filter '*.ps1' -File | Sort-Object -Property Name)) {
        . $file.FullName
    }
}

# -Version completes from the migration files of -Path (or $env:PGMIGRATE_PATH,
# or .\migrations), like `ls migrations/ | Sort-Object` in the team's guide.
$versionCompleter = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    Get-PgMigrateVersionCompletion -CommandName $commandName -WordToComplete $wordToComplete -BoundParameters $fakeBoundParameters
}
Register-ArgumentCompleter -CommandName 'Invoke-MigrateGoto', 'Set-MigrationVersion', 'Test-Migration' -ParameterName 'Version' -ScriptBlock $versionCompleter

Export-ModuleMember -Function @(
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
