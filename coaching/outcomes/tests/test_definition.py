"""Questionnaires as data, pure: the definition's checks (a bad file names the item and the field),
scoring, risk bands, the meaningful change at its boundary, and when a questionnaire is due."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml
from rest_framework.exceptions import ValidationError

from coaching.management.commands.load_instrument import SHIPPED
from coaching.outcomes import due
from coaching.outcomes.definition import (
    DefinitionError,
    change,
    check_answers,
    check_definition,
)

PSFS = check_definition(yaml.safe_load((SHIPPED / "psfs.yaml").read_text()))

# a licensed questionnaire a practice might load: fixed items with options, a sum, risk bands
BANDED = {
    "slug": "back-risk",
    "name": "Back risk screen",
    "terms": "Test instrument.",
    "instructions": "Answer each question.",
    "items": [
        {"key": "q1", "text": "Pain spread down a leg?", "options": [
            {"label": "No", "value": 0}, {"label": "Yes", "value": 1}]},
        {"key": "q2", "text": "Worry about your back?", "options": [
            {"label": "No", "value": 0}, {"label": "Yes", "value": 1}]},
        {"key": "q3", "text": "How bothersome (0–4)?", "scale": {"min": 0, "max": 4}},
        {"key": "q4", "text": "Anything else?", "scale": {"min": 0, "max": 4}, "required": False},
    ],
    "scoring": "sum",
    "better": "lower",
    "meaningful_change": 2,
    "risk_bands": [
        {"name": "low", "min": 0, "max": 3, "risk": "low"},
        {"name": "high", "min": 4, "max": 10, "risk": "high"},
    ],
}  # fmt: skip


def with_(path: str, value: object, base: dict = BANDED) -> dict:
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: object = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    if value is ...:
        del node[last]  # type: ignore[union-attr]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (with_("meaningful_change", 0), "meaningful_change: Ensure this value is greater than"),
        (with_("scoring", "median"), 'scoring: "median" is not a valid choice.'),
        (
            with_("items.2.scale", {"min": 4, "max": 4}),
            "items[#3 'q3'].scale.max: must be above min",
        ),
        (
            with_("items.0.options.1.value", 0),
            "items[#1 'q1'].options: two options have the same value",
        ),
        (with_("items.1.key", "q1"), "items: two items have the same key"),
        (with_("items.0.texts", "x"), "items[#1 'q1'].texts: unknown field"),
        (with_("items.2.scale", ...), "items[#3 'q3'].scale: an item needs options or a scale"),
        (with_("risk_bands.1.min", 3), "risk_bands: the bands 'low' and 'high' overlap"),
        (with_("risk_bands.0.risk", "huge"), "risk_bands[#1].risk:"),
        (with_("terms", ...), "terms: This field is required."),
        (with_("activities", {"min": 3, "max": 5}), "items: give either fixed items or"),
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_a_bad_definition_is_refused_naming_the_item_and_field(data, problem):
    with pytest.raises(DefinitionError) as refused:
        check_definition(data)
    assert any(line.startswith(problem) for line in refused.value.problems), refused.value.problems


def test_the_shipped_psfs_and_a_banded_instrument_are_valid():
    assert PSFS["activities"] == {"min": 3, "max": 5}
    assert (PSFS["scoring"], PSFS["better"], PSFS["meaningful_change"]) == ("mean", "higher", 2)
    assert check_definition(BANDED)["risk_bands"][1]["risk"] == "high"


def activities(*ratings: int) -> dict:
    return {"activities": [{"name": f"Activity {i}", "rating": r} for i, r in enumerate(ratings)]}


@pytest.mark.parametrize(
    ("answers", "named", "score", "problem"),
    [
        (activities(3, 4, 5), (), 4.0, None),
        (activities(0, 10, 10, 10, 10), (), 8.0, None),
        (activities(3, 4), (), None, ("answers.activities", "Name between 3 and 5 activities.")),
        (activities(3, 4, 5, 6, 7, 8), (), None, ("answers.activities", "Name between 3 and 5")),
        (activities(3, 11, 5), (), None, ("answers.activities.1.rating", "Rate it from 0 to 10.")),
        (activities(3, -1, 5), (), None, ("answers.activities.1.rating", "Rate it from 0 to 10.")),
        (activities(3, 4.5, 5), (), None, ("answers.activities.1.rating", "Rate it from 0 to 10.")),
        ({"activities": [{"name": " ", "rating": 2}] * 3}, (), None, ("answers.activities.0.name", "Name the activity.")),
        ({"activities": [{"name": "Walk", "rating": 2}] * 3}, (), None, ("answers.activities", "Name each activity once.")),
        (activities(6, 7, 8), ("Activity 0", "Activity 1", "Activity 2"), 7.0, None),
        (activities(6, 7), ("Activity 0", "Activity 1", "Activity 2"), None, ("answers.activities", "Rate the same activities as the first time: Activity 2.")),
        ({"items": {}}, (), None, ("answers.activities", "Give the activities as a list")),
    ],
    ids=[
        "three", "five", "too-few", "too-many", "above-scale", "below-scale", "not-whole",
        "no-name", "twice", "again", "one-missing", "wrong-shape",
    ],
)  # fmt: skip
def test_psfs_answers_are_checked_and_scored(answers, named, score, problem):
    if problem is None:
        scored = check_answers(PSFS, answers, activities=named)
        assert scored.score == score
        return
    with pytest.raises(ValidationError) as refused:
        check_answers(PSFS, answers, activities=named)
    field, message = problem
    assert any(str(m).startswith(message) for m in refused.value.detail[field]), (
        refused.value.detail
    )


@pytest.mark.parametrize(
    ("items", "score", "band", "problem"),
    [
        ({"q1": 0, "q2": 0, "q3": 3}, 3.0, "low", None),  # the top of the low band
        ({"q1": 1, "q2": 0, "q3": 3}, 4.0, "high", None),  # the bottom of the high band
        ({"q1": 1, "q2": 1, "q3": 4, "q4": 4}, 10.0, "high", None),
        ({"q1": 0, "q2": 0}, None, None, ("answers.items.q3", "This question needs an answer.")),
        ({"q1": 2, "q2": 0, "q3": 1}, None, None, ("answers.items.q1", "Answer with one of [0, 1].")),
        ({"q1": 0, "q2": 0, "q3": 5}, None, None, ("answers.items.q3", "Answer with one of 0 to 4.")),
        ({"q1": 0, "q2": 0, "q3": 1, "q9": 1}, None, None, ("answers.items.q9", "No such question")),
    ],
    ids=["low-3", "high-4", "high-10", "missing", "not-an-option", "off-scale", "unknown"],
)  # fmt: skip
def test_fixed_items_are_checked_summed_and_banded(items, score, band, problem):
    definition = check_definition(BANDED)
    if problem is None:
        scored = check_answers(definition, {"items": items})
        assert (scored.score, scored.band, scored.risk) == (score, band, band)
        return
    with pytest.raises(ValidationError) as refused:
        check_answers(definition, {"items": items})
    field, message = problem
    assert any(str(m).startswith(message) for m in refused.value.detail[field])


@pytest.mark.parametrize(
    ("better", "before", "after", "expected"),
    [
        ("higher", 3.0, 5.0, 1),  # exactly the meaningful change: counts
        ("higher", 3.0, 4.99, 0),
        ("higher", 5.0, 3.0, -1),
        ("higher", 5.0, 3.01, 0),
        ("higher", 4.33, 6.33, 1),  # (floating point: 1.9999999…)
        ("lower", 6.0, 4.0, 1),
        ("lower", 4.0, 6.0, -1),
        ("lower", 4.0, 5.5, 0),
    ],
    ids=["+2", "+1.99", "-2", "-1.99", "float", "lower-better", "lower-worse", "lower-small"],
)
def test_a_meaningful_change_at_its_boundary(better, before, after, expected):
    assert change({"better": better, "meaningful_change": 2}, before, after) == expected


START = date(2026, 1, 5)  # a Monday


@pytest.mark.parametrize(
    ("cadence", "ended", "today", "answered", "expected"),
    [
        (due.Cadence(), None, START, [], START),  # at the start
        (due.Cadence(), None, START, [START], None),  # answered
        (due.Cadence(every_weeks=2), None, date(2026, 1, 18), [START], None),  # day 13
        (due.Cadence(every_weeks=2), None, date(2026, 1, 19), [START], date(2026, 1, 19)),
        (due.Cadence(every_weeks=2), None, date(2026, 1, 25), [START, date(2026, 1, 20)], None),
        (due.Cadence(at_start=False, every_weeks=2), None, START, [], None),
        (due.Cadence(), date(2026, 3, 1), date(2026, 3, 2), [START], date(2026, 3, 1)),  # the end
        (due.Cadence(), date(2026, 3, 1), date(2026, 3, 15), [START], date(2026, 3, 1)),  # +14 d
        (due.Cadence(), date(2026, 3, 1), date(2026, 3, 16), [START], None),  # +15 d: over
        (due.Cadence(at_end=False), date(2026, 3, 1), date(2026, 3, 2), [START], None),
    ],
    ids=[
        "start",
        "answered",
        "day-13",
        "day-14",
        "answered-again",
        "not-at-start",
        "end",
        "end+14",
        "end+15",
        "no-end",
    ],
)
def test_when_a_questionnaire_is_due(cadence, ended, today, answered, expected):
    assert due.due_on(cadence, START, ended, today, answered) == expected


def test_the_next_occasion():
    assert due.next_on(due.Cadence(every_weeks=4), START, None, START) == date(2026, 2, 2)
    assert due.next_on(due.Cadence(every_weeks=None), START, None, START) is None
    assert due.next_on(due.Cadence(every_weeks=4), START, date(2026, 2, 1), START) is None
