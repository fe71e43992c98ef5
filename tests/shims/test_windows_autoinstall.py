"""Auto-install in the Windows shim, under Wine (issue 11 item 2; docs/selection.md "Auto-install").

The "gvw" of ``<root>\\gvw-command`` is the Windows-side fake toolchain in its
``gvw-install`` mode (tests/support/wine/fakego.c): it prints its usual report (its
command line, arguments, GOROOT and depth) on stdout, which the shim must send to its
own stderr, and installs itself as the missing version. Every store lies under a path
with spaces and non-ASCII characters, so each argument of gvw-command needs quoting and
UTF-8 decoding. All runs start from a Windows-side parent in one Wine start, which
reads the full 32-bit exit codes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shims.test_windows_shim import (
    AWKWARD_BASE,
    INHERITED_GOROOT,
    Store,
    _link,
    make_store,
    parse_report,
)
from tests.support.wine import Job, Result, Wine, wine, wine_path

__all__ = ["wine"]  # the session fixture, imported for this module

MISSING = "1.23.4"
ORIGIN = "GVW_GO_VERSION environment variable"
FAILURES = (1, 8, 0x1234, 0xC0000005)


def _store(wine: Wine, base: Path, *, newline: str = "\n", bom: bool = False) -> Store:
    store = make_store(base, wine.fakego)
    gvw = ["fakego.exe", "gvw-install", "gvw root", "fake toolchain.exe"]
    _link(wine.fakego, store.base / gvw[0])
    _link(wine.fakego, store.base / gvw[3])
    args = [
        wine_path(store.base / gvw[0]),
        gvw[1],
        wine_path(store.root),
        wine_path(store.base / gvw[3]),
    ]
    data = ("\ufeff" if bom else "") + "".join(a + newline for a in args)
    (store.root / "gvw-command").write_bytes(data.encode("utf-8"))
    return store


def _job(store: Store, shim: str = "go", **env: str | None) -> Job:
    return Job(
        cmd=f'"{store.shim(shim)}" version',
        cwd=wine_path(store.base),
        env=store.env(GVW_GO_VERSION=MISSING, GOROOT=INHERITED_GOROOT, **env),
    )


def _not_installed(store: Store) -> list[str]:
    return [
        f"gvw: Go {MISSING} is not installed (set by {ORIGIN})",
        f"gvw: install it with: gvw install {MISSING}",
    ]


def _check_installed_and_ran(store: Store, result: Result) -> None:
    """The install ran with gvw-command's arguments and the environment as the shim
    got it, its stdout on the shim's stderr; then the new version ran."""
    assert result.exit_code == 0, result
    ran = parse_report(result.stdout)
    goroot = wine_path(store.root / "versions" / MISSING)
    assert (ran["exe"], ran["goroot"], ran["arg"]) == (
        [store.fake(MISSING)],
        [goroot],
        ["version"],
    )
    *install_report, progress = result.stderr_lines
    assert progress == "fake gvw: progress"
    install = parse_report("\n".join(install_report).encode())
    base = store.base
    assert install["exe"] == [wine_path(base / "fakego.exe")]
    assert install["arg"] == [
        "gvw-install",
        wine_path(store.root),
        wine_path(base / "fake toolchain.exe"),
        "install",
        MISSING,
    ]
    assert (install["depth"], install["goroot"]) == ([None], [INHERITED_GOROOT])


@pytest.mark.wine
@pytest.mark.timeout(600)
def test_auto_install_in_the_windows_shim(wine: Wine, tmp_path: Path) -> None:
    base = tmp_path.joinpath(*AWKWARD_BASE)
    stores = {
        name: _store(
            wine,
            base / name,
            newline="\r\n" if name == "env crlf" else "\n",
            bom=name == "env crlf",
        )
        for name in ("off", "env", "env crlf", "marker", "zero", "launcher", "no command", "dir")
    }
    stores.update({f"fail {code:#x}": _store(wine, base / f"fail {code:#x}") for code in FAILURES})
    for name in ("marker", "zero"):
        (stores[name].root / "auto-install").write_bytes(b"")
    (stores["no command"].root / "gvw-command").unlink()
    (stores["dir"].root / "gvw-command").unlink()
    (stores["dir"].root / "gvw-command").mkdir()  # not a file: the same message
    _link(stores["launcher"].shims / "go.exe", stores["launcher"].shims / f"go{MISSING}.exe")
    jobs = {
        "off": _job(stores["off"]),
        "env": _job(stores["env"], GVW_AUTO_INSTALL="1"),
        "env crlf": _job(stores["env crlf"], GVW_AUTO_INSTALL="1"),
        "marker": _job(stores["marker"], GVW_AUTO_INSTALL=None),
        "zero": _job(stores["zero"], GVW_AUTO_INSTALL="0"),
        "launcher": _job(stores["launcher"], f"go{MISSING}", GVW_AUTO_INSTALL="1"),
        "no command": _job(stores["no command"], GVW_AUTO_INSTALL="1"),
        "dir": _job(stores["dir"], GVW_AUTO_INSTALL="1"),
    }
    for code in FAILURES:
        jobs[f"fail {code:#x}"] = _job(
            stores[f"fail {code:#x}"], GVW_AUTO_INSTALL="1", FAKE_GVW_EXIT=f"{code:#x}"
        )
    results = dict(zip(jobs, wine.run_jobs(list(jobs.values()), workdir=tmp_path / "runner")))

    for name in ("off", "zero"):
        result = results[name]
        assert (result.exit_code, result.stderr_lines, result.stdout) == (
            4,
            _not_installed(stores[name]),
            b"",
        ), f"{name}:\n{result}"
        assert not (stores[name].root / "versions" / MISSING).exists()
    for name in ("env", "env crlf", "marker", "launcher"):
        _check_installed_and_ran(stores[name], results[name])
    for name in ("no command", "dir"):
        result = results[name]
        assert (result.exit_code, result.stderr_lines) == (
            4,
            [
                *_not_installed(stores[name]),
                f"gvw: auto-install is on but {wine_path(stores[name].root)}\\gvw-command "
                "is missing; run: gvw rehash",
            ],
        ), f"{name}:\n{result}"
    for code in FAILURES:
        result = results[f"fail {code:#x}"]
        assert (result.exit_code, result.stdout, result.stderr_lines[-1]) == (
            code,
            b"",
            "fake gvw: progress",
        ), result
