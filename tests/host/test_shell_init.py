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

from gvw.host.shells import InitContext, get_shell, gvw_command, msys_path
from gvw.host.shells.fish import quote as fish_quote
from gvw.host.shells.posix import quote as posix_quote
from gvw.host.shells.powershell import quote as ps_quote
from tests.support import powershell as ps
from tests.support.gvw_env import REPO, GvwEnv, run_ok
from tests.support.launcher import make_launcher
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
    """A store under AWKWARD_DIR with synthetic 1.21.13 and 1.22.10, and gvw installed
    as a console script under AWKWARD_DIR too (launcher()), not on PATH: the scripts are
    loaded by running it by its absolute path, as the profile line gvw setup writes."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    env = GvwEnv(tmp_path / AWKWARD_DIR)
    env.base.mkdir()
    env.extra_env["GVW_MIRROR"] = mirror.as_uri()
    run_ok(env, "install", "1.21.13", "1.22.10")
    make_launcher(launcher(env).parent)
    (tmp_path / "bin").mkdir()  # on PATH, without gvw
    (tmp_path / "home").mkdir()
    return env


def launcher(store: GvwEnv) -> Path:
    return store.base / "venv" / "bin" / "gvw"


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


def load(shell: str, store: GvwEnv) -> str:
    """The profile line: gvw by its absolute path, quoted for the shell."""
    if shell == "fish":
        return f"{fish_quote(str(launcher(store)))} init fish | source"
    return f'eval "$({posix_quote(str(launcher(store)))} init {shell})"'


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
    script = f"{load(shell, awkward)}\n{load(shell, awkward)}\n{PRINT_PATH[shell]}"
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
    script = SESSION["fish" if shell == "fish" else "posix"].format(load=load(shell, awkward))
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
    script = f"{names}\necho SPLIT\n{load(shell, awkward)}\n{names}"
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
    script = f"""{load("bash", awkward)}
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
{load("zsh", awkward)}
print -r -- "$_comps[gvw]"
"""
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell("zsh", script, env, awkward.base)
    assert done.stdout == "_gvw_completion\n", done.stderr
    assert done.stderr == ""


def test_zsh_completion_runs_gvw_by_its_path(awkward: GvwEnv) -> None:
    """click's zsh function, called with compadd and _describe stubbed (functions win
    over builtins in zsh): it asks the gvw launcher, which is not on PATH."""
    script = f"""autoload -Uz compinit && compinit -D
{load("zsh", awkward)}
compadd() {{ print -rl -- "${{completions[@]}}" }}
_describe() {{ print -rl -- "${{completions_with_descriptions[@]%%:*}}" }}
words=(gvw sh); CURRENT=2; _gvw_completion; echo =
words=(gvw shell 1.2); CURRENT=3; _gvw_completion
"""
    env = shell_env(awkward, f"{awkward.base.parent / 'bin'}:/usr/bin:/bin")
    done = run_shell("zsh", script, env, awkward.base)
    assert done.stdout.split("=\n") == ["shell\n", "1.21.13\n1.22.10\n"], done.stderr


def test_fish_completes_commands_versions_and_options(awkward: GvwEnv) -> None:
    script = f"""{load("fish", awkward)}
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
        "heavy = sorted(m for m in ('gvw.base.http', 'ssl', 'gvw.store.version_store', "
        "'gvw.cli.app') "
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


def powershell_init(root: str, *, windows: bool, gvw: tuple[str, ...] = ("gvw",)) -> str:
    join = "\\" if windows else "/"
    context = InitContext(
        shell="powershell",
        root=root,
        shims=root + join + "shims",
        windows=windows,
        gvw=gvw,
    )
    return get_shell("powershell").init_script(context)


@pytest.mark.parametrize("root", WINDOWS_ROOTS)
def test_powershell_script_parses_and_names_the_exact_paths(root: str) -> None:
    script = powershell_init(root, windows=True)
    assert ps.syntax_errors(script) == []
    assert script.isascii()
    values = ps.assignments(script)
    assert [ps.literal_value(n) for n in values["$shims"]] == [root + "\\shims"]
    assert [ps.literal_value(n) for n in values["$versions"]] == [root + "\\versions"]
    assert ps.literal_value(values["$pin"][-1]) == root + "\\version"


def test_powershell_script_from_the_cli_parses_for_an_awkward_root(awkward: GvwEnv) -> None:
    script = run_ok(awkward, "init", "powershell").stdout
    assert ps.syntax_errors(script) == []
    values = ps.assignments(script)
    assert [ps.literal_value(n) for n in values["$shims"]] == [str(awkward.root / "shims")]
    # the completer asks gvw itself, by the same path as the wrapper (tests/cli/test_completion.py)
    assert [ps.literal_value(n) for n in values["$exe"]] == [
        ps.literal_value(values["$exe"][0])
    ] * 2


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
    commands are the saved prompt and Get-GvwPromptSegment (no gvw, no go, no native
    program, no cmdlet: .NET calls for the rest)."""
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
    assert invoked == {"& $global:GvwOriginalPrompt", "Get-GvwPromptSegment"}
    # the saved prompt runs first, so it still sees $? of the user's last command
    prompt_body = ps.text(bodies["global:prompt"]).split("{", 1)[1].strip()
    assert prompt_body.startswith("$original = & $global:GvwOriginalPrompt")


def test_the_cli_spells_the_session_variable_as_the_resolver_does() -> None:
    from gvw.cli.shell import ENV_VAR
    from gvw.selection.resolver import ENV_VAR as RESOLVER_ENV_VAR

    assert ENV_VAR == RESOLVER_ENV_VAR


def _method_calls(node: object) -> list[tuple[str, str, str]]:
    """(receiver, method, arguments) of every .NET method call under ``node``."""
    calls = []
    for call in ps.walk(node):
        if call.type == "invokation_expression":
            receiver, _dot, member, arguments = call.children
            calls.append((ps.text(receiver), ps.text(member), ps.text(arguments)))
    return calls


def test_the_prompt_reads_at_most_4096_bytes_of_a_version_file() -> None:
    """Get-Content -TotalCount counts lines: a one-line multi-megabyte .go-version would
    be read whole on every prompt. The segment opens the file with [IO.File]::OpenRead,
    reads it with exactly one ReadBytes(4096), and calls nothing else that reads."""
    script = powershell_init(WINDOWS_ROOTS[0], windows=True)
    (segment,) = (
        n
        for n in ps.walk(ps.parse(script).root_node)
        if n.type == "function_statement"
        and ps.text(n.children[1]) == "global:Get-GvwPromptSegment"
    )
    assert not [n for n in ps.walk(segment) if n.type == "command"]  # no cmdlet at all
    calls = _method_calls(segment)
    methods = {method.lower() for _receiver, method, _arguments in calls}
    # every method it calls, none of which reads a file beyond what it is given
    assert methods == {
        "combine",
        "exists",
        "getdirectoryname",
        "trim",
        "openread",
        "new",
        "readbytes",
        "dispose",
        "getstring",
        "substring",
        "startswith",
        "escape",
        "getdirectories",
        "getfilename",
    }
    reads = [(r, a) for r, m, a in calls if m.lower() in ("readbytes", "openread")]
    assert reads == [("[IO.File]", "($pin)"), ("[IO.BinaryReader]::new($stream)", "(4096)")]
    assert "$stream = [IO.File]::OpenRead($pin)" in ps.text(segment)
    # the bytes read are all the text there is
    text_sources = [ps.text(v) for v in ps.assignments(ps.text(segment))["$text"]]
    assert text_sources == ["[Text.Encoding]::UTF8.GetString($head)", "$text.Substring(1)"]


def test_the_wrapper_runs_gvw_by_its_absolute_path() -> None:
    """The gvw function runs the program gvw init was run as (gvw need not be on PATH),
    spelled exactly, and `-m gvw` when that is how it runs."""
    for root in WINDOWS_ROOTS:
        exe = root + "\\venv\\Scripts\\gvw.exe"
        script = powershell_init(root, windows=True, gvw=(exe,))
        assert ps.syntax_errors(script) == [] and script.isascii()
        values = ps.assignments(script)
        # the wrapper and the completer
        assert [ps.literal_value(n) for n in values["$exe"]] == [exe] * 2
        assert [ps.text(n) for n in values["$first"]] == ["@()"] * 2
    script = powershell_init(
        WINDOWS_ROOTS[0], windows=True, gvw=("C:\\Python\\python.exe", "-m", "gvw")
    )
    values = ps.assignments(script)
    assert [ps.text(n) for n in values["$first"]] == ["@('-m', 'gvw')"] * 2
    assert "& $exe @first shell --shell powershell @rest" in script
    assert "& $exe @first @args" in script
    assert "Get-Command" not in script
    # a bare name (no path known) is looked up among applications, never the function
    bare = powershell_init(WINDOWS_ROOTS[0], windows=True)
    assert "$exe = Get-Command -Name 'gvw' -CommandType Application" in bare


@pytest.mark.parametrize("root", WINDOWS_ROOTS)
def test_the_powershell_profile_line_runs_the_exact_path(root: str) -> None:
    exe = root + "\\Scripts\\gvw.exe"
    line = get_shell("powershell").profile_line((exe,))
    assert line.isascii() and ps.syntax_errors(line) == []
    assert line.startswith("& ") and line.endswith(
        " init powershell | Out-String | Invoke-Expression"
    )
    call = next(n for n in ps.walk(ps.parse(line).root_node) if n.type == "command")
    assert ps.text(call.children[0]) == "&"
    assert ps.literal_value(call.children[1]) == exe


# ------------------------------------------------------------- which gvw to run


def test_gvw_command_prefers_the_running_console_script(tmp_path: Path) -> None:
    script = make_launcher(tmp_path / "a b" / "bin")
    never = tmp_path / "other" / "gvw"

    def which(name: str) -> str:
        return str(never)

    assert gvw_command(str(script), executable="/py", which=which, windows=False) == (str(script),)
    # run by a relative path: made absolute against the current directory
    relative = os.path.relpath(script)
    assert gvw_command(relative, executable="/py", which=which, windows=False) == (str(script),)
    # python -m gvw, or a program that is not gvw's entry point: gvw on PATH, else -m
    main = str(REPO / "gvw" / "__main__.py")
    assert gvw_command(main, executable="/py", which=which, windows=False) == (str(never),)
    assert gvw_command(main, executable="/py/bin/python3", which=lambda _: None, windows=False) == (
        "/py/bin/python3",
        "-m",
        "gvw",
    )
    # named gvw but not a runnable file (a directory, not executable): not the entry point
    (tmp_path / "dir" / "gvw").mkdir(parents=True)
    plain = tmp_path / "plain" / "gvw"
    plain.parent.mkdir()
    plain.write_text("")
    for candidate in (tmp_path / "dir" / "gvw", plain):
        assert gvw_command(str(candidate), executable="/py", which=which, windows=False) == (
            str(never),
        )


def test_gvw_command_on_windows_adds_the_exe_that_pips_launcher_drops(tmp_path: Path) -> None:
    """pip's gvw.exe sets sys.argv[0] to ...\\Scripts\\gvw (no .exe); the file is gvw.exe."""
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "gvw.exe").write_bytes(b"MZ")
    found = gvw_command(str(scripts / "gvw"), executable="x", which=lambda _: None, windows=True)
    assert found == (str(scripts / "gvw.exe"),)
    assert gvw_command(str(scripts / "GVW.EXE"), executable="x", which=lambda _: None, windows=True)


def test_the_cli_prints_scripts_that_run_the_gvw_it_was_run_as(awkward: GvwEnv) -> None:
    """gvw init run by its absolute path (and gvw not on PATH): every script runs that
    path; run as python -m gvw with no gvw on PATH: <python> -m gvw."""
    path = str(awkward.base.parent / "bin")
    env = {**awkward.env(), "PATH": path, "PYTHONPATH": str(REPO)}
    exe = str(launcher(awkward))
    for shell, quote in (("bash", posix_quote), ("zsh", posix_quote), ("fish", fish_quote)):
        done = subprocess.run([exe, "init", shell], env=env, capture_output=True, timeout=60)
        script = done.stdout.decode()
        assert done.returncode == 0 and f"command {quote(exe)} shell --shell {shell}" in script
        for bare in (
            "command gvw shell",
            'command gvw "$@"',
            "command gvw $argv",
            "$+commands[gvw]",
        ):
            assert bare not in script
    done = subprocess.run(
        [sys.executable, "-m", "gvw", "init", "bash"], env=env, capture_output=True, timeout=60
    )
    python = posix_quote(os.path.abspath(sys.executable))
    assert f"_GVW_COMPLETE=bash_complete {python} -m gvw)" in done.stdout.decode()
    assert f"command {python} -m gvw shell --shell bash" in done.stdout.decode()


# ---------------------------------------------------------------------------- cmd


def test_the_cmd_macro_runs_gvw_by_its_path_where_cmd_can_carry_it() -> None:
    profile = "C:\\Users\\Zoë Smith"
    env = {"USERPROFILE": profile, "LOCALAPPDATA": profile + "\\AppData\\Local"}
    shims = profile + "\\AppData\\Local\\gvw\\shims"

    def macro(*words: str) -> str:
        context = InitContext(
            shell="cmd", root=shims[:-6], shims=shims, windows=True, env=env, gvw=words
        )
        script = get_shell("cmd").init_script(context)
        assert script.isascii()
        (line,) = (x for x in script.splitlines() if x.startswith("@doskey "))
        return line

    # under %USERPROFILE% (expanded by cmd when it defines the macro), $ doubled for
    # doskey, the whole for /f command in one more pair of quotes for cmd /c
    exe = profile + "\\.gvw $venv\\Scripts\\gvw.exe"
    assert macro(exe) == (
        '@doskey gvw=if /i "$1"=="shell" (for /f "delims=" %%i in '
        '(\'""%USERPROFILE%\\.gvw $$venv\\Scripts\\gvw.exe" shell --shell cmd $2 $3 $4"\') '
        'do @call %%i) else "%USERPROFILE%\\.gvw $$venv\\Scripts\\gvw.exe" $*'
    )
    assert '"C:\\Python 3\\python.exe" -m gvw $*' in macro("C:\\Python 3\\python.exe", "-m", "gvw")
    # what cmd cannot carry there: the gvw on PATH, as without a path
    for bad in (
        "C:\\P (x86)\\gvw.exe",
        "C:\\a&b\\gvw.exe",
        "D:\\Zoë\\gvw.exe",
        "C:\\100%\\gvw.exe",
    ):
        assert macro(bad).endswith("('gvw shell --shell cmd $2 $3 $4') do @call %%i) else gvw $*")


def test_a_path_holding_a_placeholder_is_not_substituted_again() -> None:
    root = "C:\\@VERSIONS@ @GVW@ @SHIMS@"
    script = powershell_init(root, windows=True, gvw=(root + "\\@EXE@.exe",))
    values = ps.assignments(script)
    assert [ps.literal_value(n) for n in values["$shims"]] == [root + "\\shims"]
    assert [ps.literal_value(n) for n in values["$exe"]] == [root + "\\@EXE@.exe"] * 2
    context = InitContext(shell="bash", root="/@GVW@", shims="/@GVW@/shims", windows=False)
    assert "_gvw_shims='/@GVW@/shims'" in get_shell("bash").init_script(context)
