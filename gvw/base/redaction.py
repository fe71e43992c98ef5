"""Keeping credentials out of what gvw prints and logs.

Corporate mirrors and proxies are often given as ``https://user:token@host/``. Every
error message, warning and audit-log entry goes through :func:`redact`, which replaces
the user information of each URL in it by ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_USERINFO_RE = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s?#]*@")


def redact(value: Any) -> Any:
    """``value`` (text, or lists and mappings of it) with every URL's user info hidden."""
    if isinstance(value, str):
        return _USERINFO_RE.sub(r"\g<scheme>***@", value)
    if isinstance(value, Mapping):
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value
