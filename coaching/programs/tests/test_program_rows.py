"""The API's programs from plain rows (``program_row_get``, ``my_program_row``) are what DRF
builds, field by field, from ``program_detail``'s and ``active_program``'s instances: the current
prescriptions only, in order, each with its exercise and the exercise's cues in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from coaching.journal.serializers import MyProgramSerializer
from coaching.models import Prescription
from coaching.programs.selectors import (
    active_program,
    my_program_row,
    program_detail,
    program_row_get,
)
from coaching.programs.serializers import ProgramDetailSerializer
from coaching.tests.factories import ClientFactory, ProgramFactory
from coaching.tests.helpers import rendered
from exercises.models import Cue
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    first, second, third = ExerciseFactory(), ExerciseFactory(), ExerciseFactory()
    Cue.objects.create(exercise=first, order=0, phase=Cue.Phase.STOP_POINT, text="Stop at pain.")
    program = ProgramFactory(client=ClientFactory(), exercises=[first, second, third])
    rx = list(Prescription.objects.filter(program=program).order_by("order"))
    Prescription.objects.filter(pk=rx[0].pk).update(  # now last
        load_kg=Decimal("7.50"), hold_seconds=5, order=5
    )
    Prescription.objects.filter(pk=rx[1].pk).update(ended_at=timezone.now())  # not current
    return program


def test_a_program_from_rows_is_what_drf_builds_from_instances(program):
    trainer = program.client.trainer.user
    from_model = ProgramDetailSerializer(program_detail(trainer, program.pk)).data
    from_row = ProgramDetailSerializer(program_row_get(trainer, program.pk)).data

    assert rendered(from_row) == rendered(from_model)
    assert list(from_row) == list(from_model)
    assert len(from_row["prescriptions"]) == 2
    cues = [c["text"] for c in from_row["prescriptions"][1]["exercise"]["cues"]]
    assert cues == ["Lie face down.", "Stop at pain.", "Lift a little."]  # by order, then id
    with pytest.raises(Http404):
        program_row_get(ClientFactory().trainer.user, program.pk)  # another trainer's


def test_my_program_from_rows_is_what_drf_builds_from_instances(program):
    client = program.client
    from_model = MyProgramSerializer(
        active_program(client, with_cues=True, with_pictures=True)
    ).data
    from_row = MyProgramSerializer(my_program_row(client)).data

    assert rendered(from_row) == rendered(from_model)
    assert [p["order"] for p in from_row["prescriptions"]] == [2, 5]
    assert my_program_row(ClientFactory()) is None


def test_a_program_without_current_prescriptions_and_bad_keys(program):
    trainer = program.client.trainer.user
    Prescription.objects.filter(program=program).update(ended_at=timezone.now())

    row = program_row_get(trainer, program.pk)
    assert rendered(ProgramDetailSerializer(row).data) == rendered(
        ProgramDetailSerializer(program_detail(trainer, program.pk)).data
    )
    assert row["current"] == []
    assert MyProgramSerializer(my_program_row(program.client)).data["prescriptions"] == []
    for bad in ("1.5", "x", None, -1):
        with pytest.raises(Http404):
            program_row_get(trainer, bad)
