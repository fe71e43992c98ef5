"""What the install tests share: a synthetic mirror server and a real build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.mirror_fixtures import (
    write_synthetic_mirror,
)
from tests.support.mirror_server import MirrorServer

LINUX = "linux-amd64"
ARCHIVE = "go1.22.10.linux-amd64.tar.gz"
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from gvw") }\n'


def partial_downloads(cache: Path) -> list[str]:
    """The partial downloads (and their records) in a cache: what a failed or killed
    install left to resume, or a private copy left behind (locks are not counted)."""
    downloads = cache / "downloads"
    if not downloads.is_dir():
        return []
    return sorted(p.name for p in downloads.iterdir() if p.name != ".locks")


def synthetic_server(mirror_factory, tmp_path: Path, *releases: str) -> MirrorServer:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, releases or ("1.21.13", "1.22.10", "1.22rc1"), [LINUX])
    return mirror_factory(directory)


def build_and_run(go: Path, workdir: Path, home: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "go.mod").write_text("module example.com/hello\n\ngo 1.21\n")
    (workdir / "main.go").write_text(HELLO)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GOCACHE": str(home / "gocache"),
        "GOPATH": str(home / "gopath"),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "CGO_ENABLED": "0",
    }
    subprocess.run([str(go), "build", "-o", "hello", "."], cwd=workdir, env=env, check=True)
    return subprocess.run(
        [str(workdir / "hello")], capture_output=True, text=True, check=True
    ).stdout
