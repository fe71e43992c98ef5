"""Completion of values, through click's completion protocol as each shell's script
from `gvw init` calls it: bash and fish scripts use ``bash_complete``, zsh's
``zsh_complete``, PowerShell's (parsed with tree-sitter: no PowerShell here)
``bash_complete``; click's own ``fish_complete`` is checked too. Completion never
touches the network (install offers the cached index) and never imports the HTTP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import powershell as ps
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

LINUX = "linux-amd64"


@pytest.fixture
def world(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> tuple[GvwEnv, MirrorServer]:
    """1.21.13 and 1.22.10 installed from an HTTP mirror that also has 1.20.14 and
    1.23rc1 (so the index is cached); two pins taken, so there are snapshots."""
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.20.14", "1.21.13", "1.22.10", "1.23rc1"], [LINUX])
    server = mirror_factory(directory)
    gvw.extra_env["PATH"] = f"{tmp_path / 'none'}:/usr/bin:/bin"
    run_ok(gvw, "install", "--mirror", server.url, "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.22.10")
    return gvw, server


def protocol(gvw: GvwEnv, shell: str, line: str, **env: str) -> list[str]:
    """What gvw offers for the command line ``line`` (the cursor at its end), through
    ``<shell>_complete``, as the values the shell would show."""
    words = line.split()
    if line.endswith(" "):
        words.append("")
    variables = {"_GVW_COMPLETE": f"{shell}_complete", "COMP_WORDS": " ".join(words), **env}
    variables["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    done = subprocess.run(
        gvw.command(), env=gvw.env(variables), capture_output=True, text=True, cwd=gvw.base
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = [line for line in done.stdout.splitlines() if line]  # nothing: one empty line
    if shell == "zsh":  # type, value, help: three lines each
        triples = [lines[i : i + 2] for i in range(0, len(lines), 3)]
        return [value if kind == "plain" else f"<{kind}>" for kind, value in triples]
    values = []
    for item in lines:
        kind, _, value = item.partition(",")
        values.append(value.split("\t")[0] if kind == "plain" else f"<{kind}>")
    return values


SHELLS = ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", SHELLS)
def test_versions_for_pins_sessions_and_uninstall(world, shell: str) -> None:
    gvw, _ = world
    selectable = ["latest", "system", "1.21.13", "1.22.10"]
    assert protocol(gvw, shell, "gvw global ") == selectable
    assert protocol(gvw, shell, "gvw local 1.2") == ["1.21.13", "1.22.10"]
    assert protocol(gvw, shell, "gvw shell l") == ["latest"]
    # uninstall takes exact installed names only, several of them
    assert protocol(gvw, shell, "gvw uninstall ") == ["1.21.13", "1.22.10"]
    assert protocol(gvw, shell, "gvw uninstall 1.21.13 1.22") == ["1.22.10"]


@pytest.mark.parametrize("shell", SHELLS)
def test_shim_names_for_which_and_exec(world, shell: str) -> None:
    gvw, _ = world
    tools = ["go", "gofmt", "go1.21.13", "go1.22.10"]
    assert protocol(gvw, shell, "gvw which ") == tools
    assert protocol(gvw, shell, "gvw exec ") == tools
    assert protocol(gvw, shell, "gvw exec gof") == ["gofmt"]
    # after the program: its arguments are the shell's own file completion
    assert protocol(gvw, shell, "gvw exec go ") == ["<file>"]


@pytest.mark.parametrize("shell", SHELLS)
def test_snapshot_ids_newest_first(world, shell: str) -> None:
    gvw, _ = world
    ids = sorted((p.stem for p in (gvw.root / "snapshots").glob("*.toml")), reverse=True)
    assert len(ids) == 2
    assert protocol(gvw, shell, "gvw snapshots show ") == ids
    assert protocol(gvw, shell, "gvw snapshots diff ") == ids
    assert protocol(gvw, shell, f"gvw snapshots diff {ids[1]} ") == ids
    assert protocol(gvw, shell, "gvw restore ") == ids
    assert protocol(gvw, shell, f"gvw restore {ids[1][:-1]}") == [ids[1]]
    assert protocol(gvw, shell, "gvw snapshots discard ") == ids


@pytest.mark.parametrize("shell", SHELLS)
def test_install_offers_the_cached_index_and_never_asks_the_mirror(world, shell: str) -> None:
    gvw, server = world
    asked = server.count("/dl/")
    releases = ["latest", "1.22", "1.21", "1.20", "1.23rc1", "1.22.10", "1.21.13", "1.20.14"]
    assert protocol(gvw, shell, f"gvw install --mirror {server.url} ") == releases
    assert protocol(gvw, shell, "gvw install 1.2", GVW_MIRROR=server.url) == releases[1:]
    assert protocol(gvw, shell, f"gvw install --mirror {server.url} 1.21 1.20.") == ["1.20.14"]
    # a mirror with no cached index: only what needs no index
    assert protocol(gvw, shell, "gvw install --mirror http://127.0.0.1:9/ ") == ["latest"]
    assert server.count("/dl/") == asked


def test_fish_complete_of_click_itself_agrees(world) -> None:
    gvw, _ = world
    assert protocol(gvw, "fish", "gvw uninstall 1.2") == protocol(gvw, "bash", "gvw uninstall 1.2")


def test_a_broken_store_or_config_offers_nothing_instead_of_failing(gvw: GvwEnv) -> None:
    gvw.config.write_text("mirror = [\n")
    (gvw.root).mkdir(parents=True)
    (gvw.root / "versions").write_text("not a directory")
    assert protocol(gvw, "bash", "gvw install ") == []
    assert protocol(gvw, "bash", "gvw global ") == []
    assert protocol(gvw, "bash", "gvw restore ") == []


# --- the scripts call the protocol --------------------------------------------------------


def test_bash_zsh_and_fish_scripts_call_the_protocol_by_gvws_own_path(gvw: GvwEnv) -> None:
    python = sys.executable
    calls = {
        "bash": f"_GVW_COMPLETE=bash_complete '{python}' -m gvw)",
        "zsh": f"_GVW_COMPLETE=zsh_complete '{python}' -m gvw)",
        "fish": f"_GVW_COMPLETE=bash_complete '{python}' -m gvw)",
    }
    for shell, call in calls.items():
        script = run_ok(gvw, "init", shell).stdout
        assert call in script, shell


def test_cmd_has_no_completion(gvw: GvwEnv) -> None:
    assert "_GVW_COMPLETE" not in run_ok(gvw, "init", "cmd").stdout


def _completer(script: str):
    (block,) = [
        n
        for n in ps.walk(ps.parse(script).root_node)
        if n.type == "command" and ps.text(n).startswith("Register-ArgumentCompleter")
    ]
    return block


def test_powershell_completer_calls_the_protocol_and_puts_the_variables_back(
    gvw: GvwEnv,
) -> None:
    script = run_ok(gvw, "init", "powershell").stdout
    assert ps.syntax_errors(script) == []
    completer = ps.text(_completer(script))
    values = ps.assignments(completer)
    # the protocol's variables, as a table set before gvw runs and restored in finally
    (table,) = values["$protocol"]
    entries = {
        ps.text(pair.children[0]).strip("'"): ps.text(pair.children[2]).strip()
        for pair in ps.walk(table)
        if pair.type == "hash_entry"
    }
    assert entries == {
        "_GVW_COMPLETE": "'bash_complete'",
        "COMP_WORDS": "$words -join ' '",
        "COMP_CWORD": "[string]($words.Count - 1)",
    }
    body = completer.replace(" ", "")
    assert body.count("[Environment]::SetEnvironmentVariable($name,") == 2
    assert body.index("try{") < body.index("&$exe@first") < body.index("finally{")
    assert body.index("finally{") < body.rindex("$saved[$name])")
    # gvw by the same program and first arguments as the wrapper function
    assert [ps.literal_value(n) for n in values["$exe"]] == [sys.executable]
    assert [ps.text(n) for n in values["$first"]] == ["@('-m', 'gvw')"]
    # only "plain" items become completions; "file" leaves paths to PowerShell
    assert "$kind-eq'plain'" in body


def test_what_the_powershell_completer_sends_gets_versions_back(world) -> None:
    """The words PowerShell passes for `gvw uninstall 1.2<Tab>` and `gvw global <Tab>`,
    joined as the completer joins them, through the protocol it names."""
    gvw, _ = world
    assert protocol(gvw, "bash", "gvw uninstall 1.2") == ["1.21.13", "1.22.10"]
    assert protocol(gvw, "bash", "gvw global ") == ["latest", "system", "1.21.13", "1.22.10"]


# --- start-up ----------------------------------------------------------------------------

PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('HEAVY=' + ','.join(sorted(m for m in "
    "('http.client', 'ssl') if m in sys.modules)), file=sys.stderr))\n"
    "from gvw.cli import run\n"
    "run([])\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "gvw install --mirror https://example.invalid/dl/ 1.2",
        "gvw install ",
        "gvw global ",
        "gvw restore ",
        "gvw exec ",
        "gvw ",
    ],
)
def test_completion_does_not_import_the_http_client(world, line: str) -> None:
    gvw, _ = world
    words = line.split() + ([""] if line.endswith(" ") else [])
    env = {"_GVW_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(words)}
    env["COMP_CWORD"] = str(len(words) - 1)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=gvw.env(env), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout  # it did complete something
    assert done.stderr.endswith("HEAVY=\n"), done.stderr


# --- through the real shells, with the scripts gvw init prints ---------------------------


def test_bash_and_fish_scripts_complete_values_of_the_new_completions(world) -> None:
    gvw, server = world
    ids = sorted((p.stem for p in (gvw.root / "snapshots").glob("*.toml")), reverse=True)
    env = gvw.env({"PATH": "/usr/bin:/bin"})
    bash_script = run_ok(gvw, "init", "bash").stdout + (
        "COMP_WORDS=(gvw uninstall 1.2); COMP_CWORD=2; COMPREPLY=(); _gvw_completion gvw\n"
        'echo "${COMPREPLY[*]}"\n'
        "COMP_WORDS=(gvw restore ''); COMP_CWORD=2; COMPREPLY=(); _gvw_completion gvw\n"
        'echo "${COMPREPLY[*]}"\n'
        f"COMP_WORDS=(gvw install --mirror {server.url} 1.20); COMP_CWORD=4; COMPREPLY=()\n"
        '_gvw_completion gvw; echo "${COMPREPLY[*]}"\n'
    )
    bash = subprocess.run(["bash", "-c", bash_script], env=env, capture_output=True, text=True)
    assert bash.stdout.splitlines() == ["1.21.13 1.22.10", " ".join(ids), "1.20 1.20.14"], (
        bash.stderr
    )
    fish_script = run_ok(gvw, "init", "fish").stdout + (
        "complete -C 'gvw which go1'; echo =\ncomplete -C 'gvw snapshots show '\n"
    )
    fish = subprocess.run(["fish", "-c", fish_script], env=env, capture_output=True, text=True)
    assert fish.stdout.split("=\n") == ["go1.21.13\ngo1.22.10\n", "".join(i + "\n" for i in ids)], (
        fish.stderr
    )
