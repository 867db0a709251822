function ConvertTo-PgMigrateResult {
    <#
    .SYNOPSIS
    An `applied` or `reverted` event as a PgMigrate.MigrationResult object.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [object] $InputObject
    )
    $ms = [double](Get-PgMigrateField $InputObject 'duration_ms')
    $direction = 'Up'
    if ((Get-PgMigrateField $InputObject 'direction') -eq 'down') {
        $direction = 'Down'
    }
    $action = 'Applied'
    if ($InputObject.event -eq 'reverted') {
        $action = 'Reverted'
    }
    $versionAfter = Get-PgMigrateField $InputObject 'version_after'
    if ($null -ne $versionAfter) {
        $versionAfter = [long]$versionAfter
    }
    [pscustomobject]@{
        PSTypeName   = 'PgMigrate.MigrationResult'
        Version      = [long](Get-PgMigrateField $InputObject 'version')
        Name         = [string](Get-PgMigrateField $InputObject 'name')
        Action       = $action
        Direction    = $direction
        File         = [string](Get-PgMigrateField $InputObject 'file')
        DurationMs   = $ms
        Duration     = [TimeSpan]::FromTicks([long]($ms * 10000))
        Index        = [int](Get-PgMigrateField $InputObject 'index')
        Total        = [int](Get-PgMigrateField $InputObject 'total')
        VersionAfter = $versionAfter
    }
}
