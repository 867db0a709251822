function New-Migration {
    <#
    .SYNOPSIS
    Creates the next pair of migration files, NNNNNN_name.up.sql and .down.sql.

    .DESCRIPTION
    Runs `pgmigrate new NAME`: the next version is numbered like the folder (000010 after
    000009, 6 digits by default; a UTC timestamp in a folder of 14-digit versions), and both
    files get a header comment. Writes the two new files as System.IO.FileInfo objects, up
    first, each with the extra properties Version, MigrationName and Direction, so the
    result can go straight to an editor: New-Migration reviews_table | Invoke-Item.

    No database is needed. An existing file is never overwritten.

    .PARAMETER Name
    The description part of the file names, e.g. create_reviews_table (letters, digits and
    underscores read best).

    .PARAMETER Path
    The migrations folder. Default: $env:PGMIGRATE_PATH, else .\migrations. Relative paths
    are taken from the current PowerShell location.

    .EXAMPLE
    New-Migration -Name reviews_table

    Creates migrations\000010_reviews_table.up.sql and migrations\000010_reviews_table.down.sql
    after 000009, and writes both as FileInfo objects.

    .EXAMPLE
    New-Migration add_orders_index -Path .\ecommerce-backend\migrations | Select-Object -First 1 | Invoke-Item

    Creates the pair in another folder and opens the .up.sql file.

    .INPUTS
    None.

    .OUTPUTS
    System.IO.FileInfo, the up file then the down file.

    .LINK
    Invoke-MigrateUp
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [string] $Path
    )
    $connection = Get-PgMigrateConnection -BoundParameters $PSBoundParameters
    $folder = $Path
    if (-not $folder) {
        $folder = $env:PGMIGRATE_PATH
    }
    if (-not $folder) {
        $folder = 'migrations'
    }
    if (-not $PSCmdlet.ShouldProcess($folder, ('Create migration files for {0}' -f $Name))) {
        return
    }
    $base = (Get-Location -PSProvider FileSystem).ProviderPath
    Invoke-PgMigrateExe -Cmdlet $PSCmdlet -ArgumentList @('new', $Name) @connection | ForEach-Object -Process {
        if ($_.event -ne 'created') {
            return
        }
        $created = $_
        foreach ($pair in @(@('up', 'Up'), @('down', 'Down'))) {
            $file = [string](Get-PgMigrateField $created $pair[0])
            if (-not $file) {
                continue
            }
            if (-not [System.IO.Path]::IsPathRooted($file)) {
                $file = Join-Path -Path $base -ChildPath $file
            }
            $item = Get-Item -LiteralPath $file
            Add-Member -InputObject $item -MemberType NoteProperty -Name 'Version' -Value ([long](Get-PgMigrateField $created 'version')) -Force
            Add-Member -InputObject $item -MemberType NoteProperty -Name 'MigrationName' -Value ([string](Get-PgMigrateField $created 'name')) -Force
            Add-Member -InputObject $item -MemberType NoteProperty -Name 'Direction' -Value $pair[1] -Force
            $item
        }
    }
}
