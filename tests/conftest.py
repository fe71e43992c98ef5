"""Shared fixtures live in tests/support; each module there is one concern."""

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
