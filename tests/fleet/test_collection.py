"""The gvw.go collection as users install it: the tarball ansible-galaxy builds, installed
with ansible-galaxy (the copy every playbook test uses), documented for ansible-doc, clean
under ansible-test sanity; and the Windows module, which cannot run here, checked
statically against its Python twin."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.ansible_hosts import (
    COLLECTION_SOURCE,
    InstalledCollection,
    ansible_env,
    ansible_tool,
)
from tests.support.gvw_env import REPO
from tests.support.powershell import parse, syntax_errors, text, walk

MODULES = ("toolchains", "facts", "win_toolchains")
ROLES = ("rollout", "drift")
FILTERS = ("rollout_summary", "rollout_outcome")
WINDOWS_MODULE = COLLECTION_SOURCE / "plugins" / "modules" / "win_toolchains.ps1"


def ansible_doc(collection: InstalledCollection, tmp_path: Path, *args: str) -> Any:
    done = subprocess.run(
        [ansible_tool("ansible-doc"), "--json", *args],
        env=ansible_env(tmp_path, collection.path),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_tarball_holds_the_modules_roles_and_filters_and_installs_where_tests_load_it(
    installed_collection: InstalledCollection, tmp_path: Path
) -> None:
    with tarfile.open(installed_collection.tarball) as tarball:
        names = set(tarball.getnames())
    expected = {
        *(f"plugins/modules/{m}.py" for m in MODULES),
        "plugins/modules/win_toolchains.ps1",
        "plugins/module_utils/gvw.py",
        "plugins/doc_fragments/gvw.py",
        "plugins/filter/rollout.py",
        *(f"roles/{r}/{f}" for r in ROLES for f in ("tasks/main.yml", "meta/argument_specs.yml")),
        "MANIFEST.json",
        "FILES.json",
    }
    assert expected <= names, expected - names
    assert not [n for n in names if n.startswith("tests/output")]  # ansible-test's output
    manifest = json.loads((installed_collection.root / "MANIFEST.json").read_text("utf-8"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"]) == ("gvw", "go")
    found = ansible_doc(installed_collection, tmp_path, "-t", "module", "gvw.go.toolchains")
    assert found["gvw.go.toolchains"]["doc"]["filename"].startswith(
        str(installed_collection.root)
    )  # the installed copy, not the repository's


def test_every_module_role_and_filter_is_documented_with_examples(
    installed_collection: InstalledCollection, tmp_path: Path
) -> None:
    modules = ansible_doc(
        installed_collection, tmp_path, "-t", "module", *(f"gvw.go.{m}" for m in MODULES)
    )
    for name in MODULES:
        entry = modules[f"gvw.go.{name}"]
        assert entry["doc"]["short_description"] and entry["doc"]["options"], name
        assert entry["examples"].strip() and entry["return"], name
    for role in ROLES:
        entry = ansible_doc(installed_collection, tmp_path, "-t", "role", f"gvw.go.{role}")
        main = entry[f"gvw.go.{role}"]["entry_points"]["main"]
        assert main["short_description"] and main["options"], role
    filters = ansible_doc(
        installed_collection, tmp_path, "-t", "filter", *(f"gvw.go.{f}" for f in FILTERS)
    )
    for name in FILTERS:
        assert filters[f"gvw.go.{name}"]["examples"].strip(), name
    roles = [p.name for p in (COLLECTION_SOURCE / "roles").iterdir()]
    assert sorted(roles) == sorted(ROLES)  # a new role gets documented and listed here


@pytest.mark.slow  # about a minute; the first run installs the linters from PyPI
def test_ansible_test_sanity_passes_for_the_collection() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "ansible_sanity.py")],
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-6000:]
    assert 'Running sanity test "validate-modules"' in done.stdout


# --- the Windows module, read without PowerShell ------------------------------------------


def windows_options() -> dict[str, dict[str, str]]:
    """The options of win_toolchains.ps1's argument spec: name -> {key: value source}."""
    tree = parse(WINDOWS_MODULE.read_text("utf-8"))
    for node in walk(tree.root_node):
        if node.type == "hash_entry" and text(node).startswith("options"):
            body = next(n for n in walk(node) if n.type == "hash_literal_body")
            options: dict[str, dict[str, str]] = {}
            for entry in body.children:
                if entry.type != "hash_entry":
                    continue
                name = text(entry.children[0])
                settings = re.findall(r"(\w+) = ('[^']*'|\$\w+|\d+)", text(entry))
                options[name] = {k: v.strip("'") for k, v in settings}
            return options
    raise AssertionError("no options in win_toolchains.ps1")


def python_flags() -> set[str]:
    """The gvw options toolchains.py passes to gvw apply."""
    module = ast.parse((COLLECTION_SOURCE / "plugins" / "modules" / "toolchains.py").read_text())
    return {
        node.value
        for node in ast.walk(module)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("--")
    }


def test_the_windows_module_parses_and_has_the_python_modules_options_and_defaults(
    installed_collection: InstalledCollection, tmp_path: Path
) -> None:
    script = WINDOWS_MODULE.read_text("utf-8")
    assert syntax_errors(script) == []
    documented = ansible_doc(installed_collection, tmp_path, "-t", "module", "gvw.go.toolchains")
    options = documented["gvw.go.toolchains"]["doc"]["options"]
    found = windows_options()
    assert sorted(found) == sorted(options)
    for name, spec in options.items():
        assert found[name]["type"] == spec["type"], name
        default = spec.get("default")
        if name == "gvw":  # PATH's gvw.exe on Windows; toolchains.py may fall back to python -m gvw
            assert found[name]["default"] == "gvw"
        elif isinstance(default, bool):
            assert found[name]["default"] == f"${str(default).lower()}", name
        elif default is not None:
            assert found[name]["default"] == str(default), name
        assert ("no_log" in found[name]) == bool(name == "mirror"), name


def test_the_windows_module_runs_gvw_with_the_same_options_and_returns_the_same_keys(
    installed_collection: InstalledCollection, tmp_path: Path
) -> None:
    script = WINDOWS_MODULE.read_text("utf-8")
    tree = parse(script)
    literals = {text(n).strip("'") for n in walk(tree.root_node) if n.type == "string_literal"}
    assert {flag for flag in literals if flag.startswith("--")} == python_flags()
    assert {"apply", "facts"} <= literals
    # the quoting and process helpers come from ansible-core, exported as the script uses them
    import ansible

    utils = Path(ansible.__file__).parent / "module_utils" / "powershell"
    for required, function in (
        ("Ansible.ModuleUtils.ArgvParser", "Argv-ToString"),
        ("Ansible.ModuleUtils.CommandUtil", "Run-Command"),
    ):
        assert f"#Requires -Module {required}" in script
        assert f"Function {function}" in (utils / f"{required}.psm1").read_text("utf-8")
        assert function in script
    returned = set(re.findall(r"\$module\.Result\.(\w+) =", script))
    documented = ansible_doc(
        installed_collection, tmp_path, "-t", "module", "gvw.go.win_toolchains"
    )["gvw.go.win_toolchains"]["return"]
    assert returned - {"changed", "stderr"} == set(documented)
