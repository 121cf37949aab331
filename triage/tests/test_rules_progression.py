"""Adherence, PG-READY and the suggested variation (one variable at a time) against
TRIAGE_RULES.md, each at its boundary; no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from triage.rules import (
    ADHERENCE,
    PROGRESSION,
    REFERRAL,
    REGRESSION,
    ROUTINE,
    History,
    PrescriptionInfo,
    Thresholds,
    adherence_percent,
    easier,
    harder,
    pg_ready,
    planned_sessions,
    reached_top,
)
from triage.tests.builders import (
    NOW,
    READY,
    HistoryBuilder,
    entry,
    only,
    ready_to_progress,
    rules,
    run,
)

TH = Thresholds()
KIND_ORDER = (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION)


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


# planned days named by how many days before NOW they fall (0: NOW's weekday, 1: the day before)
@pytest.mark.parametrize(
    ("days_back", "started_days_ago", "planned"),
    [
        pytest.param((0, 2, 4), None, 6, id="3-days-a-week-two-whole-weeks"),
        pytest.param((0,), None, 2, id="today-only-each-week"),
        pytest.param((1, 3), 0, 0, id="started-today-on-a-rest-day"),
        pytest.param((0, 1), 0, 1, id="started-today-a-planned-day"),
        pytest.param((0, 1), 1, 2, id="running-2-days-both-planned"),
        pytest.param((0, 2, 4), 6, 3, id="running-7-days"),
        pytest.param((0, 2, 4), 13, 6, id="running-exactly-14-days"),
        pytest.param((0, 1, 2, 3, 4, 5, 6), None, 14, id="every-day"),
        pytest.param((0,), -2, 0, id="starts-in-two-days"),
    ],
)
def test_planned_sessions_with_planned_weekdays(days_back, started_days_ago, planned):
    """With planned days the window counts them (TRIAGE_RULES.md's adherence: "planned")."""
    today = NOW.date()
    weekdays = tuple(sorted({(today - timedelta(days=d)).weekday() for d in days_back}))
    started = None if started_days_ago is None else today - timedelta(started_days_ago)
    history = HistoryBuilder().build(
        sessions_per_week=len(weekdays), planned_weekdays=weekdays, program_started_on=started
    )
    assert planned_sessions(history, TH, NOW) == planned


def test_adherence_low_counts_planned_days():
    """Two of six planned days done over 14 days: 33 %, AD-LOW; the same two sessions against
    "any 1 day a week" (2 planned): 100 %, nothing."""
    today = NOW.date()
    weekdays = tuple(sorted({(today - timedelta(days=d)).weekday() for d in (0, 2, 4)}))
    started = today - timedelta(days=30)
    planned = _done(2, sessions_per_week=3, planned_weekdays=weekdays, program_started_on=started)
    assert "AD-LOW" in rules(planned)
    loose = _done(2, sessions_per_week=1, program_started_on=started)
    assert "AD-LOW" not in rules(loose)


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


def test_pg_ready_fires_when_everything_holds():
    (finding,) = run(ready_to_progress())
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
    history = ready_to_progress(**{which: variant})
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
    history = ready_to_progress(builder=HistoryBuilder().check_in(1, morning))
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
    assert "PG-READY" in rules(ready_to_progress(referral_hold=False))
    assert "PG-READY" not in rules(ready_to_progress(referral_hold=True))


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
    history = ready_to_progress(recent_regressions=((exercise_id, NOW - timedelta(days_ago)),))
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
    history = ready_to_progress(builder=HistoryBuilder().session(1, extra))
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
def test_a_referral_suppresses_everyready_to_progress(report, pain_before, referral):
    b = HistoryBuilder().prescription(2)
    for days in (4.5, 1.5):
        b.session(days, entry(2), pain_before=pain_before)
    report(b)
    history = ready_to_progress(builder=b, pain_before=pain_before)
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
    ready = ready_to_progress(
        builder=HistoryBuilder().exercise(1, harder=(4,)).exercise(4, "Harder")
    )
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
    history = ready_to_progress(rx={"load_kg": "20"})
    (finding,) = run(history)
    assert finding.suggestion.load_kg == Decimal("21")
