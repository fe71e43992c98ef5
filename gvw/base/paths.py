r"""Where gvw keeps things: the store root, the machine store, the cache, the config file.

Every location is computed from an environment mapping passed in, never from hidden
globals, so tests and commands can point gvw anywhere.

The two store roots follow docs/machine-store.md, and the shims compute the same ones
from the same variables (shims/gvw_core.h, gvw/shim_files/posix_shim.sh):

- the user store: ``GVW_ROOT``, else the user data directory: ``%LOCALAPPDATA%\gvw``
  on Windows, ``~/Library/Application Support/gvw`` on macOS, elsewhere
  ``$XDG_DATA_HOME/gvw`` when that is an absolute path, else ``~/.local/share/gvw``
  (platformdirs decides only when these variables are missing);
- the machine store: ``GVW_MACHINE_ROOT``, else ``%ProgramData%\gvw`` on Windows and
  ``/opt/gvw`` elsewhere.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gvw.base.platforms import host_goos

APP_NAME = "gvw"
MACHINE_ROOT_VAR = "GVW_MACHINE_ROOT"
POSIX_MACHINE_ROOT = "/opt/gvw"
WINDOWS_PROGRAM_DATA = "C:\\ProgramData"  # when %ProgramData% is not set


@dataclass(frozen=True)
class Paths:
    root: Path
    cache: Path
    config_file: Path
    # the machine store (docs/machine-store.md); None: there is none to look at
    machine_root: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, machine: bool = False) -> Paths:
        """The user's locations; with ``machine``, the machine store is the root."""
        env = os.environ if env is None else env
        machine_root = _absolute(env.get(MACHINE_ROOT_VAR) or default_machine_root(env))
        cache = env.get("GVW_CACHE_DIR") or _user_dir(env, "cache")
        config = env.get("GVW_CONFIG") or str(Path(_user_dir(env, "config")) / "config.toml")
        return cls(
            root=machine_root if machine else _absolute(env.get("GVW_ROOT") or user_root(env)),
            cache=_absolute(cache),
            config_file=_absolute(config),
            machine_root=machine_root,
        )

    @property
    def is_machine(self) -> bool:
        """Whether this is the machine store (any spelling of it)."""
        return self.machine_root is not None and same_directory(self.root, self.machine_root)

    @property
    def machine(self) -> Paths | None:
        """The machine store, where selection looks after this store; None when there
        is none or this is it."""
        if self.machine_root is None or self.is_machine:
            return None
        return replace(self, root=self.machine_root)

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def shims(self) -> Path:
        return self.root / "shims"

    @property
    def global_file(self) -> Path:
        return self.root / "version"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    @property
    def trash(self) -> Path:
        return self.root / "trash"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def staging(self) -> Path:
        # inside the root, so the final rename stays on one volume
        return self.root / ".staging"

    @property
    def locks(self) -> Path:
        return self.root / ".locks"

    @property
    def downloads(self) -> Path:
        return self.cache / "downloads"

    @property
    def index_cache(self) -> Path:
        return self.cache / "index"

    @property
    def cache_locks(self) -> Path:
        """Locks on what the cache holds: several stores may share one cache."""
        return self.cache / ".locks"

    def version_dir(self, name: str) -> Path:
        return self.versions / name


def user_root(env: Mapping[str, str]) -> str:
    """The user store when GVW_ROOT is not set, from the variables the shims read too."""
    goos = host_goos()
    if goos == "windows":
        local = env.get("LOCALAPPDATA", "")
        if ntpath.isabs(local):
            return ntpath.join(local, APP_NAME)
    else:
        home = env.get("HOME", "")
        data = env.get("XDG_DATA_HOME", "")
        if goos != "darwin" and posixpath.isabs(data):
            return posixpath.join(data, APP_NAME)
        if not posixpath.isabs(home):
            home = _password_home()  # as the native shims do
        if posixpath.isabs(home):
            below = "Library/Application Support" if goos == "darwin" else ".local/share"
            return posixpath.join(home, below, APP_NAME)
    return _platform_dir("user_data_dir")  # the shims then have no user store


def _password_home() -> str:
    """This user's home directory in the password database, or ""."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, AttributeError):
        return ""


def default_machine_root(env: Mapping[str, str]) -> str:
    """Where the machine store is when GVW_MACHINE_ROOT does not say."""
    if host_goos() == "windows":
        return ntpath.join(env.get("PROGRAMDATA") or WINDOWS_PROGRAM_DATA, APP_NAME)
    return POSIX_MACHINE_ROOT


def same_directory(a: Path, b: Path) -> bool:
    """Whether two paths name one directory: the same spelling, or (both existing) the
    same file, as a link or another spelling of it may be."""
    if os.path.normcase(a) == os.path.normcase(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


# platformdirs' per-user directories on Linux and macOS, worked out here: importing it
# costs a read-only command such as gvw current a tenth of its start-up
_XDG = {"cache": ("XDG_CACHE_HOME", ".cache"), "config": ("XDG_CONFIG_HOME", ".config")}
_MACOS = {"cache": "Library/Caches", "config": "Library/Application Support"}


def _user_dir(env: Mapping[str, str], kind: str) -> str:
    """The user's ``kind`` ("cache", "config") directory for gvw, by the rule of the
    user store's (:func:`user_root`): ``$XDG_CACHE_HOME/gvw`` when that is an absolute
    path, else ``~/.cache/gvw`` (config alike) on Linux and other Unixes, which is what
    platformdirs 4 gives; ``~/Library/Caches/gvw`` and ``~/Library/Application
    Support/gvw`` on macOS; on Windows, and without a home, platformdirs decides."""
    goos = host_goos()
    if goos == "windows":
        return _platform_dir(f"user_{kind}_dir")
    variable, below = _XDG[kind]
    chosen = env.get(variable, "") if goos != "darwin" else ""
    if posixpath.isabs(chosen):  # the XDG rule: a relative path is ignored
        return posixpath.join(chosen, APP_NAME)
    home = env.get("HOME", "")
    if not posixpath.isabs(home):
        home = _password_home()
    if not posixpath.isabs(home):
        return _platform_dir(f"user_{kind}_dir")
    return posixpath.join(home, _MACOS[kind] if goos == "darwin" else below, APP_NAME)


def _absolute(text: str) -> Path:
    return Path(text).expanduser().absolute()


def _platform_dir(kind: str) -> str:
    # platformdirs is imported here: it is only needed when no override is set.
    import platformdirs

    getter = getattr(platformdirs, kind)
    # appauthor=False keeps %LOCALAPPDATA%\gvw on Windows instead of gvw\gvw
    return str(getter(APP_NAME, appauthor=False))
