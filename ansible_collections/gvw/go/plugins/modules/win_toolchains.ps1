#!powershell
# gvw.go.win_toolchains for Windows hosts: the same parameters as toolchains.py; writes a
# manifest and runs gvw apply --json (--check in check mode). Not executed in gvw's
# tests (no PowerShell there): parsed with the tree-sitter grammar only.

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{
        versions = @{ type = 'list'; elements = 'str' }
        global = @{ type = 'str' }
        prune = @{ type = 'bool'; default = $false }
        mirror = @{ type = 'str' }
        lock = @{ type = 'path' }
        manifest = @{ type = 'path' }
        gvw_root = @{ type = 'path' }
        gvw = @{ type = 'path'; default = 'gvw' }
    }
    mutually_exclusive = @(, @('manifest', 'versions'))
    required_one_of = @(, @('manifest', 'versions'))
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params

function ConvertTo-TomlString([string]$value) {
    # a JSON string is a valid TOML basic string
    return (ConvertTo-Json -InputObject $value -Compress)
}

function Invoke-Gvw([string[]]$arguments) {
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $p.gvw
    $info.Arguments = ($arguments | ForEach-Object { '"' + ($_ -replace '"', '\"') + '"' }) -join ' '
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    if ($p.gvw_root) { $info.EnvironmentVariables['GVW_ROOT'] = $p.gvw_root }
    $process = [System.Diagnostics.Process]::Start($info)
    $stderrTask = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEnd()
    $process.WaitForExit()
    return @{ rc = $process.ExitCode; stdout = $stdout; stderr = $stderrTask.Result }
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
    if ($module.CheckMode) { $arguments += '--check' }
    $run = Invoke-Gvw $arguments
}
finally {
    Remove-Item -LiteralPath $workdir -Recurse -Force -ErrorAction SilentlyContinue
}

# 21: gvw apply --check found drift, which check mode reports as "changed"
if (($run.rc -ne 0 -and $run.rc -ne 21) -or ($run.rc -eq 21 -and -not $module.CheckMode)) {
    $module.Result.rc = $run.rc
    $module.Result.stderr = $run.stderr
    $module.FailJson($run.stderr.Trim())
}
$report = ConvertFrom-Json -InputObject $run.stdout
$module.Result.changed = [bool]$report.changed
$module.Result.actions = @($report.actions)
$module.Result.snapshot = $report.snapshot
$facts = Invoke-Gvw @('facts', '--json')
if ($facts.rc -eq 0) { $module.Result.facts = ConvertFrom-Json -InputObject $facts.stdout }
$module.ExitJson()
