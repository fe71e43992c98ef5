"""Where gvw keeps things: the store root, the cache, the config file.

Every location is computed from an environment mapping passed in, never from hidden
globals, so tests and commands can point gvw anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "gvw"


@dataclass(frozen=True)
class Paths:
    root: Path
    cache: Path
    config_file: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        root = env.get("GVW_ROOT") or _platform_dir("user_data_dir")
        cache = env.get("GVW_CACHE_DIR") or _platform_dir("user_cache_dir")
        config = env.get("GVW_CONFIG") or str(
            Path(_platform_dir("user_config_dir")) / "config.toml"
        )
        return cls(
            root=Path(root).expanduser().absolute(),
            cache=Path(cache).expanduser().absolute(),
            config_file=Path(config).expanduser().absolute(),
        )

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

    def version_dir(self, name: str) -> Path:
        return self.versions / name


def _platform_dir(kind: str) -> str:
    # platformdirs is imported here: it is only needed when no override is set.
    import platformdirs

    getter = getattr(platformdirs, kind)
    # appauthor=False keeps %LOCALAPPDATA%\gvw on Windows instead of gvw\gvw
    return str(getter(APP_NAME, appauthor=False))
