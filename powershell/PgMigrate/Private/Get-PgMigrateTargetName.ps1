function Get-PgMigrateTargetName {
    <#
    .SYNOPSIS
    A name for the database a command will change, for ShouldProcess messages (password masked).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [hashtable] $Connection = @{}
    )
    $target = $null
    if ($Connection.ContainsKey('Database')) {
        $target = Hide-PgMigratePassword -Text ([string]$Connection['Database'])
    }
    elseif ($env:DATABASE_URL) {
        $target = Hide-PgMigratePassword -Text $env:DATABASE_URL
    }
    else {
        $target = 'the configured database (DATABASE_URL in .env, or PG* variables)'
    }
    if ($Connection.ContainsKey('Table')) {
        $target = '{0} (table {1})' -f $target, $Connection['Table']
    }
    return $target
}
