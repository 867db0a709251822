function Get-PgMigrateField {
    <#
    .SYNOPSIS
    A property of a parsed JSON object, or $null when the object lacks it.
    .DESCRIPTION
    pgmigrate leaves some fields out when they are unknown (line and column of an
    error, for instance); this reads them without tripping strict mode.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object] $InputObject,

        [Parameter(Mandatory = $true)]
        [string] $Name
    )
    if ($null -eq $InputObject) {
        return $null
    }
    $prop = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $prop) {
        return $null
    }
    return $prop.Value
}
