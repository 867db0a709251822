function Format-PgMigrateMigration {
    <#
    .SYNOPSIS
    A migration as the team writes it: 000009_create_reviews_table (the file's own digits).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [object] $Migration
    )
    foreach ($file in @((Get-PgMigrateField $Migration 'UpFile'), (Get-PgMigrateField $Migration 'DownFile'), (Get-PgMigrateField $Migration 'File'))) {
        if ($file) {
            $leaf = [string]$file
            $cut = $leaf.LastIndexOfAny([char[]]@('/', '\'))
            if ($cut -ge 0) {
                $leaf = $leaf.Substring($cut + 1)
            }
            return ($leaf -replace '\.(up|down)\.sql$', '')
        }
    }
    $name = Get-PgMigrateField $Migration 'Name'
    if ($name) {
        return ('{0}_{1}' -f $Migration.Version, $name)
    }
    return [string]$Migration.Version
}
