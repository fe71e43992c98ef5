"""Looking a module version up in a checksum database and proving the answer, as the
go command's sumdb client does:

1. ``lookup/<module>@<version>`` gives the record (its go.sum lines) and a signed tree
   head; the head must carry the database key's signature;
2. the head must be consistent with the newest head verified before (kept in the
   cache): a log that was rewritten, or shows different clients different histories,
   is refused;
3. the record must be proved included in the head, from the log's tiles.

Only then are the record's lines returned.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.errors import GvwError, NetworkError, SumdbError
from gvw.base.fsutil import atomic_write_bytes
from gvw.install.sumdb import tlog
from gvw.install.sumdb.note import Verifier, open_note

# fetches a path below the database's base URL
Fetch = Callable[[str], bytes]
MAX_NOTE_BYTES = 64 << 10  # a signed tree head is a few hundred bytes


class SumdbClient:
    def __init__(
        self,
        verifier: Verifier,
        base: str,
        *,
        fetch: Fetch,
        cache_dir: Path,
        lock: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self.verifier = verifier
        self.base = base  # for messages: where the answers came from
        self._fetch = fetch
        safe = re.sub(r"[^A-Za-z0-9.-]", "_", verifier.name).lstrip(".")
        self.latest_file = cache_dir / f"{safe}-{verifier.key_hash.hex()}" / "latest"
        self._lock = lock or contextlib.nullcontext

    def lookup(self, module: str, version: str) -> list[str]:
        """The verified go.sum lines of ``module`` at ``version``."""
        path = f"lookup/{escape(module)}@{escape(version)}"
        source = f"{self.base}/{path}"
        try:
            body = self._fetch(path)
        except NetworkError as exc:
            if exc.status in (404, 410):
                raise SumdbError(
                    f"the checksum database {self.verifier.name} has no record of "
                    f"{module}@{version} ({source} answered {exc.status})",
                    hint="the proxy offers a module the database does not know: "
                    "do not trust it; check GOPROXY and GOSUMDB",
                ) from None
            raise
        record_id, text, signed = _parse_lookup(body, source)
        tree = tlog.parse_tree(open_note(signed, self.verifier, source=source), source=source)
        if record_id >= tree.size:
            raise SumdbError(f"{source} names record {record_id} of a log of {tree.size}")
        hashes = tlog.TileHashes(tree.size, self._read_tile)
        with self._lock():
            newer = self._check_consistent(tree, hashes)
            proof = tlog.inclusion_proof(hashes, record_id)
            if not tlog.check_inclusion(proof, tree, record_id, tlog.record_hash(text)):
                raise SumdbError(
                    f"the record {source} sent is not in the log it signed "
                    f"(record {record_id} of {tree.size})",
                    hint=_TAMPER_HINT,
                )
            if newer:  # only a head that passed every check replaces the cached one
                atomic_write_bytes(self.latest_file, signed)
        return text.decode("utf-8", "replace").splitlines()

    # --- the newest verified tree head

    def _cached(self) -> tuple[tlog.Tree, bytes] | None:
        try:
            signed = read_regular_file(self.latest_file, MAX_NOTE_BYTES)
        except OSError:
            return None
        except InputRefused as refused:
            raise SumdbError(
                f"the cached tree head {self.latest_file} {refused.reason}",
                hint=f"delete {self.latest_file}",
            ) from None
        source = f"the cached tree head {self.latest_file}"
        try:
            return tlog.parse_tree(
                open_note(signed, self.verifier, source=source), source=source
            ), signed
        except GvwError as exc:
            raise SumdbError(
                exc.message, hint=f"if the cache was damaged, delete {self.latest_file}"
            ) from None

    def _check_consistent(self, tree: tlog.Tree, hashes: tlog.TileHashes) -> bool:
        """Refuses ``tree`` unless it is consistent with the cached head; True when it
        is newer than that head (or there is none)."""
        cached = self._cached()
        if cached is not None and cached[0] != tree:
            old = cached[0]
            if tree.size == old.size:
                consistent = False
            elif tree.size > old.size:
                proof = tlog.consistency_proof(hashes, old.size)
                consistent = tlog.check_consistency(proof, old, tree)
            else:  # a proxy may answer from an older head: it must be a prefix of ours
                newer = tlog.TileHashes(old.size, self._read_tile)
                consistent = tlog.check_consistency(
                    tlog.consistency_proof(newer, tree.size), tree, old
                )
            if not consistent:
                raise SumdbError(
                    f"the checksum database {self.verifier.name} ({self.base}) signed a log "
                    f"of {tree.size} records that does not extend the log of {old.size} "
                    f"records it signed before (cached in {self.latest_file}): its history "
                    "was rewritten, or it shows different clients different logs",
                    hint=_TAMPER_HINT + f"; if the database was reset on purpose (a private "
                    f"or test database), delete {self.latest_file}",
                )
        return cached is None or tree.size > cached[0].size

    def _read_tile(self, level: int, index: int, width: int) -> bytes:
        return self._fetch(tlog.tile_path(level, index, width))


_TAMPER_HINT = "nothing was installed; report it to whoever runs the database or proxy"


def _parse_lookup(body: bytes, source: str) -> tuple[int, bytes, bytes]:
    """``<id>\\n<record lines>\\n<signed tree note>`` (tlog.ParseRecord)."""
    first = body.find(b"\n")
    end = body.find(b"\n\n", first)
    id_text = body[:first]
    if first <= 0 or end < 0 or not id_text.isdigit() or len(id_text) > 18:
        raise SumdbError(f"{source} did not send a checksum database record")
    return int(id_text), body[first + 1 : end + 1], body[end + 2 :]


def escape(text: str) -> str:
    """module.EscapePath/EscapeVersion: upper case letters as ``!`` + lower case."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), text)
