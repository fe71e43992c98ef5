"""A checksum database for tests, written as static files in the layout of Go's
sumdb server (golang.org/x/mod/sumdb): ``lookup/<module>@<version>``, ``latest`` and
``tile/8/<level>/<index>[.p/<width>]``, signed with an ed25519 key of its own.

This is written from Go's formats, independently of gvw's verifier (gvw/sumdb), and
checked against the real go command (tests/install/test_goproxy_go.py), so a mistake shared by
both would still be caught.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TILE_HEIGHT = 8
_TILE_WIDTH = 1 << TILE_HEIGHT


@dataclass(frozen=True)
class TestKey:
    name: str
    seed: bytes  # 32 bytes

    @property
    def public(self) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_hash(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n\x01" + self.public).digest()[:4]

    @property
    def verifier(self) -> str:
        """The ``name+hash+key`` text GOSUMDB takes."""
        encoded = base64.b64encode(b"\x01" + self.public).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    def sign(self, text: str) -> bytes:
        """A signed note: the text, a blank line, one signature line."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        message = text.encode()
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)
        line = f"— {self.name} {base64.b64encode(self.key_hash + signature).decode()}\n"
        return message + b"\n" + line.encode()


def make_key(name: str, label: str) -> TestKey:
    """A deterministic key (``label`` tells apart keys of the same name)."""
    return TestKey(name, hashlib.sha256(f"{name}/{label}".encode()).digest())


# --- Go's dirhash Hash1 -------------------------------------------------------------------


def hash1(files: Sequence[tuple[str, bytes]]) -> str:
    summary = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files)
    )
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def zip_hash1(path: Path) -> str:
    """dirhash.HashZip: every name, hashed with the last entry of that name (Go opens
    entries by name; tests/install/test_goproxy_modzip.py checks it against go)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        contents = {info.filename: zf.read(info) for info in infos}
        return hash1([(info.filename, contents[info.filename]) for info in infos])


def go_sum_lines(module: str, version: str, zip_path: Path, mod_data: bytes) -> str:
    """The record text the database stores for a module version."""
    return (
        f"{module} {version} {zip_hash1(zip_path)}\n"
        f"{module} {version}/go.mod {hash1([('go.mod', mod_data)])}\n"
    )


# --- the log --------------------------------------------------------------------------------


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash of leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return _node(_mth(leaves[:split]), _mth(leaves[split:]))


def tile_index_path(index: int) -> str:
    text = f"{index % 1000:03d}"
    while index >= 1000:
        index //= 1000
        text = f"x{index % 1000:03d}/{text}"
    return text


@dataclass(frozen=True)
class Record:
    key: str  # "<module>@<version>", the lookup path
    text: str  # go.sum lines


def write_database(directory: Path, key: TestKey, records: Sequence[Record]) -> str:
    """Write the log of ``records`` (in order) with lookups, tiles and the signed tree
    head. Returns the tree note text. Every partial width of every tile is written,
    so a client that remembers an older tree size finds the tiles of that size too."""
    leaves = [_leaf(r.text.encode()) for r in records]
    size = len(leaves)
    root = _mth(leaves)
    tree = f"go.sum database tree\n{size}\n{base64.b64encode(root).decode()}\n"
    signed = key.sign(tree)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "latest").write_bytes(signed)
    for record_id, record in enumerate(records):
        path = directory / "lookup" / record.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"{record_id}\n{record.text}\n".encode() + signed)
    level = 0
    while True:
        span = 1 << (TILE_HEIGHT * level)
        count = size // span
        if count == 0:
            break
        entries = [_mth(leaves[j * span : (j + 1) * span]) for j in range(count)]
        for tile in range((count + _TILE_WIDTH - 1) // _TILE_WIDTH):
            row = entries[tile * _TILE_WIDTH : (tile + 1) * _TILE_WIDTH]
            base = directory / "tile" / str(TILE_HEIGHT) / str(level) / tile_index_path(tile)
            for width in range(1, len(row) + 1):
                path = base if width == _TILE_WIDTH else Path(f"{base}.p") / str(width)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"".join(row[:width]))
        level += 1
    return tree


def filler_records(count: int, label: str) -> list[Record]:
    """Records of made-up modules, to give the log more than one tile."""
    out = []
    for i in range(count):
        module = f"example.com/{label}/m{i}"
        digest = base64.b64encode(hashlib.sha256(f"{label}{i}".encode()).digest()).decode()
        text = f"{module} v1.0.0 h1:{digest}\n{module} v1.0.0/go.mod h1:{digest}\n"
        out.append(Record(f"{module}@v1.0.0", text))
    return out
