"""The pure rules engine (``triage.rules``) against TRIAGE_RULES.md, at every rule's boundary.

No database: histories are plain snapshots built in memory (``triage.tests.builders``), the
review moment is fixed. Table-driven tests for each rule firing and not firing at its boundary,
then properties over random histories (hypothesis): evaluation is deterministic and sorted, an
open referral never coexists with a progression suggestion, every finding carries evidence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings

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
    Finding,
    History,
    Thresholds,
    evaluate,
    pg_ready,
)
from triage.tests.builders import NOW, HistoryBuilder, entry, only, ready_to_progress, rules, run
from triage.tests.strategies import histories

TH = Thresholds()
KIND_ORDER = (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION)
REFERRAL_URGENCY = {"RF-EMERGENCY": EMERGENCY, "RF-URGENT": URGENT}


# --- precedence and de-duplication ------------------------------------------------------------


def test_referrals_come_first_then_regression_adherenceready_to_progress():
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


def test_two_current_prescriptions_of_one_exercise_give_oneready_to_progress():
    b = HistoryBuilder().prescription(1, rx_id=11)
    history = ready_to_progress(builder=b)
    assert len(pg_ready(history, TH, NOW)) == 2
    assert [(f.rule, f.exercise_id) for f in run(history)] == [("PG-READY", 1)]


def test_reviewing_the_same_history_twice_changes_nothing():
    history = ready_to_progress(builder=HistoryBuilder().check_in(1, 1))
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
