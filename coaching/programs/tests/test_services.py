"""Programs and templates: the selectors and services, without HTTP; the catalogue's retire
hook (an exercise in use)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coaching.models import Prescription, Program, ProgramTemplate
from coaching.programs.selectors import active_program, programs_for
from coaching.programs.services import (
    PrescriptionChange,
    PrescriptionSpec,
    prescription_add,
    prescription_end,
    prescription_replace,
    program_create,
    program_exercises_update,
    template_assign,
    template_create,
)
from exercises.models import Exercise
from exercises.services import exercises_set_status
from exercises.tests.factories import ExerciseFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {obj.user.username for obj in qs}


@pytest.mark.parametrize(
    ("actor", "programs"),
    [
        ("trainer_a", {"client_a"}),
        ("admin", {"client_a", "client_b"}),
        ("trainer_c", {"client_c"}),
        ("client_a", {"client_a"}),  # a client sees their own program
        ("client_b", {"client_b"}),
        ("editor", set()),
    ],
)
def test_programs_for(world, actor, programs):
    user = getattr(world, actor)
    user = getattr(user, "user", user)
    assert {p.client.user.username for p in programs_for(user)} == programs


# --- programs -------------------------------------------------------------------------------


def spec(exercise, **kw) -> PrescriptionSpec:
    return PrescriptionSpec(exercise=exercise, **({"sets": 3, "reps_min": 8, "reps_max": 12} | kw))


def test_a_new_program_ends_the_previous_one_and_keeps_its_history(world):
    old = world.program_a
    new = program_create(
        actor=world.trainer_a.user, client=world.client_a, name="Phase 2",
        starts_on=date(2026, 12, 1), prescriptions=[spec(world.exercise, sets=4)],
    )  # fmt: skip
    old.refresh_from_db()
    assert old.status == Program.Status.ENDED
    assert old.ended_on is not None
    assert not old.prescriptions.filter(ended_at__isnull=True).exists()
    assert active_program(world.client_a) == new
    assert [p.sets for p in active_program(world.client_a).current] == [4]


def test_a_program_from_a_template_copies_it(world):
    program = program_create(
        actor=world.trainer_a.user, client=world.client_a, template=world.template_a
    )
    assert program.name == "Glutes A"
    assert program.template == world.template_a
    assert [(p.exercise, p.sets) for p in program.prescriptions.all()] == [(world.exercise, 3)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prescriptions": "draft"}, "prescriptions[0]"),
        ({"prescriptions": "zero-sets"}, "prescriptions[0]"),
        ({"prescriptions": "reps-upside-down"}, "prescriptions[0]"),
        ({"prescriptions": "none"}, "prescriptions"),
        ({"client": "client_b"}, "client"),  # a colleague's client
        ({"client": "client_c"}, "client"),
        ({"template": "template_c"}, "template"),  # another practice's template
    ],
)
def test_bad_programs_are_refused_and_nothing_is_written(world, kwargs, field):
    bad = {
        "draft": [spec(world.draft)],
        "zero-sets": [spec(world.exercise, sets=0)],
        "reps-upside-down": [spec(world.exercise, reps_min=12, reps_max=8)],
        "none": [],
    }
    args = {"actor": world.trainer_a.user, "client": world.client_a, "name": "P"}
    if "prescriptions" in kwargs:
        args["prescriptions"] = bad[kwargs["prescriptions"]]
    else:
        args["prescriptions"] = [spec(world.exercise)]
    if "client" in kwargs:
        args["client"] = getattr(world, kwargs["client"])
    if "template" in kwargs:
        args["template"] = getattr(world, kwargs["template"])
        args["prescriptions"] = None
    before = (Program.objects.count(), Prescription.objects.count())

    with pytest.raises(ValidationError) as excinfo:
        program_create(**args)

    assert field in excinfo.value.message_dict
    assert (Program.objects.count(), Prescription.objects.count()) == before
    assert Program.objects.get(pk=world.program_a.pk).status == Program.Status.ACTIVE


def test_assigning_a_template_to_many_clients_is_all_or_nothing(world):
    programs = template_assign(
        actor=world.admin.user, template=world.template_a, clients=[world.client_a, world.client_b]
    )
    assert {p.client for p in programs} == {world.client_a, world.client_b}
    before = Program.objects.count()
    with pytest.raises(ValidationError):
        template_assign(
            actor=world.trainer_a.user, template=world.template_a,
            clients=[world.client_a, world.client_b],  # client B is a colleague's
        )  # fmt: skip
    assert Program.objects.count() == before


def test_template_names_are_unique_per_practice(world):
    with pytest.raises(ValidationError):
        template_create(
            actor=world.trainer_b.user, name="Glutes A", prescriptions=[spec(world.exercise)]
        )
    other = template_create(
        actor=world.trainer_c.user, name="Glutes A", prescriptions=[spec(world.exercise)]
    )
    assert other.practice == world.practice_c
    assert ProgramTemplate.objects.filter(name="Glutes A").count() == 2


def test_replacing_a_prescription_keeps_the_old_one_in_the_history(world):
    old = world.program_a.prescriptions.get()
    harder = ExerciseFactory(slug="single-leg-bridge")
    new = prescription_replace(
        actor=world.trainer_a.user, prescription=old, exercise=harder, sets=4
    )
    old.refresh_from_db()
    assert old.ended_at is not None
    assert new.replaces == old
    assert (new.exercise, new.sets, new.reps_min, new.order) == (harder, 4, old.reps_min, old.order)
    assert [p.exercise for p in active_program(world.client_a).current] == [harder]
    with pytest.raises(ValidationError):  # an ended prescription cannot change again
        prescription_replace(actor=world.trainer_a.user, prescription=old, sets=5)
    with pytest.raises(PermissionDenied):
        prescription_replace(actor=world.trainer_b.user, prescription=new, sets=5)


def test_ending_a_prescription(world):
    current = world.program_a.prescriptions.get()
    prescription_end(actor=world.trainer_a.user, prescription=current)
    assert active_program(world.client_a).current == []
    assert Prescription.objects.filter(pk=current.pk).exists()


def test_one_edit_of_a_program_replaces_ends_and_adds_at_once(world):
    first = world.program_a.prescriptions.get()
    second = prescription_add(
        actor=world.trainer_a.user, program=world.program_a, spec=spec(world.exercise)
    )
    edit = program_exercises_update(
        actor=world.trainer_a.user,
        program=world.program_a,
        changes=[
            PrescriptionChange(prescription=first, changes={"sets": 4}),
            PrescriptionChange(prescription=second, end=True),
        ],
        added=[spec(world.exercise)],
    )
    assert [p.replaces_id for p in edit.replaced] == [first.pk]
    assert [p.pk for p in edit.ended] == [second.pk]
    current = active_program(world.client_a).current
    assert sorted(p.sets for p in current) == [3, 4]
    assert len(edit.added) == 1
    assert edit.added[0] in current


def test_a_refused_edit_of_a_program_writes_nothing(world):
    first = world.program_a.prescriptions.get()
    second = prescription_add(
        actor=world.trainer_a.user, program=world.program_a, spec=spec(world.exercise)
    )
    before = list(Prescription.objects.order_by("pk").values_list("pk", "ended_at"))
    with pytest.raises(ValidationError, match="reps_min ≤ reps_max"):
        program_exercises_update(
            actor=world.trainer_a.user,
            program=world.program_a,
            changes=[
                PrescriptionChange(prescription=first, end=True),  # fine on its own
                PrescriptionChange(prescription=second, changes={"reps_min": 50, "reps_max": 5}),
            ],
        )
    assert list(Prescription.objects.order_by("pk").values_list("pk", "ended_at")) == before
    with pytest.raises(ValidationError, match="Not a prescription of this program"):
        program_exercises_update(
            actor=world.trainer_a.user,
            program=world.program_b,
            changes=[PrescriptionChange(prescription=first, end=True)],
        )


# --- the catalogue's retire hook ------------------------------------------------------------


def test_retiring_an_exercise_prescribed_in_an_active_program_is_refused(world):
    result = exercises_set_status(exercises=[world.exercise], status=Exercise.Status.RETIRED)
    assert result.refused[world.exercise] == "prescribed in 3 active programs"
    assert Exercise.objects.get(pk=world.exercise.pk).status == Exercise.Status.PUBLISHED


def test_an_exercise_only_in_a_template_is_in_use_too(world):
    only_in_template = ExerciseFactory(slug="only-template")
    world.template_a.prescriptions.create(
        exercise=only_in_template, sets=3, reps_min=8, reps_max=10
    )
    result = exercises_set_status(exercises=[only_in_template], status=Exercise.Status.RETIRED)
    assert result.refused[only_in_template] == "used in 1 program template"


def test_an_exercise_only_in_ended_programs_may_be_retired(world):
    old = ExerciseFactory(slug="old-one")
    program = program_create(
        actor=world.trainer_a.user, client=world.client_a, name="P", prescriptions=[spec(old)]
    )
    program_create(
        actor=world.trainer_a.user,
        client=world.client_a,
        name="Q",
        prescriptions=[spec(world.exercise)],
    )
    result = exercises_set_status(exercises=[old], status=Exercise.Status.RETIRED)
    assert result.changed == [old]
    assert program.prescriptions.get().exercise == old  # the history still points at it


@pytest.mark.parametrize("sessions_per_week", [0, 15])
def test_a_template_with_an_impossible_week_is_refused_not_a_database_error(
    world, sessions_per_week
):
    before = ProgramTemplate.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        template_create(
            actor=world.trainer_a.user, name="Too much", prescriptions=[spec(world.exercise)],
            sessions_per_week=sessions_per_week,
        )  # fmt: skip
    assert "sessions_per_week" in excinfo.value.message_dict
    assert ProgramTemplate.objects.count() == before
