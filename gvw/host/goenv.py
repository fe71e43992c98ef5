"""The Go environment outside the store: the variables that steer the go command, the
user's ``go env -w`` file, and the directory ``go install`` puts programs into.

Each rule follows the go command's own (cmd/go/internal/cfg, os.UserConfigDir,
os.UserHomeDir), computed from an environment mapping passed in, for the host's OS.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.platforms import host_goos as host_goos  # the OS names live in gvw.base.platforms

# Recorded from the process in every snapshot. A restore cannot change the parent
# shell's variables, so it prints the commands that set them back.
PROCESS_VARS = ("GOROOT", "GOPATH", "GOBIN", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN", "GOENV", "PATH")
MAX_GO_ENV_FILE = 1 << 20  # go env -w writes a few lines


def _path(text: str, goos: str) -> PurePath:
    return PureWindowsPath(text) if goos == "windows" else PurePosixPath(text)


def user_home_dir(env: Mapping[str, str], goos: str) -> PurePath | None:
    """os.UserHomeDir: %USERPROFILE% on Windows, else $HOME."""
    home = env.get("USERPROFILE" if goos == "windows" else "HOME", "")
    return _path(home, goos) if home else None


def user_config_dir(env: Mapping[str, str], goos: str) -> PurePath | None:
    """os.UserConfigDir: %AppData% on Windows, ~/Library/Application Support on macOS,
    else $XDG_CONFIG_HOME (ignored by Go when relative: an error there) or ~/.config."""
    if goos == "windows":
        appdata = env.get("AppData") or env.get("APPDATA") or ""
        return _path(appdata, goos) if appdata else None
    home = user_home_dir(env, goos)
    if goos == "darwin":
        return home / "Library" / "Application Support" if home else None
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg:
        path = _path(xdg, goos)
        return path if path.is_absolute() else None
    return home / ".config" if home else None


def go_env_file(env: Mapping[str, str], goos: str) -> PurePath | None:
    """The file ``go env -w`` writes (cfg.EnvFile): $GOENV, else UserConfigDir/go/env.

    None when GOENV=off or no config directory can be found (go has none either).
    """
    goenv = env.get("GOENV", "")
    if goenv == "off":
        return None
    if goenv:
        return _path(goenv, goos)
    config = user_config_dir(env, goos)
    return config / "go" / "env" if config else None


def read_go_env_file(path: PurePath | None) -> dict[str, str]:
    """The settings in the go env file ``path``: {} when there is none, it cannot be
    read (go ignores an unreadable one too), or it is not a regular file of at most
    MAX_GO_ENV_FILE bytes (a FIFO would hang, /dev/zero never end)."""
    if path is None:
        return {}
    try:
        data = read_regular_file(str(path), MAX_GO_ENV_FILE)
    except (OSError, InputRefused):
        return {}
    return parse_go_env(data.decode("utf-8", "replace"))


def parse_go_env(text: str) -> dict[str, str]:
    """KEY=VALUE lines as cmd/go's readEnvFile reads them: lines without ``=`` or not
    starting with A-Z are ignored; the last setting of a key wins."""
    values: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition("=")
        if sep and key and "A" <= key[0] <= "Z":
            values[key] = value
    return values


def go_bin_dir(
    env: Mapping[str, str], file_values: Mapping[str, str], goos: str
) -> PurePath | None:
    """Where ``go install`` puts programs: GOBIN, else the first GOPATH entry's bin,
    else ~/go/bin. The process environment beats the go env file, as in cfg.Getenv.
    None when the setting is relative (go refuses to install there)."""
    gobin = env.get("GOBIN") or file_values.get("GOBIN", "")
    if gobin:
        path = _path(gobin, goos)
        return path if path.is_absolute() else None
    gopath = env.get("GOPATH") or file_values.get("GOPATH", "")
    if gopath:
        first = gopath.split(";" if goos == "windows" else ":")[0]
        path = _path(first, goos)
        return path / "bin" if first and path.is_absolute() else None
    home = user_home_dir(env, goos)
    return home / "go" / "bin" if home else None
