"""Signed notes (golang.org/x/mod/sumdb/note) and their ed25519 verifier keys.

A verifier key is ``<name>+<hash>+<base64(0x01 || public key)>``, where ``hash`` is the
first four bytes of sha256(name + "\\n" + 0x01 || public key), in hex. A note is UTF-8
text ending in a newline, a blank line, then signature lines
``— <name> <base64(key hash || signature)>``. Signatures by unknown keys are ignored;
the note is trusted only with a valid signature by the expected key.

ed25519 comes from pyca/cryptography, imported only when a note is checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from gvw.base.errors import ConfigError, SumdbError

_ALG_ED25519 = 1
_MAX_SIGNATURES = 100  # as Go's note package


@dataclass(frozen=True)
class Verifier:
    name: str
    key_hash: bytes  # 4 bytes
    public_key: bytes  # 32 bytes (ed25519)

    @property
    def text(self) -> str:
        encoded = base64.b64encode(bytes([_ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"


def key_hash(name: str, key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]


def parse_verifier(text: str, *, origin: str) -> Verifier:
    """The verifier key ``name+hash+key``; ConfigError naming ``origin`` otherwise."""
    name, hash_text, key_text = [*text.split("+", 2), "", ""][:3]
    try:
        key = base64.b64decode(key_text, validate=True)
        wanted_hash = bytes.fromhex(hash_text) if len(hash_text) == 8 else b""
    except (binascii.Error, ValueError):
        key, wanted_hash = b"", b""
    problem = None
    if not _valid_name(name) or not key_text:
        problem = "is not name+hash+key"
    elif len(key) != 33 or key[0] != _ALG_ED25519:
        problem = "does not hold an ed25519 public key"
    elif key_hash(name, key) != wanted_hash:
        problem = "has a hash that does not match its name and key"
    if problem:
        raise ConfigError(
            f"the checksum database key {text!r} (set by {origin}) {problem}",
            hint="copy the key exactly as the database publishes it, e.g. "
            "GOSUMDB='sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'",
        )
    return Verifier(name, wanted_hash, key[1:])


def _valid_name(name: str) -> bool:
    return bool(name) and all(c.isprintable() and c not in " +" for c in name)


def open_note(message: bytes, verifier: Verifier, *, source: str) -> str:
    """The text of the signed note ``message`` once ``verifier``'s signature checks."""
    try:
        decoded = message.decode("utf-8")
    except UnicodeDecodeError:
        decoded = ""
    split = decoded.rfind("\n\n")
    if split < 0 or not decoded.endswith("\n"):
        raise SumdbError(f"{source} is not a signed note", hint=_HINT)
    text, signatures = decoded[: split + 1], decoded[split + 2 :].splitlines()
    if len(signatures) > _MAX_SIGNATURES:
        raise SumdbError(f"{source} has too many signatures", hint=_HINT)
    found = False
    for line in signatures:
        name, signature = _signature_line(line, source)
        if name != verifier.name or signature[:4] != verifier.key_hash:
            continue  # another signer: notes may carry several
        if not _ed25519_valid(verifier.public_key, signature[4:], text.encode()):
            raise SumdbError(
                f"{source} carries an invalid signature by {verifier.name}: "
                "the checksum database answer was forged or damaged",
                hint=_HINT,
            )
        found = True
    if not found:
        raise SumdbError(
            f"{source} is not signed by the key {verifier.text} (GOSUMDB): "
            "the database uses another key or is not the one GOSUMDB names",
            hint="check GOSUMDB (go env GOSUMDB) against the key the database publishes",
        )
    return text


def _signature_line(line: str, source: str) -> tuple[str, bytes]:
    dash, _, rest = line.partition(" ")
    name, _, encoded = rest.partition(" ")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        signature = b""
    if dash != "—" or not name or len(signature) < 5:
        raise SumdbError(f"{source} has a malformed signature line {line!r}", hint=_HINT)
    return name, signature


def _ed25519_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


_HINT = "try again later; if it persists, the database or the proxy in front of it is broken"
