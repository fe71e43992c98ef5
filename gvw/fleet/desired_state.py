"""The fleet manifest (TOML): which Go versions a machine should have.

    [go]
    versions = ["1.21.13", "1.22"]   # exact releases or family specs
    global = "1.22"                  # optional: one of the versions
    prune = false                    # true: installed versions not named here go
    mirror = "https://mirror.corp.example/golang/"   # optional
    lock = "go.lock.toml"            # optional, relative to the manifest, in its directory
    refuse = ["vulnerable", "unsupported"]   # optional policy (gvw.fleet.policy)

Everything is checked before anything changes; each error names the file, the key
and the value, so the person fixing it knows where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from gvw.base.bounded import InputRefused, parse_toml, read_regular_file
from gvw.base.errors import ConfigError, GvwError
from gvw.base.versions import ExactSpec, LatestSpec, Spec, SystemSpec, newest_matching, parse_spec
from gvw.fleet.policy import RULES, Rule
from gvw.install.mirror import Mirror

_KEYS = {"versions", "global", "prune", "mirror", "lock", "refuse"}
MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class Manifest:
    path: Path
    specs: tuple[tuple[str, Spec], ...]  # (as written, parsed), in manifest order
    global_spec: tuple[str, Spec] | None
    prune: bool
    mirror: Mirror | None
    lock: Path | None  # absolute; None when the manifest names none
    refuse: tuple[Rule, ...] = ()  # the policy: "vulnerable", "unsupported"

    def default_lock(self) -> Path:
        """Where ``gvw lock`` writes when the manifest names no lock file."""
        stem = (
            self.path.name[: -len(".toml")] if self.path.name.endswith(".toml") else self.path.name
        )
        return self.lock or self.path.with_name(f"{stem}.lock.toml")


def load_manifest(path: Path) -> Manifest:
    where = str(path)
    try:
        raw = read_regular_file(path, MAX_MANIFEST_BYTES)
        document = parse_toml(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the manifest {where}: {exc.strerror}",
            hint="give the path of a TOML manifest: gvw apply FILE",
        ) from exc
    except InputRefused as refused:
        raise ConfigError(f"the manifest {where} {refused.reason}", hint=_fix(where)) from None
    except ValueError as exc:  # not UTF-8, not TOML
        raise ConfigError(
            f"the manifest {where} is not valid TOML: {exc}", hint=_fix(where)
        ) from None
    return parse_manifest(document, path=path)


def parse_manifest(document: dict[str, Any], *, path: Path) -> Manifest:
    where = str(path)
    extra = sorted(set(document) - {"go"})
    if extra:
        raise _bad(where, extra[0], document[extra[0]], "only a [go] table is allowed")
    go = document.get("go")
    if not isinstance(go, dict):
        raise _bad(where, "go", go, "a [go] table with versions = [...] is required")
    unknown = sorted(set(go) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        raise _bad(where, f"go.{unknown[0]}", go[unknown[0]], f"unknown key (known: {known})")
    versions = go.get("versions")
    if not isinstance(versions, list) or not versions:
        raise _bad(where, "go.versions", versions, "a non-empty list of version strings")
    specs = tuple(
        (_text(where, f"go.versions[{i}]", v), _spec(where, f"go.versions[{i}]", v))
        for i, v in enumerate(versions)
    )
    global_spec = None
    if "global" in go:
        text = _text(where, "go.global", go["global"])
        global_spec = (text, _spec(where, "go.global", text))
        if not _listed(global_spec[1], [s for _, s in specs]):
            raise _bad(where, "go.global", text, "must be one of go.versions (or a release of one)")
    prune = go.get("prune", False)
    if not isinstance(prune, bool):
        raise _bad(where, "go.prune", prune, "true or false")
    mirror = None
    if "mirror" in go:
        text = _text(where, "go.mirror", go["mirror"])
        try:
            mirror = Mirror.parse(text, origin=f"go.mirror in {where}")
        except GvwError as exc:
            raise ConfigError(exc.message, hint=_fix(where)) from None
    lock = None
    if "lock" in go:
        lock = _lock_path(where, path.parent, _text(where, "go.lock", go["lock"]))
    return Manifest(path, specs, global_spec, prune, mirror, lock, _refuse(where, go))


def _refuse(where: str, go: dict[str, Any]) -> tuple[Rule, ...]:
    value = go.get("refuse", [])
    known: dict[str, Rule] = {rule: rule for rule in RULES}
    if not isinstance(value, list):
        raise _bad(where, "go.refuse", value, f"a list of {', '.join(map(repr, RULES))}")
    rules: list[Rule] = []
    for index, item in enumerate(value):
        rule = known.get(item) if isinstance(item, str) else None
        if rule is None:
            raise _bad(where, f"go.refuse[{index}]", item, f"one of {', '.join(map(repr, RULES))}")
        rules.append(rule)
    return tuple(dict.fromkeys(rules))


_IN_ITS_DIRECTORY = "a file name relative to the manifest, in its directory or below it"


def _lock_path(where: str, directory: Path, text: str) -> Path:
    """The lock file is relative to the manifest and stays in its directory (or below
    it): an absolute path, a drive, ``..`` or a link that leads out would let a manifest
    make ``gvw lock`` overwrite any file its user can write. Control characters are
    refused too: the name is printed."""
    pure = PureWindowsPath(text)  # splits at / and \ alike, knows drives and UNC shares
    if PurePosixPath(text).is_absolute() or pure.anchor or ".." in pure.parts:
        raise _bad(where, "go.lock", text, _IN_ITS_DIRECTORY)
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise _bad(where, "go.lock", text, "a file name without control characters")
    lock = directory / text
    try:  # links followed, as writing the lock would follow them
        inside = lock.resolve().is_relative_to(directory.resolve())
    except (OSError, RuntimeError):  # a link loop
        inside = False
    if not inside:
        raise _bad(where, "go.lock", text, f"{_IN_ITS_DIRECTORY} (a link leads elsewhere)")
    return lock


def _listed(wanted: Spec, specs: list[Spec]) -> bool:
    """``global`` names a versions entry, or an exact release one of them can select."""
    if any(str(wanted) == str(s) for s in specs):
        return True
    return isinstance(wanted, ExactSpec) and any(
        newest_matching(s, [wanted.version]) == wanted.version for s in specs
    )


def _text(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(where, key, value, "a non-empty string")
    return value.strip()


def _spec(where: str, key: str, value: object) -> Spec:
    text = _text(where, key, value)
    try:
        spec = parse_spec(text, origin=f"{key} in {where}")
    except GvwError as exc:
        raise ConfigError(exc.message, hint=_fix(where)) from None
    if isinstance(spec, SystemSpec):
        raise _bad(where, key, text, '"system" is not a version gvw installs')
    if isinstance(spec, LatestSpec):
        # "latest" drifts with every Go release: a fleet would change under its owner
        raise _bad(where, key, text, "name a release or a family such as 1.22, not latest")
    return spec


def _bad(where: str, key: str, value: object, expected: str) -> ConfigError:
    if value is None:
        shown = "(missing)"
    else:
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return ConfigError(f"{where}: {key} = {shown}: {expected}", hint=_fix(where))


def _fix(where: str) -> str:
    return f"fix {where}, then check it with: gvw apply {where} --check"
