"""Shared fixtures live in tests/support; each module there is one concern."""

import signal

pytest_plugins = [
    "tests.support.mirror_fixtures",
    "tests.support.gvw_env",
    "tests.support.goproxy_fixtures",
    "tests.support.sshd",
    "tests.support.patch_mirror",
    "tests.support.disks",
    "tests.support.ansible_hosts",
    "tests.support.vulndb_fixture",
]

# The tests that press Ctrl+C send SIGINT to gvw as a terminal would. A test run started
# in the background by a shell without job control (a CI step, `cmd &` in a script)
# inherits SIGINT ignored, every child after it too, and gvw rightly keeps an inherited
# ignore (docs/exit-codes.md): give the children a terminal's SIGINT back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
