function Invoke-Psql {
    <#
    .SYNOPSIS
    Runs psql on the configured database, with the password passed through the environment only.

    .DESCRIPTION
    Runs `pgmigrate psql -- <arguments>`: pgmigrate finds psql (its --pg-bin folder,
    PGMIGRATE_PG_BIN, the PostgreSQL installations Windows knows, then PATH) and starts it
    with the connection from pgmigrate's configuration (-Database, DATABASE_URL, .env, PG*
    variables), the password in psql's environment, never on its command line. No
    $env:Path edits and no $env:PGPASSWORD left behind in the session.

    The team's
        psql -U postgres -d ecommerce -c "\dt"
    becomes
        Invoke-Psql -Database ecommerce -Credential postgres -Command '\dt'
    or, with DATABASE_URL in .env, just Invoke-Psql -Command '\dt'.

    psql's output is written out line by line as strings, read as UTF-8 (psql is asked for
    UTF-8 through PGCLIENTENCODING unless that is set already). Its messages on stderr (NOTICE
    and the like) become warnings. A non-zero exit code of psql is a terminating error
    (ErrorId PgMigrate.psql) whose message is psql's error text and whose ExitCode is
    psql's; a failure of pgmigrate itself (psql not found, bad connection settings) is
    reported like any other pgmigrate error.

    .PARAMETER Command
    An SQL command or psql meta-command to run, passed as psql -c. Use single quotes so
    that PowerShell leaves backslashes and $ alone: '\d reviews'.

    .PARAMETER File
    An SQL script to run, passed as psql -f (the path is resolved from the current
    PowerShell location).

    .PARAMETER ArgumentList
    More arguments for psql, verbatim, after -c or -f (for instance '-At' for unaligned
    tuples-only output, or '-v', 'ON_ERROR_STOP=1'). Without -Command and -File they are
    the whole psql command line.

    .PARAMETER Path
    The migrations folder, only for pgmigrate's configuration. Rarely needed.

    .PARAMETER Database
    The database: a URL, a keyword/value string or a database name such as ecommerce (see
    Invoke-MigrateUp). Default: DATABASE_URL from the environment or .env.

    .PARAMETER Credential
    User name and password for PostgreSQL. The password reaches psql as PGPASSWORD in its
    environment for this call only, never on a command line.

    .EXAMPLE
    Invoke-Psql -Command '\dt'

    Lists the tables of the database of DATABASE_URL, like psql -c "\dt".

    .EXAMPLE
    Invoke-Psql -Database ecommerce -Credential postgres -Command '\d reviews'

    Describes the table reviews in the database ecommerce as user postgres (PowerShell asks
    for the password).

    .EXAMPLE
    Invoke-Psql -Command 'SELECT * FROM schema_migrations' -ArgumentList '-At'

    The tracking table's row, as plain text (the guide's "check the schema_migrations
    table").

    .EXAMPLE
    Invoke-Psql -File .\seed.sql -ArgumentList '-v', 'ON_ERROR_STOP=1'

    Runs a script and stops at its first error.

    .INPUTS
    None.

    .OUTPUTS
    System.String, psql's output lines.

    .LINK
    Get-MigrationStatus
    #>
    [CmdletBinding(DefaultParameterSetName = 'Command')]
    [OutputType([string])]
    param(
        [Parameter(ParameterSetName = 'Command', Position = 0)]
        [string] $Command,

        [Parameter(ParameterSetName = 'File', Mandatory = $true)]
        [string] $File,

        [Parameter(Position = 1)]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $ArgumentList = @(),

        [string] $Path,

        [string] $Database,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    $psqlArgs = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $psqlArgs.Add('psql')
    $psqlArgs.Add('--')
    if ($PSBoundParameters.ContainsKey('Command')) {
        $psqlArgs.Add('-c')
        $psqlArgs.Add($Command)
    }
    if ($PSBoundParameters.ContainsKey('File')) {
        $psqlArgs.Add('-f')
        $psqlArgs.Add($PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($File))
    }
    foreach ($a in $ArgumentList) {
        $psqlArgs.Add($a)
    }
    # psql writes in its client encoding (the ANSI code page when its output is redirected
    # on Windows); ask for UTF-8, which the helper decodes, unless the user chose one
    $childEnv = @{}
    if (-not $env:PGCLIENTENCODING) {
        $childEnv['PGCLIENTENCODING'] = 'UTF8'
    }
    Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList $psqlArgs.ToArray() -Raw -Program 'psql' -Environment $childEnv @connection
}
