"""Go build information blobs as the linker writes them (debug/buildinfo): for programs
made up by the tests, whose build information says what the test needs it to say."""

from __future__ import annotations

from gvw.host.buildinfo import MAGIC

FRAME = b"0123456789abcdef"  # the 16-byte sentinels around the module information


def aligned_blob(version: bytes, modinfo: bytes, *, flags: int = 2, ptr: int = 8) -> bytes:
    """The blob at a 16-byte boundary: header, then the version and module strings."""

    def varint(n: int) -> bytes:
        out = b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    header = MAGIC + bytes([ptr, flags]) + b"\0" * 16
    return header + varint(len(version)) + version + varint(len(modinfo)) + modinfo


def program_claiming(package: str, module: str, version: str, go: str = "go1.21.13") -> bytes:
    """A "program" whose build information names ``package`` of ``module`` at ``version``."""
    modinfo = f"path\t{package}\nmod\t{module}\t{version}\t\n".encode()
    return b"\0" * 16 + aligned_blob(go.encode(), FRAME + modinfo + FRAME) + b"\0" * 64
