"""The referral rules (RF-*) and the weekly pain trend (``triage.rules``) against
TRIAGE_RULES.md, each at its boundary; no database (``test_rules`` has the common ground)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from statistics import fmean

import pytest

from coaching.journal.vocabulary import EMERGENCY_SYMPTOMS, NERVE_SYMPTOMS, URGENT_SYMPTOMS
from triage.rules import (
    ADHERENCE,
    EMERGENCY,
    PROGRESSION,
    REFERRAL,
    REGRESSION,
    ROUTINE,
    URGENT,
    History,
    Thresholds,
    meaningful_rise,
)
from triage.tests.builders import NOW, HistoryBuilder, entry, only, rules, run

TH = Thresholds()
KIND_ORDER = (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION)


# --- RF-EMERGENCY and RF-URGENT: any report with a red-flag symptom -----------------------------


def _reported(code: str, source: str) -> History:
    b = HistoryBuilder()
    if source == "session":
        b.session(3, symptoms=(code,))
    else:
        b.check_in(3, symptoms=(code,))
    return b.build()


RED_FLAGS = [
    *(("RF-EMERGENCY", EMERGENCY, code) for code in sorted(EMERGENCY_SYMPTOMS)),
    *(("RF-URGENT", URGENT, code) for code in sorted(URGENT_SYMPTOMS)),
]


@pytest.mark.parametrize("source", ["session", "check_in"])
@pytest.mark.parametrize(
    ("rule", "urgency", "code"), RED_FLAGS, ids=[f"{r}-{c}" for r, _, c in RED_FLAGS]
)
def test_a_red_flag_symptom_is_referred_at_its_urgency(rule, urgency, code, source):
    history = _reported(code, source)
    findings = [f for f in run(history) if f.kind == REFERRAL]
    assert [(f.rule, f.urgency) for f in findings] == [(rule, urgency)]
    (finding,) = findings
    assert finding.evidence["symptoms"] == [code]
    key = f"{source}:{(history.sessions or history.check_ins)[0].id}"
    assert finding.log_keys == {key}


def test_the_red_flag_codes_match_the_rules_document():
    assert {str(s) for s in EMERGENCY_SYMPTOMS} == {
        "saddle_numbness",
        "bladder_bowel_change",
        "both_legs",
        "progressive_weakness",
    }
    assert {str(s) for s in URGENT_SYMPTOMS} == {
        "leg_weakness",
        "fever",
        "weight_loss",
        "night_pain",
        "trauma",
    }
    assert {str(s) for s in NERVE_SYMPTOMS} == {
        "radiating_below_knee",
        "leg_numbness",
        "leg_tingling",
    }


@pytest.mark.parametrize("source", ["session", "check_in"])
@pytest.mark.parametrize("code", sorted(NERVE_SYMPTOMS))
def test_a_nerve_symptom_alone_is_no_emergency_nor_urgent(code, source):
    assert rules(_reported(code, source)).isdisjoint({"RF-EMERGENCY", "RF-URGENT", "RF-NERVE"})


def test_emergency_and_urgent_symptoms_together_give_both_emergency_first():
    history = HistoryBuilder().check_in(1, symptoms=("fever", "saddle_numbness")).build()
    assert [(f.rule, f.urgency) for f in run(history)] == [
        ("RF-EMERGENCY", EMERGENCY),
        ("RF-URGENT", URGENT),
    ]


def test_red_flags_over_several_reports_are_one_finding_with_every_report_as_evidence():
    history = (
        HistoryBuilder()
        .check_in(9, symptoms=("both_legs",))
        .session(2, symptoms=("saddle_numbness", "leg_tingling"))
        .build()
    )
    (finding,) = only(history, "RF-EMERGENCY")
    assert finding.evidence["symptoms"] == ["both_legs", "saddle_numbness"]
    assert len(finding.evidence["reports"]) == 2
    assert len(finding.log_keys) == 2


# --- RF-NERVE: nerve symptoms on two days at least 7 days apart within 28 days ------------------

NERVE_DAYS = [
    pytest.param((7, 0), True, id="7-days-apart"),
    pytest.param((6, 0), False, id="6-days-apart"),
    pytest.param((13, 7, 6), True, id="three-reports-first-and-last-7-apart"),
    pytest.param((6, 5, 4, 3, 2, 1, 0), False, id="every-day-for-6-days"),
    pytest.param((27, 20), True, id="7-apart-first-on-the-oldest-day-of-the-window"),
    pytest.param((28, 21), False, id="7-apart-first-outside-the-28-day-window"),
    pytest.param((35, 0), False, id="35-apart-first-outside-the-window"),
    pytest.param((0,), False, id="one-report"),
]


@pytest.mark.parametrize("sources", ["check_ins", "sessions", "mixed"])
@pytest.mark.parametrize(("days_ago", "fires"), NERVE_DAYS)
def test_rf_nerve_needs_two_days_at_least_7_apart_within_28_days(days_ago, fires, sources):
    b = HistoryBuilder()
    codes = itertools.cycle(sorted(NERVE_SYMPTOMS))
    for i, days in enumerate(days_ago):
        as_session = sources == "sessions" or (sources == "mixed" and i % 2)
        if as_session:
            b.session(days, symptoms=(next(codes),))
        else:
            b.check_in(days, symptoms=(next(codes),))
    findings = only(b.build(), "RF-NERVE")
    assert bool(findings) is fires
    if fires:
        (finding,) = findings
        assert finding.urgency == ROUTINE
        assert finding.evidence["days_apart"] >= 7


# --- RF-PERSISTENT: resting pain ≥ 4 on more than 3 consecutive days ---------------------------

PERSISTENT = [
    pytest.param({3: 4, 2: 4, 1: 4, 0: 4}, True, id="4-days-at-4"),
    pytest.param({2: 4, 1: 4, 0: 4}, False, id="3-days-at-4"),
    pytest.param({3: 3, 2: 3, 1: 3, 0: 3}, False, id="4-days-at-3"),
    pytest.param({4: 9, 3: 8, 2: 7, 1: 6, 0: 5}, True, id="5-days-high"),
    pytest.param({3: 4, 2: 4, 1: 3, 0: 4}, False, id="a-day-at-3-breaks-the-run"),
    pytest.param({6: 4, 5: 4, 4: 4, 2: 4, 1: 4, 0: 4}, False, id="a-gap-day-breaks-the-run"),
    pytest.param({10: 5, 9: 5, 8: 5, 7: 5}, True, id="4-days-ending-a-week-ago"),
    pytest.param({20: 5, 19: 5, 18: 5, 17: 5}, False, id="4-days-ending-17-days-ago"),
]


@pytest.mark.parametrize("source", ["check_in", "pain_before"])
@pytest.mark.parametrize(("pain_by_day", "fires"), PERSISTENT)
def test_rf_persistent_needs_resting_pain_4_on_more_than_3_consecutive_days(
    pain_by_day, fires, source
):
    b = HistoryBuilder()
    for days, pain in pain_by_day.items():
        if source == "check_in":
            b.check_in(days, pain)
        else:
            b.session(days, pain_before=pain)
    findings = only(b.build(), "RF-PERSISTENT")
    assert bool(findings) is fires
    if fires:
        assert findings[0].urgency == ROUTINE
        assert findings[0].evidence["consecutive_days"] == len(pain_by_day)


def test_rf_persistent_counts_check_ins_and_pain_before_together():
    history = (
        HistoryBuilder()
        .check_in(3, 4)
        .session(2, pain_before=5)
        .check_in(1, 6)
        .session(0.1, pain_before=4)
        .build()
    )
    (finding,) = only(history, "RF-PERSISTENT")
    assert finding.evidence["consecutive_days"] == 4
    assert {k.split(":")[0] for k in finding.log_keys} == {"session", "check_in"}


def test_rf_persistent_takes_each_days_highest_resting_report():
    b = HistoryBuilder().check_in(3, 4).check_in(2, 4).check_in(0, 4)
    low_day = b.check_in(1, 1).build()
    assert "RF-PERSISTENT" not in rules(low_day)
    high_day = b.session(1, pain_before=4).build()  # the same day also had pain-before 4
    assert "RF-PERSISTENT" in rules(high_day)


def test_rf_persistent_a_run_reaching_into_the_window_is_counted_whole():
    b = HistoryBuilder()
    for days in (14, 13, 12, 11):
        b.check_in(days, 5)
    assert "RF-PERSISTENT" in rules(b.build())


# --- RF-SHARP: sharp or shooting pain in 2 or more sessions within 14 days ---------------------

SHARP_SESSIONS = [
    pytest.param((0,), False, id="1-session"),
    pytest.param((1, 0), True, id="2-sessions-a-day-apart"),
    pytest.param((13, 0), True, id="2-sessions-13-days-apart"),
    pytest.param((13.9, 0), True, id="2-sessions-13.9-days-apart"),
    pytest.param((15, 0), False, id="2-sessions-15-days-apart"),
    pytest.param((20, 16), False, id="2-sessions-both-outside-the-window"),
    pytest.param((12, 10), True, id="2-sessions-both-older-than-a-week"),
    pytest.param((15, 5, 0), True, id="3-sessions-2-within-the-window"),
]


@pytest.mark.parametrize("quality", ["sharp", "shooting"])
@pytest.mark.parametrize(("days_ago", "fires"), SHARP_SESSIONS)
def test_rf_sharp_needs_2_sessions_within_14_days(days_ago, fires, quality):
    b = HistoryBuilder()
    for days in days_ago:
        b.session(days, entry(pain=3, quality=quality))
    findings = only(b.build(), "RF-SHARP")
    assert bool(findings) is fires
    if fires:
        assert findings[0].urgency == ROUTINE


def test_rf_sharp_counts_sessions_not_entries():
    b = HistoryBuilder().session(1, entry(1, 3, quality="sharp"), entry(2, 3, quality="shooting"))
    assert "RF-SHARP" not in rules(b.build())
    assert "RF-SHARP" in rules(b.session(0.5, entry(3, 2, quality="sharp")).build())


@pytest.mark.parametrize("quality", ["dull", "ache", "burning", ""])
def test_rf_sharp_ignores_other_qualities(quality):
    b = HistoryBuilder().session(2, entry(pain=4, quality=quality))
    assert "RF-SHARP" not in rules(b.session(1, entry(pain=4, quality=quality)).build())


def test_rf_sharp_mixed_sharp_and_shooting_count_together():
    b = HistoryBuilder().session(5, entry(quality="sharp")).session(1, entry(quality="shooting"))
    (finding,) = only(b.build(), "RF-SHARP")
    assert finding.evidence["sessions"] == 2


# --- meaningful rise: ≥ 2 points, or ≥ 30 % and ≥ 1 point --------------------------------------

MEANINGFUL = [
    pytest.param(3, 4, True, id="3-to-4-33pc"),
    pytest.param(4, 5, False, id="4-to-5-25pc"),
    pytest.param(5, 7, True, id="5-to-7-2-points"),
    pytest.param(8, 10, True, id="8-to-10-2-points-25pc"),
    pytest.param(7, 8.9, False, id="7-to-8.9-below-2-points-27pc"),
    pytest.param(0, 1, True, id="0-to-1"),
    pytest.param(0, 0.9, False, id="0-to-0.9-below-1-point"),
    pytest.param(2, 2, False, id="2-to-2"),
    pytest.param(4, 2, False, id="a-fall"),
    pytest.param(1.0, 1.2, False, id="1.0-to-1.2-below-1-point"),
    pytest.param(2, 2.9, False, id="2-to-2.9-45pc-below-1-point"),
    pytest.param(10, 13, True, id="10-to-13-3-points"),
    pytest.param(5, 6.5, True, id="5-to-6.5-exactly-30pc"),
    pytest.param(5, 6.4, False, id="5-to-6.4-28pc"),
    pytest.param(6, 7.8, True, id="6-to-7.8-exactly-30pc"),
]


@pytest.mark.parametrize(("before", "after", "expected"), MEANINGFUL)
def test_meaningful_rise(before, after, expected):
    assert meaningful_rise(before, after, TH) is expected


def test_meaningful_rise_follows_its_thresholds():
    th = replace(TH, meaningful_rise_points=3, meaningful_rise_percent=50)
    assert meaningful_rise(5, 7, TH)
    assert not meaningful_rise(5, 7, th)  # 2 points, 40 %
    assert meaningful_rise(4, 6, th)  # 2 points, 50 %


# --- RF-WORSENING and RG-WEEKLY: rolling weekly means of pain during ---------------------------


def _weekly(*weeks: tuple[int, ...], now: datetime = NOW) -> History:
    """``weeks`` oldest first, the last being this week: each week's pains as one session's
    entries (of exercises 1, 2, …), 3.5 days into the rolling week."""
    b = HistoryBuilder(now=now)
    for w, pains in enumerate(reversed(weeks)):
        if pains:
            b.session(7 * w + 3.5, *(entry(i + 1, p) for i, p in enumerate(pains)))
    return b.build()


WORSENING = [
    pytest.param(((2,), (4,), (6,)), True, id="2-then-2-points"),
    pytest.param(((0,), (1,), (2,)), True, id="0-1-2-100pc-each"),
    pytest.param(((3,), (4,), (6,)), True, id="33pc-then-2-points"),
    pytest.param(((2,), (2,), (6,)), False, id="flat-then-rise"),
    pytest.param(((2,), (4,), (4,)), False, id="rise-then-flat"),
    pytest.param(((3,), (4,), (5,)), False, id="33pc-then-25pc"),
    pytest.param(((6,), (4,), (6,)), False, id="fall-then-rise"),
    pytest.param(((), (2,), (6,)), False, id="no-week-before-last"),
    pytest.param(((1,), (), (6,)), False, id="a-week-without-sessions"),
    pytest.param(((1, 1), (2, 4), (5, 5)), True, id="means-1-3-5"),
]


@pytest.mark.parametrize(("weeks", "fires"), WORSENING)
def test_rf_worsening_needs_two_meaningful_weekly_rises_in_a_row(weeks, fires):
    findings = only(_weekly(*weeks), "RF-WORSENING")
    assert bool(findings) is fires
    if fires:
        assert findings[0].urgency == ROUTINE


WEEKLY = [
    pytest.param(((2,), (4,)), True, id="2-to-4"),
    pytest.param(((3,), (4,)), True, id="3-to-4-33pc"),
    pytest.param(((4,), (5,)), False, id="4-to-5-25pc"),
    pytest.param(((5,), (7,)), True, id="5-to-7"),
    pytest.param(((0,), (1,)), True, id="0-to-1"),
    pytest.param(((2,), (2,)), False, id="flat"),
    pytest.param(((4,), (2,)), False, id="fall"),
    pytest.param(((), (6,)), False, id="no-week-before"),
    pytest.param(((4,), ()), False, id="nothing-this-week"),
    pytest.param(((6,), (8, 8, 8, 8, 7)), True, id="6-to-7.8-exactly-30pc"),
]


@pytest.mark.parametrize(("weeks", "fires"), WEEKLY)
def test_rg_weekly_one_meaningful_weekly_rise(weeks, fires):
    assert bool(only(_weekly(*weeks), "RG-WEEKLY")) is fires


@pytest.mark.parametrize(
    "weeks",
    [
        pytest.param(((7, 7, 6), (9, 9, 8)), id="means-6.67-to-8.67-2-points"),
        pytest.param(((2, 2, 1), (3, 3, 2)), id="means-1.67-to-2.67-1-point-60pc"),
        pytest.param(((0, 0, 0, 1, 1), (1, 1, 1, 2, 2)), id="means-0.4-to-1.4-1-point"),
        pytest.param(((7, 7, 7, 7, 8), (9, 9, 9, 9, 10)), id="means-7.2-to-9.2-2-points"),
    ],
)
def test_rg_weekly_rises_of_exactly_1_or_2_points_between_fractional_means(weeks):
    assert fmean(weeks[1]) - fmean(weeks[0]) in (pytest.approx(1), pytest.approx(2))
    assert "RG-WEEKLY" in rules(_weekly(*weeks))


def test_rf_worsening_with_fractional_weekly_means():
    assert "RF-WORSENING" in rules(_weekly((2, 2, 1), (3, 3, 2), (5, 5, 4)))


def test_rg_weekly_regresses_the_exercise_whose_pain_rose_most():
    history = _weekly((2, 2), (3, 6))
    (finding,) = only(history, "RG-WEEKLY")
    assert finding.exercise_id == 2


@pytest.mark.parametrize("shift_days", range(7), ids=lambda d: (NOW + timedelta(d)).strftime("%A"))
def test_weeks_are_rolling_so_the_verdict_does_not_depend_on_the_weekday(shift_days):
    now = NOW + timedelta(days=shift_days)
    b = HistoryBuilder(now=now)
    # two sessions in each rolling week, 6 days apart: calendar weeks would split them
    for week, pain in ((2, 1), (1, 3), (0, 5)):
        b.session(7 * week + 6.5, entry(pain=pain))
        b.session(7 * week + 0.5, entry(pain=pain))
    assert {"RF-WORSENING", "RG-WEEKLY"} <= rules(b.build(), now=now)
    # and one meaningful rise only: no RF-WORSENING, whatever the weekday
    flat = HistoryBuilder(now=now)
    for week, pain in ((2, 3), (1, 3), (0, 5)):
        flat.session(7 * week + 6.5, entry(pain=pain))
        flat.session(7 * week + 0.5, entry(pain=pain))
    found = rules(flat.build(), now=now)
    assert "RG-WEEKLY" in found
    assert "RF-WORSENING" not in found


def test_a_session_exactly_7_days_ago_belongs_to_the_week_before():
    b = HistoryBuilder().session(7, entry(pain=2)).session(1, entry(pain=4))
    assert "RG-WEEKLY" in rules(b.build())  # 2 last week, 4 this week
    same_week = HistoryBuilder().session(6.99, entry(pain=2)).session(1, entry(pain=4))
    assert "RG-WEEKLY" not in rules(same_week.build())  # no week before to compare with
