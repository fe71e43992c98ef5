"""Keeping credentials out of what gvw prints and logs: the one redaction function.

Corporate mirrors and proxies are often given as ``https://user:token@host/``. Every
error message, warning, audit-log entry, JSON report, install record and display of a
snapshot goes through :func:`redact`, which hides:

- the user information of every URL, with or without a scheme: Go reads a GOPROXY
  entry such as ``alice:TOKEN@host`` as ``https://alice:TOKEN@host``. It ends at the
  *last* ``@`` before the host (a password may hold ``@``, and Go's url.Parse splits
  there), so ``http://alice:tok@PART@host/`` shows as ``http://***@host/``. Without a
  scheme only ``user:password@`` counts (``someone@example.com`` is an address);
- values of ``name=value`` pairs (query strings, GOFLAGS ``-X`` settings, assignments)
  whose name holds token, secret, password, passwd, apikey, api_key, credential or
  signature, or is pwd, auth, sig or key;
- tokens recognisable by their form: GitHub (``ghp_...``, ``github_pat_...``), GitLab
  (``glpat-...``), Slack (``xoxb-...``), AWS access key ids (``AKIA...``), and the word
  after ``Bearer`` or ``Basic``.

What it cannot know is a secret spelled like anything else (a bare password in a value
of its own); such values are kept only where gvw must restore them (snapshots, private
to their user) and never written to the audit log.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

# Every form below holds one of these; text without any is returned at once, and the
# patterns are compiled on first need (this runs for every line gvw prints).
_MARKERS = ("@", "=", "Bearer", "Basic", "gh", "github_pat_", "glpat-", "xox", "AKIA")


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    # scheme://userinfo@ : everything up to the last "@" of the authority (which ends
    # at the first "/", "?", "#" or white space)
    url_userinfo = r"(?P<keep>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@"
    # user:password@host with no scheme (a GOPROXY entry): at the start of the text or
    # of a list entry, the password up to the last "@" before the host
    bare_userinfo = (
        r"(?P<keep>(?:^|(?<=[\s,|=(\['\"<])))[^\s/\\?#@:,|=()\[\]'\"<>]+:"
        r"[^\s/\\?#,|'\"<>]*@(?=[A-Za-z0-9\[])"
    )
    secret_name = (
        r"(?:[A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|api_?key|credential|signature)"
        r"[A-Za-z0-9_.-]*|pwd|auth|sig|key)"
    )
    secret_pair = rf"(?P<keep>\b{secret_name}=)[^\s&;,|'\"]+"
    auth_scheme = r"(?P<keep>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
    token_forms = (
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
        r"|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b"
    )
    return (
        (re.compile(url_userinfo), rf"\g<keep>{MASK}@"),
        (re.compile(bare_userinfo), rf"\g<keep>{MASK}@"),
        (re.compile(secret_pair, re.IGNORECASE), rf"\g<keep>{MASK}"),
        (re.compile(auth_scheme), rf"\g<keep>{MASK}"),
        (re.compile(token_forms), MASK),
    )


def redact_text(text: str) -> str:
    """``text`` with every credential gvw can recognise replaced by ``***``."""
    if not any(marker in text for marker in _MARKERS):
        return text
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any) -> Any:
    """``value`` (text, or lists and mappings of it, keys included) with credentials
    hidden; other values as they are."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {redact_text(str(k)): redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def holds_credentials(text: str) -> bool:
    """Whether :func:`redact_text` would hide something in ``text``."""
    return redact_text(text) != text
