"""Logging: a client's session (entries and sets) and morning check-in, idempotent on the
device's key, stored with ``review_state=pending`` in the same transaction and announced
through ``coaching.hooks`` (triage reviews it). Nothing half-written."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coaching import hooks
from coaching.accounts.selectors import profile_of
from coaching.journal.models import ClientRecord
from coaching.journal.vocabulary import (
    PAIN_MAX,
    PAIN_MIN,
    PainLocation,
    PainQuality,
    Safety,
    Symptom,
    safety_for,
)
from coaching.models import (
    CheckIn,
    Client,
    Entry,
    Prescription,
    Program,
    ReviewState,
    Session,
    Set,
)
from coaching.programs import limits
from coaching.shared.bulk import bulk_insert
from coaching.shared.selectors import Actor
from config.prepared import Prepared

FUTURE_TOLERANCE = timedelta(days=1)


class KeyReused(Exception):
    """The idempotency key was already used for a different record."""

    def __init__(self, record: Any) -> None:
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
        return digest_of(
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
        return digest_of(
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

    record: Any  # a Session, a CheckIn or a QuestionnaireResponse
    created: bool
    safety: Safety | None
    # a session this call stored: its entries, in order, each with its sets (the answer is made
    # from them, as stored, without reading them back)
    parts: tuple[tuple[Entry, tuple[Set, ...]], ...] = ()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def digest_of(payload: dict[str, Any]) -> str:
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
            if s.rpe is not None and s.rpe not in limits.RPE:
                errors[f"{prefix}.sets.{j}.rpe"] = [
                    f"RPE is rated from {limits.RPE.low} to {limits.RPE.high}."
                ]
            if s.load_kg is not None and s.load_kg not in limits.LOAD_KG:
                errors[f"{prefix}.sets.{j}.load_kg"] = [limits.LOAD_KG.message]
    if len(programs) > 1 and not errors:
        errors["entries"] = ["All exercises of a session come from one program."]
    if errors:
        raise ValidationError(errors)
    return spec.entries[0].prescription.program


def _replay(model: type[ClientRecord], client: Client, key: uuid.UUID, digest: str) -> Any:
    """The record stored under this key, or None; ``KeyReused`` if it was a different one."""
    mine = {"client": client, "idempotency_key": key}  # (each concrete model has its client)
    record = model._default_manager.filter(**mine).first()
    if record is not None and record.body_digest != digest:
        raise KeyReused(record)
    return record


class LogSpec(Protocol):
    """What ``log_once`` needs of what is logged: a digest of the body, and its symptoms."""

    @property
    def symptoms(self) -> tuple[str, ...]: ...

    def digest(self) -> str: ...


_LOCK = Prepared(
    lambda pk: Client.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk")[:1]
)


def log_once(
    model: type[ClientRecord],
    *,
    actor: Actor,
    spec: LogSpec,
    idempotency_key: uuid.UUID | None,
    check: Callable[[Client], dict[str, Any]],
    write: Callable[[Client, dict[str, Any]], Any],
) -> Logged:
    """What sessions, check-ins and questionnaire answers share: the checks, the write and the hand-over to triage in
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
            _LOCK.rows(client.pk)
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
        # the session, its entries and their sets each in one COPY (``bulk_insert``: about
        # half the CPU of ``create`` and two ``bulk_create``s), as the instances the answer is
        # made of; a key already stored is the same IntegrityError as an INSERT's
        now = timezone.now()
        session = Session(
            performed_at=spec.performed_at,
            pain_before=spec.pain_before,
            pain_after=spec.pain_after,
            notes=spec.notes,
            created_at=now,
            updated_at=now,
            **values,
        )
        _inserted([session])
        entries = [
            Entry(
                session=session,
                prescription=e.prescription,
                order=i,
                pain_during=e.pain_during,
                pain_location=e.pain_location,
                pain_quality=e.pain_quality,
            )
            for i, e in enumerate(spec.entries)
        ]
        _inserted(entries)
        sets = [
            tuple(
                Set(entry=entry, number=n, reps=s.reps, load_kg=s.load_kg, rpe=s.rpe)
                for n, s in enumerate(e.sets, start=1)
            )
            for entry, e in zip(entries, spec.entries, strict=True)
        ]
        _inserted([s for entry_sets in sets for s in entry_sets], keys=False)
        written[:] = zip(entries, sets, strict=True)
        return session

    written: list[tuple[Entry, tuple[Set, ...]]] = []
    logged = log_once(
        Session, actor=actor, spec=spec, idempotency_key=idempotency_key, check=check,
        write=write,
    )  # fmt: skip
    return replace(logged, parts=tuple(written)) if logged.created else logged


def _inserted(rows: Sequence[Session] | Sequence[Entry] | Sequence[Set], keys: bool = True) -> None:
    """Insert these new instances (every column as the instance holds it) in one COPY and give
    them their keys, as ``save`` and ``bulk_create`` would (``keys=False``: rows nothing refers
    to, whose keys the answer does not show — the sets)."""
    if not rows:
        return
    meta = type(rows[0])._meta
    names = [f.attname for f in meta.concrete_fields if not f.primary_key]
    values = [{name: getattr(row, name) for name in names} for row in rows]
    drawn = bulk_insert(type(rows[0]), values, keys=keys)
    if not keys:
        return
    for row, key in zip(rows, drawn, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = "default"


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

    return log_once(
        CheckIn, actor=actor, spec=spec, idempotency_key=idempotency_key, check=check,
        write=write,
    )  # fmt: skip
