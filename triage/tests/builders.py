"""Concise builders for the pure rules engine's ``History`` snapshots (``triage.rules``).

Time is relative to a fixed review moment: ``days_ago`` counts back from ``now`` (sessions keep
``now``'s time of day unless told otherwise), and check-ins fall on the day ``days_ago`` days
before ``now``'s day in the client's time zone. Ids are handed out in order, so a history built
twice is equal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from triage.rules import (
    CheckInLog,
    EntryLog,
    ExerciseInfo,
    Finding,
    History,
    PrescriptionInfo,
    SessionLog,
    SetLog,
    Thresholds,
    evaluate,
)

TZ = ZoneInfo("Europe/London")  # config/settings.py: TIME_ZONE
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=TZ)  # a Friday evening


def sets(*reps: int, rpe: int | None = None, load_kg: str | None = None) -> tuple[SetLog, ...]:
    load = Decimal(load_kg) if load_kg is not None else None
    return tuple(SetLog(reps=r, load_kg=load, rpe=rpe) for r in reps)


def entry(
    exercise_id: int = 1,
    pain: int = 0,
    reps: tuple[int, ...] = (12, 12, 12),
    *,
    rpe: int | None = None,
    load_kg: str | None = None,
    location: str = "",
    quality: str = "",
    prescription_id: int | None = None,
) -> EntryLog:
    """One exercise of a session (its id is given by ``HistoryBuilder.session``). The
    prescription id defaults to the exercise id, as ``HistoryBuilder.prescription`` makes it."""
    return EntryLog(
        id=0,
        prescription_id=exercise_id if prescription_id is None else prescription_id,
        exercise_id=exercise_id,
        pain_during=pain,
        sets=sets(*reps, rpe=rpe, load_kg=load_kg),
        pain_location=location,
        pain_quality=quality,
    )


class HistoryBuilder:
    """``HistoryBuilder().prescription(1).session(2, entry(pain=3)).check_in(1, pain=4).build()``"""

    def __init__(self, now: datetime = NOW, tz: ZoneInfo = TZ) -> None:
        self.now = now
        self.tz = tz
        self._sessions: list[SessionLog] = []
        self._check_ins: list[CheckInLog] = []
        self._prescriptions: dict[int, PrescriptionInfo] = {}
        self._exercises: dict[int, ExerciseInfo] = {}
        self._next_id = 1

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def exercise(
        self,
        exercise_id: int,
        name: str | None = None,
        *,
        targets_lower_back: bool = False,
        harder: tuple[int, ...] = (),
        easier: tuple[int, ...] = (),
    ) -> HistoryBuilder:
        self._exercises[exercise_id] = ExerciseInfo(
            id=exercise_id,
            name=name or f"Exercise {exercise_id}",
            targets_lower_back=targets_lower_back,
            harder=harder,
            easier=easier,
        )
        return self

    def prescription(
        self,
        exercise_id: int = 1,
        *,
        rx_id: int | None = None,
        sets: int = 3,
        reps_min: int = 8,
        reps_max: int = 12,
        load_kg: str | None = None,
        hold_seconds: int | None = None,
        current: bool = True,
    ) -> HistoryBuilder:
        rx_id = exercise_id if rx_id is None else rx_id
        self._prescriptions[rx_id] = PrescriptionInfo(
            id=rx_id,
            exercise_id=exercise_id,
            sets=sets,
            reps_min=reps_min,
            reps_max=reps_max,
            load_kg=Decimal(load_kg) if load_kg is not None else None,
            hold_seconds=hold_seconds,
            current=current,
        )
        if exercise_id not in self._exercises:
            self.exercise(exercise_id)
        return self

    def session(
        self,
        days_ago: float,
        *entries: EntryLog,
        pain_before: int = 0,
        pain_after: int = 0,
        symptoms: tuple[str, ...] = (),
        at: datetime | None = None,
    ) -> HistoryBuilder:
        self._sessions.append(
            SessionLog(
                id=self._id(),
                performed_at=at if at is not None else self.at(days_ago),
                pain_before=pain_before,
                pain_after=pain_after,
                entries=tuple(replace(e, id=self._id()) for e in (entries or (entry(),))),
                symptoms=frozenset(symptoms),
            )
        )
        return self

    def check_in(
        self, days_ago: int, pain: int = 0, *, stiffness: int = 0, symptoms: tuple[str, ...] = ()
    ) -> HistoryBuilder:
        self._check_ins.append(
            CheckInLog(
                id=self._id(),
                date=self.day(days_ago),
                pain=pain,
                stiffness=stiffness,
                symptoms=frozenset(symptoms),
            )
        )
        return self

    def build(self, **fields: object) -> History:
        """The snapshot, sessions and check-ins oldest first; ``fields`` set the rest
        (``sessions_per_week``, ``program_started_on``, ``referral_hold``, …)."""
        return History(
            client_id=1,
            tz=self.tz,
            sessions=tuple(sorted(self._sessions, key=lambda s: (s.performed_at, s.id))),
            check_ins=tuple(sorted(self._check_ins, key=lambda c: (c.date, c.id))),
            prescriptions=dict(self._prescriptions),
            exercises=dict(self._exercises),
            **fields,  # type: ignore[arg-type]
        )


DEFAULTS = Thresholds()


# --- evaluating (the rules tests share these) ---------------------------------------------------


def run(history: History, th: Thresholds = DEFAULTS, now: datetime = NOW) -> list[Finding]:
    return evaluate(history, th, now)


def rules(history: History, th: Thresholds = DEFAULTS, now: datetime = NOW) -> set[str]:
    return {f.rule for f in run(history, th, now)}


def only(
    history: History, rule: str, th: Thresholds = DEFAULTS, now: datetime = NOW
) -> list[Finding]:
    return [f for f in run(history, th, now) if f.rule == rule]


READY = {"sessions_per_week": 2, "program_started_on": NOW.date() - timedelta(days=60)}


def ready_to_progress(
    latest: EntryLog | None = None,
    second: EntryLog | None = None,
    builder: HistoryBuilder | None = None,
    rx: dict[str, object] | None = None,
    pain_before: int = 0,
    **fields: object,
) -> History:
    """Exercise 1 (3 × 8–12, or ``rx``) done 12, 9, 5 and 2 days ago, 4 of 4 planned sessions:
    ready to progress unless ``latest`` or ``second`` (the two most recent sessions) say
    otherwise."""
    b = builder or HistoryBuilder()
    b.prescription(1, **{"sets": 3, "reps_min": 8, "reps_max": 12, **(rx or {})})
    b.session(12, entry(1, reps=(9, 8, 8)), pain_before=pain_before)
    b.session(9, entry(1, pain=4, reps=(12,)), pain_before=pain_before)
    b.session(5, second or entry(1), pain_before=pain_before)
    b.session(2, latest or entry(1), pain_before=pain_before)
    return b.build(**{**READY, **fields})
