"""Writes of the trainer's side: keyword-only, typed, atomic. Each checks that the actor may do
it (through the selectors) and raises ``ValidationError`` with field messages otherwise; nothing
is half-written."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from coaching import hooks, limits
from coaching.models import (
    CheckIn,
    Client,
    Entry,
    Practice,
    Prescription,
    Program,
    ProgramTemplate,
    ReviewState,
    Session,
    Set,
    TemplatePrescription,
    Trainer,
    User,
)
from coaching.reporting import (
    PAIN_MAX,
    PAIN_MIN,
    PainLocation,
    PainQuality,
    Safety,
    Symptom,
    safety_for,
)
from coaching.roles import PRACTICE_ADMINS_GROUP, TRAINERS_GROUP
from coaching.selectors import Actor, clients_for, profile_of, templates_for, trainers_for
from exercises.models import Exercise

PRESCRIPTION_FIELDS = ("sets", "reps_min", "reps_max", "load_kg", "tempo", "hold_seconds", "notes")


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
        return {"exercise": self.exercise, **{f: getattr(self, f) for f in PRESCRIPTION_FIELDS}}


def _acting_trainer(actor: Actor) -> Trainer | None:
    """The actor's trainer profile; None for a superuser (who may act in any practice)."""
    if actor.is_authenticated and actor.is_superuser:
        return None
    trainer = profile_of(actor).trainer
    if trainer is None:
        raise PermissionDenied("Only trainers can do this.")
    return trainer


def _check_prescriptions(specs: Sequence[PrescriptionSpec], field: str = "prescriptions") -> None:
    errors: dict[str, list[str]] = {}
    for index, spec in enumerate(specs):
        problems = []
        if spec.exercise.status != Exercise.Status.PUBLISHED:
            problems.append(f"{spec.exercise.name} is not a published exercise.")
        if not 1 <= spec.sets <= 10:
            problems.append("sets must be between 1 and 10.")
        if not 1 <= spec.reps_min <= spec.reps_max <= 100:
            problems.append("reps must satisfy 1 ≤ reps_min ≤ reps_max ≤ 100.")
        if problems:
            errors[f"{field}[{index}]"] = problems
    if errors:
        raise ValidationError(errors)


def _check_sessions_per_week(sessions_per_week: int) -> None:
    if sessions_per_week not in limits.SESSIONS_PER_WEEK:
        raise ValidationError({"sessions_per_week": limits.SESSIONS_PER_WEEK.message})


# --- people ---------------------------------------------------------------------------------


def _add_to_group(user: User, name: str) -> None:
    user.groups.add(Group.objects.get(name=name))


@transaction.atomic
def trainer_create(
    *,
    practice: Practice,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_practice_admin: bool = False,
) -> Trainer:
    """Onboard a trainer (or the practice's admin): staff access to the admin, their group."""
    UserModel = get_user_model()
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = UserModel(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _add_to_group(user, TRAINERS_GROUP)
    if is_practice_admin:
        _add_to_group(user, PRACTICE_ADMINS_GROUP)
    return Trainer.objects.create(user=user, practice=practice, is_practice_admin=is_practice_admin)


@transaction.atomic
def client_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    trainer: Trainer | None = None,
    notes: str = "",
) -> Client:
    """A new client of the acting trainer (a practice admin may name another trainer of the
    practice)."""
    acting = _acting_trainer(actor)
    if trainer is None:
        if acting is None:
            raise ValidationError({"trainer": "Say which trainer the client belongs to."})
        trainer = acting
    elif not trainers_for(actor).filter(pk=trainer.pk).exists():
        raise ValidationError({"trainer": "You cannot give clients to that trainer."})
    UserModel = get_user_model()
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = UserModel(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return Client.objects.create(user=user, practice=trainer.practice, trainer=trainer, notes=notes)


@transaction.atomic
def client_update(
    *,
    actor: Actor,
    client: Client,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    notes: str | None = None,
    trainer: Trainer | None = None,
) -> Client:
    """Change a client's details. Only a practice admin (or a superuser) reassigns a client, and
    only to a trainer of the same practice."""
    if not clients_for(actor).filter(pk=client.pk).exists():
        raise PermissionDenied("Not your client.")
    user_changes = {
        name: value
        for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email))
        if value is not None
    }
    for name, value in user_changes.items():
        setattr(client.user, name, value)
    if user_changes:
        client.user.save(update_fields=list(user_changes))
    client_fields = []
    if notes is not None:
        client.notes = notes
        client_fields.append("notes")
    if trainer is not None and trainer.pk != client.trainer_id:
        may_reassign = (actor.is_authenticated and actor.is_superuser) or profile_of(
            actor
        ).is_practice_admin
        if not may_reassign:
            raise ValidationError({"trainer": "Only the practice admin can reassign a client."})
        if (
            trainer.practice_id != client.practice_id
            or not trainers_for(actor).filter(pk=trainer.pk).exists()
        ):
            raise ValidationError({"trainer": "That trainer is not in the client's practice."})
        client.trainer = trainer
        client_fields.append("trainer")
    if client_fields or user_changes:  # the apps sync clients by updated_at (?since=)
        client.save(update_fields=[*client_fields, "updated_at"])
    return client


# --- programs -------------------------------------------------------------------------------


def _end_active_program(client: Client, today: date) -> None:
    now = timezone.now()
    for program in client.programs.select_for_update().filter(status=Program.Status.ACTIVE):
        program.status = Program.Status.ENDED
        program.ended_on = today
        program.save(update_fields=["status", "ended_on", "updated_at"])
        program.prescriptions.filter(ended_at__isnull=True).update(ended_at=now)


def _template_specs(template: ProgramTemplate) -> list[PrescriptionSpec]:
    return [
        PrescriptionSpec(exercise=p.exercise, **{f: getattr(p, f) for f in PRESCRIPTION_FIELDS})
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
) -> Program:
    """Assign a program: from the given prescriptions, or copied from a template of the
    practice. The client's previous active program ends (its history stays)."""
    acting = _acting_trainer(actor)
    if not clients_for(actor).filter(pk=client.pk).exists():
        raise ValidationError({"client": "No such client."})
    if template is not None:
        if template.practice_id != client.practice_id:
            raise ValidationError({"template": "No such template in the client's practice."})
        if prescriptions:
            raise ValidationError({"template": "Give prescriptions or a template, not both."})
        prescriptions = _template_specs(template)
        name = name or template.name
        sessions_per_week = sessions_per_week or template.sessions_per_week
    if not prescriptions:
        raise ValidationError({"prescriptions": "A program needs at least one exercise."})
    if not name:
        raise ValidationError({"name": "This field is required."})
    _check_prescriptions(prescriptions)
    sessions_per_week = sessions_per_week or 3
    _check_sessions_per_week(sessions_per_week)
    today = timezone.localdate()
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one assignment at a time
    _end_active_program(client, today)
    program = Program.objects.create(
        client=client,
        name=name,
        starts_on=starts_on or today,
        sessions_per_week=sessions_per_week,
        template=template,
        created_by=acting,
    )
    now = timezone.now()
    Prescription.objects.bulk_create(
        Prescription(program=program, order=i, started_at=now, **spec.values())
        for i, spec in enumerate(prescriptions)
    )
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
    sessions_per_week: int = 3,
    practice: Practice | None = None,
) -> ProgramTemplate:
    acting = _acting_trainer(actor)
    practice = acting.practice if acting else practice
    if practice is None:
        raise ValidationError({"practice": "Say which practice the template belongs to."})
    _check_template(practice.pk, name, prescriptions, sessions_per_week)
    template = ProgramTemplate.objects.create(
        practice=practice,
        name=name,
        description=description,
        sessions_per_week=sessions_per_week,
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
    sessions_per_week: int = 3,
) -> ProgramTemplate:
    """Edit a template of the library: its details and its exercises, replaced as a whole (a
    template has no history; programs copied from it keep their own prescriptions)."""
    _acting_trainer(actor)
    if not templates_for(actor).filter(pk=template.pk).exists():
        raise PermissionDenied("Not your practice's template.")
    _check_template(template.practice_id, name, prescriptions, sessions_per_week, template.pk)
    template.name = name
    template.description = description
    template.sessions_per_week = sessions_per_week
    template.save(update_fields=["name", "description", "sessions_per_week", "updated_at"])
    template.prescriptions.all().delete()
    _write_template_prescriptions(template, prescriptions)
    return template


@transaction.atomic
def template_delete(*, actor: Actor, template: ProgramTemplate) -> None:
    """Remove a template from the library; programs made from it keep their exercises."""
    _acting_trainer(actor)
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
    unknown = set(changes) - set(PRESCRIPTION_FIELDS)
    if unknown:
        raise ValueError(f"not prescription fields: {sorted(unknown)}")
    values = {f: getattr(prescription, f) for f in PRESCRIPTION_FIELDS} | changes
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


# --- what clients log: sessions and check-ins ---------------------------------------------------
#
# A device sends each record once with an idempotency key (a UUID it made for that record). The
# same key again returns the stored record and writes nothing; the same key with a different body
# is refused. Twenty copies sent at once store one: the unique constraint on (client, key) makes
# the others wait for the first transaction and then find its row.

FUTURE_TOLERANCE = timedelta(days=1)


class KeyReused(Exception):
    """The idempotency key was already used for a different record."""

    def __init__(self, record: Session | CheckIn) -> None:
        super().__init__("This Idempotency-Key was already used for a different record.")
        self.record = record


@dataclass(frozen=True)
class SetSpec:
    reps: int
    load_kg: Decimal | None = None
    rpe: int | None = None


@dataclass(frozen=True)
class EntrySpec:
    prescription: Prescription
    pain_during: int
    sets: tuple[SetSpec, ...]
    pain_location: str = ""
    pain_quality: str = ""


@dataclass(frozen=True)
class SessionSpec:
    performed_at: datetime
    pain_before: int
    pain_after: int
    entries: tuple[EntrySpec, ...]
    symptoms: tuple[str, ...] = ()
    notes: str = ""

    def digest(self) -> str:
        return _digest(
            {
                "performed_at": self.performed_at.astimezone(UTC).isoformat(),
                "pain": [self.pain_before, self.pain_after],
                "symptoms": sorted(set(self.symptoms)),
                "notes": self.notes,
                "entries": [
                    [
                        e.prescription.pk,
                        e.pain_during,
                        e.pain_location,
                        e.pain_quality,
                        [[s.reps, _decimal(s.load_kg), s.rpe] for s in e.sets],
                    ]
                    for e in self.entries
                ],
            }
        )


@dataclass(frozen=True)
class CheckInSpec:
    date: date
    pain: int
    stiffness: int
    symptoms: tuple[str, ...] = ()

    def digest(self) -> str:
        return _digest(
            {
                "date": self.date.isoformat(),
                "pain": [self.pain, self.stiffness],
                "symptoms": sorted(set(self.symptoms)),
            }
        )


@dataclass(frozen=True)
class Logged:
    """What logging returned: the stored record, whether this call stored it (False for a
    replay of the same key), and the immediate safety answer to its symptoms."""

    record: Session | CheckIn
    created: bool
    safety: Safety | None


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _logging_client(actor: Actor) -> Client:
    client = profile_of(actor).client
    if client is None:
        raise PermissionDenied("Only clients log sessions and check-ins.")
    return client


def _check_pain(errors: dict[str, list[str]], field: str, value: int) -> None:
    if not PAIN_MIN <= value <= PAIN_MAX:
        errors.setdefault(field, []).append(f"Pain is rated from {PAIN_MIN} to {PAIN_MAX}.")


def _check_symptoms(errors: dict[str, list[str]], symptoms: Sequence[str]) -> None:
    unknown = sorted(set(symptoms) - set(Symptom.values))
    if unknown:
        errors.setdefault("symptoms", []).append(f"Unknown symptom: {', '.join(unknown)}.")


def _check_session(client: Client, spec: SessionSpec, now: datetime) -> Program:
    """Every value in range, and every entry answering one of the client's current
    prescriptions of one active program. Returns that program."""
    errors: dict[str, list[str]] = {}
    if spec.performed_at > now + FUTURE_TOLERANCE:
        errors["performed_at"] = ["Cannot be more than a day in the future."]
    _check_pain(errors, "pain_before", spec.pain_before)
    _check_pain(errors, "pain_after", spec.pain_after)
    _check_symptoms(errors, spec.symptoms)
    if len(spec.entries) not in limits.ENTRIES_PER_SESSION:
        errors["entries"] = [limits.ENTRIES_PER_SESSION.message]
    programs: set[int] = set()
    seen: set[int] = set()
    for i, entry in enumerate(spec.entries):
        prefix = f"entries.{i}"
        prescription = entry.prescription
        program = prescription.program
        if program.client_id != client.pk:
            errors[f"{prefix}.prescription"] = ["Not one of your prescriptions."]
            continue
        if program.status != Program.Status.ACTIVE:
            errors[f"{prefix}.prescription"] = ["This program has ended."]
        elif prescription.ended_at is not None and prescription.ended_at < spec.performed_at:
            errors[f"{prefix}.prescription"] = [
                "Your trainer changed this exercise before this session; reload your program."
            ]
        if prescription.pk in seen:
            errors[f"{prefix}.prescription"] = ["Each exercise is logged once per session."]
        seen.add(prescription.pk)
        programs.add(program.pk)
        _check_pain(errors, f"{prefix}.pain_during", entry.pain_during)
        if entry.pain_location not in ("", *PainLocation.values):
            errors[f"{prefix}.pain_location"] = ["Unknown pain location."]
        if entry.pain_quality not in ("", *PainQuality.values):
            errors[f"{prefix}.pain_quality"] = ["Unknown pain quality."]
        if len(entry.sets) not in limits.SETS_PER_ENTRY:
            errors[f"{prefix}.sets"] = [limits.SETS_PER_ENTRY.message]
        for j, s in enumerate(entry.sets):
            if s.reps not in limits.REPS:
                errors[f"{prefix}.sets.{j}.reps"] = [limits.REPS.message]
            if s.rpe is not None and not 1 <= s.rpe <= 10:
                errors[f"{prefix}.sets.{j}.rpe"] = ["RPE is rated from 1 to 10."]
            if s.load_kg is not None and s.load_kg not in limits.LOAD_KG:
                errors[f"{prefix}.sets.{j}.load_kg"] = [limits.LOAD_KG.message]
    if len(programs) > 1 and not errors:
        errors["entries"] = ["All exercises of a session come from one program."]
    if errors:
        raise ValidationError(errors)
    return spec.entries[0].prescription.program


def _replay(
    model: type[Session] | type[CheckIn], client: Client, key: uuid.UUID, digest: str
) -> Session | CheckIn | None:
    """The record stored under this key, or None; ``KeyReused`` if it was a different one."""
    record = model.objects.filter(client=client, idempotency_key=key).first()
    if record is not None and record.body_digest != digest:
        raise KeyReused(record)
    return record


def _log_once(
    model: type[Session] | type[CheckIn],
    *,
    actor: Actor,
    spec: SessionSpec | CheckInSpec,
    idempotency_key: uuid.UUID | None,
    check: Callable[[Client], dict[str, Any]],
    write: Callable[[Client, dict[str, Any]], Session | CheckIn],
) -> Logged:
    """What sessions and check-ins share: the checks, the write and the hand-over to triage in
    one transaction. A key already stored is found by the unique constraint (no lookup on the
    common path): the stored record is the answer, or ``KeyReused`` for a different body; a
    concurrent duplicate waits for the first transaction and then finds its row the same way."""
    client = _logging_client(actor)
    key = idempotency_key or uuid.uuid4()
    digest = spec.digest()
    safety = safety_for(spec.symptoms)
    try:
        values = check(client)
    except ValidationError:
        # a replay of a record stored earlier is answered as such, even if it would not pass
        # today (its program has ended since, say)
        existing = _replay(model, client, key, digest)
        if existing is not None:
            return Logged(existing, False, safety)
        raise
    stored = {
        "client": client,
        "idempotency_key": key,
        "body_digest": digest,
        "symptoms": sorted(set(spec.symptoms), key=Symptom.values.index),
        "review_state": ReviewState.PENDING,
        **values,
    }
    try:
        with transaction.atomic():
            # one writer of a client's journal at a time, and none while the review or a
            # trainer's decision holds the client (they lock the row too): a progression
            # applied in the same moment waits for this log and sees it
            Client.objects.select_for_update(no_key=True).filter(pk=client.pk).values_list(
                "pk"
            ).first()
            record = write(client, stored)
            hooks.log_saved(client_id=client.pk)  # triage reviews it once this commits
    except IntegrityError:
        existing = _replay(model, client, key, digest)
        if existing is None:
            raise
        return Logged(existing, False, safety)
    return Logged(record, True, safety)


def session_log(
    *,
    actor: Actor,
    spec: SessionSpec,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Logged:
    """Store a client's session with its entries and sets, pending review, and hand it to
    triage once committed. The same key again returns the stored session."""

    def check(client: Client) -> dict[str, Any]:
        return {"program": _check_session(client, spec, now or timezone.now())}

    def write(client: Client, values: dict[str, Any]) -> Session:
        session = Session.objects.create(
            performed_at=spec.performed_at,
            pain_before=spec.pain_before,
            pain_after=spec.pain_after,
            notes=spec.notes,
            **values,
        )
        entries = Entry.objects.bulk_create(
            Entry(
                session=session,
                prescription=e.prescription,
                order=i,
                pain_during=e.pain_during,
                pain_location=e.pain_location,
                pain_quality=e.pain_quality,
            )
            for i, e in enumerate(spec.entries)
        )
        Set.objects.bulk_create(
            Set(entry=entry, number=n, reps=s.reps, load_kg=s.load_kg, rpe=s.rpe)
            for entry, e in zip(entries, spec.entries, strict=True)
            for n, s in enumerate(e.sets, start=1)
        )
        return session

    return _log_once(
        Session, actor=actor, spec=spec, idempotency_key=idempotency_key, check=check,
        write=write,
    )  # fmt: skip


def check_in_log(
    *,
    actor: Actor,
    spec: CheckInSpec,
    idempotency_key: uuid.UUID | None = None,
    today: date | None = None,
) -> Logged:
    """Store a client's morning check-in, pending review, and hand it to triage once
    committed. The same key again returns the stored check-in."""

    def check(client: Client) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if spec.date > (today or timezone.localdate()) + FUTURE_TOLERANCE:
            errors["date"] = ["Cannot be in the future."]
        _check_pain(errors, "pain", spec.pain)
        _check_pain(errors, "stiffness", spec.stiffness)
        _check_symptoms(errors, spec.symptoms)
        if errors:
            raise ValidationError(errors)
        return {}

    def write(client: Client, values: dict[str, Any]) -> CheckIn:
        return CheckIn.objects.create(
            date=spec.date, pain=spec.pain, stiffness=spec.stiffness, **values
        )

    return _log_once(
        CheckIn, actor=actor, spec=spec, idempotency_key=idempotency_key, check=check,
        write=write,
    )  # fmt: skip


# --- data rights: a client's export, erasure and anonymisation ------------------------------------


def _may_manage_data(actor: Actor, client: Client) -> bool:
    """The practice's admin (or a superuser) erases or anonymises a client."""
    if actor.is_authenticated and actor.is_superuser:
        return True
    trainer = profile_of(actor).trainer
    return (
        trainer is not None
        and trainer.is_practice_admin
        and trainer.practice_id == client.practice_id
    )


def client_export(*, actor: Actor, client: Client) -> dict[str, Any]:
    """Everything recorded about a client, as JSON-ready data: who they are, their trainer's
    notes, every program and prescription (ended ones too), every session with its entries and
    sets, every check-in, every flag the review raised about them, and their signed-in devices.
    For the client themself, and for the trainers who may see them."""
    own = profile_of(actor).client
    if not (
        (own is not None and own.pk == client.pk)
        or clients_for(actor).filter(pk=client.pk).exists()
    ):
        raise PermissionDenied("Not your data.")
    from knox.models import AuthToken

    user = client.user
    programs = []
    for program in client.programs.order_by("starts_on", "pk").prefetch_related(
        "prescriptions__exercise"
    ):
        programs.append(
            {
                "id": program.pk,
                "name": program.name,
                "status": program.status,
                "starts_on": program.starts_on,
                "ended_on": program.ended_on,
                "sessions_per_week": program.sessions_per_week,
                "prescriptions": [
                    {
                        "id": rx.pk,
                        "exercise": rx.exercise.slug,
                        "dose": rx.dose(),
                        **{f: getattr(rx, f) for f in PRESCRIPTION_FIELDS},
                        "started_at": rx.started_at,
                        "ended_at": rx.ended_at,
                        "replaces": rx.replaces_id,
                    }
                    for rx in program.prescriptions.all()
                ],
            }
        )
    sessions = []
    for session in (
        Session.objects.filter(client=client)
        .order_by("performed_at", "pk")
        .prefetch_related("entries__sets", "entries__prescription__exercise")
    ):
        sessions.append(
            {
                "id": session.pk,
                "performed_at": session.performed_at,
                "logged_at": session.created_at,
                "pain_before": session.pain_before,
                "pain_after": session.pain_after,
                "symptoms": session.symptoms,
                "notes": session.notes,
                "review_state": session.review_state,
                "entries": [
                    {
                        "prescription": entry.prescription_id,
                        "exercise": entry.prescription.exercise.slug,
                        "pain_during": entry.pain_during,
                        "pain_location": entry.pain_location,
                        "pain_quality": entry.pain_quality,
                        "sets": [
                            {"reps": s.reps, "load_kg": s.load_kg, "rpe": s.rpe}
                            for s in entry.sets.all()
                        ],
                    }
                    for entry in session.entries.all()
                ],
            }
        )
    return {
        "exported_at": timezone.now(),
        "person": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "joined": user.date_joined,
            "last_login": user.last_login,
        },
        "practice": client.practice.name,
        "trainer": str(client.trainer.user),
        "trainer_notes": client.notes,
        "programs": programs,
        "sessions": sessions,
        "check_ins": list(
            CheckIn.objects.filter(client=client)
            .order_by("date", "pk")
            .values("id", "date", "pain", "stiffness", "symptoms", "review_state", "created_at")
        ),
        # what the apps above keep about the client (triage's flags), through their hooks
        **{data.key: data.export(client) for data in hooks.client_data()},
        "devices": list(
            AuthToken.objects.filter(user=user).values("created", "expiry").order_by("created")
        ),
    }


ERASE, ANONYMISE = "erase", "anonymise"


@transaction.atomic
def client_erase(*, actor: Actor, client: Client, mode: str) -> dict[str, int]:
    """Remove a client for good (``erase``: the person and every record about them), or keep
    the clinical records without the person (``anonymise``: no name, email, username, password,
    notes, devices or login records; the logs and flags stay, for the practice's own records).
    Practice admins (and superusers) only. Returns what was removed, by kind."""
    from axes.models import AccessAttempt, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from knox.models import AuthToken

    if mode not in (ERASE, ANONYMISE):
        raise ValidationError({"mode": f"Either {ERASE!r} or {ANONYMISE!r}."})
    if not clients_for(actor).filter(pk=client.pk).exists() or not _may_manage_data(actor, client):
        raise PermissionDenied("Only the practice admin erases or anonymises a client.")
    user = client.user
    removed: dict[str, int] = {
        "devices": AuthToken.objects.filter(user=user).delete()[0],
        "login_records": AccessAttempt.objects.filter(username=user.username).delete()[0]
        + AccessLog.objects.filter(username=user.username).delete()[0],
    }
    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Client), object_id=str(client.pk)
    )
    if mode == ERASE:
        removed["admin_history"] = history.delete()[0]
        removed["sessions"] = Session.objects.filter(client=client).count()
        removed["check_ins"] = CheckIn.objects.filter(client=client).count()
        removed["programs"] = client.programs.count()
        for data in hooks.client_data():  # triage's flags: the client's row cascades to them
            removed[data.key] = data.count(client)
        Session.objects.filter(client=client).delete()  # entries protect prescriptions: first
        user.delete()  # the client, programs, prescriptions, check-ins and flags cascade
        removed["people"] = 1
        return removed
    removed["admin_history"] = history.update(object_repr=f"anonymised client {client.pk}")
    removed["session_notes"] = (
        Session.objects.filter(client=client).exclude(notes="").update(notes="")
    )
    user.username = f"anonymised-{client.pk}-{uuid.uuid4().hex[:8]}"
    user.first_name = user.last_name = user.email = ""
    user.last_login = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    client.notes = ""
    client.save(update_fields=["notes", "updated_at"])
    removed["people"] = 0
    return removed
