"""``manage.py seed_demo``: the demo practice of ``make run`` (idempotent)."""

import uuid
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from coaching.accounts.services import client_create, trainer_create
from coaching.demo import seed as demo
from coaching.journal.services import (
    CheckInSpec,
    EntrySpec,
    SessionSpec,
    SetSpec,
    check_in_log,
    session_log,
)
from coaching.models import Client, Instrument, Practice, Program, ProgramTemplate, Trainer
from coaching.outcomes.services import AnswerSpec, response_submit, schedule_set
from coaching.programs.services import PrescriptionSpec, program_create, template_create
from exercises.models import Exercise
from exercises.permissions import CATALOGUE_EDITORS_GROUP


class Command(BaseCommand):
    help = (
        "Create the demo practice: a practice admin, two trainers, eight clients with active "
        "programs from three templates, a superuser and a catalogue editor. Idempotent: what "
        "exists already is left as it is. Needs the catalogue (load_catalogue) first."
    )

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        created: list[str] = []

        for username, password, is_super in (
            ("admin", "admin-demo-pass", True),
            ("editor", "editor-demo-pass", False),
        ):
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.com",
                    "is_staff": True,
                    "is_superuser": is_super,
                },
            )
            if new:
                user.set_password(password)
                user.save()
                created.append(username)
            if username == "editor":
                user.groups.add(Group.objects.get(name=CATALOGUE_EDITORS_GROUP))

        practice, _ = Practice.objects.get_or_create(name=demo.DEMO_PRACTICE)
        trainers: dict[str, Trainer] = {}
        for username, first, last, is_admin in demo.TRAINERS:
            trainer = Trainer.objects.filter(user__username=username).first()
            if trainer is None:
                trainer = trainer_create(
                    practice=practice,
                    username=username,
                    password=demo.STAFF_PASSWORD,
                    email=f"{username}@example.com",
                    first_name=first,
                    last_name=last,
                    is_practice_admin=is_admin,
                )
                created.append(username)
            trainers[username] = trainer

        admin_user = trainers["pat"].user
        exercises = {e.slug: e for e in Exercise.objects.published()}
        templates: dict[str, ProgramTemplate] = {}
        for name, per_week, rows in demo.TEMPLATES:
            template = ProgramTemplate.objects.filter(practice=practice, name=name).first()
            if template is None:
                template = template_create(
                    actor=admin_user,
                    name=name,
                    sessions_per_week=None if name in demo.WEEKDAYS else per_week,
                    weekdays=demo.WEEKDAYS.get(name),
                    description="A demo template.",
                    prescriptions=[
                        PrescriptionSpec(
                            exercise=exercises[slug],
                            sets=sets,
                            reps_min=low,
                            reps_max=high,
                            hold_seconds=hold,
                        )
                        for slug, sets, low, high, hold in rows
                    ],
                )
            templates[name] = template
            # the Patient-Specific Functional Scale, at the start and every two weeks (when
            # loaded: ``make run`` loads it first)
            if Instrument.objects.filter(slug="psfs").exists():
                schedule_set(actor=admin_user, owner=template, instrument="psfs", every_weeks=2)

        for username, first, last, trainer_name, template_name in demo.CLIENTS:
            if Client.objects.filter(user__username=username).exists():
                continue
            trainer = trainers[trainer_name]
            client = client_create(
                actor=trainer.user,
                username=username,
                password=demo.CLIENT_PASSWORD,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
            )
            start = timezone.localdate() - timedelta(days=demo.HISTORY_DAYS)
            program = program_create(
                actor=trainer.user,
                client=client,
                template=templates[template_name],
                starts_on=start,
            )
            # the demo program has been running for three weeks (its prescriptions too)
            program.prescriptions.update(
                started_at=timezone.now() - timedelta(days=demo.HISTORY_DAYS)
            )
            _log_history(client, program)
            created.append(username)

        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {len(created)} people created"
                + (f" ({', '.join(created)})" if created else " (all there already)")
            )
        )


def _log_history(client: Client, program: Program) -> None:
    """Three weeks of morning check-ins and sessions, logged by the client through the
    services (so they are pending review, as any log), following ``demo.HISTORY``."""
    first, last, symptoms_on = demo.HISTORY.get(client.user.username, (2, 2, {}))
    prescriptions = list(program.prescriptions.select_related("exercise"))
    today = timezone.localdate()
    for day_index in range(demo.HISTORY_DAYS):
        day = today - timedelta(days=demo.HISTORY_DAYS - day_index)
        pain = round(first + (last - first) * day_index / (demo.HISTORY_DAYS - 1))
        symptoms = tuple(symptoms_on.get(day_index, ()))
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{client.user.username}/{day}")
        check_in_log(
            actor=client.user,
            spec=CheckInSpec(date=day, pain=pain, stiffness=min(10, pain + 1), symptoms=symptoms),
            idempotency_key=key,
        )
        if day_index in (0, 14) and program.outcome_schedules.exists():
            _answer_psfs(client, day, day_index, first, last)
        if day.weekday() not in demo.SESSION_DAYS:
            continue
        performed = timezone.make_aware(datetime.combine(day, time(18, 30)))
        entries = tuple(
            EntrySpec(
                prescription=rx,
                pain_during=max(0, pain - 1 + i % 2),
                pain_location="lower_back" if pain > 1 else "",
                pain_quality="ache" if pain > 1 else "",
                sets=tuple(
                    SetSpec(reps=rx.reps_max if pain <= 2 else rx.reps_min, rpe=5 + min(pain, 3))
                    for _ in range(rx.sets)
                ),
            )
            for i, rx in enumerate(prescriptions)
        )
        session_log(
            actor=client.user,
            spec=SessionSpec(
                performed_at=performed,
                pain_before=pain,
                pain_after=max(0, pain - 1),
                entries=entries,
                symptoms=symptoms,
            ),
            idempotency_key=uuid.uuid5(key, "session"),
        )


PSFS_ACTIVITIES = ("Bending to tie my shoes", "Sitting through a film", "Carrying the shopping")


def _answer_psfs(client: Client, day: date, day_index: int, first: int, last: int) -> None:
    """The client's PSFS at the start, and two weeks later better or worse as their pain went."""
    change = 0 if day_index == 0 else round((first - last) * 1.2)
    ratings = [max(0, min(10, base + change)) for base in (3, 4, 2)]
    moment = timezone.make_aware(datetime.combine(day, time(9, 0)))
    response_submit(
        actor=client.user,
        spec=AnswerSpec(
            instrument="psfs",
            answers={
                "activities": [
                    {"name": n, "rating": r} for n, r in zip(PSFS_ACTIVITIES, ratings, strict=True)
                ]
            },
            answered_at=moment,
        ),
        idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{client.user.username}/psfs/{day}"),
        now=moment,
    )
