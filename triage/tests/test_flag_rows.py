"""The API's flags from plain rows (``triage.selectors.flag_rows``) are what DRF builds, field by
field, from the model instances: names, order, values, the exercises (or null), the client's name
and the model's ``firing`` and ``holds_progression``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coaching.tests.factories import ClientFactory, ProgramFactory, TrainerFactory
from coaching.tests.helpers import rendered
from exercises.tests.factories import ExerciseFactory
from triage.api import FlagSerializer
from triage.selectors import as_flag_rows, flag_row_get, flag_rows, flags_for
from triage.tests.factories import FlagFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_flag_rows_are_what_drf_builds_from_instances():
    trainer = TrainerFactory()
    named = ClientFactory(trainer=trainer, user__first_name="Ada", user__last_name="Lee")
    unnamed = ClientFactory(trainer=trainer, user__first_name="", user__last_name="")
    ProgramFactory(client=named, exercises=[ExerciseFactory(), ExerciseFactory()])
    FlagFactory(client=named, suggested_exercise=ExerciseFactory())
    FlagFactory(client=named, status="dismissed", not_firing_since=timezone.now())
    ReferralFactory(client=unnamed)  # holds progression, no exercise
    ReferralFactory(client=unnamed, status="resolved", cleared_at=timezone.now())
    FlagFactory(client=ClientFactory())  # another trainer's: seen by neither

    order = ("urgency_rank", "-created_at", "-id")
    from_models = FlagSerializer(flags_for(trainer.user).order_by(*order), many=True).data
    from_rows = FlagSerializer(
        as_flag_rows(list(flag_rows(trainer.user).order_by(*order))), many=True
    ).data

    assert len(from_rows) == 4
    assert rendered(from_rows) == rendered(from_models)
    assert [list(f) for f in from_rows] == [list(f) for f in from_models]  # the field order
    assert {f["client_name"] for f in from_rows} == {"Ada Lee", unnamed.user.username}
    assert sorted(f["holds_progression"] for f in from_rows) == [False, False, False, True]
    assert sorted(f["firing"] for f in from_rows) == [False, True, True, True]
    assert sum(f["suggested_exercise"] is None for f in from_rows) == 3
    first = flags_for(trainer.user).order_by(*order).first()
    assert rendered(FlagSerializer(flag_row_get(trainer.user, first.pk)).data) == rendered(
        FlagSerializer(first).data
    )
