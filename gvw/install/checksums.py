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
    try:
        text = read_regular_file(sidecar, MAX_SIDECAR_BYTES).decode("utf-8", "replace")
        digest = text.split()[:1]
    except (OSError, InputRefused):  # a FIFO or /dev/zero beside the archive: none
        digest = []
    if digest and is_sha256(digest[0]):
        return digest[0].lower()
    raise ChecksumError(
        f"no checksum for {archive}: give one with --sha256 HEX (or put it in {sidecar.name})",
        hint="the checksums are listed at https://go.dev/dl/; --skip-checksum installs without one",
    )


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
