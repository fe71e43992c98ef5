"""Differences between two module lists (go list -m all under two Go versions)."""

from __future__ import annotations

from gvw.workflows.module_list import module_changes


def test_added_removed_and_changed_modules_are_named_by_path() -> None:
    before = [
        "example.com/app",
        "golang.org/x/net v0.30.0",
        "golang.org/x/text v0.19.0",
        "example.com/old v1.0.0 => ../old",
    ]
    after = ["example.com/app", "golang.org/x/net v0.31.0", "golang.org/x/sys v0.26.0"]
    changes = module_changes(before, after)
    assert changes.lines() == [
        "+ golang.org/x/sys v0.26.0",
        "- example.com/old v1.0.0 => ../old",
        "- golang.org/x/text v0.19.0",
        "~ golang.org/x/net v0.30.0 -> v0.31.0",
    ]
    assert changes.as_json()["changed"] == [
        {"path": "golang.org/x/net", "old": "v0.30.0", "new": "v0.31.0"}
    ]
    assert module_changes(after, after).none
