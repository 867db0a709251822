function Get-PgMigrateVersionCompletion {
    <#
    .SYNOPSIS
    Tab completion for -Version: the versions of the migration files in the folder.
    .DESCRIPTION
    The folder is the command's -Path as typed so far, else $env:PGMIGRATE_PATH, else
    .\migrations, from the current location. Each version completes as the file writes it
    (000009), listed with its name; a typed prefix matches the digits with or without the
    leading zeros. Set-MigrationVersion also offers -1 (no migration applied).
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.CompletionResult])]
    param(
        [string] $CommandName,
        [string] $WordToComplete,
        [System.Collections.IDictionary] $BoundParameters
    )
    $folder = $null
    if ($null -ne $BoundParameters -and (@($BoundParameters.Keys) -contains 'Path') -and $BoundParameters['Path']) {
        $folder = [string]$BoundParameters['Path']
    }
    elseif ($env:PGMIGRATE_PATH) {
        $folder = $env:PGMIGRATE_PATH
    }
    else {
        $folder = 'migrations'
    }
    $word = ([string]$WordToComplete).Trim("'", '"')
    try {
        $folder = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($folder)
    }
    catch {
        return
    }
    $seen = @{}
    $found = New-Object -TypeName 'System.Collections.Generic.List[object]'
    if (Test-Path -LiteralPath $folder -PathType Container) {
        foreach ($file in @(Get-ChildItem -LiteralPath $folder -File -ErrorAction SilentlyContinue)) {
            if ($file.Name -notmatch '^(\d+)_(.*)\.(up|down)\.sql$') {
                continue
            }
            $digits = $Matches[1]
            $name = $Matches[2]
            $number = [decimal]$digits
            if ($seen.ContainsKey($number)) {
                continue
            }
            $seen[$number] = $true
            $found.Add([pscustomobject]@{ Digits = $digits; Number = $number; Name = $name })
        }
    }
    foreach ($m in @($found | Sort-Object -Property Number)) {
        $plain = $m.Number.ToString([System.Globalization.CultureInfo]::InvariantCulture)
        if ($word -and -not ($m.Digits.StartsWith($word) -or $plain.StartsWith($word))) {
            continue
        }
        New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList @(
            $m.Digits, ('{0} {1}' -f $m.Digits, $m.Name), 'ParameterValue', ('{0}_{1}' -f $m.Digits, $m.Name))
    }
    if ($CommandName -eq 'Set-MigrationVersion' -and (-not $word -or '-1'.StartsWith($word))) {
        New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList @(
            '-1', '-1 (no migration applied)', 'ParameterValue', 'record that no migration is applied')
    }
}
