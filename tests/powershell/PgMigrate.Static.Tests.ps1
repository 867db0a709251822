# PgMigrate module without a database: manifest, layout, help, Windows PowerShell 5.1
# compatibility (by walking the AST), executable discovery, argument escaping and
# argument completion. Tag Static (CTest test powershell.static).

BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../../powershell/PgMigrate')).ProviderPath
    $script:ExportedNames = (Import-PowerShellDataFile (Join-Path $root 'PgMigrate.psd1')).FunctionsToExport
    $script:ModuleFiles = @(Get-ChildItem -Path $root -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1', '*.ps1xml' |
        ForEach-Object { @{ File = $_.FullName; Rel = $_.FullName.Substring($root.Length + 1) } })
    $script:FunctionFiles = @(Get-ChildItem -Path (Join-Path $root 'Public'), (Join-Path $root 'Private') -Filter '*.ps1' -File |
        ForEach-Object { @{ File = $_.FullName; Rel = $_.Directory.Name + '/' + $_.Name; Name = $_.BaseName } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:ModuleRoot = Split-Path -Parent $script:ModuleManifest
    Import-Module $script:ModuleManifest -Force

    function Find-Ps7Syntax {
        # the nodes of an AST that Windows PowerShell 5.1 cannot run: PowerShell 7 operators,
        # ForEach-Object -Parallel, parameters and automatic variables that 5.1 lacks
        param([System.Management.Automation.Language.Ast] $Ast)
        $Ast.FindAll({
                param($n)
                $t = $n.GetType().Name
                if ($t -eq 'TernaryExpressionAst' -or $t -eq 'PipelineChainAst') { return $true }
                if ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator.ToString() -eq 'QuestionQuestion') { return $true }
                if ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator.ToString() -eq 'QuestionQuestionEquals') { return $true }
                if (($n -is [System.Management.Automation.Language.MemberExpressionAst] -or $n -is [System.Management.Automation.Language.IndexExpressionAst]) -and $n.NullConditional) { return $true }
                if ($n -is [System.Management.Automation.Language.CommandAst]) {
                    $cmd = $n.GetCommandName()
                    $params = @($n.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object { $_.ParameterName })
                    if ($cmd -in 'ForEach-Object', '%', 'foreach' -and @($params | Where-Object { $_.Length -ge 2 -and 'Parallel'.StartsWith($_, [System.StringComparison]::OrdinalIgnoreCase) }).Count) { return $true }
                    if ($cmd -eq 'ConvertFrom-Json' -and @($params | Where-Object { $_ -in 'AsHashtable', 'Depth', 'NoEnumerate', 'DateKind' }).Count) { return $true }
                    if ($cmd -eq 'Join-Path' -and $params -contains 'AdditionalChildPath') { return $true }
                    if ($cmd -eq 'Get-Content' -and $params -contains 'AsByteStream') { return $true }
                    if ($cmd -in 'Get-Error', 'Test-Json', 'Start-ThreadJob') { return $true }
                    if (@($n.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $_.Value -match '^utf8(NoBOM|BOM)$' }).Count) { return $true }
                }
                if ($n -is [System.Management.Automation.Language.VariableExpressionAst] -and $n.VariablePath.UserPath -in 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR') { return $true }
                if ($n -is [System.Management.Automation.Language.NamedBlockAst] -and $n.BlockKind.ToString() -eq 'Clean') { return $true }
                if ($n -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and $n.Member -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                    $n.Member.Value -in 'GetRelativePath', 'ReplaceLineEndings') { return $true }
                return $false
            }, $true) | ForEach-Object { '{0}: {1}' -f $_.Extent.StartLineNumber, $_.Extent.Text }
    }
}

Describe 'Manifest' -Tag Static {
    BeforeAll {
        $script:Manifest = Test-ModuleManifest -Path $script:ModuleManifest
        $script:Data = Import-PowerShellDataFile -Path $script:ModuleManifest
    }

    It 'is a valid manifest' {
        $script:Manifest | Should -Not -BeNullOrEmpty
        $script:Manifest.Name | Should -Be 'PgMigrate'
    }

    It 'has the version of CMakeLists.txt project()' {
        $cmake = Get-Content -Raw -LiteralPath (Join-Path $script:RepoRoot 'CMakeLists.txt')
        $cmake | Should -Match 'project\(\s*pgmigrate\s+VERSION\s+(\d+\.\d+\.\d+)'
        $null = $cmake -match 'project\(\s*pgmigrate\s+VERSION\s+(\d+\.\d+\.\d+)'
        $script:Data.ModuleVersion | Should -Be $Matches[1]
        $script:Manifest.Version | Should -Be ([version]$Matches[1])
    }

    It 'targets Windows PowerShell 5.1 and both editions' {
        $script:Data.PowerShellVersion | Should -Be '5.1'
        $script:Data.CompatiblePSEditions | Should -Contain 'Desktop'
        $script:Data.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'exports an explicit list of functions, one per Public file, and nothing else' {
        $script:Data.FunctionsToExport | Should -Not -Contain '*'
        $public = @(Get-ChildItem -Path (Join-Path $script:ModuleRoot 'Public') -Filter '*.ps1' | ForEach-Object BaseName | Sort-Object)
        @($script:Data.FunctionsToExport | Sort-Object) | Should -Be $public
        @((Get-Module PgMigrate).ExportedFunctions.Keys | Sort-Object) | Should -Be $public
        @($script:Data.CmdletsToExport).Count | Should -Be 0
        @($script:Data.AliasesToExport).Count | Should -Be 0
        @($script:Data.VariablesToExport).Count | Should -Be 0
    }

    It 'has every cmdlet the issue names' {
        foreach ($name in 'Invoke-MigrateUp', 'Invoke-MigrateDown', 'Invoke-MigrateGoto', 'Set-MigrationVersion',
            'Get-MigrationStatus', 'Get-MigrationVersion', 'New-Migration', 'Invoke-Psql', 'Test-Migration',
            'Get-PgMigrateEnvironment') {
            $script:Data.FunctionsToExport | Should -Contain $name
        }
    }

    It 'loads its format file with a view for each object type' {
        $script:Data.FormatsToProcess | Should -Be @('PgMigrate.Format.ps1xml')
        [xml]$xml = Get-Content -Raw -LiteralPath (Join-Path $script:ModuleRoot 'PgMigrate.Format.ps1xml')
        $types = @($xml.Configuration.ViewDefinitions.View | ForEach-Object { $_.ViewSelectedBy.TypeName })
        $all = 'PgMigrate.MigrationStatus', 'PgMigrate.MigrationResult', 'PgMigrate.Version', 'PgMigrate.TestResult', 'PgMigrate.EnvironmentCheck'
        foreach ($t in @($all) + 'PgMigrate.Error') {
            $types | Should -Contain $t
        }
        $views = @(Get-FormatData -TypeName $all)
        $views.Count | Should -Be 5
    }

    It 'uses approved verbs only' {
        $approved = @(Get-Verb | ForEach-Object Verb)
        foreach ($name in $script:Data.FunctionsToExport) {
            $approved | Should -Contain ($name -split '-')[0]
        }
    }
}

Describe 'Module layout' -Tag Static {
    It '<Rel> defines exactly one function, named like the file, and nothing else' -ForEach $FunctionFiles {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$tokens, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $statements = @($ast.EndBlock.Statements)
        $statements.Count | Should -Be 1
        $statements[0] | Should -BeOfType ([System.Management.Automation.Language.FunctionDefinitionAst])
        $statements[0].Name | Should -Be $Name
        @($ast.BeginBlock, $ast.ProcessBlock, $ast.DynamicParamBlock) | Where-Object { $_ } | Should -BeNullOrEmpty
    }
}

Describe 'Windows PowerShell 5.1 compatibility' -Tag Static {
    It '<Rel> is plain ASCII (5.1 reads BOM-less files in the ANSI code page)' -ForEach $ModuleFiles {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        @($bytes -gt 127).Count | Should -Be 0
    }

    It '<Rel> uses no syntax newer than PowerShell 5.1' -ForEach ($ModuleFiles | Where-Object { $_.File -notlike '*.ps1xml' }) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$tokens, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        @(Find-Ps7Syntax -Ast $ast) | Should -BeNullOrEmpty
    }

    It 'the AST check does catch what 5.1 lacks' {
        # the check above must not pass by accident: feed it each construct it rejects
        $samples = @('$a ? 1 : 2', '$a ?? 1', '$a ??= 1', '${a}?.b', '${a}?[0]', 'a && b', 'a || b',
            '1..3 | ForEach-Object -Parallel { $_ }', '1..3 | % -Parallel { $_ }', '$IsWindows', '$x | ConvertFrom-Json -AsHashtable',
            'Join-Path a b c -AdditionalChildPath d', 'Set-Content -Path x -Value y -Encoding utf8NoBOM', '[IO.Path]::GetRelativePath("a", "b")',
            'function f { clean { } }')
        foreach ($s in $samples) {
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($s, [ref]$null, [ref]$null)
            @(Find-Ps7Syntax -Ast $ast).Count | Should -BeGreaterThan 0 -Because $s
        }
        $ok = [System.Management.Automation.Language.Parser]::ParseInput('$a = if ($b) { 1 } else { 2 }; $a | ForEach-Object { $_ }; Get-Content x', [ref]$null, [ref]$null)
        @(Find-Ps7Syntax -Ast $ok).Count | Should -Be 0
    }
}

Describe 'Comment-based help' -Tag Static {
    It '<_> has a synopsis, a description, examples and every parameter described' -ForEach $ExportedNames {
        $help = Get-Help -Name $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # an auto-generated synopsis is the syntax line
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($_) + '\s')
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($ex in @($help.Examples.Example)) {
            $ex.Code | Should -Not -BeNullOrEmpty
        }
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $params = (Get-Command -Name $_).Parameters.Keys | Where-Object { $_ -notin $common }
        foreach ($p in $params) {
            $ph = $help.Parameters.Parameter | Where-Object Name -eq $p
            $ph | Should -Not -BeNullOrEmpty -Because "parameter -$p needs help"
            ($ph.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "parameter -$p needs a description"
        }
    }
}

Describe 'Cmdlet contracts' -Tag Static {
    It 'destructive commands support ShouldProcess with a fitting ConfirmImpact' {
        $expect = @{ 'Invoke-MigrateUp' = 'Medium'; 'Invoke-MigrateDown' = 'High'; 'Invoke-MigrateGoto' = 'High'; 'Set-MigrationVersion' = 'High'; 'New-Migration' = 'Low' }
        foreach ($name in $expect.Keys) {
            $cmd = Get-Command $name
            $binding = $cmd.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
            $binding.SupportsShouldProcess | Should -BeTrue -Because $name
            $binding.ConfirmImpact.ToString() | Should -Be $expect[$name] -Because $name
            $cmd.Parameters.Keys | Should -Contain 'WhatIf'
        }
    }

    It 'every database command takes -Path, -Database and a PSCredential -Credential' {
        foreach ($name in 'Invoke-MigrateUp', 'Invoke-MigrateDown', 'Invoke-MigrateGoto', 'Set-MigrationVersion', 'Get-MigrationStatus', 'Get-MigrationVersion', 'Invoke-Psql', 'Test-Migration', 'Get-PgMigrateEnvironment') {
            $p = (Get-Command $name).Parameters
            $p.Keys | Should -Contain 'Path'
            $p.Keys | Should -Contain 'Database'
            $p['Credential'].ParameterType | Should -Be ([System.Management.Automation.PSCredential])
        }
        (Get-Command New-Migration).Parameters.Keys | Should -Contain 'Path'
    }

    It 'the read-only commands do not offer -WhatIf' {
        foreach ($name in 'Get-MigrationStatus', 'Get-MigrationVersion', 'Test-Migration', 'Get-PgMigrateEnvironment') {
            (Get-Command $name).Parameters.Keys | Should -Not -Contain 'WhatIf' -Because $name
        }
    }

    It 'Test-Migration takes -Version or -All, not both, and only the three checks' {
        { Test-Migration -Version 1 -All } | Should -Throw -ErrorId 'AmbiguousParameterSet,Test-Migration'
        { Test-Migration -Check Everything } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Test-Migration'
    }

    It 'Invoke-MigrateDown takes -Steps or -All, not both' {
        { Invoke-MigrateDown -Steps 2 -All -WhatIf } | Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-MigrateDown'
    }
}

Describe 'Finding pgmigrate' -Tag Static {
    BeforeAll {
        $script:SavedExe = $env:PGMIGRATE_EXE
        $script:SavedPath = $env:PATH
        $script:Lay = Join-Path ([System.IO.Path]::GetTempPath()) ('pgm-ps-find-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        # the MSI layout: <PF>\WindowsPowerShell\Modules\PgMigrate\<version>\ and <PF>\pgmigrate\bin\
        $script:ModDir = Join-Path $script:Lay 'PF/WindowsPowerShell/Modules/PgMigrate/0.1.0'
        $script:MsiBin = Join-Path $script:Lay 'PF/pgmigrate/bin'
        $script:PathBin = Join-Path $script:Lay 'onpath'
        New-Item -ItemType Directory -Force -Path $script:ModDir, $script:MsiBin, $script:PathBin | Out-Null
        Copy-Item -Path (Join-Path $script:ModuleRoot '*') -Destination $script:ModDir -Recurse
        foreach ($d in $script:MsiBin, $script:PathBin) {
            Set-Content -LiteralPath (Join-Path $d 'pgmigrate') -Value "#!/bin/sh`necho '{""event"":""version"",""version"":7,""dirty"":false}'"
            if (-not $IsWindows) { & chmod +x (Join-Path $d 'pgmigrate') }
        }
        $script:Copy = Import-Module (Join-Path $script:ModDir 'PgMigrate.psd1') -Force -PassThru -Prefix Copy
    }
    AfterAll {
        Remove-Module $script:Copy -Force -ErrorAction SilentlyContinue
        $env:PGMIGRATE_EXE = $script:SavedExe
        $env:PATH = $script:SavedPath
        Remove-Item -LiteralPath $script:Lay -Recurse -Force -ErrorAction SilentlyContinue
        Import-Module $script:ModuleManifest -Force
    }

    It 'takes the MSI layout first: ProgramFiles\pgmigrate\bin from Modules\PgMigrate\VERSION' {
        # even with PGMIGRATE_EXE set: the installed module runs the pgmigrate it came with
        $env:PGMIGRATE_EXE = Join-Path $script:PathBin 'pgmigrate'
        $found = & $script:Copy { Find-PgMigrateExe }
        $found | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $script:MsiBin 'pgmigrate')))
        # and the cmdlets use it
        (Get-CopyMigrationVersion).Version | Should -Be 7
    }

    It 'prefers bin\ beside the module to the MSI layout' {
        $beside = Join-Path $script:ModDir 'bin'
        New-Item -ItemType Directory -Force -Path $beside | Out-Null
        Copy-Item (Join-Path $script:MsiBin 'pgmigrate') $beside
        try {
            & $script:Copy { Find-PgMigrateExe } | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $beside 'pgmigrate')))
        }
        finally {
            Remove-Item -LiteralPath $beside -Recurse -Force
        }
    }

    It 'then PATH, then $env:PGMIGRATE_EXE, and clear errors when it is nowhere' {
        Rename-Item -LiteralPath $script:MsiBin -NewName 'bin-away'
        $elsewhere = Join-Path $script:Lay 'elsewhere'
        New-Item -ItemType Directory -Force -Path $elsewhere | Out-Null
        Copy-Item (Join-Path $script:PathBin 'pgmigrate') $elsewhere
        try {
            $env:PGMIGRATE_EXE = Join-Path $elsewhere 'pgmigrate'
            $env:PATH = $script:PathBin + [System.IO.Path]::PathSeparator + $script:SavedPath
            & $script:Copy { Find-PgMigrateExe } | Should -Be (Join-Path $script:PathBin 'pgmigrate')
            $env:PATH = $script:Lay
            & $script:Copy { Find-PgMigrateExe } | Should -Be (Join-Path $elsewhere 'pgmigrate')
            $env:PGMIGRATE_EXE = Join-Path $script:Lay 'nothing-here'
            { & $script:Copy { Find-PgMigrateExe } } | Should -Throw '*PGMIGRATE_EXE is set to*no such file*'
            Remove-Item Env:PGMIGRATE_EXE -ErrorAction SilentlyContinue
            { & $script:Copy { Find-PgMigrateExe } } | Should -Throw '*pgmigrate was not found*PGMIGRATE_EXE*'
        }
        finally {
            $env:PATH = $script:SavedPath
            Rename-Item -LiteralPath (Join-Path (Split-Path $script:MsiBin) 'bin-away') -NewName 'bin'
        }
    }
}

Describe 'Private helpers' -Tag Static {
    It 'escapes arguments for legacy (5.1) native argument passing' {
        InModuleScope PgMigrate {
            $r = ConvertTo-PgMigrateNativeArgument -ArgumentList @('plain', 'two words', 'say "hi"', 'a\"b', 'C:\dir with space\', '', 'x"y')
            $r[0] | Should -Be 'plain'
            $r[1] | Should -Be 'two words'
            $r[2] | Should -Be 'say \"hi\"'
            $r[3] | Should -Be 'a\\\"b'
            $r[4] | Should -Be 'C:\dir with space\' -Because 'PowerShell 6+ escapes trailing backslashes itself'
            $r[5] | Should -Be '""'
            $r[6] | Should -Be 'x\"y'
            # Windows PowerShell 5.1 does not: the helper does it there
            $d = ConvertTo-PgMigrateNativeArgument -ArgumentList @('C:\dir with space\', 'C:\nospace\', 'a b\"') -DoubleTrailingBackslash
            $d[0] | Should -Be 'C:\dir with space\\'
            $d[1] | Should -Be 'C:\nospace\'
            $d[2] | Should -Be 'a b\\\"'
        }
    }

    It 'masks passwords in URLs and keyword/value strings' {
        InModuleScope PgMigrate {
            Hide-PgMigratePassword 'postgres://postgres:s3cr3t@localhost:5432/ecommerce' | Should -Be 'postgres://postgres:****@localhost:5432/ecommerce'
            Hide-PgMigratePassword "host=x password='a b' dbname=y" | Should -Be 'host=x password=**** dbname=y'
            Hide-PgMigratePassword 'host=x password=abc' | Should -Be 'host=x password=****'
            Hide-PgMigratePassword 'postgres://u@h/db' | Should -Be 'postgres://u@h/db'
        }
    }

    It 'turns a plain database name into dbname=... and leaves URLs alone' {
        InModuleScope PgMigrate {
            ConvertTo-PgMigrateConnection -Database 'ecommerce' | Should -Be "dbname='ecommerce'"
            ConvertTo-PgMigrateConnection -Database "it's" | Should -Be "dbname='it\'s'"
            ConvertTo-PgMigrateConnection -Database 'postgres://h/db' | Should -Be 'postgres://h/db'
            ConvertTo-PgMigrateConnection -Database 'host=h dbname=db' | Should -Be 'host=h dbname=db'
        }
    }

    It 'turns verify, validate and lint reports into PgMigrate.TestResult objects' {
        InModuleScope PgMigrate {
            $verify = '{"event":"verify","ok":false,"mode":"all","version":null,"verified":3,"failed":2,"scratch_database":null,"migrations":[' +
                '{"version":1,"name":"a","up_file":"m/000001_a.up.sql","down_file":"m/000001_a.down.sql","result":"ok","scratch":false,"down_missing":[],"down_extra":[],"again_missing":[],"again_extra":[],"phase":null,"error":null},' +
                '{"version":2,"name":"idx","up_file":"m/000002_idx.up.sql","down_file":"m/000002_idx.down.sql","result":"different","scratch":false,"down_missing":[],"down_extra":["index public.a_id_idx: CREATE INDEX a_id_idx ON public.a USING btree (id)"],"again_missing":[],"again_extra":[],"phase":null,"error":null},' +
                '{"version":3,"name":"bad","up_file":"m/000003_bad.up.sql","down_file":"m/000003_bad.down.sql","result":"failed","scratch":true,"down_missing":[],"down_extra":[],"again_missing":[],"again_extra":[],"phase":"down","error":{"message":"table \"zz\" does not exist","detail":null,"hint":null,"sqlstate":"42P01","file":"m/000003_bad.down.sql","line":2,"column":12,"statement":1}}]}'
            $r = @($verify | ConvertFrom-Json | ConvertTo-PgMigrateTestResult -Check Verify)
            $r.Count | Should -Be 2 -Because 'ok migrations are no problem'
            $r[0].PSObject.TypeNames[0] | Should -Be 'PgMigrate.TestResult'
            $r[0].Check | Should -Be 'Verify'
            $r[0].Severity | Should -Be 'Error'
            $r[0].Code | Should -Be 'different'
            $r[0].Version | Should -Be 2
            $r[0].File | Should -Be 'm/000002_idx.up.sql'
            $r[0].Message | Should -Be 'the down migration does not restore the schema'
            $r[0].Detail | Should -Be @('+ index public.a_id_idx: CREATE INDEX a_id_idx ON public.a USING btree (id)')
            $r[1].Code | Should -Be 'failed'
            $r[1].Message | Should -Be 'down failed (in the scratch database): table "zz" does not exist'
            $r[1].SqlState | Should -Be '42P01'
            $r[1].File | Should -Be 'm/000003_bad.down.sql'
            $r[1].Line | Should -Be 2
            $r[1].Column | Should -Be 12

            $validate = '{"event":"validate","ok":false,"errors":1,"warnings":1,"database_checked":true,"migrations":2,"problems":[{"severity":"error","code":"modified","file":"m/000001_a.up.sql","version":1,"message":"changed","hint":"revert it"},{"severity":"warning","code":"no_down","file":"m/000002_b.up.sql","line":1,"column":1,"version":2,"message":"no down","hint":null}]}'
            $v = @($validate | ConvertFrom-Json | ConvertTo-PgMigrateTestResult -Check Validate)
            $v.Severity | Should -Be @('Error', 'Warning')
            $v.Code | Should -Be @('modified', 'no_down')
            $v[0].Line | Should -BeNullOrEmpty
            $v[1].Line | Should -Be 1
            $v[0].Hint | Should -Be 'revert it'

            $lint = '{"event":"finding","rule":"PGM008","severity":"error","file":"m/000003_c.up.sql","line":2,"column":20,"version":3,"message":"NOT NULL without DEFAULT","fix":"add a DEFAULT"}', '{"event":"summary","command":"lint","migrations":3,"files":5,"errors":1,"warnings":0}'
            $l = @($lint | ForEach-Object { $_ | ConvertFrom-Json } | ConvertTo-PgMigrateTestResult -Check Lint)
            $l.Count | Should -Be 1 -Because 'the summary is no problem'
            $l[0].Code | Should -Be 'PGM008'
            $l[0].Hint | Should -Be 'add a DEFAULT'
            $l[0].Column | Should -Be 20
        }
    }

    It 'builds an ErrorRecord from an error event' {
        InModuleScope PgMigrate {
            $evt = '{"event":"error","code":"sql","exit_code":1,"message":"relation \"users\" does not exist","detail":null,"hint":"run status","sqlstate":"42P01","file":"migrations/000009_x.up.sql","line":4,"column":40,"statement":1,"version":9}' | ConvertFrom-Json
            $r = New-PgMigrateErrorRecord -ErrorEvent $evt -ExitCode 1
            $r.FullyQualifiedErrorId | Should -Be 'PgMigrate.sql'
            $r.TargetObject.SqlState | Should -Be '42P01'
            $r.TargetObject.PSObject.TypeNames[0] | Should -Be 'PgMigrate.Error'
            $r.Exception.Data['Line'] | Should -Be 4
            $r.Exception.SqlState | Should -Be '42P01'
            $r.Exception.Message | Should -BeLike 'migrations/000009_x.up.sql:4:40: relation "users" does not exist (SQLSTATE 42P01)*HINT: run status'
            $r.CategoryInfo.Category | Should -Be 'InvalidOperation'
        }
    }
}

Describe 'Argument completion of -Version' -Tag Static {
    BeforeAll {
        $script:Folder = Join-Path ([System.IO.Path]::GetTempPath()) ('pgm-ps-comp-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:Folder | Out-Null
        foreach ($n in '000001_create_users.up.sql', '000001_create_users.down.sql', '000002_create_products.up.sql', '000010_create_reviews.up.sql', 'README.md', '000003_bad.sql') {
            Set-Content -LiteralPath (Join-Path $script:Folder $n) -Value '-- x'
        }
    }
    AfterAll {
        Remove-Item -LiteralPath $script:Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'completes Invoke-MigrateGoto -Version from the -Path folder' {
        $line = "Invoke-MigrateGoto -Path '$($script:Folder)' -Version "
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($r.CompletionMatches | ForEach-Object CompletionText) | Should -Be @('000001', '000002', '000010')
        ($r.CompletionMatches | Where-Object CompletionText -eq '000010').ToolTip | Should -Be '000010_create_reviews'
    }

    It 'completes Test-Migration -Version too' {
        $line = "Test-Migration -Path '$($script:Folder)' -Version 00001"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($r.CompletionMatches | ForEach-Object CompletionText) | Should -Be @('000010')
    }

    It 'filters by the typed prefix, with or without leading zeros' {
        $line = "Invoke-MigrateGoto -Path '$($script:Folder)' -Version 1"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($r.CompletionMatches | ForEach-Object CompletionText) | Should -Be @('000001', '000010')
        $line = "Invoke-MigrateGoto -Path '$($script:Folder)' -Version 00000"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($r.CompletionMatches).Count | Should -Be 2
    }

    It 'uses .\migrations of the current location without -Path, and offers -1 to Set-MigrationVersion' {
        $parent = Join-Path $script:Folder 'proj'
        New-Item -ItemType Directory -Path (Join-Path $parent 'migrations') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $parent 'migrations/000042_x.up.sql') -Value '-- x'
        Push-Location $parent
        try {
            $line = 'Set-MigrationVersion -Version '
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            @($r.CompletionMatches | ForEach-Object CompletionText) | Should -Be @('000042', '-1')
        }
        finally {
            Pop-Location
        }
    }
}
