# PgMigrate cmdlets against the private PostgreSQL server (CTest fixture pg15), calling
# the real pgmigrate. Every test gets its own database and migrations folder
# (New-TestContext). Tag Database (CTest test powershell.pg15).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Initialize-TestServer
    Import-Module $script:ModuleManifest -Force
}

Describe 'Get-MigrationStatus' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'writes one PgMigrate.MigrationStatus per migration, filterable by State' {
        $rows = @(Get-MigrationStatus @Conn)
        $rows.Count | Should -Be 3
        $rows[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.MigrationStatus'
        foreach ($p in 'Version', 'Name', 'State', 'HasDown', 'UpFile', 'DownFile', 'Database', 'Table', 'CurrentVersion') {
            $rows[0].PSObject.Properties.Name | Should -Contain $p
        }
        $rows.Version | Should -Be @(1, 2, 3)
        $rows[0].Version | Should -BeOfType ([long])
        $rows.Name | Should -Be @('create_users', 'create_products', 'create_reviews')
        @(Get-MigrationStatus @Conn | Where-Object State -eq Pending).Count | Should -Be 3
        $rows[0].UpFile | Should -BeLike '*000001_create_users.up.sql'
        $rows[0].HasDown | Should -BeTrue
        $rows[0].CurrentVersion | Should -BeNullOrEmpty

        Invoke-MigrateUp -Steps 2 @Conn | Out-Null
        $rows = @(Get-MigrationStatus @Conn)
        $rows.State | Should -Be @('Applied', 'Applied', 'Pending')
        @(Get-MigrationStatus @Conn | Where-Object State -eq Pending).Version | Should -Be @(3)
        $rows[0].CurrentVersion | Should -Be 2
        $rows[0].Table | Should -Match 'schema_migrations'
    }

    It 'shows a Missing row for a version no file has, and a Dirty one' {
        Invoke-MigrateUp @Conn | Out-Null
        Invoke-AdminSql -Database $DbName -Sql 'UPDATE schema_migrations SET version = 99' | Out-Null
        $missing = @(Get-MigrationStatus @Conn | Where-Object State -eq Missing)
        $missing.Version | Should -Be 99
        $missing[0].Name | Should -BeNullOrEmpty
        Invoke-AdminSql -Database $DbName -Sql 'UPDATE schema_migrations SET version = 3, dirty = true' | Out-Null
        (Get-MigrationStatus @Conn | Where-Object State -eq Dirty).Version | Should -Be 3
    }

    It 'carries AppliedAt as a DateTimeOffset, and shows Modified and OutOfOrder rows' {
        # 000002 comes from a branch merged after 000003 was applied
        New-TestMigration 3 create_reviews 'CREATE TABLE reviews (id int);' 'DROP TABLE reviews;'
        $held = Join-Path $Work 'held'
        New-Item -ItemType Directory -Path $held | Out-Null
        Move-Item -Path (Join-Path $Migrations '000002_*') -Destination $held
        $before = [DateTimeOffset]::Now.AddMinutes(-2)
        Invoke-MigrateUp @Conn | Out-Null
        Move-Item -Path (Join-Path $held '*') -Destination $Migrations
        Add-Content -LiteralPath (Join-Path $Migrations '000001_create_users.up.sql') -Value '-- changed after it was applied'
        $rows = @(Get-MigrationStatus @Conn)
        $rows.State | Should -Be @('Modified', 'OutOfOrder', 'Applied')
        $rows[2].AppliedAt | Should -BeOfType ([DateTimeOffset])
        $rows[2].AppliedAt | Should -BeGreaterThan $before
        $rows[2].AppliedAt | Should -BeLessThan ([DateTimeOffset]::Now.AddMinutes(2))
        $rows[1].AppliedAt | Should -BeNullOrEmpty
        $rows[0].Detail | Should -Not -BeNullOrEmpty
        ($rows | Out-String) | Should -Match 'OutOfOrder'
    }

    It 'masks the password of a -Database URL' {
        $rows = @(Get-MigrationStatus -Path $Migrations -Database $Url)
        $rows[0].Database | Should -Not -Match ([regex]::Escape($PgPassword))
        $rows[0].Database | Should -Match '\*\*\*\*'
    }

    It 'reads non-ASCII names as UTF-8' {
        $name = 'caf' + [char]0x00E9 + '_' + [char]0x4E2D
        New-TestMigration 4 $name 'SELECT 1;' 'SELECT 1;'
        (Get-MigrationStatus @Conn | Where-Object Version -eq 4).Name | Should -Be $name
    }
}

Describe 'Get-MigrationVersion' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'is $null before anything is applied, then the version, as PgMigrate.Version' {
        $v = Get-MigrationVersion @Conn
        $v.PSObject.TypeNames[0] | Should -Be 'PgMigrate.Version'
        $v.Version | Should -BeNullOrEmpty
        $v.Dirty | Should -BeFalse
        Invoke-MigrateUp @Conn | Out-Null
        $v = Get-MigrationVersion @Conn
        $v.Version | Should -Be 3
        $v.Version | Should -BeOfType ([long])
    }

    It 'works with a plain database name, PGHOST/PGPORT and -Credential' {
        $env:PGHOST = '127.0.0.1'
        $env:PGPORT = $PgPort
        try {
            Invoke-MigrateUp -Steps 1 -Path $Migrations -Database $DbName -Credential $Cred | Out-Null
            (Get-MigrationVersion -Database $DbName -Credential $Cred).Version | Should -Be 1
        }
        finally {
            Remove-Item Env:PGHOST, Env:PGPORT -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Invoke-MigrateUp' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'applies everything and writes a PgMigrate.MigrationResult per migration' {
        $out = @(Invoke-MigrateUp @Conn)
        $out.Count | Should -Be 3
        $out[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.MigrationResult'
        foreach ($p in 'Version', 'Name', 'Action', 'Direction', 'File', 'DurationMs', 'Duration', 'Index', 'Total', 'VersionAfter') {
            $out[0].PSObject.Properties.Name | Should -Contain $p
        }
        $out.Version | Should -Be @(1, 2, 3)
        $out.Index | Should -Be @(1, 2, 3)
        $out.Total | Should -Be @(3, 3, 3)
        $out[2].VersionAfter | Should -Be 3
        $out[0].Direction | Should -Be 'Up'
        $out[0].Action | Should -Be 'Applied'
        $out[0].Duration | Should -BeOfType ([TimeSpan])
        Test-TableExists reviews | Should -BeTrue
        Get-TrackedVersion | Should -Be '3|false'
        @(Invoke-MigrateUp @Conn).Count | Should -Be 0
    }

    It 'applies -Steps N only' {
        $out = @(Invoke-MigrateUp -Steps 1 @Conn)
        $out.Count | Should -Be 1
        Get-TrackedVersion | Should -Be '1|false'
        Invoke-MigrateUp 1 @Conn | Out-Null
        Get-TrackedVersion | Should -Be '2|false'
    }

    It 'writes each object as the migration is reported, while pgmigrate still runs' {
        # 2 runs outside a transaction and waits at the test's gate until the first object has
        # arrived: 1 is reported while pgmigrate still runs, 2 only after the gate opened
        Remove-Item (Join-Path $Migrations '*')
        New-TestMigration 1 fast 'CREATE TABLE a (id int);'
        New-TestMigration 2 slow ("-- pgmigrate:no-transaction`nSELECT FROM test_gate.gate;")
        New-TestMigration 3 after 'CREATE TABLE c (id int);'
        $seen = New-Object System.Collections.Generic.List[object]
        Close-TestGate
        try {
            Invoke-MigrateUp @Conn | ForEach-Object {
                $seen.Add([pscustomobject]@{ Version = $_.Version; GateOpen = -not $script:Gate; Running = @(Get-ChildProcess -Name 'pgmigrate').Count })
                if ($_.Version -eq 1) { Open-TestGate }
            }
        }
        finally {
            Open-TestGate
        }
        $seen.Count | Should -Be 3
        $seen[0].Running | Should -Be 1 -Because 'the first object arrives while pgmigrate is still running'
        $seen[0].GateOpen | Should -BeFalse -Because 'the first object arrives while migration 2 waits at the gate'
        $seen[1].GateOpen | Should -BeTrue -Because 'migration 2 is reported once it ran'
    }

    It 'shows progress while several migrations run' {
        Mock -ModuleName PgMigrate Write-Progress { }
        Invoke-MigrateUp @Conn | Out-Null
        Should -Invoke -ModuleName PgMigrate Write-Progress -ParameterFilter { $PercentComplete -eq 100 } -Times 1 -Exactly
        Should -Invoke -ModuleName PgMigrate Write-Progress -ParameterFilter { $Completed } -Times 1 -Exactly
        Should -Invoke -ModuleName PgMigrate Write-Progress -ParameterFilter { $Status -like '? of 3: running *' } -Times 3 -Exactly
        Should -Invoke -ModuleName PgMigrate Write-Progress -ParameterFilter { $Status -like '1 of 3: running 1_*' -and $PercentComplete -eq 0 } -Times 1 -Exactly
        Should -Invoke -ModuleName PgMigrate Write-Progress -Times 8 -Exactly
    }

    It '-Verbose shows the arguments and pgmigrate''s own lines' {
        $verbose = @(Invoke-MigrateUp @Conn -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Should -Contain ($verbose | Where-Object { $_ -like 'pgmigrate: *--json*up' })
        @($verbose | Where-Object { $_ -like 'pgmigrate: {"event":"applied"*' }).Count | Should -Be 3
        @($verbose | Where-Object { $_ -like 'pgmigrate: {"event":"summary"*' }).Count | Should -Be 1
        ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($PgPassword))
    }

    It 'passes -Table and -LockTimeout to pgmigrate' {
        $out = @(Invoke-MigrateUp @Conn -Table 'app_migrations' -LockTimeout 2.5)
        $out.Count | Should -Be 3
        $argv = InModuleScope PgMigrate { $script:LastArgumentList }
        ($argv -join ' ') | Should -Match '--table app_migrations --lock-timeout 2\.5 up$'
        Test-TableExists app_migrations | Should -BeTrue
        Test-TableExists schema_migrations | Should -BeFalse
        (Get-MigrationVersion @Conn -Table 'app_migrations').Version | Should -Be 3
        (Get-MigrationStatus @Conn -Table 'app_migrations' | Where-Object State -eq Applied).Count | Should -Be 3
    }

    It '-WhatIf changes nothing and lists the pending migrations' {
        Invoke-MigrateUp -WhatIf @Conn | Should -BeNullOrEmpty
        Get-TrackedVersion | Should -BeNullOrEmpty
        Test-TableExists users | Should -BeFalse
        $env:DATABASE_URL = $Url
        try {
            $text = Invoke-ChildPwsh "Invoke-MigrateUp -Steps 2 -Path '$Migrations' -WhatIf"
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
        ($text -join "`n") | Should -Match 'What if: .*Apply migration 000001_create_users'
        ($text -join "`n") | Should -Match 'What if: .*Apply migration 000002_create_products'
        ($text -join "`n") | Should -Not -Match '000003'
        Get-TrackedVersion | Should -BeNullOrEmpty
    }

    It 'fails with a terminating ErrorRecord carrying SQLSTATE, file, line and exit code' {
        New-TestMigration 4 bad ("-- reads a table no migration creates`nCREATE TABLE bad (id int);`nINSERT INTO bad SELECT id FROM nowhere;") 'DROP TABLE bad;'
        $results = New-Object System.Collections.Generic.List[object]
        $err = $null
        try {
            Invoke-MigrateUp @Conn | ForEach-Object { $results.Add($_) }
        }
        catch {
            $err = $_
        }
        $err | Should -Not -BeNullOrEmpty
        $err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.sql,Invoke-MigrateUp'
        $err.TargetObject.PSObject.TypeNames[0] | Should -Be 'PgMigrate.Error'
        $err.TargetObject.SqlState | Should -Be '42P01'
        $err.TargetObject.ExitCode | Should -Be 1
        $err.TargetObject.Code | Should -Be 'sql'
        $err.TargetObject.File | Should -BeLike '*000004_bad.up.sql'
        $err.TargetObject.Line | Should -Be 3
        $err.TargetObject.Column | Should -Be 32
        $err.TargetObject.Version | Should -Be 4
        $err.Exception.Data['SqlState'] | Should -Be '42P01'
        $err.Exception.Data['ExitCode'] | Should -Be 1
        $err.Exception.Data['File'] | Should -BeLike '*000004_bad.up.sql'
        $err.Exception.Data['Line'] | Should -Be 3
        $err.Exception.SqlState | Should -Be '42P01'
        $err.Exception.Message | Should -Match 'relation "nowhere" does not exist'
        $err.Exception.Message | Should -Match '000004_bad\.up\.sql:3:32: '
        $err.Exception.Message | Should -Match 'SQLSTATE 42P01'
        $err.CategoryInfo.Activity | Should -Be 'Invoke-MigrateUp'
        $results.Version | Should -Be @(1, 2, 3) -Because 'the good migrations before the failure still come out'
        Get-TrackedVersion | Should -Be '3|false' -Because 'the failed migration rolled back'
    }

    It 'reports a connection failure as PgMigrate.connection, exit code 5, without the password' {
        $bad = New-Object System.Management.Automation.PSCredential -ArgumentList 'postgres', (ConvertTo-SecureString 'wrong-pw-123' -AsPlainText -Force)
        $err = $null
        try { Invoke-MigrateUp -Path $Migrations -Database $UrlNoPassword -Credential $bad } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.connection,Invoke-MigrateUp'
        $err.Exception.Data['ExitCode'] | Should -Be 5
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        ($err | Out-String) | Should -Not -Match 'wrong-pw-123'
        $env:PGPASSWORD | Should -BeNullOrEmpty
    }

    It 'reports invalid migration files as PgMigrate.invalid_files, exit code 6' {
        New-TestMigration 2 duplicate 'SELECT 1;'
        $err = $null
        try { Invoke-MigrateUp @Conn } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.invalid_files,Invoke-MigrateUp'
        $err.TargetObject.ExitCode | Should -Be 6
        Get-TrackedVersion | Should -BeNullOrEmpty
    }

    It 'refuses a dirty database with PgMigrate.dirty, exit code 3' {
        Invoke-MigrateUp -Steps 1 @Conn | Out-Null
        Invoke-AdminSql -Database $DbName -Sql 'UPDATE schema_migrations SET dirty = true' | Out-Null
        (Get-MigrationVersion @Conn).Dirty | Should -BeTrue
        $err = $null
        try { Invoke-MigrateUp @Conn } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.dirty,Invoke-MigrateUp'
        $err.Exception.Data['ExitCode'] | Should -Be 3
    }

    It 'passes -Credential through the environment only, never the command line' {
        Remove-Item (Join-Path $Migrations '*')
        New-TestMigration 1 slow 'SELECT FROM test_gate.gate;'
        $env:PGPASSWORD | Should -BeNullOrEmpty
        Close-TestGate
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript({
                    param($manifest, $conn)
                    Import-Module $manifest
                    Invoke-MigrateUp @conn
                }).AddArgument($ModuleManifest).AddArgument($Conn)
            $async = $ps.BeginInvoke()
            $child = $null
            # a guard against a hang: pgmigrate waits at the gate until the test opens it
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not $child -and [DateTime]::UtcNow -lt $deadline) {
                $child = Get-ChildProcess -Name 'pgmigrate' | Select-Object -First 1
                if (-not $child) { Start-Sleep -Milliseconds 50 }
            }
            $child | Should -Not -BeNullOrEmpty -Because 'pgmigrate waits at the gate'
            $cmdline = [System.IO.File]::ReadAllText("/proc/$child/cmdline").Split([char]0)
            $environ = [System.IO.File]::ReadAllText("/proc/$child/environ").Split([char]0)
            Open-TestGate
            $result = $ps.EndInvoke($async)
            $ps.HadErrors | Should -BeFalse
        }
        finally {
            Open-TestGate
            $ps.Dispose()
        }
        ($cmdline -join ' ') | Should -Not -Match ([regex]::Escape($PgPassword))
        $cmdline | Should -Contain '--json'
        $cmdline | Should -Contain 'up'
        $environ | Should -Contain "PGPASSWORD=$PgPassword"
        $environ | Should -Contain 'PGUSER=postgres'
        @($result).Count | Should -Be 1
        Get-TrackedVersion | Should -Be '1|false'
        # restored afterwards
        $env:PGPASSWORD | Should -BeNullOrEmpty
        $env:PGUSER | Should -BeNullOrEmpty
        # and the helper's argument array has no password either
        Invoke-MigrateUp @Conn | Out-Null
        $argv = InModuleScope PgMigrate { $script:LastArgumentList }
        $argv | Should -Contain '--json'
        ($argv -join ' ') | Should -Not -Match ([regex]::Escape($PgPassword))
    }

    It 'restores an existing PGPASSWORD and PGUSER after the call' {
        $env:PGPASSWORD = 'previous-value'
        $env:PGUSER = 'previous-user'
        try {
            Invoke-MigrateUp -Steps 1 @Conn | Out-Null
            $env:PGPASSWORD | Should -Be 'previous-value'
            $env:PGUSER | Should -Be 'previous-user'
            Get-TrackedVersion | Should -Be '1|false'
        }
        finally {
            Remove-Item Env:PGPASSWORD, Env:PGUSER -ErrorAction SilentlyContinue
        }
    }

    It 'decodes UTF-8 in messages' {
        $word = 'gr' + [char]0x00FC + [char]0x00DF + 'e ' + [char]0x65E5 + [char]0x672C
        New-TestMigration 4 raise ("DO `$`$ BEGIN RAISE EXCEPTION '$word'; END `$`$;")
        $err = $null
        try { Invoke-MigrateUp @Conn } catch { $err = $_ }
        $err.Exception.Message | Should -Match ([regex]::Escape($word))
        $err.TargetObject.SqlState | Should -Be 'P0001'
    }
}

Describe 'Invoke-MigrateDown' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema; Invoke-MigrateUp @Conn | Out-Null }
    AfterEach { Remove-TestContext }

    It 'needs -Confirm:$false in a non-interactive session; without it nothing is reverted' {
        { Invoke-MigrateDown @Conn } | Should -Throw '*NonInteractive*'
        $env:DATABASE_URL = $Url
        try {
            $text = (Invoke-ChildPwsh "Invoke-MigrateDown -Path '$Migrations'") -join "`n"
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
        $text | Should -Match 'NonInteractive'
        Get-TrackedVersion | Should -Be '3|false'
        Test-TableExists reviews | Should -BeTrue
    }

    It 'reverts the last migration by default and writes it as a Down result' {
        $out = @(Invoke-MigrateDown @Conn -Confirm:$false)
        $out.Count | Should -Be 1
        $out[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.MigrationResult'
        $out[0].Version | Should -Be 3
        $out[0].Direction | Should -Be 'Down'
        $out[0].Action | Should -Be 'Reverted'
        $out[0].VersionAfter | Should -Be 2
        Test-TableExists reviews | Should -BeFalse
        Get-TrackedVersion | Should -Be '2|false'
    }

    It 'reverts -Steps N and -All' {
        @(Invoke-MigrateDown -Steps 2 @Conn -Confirm:$false).Version | Should -Be @(3, 2)
        Get-TrackedVersion | Should -Be '1|false'
        Invoke-MigrateUp @Conn | Out-Null
        @(Invoke-MigrateDown -All @Conn -Confirm:$false).Version | Should -Be @(3, 2, 1)
        (Get-MigrationVersion @Conn).Version | Should -BeNullOrEmpty
        Test-TableExists users | Should -BeFalse
    }

    It '-WhatIf changes nothing and lists what would be reverted' {
        Invoke-MigrateDown -All -WhatIf @Conn | Should -BeNullOrEmpty
        Get-TrackedVersion | Should -Be '3|false'
        $env:DATABASE_URL = $Url
        try {
            $text = (Invoke-ChildPwsh "Invoke-MigrateDown -Steps 2 -Path '$Migrations' -WhatIf") -join "`n"
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
        $text | Should -Match 'Revert migration 000003_create_reviews'
        $text | Should -Match 'Revert migration 000002_create_products'
        $text | Should -Not -Match '000001'
        Get-TrackedVersion | Should -Be '3|false'
    }

    It 'stops with PgMigrate.no_down_migration when a down file is missing' {
        Remove-Item (Join-Path $Migrations '000003_create_reviews.down.sql')
        $err = $null
        try { Invoke-MigrateDown @Conn -Confirm:$false } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.no_down_migration,Invoke-MigrateDown'
        $err.Exception.Data['ExitCode'] | Should -Be 6
        Get-TrackedVersion | Should -Be '3|false'
    }
}

Describe 'Invoke-MigrateGoto' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'goes up to a version, then down to another' {
        @(Invoke-MigrateGoto -Version 2 @Conn -Confirm:$false).Version | Should -Be @(1, 2)
        Get-TrackedVersion | Should -Be '2|false'
        Invoke-MigrateUp @Conn | Out-Null
        $out = @(Invoke-MigrateGoto 1 @Conn -Confirm:$false)
        $out.Version | Should -Be @(3, 2)
        $out.Direction | Should -Be @('Down', 'Down')
        Get-TrackedVersion | Should -Be '1|false'
    }

    It '-WhatIf changes nothing' {
        Invoke-MigrateUp @Conn | Out-Null
        Invoke-MigrateGoto -Version 1 -WhatIf @Conn | Should -BeNullOrEmpty
        Get-TrackedVersion | Should -Be '3|false'
        $env:DATABASE_URL = $Url
        try {
            $text = (Invoke-ChildPwsh "Invoke-MigrateGoto -Version 1 -Path '$Migrations' -WhatIf") -join "`n"
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
        $text | Should -Match 'Revert migration 000003_create_reviews'
        $text | Should -Match 'Revert migration 000002_create_products'
        Get-TrackedVersion | Should -Be '3|false'
    }

    It 'reports a version no file has as PgMigrate.not_found' {
        $err = $null
        try { Invoke-MigrateGoto -Version 7 @Conn -Confirm:$false } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.not_found,Invoke-MigrateGoto'
        $err.Exception.Data['ExitCode'] | Should -Be 1
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-TrackedVersion | Should -Not -Be '7|false'
    }
}

Describe 'Set-MigrationVersion' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'records a version without running anything and writes a PgMigrate.Version' {
        $v = Set-MigrationVersion -Version 2 @Conn -Confirm:$false
        $v.PSObject.TypeNames[0] | Should -Be 'PgMigrate.Version'
        $v.Version | Should -Be 2
        $v.Dirty | Should -BeFalse
        Get-TrackedVersion | Should -Be '2|false'
        Test-TableExists users | Should -BeFalse
        (Set-MigrationVersion -Version -1 @Conn -Confirm:$false).Version | Should -BeNullOrEmpty
        Get-TrackedVersion | Should -Be ''
    }

    It 'clears a dirty flag' {
        Invoke-MigrateUp -Steps 2 @Conn | Out-Null
        Invoke-AdminSql -Database $DbName -Sql 'UPDATE schema_migrations SET dirty = true' | Out-Null
        Set-MigrationVersion 1 @Conn -Confirm:$false | Out-Null
        Get-TrackedVersion | Should -Be '1|false'
    }

    It 'needs confirmation in a non-interactive session, and -WhatIf changes nothing' {
        Invoke-MigrateUp @Conn | Out-Null
        { Set-MigrationVersion -Version 1 @Conn } | Should -Throw '*NonInteractive*'
        Set-MigrationVersion -Version 1 -WhatIf @Conn | Should -BeNullOrEmpty
        Get-TrackedVersion | Should -Be '3|false'
    }

    It 'warns about a version no file has' {
        $v = Set-MigrationVersion -Version 42 @Conn -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $v.Version | Should -Be 42
        ($warned -join ' ') | Should -Match '42'
    }
}

Describe 'New-Migration' -Tag Database {
    BeforeEach { New-TestContext }
    AfterEach { Remove-TestContext }

    It 'creates the next pair and returns both files as FileInfo' {
        New-TestMigration 9 create_reviews_table 'SELECT 1;' 'SELECT 1;'
        $files = @(New-Migration -Name reviews_table -Path $Migrations)
        $files.Count | Should -Be 2
        $files[0] | Should -BeOfType ([System.IO.FileInfo])
        $files[0].Name | Should -Be '000010_reviews_table.up.sql'
        $files[1].Name | Should -Be '000010_reviews_table.down.sql'
        $files[0].Exists | Should -BeTrue
        $files[0].DirectoryName | Should -Be (Get-Item $Migrations).FullName
        $files[0].Version | Should -Be 10
        $files[1].Direction | Should -Be 'Down'
    }

    It 'uses .\migrations of the current location by default' {
        $files = @(New-Migration reviews_table)
        $files[0].FullName | Should -Be (Join-Path (Get-Item $Migrations).FullName '000001_reviews_table.up.sql')
    }

    It 'finds the project''s migrations folder from a folder below it' {
        $below = Join-Path $Work (Join-Path 'cmd' 'migrate')
        New-Item -ItemType Directory -Path $below | Out-Null
        Push-Location $below
        try { $files = @(New-Migration reviews_table) } finally { Pop-Location }
        $files.Count | Should -Be 2
        $files[0].FullName | Should -Be (Join-Path (Get-Item $Migrations).FullName '000001_reviews_table.up.sql')
        $files[0].Exists | Should -BeTrue
    }

    It '-WhatIf creates nothing' {
        New-Migration -Name x -Path $Migrations -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $Migrations).Count | Should -Be 0
    }

    It 'reports a missing folder as a terminating PgMigrate.io error' {
        $err = $null
        try { New-Migration -Name a -Path (Join-Path $Work 'no-such-folder') } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.io,New-Migration'
        $err.Exception.Message | Should -Match 'does not exist'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}

Describe 'Invoke-Psql' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema; Invoke-MigrateUp @Conn | Out-Null }
    AfterEach { Remove-TestContext }

    It 'runs -Command ''\dt'' on the configured database' {
        $out = @(Invoke-Psql -Database $UrlNoPassword -Credential $Cred -Command '\dt')
        ($out -join "`n") | Should -Match 'reviews'
        ($out -join "`n") | Should -Match 'schema_migrations'
    }

    It 'takes a plain database name with PGHOST/PGPORT, and DATABASE_URL without -Database' {
        $env:PGHOST = '127.0.0.1'
        $env:PGPORT = $PgPort
        try {
            Invoke-Psql -Database $DbName -Credential $Cred -Command 'SELECT count(*) FROM schema_migrations' -ArgumentList '-At' | Should -Be '1'
        }
        finally {
            Remove-Item Env:PGHOST, Env:PGPORT -ErrorAction SilentlyContinue
        }
        $env:DATABASE_URL = $Url
        try {
            Invoke-Psql -Command 'SELECT version FROM schema_migrations' -ArgumentList '-At' | Should -Be '3'
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
    }

    It 'passes -ArgumentList and quoted text verbatim' {
        $sql = 'SELECT ''say "hi"'' AS "my col", '''' AS empty, ''a\b'''
        Invoke-Psql -Database $Url -Command $sql -ArgumentList '-At', '-F', '|' | Should -Be 'say "hi"||a\b'
        Invoke-Psql -Database $Url -Command 'SELECT 1, 2' -ArgumentList '-At', '-F', '' | Should -Be '12'
    }

    It 'passes quotes and spaces verbatim with the 5.1-style argument passing too' {
        InModuleScope PgMigrate { $script:LegacyArgumentPassing = $true }
        try {
            $sql = 'SELECT ''say "hi" \'' AS "my col", ''x'''
            Invoke-Psql -Database $Url -Command $sql -ArgumentList '-At', '-F', ' | ' | Should -Be 'say "hi" \ | x'
            Invoke-Psql -Database $Url -Command 'SELECT 1, 2' -ArgumentList '-At', '-F', ' \' | Should -Be '1 \2'
            Invoke-Psql -Database $Url -Command 'SELECT 1, 2' -ArgumentList '-At', '-F', '' | Should -Be '12'
        }
        finally {
            InModuleScope PgMigrate { $script:LegacyArgumentPassing = $false }
        }
    }

    It 'reads psql''s output as UTF-8' {
        $word = 'gr' + [char]0x00FC + [char]0x00DF + 'e ' + [char]0x65E5 + [char]0x672C
        Invoke-Psql -Database $Url -Command "SELECT '$word'" -ArgumentList '-At' | Should -Be $word
    }

    It 'runs -File' {
        $file = Join-Path $Work 'query.sql'
        Set-Content -LiteralPath $file -Value 'SELECT name FROM users; SELECT 41 + 1;'
        Push-Location $Work
        try {
            Invoke-Psql -Database $Url -File 'query.sql' -ArgumentList '-At' | Should -Be '42'
        }
        finally {
            Pop-Location
        }
    }

    It 'turns a psql failure into PgMigrate.psql with psql''s exit code and message' {
        $err = $null
        try { Invoke-Psql -Database $Url -Command 'SELECT * FROM nowhere' -ArgumentList '-v', 'ON_ERROR_STOP=1' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.psql,Invoke-Psql'
        $err.Exception.Data['ExitCode'] | Should -Be 1
        $err.Exception.Message | Should -Match 'relation "nowhere" does not exist'
    }

    It 'keeps the -Credential password off every command line' {
        $env:PGHOST = '127.0.0.1'
        $env:PGPORT = $PgPort
        try {
            Invoke-Psql -Database $DbName -Credential $Cred -Command 'SELECT current_user' -ArgumentList '-At' | Should -Be 'postgres'
            $argv = InModuleScope PgMigrate { $script:LastArgumentList }
            ($argv -join ' ') | Should -Not -Match ([regex]::Escape($PgPassword))
            $argv | Should -Contain 'psql'
            $env:PGPASSWORD | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:PGHOST, Env:PGPORT -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Test-Migration' -Tag Database {
    BeforeEach {
        New-TestContext
        # a set that lint has nothing to say about
        New-TestMigration 1 create_users "-- the users`nCREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text);" "-- undo 000001`nDROP TABLE IF EXISTS users;"
        New-TestMigration 2 create_posts "-- their posts`nCREATE TABLE IF NOT EXISTS posts (id int PRIMARY KEY, user_id int);" "-- undo 000002`nDROP TABLE IF EXISTS posts;"
    }
    AfterEach { Remove-TestContext }

    It 'writes nothing for a sound set, and $true with -Quiet' {
        @(Test-Migration @Conn).Count | Should -Be 0
        Test-Migration -Quiet @Conn | Should -BeExactly $true
        Invoke-MigrateUp @Conn | Out-Null
        @(Test-Migration -Check Validate, Lint, Verify -All @Conn).Count | Should -Be 0
        Get-TrackedVersion | Should -Be '2|false' -Because 'verify leaves the database as it was'
    }

    It 'reports lint findings with their rule, place and fix; -Disable leaves a rule out' {
        New-TestMigration 3 add_email "-- email for logins`nALTER TABLE users ADD COLUMN IF NOT EXISTS email text NOT NULL;" "-- undo 000003`nALTER TABLE users DROP COLUMN IF EXISTS email;"
        $r = @(Test-Migration -Check Lint @Conn)
        $r.Count | Should -Be 1
        $r[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.TestResult'
        $r[0].Check | Should -Be 'Lint'
        $r[0].Code | Should -Be 'PGM008'
        $r[0].Severity | Should -Be 'Error'
        $r[0].Version | Should -Be 3
        $r[0].File | Should -BeLike '*000003_add_email.up.sql'
        $r[0].Line | Should -Be 2
        $r[0].Hint | Should -Match 'DEFAULT'
        ($r | Out-String) | Should -Match 'PGM008'
        Test-Migration -Check Lint -Quiet @Conn | Should -BeExactly $false
        @(Test-Migration -Check Lint -Disable PGM008 @Conn).Count | Should -Be 0
    }

    It 'counts warnings as failures only with -Strict' {
        New-TestMigration 3 no_comment 'CREATE TABLE IF NOT EXISTS tags (id int);' "-- undo 000003`nDROP TABLE IF EXISTS tags;"
        $r = @(Test-Migration -Check Lint @Conn)
        $r.Code | Should -Be @('PGM006')
        $r[0].Severity | Should -Be 'Warning'
        Test-Migration -Quiet @Conn | Should -BeExactly $true
        Test-Migration -Strict -Quiet @Conn | Should -BeExactly $false
    }

    It 'reports an applied migration whose file changed (Validate), files only with -Offline' {
        Invoke-MigrateUp @Conn | Out-Null
        Add-Content -LiteralPath (Join-Path $Migrations '000001_create_users.up.sql') -Value 'CREATE INDEX IF NOT EXISTS users_name_idx ON users (name);'
        $r = @(Test-Migration -Check Validate @Conn)
        $r.Count | Should -Be 1
        $r[0].Check | Should -Be 'Validate'
        $r[0].Code | Should -Be 'modified'
        $r[0].Severity | Should -Be 'Error'
        $r[0].Version | Should -Be 1
        $r[0].Hint | Should -Not -BeNullOrEmpty
        Test-Migration -Check Validate -Quiet @Conn | Should -BeExactly $false
        @(Test-Migration -Check Validate -Offline @Conn).Count | Should -Be 0
        (Get-MigrationStatus @Conn | Where-Object Version -eq 1).State | Should -Be 'Modified'
    }

    It 'verifies the down migrations (pending by default, -Version V) and changes nothing' {
        New-TestMigration 3 name_idx "-- look-ups by name`nCREATE INDEX IF NOT EXISTS users_name_idx ON users (name);" "-- forgot the index`nSELECT 1;"
        Invoke-MigrateUp -Steps 2 @Conn | Out-Null
        $r = @(Test-Migration -Check Verify @Conn)
        $r.Count | Should -Be 1
        $r[0].Code | Should -Be 'different'
        $r[0].Version | Should -Be 3
        $r[0].Message | Should -Match 'does not restore the schema'
        $r[0].Detail | Should -Contain '+ index public.users_name_idx: CREATE INDEX users_name_idx ON public.users USING btree (name)'
        Get-TrackedVersion | Should -Be '2|false'
        Test-TableExists users | Should -BeTrue
        (Invoke-AdminSql -Database $DbName -Sql "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_name_idx'") | Should -Be '0'
        @(Test-Migration -Version 000001 @Conn | Where-Object Check -eq Verify).Count | Should -Be 0 -Because '-Version adds the Verify check'
        @(Test-Migration -Check Verify -Version 3 @Conn).Code | Should -Be @('different')
    }

    It 'reports a down migration that fails, with its SQLSTATE and place' {
        New-TestMigration 3 broken_down "-- tags`nCREATE TABLE IF NOT EXISTS tags (id int);" "-- undo 000003`nDROP TABLE tagz;"
        $r = @(Test-Migration -Check Verify @Conn | Where-Object Version -eq 3)
        $r.Count | Should -Be 1
        $r[0].Code | Should -Be 'failed'
        $r[0].SqlState | Should -Be '42P01'
        $r[0].File | Should -BeLike '*000003_broken_down.down.sql'
        $r[0].Line | Should -Be 2
        $r[0].Message | Should -Match 'tagz'
        @(Test-Migration -Check Validate, Lint, Verify @Conn | Where-Object Severity -eq Error).Check | Should -Contain 'Verify'
        Get-TrackedVersion | Should -BeNullOrEmpty
    }

    It 'stops with an ErrorRecord when the database cannot be reached' {
        $err = $null
        try { Test-Migration -Path $Migrations -Database ('postgres://postgres@127.0.0.1:1/{0}?sslmode=disable&connect_timeout=5' -f $DbName) } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.connection,Test-Migration'
        $err.Exception.Data['ExitCode'] | Should -Be 5
        $err.Exception.Message | Should -Match 'could not connect'
        $err = $null
        try { Test-Migration -Check Verify -Path $Migrations -Database ('postgres://postgres@127.0.0.1:1/{0}?sslmode=disable' -f $DbName) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PgMigrate.connection,Test-Migration'
    }

    It 'reports two files with one version as a Validate error' {
        New-TestMigration 2 duplicate "-- again`nSELECT 1;"
        $r = @(Test-Migration -Check Validate @Conn)
        $r[0].Severity | Should -Be 'Error'
        $r[0].Code | Should -Be 'invalid_name'
        $r[0].Message | Should -Match 'version 2 is used by both'
        Test-Migration -Check Validate -Quiet @Conn | Should -BeExactly $false
    }

    It 'stops with an ErrorRecord for a migrations folder that does not exist' {
        $err = $null
        try { Test-Migration -Check Lint -Path (Join-Path $Work 'nowhere') } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'PgMigrate.*,Test-Migration'
        $err.Exception.Data['ExitCode'] | Should -Not -Be 0
    }
}

Describe 'Get-PgMigrateEnvironment' -Tag Database {
    BeforeEach { New-TestContext; New-TestSchema }
    AfterEach { Remove-TestContext }

    It 'writes one PgMigrate.EnvironmentCheck per doctor check' {
        $c = @(Get-PgMigrateEnvironment @Conn)
        $c[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.EnvironmentCheck'
        foreach ($n in 'config', 'migrations', 'libpq', 'server', 'login', 'version', 'privileges', 'tracking', 'pending', 'lock', 'installs', 'services') {
            $c.Name | Should -Contain $n
        }
        ($c | Where-Object Name -eq server).Status | Should -Be 'Pass'
        ($c | Where-Object Name -eq login).Message | Should -Match $DbName
        ($c | Where-Object Name -eq tracking).Status | Should -Be 'Warn'
        ($c | Where-Object Name -eq pending).Message | Should -Match '3 pending'
        @($c | Where-Object Status -eq Fail).Count | Should -Be 0
        ($c | Out-String) | Should -Match 'Pass +server'
        Invoke-MigrateUp @Conn | Out-Null
        (Get-PgMigrateEnvironment @Conn | Where-Object Name -eq tracking).Status | Should -Be 'Pass'
    }

    It 'reports a wrong password as a failed login with a hint, as data, without the password' {
        $bad = New-Object System.Management.Automation.PSCredential -ArgumentList 'postgres', (ConvertTo-SecureString 'wrong-pw-456' -AsPlainText -Force)
        $c = @(Get-PgMigrateEnvironment -Path $Migrations -Database $UrlNoPassword -Credential $bad)
        $login = $c | Where-Object Name -eq login
        $login.Status | Should -Be 'Fail'
        $login.Hint | Should -Not -BeNullOrEmpty
        ($c | Where-Object Name -eq tracking).Status | Should -Be 'Skip'
        ($c | Format-List * | Out-String) | Should -Not -Match 'wrong-pw-456'
    }

    It 'reports a server that does not answer, and skips what needs it' {
        $c = @(Get-PgMigrateEnvironment -Path $Migrations -Database ('postgres://postgres@127.0.0.1:1/{0}?sslmode=disable' -f $DbName))
        ($c | Where-Object Name -eq server).Status | Should -Be 'Fail'
        ($c | Where-Object Name -eq server).Hint | Should -Not -BeNullOrEmpty
        ($c | Where-Object Name -eq login).Status | Should -Be 'Skip'
        ($c | Where-Object Name -eq migrations).Status | Should -Be 'Pass'
    }
}
