from __future__ import annotations

from functools import cache
from typing import Any

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from coaching.models import User
from exercises.permissions import CATALOGUE_EDITORS_GROUP

PASSWORD = "correct-horse-battery-staple"


@cache
def _password_hash() -> str:
    return make_password(PASSWORD)  # Argon2 is slow on purpose: hash once per test run


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(_password_hash)


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editor_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=CATALOGUE_EDITORS_GROUP))


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Practice"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Practice {n}")


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Trainer"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    practice = factory.SubFactory(PracticeFactory)
    is_practice_admin = False

    @factory.post_generation
    def groups(self, create: bool, extracted: object, **kwargs: object) -> None:
        from coaching.accounts.roles import PRACTICE_ADMINS_GROUP, TRAINERS_GROUP

        if create:
            self.user.groups.add(Group.objects.get(name=TRAINERS_GROUP))
            if self.is_practice_admin:
                self.user.groups.add(Group.objects.get(name=PRACTICE_ADMINS_GROUP))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.Client"

    user = factory.SubFactory(UserFactory)
    trainer = factory.SubFactory(TrainerFactory)
    practice = factory.LazyAttribute(lambda c: c.trainer.practice)


class ProgramTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coaching.ProgramTemplate"

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    sessions_per_week = 3


class ProgramFactory(factory.django.DjangoModelFactory):
    """An active program with ``exercises`` (a list) prescribed, default one new exercise."""

    class Meta:
        model = "coaching.Program"
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    name = "Low back: foundations"
    starts_on = factory.LazyFunction(lambda: __import__("datetime").date.today())
    sessions_per_week = 3

    @factory.post_generation
    def exercises(self, create: bool, extracted: object, **kwargs: object) -> None:
        from django.utils import timezone

        from coaching.models import Prescription
        from exercises.tests.factories import ExerciseFactory

        if not create:
            return
        for order, exercise in enumerate(extracted or [ExerciseFactory()]):
            Prescription.objects.create(
                program=self, exercise=exercise, order=order, sets=3, reps_min=8, reps_max=12,
                started_at=timezone.now(),
            )  # fmt: skip


# --- what clients log: through the service, as the portal and the API do ----------------------


def session_body(
    program: Any, *, pain: int = 1, symptoms: tuple[str, ...] = (), **fields: Any
) -> dict:
    """An API body answering every current prescription of ``program``: sets at the top of the
    rep range, the same ``pain`` before, during and after."""
    from django.utils import timezone

    body = {
        "performed_at": timezone.now().isoformat(),
        "pain_before": pain,
        "pain_after": pain,
        "symptoms": list(symptoms),
        "notes": "",
        "entries": [
            {
                "prescription": p.pk,
                "pain_during": pain,
                "pain_location": "lower_back" if pain else "",
                "pain_quality": "ache" if pain else "",
                "sets": [{"reps": p.reps_max, "load_kg": None, "rpe": 6}] * p.sets,
            }
            for p in program.prescriptions.filter(ended_at__isnull=True).order_by("order", "id")
        ],
    }
    body.update(fields)
    return body


def log_session(client: Any, *, performed_at: Any = None, **kwargs: Any) -> Any:
    """A session of ``client`` answering their active program, stored by ``session_log``."""
    from django.utils import timezone

    from coaching.journal.services import EntrySpec, SessionSpec, SetSpec, session_log
    from coaching.programs.selectors import active_program

    program = active_program(client)
    pain = kwargs.pop("pain", 1)
    spec = SessionSpec(
        performed_at=performed_at or timezone.now(),
        pain_before=kwargs.pop("pain_before", pain),
        pain_after=kwargs.pop("pain_after", pain),
        symptoms=tuple(kwargs.pop("symptoms", ())),
        notes=kwargs.pop("notes", ""),
        entries=tuple(
            EntrySpec(
                prescription=p,
                pain_during=pain,
                pain_location="lower_back" if pain else "",
                pain_quality="ache" if pain else "",
                sets=tuple(SetSpec(reps=p.reps_max, rpe=6) for _ in range(p.sets)),
            )
            for p in program.current
        ),
    )
    return session_log(actor=client.user, spec=spec, **kwargs).record


def log_check_in(client: Any, *, day: Any = None, pain: int = 2, **kwargs: Any) -> Any:
    from django.utils import timezone

    from coaching.journal.services import CheckInSpec, check_in_log

    spec = CheckInSpec(
        date=day or timezone.localdate(),
        pain=pain,
        stiffness=kwargs.pop("stiffness", pain),
        symptoms=tuple(kwargs.pop("symptoms", ())),
    )
    return check_in_log(actor=client.user, spec=spec, **kwargs).record
