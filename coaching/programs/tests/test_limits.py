"""One range per rule (``coaching.programs.limits``): each holds its ends and refuses one step beyond,
and the API, the portal, the admin's forms and the services refuse at the same boundary with
the same words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from coaching.portal.forms import SetForm
from coaching.programs import limits
from coaching.programs.forms import ProgramTemplateForm
from coaching.programs.serializers import LoadKgField
from coaching.programs.services import _check_sessions_per_week

RANGES = [
    limits.LOAD_KG,
    limits.SESSIONS_PER_WEEK,
    limits.ENTRIES_PER_SESSION,
    limits.SETS_PER_ENTRY,
    limits.REPS,
]


@pytest.mark.parametrize("rng", RANGES, ids=lambda r: r.message)
@pytest.mark.parametrize(
    ("value", "inside"),
    [
        (lambda r: r.low, True),
        (lambda r: r.high, True),
        (lambda r: r.low - 1, False),
        (lambda r: r.high + 1, False),
        (lambda r: Decimal(r.high) + Decimal("0.01"), False),
        (lambda r: Decimal(r.low) - Decimal("0.01"), False),
    ],
    ids=["low", "high", "below", "above", "just above", "just below"],
)
def test_a_range_holds_its_ends_and_refuses_beyond(rng, value, inside):
    assert (value(rng) in rng) is inside


LOADS = [("0", True), ("1000", True), ("1000.00", True), ("1000.01", False), ("-0.01", False)]


@pytest.mark.parametrize(("load", "ok"), LOADS)
def test_the_api_and_the_portal_refuse_the_same_loads_with_the_same_words(load, ok):
    field = LoadKgField()
    if ok:
        assert field.run_validation(load) == Decimal(load)
    else:
        with pytest.raises(serializers.ValidationError):
            field.run_validation(load)
    form = SetForm(data={"reps": 8, "load_kg": load})
    assert ("load_kg" not in form.errors) is ok
    if not ok:
        assert form.errors["load_kg"] == [limits.LOAD_KG.message]


@pytest.mark.django_db
@pytest.mark.parametrize(("sessions", "ok"), [(1, True), (14, True), (0, False), (15, False)])
def test_the_admin_and_the_services_refuse_the_same_weekly_sessions(sessions, ok):
    form = ProgramTemplateForm(data={"name": "Knees", "sessions_per_week": sessions})
    form.is_valid()
    assert ("sessions_per_week" not in form.errors) is ok
    if ok:
        _check_sessions_per_week(sessions)
    else:
        assert form.errors["sessions_per_week"] == [limits.SESSIONS_PER_WEEK.message]
        with pytest.raises(ValidationError) as refused:
            _check_sessions_per_week(sessions)
        assert refused.value.message_dict == {
            "sessions_per_week": [limits.SESSIONS_PER_WEEK.message]
        }
