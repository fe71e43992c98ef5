"""What differs between two states, as lines a person reads: ``label: old -> new``.

Both ``gvw snapshots diff`` and restore print changes in this one form. Text that
comes from a snapshot file is shown with unprintable characters replaced, so a
hand-edited snapshot cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gvw.goenv import PROCESS_VARS, parse_go_env
from gvw.snapshots.model import PRESENT, UNRECORDED, FileState, ProfileFile, State, Tool

NOT_INSTALLED = "not installed"
ABSENT = "(absent)"
UNSET = "(unset)"
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
    if state.state == UNRECORDED:
        return "(not recorded)"
    if state.state != PRESENT:
        return ABSENT
    lines = [line.strip() for line in state.content.lstrip("\ufeff").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        return "(no version)"
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return shown(lines[0]) + more


def profile_text(profile: ProfileFile) -> str:
    """A shell profile in a few words: size, checksum, whether it holds gvw's block."""
    from gvw.shells.profiles import has_block

    if profile.state == UNRECORDED:
        return "(not recorded)"
    if not profile.present:
        return ABSENT
    size = len(profile.data)
    digest = hashlib.sha256(profile.data).hexdigest()
    text = f"{size} byte{'' if size == 1 else 's'}, sha256 {digest[:12]}"
    if has_block(profile.data.decode("utf-8", "surrogateescape")):
        text += ", with the gvw block"
    return text


def profile_label(profile: ProfileFile) -> str:
    return f"profile {shown(profile.path)}"


def tool_text(tool: Tool) -> str:
    built = tool.go_version or "not a Go 1.18+ program"
    module = f" {tool.module} {tool.module_version}".rstrip() if tool.module else ""
    if not module and tool.path:
        module = f" {tool.path}"
    return shown(f"{built}{module}, sha256 {tool.sha256[:12]}")


def go_env_values(state: FileState | None) -> dict[str, str] | None:
    if state is None or state.state == UNRECORDED:
        return None
    return parse_go_env(state.content) if state.present else {}


def diff(old: State, new: State) -> list[Change]:
    """Every difference from ``old`` to ``new``, in a fixed order: selection, versions,
    version files, shell profiles, go env file, GOPATH/bin, registry, process
    environment."""
    changes: list[Change] = []

    def add(label: str, a: str, b: str) -> None:
        if a != b:
            changes.append(Change(label, a, b))

    if UNRECORDED not in (old.global_file.state, new.global_file.state):
        add("global", file_text(old.global_file), file_text(new.global_file))
    for name in sorted_versions(set(old.installed) | set(new.installed)):
        add(f"Go {name}", _installed(name, old), _installed(name, new))
    new_files = {f.path: f for f in new.version_files}
    for before in old.version_files:
        after = new_files.get(before.path)
        if after is not None and UNRECORDED not in (before.state, after.state):
            add(shown(before.path), file_text(before), file_text(after))
    new_profiles = {f.path: f for f in new.profile_files}
    for was in old.profile_files:
        now = new_profiles.get(was.path)
        if now is not None and UNRECORDED not in (was.state, now.state):
            add(profile_label(was), profile_text(was), profile_text(now))
    changes += go_env_changes(old.go_env_file, new.go_env_file)
    changes += tool_changes(old, new)
    if old.registry is not None and new.registry is not None:
        # names are case-insensitive in the registry ("Path" and "PATH" are one)
        old_reg = {k.upper(): (k, v) for k, v in old.registry.items()}
        new_reg = {k.upper(): (k, v) for k, v in new.registry.items()}
        for key in sorted(set(old_reg) | set(new_reg)):
            a, b = old_reg.get(key), new_reg.get(key)
            name = (b or a or (key, None))[0]
            add(
                f"registry {shown(name)}",
                registry_text(a[1] if a else None),
                registry_text(b[1] if b else None),
            )
    for var in PROCESS_VARS:
        add(f"${var}", _env(old.process_env.get(var)), _env(new.process_env.get(var)))
    return changes


def go_env_changes(old: FileState | None, new: FileState | None) -> list[Change]:
    before, after = go_env_values(old), go_env_values(new)
    if before is None or after is None or old is None or new is None:
        return []
    changes = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            changes.append(Change(f"go env {shown(key)}", _env(a), _env(b)))
    if not changes and (old.state, old.content) != (new.state, new.content):
        changes.append(Change(f"go env file {shown(new.path)}", "(as it was)", "(edited)"))
    return changes


def tool_changes(old: State, new: State) -> list[Change]:
    if old.tools_dir != new.tools_dir:
        return [Change("GOPATH/bin", shown(old.tools_dir or UNSET), shown(new.tools_dir or UNSET))]
    before = {t.name: t for t in old.tools}
    after = {t.name: t for t in new.tools}
    changes = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is None or b is None or a.sha256 != b.sha256:
            changes.append(
                Change(
                    f"GOPATH/bin/{shown(name)}",
                    tool_text(a) if a else ABSENT,
                    tool_text(b) if b else ABSENT,
                )
            )
    return changes


def sorted_versions(names: set[str]) -> list[str]:
    from gvw.versions import parse_installed_name

    parsed = [(parse_installed_name(n), n) for n in names]
    return [n for v, n in sorted(parsed, key=lambda p: p[0].sort_key if p[0] else (0,) * 5)]


def _installed(name: str, state: State) -> str:
    return "installed" if name in state.installed else NOT_INSTALLED


def _env(value: str | None) -> str:
    return UNSET if value is None else shown(value) if value else '""'


def registry_text(value: object) -> str:
    from gvw.registry import RegistryValue

    if not isinstance(value, RegistryValue):
        return UNSET
    return shown(value.value) + (" (REG_EXPAND_SZ)" if value.expand else "")
