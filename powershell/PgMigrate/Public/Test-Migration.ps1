function Test-Migration {
    <#
    .SYNOPSIS
    Checks the migrations: the files and the applied ones (validate), the SQL (lint), and
    that each down migration undoes its up migration (verify).

    .DESCRIPTION
    Runs the checks chosen with -Check and writes one PgMigrate.TestResult object per
    problem found: Check (Validate, Lint or Verify), Severity (Error or Warning), Code,
    Version, File, Line, Column, Message, Hint, Detail and SqlState. No output means no
    problem. With -Quiet it writes one Boolean instead: $true when no check found an error
    (and, with -Strict, no warning).
      Validate  pgmigrate validate: the files are well formed and, when a database is
                configured, the applied migrations' files are unchanged (checksums), none
                was skipped and the database is not dirty. -Offline checks the files only.
      Lint      pgmigrate lint: rules PGM001... over the SQL, without a database (a
                NOT NULL column added without a default, CREATE INDEX without
                CONCURRENTLY on a big table, a missing down migration, ...).
      Verify    pgmigrate verify: runs up, down and up again in a transaction that is rolled
                back (a scratch database for no-transaction files) and compares the schema
                after each step. The database is left as it was. By default the pending
                migrations; -Version V for one, -All for every one.
    The default is Validate and Lint: both are quick and change nothing.

    A check that cannot run (no server, a wrong password, unreadable files) stops the
    cmdlet with an ErrorRecord, as the other cmdlets do; problems found are output, not
    errors.

    .PARAMETER Check
    The checks to run, in this order: Validate, Lint, Verify. Default: Validate, Lint.

    .PARAMETER Version
    Verify: the one migration to verify (up, down, up again), applied or not.

    .PARAMETER All
    Verify: every migration, from the first one.

    .PARAMETER Offline
    Validate: check the files only, even when a database is configured.

    .PARAMETER Disable
    Lint: rules to leave out, e.g. PGM003.

    .PARAMETER Strict
    Count warnings as failures for -Quiet (lint and validate warnings).

    .PARAMETER Quiet
    Write $true or $false instead of the problems.

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations.

    .PARAMETER Database
    The database: a URL, a keyword/value string or a database name (see Invoke-MigrateUp).
    Default: DATABASE_URL from the environment or .env.

    .PARAMETER Credential
    User name and password for PostgreSQL. The password reaches pgmigrate as PGPASSWORD in
    its environment for this call only, never on its command line.

    .PARAMETER Table
    The tracking table, NAME or SCHEMA.NAME (default schema_migrations).

    .EXAMPLE
    Test-Migration

    Validates the files of .\migrations and the applied migrations in the database of
    DATABASE_URL, and lints the SQL. Nothing is written when all is well.

    .EXAMPLE
    Test-Migration -Check Lint | Format-List

    The lint findings with their fix, e.g. PGM001 for a NOT NULL column added without a
    default.

    .EXAMPLE
    Test-Migration -Check Verify -Version 9

    Proves on a rolled-back transaction that 000009_create_reviews_table.down.sql undoes
    its up migration, before anyone relies on Invoke-MigrateDown.

    .EXAMPLE
    if (-not (Test-Migration -Check Validate, Lint, Verify -Strict -Quiet)) { throw 'migrations need work' }

    A gate for a build script: every check, warnings included.

    .INPUTS
    None.

    .OUTPUTS
    PgMigrate.TestResult, one per problem; System.Boolean with -Quiet.

    .LINK
    Invoke-MigrateUp

    .LINK
    Get-PgMigrateEnvironment
    #>
    [CmdletBinding(DefaultParameterSetName = 'Pending')]
    [OutputType('PgMigrate.TestResult', [bool])]
    param(
        [ValidateSet('Validate', 'Lint', 'Verify')]
        [string[]] $Check = @('Validate', 'Lint'),

        [Parameter(ParameterSetName = 'Version', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Version,

        [Parameter(ParameterSetName = 'All', Mandatory = $true)]
        [switch] $All,

        [switch] $Offline,

        [string[]] $Disable = @(),

        [switch] $Strict,

        [switch] $Quiet,

        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string] $Table
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    if (($Version -or $All) -and -not ($Check -contains 'Verify')) {
        $Check = @($Check) + 'Verify'
    }
    $failed = $false
    foreach ($name in @('Validate', 'Lint', 'Verify')) {
        if (-not ($Check -contains $name)) {
            continue
        }
        $pgArgs = @()
        $reportCodes = @()
        switch ($name) {
            'Validate' {
                $pgArgs = @('validate')
                if ($Offline) {
                    $pgArgs += '--offline'
                }
                $reportCodes = @(6)
            }
            'Lint' {
                $pgArgs = @('lint')
                foreach ($rule in $Disable) {
                    $pgArgs += @('--disable', $rule)
                }
                $reportCodes = @(1)
            }
            'Verify' {
                $pgArgs = @('verify')
                if ($Version) {
                    $pgArgs += $Version
                }
                elseif ($All) {
                    $pgArgs += '--all'
                }
                $reportCodes = @(1)
            }
        }
        Write-Verbose ('Test-Migration: {0}' -f $name)
        Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList $pgArgs -ReportExitCode $reportCodes @connection |
            ConvertTo-PgMigrateTestResult -Check $name | ForEach-Object -Process {
                if ($_.Code -eq 'connection') {
                    # validate lists an unreachable database among its problems; here, as for
                    # verify, a check that could not run is an error, not a finding
                    $evt = [pscustomobject]@{ event = 'error'; code = 'connection'; exit_code = 5; message = $_.Message; hint = $_.Hint }
                    $PSCmdlet.ThrowTerminatingError((New-PgMigrateErrorRecord -ErrorEvent $evt -ExitCode 5))
                }
                if ($_.Severity -eq 'Error' -or ($Strict -and $_.Severity -eq 'Warning')) {
                    $failed = $true
                }
                if (-not $Quiet) {
                    $_
                }
            }
    }
    if ($Quiet) {
        -not $failed
    }
}
