"""gvw install and list-remote with ``--mirror goproxy``: the real toolchains from a
module proxy (HTTP on 127.0.0.1 and file://), verified by a checksum database of the
tests' own (the same fixtures the real go command accepts in test_goproxy_go.py)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.install.install_helpers import partial_downloads
from tests.support.goproxy_build import OMITTED, ModuleFiles
from tests.support.goproxy_fixtures import DB_NAME, ProxyWorld, WorldFactory
from tests.support.gvw_env import GvwEnv, go_bin, run_ok
from tests.support.sumdb_fixture import filler_records, make_key
from tests.support.toolchains import archive_name, unpack_toolchain

pytestmark = pytest.mark.slow
TOOLCHAIN = "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"


@pytest.fixture
def world(linux_modules: list[ModuleFiles], proxy_world: WorldFactory) -> ProxyWorld:
    return proxy_world(linux_modules)


def _store_is_clean(gvw: GvwEnv) -> None:
    assert not (gvw.root / "versions").exists() or not os.listdir(gvw.root / "versions")
    assert partial_downloads(gvw.cache) == []  # a refused zip is not kept to resume


def test_install_from_the_proxy_gives_a_go_that_runs(gvw: GvwEnv, world: ProxyWorld) -> None:
    result = run_ok(gvw, "install", "--mirror", "goproxy", "1.22", env=world.go_env())
    assert result.stdout.startswith("Installed Go 1.22.10 in ")
    go = go_bin(gvw, "1.22.10")
    done = subprocess.run([go, "version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "go version go1.22.10 linux/amd64"
    assert world.server.count(f"/db/lookup/{TOOLCHAIN}") == 1
    meta = (gvw.root / "versions" / "1.22.10" / "gvw-install.toml").read_text()
    assert f"{world.proxy_url}/golang.org/toolchain/@v/v0.0.1-go1.22.10.linux-amd64.zip" in meta
    cached = list((gvw.cache / "sumdb").glob(f"{DB_NAME}-*/latest"))
    assert [p.read_bytes() for p in cached] == [(world.db_dir / "latest").read_bytes()]


def test_the_installed_tree_is_the_go_dev_archives_tree(
    gvw: GvwEnv, world: ProxyWorld, installed_gvw: GvwEnv
) -> None:
    run_ok(gvw, "install", "--mirror", "goproxy", "1.22.10", env=world.go_env())
    from_proxy = _tree(gvw.root / "versions" / "1.22.10")
    from_archive = _tree(installed_gvw.root / "versions" / "1.22.10")
    # the module leaves out what Go's release process leaves out of it
    omitted = tuple(name[len("go/") :] for name in OMITTED)
    expected = {k: v for k, v in from_archive.items() if not k.startswith(omitted)}
    assert {k: v[0] for k, v in from_proxy.items()} == {k: v[0] for k, v in expected.items()}
    # a module zip has no modes: like Go's download, only bin/ and pkg/tool/ are
    # executable (scripts under src/ are not, as in Go's own module cache)
    tools = ("bin/", "pkg/tool/")
    assert {k for k, v in from_proxy.items() if v[1]} == {
        k for k, v in expected.items() if v[1] and k.startswith(tools)
    }
    assert all(from_proxy[k][1] for k in expected if k.startswith(tools))


def _tree(root: Path) -> dict[str, tuple[str, bool]]:
    """relative path -> (sha256, executable) of every file but gvw's own."""
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith("gvw-"):
            executable = bool(stat.S_IMODE(path.stat().st_mode) & 0o100)
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), executable)
    return out


def test_list_remote_lists_the_platforms_toolchains_from_a_file_proxy(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    env = {"GOPROXY": world.file_proxy_url, "GOSUMDB": world.gosumdb()}
    result = run_ok(gvw, "list-remote", "--mirror", "goproxy", "--json", env=env)
    assert [(r["version"], r["filename"]) for r in json.loads(result.stdout)] == [
        ("1.22.10", "v0.0.1-go1.22.10.linux-amd64.zip"),
        ("1.21.13", "v0.0.1-go1.21.13.linux-amd64.zip"),
    ]
    windows = run_ok(
        gvw, "list-remote", env={**env, "GVW_MIRROR": "goproxy", "GVW_PLATFORM": "windows-amd64"}
    )
    assert windows.stdout == ""  # the proxy only has linux zips


def test_the_config_file_and_an_explicit_proxy_url_select_the_proxy(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    gvw.config.write_text('mirror = "goproxy"\n', encoding="utf-8")
    result = run_ok(gvw, "list-remote", env=world.go_env())
    assert result.stdout.split() == ["1.22.10", "1.21.13"]
    explicit = run_ok(
        gvw, "list-remote", "--mirror", f"goproxy+{world.proxy_url}", env={"GOPROXY": "off"}
    )
    assert explicit.stdout.split() == ["1.22.10", "1.21.13"]


def test_a_tampered_zip_is_refused_naming_version_proxy_and_both_hashes(
    gvw: GvwEnv, world: ProxyWorld, linux_modules: list[ModuleFiles]
) -> None:
    world.tamper(linux_modules[1])
    result = gvw.run("install", "--mirror", "goproxy", "1.22.10", env=world.go_env())
    assert result.returncode == 9, result.stderr
    [line] = [line for line in result.error_lines if "checksum mismatch" in line]
    vouched = world.toolchain_records()[1].text.split()[2]
    assert f"checksum mismatch for {TOOLCHAIN} from {world.proxy_url}/" in line
    assert f"has {vouched}, the download is h1:" in line
    _store_is_clean(gvw)


def test_a_database_signed_by_another_key_is_refused(gvw: GvwEnv, world: ProxyWorld) -> None:
    env = world.go_env(make_key(DB_NAME, "other"))
    result = gvw.run("install", "--mirror", "goproxy", "1.22.10", env=env)
    assert result.returncode == 23, result.stderr
    assert f"is not signed by the key {DB_NAME}+" in result.stderr
    assert (
        world.server.count("/proxy/golang.org/toolchain/@v/v0.0.1-go1.22.10.linux-amd64.zip") == 0
    )
    _store_is_clean(gvw)


def test_a_version_the_database_does_not_know_is_refused(gvw: GvwEnv, world: ProxyWorld) -> None:
    world.write_database(filler_records(10, "only") + world.toolchain_records()[:1])
    result = gvw.run("install", "--mirror", "goproxy", "1.22.10", env=world.go_env())
    assert result.returncode == 23, result.stderr
    assert f"has no record of {TOOLCHAIN}" in result.stderr
    _store_is_clean(gvw)
    assert not (gvw.cache / "sumdb").exists() or not list((gvw.cache / "sumdb").rglob("latest"))


def test_a_tree_head_inconsistent_with_the_cached_one_is_refused(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    run_ok(gvw, "install", "--mirror", "goproxy", "1.21.13", env=world.go_env())
    # the same key signs a log that rewrote history: fewer fillers first, then more
    rewritten = filler_records(100, "before") + world.toolchain_records() + filler_records(300, "x")
    world.write_database(rewritten)
    result = gvw.run("install", "--mirror", "goproxy", "1.22.10", env=world.go_env())
    assert result.returncode == 23, result.stderr
    assert "does not extend the log of 302 records it signed before" in result.stderr
    assert sorted(os.listdir(gvw.root / "versions")) == ["1.21.13"]
    [cached] = (gvw.cache / "sumdb").glob(f"{DB_NAME}-*/latest")
    assert cached.read_text().startswith("go.sum database tree\n302\n")


def test_a_log_that_grew_is_accepted_and_becomes_the_cached_head(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    run_ok(gvw, "install", "--mirror", "goproxy", "1.21.13", env=world.go_env())
    world.write_database(world.records + filler_records(40, "later"))
    run_ok(gvw, "install", "--mirror", "goproxy", "1.22.10", env=world.go_env())
    [cached] = (gvw.cache / "sumdb").glob(f"{DB_NAME}-*/latest")
    assert cached.read_text().startswith("go.sum database tree\n342\n")


def test_the_database_is_read_through_the_proxy_when_gosumdb_names_no_url(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    world.serve_sumdb_through_proxy()
    env = {"GOPROXY": world.proxy_url, "GOSUMDB": world.key.verifier}
    run_ok(gvw, "install", "--mirror", "goproxy", "1.22.10", env=env)
    assert world.server.count(f"/proxy/sumdb/{DB_NAME}/lookup/{TOOLCHAIN}") == 1
    assert not [r for r in world.server.requests if r.path.startswith("/db/")]


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"GOSUMDB": "off"}, "GOSUMDB=off (from the environment)"),
        ({"GONOSUMDB": "golang.org/toolchain"}, "GONOSUMDB=golang.org/toolchain"),
        ({"GONOSUMCHECK": "golang.org"}, "GONOSUMCHECK=golang.org"),
    ],
)
def test_a_toolchain_left_unchecked_by_the_settings_is_refused_unless_asked(
    gvw: GvwEnv, world: ProxyWorld, setting: dict[str, str], named: str
) -> None:
    env = {**world.go_env(), **setting}
    refused = gvw.run("install", "--mirror", "goproxy", "1.21.13", env=env)
    assert refused.returncode == 13, refused.stderr
    assert named in refused.stderr
    assert "--skip-checksum" in refused.stderr
    _store_is_clean(gvw)
    unchecked = run_ok(gvw, "install", "--mirror", "goproxy", "--skip-checksum", "1.21.13", env=env)
    assert "without checksum verification" in unchecked.stderr
    assert go_bin(gvw, "1.21.13").is_file()


def test_the_go_env_file_settings_are_used_when_the_environment_has_none(
    gvw: GvwEnv, world: ProxyWorld
) -> None:
    env_file = gvw.base / "home" / ".config" / "go" / "env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text(f"GOPROXY={world.proxy_url}\nGOSUMDB=off\n", encoding="utf-8")
    result = gvw.run("install", "--mirror", "goproxy", "1.21.13")
    assert result.returncode == 13
    assert f"GOSUMDB=off (from the go env file {env_file})" in result.stderr


def test_a_proxy_list_falls_back_by_gos_rules(gvw: GvwEnv, world: ProxyWorld) -> None:
    missing = f"{world.server.base_url}/nothing-here"
    broken = f"{world.server.base_url}/broken"
    world.server.fail("/broken/golang.org/toolchain/@v/list", 500)
    world.server.fail("/broken/golang.org/toolchain/@v/v0.0.1-go1.21.13.linux-amd64.zip", 500)
    gosumdb = world.gosumdb()
    # ",": on to the next entry after 404 only
    run_ok(
        gvw,
        "install",
        "--mirror",
        "goproxy",
        "1.21.13",
        env={"GOPROXY": f"{missing},{world.proxy_url}", "GOSUMDB": gosumdb},
    )
    stopped = gvw.run(
        "list-remote",
        "--mirror",
        "goproxy",
        env={"GOPROXY": f"{broken},{world.proxy_url}", "GOSUMDB": gosumdb},
    )
    assert stopped.returncode == 8
    assert "HTTP 500" in stopped.stderr
    # "|": on after any error
    fell_back = run_ok(
        gvw,
        "list-remote",
        "--mirror",
        "goproxy",
        env={"GOPROXY": f"{broken}|{world.proxy_url}", "GOSUMDB": gosumdb},
    )
    assert fell_back.stdout == "1.22.10\n1.21.13  (installed)\n"
    # direct ends the list: gvw does not fetch toolchains from version control
    ended = gvw.run(
        "list-remote",
        "--mirror",
        "goproxy",
        env={"GOPROXY": f"{missing},direct,{world.proxy_url}", "GOSUMDB": gosumdb},
    )
    assert ended.returncode == 7
    assert "no proxy in GOPROXY=" in ended.stderr


def test_windows_toolchains_install_from_windows_module_zips(
    gvw: GvwEnv,
    windows_modules: list[ModuleFiles],
    proxy_world: WorldFactory,
    real_mirror_dir: Path,
    tmp_path: Path,
) -> None:
    world = proxy_world(windows_modules)
    env = {**world.go_env(), "GVW_PLATFORM": "windows-amd64"}
    listed = run_ok(gvw, "list-remote", "--mirror", "goproxy", env=env)
    assert listed.stdout.split() == ["1.22.10", "1.21.13"]
    run_ok(gvw, "install", "--mirror", "goproxy", "1.22.10", env=env)
    tree = gvw.root / "versions" / "1.22.10"
    assert (tree / "bin" / "go.exe").is_file()
    archive = real_mirror_dir / archive_name("1.22.10", "windows-amd64")
    expected = _tree(unpack_toolchain(archive, tmp_path / "go.dev", "1.22.10"))
    omitted = tuple(name[len("go/") :] for name in OMITTED)
    contents = {k: v[0] for k, v in expected.items() if not k.startswith(omitted)}
    assert {k: v[0] for k, v in _tree(tree).items()} == contents


def test_skip_checksum_goes_only_with_a_file_or_a_module_proxy(gvw: GvwEnv) -> None:
    result = gvw.run("install", "--skip-checksum", "1.22.10")
    assert result.returncode == 2
    assert "--skip-checksum goes with --from-file or --mirror goproxy" in result.stderr
