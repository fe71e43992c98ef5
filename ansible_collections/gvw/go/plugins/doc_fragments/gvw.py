# Options every gvw.go module shares. MIT License (see the gvw repository).
from __future__ import annotations


class ModuleDocFragment:
    # How a module finds gvw and its store.
    DOCUMENTATION = r"""
options:
  gvw_root:
    description:
      - The gvw store (C(GVW_ROOT)); default gvw's own (C(~/.local/share/gvw),
        C(%LOCALAPPDATA%\gvw) on Windows).
    type: path
  gvw:
    description:
      - The gvw command; default C(gvw) on C(PATH), else C(python -m gvw) with the
        interpreter the module runs in.
    type: path
requirements:
  - gvw installed on the managed host (C(pip install gvw) or from its repository).
"""

    # The desired state: the keys of a gvw fleet manifest, or a manifest file.
    MANIFEST = r"""
options:
  versions:
    description:
      - Exact releases (V(1.22.10)) or families (V(1.22), the newest 1.22.x of the index).
      - Mutually exclusive with O(manifest).
    type: list
    elements: str
  global:
    description:
      - The global Go version; one of O(versions), or an exact release of one of them.
    type: str
  prune:
    description:
      - Move installed versions not named in O(versions) to gvw's trash.
    type: bool
    default: false
  mirror:
    description:
      - The mirror to download from (C(https://), C(http://) or C(file://)); it may
        carry C(user:token), so it is never logged.
    type: str
  lock:
    description:
      - A lock file on the host, written by C(gvw lock); installs exactly what it names
        (C(gvw apply --locked)).
    type: path
  manifest:
    description:
      - A gvw manifest file on the host, instead of O(versions) and the rest.
    type: path
"""

    # One host's step of a ring rollout: verify before the switch, a health check after.
    HEALTH = r"""
options:
  verify:
    description:
      - Verify the versions the apply installs, and the one it makes global, before the
        global version changes (C(gvw apply --verify)).
    type: bool
    default: false
  health_command:
    description:
      - A command run after the switch, with the new global Go selected (through gvw's
        shims, with C(GVW_GO_VERSION) and C(GOTOOLCHAIN=local)); when it fails, gvw puts
        back everything the apply changed and the task fails.
      - Split like a shell, not run by one; for pipes or C(&&) run a shell
        (C(sh -c '...'), on Windows C(cmd /c "...")).
      - Runs only when the apply changed something, in O(health_chdir).
    type: str
  health_chdir:
    description:
      - The directory O(health_command) runs in (a project to build or test).
    type: path
  health_timeout:
    description:
      - Seconds after which a running O(health_command) is stopped and counts as failed.
    type: int
    default: 900
"""
