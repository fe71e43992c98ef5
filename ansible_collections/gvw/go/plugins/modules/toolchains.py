#!/usr/bin/python
# gvw.go.toolchains: gvw apply on one host. MIT License (see the gvw repository).
from __future__ import annotations

DOCUMENTATION = r"""
module: toolchains
short_description: Keep Go toolchains in line with a gvw manifest, verified and health-checked
description:
  - Writes a gvw manifest from the parameters (or uses O(manifest)) and runs
    C(gvw apply --json) on the host; check mode runs C(gvw apply --check), diff mode
    returns the installed versions and global version before and after.
  - Every change is snapshotted by gvw, so C(gvw rollback) on the host undoes it.
  - With O(verify) or O(health_command) the apply is all or nothing, the step of a ring
    rollout (see the P(gvw.go.rollout#role) role). The versions it installs and the one
    it makes global are verified (C(gvw verify)) before the switch; after the switch
    O(health_command) runs with the new Go selected. When any step fails, gvw puts back
    everything the apply changed and the task fails with RV(rolled_back) set.
version_added: 0.1.0
author: gvw contributors (@gvw)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gvw.go.gvw
  - gvw.go.gvw.manifest
  - gvw.go.gvw.health
notes:
  - A failure of C(gvw apply) fails the task with gvw's message and exit code (RV(rc)).
  - After a rollback, C(changed) is false (the host is as it was) and RV(rolled_back) says
    what was put back; the snapshots, the audit log and gvw's trash keep the record.
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Go toolchains as the fleet manifest says
  gvw.go.toolchains:
    versions: ["1.21.13", "1.22"]
    global: "1.22"
    lock: /etc/gvw/fleet.lock.toml

- name: Upgrade, verified, with a smoke build; put back when the build fails
  gvw.go.toolchains:
    versions: ["1.22.10"]
    global: "1.22.10"
    verify: true
    health_command: go build ./...
    health_chdir: /srv/smoke

- name: From a manifest file on the host, with its own store
  gvw.go.toolchains:
    manifest: /etc/gvw/fleet.toml
    gvw_root: /opt/gvw
"""

RETURN = r"""
actions:
  description: What gvw did (or in check mode would do), in order.
  returned: when gvw planned the change
  type: list
  elements: dict
  sample:
    - {action: install, version: 1.22.10, spec: "1.22", archive: go1.22.10.linux-amd64.tar.gz,
       sha256: "0963ae34..."}
    - {action: global, old: 1.21.13, new: 1.22.10}
snapshot:
  description: The gvw snapshot taken before the change (C(gvw restore) it), or null.
  returned: when gvw planned the change
  type: str
  sample: 20250101-120000-123
verified:
  description: C(gvw verify --json) of each version checked before the switch.
  returned: with O(verify)
  type: list
  elements: dict
health:
  description: Each health command run, its exit code, time and log; a failure's last lines.
  returned: when O(health_command) ran
  type: list
  elements: dict
  sample:
    - command: [go, build, ./...]
      exit_code: 1
      seconds: 2.5
      log: /home/me/.cache/gvw/runs/x/health-1.log
      tail: ["./main.go:3:1: syntax error"]
rolled_back:
  description: What gvw put back after a failed step (the apply's snapshot, the snapshot
    taken before putting back, and each change in words), or null.
  returned: always
  type: dict
  sample:
    snapshot: 20250101-120000-123
    saved: 20250101-120005-456
    changes:
      - "global: 1.22.10 -> 1.21.13"
      - "Go 1.22.10: installed -> not installed (moved to the trash)"
gvw_warnings:
  description: Warnings gvw gave (a cached index used, an archive that differs from the lock).
  returned: when gvw planned the change
  type: list
  elements: str
facts:
  description: C(gvw facts --json) of the host after the run.
  returned: always
  type: dict
rc:
  description: gvw's exit code (docs/exit-codes.md); 24 when a health command failed.
  returned: on failure
  type: int
"""

import json
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gvw.go.plugins.module_utils.gvw import (
    DRIFT,
    GVW_ARGS,
    MANIFEST_ARGS,
    json_or_none,
    manifest_path,
    run_gvw,
)


def apply_args(module, manifest):
    args = ["apply", manifest, "--json"]
    params = module.params
    if params["lock"]:
        args.append("--locked")
    if module.check_mode:
        return [*args, "--check"]  # neither verifies nor runs the health command
    if params["verify"]:
        args.append("--verify")
    if params["health_command"]:
        args += ["--health-check", params["health_command"]]
        args += ["--health-timeout", str(params["health_timeout"])]
    return args


def main():
    module = AnsibleModule(
        argument_spec=dict(
            verify=dict(type="bool", default=False),
            health_command=dict(type="str"),
            health_chdir=dict(type="path"),
            health_timeout=dict(type="int", default=900),
            **MANIFEST_ARGS,
            **GVW_ARGS,
        ),
        mutually_exclusive=[("manifest", "versions")],
        required_one_of=[("manifest", "versions")],
        supports_check_mode=True,
    )
    workdir = tempfile.mkdtemp(prefix="gvw-ansible-")
    try:
        manifest = manifest_path(module.params, workdir)
        rc, out, err = run_gvw(module, apply_args(module, manifest), module.params["health_chdir"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = json_or_none(out) or {}
    result = dict(
        changed=bool(report.get("changed")) and not report.get("rolled_back"),
        actions=report.get("actions"),
        snapshot=report.get("snapshot"),
        verified=report.get("verified"),
        health=report.get("health"),
        rolled_back=report.get("rolled_back"),
        gvw_warnings=report.get("warnings", []),
    )
    facts_rc, facts_out, facts_err = run_gvw(module, ["facts", "--json"])
    result["facts"] = json_or_none(facts_out) if facts_rc == 0 else {"error": facts_err.strip()}
    if rc not in (0, DRIFT) or (rc == DRIFT and not module.check_mode):
        module.fail_json(msg=err.strip() or out.strip(), rc=rc, stderr=err, **result)
    if module._diff and report:
        result["diff"] = {
            "before": json.dumps(report["before"], indent=2) + "\n",
            "after": json.dumps(report["after"], indent=2) + "\n",
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
