"""Go's module settings as gvw reads them: precedence, GOPROXY lists, GOSUMDB, patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw.base.errors import ConfigError
from gvw.install.goproxy.settings import (
    ProxyEntry,
    Setting,
    matches_patterns,
    proxy_list,
    resolve_go_settings,
    sumdb,
    sumdb_exclusion,
)

GO_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"


def _setting(name: str, value: str) -> Setting:
    return Setting(name, value, "the environment")


def test_the_environment_beats_the_go_env_file_which_beats_gos_default(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("GOPROXY=https://file.example\nGOPRIVATE=corp.example\n")
    settings = resolve_go_settings({"GOENV": str(env_file), "GOSUMDB": "off", "GOPROXY": ""})
    assert settings["GOPROXY"] == Setting(
        "GOPROXY", "https://file.example", f"the go env file {env_file}"
    )
    assert settings["GOSUMDB"] == Setting("GOSUMDB", "off", "the environment")
    assert settings["GONOSUMDB"].value == "corp.example"  # GOPRIVATE is its default
    assert settings["GONOSUMDB"].origin == f"GOPRIVATE, from the go env file {env_file}"
    defaults = resolve_go_settings({"GOENV": "off"})
    assert str(defaults["GOPROXY"]) == "GOPROXY=https://proxy.golang.org,direct (from Go's default)"
    assert defaults["GOSUMDB"].value == "sum.golang.org"


def test_a_proxy_list_is_split_as_go_splits_it() -> None:
    entries = proxy_list(
        _setting("GOPROXY", " a.example/p ,http://b.example/|file:///srv/p,direct,c")
    )
    assert entries == [
        ProxyEntry("https://a.example/p", False),
        ProxyEntry("http://b.example", True),
        ProxyEntry("file:///srv/p", False),
        ProxyEntry("direct", False),  # nothing after direct is ever tried
    ]
    assert proxy_list(_setting("GOPROXY", "off,https://x.example")) == [ProxyEntry("off", False)]


def test_a_proxy_list_without_entries_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match="GOPROXY=, , \\(from the environment\\) lists no proxy"):
        proxy_list(_setting("GOPROXY", ", ,"))


@pytest.mark.parametrize(
    ("patterns", "matched"),
    [
        ("golang.org", True),
        ("golang.org/*", True),
        ("*", True),
        ("corp.example, golang.org/toolchain/", True),
        ("golang.org/tool", False),
        ("golang.org/toolchain/sub", False),
        ("*.org/x", False),
    ],
)
def test_patterns_match_leading_path_elements(patterns: str, matched: bool) -> None:
    assert matches_patterns(patterns, "golang.org/toolchain") is matched


def test_gosumdb_names_a_database_by_known_name_key_and_url() -> None:
    assert sumdb(_setting("GOSUMDB", "off")) is None
    default = sumdb(_setting("GOSUMDB", "sum.golang.org"))
    assert default is not None
    assert (default.url, default.verifier.text, default.url_given) == (
        "https://sum.golang.org",
        GO_KEY,
        False,
    )
    china = sumdb(_setting("GOSUMDB", "sum.golang.google.cn"))
    assert china is not None and (china.name, china.url) == (
        "sum.golang.org",
        "https://sum.golang.google.cn",
    )
    own = sumdb(_setting("GOSUMDB", f"{GO_KEY} https://mirror.example/sumdb/"))
    assert own is not None and (own.url, own.url_given) == ("https://mirror.example/sumdb", True)


def test_an_unknown_database_name_without_a_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"db\.example .* names a database gvw has no key"):
        sumdb(_setting("GOSUMDB", "db.example"))


def test_the_setting_that_leaves_the_toolchain_unchecked_is_found(tmp_path: Path) -> None:
    base = {"GOENV": "off"}
    assert sumdb_exclusion(resolve_go_settings(base)) is None
    found = sumdb_exclusion(resolve_go_settings({**base, "GOPRIVATE": "golang.org"}))
    assert found is not None and found.name == "GONOSUMDB"
    found = sumdb_exclusion(resolve_go_settings({**base, "GOSUMDB": "off"}))
    assert found is not None and found.name == "GOSUMDB"
