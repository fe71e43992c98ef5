#!/usr/bin/python
"""Ansible module gvw.go.toolchains: gvw apply on one host."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: toolchains
short_description: Keep Go toolchains in line with a gvw manifest
description:
  - Writes a gvw manifest from the parameters (or uses O(manifest)) and runs
    C(gvw apply --json) on the host; check mode runs C(gvw apply --check), diff mode
    returns the installed versions and global version before and after.
  - Every change is snapshotted by gvw, so C(gvw rollback) on the host undoes it.
options:
  versions:
    description: Exact releases or family specs (1.22 is the newest 1.22.x).
    type: list
    elements: str
  global:
    description: The global Go version; one of O(versions).
    type: str
  prune:
    description: Move installed versions not named in O(versions) to gvw's trash.
    type: bool
    default: false
  mirror:
    description: The mirror to download from (https://, http:// or file://).
    type: str
  lock:
    description: A lock file written by C(gvw lock); installs exactly what it names.
    type: path
  manifest:
    description: A manifest file on the host, instead of O(versions) and the rest.
    type: path
  gvw_root:
    description: The gvw store (GVW_ROOT); default gvw's own.
    type: path
  gvw:
    description: The gvw command; default C(gvw) on PATH, else C(python -m gvw) with
      the interpreter this module runs in.
    type: path
"""

RETURN = r"""
changed: {description: whether gvw changed (or in check mode would change) the host, type: bool}
actions: {description: what gvw did or would do (install, global, prune), type: list}
snapshot: {description: the gvw snapshot taken before the change, or null, type: str}
facts: {description: gvw facts --json of the host after the run, type: dict}
"""


DRIFT = 21  # gvw apply --check: the host differs from the manifest


def gvw_command(module):
    if module.params["gvw"]:
        return [module.params["gvw"]]
    found = shutil.which("gvw")
    return [found] if found else [sys.executable, "-m", "gvw"]


def manifest_text(params):
    """TOML from the parameters; JSON strings are valid TOML basic strings."""
    lines = ["[go]", "versions = " + json.dumps(params["versions"])]
    if params["global"]:
        lines.append("global = " + json.dumps(params["global"]))
    lines.append("prune = " + ("true" if params["prune"] else "false"))
    for key in ("mirror", "lock"):
        if params[key]:
            lines.append(f"{key} = " + json.dumps(params[key]))
    return "\n".join(lines) + "\n"


def run_gvw(module, args):
    env = {"GVW_ROOT": module.params["gvw_root"]} if module.params["gvw_root"] else {}
    return module.run_command(gvw_command(module) + args, environ_update=env)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            versions=dict(type="list", elements="str"),
            prune=dict(type="bool", default=False),
            mirror=dict(type="str", no_log=True),  # may carry user:token
            lock=dict(type="path"),
            manifest=dict(type="path"),
            gvw_root=dict(type="path"),
            gvw=dict(type="path"),
            **{"global": dict(type="str")},
        ),
        mutually_exclusive=[("manifest", "versions")],
        required_one_of=[("manifest", "versions")],
        supports_check_mode=True,
    )
    workdir = tempfile.mkdtemp(prefix="gvw-ansible-")
    try:
        manifest = module.params["manifest"]
        if manifest is None:
            manifest = os.path.join(workdir, "gvw-manifest.toml")
            with open(manifest, "w", encoding="utf-8") as handle:
                handle.write(manifest_text(module.params))
        args = ["apply", manifest, "--json"]
        if module.params["lock"]:
            args.append("--locked")
        if module.check_mode:
            args.append("--check")
        rc, out, err = run_gvw(module, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if rc not in (0, DRIFT) or (rc == DRIFT and not module.check_mode):
        module.fail_json(msg=err.strip() or out.strip(), rc=rc, stderr=err)
    report = json.loads(out)
    facts_rc, facts_out, facts_err = run_gvw(module, ["facts", "--json"])
    result = dict(
        changed=report["changed"],
        actions=report["actions"],
        snapshot=report.get("snapshot"),
        gvw_warnings=report.get("warnings", []),
        facts=json.loads(facts_out) if facts_rc == 0 else {"error": facts_err.strip()},
    )
    if module._diff:
        result["diff"] = {
            "before": json.dumps(report["before"], indent=2) + "\n",
            "after": json.dumps(report["after"], indent=2) + "\n",
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
