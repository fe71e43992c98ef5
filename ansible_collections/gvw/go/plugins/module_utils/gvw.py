# What the gvw.go modules share: finding gvw, its environment, the manifest they hand it.
# MIT License (see the gvw repository).
from __future__ import annotations

import json
import os
import shutil
import sys

# gvw's exit codes that the modules tell apart (docs/exit-codes.md)
DRIFT = 21  # gvw apply --check: the host differs from the manifest

MANIFEST_ARGS = dict(
    versions=dict(type="list", elements="str"),
    prune=dict(type="bool", default=False),
    mirror=dict(type="str", no_log=True),  # may carry user:token
    lock=dict(type="path"),
    manifest=dict(type="path"),
    **{"global": dict(type="str")},
)
GVW_ARGS = dict(gvw_root=dict(type="path"), gvw=dict(type="path"))


def gvw_command(module):
    """gvw as the module's option names it, else on PATH, else python -m gvw."""
    if module.params["gvw"]:
        return [module.params["gvw"]]
    found = shutil.which("gvw")
    return [found] if found else [sys.executable, "-m", "gvw"]


def run_gvw(module, args, cwd=None):
    """(rc, stdout, stderr) of gvw with the module's store."""
    env = {"GVW_ROOT": module.params["gvw_root"]} if module.params["gvw_root"] else {}
    return module.run_command(gvw_command(module) + args, environ_update=env, cwd=cwd)


def manifest_text(params):
    """The manifest for O(versions) and the rest: TOML, whose basic strings JSON's are."""
    lines = ["[go]", "versions = " + json.dumps(params["versions"])]
    if params["global"]:
        lines.append("global = " + json.dumps(params["global"]))
    lines.append("prune = " + ("true" if params["prune"] else "false"))
    for key in ("mirror", "lock"):
        if params[key]:
            lines.append(key + " = " + json.dumps(params[key]))
    return "\n".join(lines) + "\n"


def manifest_path(params, workdir):
    """O(manifest), or a manifest written into ``workdir`` from O(versions)..."""
    if params["manifest"]:
        return params["manifest"]
    path = os.path.join(workdir, "gvw-manifest.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(manifest_text(params))
    return path


def json_or_none(text):
    """gvw's JSON document, or None when it printed none (it failed before planning)."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
