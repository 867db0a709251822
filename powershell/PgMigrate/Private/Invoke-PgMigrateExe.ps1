function Invoke-PgMigrateExe {
    <#
    .SYNOPSIS
    Runs pgmigrate once and streams what it writes: the one place the module calls the executable.
    .DESCRIPTION
    Builds the argument array (never a joined string): --json, then --path, --database,
    --table, --lock-timeout when given, then the command and its arguments. A
    -Credential reaches the child through its environment only: PGUSER and PGPASSWORD
    are set for the call and restored afterwards (also on Ctrl+C); they never appear
    among the arguments. stdout is decoded as UTF-8 ([Console]::OutputEncoding is set
    for the call and restored) and read line by line while the process runs: each
    NDJSON line is written out as a parsed object as soon as it arrives (with -Raw, as
    the text line). stderr lines go to the verbose stream (with -Raw: to the warning
    stream after a success, into the error message after a failure). After the process exits,
    a non-zero $LASTEXITCODE becomes a terminating ErrorRecord thrown through the
    calling cmdlet (-Cmdlet), built from pgmigrate's `error` event, unless the code is one
    of -ReportExitCode and no error event came (a check that found problems).
    #>
    [CmdletBinding()]
    param(
        # the calling cmdlet's $PSCmdlet: errors are thrown as that cmdlet's
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        # the pgmigrate command and its arguments, e.g. 'up', '3'
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $ArgumentList,

        [string] $Path,
        [string] $Database,
        [System.Management.Automation.PSCredential] $Credential,
        [string] $Table,
        [double] $LockTimeout = -1,

        # stream stdout as text lines (psql); a final JSON error line from pgmigrate is still recognised
        [switch] $Raw,

        # the program whose failure a non-JSON exit code reports ('psql' for Invoke-Psql)
        [string] $Program = 'pgmigrate',

        # more environment variables for the child, set and restored like the credential's
        [hashtable] $Environment = @{},

        # exit codes that end a complete report rather than an error when pgmigrate wrote no
        # error event: problems found by validate (6), lint, verify and doctor (1)
        [int[]] $ReportExitCode = @()
    )

    $exe = Find-PgMigrateExe

    $argv = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $argv.Add('--json')
    if ($Path) {
        $argv.Add('--path')
        $argv.Add($Cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path))
    }
    if ($Database) {
        $argv.Add('--database')
        $argv.Add((ConvertTo-PgMigrateConnection -Database $Database))
    }
    if ($Table) {
        $argv.Add('--table')
        $argv.Add($Table)
    }
    if ($LockTimeout -ge 0) {
        $argv.Add('--lock-timeout')
        $argv.Add($LockTimeout.ToString([System.Globalization.CultureInfo]::InvariantCulture))
    }
    foreach ($a in $ArgumentList) {
        $argv.Add($a)
    }
    # the arguments as built, for tests and -Debug; never holds a password from -Credential
    $script:LastArgumentList = $argv.ToArray()

    # 5.1 and PowerShell before 7.3 join arguments without escaping quotes: do it here
    $legacy = ($PSVersionTable.PSVersion -lt [version]'7.3') -or ($script:LegacyArgumentPassing -eq $true)
    if ($legacy) {
        $PSNativeCommandArgumentPassing = 'Legacy'
        $nativeArgs = ConvertTo-PgMigrateNativeArgument -ArgumentList $argv.ToArray() -DoubleTrailingBackslash:($PSVersionTable.PSEdition -ne 'Core')
    }
    else {
        $PSNativeCommandArgumentPassing = 'Standard'
        $nativeArgs = $argv.ToArray()
    }
    # we check $LASTEXITCODE ourselves (PowerShell 7.4+ could otherwise throw its own error)
    $PSNativeCommandUseErrorActionPreference = $false
    Write-Verbose ('pgmigrate: {0} {1}' -f $exe, (Hide-PgMigratePassword -Text ($argv.ToArray() -join ' ')))

    $savedEnv = @{}
    $envToSet = @{}
    foreach ($name in $Environment.Keys) {
        $envToSet[$name] = [string]$Environment[$name]
    }
    if ($null -ne $Credential -and $Credential -ne [System.Management.Automation.PSCredential]::Empty) {
        if ($Credential.UserName) {
            $envToSet['PGUSER'] = $Credential.UserName.TrimStart('\')
        }
        $envToSet['PGPASSWORD'] = $Credential.GetNetworkCredential().Password
    }

    $state = @{ ErrorEvent = $null; Stderr = (New-Object -TypeName 'System.Collections.Generic.List[string]'); Held = $null; HasHeld = $false }
    $savedEncoding = $null
    $exitCode = 0
    try {
        foreach ($name in $envToSet.Keys) {
            $savedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $envToSet[$name])
        }
        try {
            $savedEncoding = [Console]::OutputEncoding
            [Console]::OutputEncoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
        }
        catch {
            $savedEncoding = $null   # no console (ISE, some hosts): nothing to set
        }

        # stderr arrives as ErrorRecords through 2>&1; keep them from stopping us in 5.1
        $ErrorActionPreference = 'Continue'
        & $exe @nativeArgs 2>&1 | ForEach-Object -Process {
            if ($_ -is [System.Management.Automation.ErrorRecord]) {
                $line = $_.ToString()
                $state.Stderr.Add($line)
                if (-not $Raw) {
                    Write-Verbose ('{0}: {1}' -f $Program, $line)
                }
                return
            }
            $line = [string]$_
            if ($Raw) {
                # hold one line back: pgmigrate's own JSON error, if any, comes last
                if ($state.HasHeld) {
                    $state.Held
                }
                $state.Held = $line
                $state.HasHeld = $true
                return
            }
            if ($line.Trim().Length -eq 0) {
                return
            }
            Write-Verbose ('pgmigrate: {0}' -f $line)
            $evt = $null
            try {
                $evt = ConvertFrom-Json -InputObject $line
            }
            catch {
                $evt = $null
            }
            if ($null -eq $evt -or $null -eq (Get-PgMigrateField $evt 'event')) {
                $state.Stderr.Add($line)
                return
            }
            if ($evt.event -eq 'error') {
                $state.ErrorEvent = $evt
                return
            }
            $evt
        }
        $exitCode = $LASTEXITCODE
    }
    finally {
        if ($null -ne $savedEncoding) {
            try { [Console]::OutputEncoding = $savedEncoding } catch { $null = $_ }
        }
        foreach ($name in $savedEnv.Keys) {
            [Environment]::SetEnvironmentVariable($name, $savedEnv[$name])
        }
    }

    if ($Raw -and $state.HasHeld) {
        $held = $state.Held
        $parsed = $null
        if ($exitCode -ne 0 -and $held -match '^\s*\{"event":"error"') {
            try { $parsed = ConvertFrom-Json -InputObject $held } catch { $parsed = $null }
        }
        if ($null -ne $parsed) {
            Write-Verbose ('pgmigrate: {0}' -f $held)
            $state.ErrorEvent = $parsed
        }
        else {
            $held
        }
    }

    if ($null -eq $exitCode) {
        $exitCode = 1
    }
    if ($Raw -and $exitCode -eq 0) {
        # psql's notices and messages, shown once it is known they are not an error
        foreach ($line in $state.Stderr) {
            Write-Warning -Message $line
        }
    }
    if ($exitCode -ne 0 -and $null -eq $state.ErrorEvent -and ($ReportExitCode -contains $exitCode)) {
        Write-Verbose ('pgmigrate: exit code {0}: the report lists the problems' -f $exitCode)
    }
    elseif ($exitCode -ne 0) {
        $errorProgram = $Program
        if ($null -ne $state.ErrorEvent) {
            $errorProgram = 'pgmigrate'
        }
        $record = New-PgMigrateErrorRecord -ErrorEvent $state.ErrorEvent -ExitCode $exitCode -StandardError $state.Stderr.ToArray() -Program $errorProgram
        $Cmdlet.ThrowTerminatingError($record)
    }
    elseif ($null -ne $state.ErrorEvent) {
        # an error event with exit code 0 would be a pgmigrate bug; do not lose it
        $record = New-PgMigrateErrorRecord -ErrorEvent $state.ErrorEvent -ExitCode 1 -StandardError $state.Stderr.ToArray()
        $Cmdlet.ThrowTerminatingError($record)
    }
}
