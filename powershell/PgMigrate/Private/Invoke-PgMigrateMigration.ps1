function Invoke-PgMigrateMigration {
    <#
    .SYNOPSIS
    Runs up, down, goto or force and turns the events into objects, progress and messages.
    .DESCRIPTION
    Each `applied`/`reverted` event is written out as a PgMigrate.MigrationResult the
    moment pgmigrate reports it, and Write-Progress follows the run when more than one
    migration runs. `warning` and `lock_wait` events become warnings, `plan`, `info` and
    `summary` verbose lines. With -PassSummary the summary is written out as a
    PgMigrate.Version object (used by Set-MigrationVersion).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory = $true)]
        [string[]] $ArgumentList,

        [hashtable] $Connection = @{},

        [switch] $PassSummary
    )
    $activity = 'pgmigrate ' + ($ArgumentList -join ' ')
    $progress = @{ Shown = $false; Total = 0 }
    try {
        Invoke-PgMigrateExe -Cmdlet $Cmdlet -ArgumentList $ArgumentList @Connection | ForEach-Object -Process {
            $evt = $_
            switch ([string]$evt.event) {
                'plan' {
                    $steps = [int](Get-PgMigrateField $evt 'steps')
                    $from = Get-PgMigrateField $evt 'from_version'
                    if ($null -eq $from) {
                        $from = 'none'
                    }
                    Write-Verbose ('{0}: {1} step(s) from version {2}' -f $activity, $steps, $from)
                    $progress.Total = $steps
                    if ($steps -gt 1) {
                        Write-Progress -Activity $activity -Status ('0 of {0}' -f $steps) -PercentComplete 0
                        $progress.Shown = $true
                    }
                }
                'started' {
                    # which migration runs now: what a stuck run shows
                    $total = [int](Get-PgMigrateField $evt 'total')
                    if ($total -gt 1) {
                        $index = [int](Get-PgMigrateField $evt 'index')
                        $percent = [int][Math]::Floor(100.0 * ($index - 1) / $total)
                        Write-Progress -Activity $activity -Status ('{0} of {1}: running {2}_{3}' -f $index, $total, (Get-PgMigrateField $evt 'version'), (Get-PgMigrateField $evt 'name')) -PercentComplete $percent
                        $progress.Shown = $true
                    }
                    Write-Verbose ('running {0} {1}' -f (Get-PgMigrateField $evt 'version'), (Get-PgMigrateField $evt 'name'))
                }
                { $_ -eq 'applied' -or $_ -eq 'reverted' } {
                    $result = ConvertTo-PgMigrateResult -InputObject $evt
                    if ($result.Total -gt 1) {
                        $percent = [int][Math]::Floor(100.0 * $result.Index / $result.Total)
                        Write-Progress -Activity $activity -Status ('{0} of {1}: {2} {3}_{4}' -f $result.Index, $result.Total, $result.Action.ToLowerInvariant(), $result.Version, $result.Name) -PercentComplete $percent
                        $progress.Shown = $true
                    }
                    $result
                }
                'failed' {
                    Write-Verbose ('failed: {0} {1} ({2})' -f (Get-PgMigrateField $evt 'version'), (Get-PgMigrateField $evt 'name'), (Get-PgMigrateField $evt 'file'))
                }
                'warning' {
                    $file = Get-PgMigrateField $evt 'file'
                    if ($file) {
                        Write-Warning -Message ('{0}: {1}' -f $file, (Get-PgMigrateField $evt 'message'))
                    }
                    else {
                        Write-Warning -Message ([string](Get-PgMigrateField $evt 'message'))
                    }
                }
                'lock_wait' {
                    Write-Warning -Message ([string](Get-PgMigrateField $evt 'message'))
                }
                'summary' {
                    $version = Get-PgMigrateField $evt 'version'
                    if ($null -ne $version) {
                        $version = [long]$version
                    }
                    $count = Get-PgMigrateField $evt 'steps'
                    if ($null -eq $count) {
                        $count = Get-PgMigrateField $evt 'reverted'
                    }
                    $shown = $version
                    if ($null -eq $shown) {
                        $shown = 'none'
                    }
                    Write-Verbose ('{0}: {1} step(s) in {2:N1} ms; version {3}' -f $activity, $count, [double](Get-PgMigrateField $evt 'duration_ms'), $shown)
                    if ($PassSummary) {
                        [pscustomobject]@{
                            PSTypeName = 'PgMigrate.Version'
                            Version    = $version
                            Dirty      = [bool](Get-PgMigrateField $evt 'dirty')
                        }
                    }
                }
                default {
                    Write-Verbose ('pgmigrate: {0}' -f (Get-PgMigrateField $evt 'message'))
                }
            }
        }
    }
    finally {
        if ($progress.Shown) {
            Write-Progress -Activity $activity -Completed
        }
    }
}
