"""Checking generated PowerShell without a PowerShell: the tree-sitter grammar from PyPI
(tree-sitter-powershell) parses it, and :func:`literal_value` evaluates the small set of
expressions gvw uses to spell a string (single-quoted literals, ``[char]0xNNNN`` and +),
failing on anything else, so a test sees exactly which string a script assigns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

ts = pytest.importorskip("tree_sitter")
tsp = pytest.importorskip("tree_sitter_powershell")

_PARSER = ts.Parser(ts.Language(tsp.language()))

# Wrappers the grammar puts around a single operand; they do not change the value.
_PASS_THROUGH = {
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "expression_with_unary_operator",
    "command_name_expr",  # the program after & (a quoted path, or an expression)
}


def parse(script: str) -> Any:
    return _PARSER.parse(script.encode("utf-8"))


def syntax_errors(script: str) -> list[str]:
    """ERROR and MISSING nodes, each with its position and text."""
    source = script.encode("utf-8")
    found = []
    for node in walk(parse(script).root_node):
        if node.type == "ERROR" or node.is_missing:
            text = source[node.start_byte : node.end_byte][:80].decode("utf-8", "replace")
            found.append(f"{node.type} at {node.start_point}: {text!r}")
    return found


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from walk(child)


def text(node: Any) -> str:
    return str(node.text.decode("utf-8"))


def assignments(script: str) -> dict[str, list[Any]]:
    """Variable name (as written, e.g. ``$shims``) -> the value nodes assigned to it."""
    found: dict[str, list[Any]] = {}
    for node in walk(parse(script).root_node):
        if node.type == "assignment_expression":
            target = text(node.children[0]).strip()
            found.setdefault(target, []).append(node.children[-1])
    return found


def literal_value(node: Any) -> str:
    """The string an expression made of quoted literals, [char] casts and + evaluates to."""
    units = _units(node)
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _units(node: Any) -> str:
    named = [c for c in node.children if c.type not in ("(", ")")]
    if node.type == "string_literal":
        (chars,) = node.children
        assert chars.type == "verbatim_string_characters", f"not '...': {text(node)}"
        raw = text(chars)
        assert raw.startswith("'") and raw.endswith("'"), raw
        inner = raw[1:-1]
        assert "'" not in inner.replace("''", ""), f"a lone quote inside {raw}"
        return inner.replace("''", "'")
    if node.type == "cast_expression":
        kind, operand = node.children
        assert text(kind) == "[char]", text(node)
        number = text(operand)
        assert number.lower().startswith("0x"), text(node)
        return chr(int(number, 16))
    if node.type == "additive_expression" and len(named) == 3:
        left, plus, right = named
        assert text(plus) == "+", text(node)
        return _units(left) + _units(right)
    if node.type == "parenthesized_expression":
        (inner,) = named
        return _units(inner)
    if node.type in _PASS_THROUGH and len(named) == 1:
        return _units(named[0])
    raise AssertionError(f"not a plain string expression: {node.type} {text(node)!r}")
