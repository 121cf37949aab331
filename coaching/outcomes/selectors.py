"""Reads of outcome measures: the instruments' current versions, a client's questionnaires (what
is due, the baseline, the latest answer), and their scores over time. Whose answers an actor may
read comes from the one permission rule (``accounts.selectors.clients_for``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from coaching.accounts.models import Client
from coaching.accounts.selectors import clients_for
from coaching.outcomes import due
from coaching.outcomes.definition import change
from coaching.outcomes.models import Instrument, OutcomeSchedule, QuestionnaireResponse
from coaching.programs.models import Program
from coaching.shared.selectors import Actor


def latest_instruments(slugs: Iterable[str] | None = None) -> dict[str, Instrument]:
    """The current version of each instrument (of these slugs): one query."""
    rows = Instrument.objects.order_by("slug", "-version")
    if slugs is not None:
        rows = rows.filter(slug__in=list(slugs))
    latest: dict[str, Instrument] = {}
    for instrument in rows:
        latest.setdefault(instrument.slug, instrument)
    return latest


def instrument_choices() -> list[tuple[str, str]]:
    return [(slug, i.name) for slug, i in sorted(latest_instruments().items())]


@dataclass
class Questionnaire:
    """One instrument a client's program sends, as the client sees it."""

    schedule: OutcomeSchedule
    instrument: Instrument  # the current version: new answers are scored by it
    program: Program
    due_on: date | None  # the occasion to answer now, or None
    next_on: date | None
    baseline: QuestionnaireResponse | None = None  # the first answer since the program started
    latest: QuestionnaireResponse | None = None
    answers: list[QuestionnaireResponse] = field(default_factory=list)  # oldest first

    @property
    def activities(self) -> list[str]:
        """The activities the client named in their first answer (rated again each time)."""
        if self.baseline is None or "activities" not in self.baseline.answers:
            return []
        return [a["name"] for a in self.baseline.answers["activities"]]

    @property
    def change(self) -> int:
        """+1 meaningfully better than the baseline, −1 worse, 0 neither (or one answer)."""
        if self.baseline is None or self.latest is None or self.latest.pk == self.baseline.pk:
            return 0
        return change(self.instrument.definition, self.baseline.score, self.latest.score)


def _schedules_of(client: Client, today: date) -> list[OutcomeSchedule]:
    """The schedules of the client's current program — the active one, or one that ended within
    ``due.AFTER_END_DAYS`` (its end-of-program questionnaire may still be answered) — with their
    program: one query."""
    recent = today - timedelta(days=due.AFTER_END_DAYS)
    rows = list(
        OutcomeSchedule.objects.filter(
            Q(program__status=Program.Status.ACTIVE)
            | Q(program__status=Program.Status.ENDED, program__ended_on__gte=recent),
            program__client=client,
        )
        .select_related("program")
        .order_by("program__status", "-program__ended_on", "-program_id", "instrument_slug", "id")
    )  # ("active" sorts before "ended")
    return [s for s in rows if s.program_id == rows[0].program_id] if rows else []


def questionnaires_for(
    client: Client, today: date | None = None, *, program: Program | None = None
) -> list[Questionnaire]:
    """The questionnaires of the client's program (active, or just ended; or the ``program``
    given, already read), with what is due: three queries whatever their number, one when the
    program sends none."""
    today = today or timezone.localdate()
    if program is not None:
        schedules = list(program.outcome_schedules.all())
    else:
        schedules = _schedules_of(client, today)
        program = schedules[0].program if schedules else None
    if program is None or not schedules:
        return []
    instruments = latest_instruments(s.instrument_slug for s in schedules)
    responses = list(
        QuestionnaireResponse.objects.filter(
            client=client,
            instrument__slug__in=list(instruments),
            answered_at__date__gte=program.starts_on,
        )
        .select_related("instrument")
        .order_by("answered_at", "id")
    )
    found = []
    for schedule in schedules:
        instrument = instruments.get(schedule.instrument_slug)
        if instrument is None:  # (an instrument removed from the database since)
            continue
        answers = [r for r in responses if r.instrument.slug == schedule.instrument_slug]
        cadence = due.Cadence(schedule.at_start, schedule.every_weeks, schedule.at_end)
        answered = [timezone.localtime(r.answered_at).date() for r in answers]
        found.append(
            Questionnaire(
                schedule=schedule,
                instrument=instrument,
                program=program,
                due_on=due.due_on(cadence, program.starts_on, program.ended_on, today, answered),
                next_on=due.next_on(cadence, program.starts_on, program.ended_on, today),
                baseline=answers[0] if answers else None,
                latest=answers[-1] if answers else None,
                answers=answers,
            )
        )
    return found


def responses_for(actor: Actor) -> QuerySet[QuestionnaireResponse]:
    """Answers of the clients the actor may see (a client: their own)."""
    return QuestionnaireResponse.objects.filter(client__in=clients_for(actor)).select_related(
        "instrument", "client__user"
    )


def plain_words(q: Questionnaire) -> list[str]:
    """The client's scores over time in plain words: "Bending to tie shoes: 3 → 7" per activity
    (first answer → latest), or "Score: 42 → 30 (lower is better)"; nothing before a second
    answer."""
    if q.baseline is None or q.latest is None or len(q.answers) < 2:
        return []
    first, last = q.baseline.answers, q.latest.answers
    if "activities" in first and "activities" in last:
        now = {a["name"].casefold(): a["rating"] for a in last["activities"]}
        return [
            f"{a['name']}: {a['rating']} → {now.get(a['name'].casefold(), '—')}"
            for a in first["activities"]
        ]
    better = q.instrument.definition["better"]
    return [f"Score: {q.baseline.score:g} → {q.latest.score:g} ({better} is better)"]


def client_answers_export(client: Client) -> list[dict[str, Any]]:
    """The client's answers for their data export."""
    return [
        {
            "instrument": r.instrument.slug,
            "version": r.instrument.version,
            "answered_at": r.answered_at.isoformat(),
            "answers": r.answers,
            "score": r.score,
            "band": r.band,
        }
        for r in client.questionnaire_responses.select_related("instrument").order_by(
            "answered_at", "id"
        )
    ]
