"""States as words a person reads: ``label: old -> new`` lines and their parts.

Both ``gvw snapshots diff`` and restore print changes in this one form; ``gvw
snapshots`` and ``gvw snapshots show`` print whole snapshots with :func:`summary` and
:func:`describe`. Text that
comes from a snapshot file is shown with unprintable characters replaced, so a
hand-edited snapshot cannot send escape sequences to the terminal. The words for
states that are not values (``ABSENT_TEXT``, ``UNSET_TEXT``...) live here; what a file's
recorded state *is* lives in :class:`gvw.history.snapshots.model.Recorded`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gvw.base.redaction import redact_text
from gvw.base.sanitize import printable
from gvw.history.snapshots.model import FileState, ProfileFile, Recorded, Snapshot, State, Tool
from gvw.host.windows_registry import RegistryValue

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


def excerpt(text: str, limit: int = MAX_SHOWN) -> str:
    """A value from a snapshot as a part of a line: credentials redacted, anything not
    printable ``?`` (as gvw.cli.output.shown does to whole lines), and cut to ``limit``
    characters (a recorded go env file or path may be long)."""
    return printable(redact_text(text), limit)


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
    return excerpt(lines[0]) + more


def profile_text(profile: ProfileFile) -> str:
    """A shell profile in a few words: size, checksum, whether it holds gvw's block."""
    from gvw.host.shells.profiles import has_block

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
    return f"profile {excerpt(profile.path)}"


def tool_text(tool: Tool | None) -> str:
    if tool is None:
        return ABSENT_TEXT
    built = tool.go_version or "not a Go 1.18+ program"
    module = f" {tool.module} {tool.module_version}".rstrip() if tool.module else ""
    if not module and tool.path:
        module = f" {tool.path}"
    kept = "" if tool.kept else " (not kept: too large)"
    return excerpt(f"{built}{module}, sha256 {tool.sha256[:12]}{kept}")


def env_text(value: str | None) -> str:
    return UNSET_TEXT if value is None else excerpt(value) if value else '""'


def registry_text(value: RegistryValue | None) -> str:
    if value is None:
        return UNSET_TEXT
    return excerpt(value.value) + (" (REG_EXPAND_SZ)" if value.expand else "")


def sorted_versions(names: set[str]) -> list[str]:
    """Version names, oldest first (as Go orders them)."""
    from gvw.base.versions import parse_installed_name

    parsed = [(parse_installed_name(n), n) for n in names]
    return [n for v, n in sorted(parsed, key=lambda p: p[0].sort_key if p[0] else (0,) * 5)]


# --- whole snapshots (gvw snapshots, show)


def local_time(snapshot: Snapshot) -> str:
    return snapshot.created.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def summary(state: State) -> str:
    """One line: the global selection, the installed versions, how many tools."""
    recorded = state.global_file
    parts = [f"global {file_text(recorded)}" if recorded.present else "no global"]
    parts.append("Go " + ", ".join(state.installed) if state.installed else "no Go installed")
    count = len(state.tools)
    parts.append(f"{count} tool{'' if count == 1 else 's'}")
    return "; ".join(parts)


def describe(snapshot: Snapshot) -> list[str]:
    state = snapshot.state
    lines = [
        f"Snapshot {snapshot.id}",
        f"taken:        {local_time(snapshot)} (before: gvw {excerpt(snapshot.command)})",
        f"global:       {file_text(state.global_file)}",
        f"installed:    {', '.join(state.installed) or '(none)'}",
    ]
    for version_file in state.version_files:
        lines.append(f".go-version:  {excerpt(version_file.path)}: {file_text(version_file)}")
    for profile in state.profile_files:
        lines.append(f"profile:      {excerpt(profile.path)}: {profile_text(profile)}")
    if state.go_env_file is not None:
        lines.append(f"go env file:  {excerpt(state.go_env_file.path)} ({state.go_env_file.state})")
        lines += [f"  {excerpt(line)}" for line in state.go_env_file.content.splitlines() if line]
    lines.append(f"GOPATH/bin:   {excerpt(state.tools_dir) or '(none)'}")
    width = max((len(excerpt(t.name)) for t in state.tools), default=0)
    for tool in state.tools:
        lines.append(f"  {excerpt(tool.name):<{width}}  {tool.size:>10} bytes  {tool_text(tool)}")
    if state.registry is not None:
        lines.append("registry:     HKCU\\Environment")
        for name, value in state.registry.items():
            lines.append(f"  {excerpt(name)} = {excerpt(value.value)} ({value.kind})")
    lines.append("environment:")
    for name, text in state.process_env.items():
        lines.append(f"  {name}={excerpt(text)}")
    record = snapshot.module_list
    if record is not None:
        count = len(record.modules)
        lines.append(
            f"modules:      {excerpt(record.directory)} under Go {record.go_version} "
            f"(go list -m all, {count} module{'' if count == 1 else 's'})"
        )
        lines += [f"  {excerpt(module)}" for module in record.modules]
    lines.append(f"scope:        {scope_text(snapshot)}")
    return lines


def scope_text(snapshot: Snapshot) -> str:
    """What gvw rollback of ``snapshot`` puts back, in words."""
    if snapshot.scope is None:
        return "everything (gvw rollback and gvw restore put back all of the above)"
    kinds = ", ".join(snapshot.scope) or "nothing"
    return f"{kinds} (what gvw rollback puts back; gvw restore, all of the above)"
