"""gvw init cmd: the batch script, run by Wine's cmd.exe; and the `set` lines gvw shell
prints for cmd, run the way the doskey macro runs them (for /f ... do @%i).

Wine's cmd is not Windows' cmd: these runs show the script works in a cmd.exe and keeps
paths intact, not every quirk of the real one (doskey does not exist in Wine).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw.base.errors import GvwError
from gvw.host.shells import InitContext, get_shell
from gvw.host.shells.cmd import shims_reference
from tests.support.wine import Wine, wine, wine_path

__all__ = ["wine"]  # the session fixture, imported for this module

pytestmark = pytest.mark.wine


def cmd_script(shims: str, env: dict[str, str]) -> bytes:
    context = InitContext(
        shell="cmd", root=shims.rsplit("\\", 1)[0], shims=shims, windows=True, env=env
    )
    script = get_shell("cmd").init_script(context)
    assert script.isascii()
    return script.replace("\n", "\r\n").encode("ascii")


def run_cmd(wine: Wine, tmp_path: Path, driver: str, env: dict[str, str]) -> None:
    (tmp_path / "driver.cmd").write_bytes(driver.replace("\n", "\r\n").encode("ascii"))
    result = wine.run(
        "cmd", ["/u", "/c", wine_path(tmp_path / "driver.cmd")], cwd=tmp_path, env=env
    )
    assert result.exit_code == 0, result.stderr


def read_set_output(path: Path) -> dict[str, str]:
    """What `set NAME>file` wrote under cmd /u (UTF-16)."""
    if not path.exists():
        return {}
    lines = path.read_bytes().decode("utf-16-le").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


# The shims already in the middle and at the end of PATH. (No empty entry: Wine 8's
# CALL fails when PATH has one; cmd.exe's CALL of an internal command ignores PATH.)
DRIVER = """\
@set "PATH=C:\\windows\\system32;{shims};C:\\windows;{shims}"
@call "%~dp0init.cmd"
@call "%~dp0init.cmd"
@set PATH>"%~dp0path.txt"
@set gvw_>"%~dp0leftover.txt" 2>nul
@exit /b 0
"""


@pytest.mark.parametrize(
    "profile",
    ["Zoë Smith", "张伟 (x86) & more", "O'Brien `t` $d !e [a]"],
)
def test_cmd_script_puts_shims_first_once_through_localappdata(
    wine: Wine, tmp_path: Path, profile: str
) -> None:
    # Wine sets its own LOCALAPPDATA; the driver sets it from a variable, so the
    # non-ASCII value never passes through a batch file's code page
    local = wine_path(tmp_path) + "\\" + profile + "\\AppData\\Local"
    shims = local + "\\gvw\\shims"
    script = cmd_script(shims, {"LOCALAPPDATA": local})
    assert b'@set "gvw_shims=%LOCALAPPDATA%\\gvw\\shims"' in script
    (tmp_path / "init.cmd").write_bytes(script)
    driver = '@set "LOCALAPPDATA=%GVW_TEST_LOCAL%"\n' + DRIVER.format(
        shims="%LOCALAPPDATA%\\gvw\\shims"
    )
    run_cmd(wine, tmp_path, driver, {"GVW_TEST_LOCAL": local})
    path = read_set_output(tmp_path / "path.txt")["PATH"]
    assert path.split(";") == [shims, "C:\\windows\\system32", "C:\\windows"]
    assert read_set_output(tmp_path / "leftover.txt") == {}


def test_cmd_script_with_a_literal_path(wine: Wine, tmp_path: Path) -> None:
    shims = wine_path(tmp_path) + "\\tools & go (x86) 'q' `b` $c !d\\gvw\\shims"
    script = cmd_script(shims, {})
    assert f'@set "gvw_shims={shims}"'.encode() in script
    (tmp_path / "init.cmd").write_bytes(script)
    run_cmd(wine, tmp_path, DRIVER.format(shims=shims), {})
    path = read_set_output(tmp_path / "path.txt")["PATH"]
    assert path.split(";") == [shims, "C:\\windows\\system32", "C:\\windows"]


def test_cmd_runs_the_code_gvw_shell_prints_as_the_macro_does(wine: Wine, tmp_path: Path) -> None:
    shell = get_shell("cmd")
    (tmp_path / "set.txt").write_text(shell.set_version("1.22"), encoding="ascii")
    (tmp_path / "unset.txt").write_text(shell.set_version(None), encoding="ascii")
    driver = """\
@for /f "usebackq delims=" %%i in ("%~dp0set.txt") do @call %%i
@set GVW_GO_VERSION>"%~dp0after-set.txt"
@for /f "usebackq delims=" %%i in ("%~dp0unset.txt") do @call %%i
@set GVW_GO_VERSION>"%~dp0after-unset.txt" 2>nul
@exit /b 0
"""
    run_cmd(wine, tmp_path, driver, {})
    assert read_set_output(tmp_path / "after-set.txt") == {"GVW_GO_VERSION": "1.22"}
    assert read_set_output(tmp_path / "after-unset.txt") == {}


@pytest.mark.parametrize("bad", ["100%", "a^b", "a=b"])
def test_cmd_refuses_a_shims_path_it_cannot_carry(bad: str) -> None:
    with pytest.raises(GvwError, match="cmd cannot handle"):
        shims_reference(f"C:\\{bad}\\gvw\\shims", {})


def test_cmd_uses_the_longest_variable_prefix_and_ignores_case() -> None:
    env = {"USERPROFILE": "C:\\Users\\Zoë", "LOCALAPPDATA": "C:\\Users\\Zoë\\AppData\\Local"}
    assert shims_reference("c:\\users\\zoë\\appdata\\local\\gvw\\shims", env) == (
        "%LOCALAPPDATA%\\gvw\\shims"
    )
    assert shims_reference("C:\\Users\\Zoë\\gvw\\shims", env) == "%USERPROFILE%\\gvw\\shims"
    # a prefix of the name is not a parent directory
    assert shims_reference("C:\\Users\\Zoey\\gvw", {"USERPROFILE": "C:\\Users\\Zo"}) == (
        "C:\\Users\\Zoey\\gvw"
    )
    with pytest.raises(GvwError, match="console code page"):
        shims_reference("D:\\张伟\\gvw\\shims", env)
