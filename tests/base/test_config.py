"""config.toml: wrong types are named in plain words, with the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw.base.config import load_config
from gvw.base.errors import ConfigError
from tests.support.gvw_env import GvwEnv


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('timeout_seconds = "soon"', "'timeout_seconds' in {file} must be a number, not a string"),
        (
            "timeout_seconds = true",
            "'timeout_seconds' in {file} must be a number, not true or false",
        ),
        ("snapshot_keep = 2.5", "'snapshot_keep' in {file} must be a whole number, not a number"),
        ('snapshot_keep = "7"', "'snapshot_keep' in {file} must be a whole number, not a string"),
        ("trash_keep = [1]", "'trash_keep' in {file} must be a whole number, not a list"),
        ("mirror = 3", "'mirror' in {file} must be a string, not a whole number"),
        ("mirror = {url = 'x'}", "'mirror' in {file} must be a string, not a table"),
        ("mirror = 1979-05-27", "'mirror' in {file} must be a string, not a date"),
    ],
)
def test_wrong_types_are_named_in_words(tmp_path: Path, line: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    assert caught.value.message == message.format(file=f"config file {config}")
    assert caught.value.hint == f"fix {config}"


def test_the_cli_reports_a_wrong_type_with_exit_13(gvw: GvwEnv) -> None:
    gvw.config.write_text("index_cache_seconds = 1.5\n")
    result = gvw.run("list-remote", "--mirror", "http://127.0.0.1:9/")
    assert result.returncode == 13
    assert result.error_lines == [
        f"gvw: 'index_cache_seconds' in config file {gvw.config} must be a whole number, "
        "not a number",
        f"gvw: fix {gvw.config}",
    ]
