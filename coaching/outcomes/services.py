"""Writes of outcome measures: loading an instrument (versioned), which instruments a program or
template sends, and a client's answers — checked, scored and handed to triage like a session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from coaching.accounts.models import Client
from coaching.accounts.selectors import clients_for, profile_of
from coaching.journal.services import Logged, digest_of, log_once
from coaching.outcomes.definition import DefinitionError, check_answers, check_definition
from coaching.outcomes.models import Instrument, OutcomeSchedule, QuestionnaireResponse
from coaching.outcomes.selectors import latest_instruments, questionnaires_for
from coaching.programs.models import Program, ProgramTemplate
from coaching.shared.selectors import Actor

# --- instruments ------------------------------------------------------------------------------


@transaction.atomic
def instrument_load(*, raw: Any) -> tuple[Instrument, str]:
    """Load a checked definition: ``created``, ``unchanged``, ``updated`` (the current version
    has no answers yet, so it is corrected in place) or ``new version`` (answers keep the
    version that scored them). ``DefinitionError`` for a bad file, nothing written."""
    definition = check_definition(raw)
    digest = digest_of(definition)
    current = latest_instruments([definition["slug"]]).get(definition["slug"])
    if current is None:
        made = Instrument.objects.create(
            slug=definition["slug"], name=definition["name"], definition=definition, digest=digest
        )
        return made, "created"
    if current.digest == digest:
        return current, "unchanged"
    if not current.responses.exists():
        current.definition, current.digest, current.name = definition, digest, definition["name"]
        current.save(update_fields=["definition", "digest", "name"])
        return current, "updated"
    made = Instrument.objects.create(
        slug=current.slug,
        version=current.version + 1,
        name=definition["name"],
        definition=definition,
        digest=digest,
    )
    return made, "new version"


def instrument_file_load(path: Path | str) -> tuple[Instrument, str]:
    """``instrument_load`` of a YAML file; ``DefinitionError`` if it cannot be read."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError([f"cannot read {path}: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise DefinitionError([f"{path} is not valid YAML: {exc}"]) from exc
    return instrument_load(raw=raw)


# --- which instruments a program or template sends ---------------------------------------------


def _may_plan(actor: Actor, owner: Program | ProgramTemplate) -> None:
    if isinstance(owner, Program):
        if not clients_for(actor).filter(pk=owner.client_id).exists():
            raise PermissionDenied("Not one of your clients' programs.")
        return
    profile = profile_of(actor)
    superuser = actor.is_authenticated and actor.is_superuser
    if not superuser and (
        profile.trainer is None or profile.trainer.practice_id != owner.practice_id
    ):
        raise PermissionDenied("Not one of your practice's templates.")


@transaction.atomic
def schedule_set(
    *,
    actor: Actor,
    owner: Program | ProgramTemplate,
    instrument: str,
    at_start: bool = True,
    every_weeks: int | None = None,
    at_end: bool = True,
) -> OutcomeSchedule:
    """Send an instrument with a program or template (or change when): at the start, every N
    weeks (1–52), at the end."""
    _may_plan(actor, owner)
    errors: dict[str, str] = {}
    if instrument not in latest_instruments([instrument]):
        errors["instrument"] = f"No questionnaire '{instrument}' is loaded."
    if every_weeks is not None and not 1 <= every_weeks <= 52:
        errors["every_weeks"] = "From 1 to 52 weeks, or empty."
    if not (at_start or every_weeks or at_end):
        errors["at_start"] = "Choose when: at the start, every few weeks, or at the end."
    if errors:
        raise ValidationError(errors)
    where = {"program": owner} if isinstance(owner, Program) else {"template": owner}
    schedule, _ = OutcomeSchedule.objects.update_or_create(
        **where,
        instrument_slug=instrument,
        defaults={"at_start": at_start, "every_weeks": every_weeks, "at_end": at_end},
    )
    return schedule


def schedule_remove(*, actor: Actor, schedule: OutcomeSchedule) -> None:
    owner = schedule.program or schedule.template
    assert owner is not None  # (a database constraint)
    _may_plan(actor, owner)
    schedule.delete()


def schedules_copy(template: ProgramTemplate, program: Program) -> None:
    """A program made from a template sends the template's questionnaires."""
    OutcomeSchedule.objects.bulk_create(
        OutcomeSchedule(
            program=program,
            instrument_slug=s.instrument_slug,
            at_start=s.at_start,
            every_weeks=s.every_weeks,
            at_end=s.at_end,
        )
        for s in template.outcome_schedules.all()
    )


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerSpec:
    instrument: str  # slug
    answers: Any  # as sent; checked against the instrument
    answered_at: datetime | None = None

    @property
    def symptoms(self) -> tuple[str, ...]:
        return ()

    def digest(self) -> str:
        return digest_of({"instrument": self.instrument, "answers": self.answers})


def response_submit(
    *,
    actor: Actor,
    spec: AnswerSpec,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Logged:
    """Store a client's answers to a questionnaire their program sends, scored by the
    instrument's current version, pending review (triage reviews it once committed). A 400
    naming the item for answers out of the scale or missing; the same key again returns the
    stored answer."""
    now = now or timezone.now()

    def check(client: Client) -> dict[str, Any]:
        found = {q.instrument.slug: q for q in questionnaires_for(client, timezone.localdate(now))}
        questionnaire = found.get(spec.instrument)
        if questionnaire is None:
            raise ValidationError(
                {"instrument": "This questionnaire is not one your trainer asked you to fill in."}
            )
        try:
            scored = check_answers(
                questionnaire.instrument.definition,
                spec.answers,
                activities=questionnaire.activities,
            )
        except serializers.ValidationError as exc:
            raise ValidationError(exc.detail) from None
        return {
            "program": questionnaire.program,
            "instrument": questionnaire.instrument,
            "answers": scored.answers,
            "score": scored.score,
            "band": scored.band,
            "due_on": questionnaire.due_on,
        }

    def write(client: Client, values: dict[str, Any]) -> QuestionnaireResponse:
        return QuestionnaireResponse.objects.create(answered_at=spec.answered_at or now, **values)

    return log_once(
        QuestionnaireResponse,
        actor=actor,
        spec=spec,
        idempotency_key=idempotency_key,
        check=check,
        write=write,
    )
