function New-PgMigrateErrorRecord {
    <#
    .SYNOPSIS
    Builds the ErrorRecord for a failed pgmigrate run.
    .DESCRIPTION
    From the `error` event (docs/json.md) when there is one, else from the exit code
    and whatever pgmigrate wrote to stderr. The record's message is pgmigrate's
    (plus its detail and hint, and the file position), ErrorId 'PgMigrate.<code>'
    (PgMigrate.sql, PgMigrate.connection, ...), TargetObject a PgMigrate.Error object
    with every field, and the exception carries ExitCode, Code, SqlState, File, Line,
    Column, Detail, Hint and Version both as properties and in Exception.Data.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [AllowNull()]
        [object] $ErrorEvent,

        [int] $ExitCode,

        [AllowNull()]
        [AllowEmptyCollection()]
        [string[]] $StandardError,

        [string] $Program = 'pgmigrate'
    )

    $stderrText = ''
    if ($StandardError) {
        $stderrText = (@($StandardError) -join [Environment]::NewLine).Trim()
    }

    if ($null -ne $ErrorEvent) {
        $info = [pscustomobject]@{
            PSTypeName = 'PgMigrate.Error'
            Code       = [string](Get-PgMigrateField $ErrorEvent 'code')
            ExitCode   = $ExitCode
            Message    = [string](Get-PgMigrateField $ErrorEvent 'message')
            Detail     = Get-PgMigrateField $ErrorEvent 'detail'
            Hint       = Get-PgMigrateField $ErrorEvent 'hint'
            SqlState   = Get-PgMigrateField $ErrorEvent 'sqlstate'
            File       = Get-PgMigrateField $ErrorEvent 'file'
            Line       = Get-PgMigrateField $ErrorEvent 'line'
            Column     = Get-PgMigrateField $ErrorEvent 'column'
            Statement  = Get-PgMigrateField $ErrorEvent 'statement'
            Version    = Get-PgMigrateField $ErrorEvent 'version'
        }
        $jsonExit = Get-PgMigrateField $ErrorEvent 'exit_code'
        if ($null -ne $jsonExit -and $ExitCode -eq 0) {
            $info.ExitCode = [int]$jsonExit
        }
    }
    else {
        $message = $stderrText
        if (-not $message) {
            $message = "$Program exited with code $ExitCode"
        }
        $code = 'error'
        if ($Program -eq 'psql') {
            $code = 'psql'
        }
        $info = [pscustomobject]@{
            PSTypeName = 'PgMigrate.Error'
            Code       = $code
            ExitCode   = $ExitCode
            Message    = $message
            Detail     = $null
            Hint       = $null
            SqlState   = $null
            File       = $null
            Line       = $null
            Column     = $null
            Statement  = $null
            Version    = $null
        }
    }
    if (-not $info.Code) {
        $info.Code = 'error'
    }
    if (-not $info.Message) {
        $info.Message = "$Program exited with code $ExitCode"
    }

    # the message as pgmigrate prints it: file:line:col: message (SQLSTATE x), DETAIL, HINT
    $text = $info.Message
    if ($info.File -and $info.Line) {
        $text = '{0}:{1}:{2}: {3}' -f $info.File, $info.Line, $info.Column, $text
    }
    elseif ($info.File) {
        $text = '{0}: {1}' -f $info.File, $text
    }
    if ($info.SqlState) {
        $text = '{0} (SQLSTATE {1})' -f $text, $info.SqlState
    }
    if ($info.Detail) {
        $text = $text + [Environment]::NewLine + 'DETAIL: ' + $info.Detail.TrimEnd()
    }
    if ($info.Hint) {
        $text = $text + [Environment]::NewLine + 'HINT: ' + $info.Hint
    }

    $exception = New-Object -TypeName System.Exception -ArgumentList $text
    foreach ($name in @('Code', 'ExitCode', 'SqlState', 'File', 'Line', 'Column', 'Statement', 'Detail', 'Hint', 'Version')) {
        $exception.Data[$name] = $info.$name
        Add-Member -InputObject $exception -MemberType NoteProperty -Name $name -Value $info.$name -Force
    }

    $category = switch ($info.Code) {
        'usage' { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'io' { [System.Management.Automation.ErrorCategory]::ReadError }
        'invalid_files' { [System.Management.Automation.ErrorCategory]::InvalidData }
        'connection' { [System.Management.Automation.ErrorCategory]::ConnectionError }
        'sql' { [System.Management.Automation.ErrorCategory]::InvalidOperation }
        'dirty' { [System.Management.Automation.ErrorCategory]::InvalidResult }
        'lock_timeout' { [System.Management.Automation.ErrorCategory]::OperationTimeout }
        'interrupted' { [System.Management.Automation.ErrorCategory]::OperationStopped }
        'no_down_migration' { [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'no_file_for_version' { [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'not_found' { [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'exists' { [System.Management.Automation.ErrorCategory]::ResourceExists }
        'config' { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'access_denied' { [System.Management.Automation.ErrorCategory]::PermissionDenied }
        'out_of_memory' { [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        default { [System.Management.Automation.ErrorCategory]::NotSpecified }
    }

    $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList @(
        $exception, ('PgMigrate.' + $info.Code), $category, $info)
    if ($info.Hint) {
        $record.ErrorDetails = New-Object -TypeName System.Management.Automation.ErrorDetails -ArgumentList $text
        $record.ErrorDetails.RecommendedAction = $info.Hint
    }
    return $record
}
