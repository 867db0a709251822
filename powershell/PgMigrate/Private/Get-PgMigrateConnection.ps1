function Get-PgMigrateConnection {
    <#
    .SYNOPSIS
    The connection options among a cmdlet's bound parameters, for splatting into Invoke-PgMigrateExe.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary] $BoundParameters
    )
    $connection = @{}
    foreach ($name in @('Path', 'Database', 'Credential', 'Table', 'LockTimeout')) {
        if ((@($BoundParameters.Keys) -contains $name) -and $null -ne $BoundParameters[$name]) {
            $connection[$name] = $BoundParameters[$name]
        }
    }
    return $connection
}
