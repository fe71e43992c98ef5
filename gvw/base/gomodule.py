"""Go's rules for import paths and module versions (golang.org/x/mod/module's
CheckImportPath, golang.org/x/mod/semver), for text read from outside gvw (a program's
build information) before it becomes an argument of the go command.

``go install <package>@<version>`` must never receive an option: a package path such as
``-toolexec=/path/tx`` would be read as one. Checking the words as Go checks them keeps
them what they claim to be; the caller passes them after ``--`` as well.
"""

from __future__ import annotations

import re

# module.importPathOK: ASCII letters and digits, - . _ ~ and +
_ELEMENT_RE = re.compile(r"^[A-Za-z0-9._~+-]+$")
# semver.IsValid, with the v prefix and all three numbers (what go install needs)
_VERSION_RE = re.compile(
    r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
# Windows reserves these names in every directory (module.badWindowsNames)
_WINDOWS_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))}
_WINDOWS_NAMES |= {f"lpt{i}" for i in range(1, 10)}


def import_path_problem(path: str) -> str | None:
    """Why ``path`` is not a package path ``go install path@version`` takes (a module's
    first element has a dot, nothing starts with a dash); None when it is one."""
    if not path:
        return "an empty package path"
    if path.startswith("-"):
        return f"{path!r} starts with a dash (it would be read as an option)"
    if len(path) > 2048:
        return "a package path longer than 2048 characters"
    elements = path.split("/")
    if "." not in elements[0]:
        return f"{path!r} has no dot in its first element (not a module path)"
    for element in elements:
        problem = _element_problem(element)
        if problem is not None:
            return f"{path!r} has {problem}"
    return None


def _element_problem(element: str) -> str | None:
    if not element:
        return "an empty path element"
    if not _ELEMENT_RE.match(element):
        return f"a character Go does not allow in {element!r}"
    if element.strip(".") == "" or element.endswith("."):
        return f"an invalid path element {element!r}"
    short = element.split(".")[0]
    tilde = short.rpartition("~")[2]
    if short.lower() in _WINDOWS_NAMES or ("~" in short and tilde.isdigit()):
        return f"a path element Windows cannot hold ({element!r})"
    return None


def version_problem(version: str) -> str | None:
    """Why ``version`` is not a module version (``v1.2.3``, a pre-release or pseudo-
    version, ``+incompatible``); None when it is one."""
    if not _VERSION_RE.match(version):
        return f"{version!r} is not a module version such as v1.2.3"
    return None
