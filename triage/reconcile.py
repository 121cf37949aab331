"""What a review does to a client's flags, as a pure plan (TRIAGE_RULES.md, "Flags follow the
evidence"): the open flags become what the rules say about the client's whole current history.

- A finding with an open flag refreshes it when its logs or evidence changed, or when the flag
  had stopped firing (it fires again).
- A finding whose logs a closed flag already covered (a person decided on them, or the review
  withdrew them) opens nothing; any other finding opens a flag.
- An open **progression** or **adherence** flag with no finding is **withdrawn**, with the reason
  in plain words.
- An open **referral** or **regression** flag with no finding stays open (a person decides it)
  and is marked as no longer firing, once.

No ORM and no clock: ``triage.services`` loads the flags, calls ``plan`` and writes the result
in a constant number of queries; the property tests run it over random arrival orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from triage.rules import ADHERENCE, PROGRESSION, Finding, covered

WITHDRAWABLE = frozenset({PROGRESSION, ADHERENCE})

Key = tuple[str, int]  # (rule, exercise id or 0): one open flag per client and key


@dataclass(frozen=True)
class OpenFlag:
    """What the plan needs of an open flag."""

    id: int
    rule: str
    exercise_key: int
    kind: str
    log_keys: frozenset[str]
    evidence: Mapping[str, object]
    not_firing_since: datetime | None = None

    @property
    def key(self) -> Key:
        return (self.rule, self.exercise_key)


@dataclass
class Plan:
    opened: list[Finding] = field(default_factory=list)
    refreshed: list[tuple[OpenFlag, Finding]] = field(default_factory=list)
    withdrawn: list[tuple[OpenFlag, str]] = field(default_factory=list)  # with the reason
    stopped: list[OpenFlag] = field(default_factory=list)  # newly not firing


def plan(
    findings: Iterable[Finding],
    open_flags: Iterable[OpenFlag],
    closed: Mapping[Key, Iterable[frozenset[str]]],
    explain: Callable[[OpenFlag], str],
) -> Plan:
    """The plan for one client: ``findings`` of ``evaluate`` on the whole current history, the
    client's ``open_flags``, the log keys of its ``closed`` flags by key, and ``explain`` (why a
    withdrawn flag no longer holds)."""
    result = Plan()
    by_key = {flag.key: flag for flag in open_flags}
    fired: set[Key] = set()
    for finding in findings:
        fired.add(finding.key)
        flag = by_key.get(finding.key)
        if flag is not None:
            same = finding.log_keys <= flag.log_keys and finding.evidence == flag.evidence
            if not same or flag.not_firing_since is not None:
                result.refreshed.append((flag, finding))
        elif not covered(closed, finding):
            result.opened.append(finding)
    for key, flag in by_key.items():
        if key in fired:
            continue
        if flag.kind in WITHDRAWABLE:
            result.withdrawn.append((flag, explain(flag)))
        elif flag.not_firing_since is None:
            result.stopped.append(flag)
    return result
