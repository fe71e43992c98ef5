"""States as words a person reads: ``label: old -> new`` lines and their parts.

Both ``gvw snapshots diff`` and restore print changes in this one form. Text that
comes from a snapshot file is shown with unprintable characters replaced, so a
hand-edited snapshot cannot send escape sequences to the terminal. The words for
states that are not values (``ABSENT_TEXT``, ``UNSET_TEXT``...) live here; what a file's
recorded state *is* lives in :class:`gvw.snapshots.model.Recorded`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gvw.registry import RegistryValue
from gvw.snapshots.model import FileState, ProfileFile, Recorded, Tool

NOT_INSTALLED = "not installed"
ABSENT_TEXT = "(absent)"
UNSET_TEXT = "(unset)"
NOT_RECORDED_TEXT = "(not recorded)"
MAX_SHOWN = 200


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    note: str = ""  # how a restore did it, e.g. "from the trash"

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.label}: {self.old} -> {self.new}{note}"


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """Printable on a terminal: control characters become ``?``; long text is cut."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def file_text(state: FileState) -> str:
    """A version file as a word: its first line, ``(absent)`` or ``(not recorded)``."""
    if state.state is Recorded.UNRECORDED:
        return NOT_RECORDED_TEXT
    if not state.present:
        return ABSENT_TEXT
    lines = [line.strip() for line in state.content.lstrip("\ufeff").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        return "(no version)"
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return shown(lines[0]) + more


def profile_text(profile: ProfileFile) -> str:
    """A shell profile in a few words: size, checksum, whether it holds gvw's block."""
    from gvw.shells.profiles import has_block

    if profile.state is Recorded.UNRECORDED:
        return NOT_RECORDED_TEXT
    if not profile.present:
        return ABSENT_TEXT
    size = len(profile.data)
    digest = hashlib.sha256(profile.data).hexdigest()
    text = f"{size} byte{'' if size == 1 else 's'}, sha256 {digest[:12]}"
    if has_block(profile.data.decode("utf-8", "surrogateescape")):
        text += ", with the gvw block"
    return text


def profile_label(profile: ProfileFile) -> str:
    return f"profile {shown(profile.path)}"


def tool_text(tool: Tool | None) -> str:
    if tool is None:
        return ABSENT_TEXT
    built = tool.go_version or "not a Go 1.18+ program"
    module = f" {tool.module} {tool.module_version}".rstrip() if tool.module else ""
    if not module and tool.path:
        module = f" {tool.path}"
    return shown(f"{built}{module}, sha256 {tool.sha256[:12]}")


def env_text(value: str | None) -> str:
    return UNSET_TEXT if value is None else shown(value) if value else '""'


def registry_text(value: RegistryValue | None) -> str:
    if value is None:
        return UNSET_TEXT
    return shown(value.value) + (" (REG_EXPAND_SZ)" if value.expand else "")


def sorted_versions(names: set[str]) -> list[str]:
    """Version names, oldest first (as Go orders them)."""
    from gvw.versions import parse_installed_name

    parsed = [(parse_installed_name(n), n) for n in names]
    return [n for v, n in sorted(parsed, key=lambda p: p[0].sort_key if p[0] else (0,) * 5)]
