"""Hand-made hostile archives: entry-count bombs and size bombs, tar.gz and zip.

Generated in memory, fast, and without the disk the archive claims to need: a size bomb
declares more than 8 GiB in its tar header or zip central directory and carries none of
it, so refusing it before any data is read is what a test can see. Each archive starts
with a valid minimal Go tree (``go/VERSION``, ``go/bin/go``...) so that nothing but the
bomb is wrong with it. Used by tests/install/test_archive.py and scripts/bench_archive_bombs.py.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tarfile
import zipfile
import zlib

from tests.support.mirror_fixtures import synthetic_members, zip_bytes

GIB = 1 << 30
_MTIME = 946684800
# a zip central directory record: signature, 6 shorts (versions, flags, method, time,
# date), crc, compressed and uncompressed size, 5 shorts (name, extra and comment
# lengths, disk, internal attributes), external attributes, local header offset
_CD_RECORD = "<4s6H3I5H2I"


def _tar_block(info: tarfile.TarInfo, data: bytes = b"") -> bytes:
    header = info.tobuf(format=tarfile.GNU_FORMAT)  # GNU: base-256 sizes past 8 GiB
    padding = -len(data) % tarfile.BLOCKSIZE
    return header + data + b"\0" * padding


def _tar_info(name: str, *, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mtime = size, kind, _MTIME
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info


def _go_tree_tar(platform: str) -> bytes:
    blocks = []
    for m in synthetic_members("1.22.10", platform):
        kind = tarfile.DIRTYPE if m.kind == "dir" else tarfile.REGTYPE
        info = _tar_info(m.name, size=len(m.data), kind=kind)
        info.mode = m.mode
        blocks.append(_tar_block(info, m.data))
    return b"".join(blocks)


def _gzip(chunks: list[bytes]) -> bytes:
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip member
    out = [deflate.compress(chunk) for chunk in chunks]
    out.append(deflate.flush())
    return b"".join(out)


def tar_entry_bomb(entries: int, platform: str = "linux-amd64", *, padded: bool = False) -> bytes:
    """A tar.gz of a Go tree plus ``entries`` one-byte files in go/bomb/ (a few MB).
    ``padded``: each file holds 96 incompressible bytes instead, so that the archive
    spends more compressed bytes per entry than gvw's ratio check asks (about 100 a
    file): only the entry limit stops it."""
    chunks = [_go_tree_tar(platform), _tar_block(_tar_info("go/bomb", kind=tarfile.DIRTYPE))]
    batch: list[bytes] = []
    for i in range(entries):
        seed = i.to_bytes(8, "big")
        data = hashlib.sha256(seed).digest() + hashlib.sha512(seed).digest() if padded else b"x"
        batch.append(_tar_block(_tar_info(f"go/bomb/{i:07d}", size=len(data)), data))
        if len(batch) == 4096:
            chunks.append(b"".join(batch))
            batch = []
    chunks.append(b"".join(batch) + b"\0" * (2 * tarfile.BLOCKSIZE))
    return _gzip(chunks)


def tar_size_bomb(declared: int, platform: str = "linux-amd64") -> bytes:
    """A tar.gz of a Go tree plus one header declaring ``declared`` bytes, and no data."""
    header = _tar_block(_tar_info("go/bomb.bin", size=declared))
    return _gzip([_go_tree_tar(platform), header])


def zip_entry_bomb(entries: int, platform: str = "windows-amd64") -> bytes:
    """A zip of a Go tree plus ``entries`` one-byte files, stored (no compression)."""
    raw = io.BytesIO()
    raw.write(zip_bytes(synthetic_members("1.22.10", platform)))
    raw.seek(0)
    with zipfile.ZipFile(raw, "a", compression=zipfile.ZIP_STORED) as zf:
        for i in range(entries):
            info = zipfile.ZipInfo(f"go/bomb/{i:07d}", date_time=(2000, 1, 1, 0, 0, 0))
            zf.writestr(info, b"x")
    return raw.getvalue()


def zip_size_bomb(declared: int, platform: str = "windows-amd64") -> bytes:
    """A zip of a Go tree plus one entry whose central directory record declares
    ``declared`` uncompressed bytes (zip64 past 4 GiB) over a few bytes of data."""
    raw = io.BytesIO(zip_bytes(synthetic_members("1.22.10", platform)))
    with zipfile.ZipFile(raw, "a", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("go/bomb.bin", date_time=(2000, 1, 1, 0, 0, 0)), b"tiny")
    return _declare_zip_size(raw.getvalue(), "go/bomb.bin", declared)


def _declare_zip_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite the central directory record of ``name`` to claim ``declared`` bytes,
    with a zip64 extra field holding the size (the 32-bit field says 0xFFFFFFFF)."""
    end = data.index(b"PK\x05\x06")
    record = struct.unpack_from("<I", data, end + 16)[0]  # the central directory's start
    while True:  # walk its records to the one of ``name``
        fields = list(struct.unpack_from(_CD_RECORD, data, record))
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        if data[record + 46 : record + 46 + name_len] == name.encode():
            break
        record += 46 + name_len + extra_len + comment_len
    assert extra_len == 0 and comment_len == 0, "a plain record is expected"
    fields[9] = 0xFFFFFFFF  # uncompressed size: see the zip64 extra field
    fields[11] = 4 + 8
    extra = struct.pack("<HHQ", 0x0001, 8, declared)
    new_record = (
        struct.pack(_CD_RECORD, *fields) + data[record + 46 : record + 46 + name_len] + extra
    )
    old_end = record + 46 + name_len
    rebuilt = data[:record] + new_record + data[old_end:]
    # the end-of-central-directory record holds the directory's size
    end = rebuilt.index(b"PK\x05\x06")
    cd_size = struct.unpack_from("<I", rebuilt, end + 12)[0]
    return rebuilt[: end + 12] + struct.pack("<I", cd_size + len(extra)) + rebuilt[end + 16 :]


def zip_with_unix_mode(name: str, mode: int, platform: str = "windows-amd64") -> bytes:
    """A zip of a Go tree plus one entry whose recorded unix mode is ``mode`` (a FIFO,
    a device...): zip has no such entries of its own, only these mode bits."""
    raw = io.BytesIO(zip_bytes(synthetic_members("1.22.10", platform)))
    with zipfile.ZipFile(raw, "a") as zf:
        info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
        info.create_system = 3  # unix: external_attr's high 16 bits are st_mode
        info.external_attr = mode << 16
        zf.writestr(info, b"")
    return raw.getvalue()


def tar_gz_in_two_members(tar: bytes, split: int) -> bytes:
    """``tar`` gzipped as two concatenated gzip members, split at byte ``split`` (RFC 1952
    allows it; tools that write in parts produce it)."""
    return _gzip([tar[:split]]) + _gzip([tar[split:]])
