"""Checksums of archives: where the expected sha256 of a local archive comes from, how
an archive is hashed, and how a mismatch is reported (naming both hashes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.errors import ChecksumError
from gvw.install.release_index import is_sha256

MAX_SIDECAR_BYTES = 64 << 10  # "<sha256>  <file name>\n"


def mismatch_error(
    filename: str,
    location: str,
    expected: str,
    actual: str,
    *,
    hint: str = "the download is damaged or was tampered with; try again or use another mirror",
) -> ChecksumError:
    return ChecksumError(
        f"checksum mismatch for {filename} from {location}: expected sha256 {expected}, "
        f"got {actual}; nothing was installed",
        hint=hint,
    )


def expected_for_file(archive: Path, sha256: str | None) -> str:
    if sha256 is not None:
        if not is_sha256(sha256.strip()):
            raise ChecksumError(
                f"--sha256 {sha256!r} is not a sha256 (64 hexadecimal digits)",
                hint="copy the checksum from https://go.dev/dl/ next to the file name",
            )
        return sha256.strip().lower()
    sidecar = archive.with_name(archive.name + ".sha256")
    digest = published_digest(read_sidecar(sidecar))
    if digest is not None:
        return digest
    raise ChecksumError(
        f"no checksum for {archive}: give one with --sha256 HEX (or put it in {sidecar.name})",
        hint="the checksums are listed at https://go.dev/dl/; --skip-checksum installs without one",
    )


def read_sidecar(path: Path) -> str | None:
    """The text of the ``<archive>.sha256`` file ``path``; None when there is none to
    read: missing, unreadable, not a regular file (a FIFO would hang, ``/dev/zero``
    never end) or longer than :data:`MAX_SIDECAR_BYTES`."""
    try:
        return read_regular_file(path, MAX_SIDECAR_BYTES).decode("utf-8", "replace")
    except (OSError, InputRefused):
        return None


def published_digest(text: str | None) -> str | None:
    """The sha256 a ``.sha256`` file's text starts with (``<hex>  <file name>``), if any."""
    digest = (text or "").split()[:1]
    return digest[0].lower() if digest and is_sha256(digest[0]) else None


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
