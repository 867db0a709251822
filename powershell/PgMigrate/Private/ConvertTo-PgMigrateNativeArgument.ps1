function ConvertTo-PgMigrateNativeArgument {
    <#
    .SYNOPSIS
    Escapes arguments for PowerShell's legacy native argument passing.
    .DESCRIPTION
    Windows PowerShell 5.1 (and PowerShell 7 before 7.3, or with
    $PSNativeCommandArgumentPassing = 'Legacy') builds the child's command line by
    wrapping arguments with spaces in double quotes without escaping embedded quotes,
    and drops empty arguments. psql -c 'SELECT "Name" FROM t' would arrive broken.
    This applies the C runtime's rules (CommandLineToArgvW) so each argument arrives
    exactly as given: a quote becomes \", the backslashes before it are doubled, and an
    empty argument becomes "". Windows PowerShell also leaves the trailing backslashes
    of an argument it wraps in quotes as they are, so that the closing quote would be
    escaped: -DoubleTrailingBackslash doubles them (PowerShell 6 and later do that
    themselves). With 'Standard' passing none of this is needed.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $ArgumentList,

        [switch] $DoubleTrailingBackslash
    )
    $out = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($arg in $ArgumentList) {
        if ($null -eq $arg -or $arg.Length -eq 0) {
            $out.Add('""')
            continue
        }
        $escaped = [regex]::Replace($arg, '(\\*)"', { param($m) $m.Groups[1].Value + $m.Groups[1].Value + '\"' })
        if ($DoubleTrailingBackslash -and $escaped -match '\s') {
            # PowerShell will put quotes around it: keep a trailing backslash from escaping the closing quote
            $escaped = [regex]::Replace($escaped, '(\\+)$', { param($m) $m.Groups[1].Value + $m.Groups[1].Value })
        }
        $out.Add($escaped)
    }
    return , $out.ToArray()
}
