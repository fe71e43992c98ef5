"""Credentials in mirror and proxy settings never reach the screen, the audit log, a
JSON report or the store (issue 19 item 2): a GOPROXY entry without a scheme (Go reads
``alice:TOKEN@host`` as https) and a password holding ``@`` (Go's url.Parse splits the
user information at the last ``@``). Real gvw processes over a real HTTP mirror."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gvw.base.redaction import redact
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer


def everything_written(gvw: GvwEnv) -> str:
    """Every byte gvw wrote into its store, cache and home: no credential may be there."""
    texts = []
    for top in (gvw.root, gvw.cache):
        for path in top.rglob("*"):
            if path.is_file() and "snapshots" not in path.parts:  # snapshots: their own test
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_a_goproxy_entry_without_a_scheme_is_redacted_on_screen_and_in_the_log(
    gvw: GvwEnv,
) -> None:
    # nothing listens on port 1: the entry fails, "|" moves on to off, which stops
    result = gvw.run(
        "install", "--mirror", "goproxy", "1.22", env={"GOPROXY": "alice:TOKEN@127.0.0.1:1|off"}
    )
    assert result.returncode == 13
    assert result.error_lines[0] == (
        "gvw: listing golang.org/toolchain: module downloads are disabled by "
        "GOPROXY=***@127.0.0.1:1|off (from the environment)"
    )
    assert "TOKEN" not in result.stderr and "alice" not in result.stderr
    (entry,) = gvw.audit_entries()
    assert "TOKEN" not in json.dumps(entry) and "alice" not in json.dumps(entry)
    assert "TOKEN" not in everything_written(gvw)


@pytest.fixture
def secret_mirror(gvw: GvwEnv, tmp_path: Path, mirror_factory) -> tuple[str, MirrorServer]:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], ["linux-amd64"])
    server: MirrorServer = mirror_factory(directory)
    # the password is "tok@PART": everything before the last "@" is user information
    url = f"http://alice:tok@PART@127.0.0.1:{server.port}/dl/"
    gvw.extra_env["GVW_MIRROR"] = url
    return url, server


def test_a_password_holding_an_at_sign_is_redacted_everywhere(
    gvw: GvwEnv, secret_mirror: tuple[str, MirrorServer]
) -> None:
    _url, server = secret_mirror
    shown = f"http://***@127.0.0.1:{server.port}/dl/"
    installed = run_ok(gvw, "install", "1.22.10")  # warns: plain http
    assert f"gvw: warning: mirror {shown} is plain http" in installed.stderr
    missing = gvw.run("install", "1.99.1")
    assert missing.returncode == 7
    assert f"no Go release matches 1.99.1 on {shown}" in missing.stderr
    facts = run_ok(gvw, "facts", "--json").stdout
    (version,) = json.loads(facts)["installed"]
    assert version["source"] == f"{shown}go1.22.10.linux-amd64.tar.gz"
    record = (gvw.root / "versions" / "1.22.10" / "gvw-install.toml").read_text("utf-8")
    assert f'source = "{shown}go1.22.10.linux-amd64.tar.gz"' in record
    outputs = installed.stderr + missing.stderr + facts + everything_written(gvw)
    assert "PART" not in outputs and "tok" not in outputs and "alice" not in outputs
    assert [e["argv"] for e in gvw.audit_entries()][:2] == [
        ["gvw", "install", "1.22.10"],
        ["gvw", "install", "1.99.1"],
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GOPROXY=alice:TOKEN@host|off", "GOPROXY=***@host|off"),
        (
            "alice:TOKEN@host,https://proxy.golang.org,direct",
            "***@host,https://proxy.golang.org,direct",
        ),
        ("http://alice:tok@PART@host/dl/", "http://***@host/dl/"),
        ("https://a:t@h1,https://b:u@h2", "https://***@h1,https://***@h2"),
        ("'u:p@[::1]:8080'", "'***@[::1]:8080'"),
        ("https://host/dl/?token=abc123&page=2", "https://host/dl/?token=***&page=2"),
        ("-ldflags=-X=main.apiToken=s3cr3t -mod=mod", "-ldflags=-X=main.apiToken=*** -mod=mod"),
        (
            "https://acct.blob.example/c?sv=1&sig=Zm9v%2B",
            "https://acct.blob.example/c?sv=1&sig=***",
        ),
        ("Authorization: Bearer abcdefgh12345678", "Authorization: Bearer ***"),
        ("ghp_0123456789abcdefghij0123456789abcdef", "***"),
        ("github_pat_11ABCDEFG0123456789_abcdefghij", "***"),
        ("glpat-abcdefghij0123456789", "***"),
        ("AKIAIOSFODNN7EXAMPLE", "***"),
    ],
)
def test_redaction_hides_each_form_of_credential(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "mail someone@example.com",
        "C:\\Users\\me@corp\\go\\bin",
        "https://proxy.golang.org,direct",
        "10:30 to 12:00",
        "go1.22.10.linux-amd64.tar.gz",
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
        "design=abc author=x",
    ],
)
def test_redaction_leaves_what_is_not_a_credential(text: str) -> None:
    assert redact(text) == text


def test_redaction_covers_keys_and_nested_values() -> None:
    assert redact({"https://u:p@h/": ["GOPROXY=u:p@h", 3]}) == {
        "https://***@h/": ["GOPROXY=***@h", 3]
    }
