# Runs the PgMigrate Pester tests with the Pester module at -PesterPath.
#   pwsh -NonInteractive -File run-pester.ps1 -PesterPath <Pester.psd1> -Tag Static|Database
# Prints "N passed, N failed, N skipped" and exits non-zero when anything failed or
# nothing ran; under CI a skipped test is a failure too.
param(
    [Parameter(Mandatory = $true)] [string] $PesterPath,
    [Parameter(Mandatory = $true)] [ValidateSet('Static', 'Database')] [string] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module -Name $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = @(Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1' | ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Filter.Tag = $Tag
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.Should.ErrorAction = 'Stop'
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
''
'{0} passed, {1} failed, {2} skipped' -f $result.PassedCount, $failed, $result.SkippedCount
if ($failed -gt 0 -or $result.PassedCount -eq 0) {
    exit 1
}
if ($env:CI -eq 'true' -and $result.SkippedCount -gt 0) {
    'under CI=true no test may be skipped'
    exit 1
}
exit 0
