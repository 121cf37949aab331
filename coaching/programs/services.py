"""Writes of programs, templates and prescriptions: keyword-only, typed, atomic. Each checks that
the actor may do it and raises ``ValidationError`` with field messages otherwise; nothing is
half-written. A changed prescription is ended and replaced, never edited in place, so logged
entries keep pointing at what the client did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from coaching.accounts.selectors import clients_for
from coaching.accounts.services import acting_trainer
from coaching.models import (
    Client,
    Practice,
    Prescription,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)
from coaching.outcomes.services import schedules_copy
from coaching.programs import limits, schedule
from coaching.programs.models import DOSE_FIELDS
from coaching.programs.selectors import templates_for
from coaching.shared.selectors import Actor
from exercises.models import Exercise


@dataclass
class PrescriptionSpec:
    """One exercise to prescribe, as the API, the admin or a template gives it."""

    exercise: Exercise
    sets: int
    reps_min: int
    reps_max: int
    load_kg: Decimal | None = None
    tempo: str = ""
    hold_seconds: int | None = None
    notes: str = ""

    def values(self) -> dict[str, Any]:
        return {"exercise": self.exercise, **{f: getattr(self, f) for f in DOSE_FIELDS}}


def _check_prescriptions(specs: Sequence[PrescriptionSpec], field: str = "prescriptions") -> None:
    errors: dict[str, list[str]] = {}
    for index, spec in enumerate(specs):
        problems = []
        if spec.exercise.status != Exercise.Status.PUBLISHED:
            problems.append(f"{spec.exercise.name} is not a published exercise.")
        if spec.sets not in limits.SETS:
            problems.append(f"sets must be between {limits.SETS.low} and {limits.SETS.high}.")
        reps = limits.PRESCRIBED_REPS
        if not reps.low <= spec.reps_min <= spec.reps_max <= reps.high:
            problems.append(f"reps must satisfy {reps.low} ≤ reps_min ≤ reps_max ≤ {reps.high}.")
        if problems:
            errors[f"{field}[{index}]"] = problems
    if errors:
        raise ValidationError(errors)


def _check_sessions_per_week(sessions_per_week: int) -> None:
    if sessions_per_week not in limits.SESSIONS_PER_WEEK:
        raise ValidationError({"sessions_per_week": limits.SESSIONS_PER_WEEK.message})


def _schedule(weekdays: Sequence[str] | None, sessions_per_week: int | None) -> tuple[int, int]:
    """The planned weekdays as bits and the sessions per week: with weekdays, as many sessions
    as days (a different number given is refused); without, any days (0) and the number given
    (default 3)."""
    try:
        bits = schedule.to_bits(weekdays or ())
    except ValueError as exc:
        raise ValidationError({"weekdays": str(exc)}) from exc
    if not bits:
        return 0, 3 if sessions_per_week is None else sessions_per_week
    planned = len(schedule.days(bits))
    if sessions_per_week not in (None, planned):
        raise ValidationError(
            {
                "weekdays": f"{planned} planned day{'s' if planned != 1 else ''} but "
                f"{sessions_per_week} sessions a week: choose the days, or the number with no "
                "fixed days."
            }
        )
    return bits, planned


def _end_active_program(client: Client, today: date) -> None:
    now = timezone.now()
    for program in client.programs.select_for_update().filter(status=Program.Status.ACTIVE):
        program.status = Program.Status.ENDED
        program.ended_on = today
        program.save(update_fields=["status", "ended_on", "updated_at"])
        program.prescriptions.filter(ended_at__isnull=True).update(ended_at=now)


def _template_specs(template: ProgramTemplate) -> list[PrescriptionSpec]:
    return [
        PrescriptionSpec(exercise=p.exercise, **{f: getattr(p, f) for f in DOSE_FIELDS})
        for p in template.prescriptions.select_related("exercise").order_by("order", "id")
    ]


@transaction.atomic
def program_create(
    *,
    actor: Actor,
    client: Client,
    name: str = "",
    starts_on: date | None = None,
    sessions_per_week: int | None = None,
    prescriptions: Sequence[PrescriptionSpec] | None = None,
    template: ProgramTemplate | None = None,
    weekdays: Sequence[str] | None = None,
) -> Program:
    """Assign a program: from the given prescriptions, or copied from a template of the
    practice (with its schedule unless ``weekdays`` or ``sessions_per_week`` is given). The
    client's previous active program ends (its history stays)."""
    acting = acting_trainer(actor)
    if not clients_for(actor).filter(pk=client.pk).exists():
        raise ValidationError({"client": "No such client."})
    if template is not None:
        if template.practice_id != client.practice_id:
            raise ValidationError({"template": "No such template in the client's practice."})
        if prescriptions:
            raise ValidationError({"template": "Give prescriptions or a template, not both."})
        prescriptions = _template_specs(template)
        name = name or template.name
        if weekdays is None and sessions_per_week is None:
            weekdays = schedule.to_codes(template.weekdays)
            sessions_per_week = None if template.weekdays else template.sessions_per_week
    if not prescriptions:
        raise ValidationError({"prescriptions": "A program needs at least one exercise."})
    if not name:
        raise ValidationError({"name": "This field is required."})
    _check_prescriptions(prescriptions)
    bits, sessions_per_week = _schedule(weekdays, sessions_per_week)
    _check_sessions_per_week(sessions_per_week)
    today = timezone.localdate()
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one assignment at a time
    _end_active_program(client, today)
    program = Program.objects.create(
        client=client,
        name=name,
        starts_on=starts_on or today,
        sessions_per_week=sessions_per_week,
        weekdays=bits,
        template=template,
        created_by=acting,
    )
    now = timezone.now()
    Prescription.objects.bulk_create(
        Prescription(program=program, order=i, started_at=now, **spec.values())
        for i, spec in enumerate(prescriptions)
    )
    if template is not None:
        schedules_copy(template, program)
    return program


def _check_template(
    practice_id: int,
    name: str,
    prescriptions: Sequence[PrescriptionSpec],
    sessions_per_week: int,
    template_id: int | None = None,
) -> None:
    """What a template of the library must satisfy, whether new or edited."""
    if not prescriptions:
        raise ValidationError({"prescriptions": "A template needs at least one exercise."})
    _check_prescriptions(prescriptions)
    _check_sessions_per_week(sessions_per_week)
    taken = ProgramTemplate.objects.filter(practice_id=practice_id, name=name)
    if template_id is not None:
        taken = taken.exclude(pk=template_id)
    if taken.exists():
        raise ValidationError({"name": "The practice already has a template with this name."})


def _write_template_prescriptions(
    template: ProgramTemplate, prescriptions: Sequence[PrescriptionSpec]
) -> None:
    TemplatePrescription.objects.bulk_create(
        TemplatePrescription(template=template, order=i, **spec.values())
        for i, spec in enumerate(prescriptions)
    )


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    name: str,
    prescriptions: Sequence[PrescriptionSpec],
    description: str = "",
    sessions_per_week: int | None = None,
    practice: Practice | None = None,
    weekdays: Sequence[str] | None = None,
) -> ProgramTemplate:
    acting = acting_trainer(actor)
    practice = acting.practice if acting else practice
    if practice is None:
        raise ValidationError({"practice": "Say which practice the template belongs to."})
    bits, sessions_per_week = _schedule(weekdays, sessions_per_week)
    _check_template(practice.pk, name, prescriptions, sessions_per_week)
    template = ProgramTemplate.objects.create(
        practice=practice,
        name=name,
        description=description,
        sessions_per_week=sessions_per_week,
        weekdays=bits,
        created_by=acting,
    )
    _write_template_prescriptions(template, prescriptions)
    return template


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    template: ProgramTemplate,
    name: str,
    prescriptions: Sequence[PrescriptionSpec],
    description: str = "",
    sessions_per_week: int | None = None,
    weekdays: Sequence[str] | None = None,
) -> ProgramTemplate:
    """Edit a template of the library: its details, schedule and exercises, replaced as a whole
    (a template has no history; programs copied from it keep their own prescriptions)."""
    acting_trainer(actor)
    if not templates_for(actor).filter(pk=template.pk).exists():
        raise PermissionDenied("Not your practice's template.")
    bits, sessions_per_week = _schedule(weekdays, sessions_per_week)
    _check_template(template.practice_id, name, prescriptions, sessions_per_week, template.pk)
    template.name = name
    template.description = description
    template.sessions_per_week = sessions_per_week
    template.weekdays = bits
    template.save(
        update_fields=["name", "description", "sessions_per_week", "weekdays", "updated_at"]
    )
    template.prescriptions.all().delete()
    _write_template_prescriptions(template, prescriptions)
    return template


@transaction.atomic
def template_delete(*, actor: Actor, template: ProgramTemplate) -> None:
    """Remove a template from the library; programs made from it keep their exercises."""
    acting_trainer(actor)
    if not templates_for(actor).filter(pk=template.pk).exists():
        raise PermissionDenied("Not your practice's template.")
    template.delete()


@transaction.atomic
def template_assign(
    *,
    actor: Actor,
    template: ProgramTemplate,
    clients: Iterable[Client],
    starts_on: date | None = None,
) -> list[Program]:
    """Copy a template to each client as their new active program (all or nothing)."""
    clients = list(clients)
    if not clients:
        raise ValidationError({"clients": "Choose at least one client."})
    visible = set(
        clients_for(actor).filter(pk__in=[c.pk for c in clients]).values_list("pk", flat=True)
    )
    missing = [c.pk for c in clients if c.pk not in visible]
    if missing:
        raise ValidationError({"clients": f"No such client: {', '.join(map(str, missing))}."})
    return [
        program_create(actor=actor, client=client, template=template, starts_on=starts_on)
        for client in clients
    ]


@transaction.atomic
def prescription_replace(
    *, actor: Actor, prescription: Prescription, exercise: Exercise | None = None, **changes: Any
) -> Prescription:
    """Change a current prescription: the old one ends now, the new one starts now and points
    back at it. Sessions and flags that answered the old one keep pointing at it."""
    program = prescription.program
    if not clients_for(actor).filter(pk=program.client_id).exists():
        raise PermissionDenied("Not your client.")
    if prescription.ended_at is not None or program.status != Program.Status.ACTIVE:
        raise ValidationError("Only a current prescription of an active program can change.")
    unknown = set(changes) - set(DOSE_FIELDS)
    if unknown:
        raise ValueError(f"not prescription fields: {sorted(unknown)}")
    values = {f: getattr(prescription, f) for f in DOSE_FIELDS} | changes
    spec = PrescriptionSpec(exercise=exercise or prescription.exercise, **values)
    _check_prescriptions([spec], field="prescription")
    now = timezone.now()
    Prescription.objects.filter(pk=prescription.pk).update(ended_at=now)
    try:
        return Prescription.objects.create(
            program=program,
            order=prescription.order,
            started_at=now,
            replaces=prescription,
            **spec.values(),
        )
    except IntegrityError as exc:
        raise ValidationError("This prescription was already replaced.") from exc


@transaction.atomic
def prescription_add(*, actor: Actor, program: Program, spec: PrescriptionSpec) -> Prescription:
    """Add an exercise to a client's active program, after the ones already there."""
    if not clients_for(actor).filter(pk=program.client_id).exists():
        raise PermissionDenied("Not your client.")
    if program.status != Program.Status.ACTIVE:
        raise ValidationError("Only an active program can change.")
    _check_prescriptions([spec], field="prescription")
    last = program.prescriptions.aggregate(last=Max("order"))["last"]
    return Prescription.objects.create(
        program=program,
        order=0 if last is None else last + 1,
        started_at=timezone.now(),
        **spec.values(),
    )


@transaction.atomic
def prescription_end(*, actor: Actor, prescription: Prescription) -> Prescription:
    """Take an exercise out of a program; it stays in the history."""
    if not clients_for(actor).filter(pk=prescription.program.client_id).exists():
        raise PermissionDenied("Not your client.")
    if prescription.ended_at is None:
        prescription.ended_at = timezone.now()
        prescription.save(update_fields=["ended_at"])
    return prescription


@dataclass(frozen=True)
class PrescriptionChange:
    """One current prescription in an edit of a program: ended, or replaced by one with another
    exercise and/or other dose values (only the fields named in ``changes``)."""

    prescription: Prescription
    end: bool = False
    exercise: Exercise | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProgramEdit:
    """What one edit of a program did."""

    replaced: list[Prescription]
    ended: list[Prescription]
    added: list[Prescription]


@transaction.atomic
def program_exercises_update(
    *,
    actor: Actor,
    program: Program,
    changes: Sequence[PrescriptionChange] = (),
    added: Sequence[PrescriptionSpec] = (),
) -> ProgramEdit:
    """One edit of a program's current exercises, all or nothing: each changed prescription is
    ended and replaced (``prescription_replace``), each ended one ends, each new one is added
    after the others. Unchanged prescriptions are left alone."""
    replaced, ended = [], []
    for change in changes:
        if change.prescription.program_id != program.pk:
            raise ValidationError({"prescription": "Not a prescription of this program."})
        if change.end:
            ended.append(prescription_end(actor=actor, prescription=change.prescription))
        elif change.exercise is not None or change.changes:
            replaced.append(
                prescription_replace(
                    actor=actor,
                    prescription=change.prescription,
                    exercise=change.exercise,
                    **change.changes,
                )
            )
    new = [prescription_add(actor=actor, program=program, spec=spec) for spec in added]
    return ProgramEdit(replaced=replaced, ended=ended, added=new)
