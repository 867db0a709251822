function ConvertTo-PgMigrateConnection {
    <#
    .SYNOPSIS
    Turns the -Database value into what pgmigrate's --database takes.
    .DESCRIPTION
    A connection URL (postgres://... or postgresql://...) and a keyword/value string
    (host=... dbname=...) pass unchanged. A plain name, as in psql -d ecommerce,
    becomes dbname='ecommerce' so that it names a database for every command
    (including psql), with host, port and user from PG* variables, .env or -Credential.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Database
    )
    if ($Database -match '^[a-zA-Z][a-zA-Z0-9+.-]*://' -or $Database -match '=') {
        return $Database
    }
    $escaped = $Database.Replace('\', '\\').Replace("'", "\'")
    return "dbname='$escaped'"
}
