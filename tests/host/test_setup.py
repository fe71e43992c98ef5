"""gvw setup and gvw setup --undo on POSIX shells, through the real CLI with HOME in a
temporary directory. (The Windows side, PowerShell profiles and the user PATH in the
registry, is in test_winenv.py against an in-memory registry.)"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import tomli_w

from gvw.host.shells.fish import quote as fish_quote
from gvw.host.shells.posix import quote
from tests.support.gvw_env import REPO, GvwEnv, run_ok
from tests.support.launcher import make_launcher
from tests.support.mirror_fixtures import write_synthetic_mirror

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BEGIN = "# >>> gvw >>> added by `gvw setup`; `gvw setup --undo` removes it"
END = "# <<< gvw <<<"
# The profile lines run gvw's interpreter in isolated mode on the package's __main__.py,
# by absolute paths, whatever PATH holds (gvw_command).
NO_GVW_PATH = "/usr/bin:/bin"
PYTHON = os.path.abspath(sys.executable)
MAIN = str(REPO / "gvw" / "__main__.py")
LINE = {
    "bash": f'eval "$({quote(PYTHON)} -I {quote(MAIN)} init bash)"',
    "zsh": f'eval "$({quote(PYTHON)} -I {quote(MAIN)} init zsh)"',
    "fish": f"{fish_quote(PYTHON)} -I {fish_quote(MAIN)} init fish | source",
}


@pytest.fixture
def home(gvw: GvwEnv, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    gvw.extra_env.update(HOME=str(home), SHELL="/bin/bash", PATH=NO_GVW_PATH)
    gvw.extra_env.pop("XDG_CONFIG_HOME", None)
    gvw.extra_env.pop("ZDOTDIR", None)
    assert shutil.which("gvw", path=NO_GVW_PATH) is None
    return home


def snapshots(gvw: GvwEnv) -> int:
    directory = gvw.root / "snapshots"
    return len(list(directory.glob("*.toml"))) if directory.exists() else 0


def test_setup_adds_the_marked_line_once_and_undo_removes_the_file_it_made(
    gvw: GvwEnv, home: Path
) -> None:
    bashrc = home / ".bashrc"
    assert run_ok(gvw, "setup").stdout.splitlines() == [
        f"added `{LINE['bash']}` to {bashrc}",
        "Open a new terminal to start using it (`gvw doctor` checks the result).",
    ]
    assert bashrc.read_text() == f"{BEGIN}\n{LINE['bash']}\n{END}\n"
    assert snapshots(gvw) == 1
    assert run_ok(gvw, "setup").stdout == f"{bashrc}: already set up\n"
    assert snapshots(gvw) == 1  # nothing changed, nothing to snapshot
    assert run_ok(gvw, "setup", "--undo", "--shell", "bash").stdout == (
        f"removed the gvw lines from {bashrc} (now empty: deleted)\n"
    )
    assert not bashrc.exists()
    assert snapshots(gvw) == 2


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_setup_keeps_the_users_lines_and_undo_restores_them_exactly(
    gvw: GvwEnv, home: Path, newline: str
) -> None:
    zshrc = home / ".zshrc"
    original = newline.join(["# mine", "autoload -Uz compinit && compinit", "alias g=git", ""])
    zshrc.write_bytes(original.encode())
    run_ok(gvw, "setup", "--shell", "zsh")
    assert zshrc.read_bytes().decode() == original + newline.join([BEGIN, LINE["zsh"], END, ""])
    run_ok(gvw, "setup", "--undo")  # no --shell: every shell's profile is checked
    assert zshrc.read_bytes().decode() == original


def test_setup_follows_shell_zdotdir_and_xdg_config_home(
    gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    env = {"SHELL": "/usr/bin/fish", "XDG_CONFIG_HOME": str(config)}
    run_ok(gvw, "setup", env=env)
    fish_file = config / "fish" / "conf.d" / "gvw.fish"
    assert fish_file.read_text() == f"{BEGIN}\n{LINE['fish']}\n{END}\n"
    zdotdir = tmp_path / "zdot"
    run_ok(
        gvw,
        "setup",
        "--shell",
        "zsh",
        "--shell",
        "powershell",
        env={**env, "ZDOTDIR": str(zdotdir)},
    )
    assert LINE["zsh"] in (zdotdir / ".zshrc").read_text()
    ps_profile = config / "powershell" / "profile.ps1"
    assert (
        f"& '{PYTHON}' -I '{MAIN}' init powershell | Out-String | Invoke-Expression"
        in ps_profile.read_text()
    )


def test_setup_refuses_to_guess_an_unknown_shell(gvw: GvwEnv, home: Path) -> None:
    result = gvw.run("setup", env={"SHELL": "/bin/tcsh"})
    assert result.returncode == 1
    assert result.stderr_lines == [
        "gvw: cannot tell which shell to set up (SHELL='/bin/tcsh')",
        "gvw: name it: gvw setup --shell bash (or zsh, fish, powershell)",
    ]
    assert list(home.iterdir()) == []


def test_setup_replaces_an_edited_block_in_place(gvw: GvwEnv, home: Path) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text(f"export A=1\n{BEGIN}\necho old gvw line\n{END}\nexport B=2")
    run_ok(gvw, "setup")
    assert bashrc.read_text() == f"export A=1\n{BEGIN}\n{LINE['bash']}\n{END}\nexport B=2"


def test_a_profile_without_a_final_newline_gets_one_before_the_block(
    gvw: GvwEnv, home: Path
) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text("export A=1")
    run_ok(gvw, "setup")
    assert bashrc.read_text() == f"export A=1\n{BEGIN}\n{LINE['bash']}\n{END}\n"
    run_ok(gvw, "setup", "--undo")
    assert bashrc.read_text() == "export A=1\n"  # the one byte undo cannot tell apart


def test_setup_json(gvw: GvwEnv, home: Path) -> None:
    report = json.loads(run_ok(gvw, "setup", "--json").stdout)
    assert report == {
        "undo": False,
        "steps": [
            {
                "target": str(home / ".bashrc"),
                "changed": True,
                "message": f"added `{LINE['bash']}` to {home / '.bashrc'}",
            }
        ],
    }


# Where users' gvw may live: a venv under a plain path, and one that needs every kind of
# quoting (both quotes, $, `, parentheses, glob characters, \\, non-ASCII).
INSTALL_DIRS = {
    "plain": ".gvw-venv",
    "awkward": 'Zoë O\'Brien "q" $HOME `id` (x) [a]*? \\b! 张伟/.gvw-venv',
}
SESSION = {
    "posix": """
printf 'path: %s\\n' "$(command -v gvw || echo none)"
gvw shell 1.22; echo "shell: $? [$GVW_GO_VERSION]"
go version
gvw current
gvw shell --unset; echo "unset: $?"
go version
""",
    "fish": """
printf 'path: %s\\n' (command -v gvw; or echo none)
gvw shell 1.22; echo "shell: $status [$GVW_GO_VERSION]"
go version
gvw current
gvw shell --unset; echo "unset: $status"
go version
""",
}


@pytest.mark.parametrize("where", INSTALL_DIRS)
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_new_shell_after_setup_works_without_gvw_on_path(
    shell: str, where: str, gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    """The end to end check, as after the README's install: gvw is run by its absolute
    path (a console script in a venv, not on PATH), `gvw setup` edits the profile, and a
    new interactive shell loads it: the shims come first and `gvw shell` works."""
    if shutil.which(shell) is None and not os.environ.get("CI"):
        pytest.skip(f"{shell} is not installed")
    launcher = make_launcher(tmp_path / INSTALL_DIRS[where] / "bin")
    # gvw's package under the awkward directory too, off the interpreter's own path (as
    # a --user or PYTHONPATH install): the profile line names both, quoted
    packages = tmp_path / INSTALL_DIRS[where] / "site-packages"
    shutil.copytree(REPO / "gvw", packages / "gvw", ignore=shutil.ignore_patterns("__pycache__"))
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    env = {
        **gvw.env(),
        "HOME": str(home),
        "PATH": NO_GVW_PATH,
        "PYTHONPATH": str(packages),
        "LC_ALL": "C.UTF-8",
        "GVW_MIRROR": mirror.as_uri(),
    }
    for name in ("XDG_CONFIG_HOME", "ZDOTDIR", "BASH_ENV", "ENV"):
        env.pop(name, None)

    def run_gvw(*args: str) -> str:
        done = subprocess.run(
            [str(launcher), *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run_gvw("install", "1.21.13", "1.22.10")
    run_gvw("global", "1.21")
    out = run_gvw("setup", "--shell", shell)
    profile = {
        "bash": home / ".bashrc",
        "zsh": home / ".zshrc",
        "fish": home / ".config" / "fish" / "conf.d" / "gvw.fish",
    }[shell]
    main = str(packages / "gvw" / "__main__.py")
    line = (
        f"{fish_quote(PYTHON)} -I {fish_quote(main)} init fish | source"
        if shell == "fish"
        else f'eval "$({quote(PYTHON)} -I {quote(main)} init {shell})"'
    )
    assert out.splitlines()[0] == f"added `{line}` to {profile}"
    assert profile.read_text(encoding="utf-8") == f"{BEGIN}\n{line}\n{END}\n"

    script = SESSION["fish" if shell == "fish" else "posix"]
    argv = [shell, "-c", script] if shell == "fish" else [shell, "-i", "-c", script]
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert done.stdout.splitlines() == [
        "path: none" if shell == "fish" else "path: gvw",  # bash, zsh: the function
        "shell: 0 [1.22]",
        "go version go1.22.10 linux/amd64",
        "1.22.10 (set by GVW_GO_VERSION environment variable)",
        "unset: 0",
        "go version go1.21.13 linux/amd64",
    ], done.stderr


# --- snapshots of the profiles: gvw rollback after gvw setup ---------------------------------


def snapshot_ids(gvw: GvwEnv) -> list[str]:
    """Oldest first."""
    return sorted(p.stem for p in (gvw.root / "snapshots").glob("*.toml"))


def edit_snapshot(gvw: GvwEnv, snapshot_id: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """Edit a snapshot as a determined hand would: checksum line included."""
    from gvw.history.snapshots.fileformat import seal

    path = gvw.root / "snapshots" / f"{snapshot_id}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_bytes(seal(tomli_w.dumps(data).encode()))
    return path


# CRLF, a BOM, a tab, an escape sequence, a byte that is not UTF-8, no final newline
AWKWARD = b"\xef\xbb\xbf# mine\r\nexport PS1='\x1b[1m\\w\x1b[0m '\r\n\talias l=ls\r\necho \xff"


@pytest.mark.parametrize(
    "before", [None, b"export A=1\n", AWKWARD], ids=["absent", "text", "awkward"]
)
def test_rollback_after_setup_puts_the_profile_back_byte_for_byte(
    gvw: GvwEnv, home: Path, before: bytes | None
) -> None:
    bashrc = home / ".bashrc"
    if before is not None:
        bashrc.write_bytes(before)
    run_ok(gvw, "setup", "--shell", "bash")
    assert BEGIN.encode() in bashrc.read_bytes()
    (taken,) = snapshot_ids(gvw)
    result = run_ok(gvw, "rollback")
    assert result.stdout.splitlines()[0].startswith(f"Restoring snapshot {taken} (")
    assert f"  profile {bashrc}: " in result.stdout
    if before is None:
        assert not bashrc.exists()
        assert result.stdout.splitlines()[-1].endswith(", with the gvw block -> (absent)")
    else:
        assert bashrc.read_bytes() == before
    # the rollback was snapshotted first (with the profile): rolling back again redoes
    run_ok(gvw, "rollback")
    assert BEGIN.encode() in bashrc.read_bytes()
    run_ok(gvw, "rollback")
    assert bashrc.read_bytes() == before if before is not None else not bashrc.exists()


def test_rollback_after_setup_undo_adds_the_block_again(gvw: GvwEnv, home: Path) -> None:
    zshrc = home / ".zshrc"
    zshrc.write_bytes(b"# mine\r\nalias g=git\r\n")
    run_ok(gvw, "setup", "--shell", "zsh")
    set_up = zshrc.read_bytes()
    run_ok(gvw, "setup", "--undo")  # every shell is checked; only .zshrc changes
    assert zshrc.read_bytes() == b"# mine\r\nalias g=git\r\n"
    undo = snapshot_ids(gvw)[-1]
    assert tomllib.loads((gvw.root / "snapshots" / f"{undo}.toml").read_text())[
        "profile_files"
    ] == [{"path": str(zshrc), "state": "present", "content": set_up.decode()}]
    run_ok(gvw, "rollback")
    assert zshrc.read_bytes() == set_up


def test_setup_of_several_profiles_is_one_snapshot_and_one_rollback(
    gvw: GvwEnv, home: Path
) -> None:
    config = home / ".config"
    (home / ".bashrc").write_text("export A=1\n")
    run_ok(gvw, "setup", "--shell", "bash", "--shell", "fish", "--shell", "powershell")
    assert len(snapshot_ids(gvw)) == 1
    show = run_ok(gvw, "snapshots", "show", snapshot_ids(gvw)[0]).stdout.splitlines()
    mine = digest(b"export A=1\n")
    assert [line for line in show if line.startswith("profile:")] == [
        f"profile:      {home / '.bashrc'}: 11 bytes, sha256 {mine}",
        f"profile:      {config / 'fish' / 'conf.d' / 'gvw.fish'}: (absent)",
        f"profile:      {config / 'powershell' / 'profile.ps1'}: (absent)",
    ]
    run_ok(gvw, "rollback")
    assert (home / ".bashrc").read_text() == "export A=1\n"
    assert not (config / "fish" / "conf.d" / "gvw.fish").exists()
    assert not (config / "powershell" / "profile.ps1").exists()
    assert run_ok(gvw, "rollback").stdout  # and back again
    assert (config / "fish" / "conf.d" / "gvw.fish").is_file()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def test_snapshots_show_and_diff_name_the_profile(gvw: GvwEnv, home: Path) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text("export A=1\n")
    run_ok(gvw, "setup")
    (taken,) = snapshot_ids(gvw)
    before, after = digest(b"export A=1\n"), digest(bashrc.read_bytes())
    size = len(bashrc.read_bytes())
    show = run_ok(gvw, "snapshots", "show", taken).stdout.splitlines()
    assert show[:5] == [
        f"Snapshot {taken}",
        show[1],
        "global:       (absent)",
        "installed:    (none)",
        f"profile:      {bashrc}: 11 bytes, sha256 {before}",
    ]
    as_json = json.loads(run_ok(gvw, "snapshots", "show", taken, "--json").stdout)
    assert as_json["profile_files"] == [
        {"path": str(bashrc), "state": "present", "content": "export A=1\n"}
    ]
    assert run_ok(gvw, "snapshots", "diff", taken).stdout.splitlines() == [
        f"profile {bashrc}: 11 bytes, sha256 {before} -> "
        f"{size} bytes, sha256 {after}, with the gvw block"
    ]


def test_rollback_of_a_created_profile_keeps_lines_added_since(gvw: GvwEnv, home: Path) -> None:
    """A profile gvw setup created is deleted by a rollback only when it holds nothing
    but gvw's block; lines someone added since stay."""
    bashrc = home / ".bashrc"
    run_ok(gvw, "setup")
    with bashrc.open("ab") as handle:
        handle.write(b"export ADDED_BY_AN_INSTALLER=1\n")
    result = run_ok(gvw, "rollback")
    assert bashrc.read_bytes() == b"export ADDED_BY_AN_INSTALLER=1\n"
    assert result.stdout.splitlines()[-1].endswith(
        "(only the gvw block removed: the file has other lines now)"
    )
    assert run_ok(gvw, "rollback").stdout  # the rollback itself is undone exactly
    assert BEGIN.encode() in bashrc.read_bytes()
    assert b"ADDED_BY_AN_INSTALLER" in bashrc.read_bytes()


@pytest.mark.parametrize(
    "target",
    ["authorized_keys", "/etc/passwd", "relative/.bashrc", "/tmp/x/../../etc/.bashrc"],
)
def test_a_snapshot_edited_to_write_elsewhere_is_refused_and_nothing_changes(
    gvw: GvwEnv, home: Path, target: str
) -> None:
    ssh = home / ".ssh"
    ssh.mkdir()
    keys = ssh / "authorized_keys"
    keys.write_text("ssh-ed25519 AAAA mine\n")
    bashrc = home / ".bashrc"
    bashrc.write_text("export A=1\n")
    run_ok(gvw, "setup")
    (taken,) = snapshot_ids(gvw)
    path = str(keys) if target == "authorized_keys" else target

    def aim(data: dict[str, Any]) -> None:
        data["profile_files"] = [
            {"path": path, "state": "present", "content": "ssh-ed25519 AAAA evil\n"}
        ]

    edited = edit_snapshot(gvw, taken, aim)
    set_up = bashrc.read_bytes()
    for command in (["restore", taken], ["rollback"]):
        result = gvw.run(*command)
        assert result.returncode == 15, result.stderr
        assert result.stderr_lines[0].startswith(
            f"gvw: snapshot {edited.name} is damaged: profile_files[0].path {path!r} is not "
        )
    assert snapshot_ids(gvw) == [taken]  # not even the snapshot before a restore
    assert keys.read_text() == "ssh-ed25519 AAAA mine\n"
    assert bashrc.read_bytes() == set_up
    assert Path("/etc/passwd").read_text() != "ssh-ed25519 AAAA evil\n"


def test_a_profile_gvw_does_not_manage_for_this_user_is_left_alone(
    gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    """Named like a profile, but not one of this user's (another home, a ZDOTDIR that
    is not set now): never written; the rest of the snapshot is restored."""
    other = tmp_path / "other-user" / ".bashrc"
    other.parent.mkdir()
    other.write_text("theirs\n")
    bashrc = home / ".bashrc"
    run_ok(gvw, "setup")
    (taken,) = snapshot_ids(gvw)

    def add_other(data: dict[str, Any]) -> None:
        data["profile_files"].append({"path": str(other), "state": "absent"})

    edit_snapshot(gvw, taken, add_other)
    result = run_ok(gvw, "rollback")
    assert result.stderr_lines == [
        f"gvw: warning: left {other} alone: it is not a shell profile gvw manages for this "
        "user now (HOME, ZDOTDIR, XDG_CONFIG_HOME and Documents decide which)"
    ]
    assert other.read_text() == "theirs\n"
    assert not bashrc.exists()


def test_restore_never_replaces_a_profile_that_became_a_symbolic_link(
    gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text("export A=1\n")
    run_ok(gvw, "setup")
    outside = tmp_path / "dotfiles-bashrc"
    outside.write_text("precious\n")
    bashrc.unlink()
    bashrc.symlink_to(outside)
    result = gvw.run("rollback")
    assert result.stdout.startswith("Nothing to roll back")
    assert result.stderr_lines == [
        f"gvw: warning: left {bashrc} alone: it is not a regular file gvw can replace"
    ]
    assert bashrc.is_symlink() and outside.read_text() == "precious\n"


def test_setup_refuses_a_profile_it_could_not_roll_back(
    gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    """A symbolic link (rewriting would replace the link with a copy) and a profile
    larger than a snapshot keeps: refused before anything changes, no snapshot."""
    dotfiles = tmp_path / "dotfiles-bashrc"
    dotfiles.write_text("export A=1\n")
    bashrc = home / ".bashrc"
    bashrc.symlink_to(dotfiles)
    result = gvw.run("setup", "--shell", "bash", "--shell", "fish")
    assert result.returncode == 1
    assert result.stderr_lines == [
        f"gvw: {bashrc} is a symbolic link: gvw setup does not replace it (nothing was changed)",
        f"gvw: add this line to {dotfiles} by hand: {LINE['bash']}",
    ]
    assert bashrc.is_symlink() and dotfiles.read_text() == "export A=1\n"
    assert not (home / ".config").exists()
    bashrc.unlink()
    big = b"# " + b"x" * (1 << 20) + b"\n"
    bashrc.write_bytes(big)
    result = gvw.run("setup")
    assert result.returncode == 1
    assert result.stderr_lines[0].startswith(f"gvw: {bashrc} is larger than 1 MiB")
    assert bashrc.read_bytes() == big
    assert snapshots(gvw) == 0


def test_profile_bytes_survive_the_snapshot_format_exactly(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from gvw.history.snapshots.fileformat import parse, to_toml
    from gvw.history.snapshots.model import FileState, ProfileFile, Recorded, Snapshot, State

    samples = [AWKWARD, b"", b"\r", b"a\x00b", bytes(range(256)), "π\n".encode()]
    profiles = tuple(
        ProfileFile(str(tmp_path / str(i) / ".bashrc"), Recorded.PRESENT, data)
        for i, data in enumerate(samples)
    )
    state = State(global_file=FileState(""), profile_files=profiles)
    created = datetime(2024, 1, 2, tzinfo=timezone.utc)
    snapshot = Snapshot("20240102-000000-000", created, "setup", "linux", "0", state)
    raw = to_toml(snapshot)
    assert parse(raw, expected_id=snapshot.id).state.profile_files == profiles
    # readable text stays text, anything else is base64
    body = tomllib.loads(raw.split(b"\n", 1)[1].decode())
    assert ["content" in p for p in body["profile_files"]] == [
        False,
        True,
        True,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"state": "present"}, "profile_files[0].content or content_base64 (one of them)"),
        (
            {"state": "present", "content": "", "content_base64": ""},
            "profile_files[0].content or content_base64 (one of them)",
        ),
        ({"state": "present", "content_base64": "!!"}, "profile_files[0].content_base64 is not"),
        ({"state": "absent", "content": "x"}, "unknown field profile_files[0].content"),
        ({"state": "gone"}, "profile_files[0].state must be present, absent or unrecorded"),
        (
            {"state": "present", "content": "x" * ((1 << 20) + 1)},
            "profile_files[0].content is longer than 1048576 bytes",
        ),
    ],
)
def test_malformed_profile_entries_are_refused(
    gvw: GvwEnv, home: Path, entry: dict[str, Any], problem: str
) -> None:
    bashrc = home / ".bashrc"
    run_ok(gvw, "setup")
    (taken,) = snapshot_ids(gvw)

    def edit(data: dict[str, Any]) -> None:
        data["profile_files"] = [{"path": str(bashrc), **entry}]

    edit_snapshot(gvw, taken, edit)
    result = gvw.run("rollback")
    assert result.returncode == 15
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {taken}.toml is damaged: {problem}")
    assert BEGIN in bashrc.read_text()
