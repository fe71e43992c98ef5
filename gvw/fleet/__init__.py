"""Fleets: what a configuration-management engine (Ansible) drives on each machine.

``desired_state`` reads and checks the TOML manifest, ``plan`` compares it with the
store, ``apply`` carries the plan out through the change guard, ``lockfile`` pins exact
archives per platform, ``mirror_create`` writes offline mirrors and ``facts`` describes
one host for an inventory.

May import: ``gvw.workflows`` and everything below it.
"""
