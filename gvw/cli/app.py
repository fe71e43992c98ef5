"""The state a command works with: environment, paths, configuration, store.

Built once per command from the process environment; tests run the CLI with their
own environment instead of patching globals.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gvw.base.errors import StoreError
from gvw.base.paths import Paths

if TYPE_CHECKING:
    from gvw.base.config import Config
    from gvw.base.platforms import Platform
    from gvw.base.reporting import Reporter
    from gvw.base.versions import GoVersion
    from gvw.history.audit import AuditLog
    from gvw.history.changes import Changes
    from gvw.history.snapshots.service import Snapshots
    from gvw.install.mirror import Mirror
    from gvw.knowledge.release_knowledge import Knowledge
    from gvw.knowledge.vulndb import VulnDB
    from gvw.store.shims import RehashResult
    from gvw.store.version_store import Store


MACHINE_HELP = (
    "Work on the machine store, which serves every user (docs/machine-store.md); "
    "changing it needs administrator rights."
)


def machine_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--machine``: the command works on the machine store instead of the user's."""
    import click  # here: the hot commands (gvw.cli.hot) build an App without click

    return click.option("--machine", is_flag=True, help=MACHINE_HELP)(command)


class App:
    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        argv: Sequence[str] | None = None,
        *,
        machine: bool = False,
    ) -> None:
        self.env: Mapping[str, str] = dict(os.environ if env is None else env)
        self._cwd = cwd
        self.argv = list(sys.argv[1:] if argv is None else argv)  # for the audit log
        self.machine = machine  # --machine: the machine store is the store
        self._claimed = False

    @cached_property
    def cwd(self) -> Path | None:
        """The physical current directory (links resolved, as the shims see it; on
        Windows subst drives too), or None when it has been deleted."""
        if self._cwd is not None:
            return self._cwd
        try:
            return Path(os.path.realpath(os.getcwd()))
        except OSError:
            return None

    def require_cwd(self) -> Path:
        if self.cwd is None:
            raise StoreError(
                "the current directory no longer exists", hint="cd to an existing directory"
            )
        return self.cwd

    @cached_property
    def paths(self) -> Paths:
        return Paths.from_env(self.env, machine=self.machine)

    @contextmanager
    def claim(self) -> Iterator[None]:
        """Claim the machine store for a change (:mod:`gvw.store.machine_store`), once
        per command however many changes nest; nothing to claim in a user store."""
        if self._claimed or not self.paths.is_machine:
            yield
            return
        from gvw.store.machine_store import claim

        self._claimed = True
        try:
            command = shown_command(["gvw", *self.argv])
            with claim(self.paths, command=command, waiting=self.store.waiting):
                yield
        finally:
            self._claimed = False

    # imported when first used: read-only commands such as `gvw current` need no config
    @cached_property
    def config(self) -> Config:
        from gvw.base.config import load_config

        return load_config(self.paths.config_file, self.env)

    @cached_property
    def store(self) -> Store:
        from gvw.cli.terminal import TerminalReporter
        from gvw.store.version_store import Store

        # a lock waited for says so on stderr, whatever the command prints on stdout
        return Store(self.paths, command=self.command_line, waiting=TerminalReporter())

    @property
    def command_line(self) -> str:
        """This command as its locks and the audit log name it: ``gvw install 1.22``."""
        return " ".join(["gvw", *self.argv])

    @cached_property
    def platform(self) -> Platform:
        from gvw.base.platforms import host_platform

        return host_platform(self.env)

    @property
    def windows(self) -> bool:
        """Whether this store is for Windows (native .exe shims)."""
        return self.platform.goos == "windows"

    @cached_property
    def snapshots(self) -> Snapshots:
        from gvw.history.snapshots.service import Snapshots
        from gvw.host.windows_registry import user_environment
        from gvw.host.winenv import MachineScope, machine_environment

        # a store's snapshots record its registry environment: the user's HKCU, and
        # for the machine store the machine's (docs/machine-store.md)
        registry = user_environment()
        machine = machine_environment() if self.paths.is_machine else None
        if machine is not None:
            registry = MachineScope(machine)
        return Snapshots(self.store, self.env, self.config, registry=registry)

    @cached_property
    def audit_log(self) -> AuditLog:
        from gvw.base.locks import held
        from gvw.history.audit import AuditLog

        def lock() -> AbstractContextManager[None]:
            path = self.paths.log / ".audit.lock"
            return held(path, command=self.command_line, timeout=60, waiting=self.store.waiting)

        return AuditLog(
            self.paths.log,
            lock=lock,
            max_bytes=self.config.audit_max_bytes,
            keep=self.config.audit_keep,
        )

    @cached_property
    def changes(self) -> Changes:
        """The guard every state-changing command runs its change in."""
        from gvw.cli.terminal import TerminalReporter
        from gvw.history.changes import Changes, Invocation

        return Changes(
            take_snapshot=lambda *args, **kwargs: self.snapshots.take(*args, **kwargs),
            rehash=self.rehash,
            prune_trash=lambda: self.store.prune_trash(
                keep=self.config.trash_keep, max_age_days=self.config.trash_max_age_days
            ),
            audit=self.audit_log,
            state_lock=self.store.state_lock,
            invocation=Invocation(self.argv, self.cwd),
            reporter=TerminalReporter(),
            claim=self.claim,
        )

    def rehash(self) -> RehashResult:
        """Bring the shims in line with the installed versions."""
        from gvw.host.shells import gvw_command
        from gvw.store.shims import record_gvw_command, rehash

        with self.store.lock("shims"):
            result = rehash(self.paths, self.store.installed(), platform=str(self.platform))
            # the machine store's shims install a missing version with each user's own
            # gvw (the user store's gvw-command): docs/machine-store.md
            if not self.paths.is_machine:
                auto = self.config.auto_install
                record_gvw_command(self.paths.root, gvw_command(), auto_install=auto)
            return result

    def mirror(self, option: str | None) -> Mirror:
        """The mirror: --mirror beats GVW_MIRROR beats the config file."""
        mirror = self._spelled_mirror(option)
        if mirror.is_goproxy:  # the proxies and database Go's own settings name
            from dataclasses import replace

            from gvw.install.goproxy.settings import resolve_go_settings

            mirror = replace(mirror, go_settings=resolve_go_settings(self.env))
        return mirror

    def _spelled_mirror(self, option: str | None) -> Mirror:
        from gvw.install.mirror import Mirror

        if option:
            return Mirror.parse(option, origin="--mirror")
        if self.env.get("GVW_MIRROR", "").strip():
            return Mirror.parse(self.env["GVW_MIRROR"], origin="GVW_MIRROR")
        origin = (
            f"config file {self.paths.config_file}"
            if self.paths.config_file.is_file()
            else "the default"
        )
        return Mirror.parse(self.config.mirror, origin=origin)

    @cached_property
    def vulndb(self) -> VulnDB | None:
        """The vulnerability database: GOVULNDB beats the config file; None when off."""
        from gvw.knowledge.vulndb import VulnDB

        if self.env.get("GOVULNDB", "").strip():
            origin = "GOVULNDB"
        elif self.paths.config_file.is_file() and self.config.vulndb != Config().vulndb:
            origin = f"vulndb in config file {self.paths.config_file}"
        else:
            origin = "the default"
        return VulnDB.parse(self.config.vulndb, origin=origin)

    def known(self) -> Knowledge:
        """What is known about releases without the network (list, doctor, facts)."""
        from gvw.knowledge.release_knowledge import cached_knowledge

        return cached_knowledge(self.vulndb, cache=self.paths.cache)

    def knowledge(
        self,
        reporter: Reporter,
        *,
        releases: Sequence[GoVersion] | None = None,
        force: bool = False,
        required: bool = False,
    ) -> Knowledge:
        """What is known about releases, brought up to date (the network, at most once
        per index cache lifetime; the cached knowledge with a warning when offline)."""
        from gvw.knowledge.release_knowledge import refresh_knowledge

        return refresh_knowledge(
            self.vulndb,
            cache=self.paths.cache,
            releases=releases,
            max_age=self.config.index_cache_seconds,
            timeout=self.config.timeout_seconds,
            reporter=reporter,
            lock=self.store.cache_lock,  # the database is in the cache, maybe shared
            force=force,
            required=required,
        )


def shown_command(argv: Sequence[str]) -> str:
    """A command line as a user would type it again (quoted for a POSIX shell; on
    Windows arguments with spaces are put in double quotes)."""
    if os.name == "nt":
        return " ".join(f'"{a}"' if not a or " " in a else a for a in argv)
    return shlex.join(argv)
