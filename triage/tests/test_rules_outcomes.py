"""The outcome-measure rules (TRIAGE_RULES.md, "Outcome measures"), table-driven at their
boundaries: OM-DECLINE (worse than the baseline by the meaningful change), OM-NO-CHANGE (no
meaningful change after 6 weeks), OM-RISK (the high-risk band), and a meaningful improvement as
supporting evidence of a progression, never a progression on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from triage.rules import OutcomeLog, Thresholds
from triage.tests.builders import NOW, HistoryBuilder, only, ready_to_progress, rules

STARTED = NOW.date() - timedelta(days=70)


def answer(
    n: int,
    days_ago: float,
    score: float,
    *,
    better: str = "higher",
    risk: str = "",
    band: str = "",
    instrument: str = "psfs",
) -> OutcomeLog:
    return OutcomeLog(
        id=n,
        instrument=instrument,
        name="PSFS" if instrument == "psfs" else "Risk screen",
        answered_at=NOW - timedelta(days=days_ago),
        score=score,
        better=better,
        meaningful_change=2,
        risk=risk,
        band=band,
    )


def history(*answers: OutcomeLog, **fields: object):  # type: ignore[no-untyped-def]
    return (
        HistoryBuilder()
        .prescription(1)
        .build(sessions_per_week=2, program_started_on=STARTED, outcomes=answers, **fields)
    )


@pytest.mark.parametrize(
    ("baseline", "latest", "better", "fires"),
    [
        (6.0, 4.0, "higher", True),  # exactly the meaningful change
        (6.0, 4.01, "higher", False),
        (6.0, 8.0, "higher", False),  # better
        (30.0, 32.0, "lower", True),  # lower is better: a rise of 2 is worse
        (30.0, 31.99, "lower", False),
    ],
    ids=["-2", "-1.99", "better", "lower-+2", "lower-+1.99"],
)
def test_om_decline_at_the_meaningful_change(baseline, latest, better, fires):
    h = history(answer(1, 40, baseline, better=better), answer(2, 1, latest, better=better))
    found = only(h, "OM-DECLINE")
    assert bool(found) is fires
    if fires:
        (f,) = found
        assert (f.kind, f.urgency, f.exercise_id) == ("regression", "routine", None)
        assert f.log_keys == {"response:1", "response:2"}
        assert f.evidence["baseline"] == {"log": "response:1", "score": baseline}
        assert "Review the program" in f.reason


def test_one_answer_is_only_a_baseline():
    assert not rules(history(answer(1, 1, 0.0))) & {"OM-DECLINE", "OM-NO-CHANGE"}


@pytest.mark.parametrize(
    ("days_apart", "latest", "weeks", "fires"),
    [
        (42, 5.0, 6, True),  # exactly 6 weeks after the baseline, no meaningful change
        (41, 5.0, 6, False),  # a day short
        (42, 6.0, 6, False),  # +2: a meaningful improvement
        (42, 5.99, 6, True),
        (28, 5.0, 4, True),  # the weeks are configurable
    ],
    ids=["6w", "6w-1d", "improved", "+1.99", "4w-configured"],
)
def test_om_no_change_after_the_configured_weeks(days_apart, latest, weeks, fires):
    h = history(answer(1, days_apart + 1, 4.0), answer(2, 1, latest))
    th = Thresholds(outcome_no_change_weeks=weeks)
    found = only(h, "OM-NO-CHANGE", th=th)
    assert bool(found) is fires
    if fires:
        assert (found[0].kind, found[0].urgency) == ("adherence", "routine")
        assert found[0].evidence["weeks"] == weeks


@pytest.mark.parametrize(
    ("risk", "fires"), [("high", True), ("medium", False), ("low", False), ("", False)]
)
def test_om_risk_on_the_latest_answer_in_the_high_band(risk, fires):
    h = history(answer(1, 3, 7.0, risk=risk, band=risk or "none", instrument="risk-screen"))
    found = only(h, "OM-RISK")
    assert bool(found) is fires
    if fires:
        assert (found[0].kind, found[0].urgency) == ("referral", "routine")


def test_an_earlier_high_risk_answer_no_longer_fires_once_the_latest_is_low():
    h = history(
        answer(1, 20, 7.0, risk="high", band="high", instrument="risk-screen"),
        answer(2, 1, 2.0, risk="low", band="low", instrument="risk-screen"),
    )
    assert not only(h, "OM-RISK")


def test_a_meaningful_improvement_supports_a_progression_and_never_makes_one():
    improved = (answer(1, 30, 3.0), answer(2, 1, 6.0))
    ready = ready_to_progress(program_started_on=STARTED, outcomes=improved)
    (progression,) = only(ready, "PG-READY")
    assert "Supporting: better on a questionnaire: PSFS 3 on" in progression.reason
    assert progression.evidence["outcomes"][0]["latest"]["score"] == 6.0
    # without the sessions that make it ready, an improvement alone fires nothing
    assert not only(history(*improved), "PG-READY")


def test_a_decline_holds_a_progression_back():
    declined = (answer(1, 30, 6.0), answer(2, 1, 3.0))
    ready = ready_to_progress(program_started_on=STARTED, outcomes=declined)
    assert "OM-DECLINE" in rules(ready)
    assert not only(ready, "PG-READY")
