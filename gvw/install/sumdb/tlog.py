"""The checksum database's transparency log (golang.org/x/mod/sumdb/tlog, RFC 6962).

Records are leaves (sha256(0x00 || record)), inner nodes sha256(0x01 || left || right).
The server publishes the log as tiles of height 8: the tile at level L holds up to 256
hashes of complete subtrees of 2**(8L) records. Proofs are built here from hashes read
out of tiles and then checked against a signed tree head, so a wrong tile can only
make a proof fail, never pass (RFC 9162, 2.1.3 and 2.1.4).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Callable

from gvw.base.errors import SumdbError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
_TREE_HEADER = "go.sum database tree\n"

# reads the tile (level, index, width): width * 32 bytes
TileReader = Callable[[int, int, int], bytes]


@dataclass(frozen=True)
class Tree:
    size: int
    hash: bytes


def record_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def parse_tree(text: str, *, source: str) -> Tree:
    """The tree head in a note's text: the header, the size, the base64 root hash."""
    lines = text.split("\n")
    try:
        size = int(lines[1]) if text.startswith(_TREE_HEADER) else -1
        root = base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        size, root = -1, b""
    if size < 0 or len(root) != HASH_SIZE or not lines[1].isdigit():
        raise SumdbError(f"{source} does not hold a tree head", hint="try again later")
    return Tree(size, root)


def tile_path(level: int, index: int, width: int) -> str:
    """``tile/8/<level>/<index>`` (``.p/<width>`` when partial); the index in groups
    of three digits, all but the last prefixed with ``x``."""
    text = f"{index % 1000:03d}"
    while index >= 1000:
        index //= 1000
        text = f"x{index % 1000:03d}/{text}"
    partial = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{TILE_HEIGHT}/{level}/{text}{partial}"


class TileHashes:
    """Hashes of the tree of ``size`` records, read from its tiles on demand."""

    def __init__(self, size: int, read_tile: TileReader) -> None:
        self.size = size
        self._read_tile = read_tile
        self._tiles: dict[tuple[int, int], bytes] = {}

    def subtree(self, height: int, index: int) -> bytes:
        """The hash of the complete subtree of 2**height records starting at
        record index * 2**height."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # entries of the level's tiles this subtree covers
        tile, offset = divmod(first, TILE_WIDTH)
        data = self._tile(level, tile)
        row = [
            data[(offset + i) * HASH_SIZE : (offset + i + 1) * HASH_SIZE] for i in range(1 << rest)
        ]
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]

    def range_hash(self, start: int, end: int) -> bytes:
        """The Merkle tree hash of records [start, end) (RFC 6962 MTH)."""
        count = end - start
        if count & (count - 1) == 0 and start % count == 0:
            return self.subtree(count.bit_length() - 1, start // count)
        split = _largest_power_below(count)
        return node_hash(self.range_hash(start, start + split), self.range_hash(start + split, end))

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._tiles:
            entries = self.size >> (TILE_HEIGHT * level)
            width = min(TILE_WIDTH, entries - index * TILE_WIDTH)
            if width <= 0:
                raise SumdbError(
                    f"the checksum database log of {self.size} records has no tile "
                    f"{tile_path(level, index, 1)}"
                )
            data = self._read_tile(level, index, width)
            if len(data) != width * HASH_SIZE:
                raise SumdbError(
                    f"the checksum database tile {tile_path(level, index, width)} holds "
                    f"{len(data)} bytes, not {width * HASH_SIZE}",
                    hint="try again later",
                )
            self._tiles[key] = data
        return self._tiles[key]


def _largest_power_below(count: int) -> int:
    """The largest power of two smaller than ``count`` (count >= 2)."""
    return 1 << ((count - 1).bit_length() - 1)


# --- inclusion ------------------------------------------------------------------------


def inclusion_proof(hashes: TileHashes, index: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size])."""
    proof: list[bytes] = []
    start, end = 0, hashes.size
    while end - start > 1:
        split = _largest_power_below(end - start)
        if index < start + split:
            proof.append(hashes.range_hash(start + split, end))
            end = start + split
        else:
            proof.append(hashes.range_hash(start, start + split))
            start += split
    proof.reverse()  # leaf to root
    return proof


def check_inclusion(proof: list[bytes], tree: Tree, index: int, leaf: bytes) -> bool:
    """RFC 9162 2.1.3.2: whether ``leaf`` is record ``index`` of ``tree``."""
    if index >= tree.size:
        return False
    fn, sn, r = index, tree.size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == tree.hash


# --- consistency ------------------------------------------------------------------------


def consistency_proof(hashes: TileHashes, old_size: int) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[0:size]) for 0 < old_size < size."""
    proof: list[bytes] = []
    start, end, whole = 0, hashes.size, True
    m = old_size
    while m != end - start:
        split = _largest_power_below(end - start)
        if m <= split:
            proof.append(hashes.range_hash(start + split, end))
            end = start + split
        else:
            proof.append(hashes.range_hash(start, start + split))
            start += split
            m -= split
            whole = False
    if not whole:
        proof.append(hashes.range_hash(start, end))
    proof.reverse()
    return proof


def check_consistency(proof: list[bytes], old: Tree, new: Tree) -> bool:
    """RFC 9162 2.1.4.2: whether ``new`` extends ``old`` (0 < old.size < new.size)."""
    if not 0 < old.size < new.size:
        return False
    path = list(proof)
    if old.size & (old.size - 1) == 0:
        path.insert(0, old.hash)
    if not path:
        return False
    fn, sn = old.size - 1, new.size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old.hash and sr == new.hash and sn == 0
