"""A TOML table read strictly: typed getters that name the field, and no unknown keys."""

from __future__ import annotations

from typing import Any


class Invalid(ValueError):
    """A snapshot that does not follow the format; the message names the field."""


class Table:
    """A TOML table read strictly: typed getters that name the field, and no unknown keys."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise Invalid(f"{where or 'the file'} is not a table")
        self.data: dict[str, Any] = data
        self.where = where
        self.seen: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is not None:
                return default
            raise Invalid(f"{self.name(key)} is missing")
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise Invalid(f"{self.name(key)} must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value: str = self.get(key, str, default)
        if "\0" in value:
            raise Invalid(f"{self.name(key)} contains a NUL character")
        return value

    def number(self, key: str) -> int:
        value: int = self.get(key, int)
        if value < 0:
            raise Invalid(f"{self.name(key)} must not be negative")
        return value

    def texts(self, key: str) -> list[str]:
        items = self.get(key, list)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise Invalid(f"{self.name(key)}[{index}] must be a str")
        return list(items)

    def table(self, key: str) -> Table:
        return Table(self.get(key, dict), self.name(key))

    def tables(self, key: str) -> list[Table]:
        return [Table(t, f"{self.name(key)}[{i}]") for i, t in enumerate(self.get(key, list))]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise Invalid(f"unknown field {self.name(unknown[0])}")
