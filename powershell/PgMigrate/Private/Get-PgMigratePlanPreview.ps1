function Get-PgMigratePlanPreview {
    <#
    .SYNOPSIS
    The migrations an up, down or goto would run, from the status (for -WhatIf).
    .DESCRIPTION
    Runs `pgmigrate status` (read-only: no lock, nothing created) and picks the rows:
    up takes the pending ones in order (the first -Steps), down the applied ones from
    the newest (the last -Steps, or all), goto the pending ones up to the version or
    the applied ones above it. Returns the status rows, in the order they would run.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory = $true)]
        [ValidateSet('up', 'down', 'goto')]
        [string] $Command,

        [int] $Steps = 0,
        [switch] $All,
        [long] $Version = -1,

        [hashtable] $Connection = @{}
    )
    $rows = @(Invoke-PgMigrateExe -Cmdlet $Cmdlet -ArgumentList @('status') @Connection |
        Where-Object { $_.event -eq 'status' } |
        ForEach-Object { ConvertTo-PgMigrateStatus -InputObject $_ })
    $applied = @($rows | Where-Object { $_.State -eq 'Applied' -or $_.State -eq 'Dirty' } | Sort-Object -Property Version -Descending)
    $pending = @($rows | Where-Object { $_.State -eq 'Pending' } | Sort-Object -Property Version)
    switch ($Command) {
        'up' {
            if ($Steps -gt 0) {
                $pending | Select-Object -First $Steps
            }
            else {
                $pending
            }
        }
        'down' {
            if ($All) {
                $applied
            }
            else {
                $n = $Steps
                if ($n -le 0) {
                    $n = 1
                }
                $applied | Select-Object -First $n
            }
        }
        'goto' {
            $current = $null
            if ($rows.Count -gt 0) {
                $current = $rows[0].CurrentVersion
            }
            if ($null -ne $current -and $Version -lt $current) {
                $applied | Where-Object { $_.Version -gt $Version }
            }
            else {
                $pending | Where-Object { $_.Version -le $Version }
            }
        }
    }
}
