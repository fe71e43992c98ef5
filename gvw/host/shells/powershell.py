"""PowerShell (Windows PowerShell 5.1 and PowerShell 7).

Every script gvw prints for PowerShell is plain ASCII. The profile line pipes gvw's
output into Invoke-Expression, and PowerShell decodes a program's output with
[Console]::OutputEncoding, the console code page (437, 850, 936...): UTF-8 bytes
of a path like C:\\Users\\Zoë would arrive garbled. So :func:`quote` writes characters
outside printable ASCII as ``[char]0x....`` and the code page is never touched
(pyenv-win#270, #344, #549: changing it breaks other programs).

The prompt segment is pure PowerShell (no process per prompt): it walks up from $PWD
with [IO.File]::Exists, reads the first word of the .go-version itself (at most 4096
bytes, like the shims: Get-Content's -TotalCount counts lines, so a one-line
multi-megabyte file would be read whole on every prompt), and resolves a prefix
against the directory names under <root>\\versions.
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Sequence

from gvw.host.shells import InitContext, Shell, fill, join_command

_SCRIPT = """\
# gvw shell integration for PowerShell, printed by `gvw init powershell`.
# Load it from your profile:  gvw init powershell | Out-String | Invoke-Expression

& {
    # The shims first on PATH: drop every entry equal to them, then prepend them.
    $shims = @SHIMS@
    $separator = [IO.Path]::PathSeparator
    $entries = @("$env:PATH".Split($separator) | Where-Object { $_.TrimEnd('\\', '/') -ne $shims })
    $env:PATH = (@($shims) + $entries) -join $separator

    # Keep the prompt from before gvw was loaded (once: loading twice changes nothing).
    if (-not "$function:prompt".Contains('Get-GvwPromptSegment')) {
        $global:GvwOriginalPrompt = $function:prompt
        if (-not $global:GvwOriginalPrompt) {
            $global:GvwOriginalPrompt = {
                "PS $($executionContext.SessionState.Path.CurrentLocation)> "
            }
        }
    }
}

# `gvw shell VERSION` / `gvw shell --unset` change this session: gvw checks the version
# and prints the code, this function runs it. gvw is run by the path it was started
# with when it printed this script: it need not be on PATH.
function global:gvw {
    $exe = @EXE@
    $first = @(@FIRST_ARGS@)
    if ($args.Count -gt 0 -and $args[0] -eq 'shell') {
        $rest = @($args | Select-Object -Skip 1)
        $code = & $exe @first shell --shell powershell @rest
        if ($LASTEXITCODE -eq 0 -and $code) {
            Invoke-Expression ($code -join "`n")
        }
    }
    else {
        & $exe @first @args
    }
}

# The Go version for the prompt, in directories with a .go-version or a go.mod up the
# tree: the version the shims run there (GVW_GO_VERSION, the nearest .go-version,
# the global file), resolved against the installed versions. '' elsewhere.
function global:Get-GvwPromptSegment {
    if ($PWD.Provider.Name -ne 'FileSystem') {
        return ''
    }
    $pin = $null
    $project = $false
    $dir = $PWD.ProviderPath
    while ($dir) {
        $candidate = [IO.Path]::Combine($dir, '.go-version')
        if ([IO.File]::Exists($candidate)) {
            $pin = $candidate
            break
        }
        if (-not $project) {
            $project = [IO.File]::Exists([IO.Path]::Combine($dir, 'go.mod'))
        }
        $dir = [IO.Path]::GetDirectoryName($dir)
    }
    if (-not ($pin -or $project)) {
        return ''
    }
    $spec = "$env:GVW_GO_VERSION".Trim()
    if (-not $spec) {
        if (-not $pin) {
            $pin = @GLOBAL_FILE@
        }
        if (-not [IO.File]::Exists($pin)) {
            return ''
        }
        # the first 4096 bytes only, as the shims read it (a huge one-line file too)
        $stream = [IO.File]::OpenRead($pin)
        try {
            $head = [IO.BinaryReader]::new($stream).ReadBytes(4096)
        }
        finally {
            $stream.Dispose()
        }
        $text = [Text.Encoding]::UTF8.GetString($head)
        if ($text.Length -gt 0 -and $text[0] -eq [char]0xFEFF) {
            $text = $text.Substring(1)
        }
        $spec = '?'
        foreach ($line in $text -split "`n") {
            $line = $line.Trim()
            if ($line -and -not $line.StartsWith('#')) {
                $spec = ($line -split '\\s+')[0]
                break
            }
        }
    }
    $spec = $spec -replace '^go(?=[0-9])', ''
    if ($spec -eq 'system') {
        return 'go system'
    }
    $versions = @VERSIONS@
    if ($spec -match '^[0-9]+\\.[0-9]+(\\.[0-9]+|(beta|rc)[0-9]+)$') {
        if ([IO.Directory]::Exists([IO.Path]::Combine($versions, $spec))) {
            return "go$spec"
        }
        return "go$spec not installed"
    }
    if ($spec -eq 'latest') {
        $pattern = '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$'
    }
    elseif ($spec -match '^[0-9]+\\.[0-9]+$') {
        $pattern = '^' + [regex]::Escape($spec) + '(\\.[0-9]+)?$'
    }
    else {
        return 'go invalid version'
    }
    $best = $null
    if ([IO.Directory]::Exists($versions)) {
        foreach ($path in [IO.Directory]::GetDirectories($versions)) {
            $name = [IO.Path]::GetFileName($path)
            if ($name -notmatch $pattern) {
                continue
            }
            if ($null -eq $best -or [version]$name -gt [version]$best) {
                $best = $name
            }
        }
    }
    if ($best) {
        return "go$best"
    }
    return "go$spec not installed"
}

# The prompt from before, with the Go version in front: (go1.22.10) PS C:\\src\\app>
# The old prompt runs first, so it still sees $? of the last command.
function global:prompt {
    $original = & $global:GvwOriginalPrompt
    try {
        $segment = Get-GvwPromptSegment
    }
    catch {
        $segment = ''
    }
    if ($segment) {
        return "($segment) " + (-join $original)
    }
    return $original
}

# Completions through click's protocol, as bash uses it: gvw reads the words before the
# cursor from COMP_WORDS and COMP_CWORD and prints "type,value" lines. The variables are
# set for that one run of gvw and put back as they were.
Register-ArgumentCompleter -Native -CommandName 'gvw' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    if (-not $wordToComplete) {
        $words += ''
    }
    $protocol = @{
        '_GVW_COMPLETE' = 'bash_complete'
        'COMP_WORDS' = $words -join ' '
        'COMP_CWORD' = [string]($words.Count - 1)
    }
    $saved = @{}
    foreach ($name in $protocol.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $protocol[$name])
    }
    try {
        $exe = @EXE@
        $first = @(@FIRST_ARGS@)
        $lines = @(& $exe @first 2>$null)
    }
    finally {
        foreach ($name in $saved.Keys) {
            [Environment]::SetEnvironmentVariable($name, $saved[$name])
        }
    }
    # "file" and "dir" items offer nothing here: PowerShell then completes paths itself
    foreach ($line in $lines) {
        $kind, $value = "$line".Split([char[]]',', 2)
        if ($kind -eq 'plain' -and $value) {
            [Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $value)
        }
    }
}
"""


def quote(text: str) -> str:
    """A PowerShell expression, in printable ASCII only, whose value is ``text``.

    Printable ASCII goes into single-quoted literals (nothing is special there but the
    quote itself, written twice); every other character is ``[char]0x....`` (UTF-16
    code units, so characters beyond the BMP become surrogate pairs). That includes
    the typographic quotes PowerShell also accepts as single quotes (U+2018-U+201B),
    which would otherwise end the literal. Mixed parts are joined with + in
    parentheses, starting from a string so + concatenates.
    """
    parts: list[str] = []
    literal: list[str] = []
    for char in text:
        if " " <= char <= "~":
            literal.append("''" if char == "'" else char)
            continue
        if literal or not parts:
            parts.append("'" + "".join(literal) + "'")
            literal = []
        encoded = char.encode("utf-16-le", "surrogatepass")
        for i in range(0, len(encoded), 2):
            parts.append(f"[char]0x{int.from_bytes(encoded[i : i + 2], 'little'):04X}")
    if literal or not parts:
        parts.append("'" + "".join(literal) + "'")
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def _exe(words: Sequence[str]) -> str:
    """The program that runs gvw: an absolute path; a bare name is looked up among the
    applications on PATH (never the gvw function itself)."""
    program = words[0]
    if ntpath.isabs(program) or posixpath.isabs(program):
        return quote(program)
    return (
        f"Get-Command -Name {quote(program)} -CommandType Application -TotalCount 1 "
        "-ErrorAction Stop"
    )


def _init_script(ctx: InitContext) -> str:
    return fill(
        _SCRIPT,
        SHIMS=quote(ctx.shims),
        GLOBAL_FILE=quote(ctx.global_file),
        VERSIONS=quote(ctx.versions),
        EXE=_exe(ctx.gvw),
        FIRST_ARGS=", ".join(quote(word) for word in ctx.gvw[1:]),
    )


def _profile_line(words: Sequence[str]) -> str:
    # & runs the quoted path (or the expression that spells it in ASCII)
    return f"& {join_command(words, quote)} init powershell | Out-String | Invoke-Expression"


def set_env(name: str, value: str | None) -> str:
    """``name`` must be a plain variable name (gvw passes only its own and Go's)."""
    if value is None:
        return f"Remove-Item -LiteralPath 'Env:{name}' -ErrorAction SilentlyContinue"
    return f"$env:{name} = {quote(value)}"


def _show_version(spec: str) -> str:
    return quote(spec) + "\n"


SHELLS = {
    "powershell": Shell(
        name="powershell",
        profile_line=_profile_line,
        quote=quote,
        init_script=_init_script,
        set_env=set_env,
        show_version=_show_version,
    )
}
