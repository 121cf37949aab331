"""The regression rules (RG-*) against TRIAGE_RULES.md, each at its boundary; no database."""

from __future__ import annotations

from datetime import datetime

import pytest

from triage.rules import (
    ADHERENCE,
    PROGRESSION,
    REFERRAL,
    REGRESSION,
    Thresholds,
    next_morning_rise,
)
from triage.tests.builders import TZ, HistoryBuilder, entry, only, rules

TH = Thresholds()
KIND_ORDER = (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION)


# --- RG-PAIN-DURING, RG-PAIN-AFTER: above 5 is too much -----------------------------------------


@pytest.mark.parametrize(
    ("pain", "days_ago", "fires"),
    [
        pytest.param(5, 1, False, id="pain-5"),
        pytest.param(6, 1, True, id="pain-6"),
        pytest.param(10, 1, True, id="pain-10"),
        pytest.param(6, 6.9, True, id="pain-6-6.9-days-ago"),
        pytest.param(6, 8, False, id="pain-6-8-days-ago"),
    ],
)
def test_rg_pain_during_above_5(pain, days_ago, fires):
    history = HistoryBuilder().session(days_ago, entry(1, pain)).build()
    findings = only(history, "RG-PAIN-DURING")
    assert bool(findings) is fires
    if fires:
        assert findings[0].exercise_id == 1
        assert findings[0].evidence["threshold"] == 5


@pytest.mark.parametrize(
    ("pain_after", "fires"),
    [pytest.param(5, False, id="pain-after-5"), pytest.param(6, True, id="pain-after-6")],
)
def test_rg_pain_after_above_5_regresses_the_most_painful_exercise(pain_after, fires):
    history = (
        HistoryBuilder()
        .exercise(2, easier=(9,))
        .exercise(9, "Easier one")
        .session(1, entry(1, 2), entry(2, 4), entry(3, 1), pain_after=pain_after)
        .build()
    )
    findings = only(history, "RG-PAIN-AFTER")
    assert bool(findings) is fires
    if fires:
        (finding,) = findings
        assert finding.exercise_id == 2
        assert finding.suggestion.exercise_id == 9
        assert finding.evidence["pain_after"] == 6


# --- RG-NEXT-MORNING: the next morning 2 or more above pain-before, or above 5 ----------------

NEXT_MORNING = [
    pytest.param(3, 4, False, id="before-3-morning-4-rise-1"),
    pytest.param(3, 5, True, id="before-3-morning-5-rise-2"),
    pytest.param(0, 1, False, id="before-0-morning-1"),
    pytest.param(0, 2, True, id="before-0-morning-2"),
    pytest.param(5, 5, False, id="before-5-morning-5"),
    pytest.param(5, 6, True, id="before-5-morning-6-above-5"),
    pytest.param(7, 6, True, id="before-7-morning-6-lower-but-above-5"),
    pytest.param(4, 3, False, id="settled"),
]


@pytest.mark.parametrize(("pain_before", "morning", "fires"), NEXT_MORNING)
def test_rg_next_morning(pain_before, morning, fires):
    history = (
        HistoryBuilder()
        .session(2, entry(1, 1), entry(2, 3), pain_before=pain_before)
        .check_in(1, morning)
        .build()
    )
    assert next_morning_rise(history.sessions[0], history.check_ins[0], TH) is fires
    findings = only(history, "RG-NEXT-MORNING")
    assert bool(findings) is fires
    if fires:
        assert findings[0].exercise_id == 2  # the session's most painful exercise


@pytest.mark.parametrize("check_in_days_ago", [2, 0], ids=["same-day", "two-days-later"])
def test_rg_next_morning_only_the_morning_after(check_in_days_ago):
    history = HistoryBuilder().session(2, pain_before=0).check_in(check_in_days_ago, 4).build()
    assert "RG-NEXT-MORNING" not in rules(history)


def test_the_next_morning_is_the_clients_local_day():
    """A session at 00:30 BST on 11 June is on 10 June in UTC: its next morning is 12 June."""
    now = datetime(2026, 6, 12, 18, 0, tzinfo=TZ)
    session_at = datetime(2026, 6, 11, 0, 30, tzinfo=TZ)
    next_day = HistoryBuilder(now=now).session(0, at=session_at).check_in(0, 3).build()
    assert "RG-NEXT-MORNING" in rules(next_day, now=now)
    same_local_day = HistoryBuilder(now=now).session(0, at=session_at).check_in(1, 3).build()
    assert "RG-NEXT-MORNING" not in rules(same_local_day, now=now)


# --- RG-SHARP, RG-FORM ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quality", "fires"),
    [
        ("sharp", True),
        ("shooting", True),
        ("dull", False),
        ("ache", False),
        ("burning", False),
        ("", False),
    ],
)
def test_rg_sharp(quality, fires):
    history = HistoryBuilder().session(1, entry(1, 2, quality=quality)).build()
    findings = only(history, "RG-SHARP")
    assert bool(findings) is fires
    if fires:
        assert findings[0].exercise_id == 1
        assert "stop" in findings[0].reason.lower()


FORM = [
    pytest.param(3, "lower_back", False, True, id="pain-3-lower-back"),
    pytest.param(2, "lower_back", False, False, id="pain-2-lower-back"),
    pytest.param(5, "lower_back", False, True, id="pain-5-lower-back"),
    pytest.param(3, "lower_back", True, False, id="exercise-targets-the-lower-back"),
    pytest.param(5, "hip", False, False, id="pain-5-hip"),
    pytest.param(5, "upper_back", False, False, id="pain-5-upper-back"),
    pytest.param(5, "", False, False, id="no-location"),
]


@pytest.mark.parametrize(("pain", "location", "targets_lower_back", "fires"), FORM)
def test_rg_form(pain, location, targets_lower_back, fires):
    history = (
        HistoryBuilder()
        .exercise(1, targets_lower_back=targets_lower_back)
        .session(1, entry(1, pain, location=location))
        .build()
    )
    assert bool(only(history, "RG-FORM")) is fires


# --- RG-SHORTFALL, RG-EFFORT: consecutive sessions of the exercise ----------------------------

SHORTFALL = [
    pytest.param((7, 7, 7), True, id="3-short-sessions"),
    pytest.param((7, 7), False, id="2-short-sessions"),
    pytest.param((12, 7, 7, 7), True, id="good-then-3-short"),
    pytest.param((7, 8, 7, 7), False, id="good-session-third-last"),
    pytest.param((7, 7, 8, 7), False, id="good-session-in-between"),
    pytest.param((7, 7, 7, 8), False, id="latest-session-good"),
    pytest.param((8, 8, 8), False, id="exactly-the-minimum"),
    pytest.param((0, 3, 7), True, id="far-below"),
]


@pytest.mark.parametrize(("fewest_reps", "fires"), SHORTFALL)
def test_rg_shortfall_a_set_below_the_minimum_in_3_consecutive_sessions(fewest_reps, fires):
    b = HistoryBuilder().prescription(1, reps_min=8, reps_max=12)
    for i, low in enumerate(fewest_reps):
        b.session(len(fewest_reps) - i, entry(1, reps=(12, 10, low)))
    findings = only(b.build(), "RG-SHORTFALL")
    assert bool(findings) is fires
    if fires:
        assert len(findings[0].log_keys) == 3


def test_rg_shortfall_counts_only_sessions_of_that_exercise():
    b = HistoryBuilder().prescription(1).prescription(2)
    b.session(4, entry(1, reps=(7,))).session(3, entry(2, reps=(12, 12, 12)))
    b.session(2, entry(1, reps=(7,))).session(1, entry(1, reps=(6,)))
    assert [f.exercise_id for f in only(b.build(), "RG-SHORTFALL")] == [1]


EFFORT = [
    pytest.param((9, 9), True, id="rpe-9-twice"),
    pytest.param((10, 9), True, id="rpe-10-then-9"),
    pytest.param((8, 9), False, id="rpe-8-then-9"),
    pytest.param((9, 8), False, id="rpe-9-then-8"),
    pytest.param((9,), False, id="rpe-9-once"),
    pytest.param((9, 8, 9), False, id="rpe-9-8-9"),
    pytest.param((8, 8), False, id="rpe-8-twice"),
    pytest.param((None, None), False, id="no-rpe"),
]


@pytest.mark.parametrize(("rpes", "fires"), EFFORT)
def test_rg_effort_rpe_9_in_2_consecutive_sessions(rpes, fires):
    b = HistoryBuilder().prescription(1)
    for i, rpe in enumerate(rpes):
        b.session(len(rpes) - i, entry(1, rpe=rpe))
    assert bool(only(b.build(), "RG-EFFORT")) is fires
