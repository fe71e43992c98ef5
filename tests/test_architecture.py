"""The shape of gvw/ is a checked contract (docs/dev/architecture.md): packages in
layers whose imports point down, and no import cycle anywhere, checked by import-linter
from the project's own configuration (pyproject.toml) as scripts/test runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the gvw package in ``tree`` (it analyses the package found from
    the working directory, which comes first on its path)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_of_gvw(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "gvw", tmp_path / "gvw", ignore=shutil.ignore_patterns("shim_files"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_and_acyclicity_contracts_hold_for_gvw() -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract_and_names_itself(tmp_path: Path) -> None:
    """The base importing the CLI (even lazily, inside a function) fails the check."""
    tree = copy_of_gvw(tmp_path)
    versions = tree / "gvw" / "base" / "versions.py"
    lines = versions.read_text().count("\n")
    with versions.open("a") as handle:
        handle.write("\n\ndef _upward() -> None:\n    from gvw.cli import app  # noqa: F401\n")
    done = lint_imports(tree)
    assert done.returncode == 1, done.stdout
    assert "gvw packages are layered: imports point down BROKEN" in done.stdout
    assert f"gvw.base.versions -> gvw.cli.app (l.{lines + 4})" in done.stdout


def test_a_cycle_between_two_modules_of_one_package_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_gvw(tmp_path)
    with (tree / "gvw" / "install" / "gunzip.py").open("a") as handle:
        handle.write("\n\nfrom gvw.install import archive  # noqa: E402, F401\n")
    done = lint_imports(tree)
    assert done.returncode == 1, done.stdout
    assert "no import cycles between modules or packages anywhere in gvw BROKEN" in done.stdout


def test_no_module_takes_part_in_an_import_cycle_including_package_inits() -> None:
    """import-linter compares siblings; a package's ``__init__`` is no one's sibling, so
    cycles through one are looked for here, over every module, by strongly connected
    components of the import graph."""
    made_up = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": []}
    assert sorted(map(sorted, strongly_connected(list(made_up), made_up))) == [
        ["a", "b", "c"],
        ["d"],
    ]
    graph = grimp.build_graph("gvw", cache_dir=None)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    assert [c for c in strongly_connected(modules, edges) if len(c) > 1] == []


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph is small, the recursion limit is not)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
