"""JSON from outside with a size cap and a nesting cap: refused, never a RecursionError."""

from __future__ import annotations

import pytest

from gvw.base.bounded_json import JsonLimitError, loads, nesting_depth


def test_nesting_is_counted_outside_strings() -> None:
    assert nesting_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert nesting_depth(b'"\\"[[["') == 0
    assert nesting_depth(b"42") == 0


def test_deep_nesting_is_refused_before_parsing() -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(JsonLimitError, match="nested more than 32 levels deep"):
        loads(deep, max_bytes=1 << 20, max_depth=32)


def test_a_document_larger_than_the_cap_is_refused() -> None:
    with pytest.raises(JsonLimitError, match="larger than 64 KiB"):
        loads(b" " * (65 << 10), max_bytes=64 << 10, max_depth=8)


def test_what_is_not_json_says_so_and_a_bom_is_ignored() -> None:
    with pytest.raises(JsonLimitError, match="not valid JSON"):
        loads(b"{'a': 1}", max_bytes=100, max_depth=8)
    assert loads(b'\xef\xbb\xbf{"a": [1]}', max_bytes=100, max_depth=8) == {"a": [1]}
