"""The history page's rows and charts, built from the client's sessions and check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from coaching.journal.vocabulary import LOCATION_LABELS, QUALITY_LABELS, SYMPTOM_LABELS, safety_for
from coaching.models import CheckIn, Session

# The history page charts the most recent records and lists the latest few in detail.
CHART_SESSIONS = 30


CHART_CHECK_INS = 30


@dataclass
class EntryRow:
    exercise: str
    url: str
    reps: list[int]
    loads: list[str]
    rpes: list[int]
    pain_during: int
    where: str

    @property
    def total_reps(self) -> int:
        return sum(self.reps)


@dataclass
class SessionRow:
    session: Session
    entries: list[EntryRow]
    symptoms: list[str]
    pain_during_max: int | None
    safety: str | None


@dataclass
class CheckInRow:
    check_in: CheckIn
    symptoms: list[str]
    safety: str | None


@dataclass
class Chart:
    """One chart's data for Chart.js: short ``labels`` for the axis, full ``titles`` (with the
    weekday and, for sessions, the time) for tooltips and the table."""

    labels: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"labels": self.labels, "titles": self.titles, "datasets": self.datasets}

    def table(self) -> dict[str, Any]:
        """The accessible table: a column per dataset, a row per record (newest first)."""
        rows = [
            (title, [d["data"][i] for d in self.datasets]) for i, title in enumerate(self.titles)
        ]
        return {"heads": [d["label"] for d in self.datasets], "rows": rows[::-1]}


def _session_row(session: Session) -> SessionRow:
    entries = []
    for entry in session.entries.all():
        sets = list(entry.sets.all())
        exercise = entry.prescription.exercise
        where = ", ".join(
            x
            for x in (
                LOCATION_LABELS.get(entry.pain_location, ""),
                QUALITY_LABELS.get(entry.pain_quality, "").lower(),
            )
            if x
        )
        entries.append(
            EntryRow(
                exercise=exercise.name,
                url=exercise.get_absolute_url(),
                reps=[s.reps for s in sets],
                loads=[f"{s.load_kg.normalize():f}" for s in sets if s.load_kg is not None],
                rpes=[s.rpe for s in sets if s.rpe is not None],
                pain_during=entry.pain_during,
                where=where,
            )
        )
    safety = safety_for(session.symptoms)
    return SessionRow(
        session=session,
        entries=entries,
        symptoms=[SYMPTOM_LABELS.get(s, s) for s in session.symptoms],
        pain_during_max=max((e.pain_during for e in entries), default=None),
        safety=safety.level if safety else None,
    )


def _label(value: Any, form: str = "j M") -> str:
    return date_format(timezone.localtime(value) if hasattr(value, "hour") else value, form)


def history_charts(rows: Sequence[SessionRow], check_ins: Sequence[CheckIn]) -> dict[str, Chart]:
    """The three charts, oldest first: session pain (before, the highest pain during any of the
    session's exercises, after), morning check-ins (pain, stiffness), and volume (total reps per
    exercise per session; empty where the exercise was not logged)."""
    sessions = list(reversed(rows))
    labels = [_label(r.session.performed_at) for r in sessions]
    titles = [_label(r.session.performed_at, "D j M, H:i") for r in sessions]
    pain = Chart(
        labels=labels,
        titles=titles,
        datasets=[
            {"label": "Before", "data": [r.session.pain_before for r in sessions]},
            {"label": "During (highest)", "data": [r.pain_during_max for r in sessions]},
            {"label": "After", "data": [r.session.pain_after for r in sessions]},
        ],
    )
    mornings = list(reversed(check_ins))
    morning = Chart(
        labels=[_label(c.date) for c in mornings],
        titles=[_label(c.date, "D j M") for c in mornings],
        datasets=[
            {"label": "Pain", "data": [c.pain for c in mornings]},
            {"label": "Stiffness", "data": [c.stiffness for c in mornings]},
        ],
    )
    volume = Chart(labels=labels, titles=titles)
    by_exercise: dict[str, list[int | None]] = {}
    for i, row in enumerate(sessions):
        for entry in row.entries:
            totals = by_exercise.setdefault(entry.exercise, [None] * len(sessions))
            totals[i] = (totals[i] or 0) + entry.total_reps
    volume.datasets = [{"label": name, "data": data} for name, data in by_exercise.items()]
    return {"pain": pain, "morning": morning, "volume": volume}
