"""The pure rules engine (``triage.rules``) against TRIAGE_RULES.md, at every rule's boundary.

No database: histories are plain snapshots built in memory (``triage.tests.builders``), the
review moment is fixed. Table-driven tests for each rule firing and not firing at its boundary,
then properties over random histories (hypothesis): evaluation is deterministic and sorted, an
open referral never coexists with a progression suggestion, every finding carries evidence.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import fmean

import pytest
from hypothesis import given, settings

from coaching.reporting import (
    EMERGENCY_SYMPTOMS,
    NERVE_SYMPTOMS,
    URGENT_SYMPTOMS,
)
from triage.rules import (
    ADHERENCE,
    EMERGENCY,
    PROGRESSION,
    REFERRAL,
    REGRESSION,
    ROUTINE,
    RULE_CODES,
    URGENCY_RANK,
    URGENT,
    EntryLog,
    Finding,
    History,
    PrescriptionInfo,
    Thresholds,
    adherence_percent,
    easier,
    evaluate,
    harder,
    meaningful_rise,
    next_morning_rise,
    pg_ready,
    planned_sessions,
    reached_top,
)
from triage.tests.builders import NOW, TZ, HistoryBuilder, entry
from triage.tests.strategies import histories

TH = Thresholds()
KIND_ORDER = (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION)
REFERRAL_URGENCY = {"RF-EMERGENCY": EMERGENCY, "RF-URGENT": URGENT}


def run(history: History, th: Thresholds = TH, now: datetime = NOW) -> list[Finding]:
    return evaluate(history, th, now)


def rules(history: History, th: Thresholds = TH, now: datetime = NOW) -> set[str]:
    return {f.rule for f in run(history, th, now)}


def only(history: History, rule: str, th: Thresholds = TH, now: datetime = NOW) -> list[Finding]:
    return [f for f in run(history, th, now) if f.rule == rule]


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


# --- adherence --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "planned", "percent"),
    [
        pytest.param(79, 100, 79.0, id="79pc"),
        pytest.param(80, 100, 80.0, id="80pc"),
        pytest.param(49, 100, 49.0, id="49pc"),
        pytest.param(50, 100, 50.0, id="50pc"),
        pytest.param(8, 10, 80.0, id="8-of-10"),
        pytest.param(7, 14, 50.0, id="7-of-14"),
        pytest.param(12, 10, 100.0, id="more-than-planned-caps-at-100"),
        pytest.param(0, 4, 0.0, id="none-done"),
        pytest.param(3, 0, None, id="nothing-planned"),
    ],
)
def test_adherence_percent(done, planned, percent):
    assert adherence_percent(done, planned) == percent


@pytest.mark.parametrize(
    ("sessions_per_week", "started_days_ago", "planned"),
    [
        *(pytest.param(n, None, 2 * n, id=f"{n}-a-week-no-start-date") for n in range(1, 8)),
        pytest.param(3, 30, 6, id="3-a-week-started-long-ago"),
        pytest.param(3, 6, 3, id="3-a-week-running-7-days"),
        pytest.param(3, 0, 0, id="3-a-week-started-today"),
        pytest.param(7, 0, 1, id="7-a-week-started-today"),
        pytest.param(None, 30, 0, id="no-active-program"),
        pytest.param(3, -2, 0, id="starts-in-two-days"),
    ],
)
def test_planned_sessions(sessions_per_week, started_days_ago, planned):
    started = None if started_days_ago is None else NOW.date() - timedelta(started_days_ago)
    history = HistoryBuilder().build(
        sessions_per_week=sessions_per_week, program_started_on=started
    )
    assert planned_sessions(history, TH, NOW) == planned


def _done(count: int, **fields: object) -> History:
    """``count`` good sessions of exercise 1, one a day, the latest 6 hours ago."""
    b = HistoryBuilder().prescription(1)
    for i in range(count):
        b.session(i + 0.25, entry(1))
    return b.build(**fields)


WIDE = replace(TH, adherence_window_days=100)  # 7 sessions a week: 100 planned, percent = done


@pytest.mark.parametrize(
    ("th", "sessions_per_week", "done", "fires"),
    [
        pytest.param(WIDE, 7, 49, True, id="49pc"),
        pytest.param(WIDE, 7, 50, False, id="50pc"),
        pytest.param(TH, 7, 6, True, id="6-of-14"),
        pytest.param(TH, 7, 7, False, id="7-of-14"),
        pytest.param(TH, 2, 1, True, id="1-of-4"),
        pytest.param(TH, 2, 2, False, id="2-of-4"),
    ],
)
def test_ad_low_below_50_percent(th, sessions_per_week, done, fires):
    history = _done(
        done,
        sessions_per_week=sessions_per_week,
        program_started_on=NOW.date() - timedelta(days=200),
    )
    findings = only(history, "AD-LOW", th=th)
    assert bool(findings) is fires
    if fires:
        (finding,) = findings
        assert finding.kind == ADHERENCE
        assert finding.evidence["done"] == done


@pytest.mark.parametrize(
    ("started_days_ago", "fires"),
    [pytest.param(12, False, id="running-13-days"), pytest.param(13, True, id="running-14-days")],
)
def test_ad_low_is_judged_once_the_program_ran_the_whole_window(started_days_ago, fires):
    history = HistoryBuilder().build(
        sessions_per_week=3, program_started_on=NOW.date() - timedelta(started_days_ago)
    )
    assert bool(only(history, "AD-LOW")) is fires


def test_missed_sessions_never_cause_a_regression():
    history = _done(1, sessions_per_week=7, program_started_on=NOW.date() - timedelta(60))
    findings = run(history)
    assert [f.rule for f in findings] == ["AD-LOW"]
    nothing_done = (
        HistoryBuilder()
        .prescription(1)
        .build(sessions_per_week=7, program_started_on=NOW.date() - timedelta(60))
    )
    assert [f.rule for f in run(nothing_done)] == ["AD-LOW"]


# --- PG-READY ---------------------------------------------------------------------------------

READY = {"sessions_per_week": 2, "program_started_on": NOW.date() - timedelta(days=60)}


def _progression(
    latest: EntryLog | None = None,
    second: EntryLog | None = None,
    builder: HistoryBuilder | None = None,
    rx: dict[str, object] | None = None,
    pain_before: int = 0,
    **fields: object,
) -> History:
    """Exercise 1 (3 × 8–12, or ``rx``) done 12, 9, 5 and 2 days ago, 4 of 4 planned sessions:
    ready to progress unless ``latest`` or ``second`` (the two most recent sessions) say
    otherwise."""
    b = builder or HistoryBuilder()
    b.prescription(1, **{"sets": 3, "reps_min": 8, "reps_max": 12, **(rx or {})})
    b.session(12, entry(1, reps=(9, 8, 8)), pain_before=pain_before)
    b.session(9, entry(1, pain=4, reps=(12,)), pain_before=pain_before)
    b.session(5, second or entry(1), pain_before=pain_before)
    b.session(2, latest or entry(1), pain_before=pain_before)
    return b.build(**{**READY, **fields})


def test_pg_ready_fires_when_everything_holds():
    (finding,) = run(_progression())
    assert finding.rule == "PG-READY"
    assert (finding.kind, finding.urgency) == (PROGRESSION, ROUTINE)
    assert finding.exercise_id == finding.prescription_id == 1
    assert finding.evidence["adherence_percent"] == 100.0
    assert len(finding.log_keys) == 2  # the two most recent sessions


READY_ENTRIES = [
    pytest.param(entry(1, reps=(12, 12, 12)), True, id="every-set-at-the-top"),
    pytest.param(entry(1, reps=(13, 12, 14)), True, id="every-set-at-or-above-the-top"),
    pytest.param(entry(1, reps=(12, 12, 11)), False, id="last-set-below-the-top"),
    pytest.param(entry(1, reps=(11, 12, 12)), False, id="first-set-below-the-top"),
    pytest.param(entry(1, reps=(10, 10, 14)), True, id="2-for-2-last-set-top-plus-2"),
    pytest.param(entry(1, reps=(10, 10, 13)), False, id="last-set-top-plus-1-only"),
    pytest.param(entry(1, reps=(12, 12)), False, id="fewer-sets-than-prescribed"),
    pytest.param(entry(1, reps=(12, 12, 12, 9)), True, id="an-extra-set-beyond-the-prescription"),
    pytest.param(entry(1, pain=2), True, id="pain-during-2"),
    pytest.param(entry(1, pain=3), False, id="pain-during-3"),
]


@pytest.mark.parametrize("which", ["latest", "second"])
@pytest.mark.parametrize(("variant", "fires"), READY_ENTRIES)
def test_pg_ready_needs_both_recent_sessions_at_the_top_with_pain_at_most_2(variant, fires, which):
    history = _progression(**{which: variant})
    assert ("PG-READY" in rules(history)) is fires


@pytest.mark.parametrize(
    ("reps", "expected"),
    [((12, 12, 12), True), ((12, 12, 11), False), ((8, 8, 14), True), ((14,), True), ((), False)],
    ids=str,
)
def test_reached_top(reps, expected):
    rx = PrescriptionInfo(id=1, exercise_id=1, sets=3, reps_min=8, reps_max=12)
    assert reached_top(entry(1, reps=reps), rx, TH) is expected


def test_pg_ready_needs_two_sessions_of_the_exercise():
    b = HistoryBuilder().prescription(1)
    for days in (12, 9, 5):
        b.session(days, entry(2))  # another exercise, without a prescription
    b.session(2, entry(1))
    assert "PG-READY" not in rules(b.build(**READY))


@pytest.mark.parametrize(
    ("morning", "fires"),
    [pytest.param(1, True, id="next-morning-1"), pytest.param(2, False, id="next-morning-rise-2")],
)
def test_pg_ready_needs_no_next_morning_rise(morning, fires):
    history = _progression(builder=HistoryBuilder().check_in(1, morning))
    assert bool(pg_ready(history, TH, NOW)) is fires  # the rule itself, not only precedence
    assert ("PG-READY" in rules(history)) is fires


@pytest.mark.parametrize(
    ("th", "sessions_per_week", "done", "fires"),
    [
        pytest.param(WIDE, 7, 79, False, id="79pc"),
        pytest.param(WIDE, 7, 80, True, id="80pc"),
        pytest.param(TH, 5, 7, False, id="7-of-10"),
        pytest.param(TH, 5, 8, True, id="8-of-10"),
        pytest.param(TH, 7, 11, False, id="11-of-14"),
        pytest.param(TH, 7, 12, True, id="12-of-14"),
        pytest.param(TH, None, 12, False, id="no-active-program"),
    ],
)
def test_pg_ready_needs_adherence_of_80_percent(th, sessions_per_week, done, fires):
    history = _done(done, sessions_per_week=sessions_per_week)
    assert ("PG-READY" in rules(history, th=th)) is fires


def test_pg_ready_is_held_by_an_open_referral():
    assert "PG-READY" in rules(_progression(referral_hold=False))
    assert "PG-READY" not in rules(_progression(referral_hold=True))


@pytest.mark.parametrize(
    ("exercise_id", "days_ago", "fires"),
    [
        pytest.param(1, 13, False, id="same-exercise-13-days-ago"),
        pytest.param(1, 15, True, id="same-exercise-15-days-ago"),
        pytest.param(7, 13, False, id="other-exercise-13-days-ago"),
        pytest.param(7, 15, True, id="other-exercise-15-days-ago"),
    ],
)
def test_pg_ready_waits_14_days_after_a_regression_flag(exercise_id, days_ago, fires):
    history = _progression(recent_regressions=((exercise_id, NOW - timedelta(days_ago)),))
    assert ("PG-READY" in rules(history)) is fires


@pytest.mark.parametrize(
    ("extra", "suppressing_rule"),
    [
        pytest.param(entry(2, 6), "RG-PAIN-DURING", id="pain-6-in-another-exercise"),
        pytest.param(entry(2, 1, quality="sharp"), "RG-SHARP", id="sharp-in-another-exercise"),
        pytest.param(
            entry(2, 3, location="lower_back"), "RG-FORM", id="lower-back-in-another-exercise"
        ),
    ],
)
def test_pg_ready_is_suppressed_by_a_regression_in_the_same_evaluation(extra, suppressing_rule):
    history = _progression(builder=HistoryBuilder().session(1, extra))
    found = rules(history)
    assert suppressing_rule in found
    assert "PG-READY" not in found


def _fever(b: HistoryBuilder) -> None:
    b.check_in(3, symptoms=("fever",))


def _nerve(b: HistoryBuilder) -> None:
    b.check_in(20, symptoms=("leg_tingling",)).check_in(3, symptoms=("leg_numbness",))


def _persistent(b: HistoryBuilder) -> None:
    for days in (3, 2, 1, 0):  # with every session's pain-before at 4: 6 days in a row
        b.check_in(days, 4)


@pytest.mark.parametrize(
    ("report", "pain_before", "referral"),
    [
        pytest.param(_fever, 0, "RF-URGENT", id="urgent"),
        pytest.param(_nerve, 0, "RF-NERVE", id="nerve"),
        pytest.param(_persistent, 4, "RF-PERSISTENT", id="persistent"),
    ],
)
def test_a_referral_suppresses_every_progression(report, pain_before, referral):
    b = HistoryBuilder().prescription(2)
    for days in (4.5, 1.5):
        b.session(days, entry(2), pain_before=pain_before)
    report(b)
    history = _progression(builder=b, pain_before=pain_before)
    would_be_ready = sorted(f.exercise_id for f in pg_ready(history, TH, NOW))
    assert would_be_ready == [1, 2]
    found = rules(history)
    assert referral in found
    assert "PG-READY" not in found


# --- suggestions: one variable at a time ------------------------------------------------------

HARDER = [
    pytest.param({"harder": (5,)}, {}, {"exercise_id": 5}, id="harder-variation"),
    pytest.param(
        {"harder": (5, 6)}, {"load_kg": "20"}, {"exercise_id": 5}, id="variation-before-load"
    ),
    pytest.param({}, {"load_kg": "20"}, {"load_kg": Decimal("21")}, id="load-20-to-21"),
    pytest.param({}, {"load_kg": "4"}, {"load_kg": Decimal("4.5")}, id="load-4-to-4.5"),
    pytest.param({}, {"load_kg": "30"}, {"load_kg": Decimal("31.5")}, id="load-30-to-31.5"),
    pytest.param({}, {"load_kg": "16"}, {"load_kg": Decimal("17")}, id="load-16-to-17"),
    pytest.param({}, {"load_kg": "25"}, {"load_kg": Decimal("26.5")}, id="load-25-to-26.5"),
    pytest.param({}, {"load_kg": "100"}, {"load_kg": Decimal("105")}, id="load-100-to-105"),
    pytest.param({}, {"hold_seconds": 30}, {"hold_seconds": 35}, id="hold-30-to-35"),
    pytest.param(
        {}, {"load_kg": "20", "hold_seconds": 30}, {"load_kg": Decimal("21")}, id="load-before-hold"
    ),
    pytest.param({}, {}, {"reps_min": 10, "reps_max": 14}, id="reps-8-12-to-10-14"),
]


@pytest.mark.parametrize(("edges", "rx", "expected"), HARDER)
def test_harder(edges, rx, expected):
    history = HistoryBuilder().exercise(1, **edges).prescription(1, **rx).build()
    suggestion = harder(history, 1, TH)
    changed = {k: v for k, v in suggestion.as_dict().items() if k != "text"}
    as_expected = {k: str(v) if isinstance(v, Decimal) else v for k, v in expected.items()}
    assert changed == as_expected  # one variable only
    if "load_kg" in expected:
        assert suggestion.load_kg == expected["load_kg"]


@pytest.mark.parametrize("load", ["12", "14", "22", "24", "34"])
def test_harder_load_stays_within_5_to_10_percent_when_a_half_kilo_step_allows(load):
    history = HistoryBuilder().prescription(1, load_kg=load).build()
    new = harder(history, 1, TH).load_kg
    old = Decimal(load)
    assert (new * 2) % 1 == 0  # whole half kilos
    assert old * Decimal("1.05") <= new <= old * Decimal("1.10")


EASIER = [
    pytest.param({"easier": (3,)}, {}, {"exercise_id": 3}, id="easier-variation"),
    pytest.param(
        {"easier": (3,)}, {"load_kg": "20"}, {"exercise_id": 3}, id="variation-before-load"
    ),
    pytest.param({}, {"load_kg": "20"}, {"load_kg": Decimal("16")}, id="load-20-to-16"),
    pytest.param({}, {"load_kg": "12.5"}, {"load_kg": Decimal("10")}, id="load-12.5-to-10"),
    pytest.param({}, {"load_kg": "4"}, {"load_kg": Decimal("3")}, id="load-4-to-3-rounded"),
    pytest.param({}, {}, {"reps_min": 6, "reps_max": 10}, id="reps-8-12-to-6-10"),
]


@pytest.mark.parametrize(("edges", "rx", "expected"), EASIER)
def test_easier(edges, rx, expected):
    history = HistoryBuilder().exercise(1, **edges).prescription(1, **rx).build()
    suggestion = easier(history, 1, TH)
    changed = {k: v for k, v in suggestion.as_dict().items() if k != "text"}
    assert changed == {k: str(v) if isinstance(v, Decimal) else v for k, v in expected.items()}


def test_findings_carry_the_catalogue_edges_as_suggestions():
    ready = _progression(builder=HistoryBuilder().exercise(1, harder=(4,)).exercise(4, "Harder"))
    (progression,) = run(ready)
    assert progression.suggestion.exercise_id == 4
    assert "Harder" in progression.reason
    painful = (
        HistoryBuilder()
        .exercise(1, easier=(3,))
        .exercise(3, "Easier")
        .prescription(1, load_kg="20")
        .session(1, entry(1, 7))
        .build()
    )
    (regression,) = only(painful, "RG-PAIN-DURING")
    assert regression.suggestion.exercise_id == 3
    assert regression.suggestion.load_kg is None


def test_a_regression_without_an_easier_variation_lowers_the_load_by_20_percent():
    history = HistoryBuilder().prescription(1, load_kg="20").session(1, entry(1, 7)).build()
    (finding,) = only(history, "RG-PAIN-DURING")
    assert finding.suggestion.load_kg == Decimal("16")


def test_a_progression_without_a_harder_variation_adds_load():
    history = _progression(rx={"load_kg": "20"})
    (finding,) = run(history)
    assert finding.suggestion.load_kg == Decimal("21")


# --- precedence and de-duplication ------------------------------------------------------------


def test_referrals_come_first_then_regression_adherence_progression():
    b = (
        HistoryBuilder()
        .prescription(1)
        .prescription(2)
        .check_in(10, symptoms=("night_pain",))
        .check_in(9, symptoms=("bladder_bowel_change",))
    )
    for days in (6, 5, 4, 3):
        b.check_in(days, 5)
    b.session(2, entry(2, 7))
    history = b.build(sessions_per_week=7, program_started_on=NOW.date() - timedelta(60))
    assert [f.rule for f in run(history)] == [
        "RF-EMERGENCY",
        "RF-URGENT",
        "RF-PERSISTENT",
        "RG-PAIN-DURING",
        "AD-LOW",
    ]


def test_one_finding_per_rule_and_exercise():
    b = HistoryBuilder().prescription(1).prescription(2)
    b.session(3, entry(1, 7), entry(2, 6), pain_after=7)
    b.session(1, entry(1, 8), entry(2, 6), pain_after=8)
    findings = run(b.build())
    keys = [(f.rule, f.exercise_id) for f in findings]
    assert keys == [
        ("RG-PAIN-DURING", 1),
        ("RG-PAIN-DURING", 2),
        ("RG-PAIN-AFTER", 1),
    ]
    (during_1, *_) = findings
    assert len(during_1.log_keys) == 2  # both sessions as evidence of the one finding


def test_two_current_prescriptions_of_one_exercise_give_one_progression():
    b = HistoryBuilder().prescription(1, rx_id=11)
    history = _progression(builder=b)
    assert len(pg_ready(history, TH, NOW)) == 2
    assert [(f.rule, f.exercise_id) for f in run(history)] == [("PG-READY", 1)]


def test_reviewing_the_same_history_twice_changes_nothing():
    history = _progression(builder=HistoryBuilder().check_in(1, 1))
    assert run(history) == run(history)


# --- thresholds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain", "th", "fires"),
    [
        pytest.param(6, TH, True, id="pain-6-default"),
        pytest.param(6, Thresholds(pain_acceptable_max=6), False, id="pain-6-max-6"),
        pytest.param(7, Thresholds(pain_acceptable_max=6), True, id="pain-7-max-6"),
        pytest.param(5, Thresholds(pain_acceptable_max=4), True, id="pain-5-max-4"),
    ],
)
def test_a_threshold_moves_the_boundary(pain, th, fires):
    history = HistoryBuilder().session(1, entry(1, pain), pain_after=pain).build()
    found = rules(history, th=th)
    assert ("RG-PAIN-DURING" in found) is fires
    assert ("RG-PAIN-AFTER" in found) is fires
    if fires:
        assert only(history, "RG-PAIN-DURING", th=th)[0].evidence["threshold"] == (
            th.pain_acceptable_max
        )


@pytest.mark.parametrize(
    ("th", "history", "rule"),
    [
        pytest.param(
            Thresholds(persistent_days=2),
            HistoryBuilder().check_in(2, 4).check_in(1, 4).check_in(0, 4).build(),
            "RF-PERSISTENT",
            id="persistent-days-2",
        ),
        pytest.param(
            Thresholds(persistent_pain_min=3),
            HistoryBuilder().check_in(3, 3).check_in(2, 3).check_in(1, 3).check_in(0, 3).build(),
            "RF-PERSISTENT",
            id="persistent-pain-3",
        ),
        pytest.param(
            Thresholds(nerve_days_apart=3),
            HistoryBuilder()
            .check_in(3, symptoms=("leg_numbness",))
            .check_in(0, symptoms=("leg_numbness",))
            .build(),
            "RF-NERVE",
            id="nerve-3-days-apart",
        ),
        pytest.param(
            Thresholds(sharp_sessions=1),
            HistoryBuilder().session(1, entry(quality="sharp")).build(),
            "RF-SHARP",
            id="sharp-1-session",
        ),
        pytest.param(
            Thresholds(effort_rpe=8),
            HistoryBuilder().session(2, entry(rpe=8)).session(1, entry(rpe=8)).build(),
            "RG-EFFORT",
            id="effort-rpe-8",
        ),
        pytest.param(
            Thresholds(form_pain_min=2),
            HistoryBuilder().session(1, entry(pain=2, location="lower_back")).build(),
            "RG-FORM",
            id="form-pain-2",
        ),
    ],
)
def test_changed_thresholds_fire_where_the_defaults_do_not(th, history, rule):
    assert rule not in rules(history)
    assert rule in rules(history, th=th)


def test_thresholds_from_dict_ignores_unknown_keys_and_keeps_defaults():
    th = Thresholds.from_dict({"pain_acceptable_max": "6", "no_such_rule": 3, "effort_rpe": 8})
    assert th.pain_acceptable_max == 6
    assert th.effort_rpe == 8
    assert th.persistent_days == Thresholds().persistent_days
    assert Thresholds.from_dict({}) == Thresholds()
    assert Thresholds.from_dict(TH.as_dict()) == TH


def test_the_default_thresholds_are_the_rules_documents():
    assert (TH.pain_safe_max, TH.pain_acceptable_max) == (2, 5)
    assert (TH.meaningful_rise_points, TH.meaningful_rise_percent) == (2, 30)
    assert (TH.persistent_pain_min, TH.persistent_days) == (4, 3)
    assert (TH.nerve_days_apart, TH.nerve_window_days) == (7, 28)
    assert (TH.sharp_sessions, TH.sharp_window_days) == (2, 14)
    assert (TH.shortfall_sessions, TH.effort_rpe, TH.effort_sessions) == (3, 9, 2)
    assert (TH.adherence_low_percent, TH.adherence_progress_percent) == (50, 80)
    assert (TH.adherence_window_days, TH.regression_hold_days) == (14, 14)


# --- properties over random histories ---------------------------------------------------------


def _check_deterministic(history: History, now: datetime, findings: list[Finding]) -> None:
    assert evaluate(history, TH, now) == findings


def _check_sorted_and_unique(findings: list[Finding]) -> None:
    order = [
        (URGENCY_RANK[f.urgency], KIND_ORDER.index(f.kind), RULE_CODES.index(f.rule))
        for f in findings
    ]
    assert order == sorted(order)
    kinds = [f.kind for f in findings]
    assert kinds == sorted(kinds, key=KIND_ORDER.index)  # referral first, progression last
    keys = [(f.rule, f.exercise_id or 0) for f in findings]
    assert len(keys) == len(set(keys))


def _check_no_progression_under_referral(history: History, findings: list[Finding]) -> None:
    kinds = {f.kind for f in findings}
    if history.referral_hold or REFERRAL in kinds or REGRESSION in kinds:
        assert PROGRESSION not in kinds


def _check_evidence(findings: list[Finding]) -> None:
    prefix_kind = {"RF": REFERRAL, "RG": REGRESSION, "AD": ADHERENCE, "PG": PROGRESSION}
    for f in findings:
        assert f.rule in RULE_CODES
        assert f.evidence
        assert f.log_keys
        assert all(isinstance(k, str) and k for k in f.log_keys)
        assert f.reason.strip()
        assert f.kind == prefix_kind[f.rule[:2]]
        assert f.urgency == REFERRAL_URGENCY.get(f.rule, ROUTINE)
        if f.kind in (REGRESSION, PROGRESSION):
            assert f.exercise_id is not None
            assert f.suggestion is not None
            assert f.suggestion.text


# One run of the strategy checks every property: generating a history is what costs time.
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(histories())
def test_properties_of_random_histories(case):
    """Deterministic; sorted as documented (urgency, then referral, regression, adherence,
    progression); one finding per (rule, exercise); no progression beside a referral (open or
    found) or a regression; every finding with evidence, log keys, a reason, and the kind and
    urgency of its rule."""
    history, now = case
    findings = evaluate(history, TH, now)
    _check_deterministic(history, now, findings)
    _check_sorted_and_unique(findings)
    _check_no_progression_under_referral(history, findings)
    _check_evidence(findings)
