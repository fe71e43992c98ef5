"""gvw init and gvw shell: the scripts run in real bash, zsh and fish; PowerShell's are
parsed with the tree-sitter grammar (no PowerShell here); the quoting function of every
shell is checked against the shell itself with hostile strings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from gvw.shells import InitContext, get_shell, msys_path
from gvw.shells.fish import quote as fish_quote
from gvw.shells.posix import quote as posix_quote
from gvw.shells.powershell import quote as ps_quote
from tests.support import powershell as ps
from tests.support.gvw_env import REPO, GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

# A store root no script may mangle: quotes of both kinds (and PowerShell's typographic
# ones), $, `, %, \, !, glob characters, spaces, non-ASCII (nvm-windows#41, g#76).
AWKWARD_DIR = 'Zoë O\'Brien "q" $HOME `id` 100%x% [a]*? ‘’“” \\b! 张伟'
HOSTILE = [
    "",
    "plain",
    "with space",
    "O'Brien",
    "''",
    "'",
    'say "hi"',
    "$HOME $(id) ${x} $",
    "back`tick` `$x",
    "100% %PATH% %",
    "bang! !! !$",
    "Zoë Smith",
    "张伟",
    "emoji 😀",
    "glob *?[a] {b,c} ~",
    "semi;colon:colon&amp|pipe<lt>gt^caret",
    "back\\slash\\",
    "tab\tnew\nline\rcr",
    "curly ‘single’ ‚low‛ “double” „low”",
    "ESC \x1b[31m",
    "x" * 300,
]
SHELLS = {
    "bash": ["bash", "--norc", "--noprofile"],
    "zsh": ["zsh", "-f"],
    "fish": ["fish", "--no-config"],
}


def need(program: str) -> None:
    if shutil.which(program) is None and not os.environ.get("CI"):
        pytest.skip(f"{program} is not installed")


# ------------------------------------------------------------------------ quoting


@pytest.mark.parametrize("shell", ["bash", "zsh", "zsh-rc-quotes", "sh"])
def test_posix_quote_gives_back_every_string(shell: str, tmp_path: Path) -> None:
    argv = {
        "bash": ["bash", "--norc"],
        "zsh": ["zsh", "-f"],
        "zsh-rc-quotes": ["zsh", "-f", "-o", "rc_quotes"],
        "sh": ["sh"],
    }[shell]
    need(argv[0])
    # a file name that is not UTF-8 reaches gvw as surrogate escapes and must come back
    strings = [*HOSTILE, os.fsdecode(b"latin1 \xe9\xff")]
    script = "".join(f"printf '%s\\0' {posix_quote(s)}\n" for s in strings)
    out = _run_script(argv, script, tmp_path)
    assert out.split(b"\0")[:-1] == [os.fsencode(s) for s in strings]


def test_fish_quote_gives_back_every_string(tmp_path: Path) -> None:
    need("fish")
    script = "".join(f"printf '%s\\0' {fish_quote(s)}\n" for s in HOSTILE)
    out = _run_script(["fish", "--no-config"], script, tmp_path)
    assert out.split(b"\0")[:-1] == [s.encode() for s in HOSTILE]


@pytest.mark.parametrize("value", HOSTILE)
def test_powershell_quote_is_ascii_and_means_the_string(value: str) -> None:
    quoted = ps_quote(value)
    assert quoted.isascii() and quoted.isprintable()
    script = f"$x = {quoted}\n"
    assert ps.syntax_errors(script) == []
    (node,) = ps.assignments(script)["$x"]
    assert ps.literal_value(node) == value


def test_powershell_quote_doubles_single_quotes_in_one_literal() -> None:
    assert ps_quote("C:\\Users\\O'Brien\\gvw") == "'C:\\Users\\O''Brien\\gvw'"
    assert ps_quote("C:\\Zoë") == "('C:\\Zo' + [char]0x00EB)"
    assert ps_quote("张") == "('' + [char]0x5F20)"


def _run_script(argv: list[str], script: str, tmp_path: Path) -> bytes:
    path = tmp_path / "script"
    path.write_bytes(script.encode("utf-8", "surrogateescape"))
    done = subprocess.run(
        [*argv, str(path)],
        capture_output=True,
        env={"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8", "HOME": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def test_msys_paths_for_git_bash() -> None:
    assert msys_path("C:\\Users\\Zoë Smith\\AppData\\Local\\gvw\\shims") == (
        "/c/Users/Zoë Smith/AppData/Local/gvw/shims"
    )
    assert msys_path("D:\\") == "/d"
    assert msys_path("\\\\server\\share\\gvw") == "//server/share/gvw"


# ------------------------------------------------------------- bash, zsh, fish


@pytest.fixture
def awkward(tmp_path: Path) -> GvwEnv:
    """A store under AWKWARD_DIR with synthetic 1.21.13 and 1.22.10, and a `gvw` on
    PATH (a wrapper running this checkout)."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    env = GvwEnv(tmp_path / AWKWARD_DIR)
    env.base.mkdir()
    env.extra_env["GVW_MIRROR"] = mirror.as_uri()
    run_ok(env, "install", "1.21.13", "1.22.10")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "gvw"
    wrapper.write_text(f'#!/bin/sh\nexec {posix_quote(sys.executable)} -m gvw "$@"\n')
    wrapper.chmod(0o755)
    (tmp_path / "home").mkdir()
    return env


def shell_env(store: GvwEnv, path: str) -> dict[str, str]:
    """A small, fixed environment: no profile, rc or BASH_ENV of the machine leaks in."""
    return {
        "HOME": str(store.base.parent / "home"),
        "PATH": path,
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "GVW_ROOT": str(store.root),
        "GVW_CACHE_DIR": str(store.cache),
        "GVW_CONFIG": str(store.config),
    }


def run_shell(
    shell: str, script: str, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    need(shell)
    return subprocess.run(
        [*SHELLS[shell], "-c", script],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=120,
    )


LOAD = {
    "bash": 'eval "$(gvw init bash)"',
    "zsh": 'eval "$(gvw init zsh)"',
    "fish": "gvw init fish | source",
}
PRINT_PATH = {
    "bash": 'printf "%s\\n" "$PATH"',
    "zsh": 'printf "%s\\n" "$PATH"',
    "fish": "string join : -- $PATH",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_init_puts_the_shims_first_exactly_once(shell: str, awkward: GvwEnv) -> None:
    bin_dir = str(awkward.base.parent / "bin")
    shims = str(awkward.root / "shims")
    # the shims already in the middle and at the end (gvw setup's user PATH, an older
    # init); an empty entry (the current directory) stays
    start = ":".join([bin_dir, "/usr/bin", shims, "/bin", "", shims])
    if shell == "fish":
        start = start.replace("::", ":")  # fish turns empty entries into "."
    script = f"{LOAD[shell]}\n{LOAD[shell]}\n{PRINT_PATH[shell]}"
    done = run_shell(shell, script, shell_env(awkward, start), awkward.base)
    assert done.returncode == 0, done.stderr
    expected = [shims, bin_dir, "/usr/bin", "/bin", *([] if shell == "fish" else [""])]
    assert done.stdout.rstrip("\n").split(":") == expected
    assert done.stderr == ""


SESSION = {
    "posix": """
{load}
gvw shell 1.22; echo "set: $? [$GVW_GO_VERSION]"
go version
gvw shell; echo "show: $?"
gvw shell 9.9 2>/dev/null; echo "missing: $? [$GVW_GO_VERSION]"
gvw shell 'go1.21/../x' 2>/dev/null; echo "invalid: $? [$GVW_GO_VERSION]"
gvw shell --help >/dev/null 2>&1; echo "help: $? [$GVW_GO_VERSION]"
gvw shell go1.21; echo "again: $? [$GVW_GO_VERSION]"
go version
gvw shell --unset; echo "unset: $? [${{GVW_GO_VERSION-<unset>}}]"
go version
gvw shell --unset; echo "unset twice: $?"
""",
    "fish": """
{load}
gvw shell 1.22; echo "set: $status [$GVW_GO_VERSION]"
go version
gvw shell; echo "show: $status"
gvw shell 9.9 2>/dev/null; echo "missing: $status [$GVW_GO_VERSION]"
gvw shell 'go1.21/../x' 2>/dev/null; echo "invalid: $status [$GVW_GO_VERSION]"
gvw shell --help >/dev/null 2>&1; echo "help: $status [$GVW_GO_VERSION]"
gvw shell go1.21; echo "again: $status [$GVW_GO_VERSION]"
go version
gvw shell --unset; echo "unset: $status ["(set -q GVW_GO_VERSION; or echo '<unset>')"]"
go version
gvw shell --unset; echo "unset twice: $status"
""",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_gvw_shell_switches_this_session_only(shell: str, awkward: GvwEnv) -> None:
    run_ok(awkward, "global", "1.22.10")
    script = SESSION["fish" if shell == "fish" else "posix"].format(load=LOAD[shell])
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell(shell, script, env, awkward.base)
    assert done.stdout.splitlines() == [
        "set: 0 [1.22]",
        "go version go1.22.10 linux/amd64",
        "1.22",
        "show: 0",
        "missing: 4 [1.22]",
        "invalid: 3 [1.22]",
        "help: 0 [1.22]",
        "again: 0 [1.21]",
        "go version go1.21.13 linux/amd64",
        "unset: 0 [<unset>]",
        "go version go1.22.10 linux/amd64",  # the global version again
        "unset twice: 0",
    ], done.stderr
    if shell != "fish":  # fish does not apply a function call's 2> to $(...) inside it
        assert done.stderr == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_loading_the_script_changes_nothing_but_path_and_gvw_names(
    shell: str, awkward: GvwEnv
) -> None:
    names = {
        "bash": "compgen -v | sort; compgen -A function | sort; env | sort",
        "zsh": "print -rl -- ${(ok)parameters} ${(ok)functions}; env | sort",
        "fish": "set -n; functions -an; env | sort",
    }[shell]
    script = f"{names}\necho SPLIT\n{LOAD[shell]}\n{names}"
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell(shell, script, env, awkward.base)
    assert done.returncode == 0, done.stderr
    before, after = (set(part.splitlines()) for part in done.stdout.split("SPLIT\n"))
    added = {line.split("=")[0] for line in after - before}
    removed = {line.split("=")[0] for line in before - after}
    transient = {"_", "BASH_LINENO", "BASH_ARGC", "BASH_ARGV", "PIPESTATUS", "COLUMNS", "LINES"}
    expected = {
        "bash": {"PATH", "gvw", "_gvw_completion", "_gvw_completion_setup"},
        "zsh": {"PATH", "gvw"},  # no compinit here: no completion function
        "fish": {"PATH", "gvw", "__gvw_complete"},
    }[shell]
    assert (added | removed) - transient == expected


def test_bash_completes_commands_and_versions(awkward: GvwEnv) -> None:
    script = f"""{LOAD["bash"]}
complete -p gvw
COMP_WORDS=(gvw sh); COMP_CWORD=1; COMPREPLY=(); _gvw_completion gvw; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(gvw shell 1.2); COMP_CWORD=2; COMPREPLY=(); _gvw_completion gvw
echo "${{COMPREPLY[*]}}"
"""
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell("bash", script, env, awkward.base)
    assert done.stdout.splitlines() == [
        "complete -o nosort -F _gvw_completion gvw",
        "shell",
        "1.21.13 1.22.10",
    ], done.stderr


def test_zsh_registers_completion_after_compinit(awkward: GvwEnv) -> None:
    script = f"""autoload -Uz compinit && compinit -D
{LOAD["zsh"]}
print -r -- "$_comps[gvw]"
"""
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell("zsh", script, env, awkward.base)
    assert done.stdout == "_gvw_completion\n", done.stderr
    assert done.stderr == ""


def test_fish_completes_commands_versions_and_options(awkward: GvwEnv) -> None:
    script = f"""{LOAD["fish"]}
complete -C 'gvw sh'; echo =
complete -C 'gvw shell 1.2'; echo =
complete -C 'gvw shell --un'; echo =
complete -C 'gvw ' | string match -r '^\\S+' | string join ' '
"""
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell("fish", script, env, awkward.base)
    groups = done.stdout.split("=\n")
    assert groups[:3] == ["shell\n", "1.21.13\n1.22.10\n", "--unset\n"], done.stderr
    assert {"doctor", "init", "setup", "shell", "install"} <= set(groups[3].split())


# ----------------------------------------------------------------- gvw shell itself


def test_gvw_shell_without_the_integration_says_how_to_load_it(awkward: GvwEnv) -> None:
    result = awkward.run("shell", "1.22")
    assert result.returncode == 1
    assert result.stderr_lines[0].startswith("gvw: gvw shell changes the shell it runs in")
    assert "gvw init" in result.stderr_lines[1]
    assert run_ok(awkward, "shell", env={"GVW_GO_VERSION": " 1.21 "}).stdout == "1.21\n"
    unset = awkward.run("shell")
    assert (unset.returncode, unset.stderr_lines[0]) == (
        4,
        "gvw: no version is set for this shell (GVW_GO_VERSION is not set)",
    )


@pytest.mark.parametrize(
    ("shell", "set_code", "unset_code"),
    [
        ("bash", "export GVW_GO_VERSION='1.22'\n", "unset GVW_GO_VERSION\n"),
        ("zsh", "export GVW_GO_VERSION='1.22'\n", "unset GVW_GO_VERSION\n"),
        ("fish", "set -gx GVW_GO_VERSION '1.22'\n", "set -e -g GVW_GO_VERSION; or true\n"),
        (
            "powershell",
            "$env:GVW_GO_VERSION = '1.22'\n",
            "Remove-Item -LiteralPath 'Env:GVW_GO_VERSION' -ErrorAction SilentlyContinue\n",
        ),
        ("cmd", 'set "GVW_GO_VERSION=1.22"\n', 'set "GVW_GO_VERSION="\n'),
    ],
)
def test_gvw_shell_prints_code_for_each_shell(
    shell: str, set_code: str, unset_code: str, awkward: GvwEnv
) -> None:
    # validated like gvw local, written as gvw local writes it (without "go")
    assert run_ok(awkward, "shell", "--shell", shell, "go1.22").stdout == set_code
    assert run_ok(awkward, "shell", "--shell", shell, "--unset").stdout == unset_code
    help_run = run_ok(awkward, "shell", "--shell", shell, "--help")
    assert help_run.stdout == "" and "Usage: gvw shell" in help_run.stderr
    missing = awkward.run("shell", "--shell", shell, "1.30")
    assert (missing.returncode, missing.stdout) == (4, "")


def test_gvw_init_needs_no_network_code(awkward: GvwEnv, tmp_path: Path) -> None:
    probe = (
        "import sys\nfrom gvw.cli import run\ncode = run(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('httpx', 'ssl', 'gvw.store', 'gvw.cli.app') "
        "if m in sys.modules)\nprint('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    for shell in ("bash", "zsh", "fish", "powershell"):
        done = subprocess.run(
            [sys.executable, "-c", probe, "init", shell],
            env=awkward.env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "HEAVY=\n" in done.stderr, (shell, done.stderr)


# -------------------------------------------------------------------- PowerShell

WINDOWS_ROOTS = [
    "C:\\Users\\Zoë Smith\\AppData\\Local\\gvw",
    "C:\\Users\\张伟\\AppData\\Local\\gvw",
    "C:\\Users\\O'Brien\\AppData\\Local\\gvw",
    "D:\\tools\\$env:x `$(calc) ‘quoted’ 100%\\gvw",
    "\\\\server\\share\\go versions\\gvw",
    "C:\\" + "\\".join(["very long directory name"] * 12) + "\\gvw",
]


def powershell_init(root: str, *, windows: bool) -> str:
    join = "\\" if windows else "/"
    context = InitContext(
        shell="powershell",
        root=root,
        shims=root + join + "shims",
        windows=windows,
        commands=("doctor", "global", "init", "local", "setup", "shell"),
    )
    return get_shell("powershell").init_script(context)


@pytest.mark.parametrize("root", WINDOWS_ROOTS)
def test_powershell_script_parses_and_names_the_exact_paths(root: str) -> None:
    script = powershell_init(root, windows=True)
    assert ps.syntax_errors(script) == []
    assert script.isascii()
    values = ps.assignments(script)
    assert [ps.literal_value(n) for n in values["$shims"]] == [root + "\\shims"]
    assert [ps.literal_value(n) for n in values["$versions"]] == [root + "\\versions"] * 2
    assert ps.literal_value(values["$pin"][-1]) == root + "\\version"


def test_powershell_script_from_the_cli_parses_for_an_awkward_root(awkward: GvwEnv) -> None:
    script = run_ok(awkward, "init", "powershell").stdout
    assert ps.syntax_errors(script) == []
    values = ps.assignments(script)
    assert [ps.literal_value(n) for n in values["$shims"]] == [str(awkward.root / "shims")]
    # the completer offers every subcommand
    for name in ("doctor", "init", "install", "setup", "shell", "uninstall"):
        assert f"'{name}'" in script


def test_powershell_script_touches_only_path_prompt_gvw_and_completion() -> None:
    script = powershell_init(WINDOWS_ROOTS[0], windows=True)
    tree = ps.parse(script)
    functions = sorted(
        ps.text(n.children[1]) for n in ps.walk(tree.root_node) if n.type == "function_statement"
    )
    assert functions == ["global:Get-GvwPromptSegment", "global:gvw", "global:prompt"]
    targets = {name for name in ps.assignments(script) if name.startswith(("$env:", "$global:"))}
    assert targets == {"$env:PATH", "$global:GvwOriginalPrompt"}
    for forbidden in ("chcp", "OutputEncoding", "InputEncoding", "Set-ExecutionPolicy"):
        assert forbidden.lower() not in script.lower()


@pytest.mark.parametrize("shell", ["powershell", "pwsh"])
def test_powershell_code_from_gvw_shell_parses(shell: str, awkward: GvwEnv) -> None:
    for args in (["go1.22"], ["--unset"], []):
        env = {"GVW_GO_VERSION": "1.21"}
        code = run_ok(awkward, "shell", "--shell", shell, *args, env=env).stdout
        assert ps.syntax_errors(code) == [] and code.isascii()


def test_the_prompt_starts_no_process() -> None:
    """The prompt runs on every Enter: inside it, and in the segment it builds, the only
    commands are the saved prompt, Get-GvwPromptSegment and the Get-Content cmdlet (no
    gvw, no go, no native program: .NET calls for the rest)."""
    script = powershell_init(WINDOWS_ROOTS[0], windows=True)
    tree = ps.parse(script)
    bodies = {
        ps.text(n.children[1]): n for n in ps.walk(tree.root_node) if n.type == "function_statement"
    }
    invoked = set()
    for name in ("global:prompt", "global:Get-GvwPromptSegment"):
        for node in ps.walk(bodies[name]):
            if node.type == "command":
                first = node.children[0]
                if first.type == "command_invokation_operator":
                    invoked.add("& " + ps.text(node.children[1]))
                else:
                    invoked.add(ps.text(first))
    assert invoked == {"& $global:GvwOriginalPrompt", "Get-GvwPromptSegment", "Get-Content"}
    # the saved prompt runs first, so it still sees $? of the user's last command
    prompt_body = ps.text(bodies["global:prompt"]).split("{", 1)[1].strip()
    assert prompt_body.startswith("$original = & $global:GvwOriginalPrompt")


def test_the_cli_spells_the_session_variable_as_the_resolver_does() -> None:
    from gvw.cli.shell import ENV_VAR
    from gvw.selection import ENV_VAR as RESOLVER_ENV_VAR

    assert ENV_VAR == RESOLVER_ENV_VAR
