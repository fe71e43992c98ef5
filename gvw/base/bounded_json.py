"""JSON from outside gvw with a size cap and a nesting cap.

``json.loads`` of 200 KB of ``[[[[...`` raises RecursionError, and nothing stops a
document of gigabytes: every JSON document gvw reads from a server or a file it does
not own goes through :func:`loads`, which refuses both before parsing.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# strings may hold brackets; they are taken out before the brackets are counted
_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class JsonLimitError(ValueError):
    """Too large, too deeply nested, or not JSON; the message says which."""


def loads(data: bytes, *, max_bytes: int, max_depth: int) -> Any:
    """Parse UTF-8 JSON (a BOM is ignored) no larger than ``max_bytes`` and no deeper
    than ``max_depth`` nested arrays and objects."""
    if len(data) > max_bytes:
        raise JsonLimitError(f"larger than {_size(max_bytes)}")
    if nesting_depth(data) > max_depth:
        raise JsonLimitError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JsonLimitError(f"not valid JSON ({exc})") from None


def nesting_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in ``data`` (0 for a scalar)."""
    brackets = _STRING_RE.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{count >> 10} KiB"
