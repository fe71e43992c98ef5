"""The shell profiles ``gvw setup`` edits, and the marked block it adds to them.

The block is a begin marker, the profile line and an end marker, appended at the end
(after the user's own prompt, PATH and compinit lines, which the integration builds
on). ``--undo`` removes the marked lines and nothing else; the file's line endings
and bytes outside the block are kept.

Snapshots record these files before setup changes them; a restore writes back only
to the paths :func:`managed_profile_files` gives for the user now. A profile's
identity lives here too: its path as recorded (:func:`profile_path`), how two paths are
compared (:func:`profile_key`, case-insensitive on Windows), the names a profile can
have (:func:`is_profile_name`), and the largest one gvw edits (:data:`MAX_PROFILE_FILE`).
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Mapping
from pathlib import Path, PurePath

from gvw.host.shells import SETUP_SHELLS

BEGIN = "# >>> gvw >>> added by `gvw setup`; `gvw setup --undo` removes it"
END = "# <<< gvw <<<"
_BEGIN_PREFIX = "# >>> gvw >>>"
# the names profile_files() can give: a snapshot records no other file as a profile
PROFILE_NAMES = (".bashrc", ".zshrc", "gvw.fish", "profile.ps1")
# gvw setup refuses to edit a larger profile: a snapshot keeps at most this much of one
MAX_PROFILE_FILE = 1 << 20


def profile_path(path: PurePath) -> Path:
    """A profile's path as snapshots record it: absolute and normalised."""
    return Path(os.path.abspath(path))


def profile_key(path: str, *, windows: bool) -> str:
    """How profile paths are compared: case-insensitively on Windows."""
    return ntpath.normcase(path) if windows else path


def is_profile_name(name: str, *, windows: bool) -> bool:
    """Whether a file called ``name`` can be a profile :func:`profile_files` gives."""
    return (name.lower() if windows else name) in PROFILE_NAMES


def profile_files(
    shell: str, env: Mapping[str, str], *, windows: bool, documents: Path | None = None
) -> list[Path]:
    """The files that load ``shell``'s integration.

    PowerShell: the CurrentUserAllHosts profile (profile.ps1), which the console, Windows
    Terminal and the VS Code terminal all run, for Windows PowerShell 5.1
    (Documents\\WindowsPowerShell) and PowerShell 7 (Documents\\PowerShell); Documents is
    the known folder (OneDrive may move it), as PowerShell's own $PROFILE uses.
    """
    home = Path(env.get("USERPROFILE" if windows else "HOME") or Path.home())
    config = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    if shell == "bash":
        return [home / ".bashrc"]
    if shell == "zsh":
        return [Path(env.get("ZDOTDIR") or home) / ".zshrc"]
    if shell == "fish":
        return [config / "fish" / "conf.d" / "gvw.fish"]
    if shell == "powershell":
        if not windows:
            return [config / "powershell" / "profile.ps1"]
        documents = documents or documents_dir() or home / "Documents"
        return [
            documents / "WindowsPowerShell" / "profile.ps1",
            documents / "PowerShell" / "profile.ps1",
        ]
    raise ValueError(f"no profile for {shell}")


def managed_profile_files(
    env: Mapping[str, str], *, windows: bool, documents: Path | None = None
) -> list[Path]:
    """Every profile ``gvw setup`` may edit for this user now, for every shell."""
    found = (
        p
        for shell in SETUP_SHELLS
        for p in profile_files(shell, env, windows=windows, documents=documents)
    )
    return list(dict.fromkeys(found))


def documents_dir() -> Path | None:
    """The Documents known folder (SHGetKnownFolderPath), on Windows only."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    class GUID(ctypes.Structure):
        _fields_ = [
            ("Data1", wintypes.DWORD),
            ("Data2", wintypes.WORD),
            ("Data3", wintypes.WORD),
            ("Data4", ctypes.c_ubyte * 8),
        ]

    # FOLDERID_Documents {FDD39AD0-238F-46AF-ADB4-6C85480369C7}
    folder = GUID(
        0xFDD39AD0,
        0x238F,
        0x46AF,
        (ctypes.c_ubyte * 8)(0xAD, 0xB4, 0x6C, 0x85, 0x48, 0x03, 0x69, 0xC7),
    )
    found = ctypes.c_wchar_p()
    result = ctypes.windll.shell32.SHGetKnownFolderPath(
        ctypes.byref(folder), 0, None, ctypes.byref(found)
    )
    try:
        return Path(found.value) if result == 0 and found.value else None
    finally:
        ctypes.windll.ole32.CoTaskMemFree(found)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def with_block(text: str, line: str) -> str:
    """``text`` with one gvw block holding ``line``: an existing block is replaced in
    place, else one is appended (after a line break, if the text lacks a final one)."""
    nl = _newline(text)
    block = f"{BEGIN}{nl}{line}{nl}{END}{nl}"
    start, end = _find_block(text)
    if start is not None:
        return text[:start] + block + text[end:]
    if text and not text.endswith("\n"):
        text += nl
    return text + block


def without_block(text: str) -> str:
    """``text`` without the gvw block(s)."""
    start, end = _find_block(text)
    while start is not None:
        text = text[:start] + text[end:]
        start, end = _find_block(text)
    return text


def has_block(text: str) -> bool:
    """Whether ``text`` holds a gvw block."""
    return _find_block(text)[0] is not None


def _find_block(text: str) -> tuple[int | None, int]:
    """Offsets of the first block, from the start of its begin line to after its end
    line (an unterminated block runs to the end of the text)."""
    offset = 0
    start = None
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if start is None and stripped.startswith(_BEGIN_PREFIX):
            start = offset
        elif start is not None and stripped == END:
            return start, offset + len(line)
        offset += len(line)
    return start, len(text)
