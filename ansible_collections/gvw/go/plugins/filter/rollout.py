# The gvw.go.rollout role's summary: what happened on each host of a ring rollout.
# MIT License (see the gvw repository).
from __future__ import annotations

from collections.abc import Mapping

# the order of the summary's headline
STATUSES = (
    "changed",
    "would change",
    "unchanged",
    "rolled back",
    "failed",
    "unreachable",
    "not reached",
)
# a host with one of these stops a rollout whose max_fail_percentage is 0
STOPPING = ("rolled back", "failed", "unreachable")


def rollout_outcome(result, check_mode=False):
    """One host's outcome from the result the role registered for gvw.go.toolchains:
    ``{"status", "why", "actions", "put_back"}``."""
    if not isinstance(result, Mapping) or not result:
        return {"status": "not reached", "why": "", "actions": [], "put_back": []}
    rolled_back = result.get("rolled_back") or {}
    if result.get("unreachable"):
        status = "unreachable"
    elif result.get("failed"):
        status = "rolled back" if rolled_back else "failed"
    elif result.get("changed"):
        status = "would change" if check_mode else "changed"
    else:
        status = "unchanged"
    why = ""
    if status in STOPPING:
        why = _first_line(result.get("msg"))
    return {
        "status": status,
        "why": why,
        "actions": [_action_words(a) for a in result.get("actions") or []],
        "put_back": list(rolled_back.get("changes") or []),
    }


def rollout_summary(hosts, hostvars, active_hosts, check_mode=False, var="gvw_rollout_result"):
    """Every host of the play so far: ``{"hosts": {host: outcome}, "lines": [...],
    "final": bool}``. A host without a result is "not reached" while it is still in the
    play (a later batch), "unreachable" when Ansible dropped it. ``final``: the rollout
    stops here (a host failed) or every host has its result."""
    outcomes = {}
    for host in hosts:
        outcome = rollout_outcome(_result(hostvars, host, var), check_mode)
        if outcome["status"] == "not reached" and host not in active_hosts:
            outcome["status"] = "unreachable"
        outcomes[host] = outcome
    statuses = [o["status"] for o in outcomes.values()]
    final = any(s in STOPPING for s in statuses) or "not reached" not in statuses
    counts = ", ".join(f"{statuses.count(s)} {s}" for s in STATUSES if s in statuses)
    lines = [f"gvw.go.rollout{' (check mode)' if check_mode else ''}: {counts}"]
    width = max(len(str(h)) for h in hosts) if hosts else 0
    for host, outcome in outcomes.items():
        detail = outcome["why"] or "; ".join(outcome["actions"])
        lines.append(f"  {host!s:<{width}}  {outcome['status']:<12} {detail}".rstrip())
    return {"hosts": outcomes, "lines": lines, "final": final}


def _result(hostvars, host, var):
    try:
        return hostvars[host].get(var)
    except (KeyError, AttributeError):
        return None


def _first_line(text):
    lines = str(text or "").strip().splitlines()
    first = lines[0] if lines else ""
    return first[len("gvw: ") :] if first.startswith("gvw: ") else first


def _action_words(action):
    if not isinstance(action, Mapping):
        return str(action)
    kind = action.get("action")
    if kind == "global":
        return f"global {action.get('old') or '(unset)'} -> {action.get('new')}"
    return f"{kind} {action.get('version')}"


class FilterModule:
    def filters(self):
        return {"rollout_outcome": rollout_outcome, "rollout_summary": rollout_summary}
