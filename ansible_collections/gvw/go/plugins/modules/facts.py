#!/usr/bin/python
"""Ansible module gvw.go.facts: gvw facts --json as ansible_facts.gvw."""

from __future__ import annotations

import json
import shutil
import sys

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: facts
short_description: What gvw knows about a host (versions, checksums, global, doctor)
description:
  - Runs C(gvw facts --json) and returns it as C(ansible_facts.gvw). No network.
options:
  gvw_root:
    description: The gvw store (GVW_ROOT); default gvw's own.
    type: path
  gvw:
    description: The gvw command; default C(gvw) on PATH, else C(python -m gvw).
    type: path
"""


def main():
    module = AnsibleModule(
        argument_spec=dict(gvw_root=dict(type="path"), gvw=dict(type="path")),
        supports_check_mode=True,
    )
    command = [module.params["gvw"]] if module.params["gvw"] else None
    if command is None:
        found = shutil.which("gvw")
        command = [found] if found else [sys.executable, "-m", "gvw"]
    env = {"GVW_ROOT": module.params["gvw_root"]} if module.params["gvw_root"] else {}
    rc, out, err = module.run_command([*command, "facts", "--json"], environ_update=env)
    if rc != 0:
        module.fail_json(msg=err.strip() or out.strip(), rc=rc)
    module.exit_json(changed=False, ansible_facts={"gvw": json.loads(out)})


if __name__ == "__main__":
    main()
