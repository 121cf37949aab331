"""The one rule of a meaningful change on an outcome measure (pure: the questionnaires, the triage
rules and the caseload dashboard all ask it)."""

from __future__ import annotations


def meaningful_change(better: str, amount: float, before: float, after: float) -> int:
    """+1 a meaningful improvement from ``before`` to ``after``, −1 a meaningful worsening, 0
    neither. ``better`` is "higher" or "lower"; a change of exactly ``amount`` counts (the
    difference is rounded first: 6.33 − 4.33 is 2 here, not 1.9999…)."""
    delta = round(after - before if better == "higher" else before - after, 6)
    if delta >= amount:
        return 1
    if -delta >= amount:
        return -1
    return 0
