"""gvw.base.bounded, the one reader of structured inputs: regular files only, a size
cap, a nesting cap and a cap on arrays and tables; refused, never a RecursionError, a
hang or a MemoryError. End to end, every parser: tests/base/test_hostile_inputs.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gvw.base.bounded import (
    MAX_CONTAINERS,
    InputRefused,
    TooLarge,
    parse_json,
    parse_toml,
    read_regular_file,
)


def test_brackets_inside_strings_are_no_nesting() -> None:
    assert parse_json(b'{"a": [1, {"b": "[[[[{{{"}]}') == {"a": [1, {"b": "[[[[{{{"}]}
    assert parse_toml('a = "[[[[[["\n') == {"a": "[[[[[["}


@pytest.mark.parametrize("depth", [33, 2_000, 200_000])
def test_deep_nesting_is_refused_never_a_recursion_error(depth: int) -> None:
    with pytest.raises(InputRefused, match="is nested more than 32 levels deep"):
        parse_json(b"[" * depth + b"]" * depth)
    with pytest.raises(InputRefused, match="is nested more than 32 levels deep"):
        parse_toml("a = " + "[" * depth + "]" * depth)
    assert parse_json(b"[" * 32 + b"]" * 32) is not None


@pytest.mark.parametrize(
    "text",
    [
        "a" + ".a" * 60_000 + " = 1",  # 120 KB: 1.5 GB in tomllib before the check
        "[" + "a." * 40 + "b]",
        "x = {" + "a." * 40 + "b = 1}",
        '"a".' * 40 + '"b" = 1',
    ],
    ids=["dotted-key", "table-header", "inline-table", "quoted-parts"],
)
def test_a_toml_key_of_many_dotted_parts_is_refused_before_parsing(text: str) -> None:
    with pytest.raises(InputRefused, match="has a key of more than 32 dotted parts"):
        parse_toml(text)


def test_dots_in_strings_comments_and_values_are_no_key_parts() -> None:
    text = (
        'cmd = """go test ' + "./... " * 40 + '"""\n'
        "# " + "." * 100 + "\n"
        "x = '" + "." * 100 + "'\n"
        'a.b.c = "x.y.z"\nv = 1.5\n'
    )
    parsed = parse_toml(text)
    assert parsed["a"] == {"b": {"c": "x.y.z"}} and parsed["v"] == 1.5
    assert parse_toml("a" + ".a" * 31 + " = 1") is not None  # 32 parts: the limit


def test_a_smaller_depth_and_a_size_can_be_asked_for() -> None:
    with pytest.raises(InputRefused, match="is nested more than 2 levels deep"):
        parse_json(b"[[[]]]", max_depth=2)
    with pytest.raises(TooLarge, match="is larger than 64 KiB"):
        parse_json(b" " * (65 << 10), max_bytes=64 << 10)


def test_many_arrays_and_tables_are_refused_before_parsing() -> None:
    flat = b"[" + b",".join([b"{}"] * (MAX_CONTAINERS + 1)) + b"]"
    with pytest.raises(InputRefused, match="holds more than 250,000 arrays and tables"):
        parse_json(flat)


def test_what_is_not_json_is_a_value_error_and_a_bom_is_ignored() -> None:
    with pytest.raises(ValueError):
        parse_json(b"{'a': 1}")
    assert parse_json(b'\xef\xbb\xbf{"a": [1]}') == {"a": [1]}


def test_only_regular_files_are_read_and_never_past_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputRefused, match="is a FIFO, not a regular file"):
        read_regular_file(fifo, 100)  # opened without blocking, refused
    with pytest.raises(InputRefused, match="is a character device, not a regular file"):
        read_regular_file("/dev/zero", 100)
    with pytest.raises(InputRefused, match="is a directory, not a regular file"):
        read_regular_file(tmp_path, 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(TooLarge, match="is larger than 100 bytes"):
        read_regular_file(big, 100)
    assert read_regular_file(big, 101) == b"x" * 101
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "missing", 100)
