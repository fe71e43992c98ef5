#!/usr/bin/python
# gvw.go.facts: gvw facts --json as ansible_facts.gvw. MIT License (see the gvw repository).
from __future__ import annotations

DOCUMENTATION = r"""
module: facts
short_description: What gvw knows about a host, and how it differs from a manifest
description:
  - Runs C(gvw facts --json) and returns it as C(ansible_facts.gvw) - the host name, platform,
    store, installed versions with their archive sha256, the global version, pending
    patch releases, the doctor's problems. No network.
  - Given O(versions) or O(manifest), the facts also say how the host differs from that
    manifest (C(drift), what C(gvw apply --check) would do; resolving a family such as
    V(1.22) may fetch the release index). The P(gvw.go.drift#role) role merges them from
    every host into one report.
version_added: 0.1.0
author: gvw contributors (@gvw)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
  - gvw.go.gvw
  - gvw.go.gvw.manifest
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
"""

EXAMPLES = r"""
- name: What gvw knows about the host
  gvw.go.facts:

- name: The same, compared with the fleet's manifest
  gvw.go.facts:
    versions: ["1.22"]
    global: "1.22"

- name: Show the global Go version
  ansible.builtin.debug:
    var: ansible_facts.gvw.global
"""

RETURN = r"""
ansible_facts:
  description: The facts, under C(gvw).
  returned: always
  type: dict
  contains:
    gvw:
      description: C(gvw facts --json) (docs/fleets.md describes every key); with a
        manifest also C(drift) (C(manifest), C(in_line), C(actions), C(warnings)).
      type: dict
      sample:
        host: build-07
        platform: linux-amd64
        global: 1.22.10
        installed:
          - version: 1.22.10
            path: /home/ci/.local/share/gvw/versions/1.22.10
            sha256: "0963ae34..."
            source: "https://go.dev/dl/"
            installed_at: 1735732800.0
        drift: {manifest: /tmp/gvw-ansible-x/gvw-manifest.toml, in_line: false,
                actions: [{action: global, old: 1.21.13, new: 1.22.10}], warnings: []}
rc:
  description: gvw's exit code (docs/exit-codes.md).
  returned: on failure
  type: int
"""

import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gvw.go.plugins.module_utils.gvw import (
    GVW_ARGS,
    MANIFEST_ARGS,
    json_or_none,
    manifest_path,
    run_gvw,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(**MANIFEST_ARGS, **GVW_ARGS),
        mutually_exclusive=[("manifest", "versions")],
        supports_check_mode=True,
    )
    params = module.params
    workdir = tempfile.mkdtemp(prefix="gvw-ansible-")
    try:
        args = ["facts", "--json"]
        if params["versions"] or params["manifest"]:
            args += ["--manifest", manifest_path(params, workdir)]
            if params["lock"]:
                args.append("--locked")
        rc, out, err = run_gvw(module, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = json_or_none(out)
    if rc != 0 or found is None:
        module.fail_json(msg=err.strip() or out.strip() or "gvw facts printed nothing", rc=rc)
    module.exit_json(changed=False, ansible_facts={"gvw": found})


if __name__ == "__main__":
    main()
