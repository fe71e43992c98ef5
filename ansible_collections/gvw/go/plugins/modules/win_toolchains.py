#!/usr/bin/python
# The documentation of gvw.go.win_toolchains; the module is win_toolchains.ps1.
# MIT License (see the gvw repository).
from __future__ import annotations

DOCUMENTATION = r"""
module: win_toolchains
short_description: Keep Go toolchains on Windows hosts in line with a gvw manifest
description:
  - The Windows twin of M(gvw.go.toolchains), with the same options and results. It writes
    a gvw manifest from the parameters (or uses O(manifest)) and runs
    C(gvw apply --json); check mode runs C(gvw apply --check), diff mode returns the
    state before and after.
  - With O(verify) or O(health_command) the apply is all or nothing; gvw verifies,
    switches, runs the health command and puts everything back when a step fails.
  - A separate name because Ansible would pick a C(.ps1) module beside a C(.py) of the
    same name for every Windows host.
version_added: 0.1.0
author: gvw contributors (@gvw)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gvw.go.gvw
  - gvw.go.gvw.manifest
  - gvw.go.gvw.health
options:
  gvw:
    description:
      - The gvw command; default C(gvw) on C(PATH) (C(gvw.exe) of a pip or pipx install).
    type: path
    default: gvw
notes:
  - Not run by gvw's own tests (they have no PowerShell); see docs/dev/testing.md.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: windows
seealso:
  - module: gvw.go.toolchains
"""

EXAMPLES = r"""
- name: Go toolchains on the Windows build agents, with a smoke build
  gvw.go.win_toolchains:
    versions: ["1.22.10"]
    global: "1.22.10"
    verify: true
    health_command: go build ./...
    health_chdir: C:\smoke
"""

RETURN = r"""
actions:
  description: What gvw did (or in check mode would do), in order.
  returned: when gvw planned the change
  type: list
  elements: dict
snapshot:
  description: The gvw snapshot taken before the change, or null.
  returned: when gvw planned the change
  type: str
verified:
  description: C(gvw verify --json) of each version checked before the switch.
  returned: with O(verify)
  type: list
  elements: dict
health:
  description: Each health command run, its exit code, time and log.
  returned: when O(health_command) ran
  type: list
  elements: dict
rolled_back:
  description: What gvw put back after a failed step, or null.
  returned: when gvw planned the change
  type: dict
gvw_warnings:
  description: Warnings gvw gave.
  returned: when gvw planned the change
  type: list
  elements: str
facts:
  description: C(gvw facts --json) of the host after the run.
  returned: always
  type: dict
rc:
  description: gvw's exit code (docs/exit-codes.md).
  returned: on failure
  type: int
"""
