function ConvertTo-PgMigrateTestResult {
    <#
    .SYNOPSIS
    The events of `validate`, `lint` and `verify` as PgMigrate.TestResult objects, one per problem.
    .DESCRIPTION
    validate: one object per entry of its problems list. lint: one per finding event
    (the rule is the Code, its fix the Hint). verify: one per migration whose result is
    not ok (Code different, no_down, failed or not_run); for a schema difference Detail
    lists the catalog lines, "- " before and "+ " after, as pgmigrate prints them. Other
    events (lint's summary, warnings) are passed over; warning events become warnings.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true)]
        [object] $InputObject,

        [Parameter(Mandatory = $true)]
        [ValidateSet('Validate', 'Lint', 'Verify')]
        [string] $Check
    )
    begin {
        $severities = @{ error = 'Error'; warning = 'Warning' }
        $newResult = {
            param([hashtable] $f)
            $sev = $severities[[string]$f['Severity']]
            if (-not $sev) {
                $sev = [string]$f['Severity']
            }
            $version = $null
            if ($null -ne $f['Version']) {
                $version = [long]$f['Version']
            }
            $line = $null
            if ($null -ne $f['Line']) {
                $line = [int]$f['Line']
            }
            $column = $null
            if ($null -ne $f['Column']) {
                $column = [int]$f['Column']
            }
            [pscustomobject]@{
                PSTypeName = 'PgMigrate.TestResult'
                Check      = $Check
                Severity   = $sev
                Code       = $f['Code']
                Version    = $version
                File       = $f['File']
                Line       = $line
                Column     = $column
                Message    = $f['Message']
                Hint       = $f['Hint']
                Detail     = [string[]]@($f['Detail'] | Where-Object { $null -ne $_ })
                SqlState   = $f['SqlState']
            }
        }
        $diffLines = {
            param([object] $m, [string] $missing, [string] $extra)
            $lines = @()
            foreach ($l in @(Get-PgMigrateField $m $missing)) {
                if ($null -ne $l) { $lines += '- ' + $l }
            }
            foreach ($l in @(Get-PgMigrateField $m $extra)) {
                if ($null -ne $l) { $lines += '+ ' + $l }
            }
            return $lines
        }
    }
    process {
        $evt = $InputObject
        switch ([string](Get-PgMigrateField $evt 'event')) {
            'warning' {
                Write-Warning -Message ([string](Get-PgMigrateField $evt 'message'))
            }
            'finding' {
                & $newResult @{
                    Severity = Get-PgMigrateField $evt 'severity'
                    Code     = Get-PgMigrateField $evt 'rule'
                    Version  = Get-PgMigrateField $evt 'version'
                    File     = Get-PgMigrateField $evt 'file'
                    Line     = Get-PgMigrateField $evt 'line'
                    Column   = Get-PgMigrateField $evt 'column'
                    Message  = Get-PgMigrateField $evt 'message'
                    Hint     = Get-PgMigrateField $evt 'fix'
                }
            }
            'validate' {
                foreach ($p in @(Get-PgMigrateField $evt 'problems')) {
                    if ($null -eq $p) {
                        continue
                    }
                    & $newResult @{
                        Severity = Get-PgMigrateField $p 'severity'
                        Code     = Get-PgMigrateField $p 'code'
                        Version  = Get-PgMigrateField $p 'version'
                        File     = Get-PgMigrateField $p 'file'
                        Line     = Get-PgMigrateField $p 'line'
                        Column   = Get-PgMigrateField $p 'column'
                        Message  = Get-PgMigrateField $p 'message'
                        Hint     = Get-PgMigrateField $p 'hint'
                    }
                }
            }
            'verify' {
                foreach ($m in @(Get-PgMigrateField $evt 'migrations')) {
                    if ($null -eq $m) {
                        continue
                    }
                    $result = [string](Get-PgMigrateField $m 'result')
                    if ($result -eq 'ok') {
                        continue
                    }
                    $err = Get-PgMigrateField $m 'error'
                    $file = Get-PgMigrateField $err 'file'
                    if (-not $file) {
                        $file = Get-PgMigrateField $m 'up_file'
                    }
                    $where = ''
                    if (Get-PgMigrateField $m 'scratch') {
                        $where = ' (in the scratch database)'
                    }
                    $message = [string](Get-PgMigrateField $err 'message')
                    $hint = Get-PgMigrateField $err 'hint'
                    $detail = @()
                    $errDetail = Get-PgMigrateField $err 'detail'
                    if ($errDetail) {
                        $detail += [string]$errDetail
                    }
                    $down = @(& $diffLines $m 'down_missing' 'down_extra')
                    $again = @(& $diffLines $m 'again_missing' 'again_extra')
                    switch ($result) {
                        'different' {
                            $parts = @()
                            if ($down.Count -gt 0) {
                                $parts += 'the down migration does not restore the schema'
                            }
                            if ($again.Count -gt 0) {
                                $parts += 'up after down does not give the same schema'
                            }
                            $message = ($parts -join '; ') + $where
                            $hint = 'make the down migration undo exactly what the up migration does (the Detail lines: - before, + after)'
                        }
                        'failed' {
                            $phase = Get-PgMigrateField $m 'phase'
                            if (-not $phase) {
                                $phase = 'a step'
                            }
                            $message = '{0} failed{1}: {2}' -f $phase, $where, $message
                        }
                        'no_down' {
                            if (-not $hint) {
                                $hint = 'write the .down.sql file that undoes the migration'
                            }
                        }
                    }
                    & $newResult @{
                        Severity = 'error'
                        Code     = $result
                        Version  = Get-PgMigrateField $m 'version'
                        File     = $file
                        Line     = Get-PgMigrateField $err 'line'
                        Column   = Get-PgMigrateField $err 'column'
                        Message  = $message
                        Hint     = $hint
                        Detail   = @($detail + $down + $again)
                        SqlState = Get-PgMigrateField $err 'sqlstate'
                    }
                }
            }
        }
    }
}
