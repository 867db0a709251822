function Hide-PgMigratePassword {
    <#
    .SYNOPSIS
    Masks the password in a connection URL or keyword/value string, as pgmigrate does.
    .DESCRIPTION
    postgres://user:secret@host/db becomes postgres://user:****@host/db, and
    password=secret (or password='se cret') becomes password=****. Used for messages
    (ShouldProcess targets, verbose lines) that may show the -Database value.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowEmptyString()]
        [AllowNull()]
        [string] $Text
    )
    if (-not $Text) {
        return $Text
    }
    $masked = $Text -replace '(://[^:/@?#]*:)[^@/?#]*@', '$1****@'
    $masked = $masked -replace "(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)", '$1****'
    return $masked
}
