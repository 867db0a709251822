# Shared helpers for the PgMigrate Pester tests (dot-sourced in BeforeAll).
# The database tests get the private server from $env:PGM_PG_DIR/pg.env (the CTest
# fixture pg15), a database and a migrations folder of their own per test, and call
# the real pgmigrate ($env:PGM_BIN, handed to the module as $env:PGMIGRATE_EXE).

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:ModuleManifest = Join-Path $script:RepoRoot 'powershell/PgMigrate/PgMigrate.psd1'

function Read-PgEnv {
    # the KEY=VALUE lines of scripts/pg.sh's pg.env (export K=V or export K='V')
    param([string] $File)
    $values = @{}
    foreach ($line in Get-Content -LiteralPath $File) {
        if ($line -match "^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$") {
            $value = $Matches[2]
            if ($value -match "^'(.*)'$") {
                $value = $Matches[1] -replace "'\\''", "'"
            }
            $values[$Matches[1]] = $value
        }
    }
    return $values
}

function Initialize-TestServer {
    if (-not $env:PGM_PG_DIR) { throw 'PGM_PG_DIR is not set: run through CTest (fixture pg15)' }
    if (-not $env:PGM_BIN) { throw 'PGM_BIN is not set: run through CTest' }
    $pg = Read-PgEnv (Join-Path $env:PGM_PG_DIR 'pg.env')
    $script:PgPort = $pg['PGPORT']
    $script:PgPassword = $pg['PGM_TEST_PASSWORD']
    $script:PgBin = $pg['PGM_PG_BIN']
    $script:AdminPsql = $null
    $candidates = @()
    if ($script:PgBin) { $candidates += Join-Path $script:PgBin 'psql' }
    $candidates += @(Get-ChildItem -Path '/usr/lib/postgresql/*/bin/psql' -ErrorAction SilentlyContinue |
        Sort-Object { [int]($_.FullName -replace '^/usr/lib/postgresql/(\d+)/.*$', '$1') } -Descending |
        ForEach-Object FullName)
    foreach ($c in $candidates) {
        if (Test-Path -LiteralPath $c -PathType Leaf) { $script:AdminPsql = $c; break }
    }
    if (-not $script:AdminPsql) {
        $cmd = Get-Command psql -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($cmd) { $script:AdminPsql = $cmd.Path }
    }
    if (-not $script:AdminPsql) { throw 'psql not found for the test setup' }

    # nothing from the caller's environment may pick the database for pgmigrate
    foreach ($name in 'DATABASE_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGMIGRATE_PATH', 'PGMIGRATE_TABLE', 'PGSERVICE') {
        Remove-Item -Path "Env:$name" -ErrorAction SilentlyContinue
    }
    # the module looks beside itself (nothing there in the source tree), on PATH, then
    # at PGMIGRATE_EXE: the build under test goes first on PATH and in PGMIGRATE_EXE
    $env:PGMIGRATE_EXE = (Resolve-Path -LiteralPath $env:PGM_BIN).ProviderPath
    $env:PATH = (Split-Path -Parent $env:PGMIGRATE_EXE) + [System.IO.Path]::PathSeparator + $env:PATH
    $script:Password = ConvertTo-SecureString -String $script:PgPassword -AsPlainText -Force
    $script:Cred = New-Object System.Management.Automation.PSCredential -ArgumentList 'postgres', $script:Password
}

function Invoke-AdminSql {
    # run SQL as postgres (database postgres unless -Database); rows as text lines
    param([string] $Sql, [string] $Database = 'postgres')
    $saved = $env:PGPASSWORD
    $env:PGPASSWORD = $script:PgPassword
    $savedOptions = $env:PGOPTIONS
    $env:PGOPTIONS = '-c client_min_messages=warning'
    try {
        $out = & $script:AdminPsql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $script:PgPort -U postgres -d $Database -c $Sql 2>&1
        if ($LASTEXITCODE -ne 0) { throw "admin psql failed ($LASTEXITCODE): $out" }
        return $out
    }
    finally {
        if ($null -eq $saved) { Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue } else { $env:PGPASSWORD = $saved }
        if ($null -eq $savedOptions) { Remove-Item Env:PGOPTIONS -ErrorAction SilentlyContinue } else { $env:PGOPTIONS = $savedOptions }
    }
}

function New-TestContext {
    # a fresh database and migrations folder; the current location moves to the folder's parent
    $script:DbName = 't_ps_{0}_{1}' -f $PID, ([guid]::NewGuid().ToString('N').Substring(0, 10))
    Invoke-AdminSql -Sql ('CREATE DATABASE "{0}"' -f $script:DbName) | Out-Null
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ('pgm-ps-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $script:Migrations = Join-Path $script:Work 'migrations'
    New-Item -ItemType Directory -Path $script:Migrations -Force | Out-Null
    Push-Location -LiteralPath $script:Work
    # the URL form (password inside) and the name + -Credential form
    $script:Url = 'postgres://postgres:{0}@127.0.0.1:{1}/{2}?sslmode=disable' -f $script:PgPassword, $script:PgPort, $script:DbName
    $script:UrlNoPassword = 'postgres://127.0.0.1:{0}/{1}?sslmode=disable' -f $script:PgPort, $script:DbName
    $script:Conn = @{ Path = $script:Migrations; Database = $script:UrlNoPassword; Credential = $script:Cred }
}

function Remove-TestContext {
    Pop-Location
    if ($script:Work -and (Test-Path -LiteralPath $script:Work)) {
        Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
    }
    if ($script:DbName) {
        Invoke-AdminSql -Sql ('DROP DATABASE IF EXISTS "{0}" WITH (FORCE)' -f $script:DbName) | Out-Null
    }
}

function New-TestMigration {
    # New-TestMigration 1 create_a 'CREATE TABLE a (id int);' 'DROP TABLE a;' (no down file when $Down is $null)
    param([string] $Version, [string] $Name, [string] $Up, [AllowNull()] [string] $Down = $null, [string] $Folder = $script:Migrations)
    $utf8 = New-Object System.Text.UTF8Encoding -ArgumentList $false
    $digits = $Version
    if ($digits -match '^\d+$' -and $digits.Length -lt 6) { $digits = $digits.PadLeft(6, '0') }
    [System.IO.File]::WriteAllText((Join-Path $Folder ('{0}_{1}.up.sql' -f $digits, $Name)), $Up + "`n", $utf8)
    if ($null -ne $Down -and $Down -ne '') {
        [System.IO.File]::WriteAllText((Join-Path $Folder ('{0}_{1}.down.sql' -f $digits, $Name)), $Down + "`n", $utf8)
    }
}

function New-TestSchema {
    # three ordinary migrations: users, products, reviews (reviews references both)
    New-TestMigration 1 create_users 'CREATE TABLE users (id serial PRIMARY KEY, name text);' 'DROP TABLE users;'
    New-TestMigration 2 create_products 'CREATE TABLE products (id serial PRIMARY KEY, title text);' 'DROP TABLE products;'
    New-TestMigration 3 create_reviews ('CREATE TABLE reviews (' + "`n" + '    id serial PRIMARY KEY,' + "`n" + '    user_id int REFERENCES users(id),' + "`n" + '    product_id int REFERENCES products(id));') 'DROP TABLE reviews;'
}

function Get-TrackedVersion {
    # "version|dirty" of schema_migrations, '' when empty, $null when there is no table
    $exists = Invoke-AdminSql -Database $script:DbName -Sql "SELECT to_regclass('public.schema_migrations') IS NOT NULL"
    if ($exists -ne 't') { return $null }
    $row = Invoke-AdminSql -Database $script:DbName -Sql "SELECT version || '|' || dirty FROM schema_migrations"
    if ($null -eq $row) { return '' }
    return [string]$row
}

function Test-TableExists {
    param([string] $Name)
    (Invoke-AdminSql -Database $script:DbName -Sql "SELECT to_regclass('public.$Name') IS NOT NULL") -eq 't'
}

function Get-ChildProcess {
    # the processes whose parent is this PowerShell (Linux /proc)
    param([string] $Name)
    foreach ($dir in Get-ChildItem -Path '/proc' -Directory -ErrorAction SilentlyContinue) {
        if ($dir.Name -notmatch '^\d+$') { continue }
        try {
            $stat = [System.IO.File]::ReadAllText((Join-Path $dir.FullName 'stat'))
        }
        catch { continue }
        $rest = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        $comm = $stat.Substring($stat.IndexOf('(') + 1, $stat.LastIndexOf(')') - $stat.IndexOf('(') - 1)
        if ([int]$rest[1] -eq $PID -and (-not $Name -or $comm -eq $Name)) {
            [int]$dir.Name
        }
    }
}

function Invoke-ChildPwsh {
    # run a script in a new pwsh with the module imported; returns its output lines (host output included)
    param([string] $Script)
    # the pwsh that runs the tests (a .NET tool's shim: the process itself is dotnet)
    $pwsh = $env:PGM_PWSH
    if (-not $pwsh) { $pwsh = (Get-Process -Id $PID).Path }
    $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$($script:ModuleManifest)'; $Script"
    $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($full))
    $out = & $pwsh -NoLogo -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand $encoded 2>&1
    return @($out | ForEach-Object { [string]$_ })
}

# The gate: a psql session of the test's own takes an ACCESS EXCLUSIVE lock on the table
# test_gate.gate and keeps it until Open-TestGate; a migration that reads the table
# (SELECT FROM test_gate.gate) waits there for as long as the test wants, however busy the
# machine: no pg_sleep for the test to race.
function Close-TestGate {
    Invoke-AdminSql -Database $script:DbName -Sql 'CREATE SCHEMA IF NOT EXISTS test_gate; CREATE TABLE IF NOT EXISTS test_gate.gate ()' | Out-Null
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    # stdbuf: psql's output goes to a pipe, which stdio would buffer until psql ends
    $psi.FileName = 'stdbuf'
    foreach ($a in @('-oL', $script:AdminPsql, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1',
            '-p', $script:PgPort, '-U', 'postgres', '-d', $script:DbName)) {
        $psi.ArgumentList.Add([string]$a)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.Environment['PGPASSWORD'] = $script:PgPassword
    $psi.Environment['PGAPPNAME'] = 'pgm_test_gate'
    $gate = [System.Diagnostics.Process]::Start($psi)
    $gate.StandardInput.WriteLine('BEGIN; LOCK TABLE test_gate.gate IN ACCESS EXCLUSIVE MODE;')
    $gate.StandardInput.WriteLine('\echo held')
    $gate.StandardInput.Flush()
    $said = $gate.StandardOutput.ReadLineAsync()
    # a guard against a hang, not a timing the test relies on
    if (-not $said.Wait(60000) -or $said.Result -ne 'held') {
        $gate.Kill()
        throw "the gate session did not take the lock: [$($said.Result)]"
    }
    $script:Gate = $gate
}

function Open-TestGate {
    if (-not $script:Gate) { return }
    $script:Gate.StandardInput.WriteLine('COMMIT;')
    $script:Gate.StandardInput.Close()
    $script:Gate.WaitForExit()
    $script:Gate.Dispose()
    $script:Gate = $null
}
