function ConvertTo-PgMigrateStatus {
    <#
    .SYNOPSIS
    The `status` event as one PgMigrate.MigrationStatus object per migration.
    .DESCRIPTION
    State is Applied, Pending, Dirty, Missing (the database is at a version no file
    has), Modified (applied, and its file changed since: the checksum differs) or
    OutOfOrder (never applied, older than the current version). AppliedAt is a
    DateTimeOffset read from the history table ("2026-11-28 17:50:03+00"). Each row also carries the database (password masked), the tracking table and
    the database's current version, so a filtered list still says where it came from.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [object] $InputObject
    )
    $states = @{ applied = 'Applied'; pending = 'Pending'; dirty = 'Dirty'; missing = 'Missing'; modified = 'Modified'; out_of_order = 'OutOfOrder' }
    $formats = [string[]]@('yyyy-MM-dd HH:mm:sszzz', 'yyyy-MM-dd HH:mm:sszz', 'yyyy-MM-dd HH:mm:ss.FFFFFFzzz', 'yyyy-MM-dd HH:mm:ss.FFFFFFzz')
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
        $appliedAt = $null
        $at = [string](Get-PgMigrateField $m 'applied_at')
        $parsed = [DateTimeOffset]::MinValue
        if ($at -and [DateTimeOffset]::TryParseExact($at, $formats, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::None, [ref]$parsed)) {
            $appliedAt = $parsed
        }
        $failedStatement = Get-PgMigrateField $m 'failed_statement'
        if ($null -ne $failedStatement) {
            $failedStatement = [int]$failedStatement
        }
        [pscustomobject]@{
            PSTypeName     = 'PgMigrate.MigrationStatus'
            Version        = [long](Get-PgMigrateField $m 'version')
            Name           = Get-PgMigrateField $m 'name'
            State          = $state
            AppliedAt      = $appliedAt
            HasDown        = ($null -ne $downFile)
            UpFile         = $upFile
            DownFile       = $downFile
            Detail         = Get-PgMigrateField $m 'detail'
            FailedStatement = $failedStatement
            Database       = Get-PgMigrateField $InputObject 'database'
            Table          = Get-PgMigrateField $InputObject 'table'
            CurrentVersion = $current
        }
    }
}
