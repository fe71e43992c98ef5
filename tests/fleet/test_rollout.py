"""The gvw.go.rollout role, run by real ansible-playbook from the installed collection
tarball against four hosts on this machine (three with the local connection and their
own stores, one over SSH), upgrading real Go 1.25.4 to 1.25.5 in rings: a canary, then
batches, each host verified and health-checked, a failing host put back and the rollout
stopped there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.ansible_hosts import (
    AnsibleHost,
    InstalledCollection,
    clone_store,
    run_playbook,
    tree_listing,
)
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import MirrorServer
from tests.support.patch_mirror import NEW, OLD
from tests.support.sshd import SshServer

pytestmark = pytest.mark.slow

PLAYBOOK = """
- hosts: all
  gather_facts: false
  serial: {serial}
  max_fail_percentage: 0
  environment: "{{{{ gvw_environment }}}}"
  roles:
    - role: gvw.go.rollout
      vars:
        gvw_versions: ["{old}", "{new}"]
        gvw_global: "{new}"
        gvw_mirror: "{{{{ go_mirror }}}}"
        gvw_rollout_report: "{{{{ report_file }}}}"
{health}
"""

HEALTH = """        gvw_health_command: go test ./...
        gvw_health_chdir: "{{ smoke_dir }}"
"""

SMOKE_TEST = """package smoke

import (
	"runtime"
	"testing"
)

func TestTheServiceStarts(t *testing.T) {
	if runtime.Version() == "go%s" {
		t.Fatal("the service does not start with " + runtime.Version())
	}
}
"""


class Ring:
    """Four hosts that start with Go 1.25.4 installed and global, and a project each."""

    NAMES = ("canary", "web1", "web2", "web3")

    def __init__(
        self,
        base: Path,
        template: GvwEnv,
        mirror: MirrorServer,
        go_cache: Path,
        sshd: SshServer,
        *,
        broken: str | None = None,
    ) -> None:
        self.base = base
        self.mirror = mirror
        self.hosts = []
        for name in self.NAMES:
            gvw = clone_store(template, GvwEnv(base / name, {"GOCACHE": str(go_cache)}))
            run_ok(gvw, "global", OLD)
            smoke = base / name / "smoke"
            smoke.mkdir()
            (smoke / "go.mod").write_text("module smoke\n\ngo 1.25\n", encoding="utf-8")
            failing_with = NEW if name == broken else "0.0"
            (smoke / "smoke_test.go").write_text(SMOKE_TEST % failing_with, encoding="utf-8")
            (smoke / ".go-version").write_text(f"{OLD}\n", encoding="utf-8")  # a project pin
            self.hosts.append(
                AnsibleHost(
                    name,
                    gvw,
                    ssh=sshd if name == "web2" else None,
                    env={"GOCACHE": str(go_cache), "GOPROXY": "off", "GOTELEMETRY": "off"},
                    hostvars={
                        "go_mirror": mirror.url,
                        "smoke_dir": str(smoke),
                        "report_file": str(base / "report.json"),
                    },
                )
            )

    def host(self, name: str) -> AnsibleHost:
        return next(h for h in self.hosts if h.name == name)

    def play(
        self,
        collection: InstalledCollection,
        *args: str,
        serial: str,
        health: bool,
    ) -> tuple[int, str, dict[str, Any]]:
        playbook = self.base / "rollout.yml"
        text = PLAYBOOK.format(serial=serial, old=OLD, new=NEW, health=HEALTH if health else "")
        playbook.write_text(text, encoding="utf-8")
        report = self.base / "report.json"
        report.unlink(missing_ok=True)
        done = run_playbook(
            playbook, self.hosts, collection=collection, workdir=self.base, args=args
        )
        output = done.stdout + done.stderr
        if not report.exists():
            pytest.fail(f"the role wrote no summary:\n{output}")
        return done.returncode, output, json.loads(report.read_text("utf-8"))

    def state(self, name: str) -> dict[str, Any]:
        """What a host selects and has: the store's versions, global file and shims,
        and the project's pin."""
        gvw = self.host(name).gvw
        return {
            "versions": sorted(p.name for p in (gvw.root / "versions").iterdir()),
            "global": (gvw.root / "version").read_text("utf-8"),
            "shims": sorted(p.name for p in (gvw.root / "shims").iterdir()),
            "pin": (gvw.base / "smoke" / ".go-version").read_text("utf-8"),
        }

    def everything(self, name: str) -> list[str]:
        """Every file of the host's store, logs and snapshots included."""
        return list(tree_listing(self.host(name).gvw.root))


@pytest.fixture
def ring_factory(
    tmp_path: Path,
    patch_store: GvwEnv,
    patch_mirror: MirrorServer,
    go_cache: Path,
    sshd: SshServer,
) -> Any:
    return lambda **kw: Ring(tmp_path, patch_store, patch_mirror, go_cache, sshd, **kw)


def summary_lines(output: str, lines: list[str]) -> None:
    """The role's debug task prints its summary lines as a JSON list."""
    for line in lines:
        assert json.dumps(line) in output, f"{line!r} not in:\n{output}"


def test_a_failing_health_check_puts_its_host_back_and_stops_before_the_next_batch(
    ring_factory: Any, installed_collection: InstalledCollection
) -> None:
    ring = ring_factory(broken="web1")
    before = {name: ring.state(name) for name in Ring.NAMES}
    untouched = {name: ring.everything(name) for name in ("web2", "web3")}

    code, output, report = ring.play(installed_collection, serial="[1, 1, 2]", health=True)

    assert code == 2, output  # a host failed
    assert ring.state("canary") == {
        **before["canary"],
        "versions": [OLD, NEW],
        "global": f"{NEW}\n",
        "shims": sorted([*before["canary"]["shims"], f"go{NEW}"]),
    }
    assert ring.state("web1") == before["web1"]  # exactly as it started
    assert (ring.host("web1").gvw.root / "trash").is_dir()  # 1.25.5 went to gvw's trash
    log = ring.host("web1").gvw.audit_entries()
    assert [e["command"].split()[0] for e in log[-2:]] == ["apply", "rollback"]
    for name in ("web2", "web3"):  # the later batch: not even a snapshot or a log line
        assert ring.everything(name) == untouched[name], name

    why = report["web1"]["why"]
    assert why.startswith(
        f"the health check 'go test ./...' failed with Go {NEW} after the switch (exit 1); "
        "everything this apply changed was put back (snapshot "
    ), why
    assert report == {
        "canary": {
            "status": "changed",
            "why": "",
            "actions": [f"install {NEW}", f"global {OLD} -> {NEW}"],
            "put_back": [],
        },
        "web1": {
            "status": "rolled back",
            "why": why,
            "actions": [f"install {NEW}", f"global {OLD} -> {NEW}"],
            "put_back": [
                f"global: {NEW} -> {OLD}",
                f"Go {NEW}: installed -> not installed (moved to the trash)",
            ],
        },
        "web2": {"status": "not reached", "why": "", "actions": [], "put_back": []},
        "web3": {"status": "not reached", "why": "", "actions": [], "put_back": []},
    }
    summary_lines(
        output,
        [
            "gvw.go.rollout: 1 changed, 1 rolled back, 2 not reached",
            f"  canary  changed      install {NEW}; global {OLD} -> {NEW}",
            f"  web1    rolled back  {why}",
            "  web2    not reached",
            "  web3    not reached",
        ],
    )
    assert "TheServiceStarts" in output  # the failing test's output reaches the user


def test_check_mode_changes_nothing_a_rollout_changes_every_host_and_a_second_run_none(
    ring_factory: Any, installed_collection: InstalledCollection
) -> None:
    ring = ring_factory()
    before = {name: ring.everything(name) for name in Ring.NAMES}

    code, output, report = ring.play(installed_collection, "--check", serial="[1, 3]", health=False)
    assert code == 0, output
    assert {name: report[name]["status"] for name in Ring.NAMES} == dict.fromkeys(
        Ring.NAMES, "would change"
    )
    assert {name: ring.everything(name) for name in Ring.NAMES} == before
    summary_lines(output, ["gvw.go.rollout (check mode): 4 would change"])

    code, output, report = ring.play(installed_collection, serial="[1, 3]", health=False)
    assert code == 0, output
    assert {name: report[name]["status"] for name in Ring.NAMES} == dict.fromkeys(
        Ring.NAMES, "changed"
    )
    for name in Ring.NAMES:
        assert ring.state(name)["versions"] == [OLD, NEW] and ring.state(name)["global"] == (
            f"{NEW}\n"
        )
    summary_lines(output, ["gvw.go.rollout: 4 changed"])
    after = {name: ring.everything(name) for name in Ring.NAMES}

    code, output, report = ring.play(installed_collection, serial="[1, 3]", health=False)
    assert code == 0, output
    assert {name: report[name]["status"] for name in Ring.NAMES} == dict.fromkeys(
        Ring.NAMES, "unchanged"
    )
    assert {name: ring.everything(name) for name in Ring.NAMES} == after
    summary_lines(output, ["gvw.go.rollout: 4 unchanged", "  web2    unchanged"])
