function ConvertTo-PgMigrateStatus {
    <#
    .SYNOPSIS
    The `status` event as one PgMigrate.MigrationStatus object per migration.
    .DESCRIPTION
    State is Applied, Pending, Dirty or Missing (the database is at a version no file
    has). Each row also carries the database (password masked), the tracking table and
    the database's current version, so a filtered list still says where it came from.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [object] $InputObject
    )
    $states = @{ applied = 'Applied'; pending = 'Pending'; dirty = 'Dirty'; missing = 'Missing' }
    $current = Get-PgMigrateField $InputObject 'version'
    if ($null -ne $current) {
        $current = [long]$current
    }
    foreach ($m in @(Get-PgMigrateField $InputObject 'migrations')) {
        if ($null -eq $m) {
            continue
        }
        $raw = [string](Get-PgMigrateField $m 'state')
        $state = $states[$raw]
        if (-not $state) {
            $state = $raw
        }
        $upFile = Get-PgMigrateField $m 'up_file'
        $downFile = Get-PgMigrateField $m 'down_file'
        [pscustomobject]@{
            PSTypeName     = 'PgMigrate.MigrationStatus'
            Version        = [long](Get-PgMigrateField $m 'version')
            Name           = Get-PgMigrateField $m 'name'
            State          = $state
            HasDown        = ($null -ne $downFile)
            UpFile         = $upFile
            DownFile       = $downFile
            Database       = Get-PgMigrateField $InputObject 'database'
            Table          = Get-PgMigrateField $InputObject 'table'
            CurrentVersion = $current
        }
    }
}
