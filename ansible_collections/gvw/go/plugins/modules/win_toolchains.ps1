#!powershell
# gvw.go.win_toolchains for Windows hosts: the same parameters and results as
# toolchains.py (documentation: win_toolchains.py). It writes a manifest and runs
# gvw apply --json (--check in check mode); gvw does the verifying, the health command
# and the rollback, so this script only builds the command line and reads the JSON.
# gvw's tests cannot run PowerShell: they parse this file and check it statically.
# MIT License (see the gvw repository).

#AnsibleRequires -CSharpUtil Ansible.Basic
#Requires -Module Ansible.ModuleUtils.ArgvParser
#Requires -Module Ansible.ModuleUtils.CommandUtil

$spec = @{
    options = @{
        versions = @{ type = 'list'; elements = 'str' }
        global = @{ type = 'str' }
        prune = @{ type = 'bool'; default = $false }
        mirror = @{ type = 'str'; no_log = $true }
        lock = @{ type = 'path' }
        manifest = @{ type = 'path' }
        gvw_root = @{ type = 'path' }
        gvw = @{ type = 'path'; default = 'gvw' }
        verify = @{ type = 'bool'; default = $false }
        health_command = @{ type = 'str' }
        health_chdir = @{ type = 'path' }
        health_timeout = @{ type = 'int'; default = 900 }
    }
    mutually_exclusive = @(, @('manifest', 'versions'))
    required_one_of = @(, @('manifest', 'versions'))
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params
$DRIFT = 21  # gvw apply --check: the host differs from the manifest

if ($p.gvw_root) { $env:GVW_ROOT = $p.gvw_root }  # this module's process only

function ConvertTo-TomlString([string]$value) {
    # a JSON string is a valid TOML basic string
    return (ConvertTo-Json -InputObject $value -Compress)
}

function Invoke-Gvw([string[]]$arguments, [string]$directory) {
    # Argv-ToString quotes each argument by the rules CommandLineToArgvW reads back
    $command = Argv-ToString -arguments (@($p.gvw) + $arguments)
    return Run-Command -command $command -working_directory $directory
}

function ConvertFrom-GvwJson([string]$text) {
    # gvw's JSON document, or $null when it failed before printing one
    try { return ConvertFrom-Json -InputObject $text } catch { return $null }
}

$workdir = Join-Path ([System.IO.Path]::GetTempPath()) ('gvw-ansible-' + [guid]::NewGuid())
New-Item -ItemType Directory -Path $workdir | Out-Null
try {
    $manifest = $p.manifest
    if (-not $manifest) {
        $manifest = Join-Path $workdir 'gvw-manifest.toml'
        $lines = @('[go]')
        $lines += 'versions = [' + (($p.versions | ForEach-Object { ConvertTo-TomlString $_ }) -join ', ') + ']'
        if ($p.global) { $lines += 'global = ' + (ConvertTo-TomlString $p.global) }
        $lines += 'prune = ' + $(if ($p.prune) { 'true' } else { 'false' })
        if ($p.mirror) { $lines += 'mirror = ' + (ConvertTo-TomlString $p.mirror) }
        if ($p.lock) { $lines += 'lock = ' + (ConvertTo-TomlString $p.lock) }
        [System.IO.File]::WriteAllText($manifest, ($lines -join "`n") + "`n")
    }
    $arguments = @('apply', $manifest, '--json')
    if ($p.lock) { $arguments += '--locked' }
    if ($module.CheckMode) {
        $arguments += '--check'  # neither verifies nor runs the health command
    }
    else {
        if ($p.verify) { $arguments += '--verify' }
        if ($p.health_command) {
            $arguments += @('--health-check', $p.health_command, '--health-timeout', [string]$p.health_timeout)
        }
    }
    $run = Invoke-Gvw $arguments $p.health_chdir
}
finally {
    Remove-Item -LiteralPath $workdir -Recurse -Force -ErrorAction SilentlyContinue
}

$report = ConvertFrom-GvwJson $run.stdout
if ($report) {
    $module.Result.changed = [bool]$report.changed -and -not $report.rolled_back
    $module.Result.actions = @($report.actions)
    $module.Result.snapshot = $report.snapshot
    $module.Result.verified = $report.verified
    $module.Result.health = $report.health
    $module.Result.rolled_back = $report.rolled_back
    $module.Result.gvw_warnings = @($report.warnings)
    if ($module.DiffMode) {
        $module.Diff.before = $report.before
        $module.Diff.after = $report.after
    }
}
$facts = Invoke-Gvw @('facts', '--json') $null
if ($facts.rc -eq 0) { $module.Result.facts = ConvertFrom-GvwJson $facts.stdout }
else { $module.Result.facts = @{ error = $facts.stderr.Trim() } }

if (($run.rc -ne 0 -and $run.rc -ne $DRIFT) -or ($run.rc -eq $DRIFT -and -not $module.CheckMode)) {
    $module.Result.rc = $run.rc
    $module.Result.stderr = $run.stderr
    $module.FailJson($run.stderr.Trim())
}
$module.ExitJson()
