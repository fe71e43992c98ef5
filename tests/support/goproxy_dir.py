"""A Go module proxy in a directory, for ``GOPROXY=file:///dir``.

The go command reads ``<module>/@v/list``, ``<version>.info``, ``<version>.mod`` and
``<version>.zip`` from it (https://go.dev/ref/mod#goproxy-protocol). The zip follows
Go's module zip rules (golang.org/x/mod/zip): every file under
``<module>@<version>/``, files only, the module's go.mod included, no vendor or VCS
directories. Module paths here are lower case, so they need no case-encoding.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path


def add_module(proxy: Path, module: str, version: str, files: Mapping[str, str]) -> None:
    """Publish ``files`` (path inside the module -> text; must include go.mod) as
    ``module@version`` in ``proxy``."""
    assert "go.mod" in files and module == module.lower()
    directory = proxy / module / "@v"
    directory.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{module}@{version}/{name}", date_time=(2024, 1, 1, 0, 0, 0))
            zipped.writestr(info, files[name])
    (directory / f"{version}.zip").write_bytes(raw.getvalue())
    (directory / f"{version}.mod").write_text(files["go.mod"])
    info_json = {"Version": version, "Time": "2024-01-01T00:00:00Z"}
    (directory / f"{version}.info").write_text(json.dumps(info_json))
    listed = directory / "list"
    versions = listed.read_text().split() if listed.exists() else []
    listed.write_text("".join(f"{v}\n" for v in sorted({*versions, version})))


def greeting_tool(proxy: Path, version: str = "v1.0.0") -> str:
    """A tiny tool module ``example.com/greet`` with ``cmd/greet``; returns the package
    path to ``go install``."""
    add_module(
        proxy,
        "example.com/greet",
        version,
        {
            "go.mod": "module example.com/greet\n\ngo 1.21\n",
            "cmd/greet/main.go": (
                'package main\n\nimport "fmt"\n\n'
                f'func main() {{ fmt.Println("greetings from {version}") }}\n'
            ),
        },
    )
    return "example.com/greet/cmd/greet"
