"""The configuration file and the environment variables that override it.

``config.toml`` (``GVW_CONFIG``, else the platform config dir) holds the mirror, the
index cache lifetime, time-outs and retention rules. Environment variables override
the file; command-line options override both (the CLI applies those).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from gvw.base.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

DEFAULT_MIRROR = "https://go.dev/dl/"
DEFAULT_VULNDB = "https://vuln.go.dev"  # Go's vulnerability database; "off": none


@dataclass(frozen=True)
class Config:
    mirror: str = DEFAULT_MIRROR
    index_cache_seconds: int = 3600
    timeout_seconds: float = 30.0
    retries: int = 3  # more attempts after a reset, time-out or 5xx (docs/installing.md)
    snapshot_keep: int = 50
    snapshot_max_age_days: int = 90
    trash_keep: int = 5
    trash_max_age_days: int = 30
    audit_max_bytes: int = 1 << 20  # the audit log rotates before it grows past this
    audit_keep: int = 5  # rotated audit logs kept
    auto_install: bool = False  # shims install a missing selected version (opt-in)
    vulndb: str = DEFAULT_VULNDB  # GOVULNDB overrides it, as for Go's own tools


# how a message names the type of a TOML value ("must be a number, not a string")
_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def _kind_of(value: object) -> str:
    for kind in (bool, str, int, float, list, dict):  # bool first: it is also an int
        if isinstance(value, kind):
            return _KIND_NAMES[kind]
    return f"a {type(value).__name__}"  # TOML dates and times


# setting name -> environment variable that overrides it
ENV_OVERRIDES = {
    "mirror": "GVW_MIRROR",
    "timeout_seconds": "GVW_TIMEOUT",
    "retries": "GVW_RETRIES",
    "vulndb": "GOVULNDB",
}


def load_config(config_file: Path, env: Mapping[str, str]) -> Config:
    """Read the config file (missing is fine), then apply environment overrides."""
    values: dict[str, Any] = {}
    try:
        raw = config_file.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {config_file}: {exc.strerror}") from exc
    if raw is not None:
        try:
            values = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"config file {config_file} is not valid TOML: {exc}",
                hint=f"fix or remove {config_file}",
            ) from exc
    config = _validated(values, origin=f"config file {config_file}")
    overrides = {name: env[var] for name, var in ENV_OVERRIDES.items() if env.get(var, "").strip()}
    if overrides:
        config = replace(
            config,
            **_validated(overrides, origin="environment", base=config, coerce=True).__dict__,
        )
    return config


def _validated(
    values: Mapping[str, Any],
    *,
    origin: str,
    base: Config | None = None,
    coerce: bool = False,
) -> Config:
    known = {f.name: f for f in fields(Config)}
    result = dict((base or Config()).__dict__)
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r} in {origin}",
                hint=f"known settings: {', '.join(sorted(known))}",
            )
        expected = type(getattr(Config(), key))
        where = f"{ENV_OVERRIDES[key]} ({origin})" if coerce else f"{key!r} in {origin}"
        if coerce and expected is not str:
            try:
                value = expected(value)
            except ValueError:
                raise ConfigError(f"{where} must be a number, not {value!r}") from None
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(
                f"{where} must be {_KIND_NAMES[expected]}, not {_kind_of(value)}",
                hint=f"fix {origin.removeprefix('config file ')}",
            )
        if expected in (int, float) and (not math.isfinite(value) or value < 0):
            raise ConfigError(f"{where} must be a finite number, not negative")
        if key == "timeout_seconds" and value == 0:
            raise ConfigError(f"{where} must be more than 0")
        result[key] = value
    return Config(**result)
