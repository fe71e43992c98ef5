"""The audit log: one JSON line per state-changing command, in ``<root>/log/audit.jsonl``.

Only :mod:`gvw.history.changes` writes it (every change goes through that guard). An entry is
appended on a file opened with ``O_APPEND`` (created 0600), under an OS lock on
``log/.audit.lock`` (:mod:`gvw.base.locks`), so concurrent gvw processes never interleave or
lose lines; a write that a full disk cuts short is taken back, and a line a kill cut
short stays a line of its own. Reading goes backwards from the end, so ``gvw log -n 1``
reads the newest line, not the whole log. An append-only log is the one file gvw does
not write by temporary file and rename (that would need the whole log rewritten per
entry). Before an append that would pass ``audit_max_bytes``
the files rotate: ``audit.jsonl`` -> ``audit.1.jsonl`` -> ... up to ``audit_keep`` old
files (each a rename, so a reader sees whole files).

No secrets reach it: user information in URLs (``https://user:token@proxy``) is
replaced by ``***`` everywhere in an entry, and environment values are never logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gvw.base.errors import StoreError
from gvw.base.fsutil import rename, store_error, write_all
from gvw.base.redaction import redact

LOG_NAME = "audit.jsonl"
MAX_LINE_BYTES = 64 << 10  # a longer line (a hostile command line) is cut, never split
MAX_READ_LINE_BYTES = 1 << 20  # a longer line found in the log is damaged: shown cut
_READ_BLOCK = 64 << 10


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
        """Append one entry. A line that a full disk or a kill cut short stays a line
        of its own (this entry starts on a new one); a write that fails is taken back
        whole and raised, for the guard to warn about."""
        line = _encode(redact(entry))
        with self._lock():
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._rotate_if_full(len(line))
                flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
                fd = os.open(self.path, flags, 0o600)  # who did what: the user's own business
                try:
                    size = os.fstat(fd).st_size
                    if size and not _ends_with_newline(fd, size):
                        line = b"\n" + line
                    try:
                        write_all(fd, line)
                    except OSError:
                        with contextlib.suppress(OSError):  # no half entry: take it back
                            os.ftruncate(fd, size)
                        raise
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
        """The log files, newest first; one that is there but no file (a directory) is
        an error naming it, not an empty log."""
        candidates = [self.path, *(self._old(n) for n in range(1, max(self.keep, 0) + 1))]
        found = []
        for path in candidates:
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise store_error(exc, "read the audit log", path) from exc
            if not stat.S_ISREG(mode):
                raise StoreError(
                    f"the audit log {path} is not a file",
                    hint=f"move it out of the way: gvw keeps its audit log in {path}",
                    path=path,
                )
            found.append(path)
        return found

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, newest first, read from the end of each file: showing the last
        few reads only the last few lines, whatever the log's size. A damaged line is
        returned as ``{"damaged": text}``."""
        for path in self.files():
            try:
                lines = _lines_newest_first(path)
                for raw, whole in lines:
                    if whole and not raw.strip():
                        continue
                    yield _parse(raw, whole, path)
            except FileNotFoundError:  # rotated away since it was listed: read on
                continue
            except OSError as exc:
                raise StoreError(f"cannot read the audit log {path}: {exc.strerror}") from exc


def _parse(raw: bytes, whole: bool, path: Path) -> dict[str, Any]:
    entry = None
    if whole:
        with contextlib.suppress(ValueError):
            entry = json.loads(raw)
    if isinstance(entry, dict):
        return entry
    return {"damaged": raw.decode("utf-8", "replace")[:200], "file": str(path)}


def _lines_newest_first(path: Path) -> Iterator[tuple[bytes, bool]]:
    """The lines of ``path``, last first, read backwards a block at a time: (line,
    whole); a line longer than MAX_READ_LINE_BYTES comes as its first bytes, not whole."""
    with open(path, "rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        after = b""  # the start of the line after the newest newline seen so far
        too_long = False
        while position > 0:
            size = min(_READ_BLOCK, position)
            position -= size
            handle.seek(position)
            parts = handle.read(size).split(b"\n")
            if len(parts) == 1:  # inside one line
                if not too_long:
                    after = parts[0] + after
                    too_long = len(after) > MAX_READ_LINE_BYTES
                    after = b"" if too_long else after
                continue
            yield (parts[-1], False) if too_long else (parts[-1] + after, True)
            for line in reversed(parts[1:-1]):
                yield line, True
            after, too_long = parts[0], False
        if after or too_long:
            yield after, not too_long


def _ends_with_newline(fd: int, size: int) -> bool:
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) == b"\n"


def _encode(entry: Any) -> bytes:
    line = json.dumps(entry, ensure_ascii=False, sort_keys=False, default=str).encode()
    if len(line) >= MAX_LINE_BYTES:
        cut = {k: entry[k] for k in ("time", "user", "host", "pid", "outcome") if k in entry}
        line = json.dumps({**cut, "truncated": True}, ensure_ascii=False).encode()
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
