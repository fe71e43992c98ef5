"""The audit log: one JSON line per state-changing command, in ``<root>/log/audit.jsonl``.

Only :mod:`gvw.history.changes` writes it (every change goes through that guard). An entry is
appended with one ``write`` on a file opened with ``O_APPEND``, under an OS lock on
``log/.audit.lock`` (:func:`gvw.base.fsutil.exclusive_lock`: no filelock import on every
command's path), so concurrent gvw processes never interleave or lose lines; an
append-only log is the one file gvw does not write by temporary file and rename (that would need the
whole log rewritten per entry). Before an append that would pass ``audit_max_bytes``
the files rotate: ``audit.jsonl`` -> ``audit.1.jsonl`` -> ... up to ``audit_keep`` old
files (each a rename, so a reader sees whole files).

No secrets reach it: user information in URLs (``https://user:token@proxy``) is
replaced by ``***`` everywhere in an entry, and environment values are never logged.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gvw.base.bounded import parse_json
from gvw.base.errors import StoreError
from gvw.base.fsutil import rename, store_error
from gvw.base.redaction import redact

LOG_NAME = "audit.jsonl"
MAX_LINE_BYTES = 64 << 10  # a longer line (a hostile command line) is cut, never split


class AuditLog:
    def __init__(
        self,
        directory: Path,
        *,
        lock: Callable[[], AbstractContextManager[None]],
        max_bytes: int,
        keep: int,
    ) -> None:
        self.directory = directory
        self.path = directory / LOG_NAME
        self._lock = lock
        self.max_bytes = max_bytes
        self.keep = keep

    def append(self, entry: Mapping[str, Any]) -> None:
        line = _encode(redact(entry))
        with self._lock():
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._rotate_if_full(len(line))
                fd = os.open(
                    self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
                )
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise store_error(exc, "append to", self.path) from exc

    def _rotate_if_full(self, adding: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + adding <= self.max_bytes:
            return
        if self.keep <= 0:
            self.path.unlink()
            return
        with contextlib.suppress(FileNotFoundError):
            self._old(self.keep).unlink()
        for number in range(self.keep - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                rename(self._old(number), self._old(number + 1))
        rename(self.path, self._old(1))

    def _old(self, number: int) -> Path:
        return self.directory / f"audit.{number}.jsonl"

    def files(self) -> list[Path]:
        """The log files, newest first."""
        candidates = [self.path, *(self._old(n) for n in range(1, max(self.keep, 0) + 1))]
        return [p for p in candidates if p.is_file()]

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, newest first; a damaged line is returned as ``{"damaged": text}``."""
        for path in self.files():
            try:
                lines = path.read_bytes().splitlines()
            except FileNotFoundError:  # rotated away since it was listed: read on
                continue
            except OSError as exc:
                raise StoreError(f"cannot read the audit log {path}: {exc.strerror}") from exc
            for raw in reversed(lines):
                if not raw.strip():
                    continue
                try:  # ValueError: not JSON, or nested too deep
                    entry = parse_json(raw)
                except ValueError:
                    entry = None
                if isinstance(entry, dict):
                    yield entry
                else:
                    yield {"damaged": raw.decode("utf-8", "replace")[:200], "file": str(path)}


def _encode(entry: Any) -> bytes:
    """One line of pure ASCII: JSON escapes control characters (a newline in an argument
    cannot forge an entry), and ensure_ascii the rest, so that no reader splitting text
    at U+0085 or U+2028 (Python's str.splitlines does) sees a line break either."""
    line = json.dumps(entry, ensure_ascii=True, sort_keys=False, default=str).encode()
    if len(line) >= MAX_LINE_BYTES:
        cut = {k: entry[k] for k in ("time", "user", "host", "pid", "outcome") if k in entry}
        line = json.dumps({**cut, "truncated": True}, ensure_ascii=True).encode()
    return line + b"\n"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_since(text: str) -> datetime:
    """``--since``: an ISO date or date-time (UTC when it names no zone)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date such as 2026-12-01 or 2026-12-01T10:00") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_since(str(entry["time"]))
    except (KeyError, ValueError):
        return None
