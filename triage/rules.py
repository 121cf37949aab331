"""The triage rules of TRIAGE_RULES.md as pure functions: ``evaluate(history, thresholds, now)``.

No ORM and no clock: ``history`` is a plain snapshot built by ``triage.selectors``, ``now`` is
passed in. Every finding carries its rule code, kind, urgency, the exercise, a suggestion (the
catalogue's easier or harder variation, else a change of dose), a reason a trainer can read,
the evidence (log ids and the values compared with the thresholds), and the keys of the logs that
made it fire (so that a flag the trainer closed is not opened again for the same logs).

Precedence (TRIAGE_RULES.md): referral findings suppress every progression of the client; a
regression suppresses progression (for the whole client for 14 days, so also of that exercise).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from statistics import fmean
from typing import SupportsInt
from zoneinfo import ZoneInfo

from coaching.journal.vocabulary import (
    EMERGENCY_SYMPTOMS,
    NERVE_SYMPTOMS,
    URGENT_SYMPTOMS,
    PainLocation,
    PainQuality,
    Symptom,
)
from coaching.outcomes.measures import meaningful_change
from coaching.programs import schedule

# --- vocabulary -------------------------------------------------------------------------------

REFERRAL, REGRESSION, PROGRESSION, ADHERENCE = "referral", "regression", "progression", "adherence"
EMERGENCY, URGENT, ROUTINE = "emergency", "urgent", "routine"
URGENCY_RANK = {EMERGENCY: 0, URGENT: 1, ROUTINE: 2}
EPSILON = 1e-9  # 26/3 − 20/3 is 1.9999999999999991 in floating point, and means a rise of 2
SHARP_QUALITIES = frozenset({PainQuality.SHARP.value, PainQuality.SHOOTING.value})


def _values(obj: object) -> dict[str, object]:
    """A flat dataclass's fields by name (``dataclasses.asdict`` without its deep copies)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Thresholds:
    """Every number the rules compare with, defaulting to TRIAGE_RULES.md. The admin edits them
    (``triage.models.RuleSettings``) and each flag records the values it was computed with."""

    pain_safe_max: int = 2  # zone "safe": 0–2; progression needs pain during at most this
    pain_acceptable_max: int = 5  # zone "acceptable": 3–5; above is "too much"
    next_morning_rise: int = 2  # next-morning pain this much above the session's pain-before
    meaningful_rise_points: int = 2  # a meaningful rise: this many points …
    meaningful_rise_percent: int = 30  # … or this percentage,
    meaningful_rise_min_points: int = 1  # … and at least this many points
    persistent_pain_min: int = 4  # resting pain at least this …
    persistent_days: int = 3  # … on MORE than this many consecutive days
    persistent_window_days: int = 14  # a run reaching into this window
    nerve_days_apart: int = 7  # nerve symptoms on two days at least this far apart …
    nerve_window_days: int = 28  # … within this window
    sharp_sessions: int = 2  # sharp or shooting pain in this many sessions …
    sharp_window_days: int = 14  # … within this window
    form_pain_min: int = 3  # lower-back pain at least this in an exercise not for the back
    shortfall_sessions: int = 3  # a set below the minimum reps in this many sessions in a row
    effort_rpe: int = 9  # RPE at least this …
    effort_sessions: int = 2  # … in this many sessions in a row
    progression_sessions: int = 2  # top of the rep range in this many sessions in a row
    progression_rep_surplus: int = 2  # or the last set beat the target by this many reps
    regression_hold_days: int = 14  # no regression for the client within this many days
    adherence_window_days: int = 14
    adherence_low_percent: int = 50  # below: an adherence flag
    adherence_progress_percent: int = 80  # below: no progression
    event_window_days: int = 7  # single-session rules look at sessions this recent
    load_increase_percent: int = 5  # progression without a harder variation: +5 % (to +10 %)
    load_decrease_percent: int = 20  # regression without an easier variation: −20 %
    history_days: int = 28  # how far back the selector reads (the longest rule window)
    outcome_no_change_weeks: int = 6  # no meaningful change in a questionnaire after this long

    def as_dict(self) -> dict[str, int]:
        return _values(self)  # type: ignore[return-value]

    @classmethod
    def from_dict(cls, values: Mapping[str, SupportsInt | str]) -> Thresholds:
        known = {f: int(v) for f, v in values.items() if f in cls.__dataclass_fields__}
        return replace(cls(), **known)


# --- the history: a plain snapshot of one client ----------------------------------------------


@dataclass(frozen=True)
class SetLog:
    reps: int
    load_kg: Decimal | None = None
    rpe: int | None = None


@dataclass(frozen=True)
class EntryLog:
    id: int
    prescription_id: int
    exercise_id: int
    pain_during: int
    sets: tuple[SetLog, ...]
    pain_location: str = ""
    pain_quality: str = ""


@dataclass(frozen=True)
class SessionLog:
    id: int
    performed_at: datetime
    pain_before: int
    pain_after: int
    entries: tuple[EntryLog, ...]
    symptoms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CheckInLog:
    id: int
    date: date
    pain: int
    stiffness: int
    symptoms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExerciseInfo:
    id: int
    name: str
    targets_lower_back: bool = False
    harder: tuple[int, ...] = ()  # published, nearest first
    easier: tuple[int, ...] = ()


@dataclass(frozen=True)
class PrescriptionInfo:
    id: int
    exercise_id: int
    sets: int
    reps_min: int
    reps_max: int
    load_kg: Decimal | None = None
    hold_seconds: int | None = None
    current: bool = True


@dataclass(frozen=True)
class OutcomeLog:
    """One questionnaire answer of the current program, scored (``coaching.outcomes``)."""

    id: int
    instrument: str  # slug
    name: str  # e.g. "PSFS"
    answered_at: datetime
    score: float
    better: str  # "higher" or "lower"
    meaningful_change: float
    risk: str = ""  # the risk band's level: "", "low", "medium" or "high"
    band: str = ""  # the band's name


@dataclass(frozen=True)
class History:
    client_id: int
    tz: ZoneInfo
    sessions: tuple[SessionLog, ...] = ()  # oldest first
    check_ins: tuple[CheckInLog, ...] = ()  # oldest first
    prescriptions: dict[int, PrescriptionInfo] = field(default_factory=dict)
    exercises: dict[int, ExerciseInfo] = field(default_factory=dict)
    sessions_per_week: int | None = None  # of the active program; None: no active program
    planned_weekdays: tuple[int, ...] = ()  # its planned days (Monday 0); (): any days
    program_started_on: date | None = None
    referral_hold: bool = False  # a referral not yet cleared holds every progression
    recent_regressions: tuple[tuple[int, datetime], ...] = ()  # (exercise id, flagged at)
    # the log keys that closed flags (decided by a person, or withdrawn) covered, by
    # (rule, exercise id or 0): a finding on those logs alone opens nothing and holds nothing
    closed: Mapping[tuple[str, int], tuple[frozenset[str], ...]] = field(default_factory=dict)
    # questionnaire answers since the active program started, oldest first
    outcomes: tuple[OutcomeLog, ...] = ()
    # what the rules work out more than once from this snapshot (local days, the list of
    # reports): worked out once per history; not part of its value
    _memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def day_of(self, moment: datetime) -> date:
        day = self._memo.get(moment)
        if day is None:
            day = self._memo[moment] = moment.astimezone(self.tz).date()
        return day  # type: ignore[return-value]


# --- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """What to change, one variable at a time: another exercise, or the same one's dose."""

    text: str
    exercise_id: int | None = None  # another exercise of the catalogue
    sets: int | None = None
    reps_min: int | None = None
    reps_max: int | None = None
    load_kg: Decimal | None = None
    hold_seconds: int | None = None

    def as_dict(self) -> dict[str, object]:
        values = _values(self)
        if self.load_kg is not None:
            values["load_kg"] = str(self.load_kg)
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    urgency: str
    reason: str
    evidence: dict[str, object]
    log_keys: frozenset[str]
    exercise_id: int | None = None
    prescription_id: int | None = None
    suggestion: Suggestion | None = None

    @property
    def key(self) -> tuple[str, int]:
        """One open flag per (client, rule, exercise)."""
        return (self.rule, self.exercise_id or 0)


def covered(closed: Mapping[tuple[str, int], Iterable[frozenset[str]]], finding: Finding) -> bool:
    """Whether a closed flag already covered every log of the finding: a person decided on it
    (dismissed, applied, referred), or the review withdrew it."""
    return any(finding.log_keys <= seen for seen in closed.get(finding.key, ()))


def decided(history: History, finding: Finding) -> bool:
    return covered(history.closed, finding)


def undecided(history: History, findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not decided(history, f)]


def session_key(session: SessionLog) -> str:
    return f"session:{session.id}"


def check_in_key(check_in: CheckInLog) -> str:
    return f"check_in:{check_in.id}"


def outcome_key(answer: OutcomeLog) -> str:
    return f"response:{answer.id}"


# --- helpers ----------------------------------------------------------------------------------


def meaningful_rise(before: float, after: float, th: Thresholds) -> bool:
    """A rise of at least 2 points, or of at least 30 % and at least 1 point (the minimal
    clinically important difference of the 0–10 scale). From 0, any rise of a point is
    more than 30 %."""
    rise = after - before  # weekly means are fractions: compare with a tolerance
    if rise >= th.meaningful_rise_points - EPSILON:
        return True
    if rise < th.meaningful_rise_min_points - EPSILON:
        return False
    return before <= 0 or rise * 100 >= th.meaningful_rise_percent * before - EPSILON


def adherence_percent(done: int, planned: int) -> float | None:
    return None if planned <= 0 else min(done, planned) / planned * 100


def _since(history: History, now: datetime, days: int) -> list[SessionLog]:
    start = now - timedelta(days=days)
    return [s for s in history.sessions if start < s.performed_at <= now]


def _name(history: History, exercise_id: int | None) -> str:
    info = history.exercises.get(exercise_id) if exercise_id else None
    return info.name if info else "this exercise"


def _symptom_words(codes: Iterable[str]) -> str:
    labels = dict(Symptom.choices)
    return "; ".join(labels[c].lower() for c in Symptom.values if c in set(codes))


def _reports(
    history: History, now: datetime, days: int | None = None
) -> list[tuple[str, date, frozenset[str]]]:
    """Every report with its day and symptoms (sessions and check-ins), oldest first."""
    key = ("reports", now, days)
    found = history._memo.get(key)
    if found is None:
        today = history.day_of(now)
        first = today - timedelta(days=days) if days is not None else date.min
        rows = [
            (session_key(s), history.day_of(s.performed_at), s.symptoms) for s in history.sessions
        ]
        rows += [(check_in_key(c), c.date, c.symptoms) for c in history.check_ins]
        found = history._memo[key] = sorted(
            (r for r in rows if first < r[1] <= today), key=lambda r: (r[1], r[0])
        )
    return found  # type: ignore[return-value]


def _most_painful(session: SessionLog) -> EntryLog | None:
    return max(session.entries, key=lambda e: e.pain_during, default=None)


def _sessions_of(
    history: History, exercise_id: int, now: datetime
) -> list[tuple[SessionLog, EntryLog]]:
    """The client's sessions of one exercise with its entry, most recent first."""
    out = []
    for session in reversed(history.sessions):
        if session.performed_at > now:
            continue
        for entry in session.entries:
            if entry.exercise_id == exercise_id:
                out.append((session, entry))
                break
    return out


def _current_prescription(history: History, exercise_id: int) -> PrescriptionInfo | None:
    for rx in history.prescriptions.values():
        if rx.current and rx.exercise_id == exercise_id:
            return rx
    return None


def _round_load(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """To a multiple of 0.5 kg, as plates and dumbbells go."""
    return (value * 2).quantize(Decimal(1), rounding=rounding) / 2


def easier(history: History, exercise_id: int, th: Thresholds) -> Suggestion:
    """The catalogue's regression edge, else less load, else fewer reps (and a smaller range)."""
    info = history.exercises.get(exercise_id)
    if info and info.easier:
        return Suggestion(
            text=f"Switch to the easier variation: {_name(history, info.easier[0])}.",
            exercise_id=info.easier[0],
        )
    rx = _current_prescription(history, exercise_id)
    if rx is None:
        return Suggestion(text="Make it easier: less load, fewer reps or a smaller range.")
    if rx.load_kg:
        load = _round_load(rx.load_kg * (100 - th.load_decrease_percent) / 100)
        return Suggestion(text=f"Reduce the load from {rx.load_kg} kg to {load} kg.", load_kg=load)
    low, high = max(1, rx.reps_min - 2), max(1, rx.reps_max - 2)
    if high < rx.reps_max:
        return Suggestion(
            text=f"Fewer reps: {low}–{high} instead of {rx.reps_min}–{rx.reps_max}, "
            "and a smaller range of motion.",
            reps_min=low,
            reps_max=high,
        )
    return Suggestion(text="Work in a smaller, pain-free range of motion.")


def harder(history: History, exercise_id: int, th: Thresholds) -> Suggestion:
    """The catalogue's progression edge, else load +5 % to +10 % when loaded, else a longer
    hold when held, else two more reps. One variable only."""
    info = history.exercises.get(exercise_id)
    if info and info.harder:
        return Suggestion(
            text=f"Progress to the harder variation: {_name(history, info.harder[0])}.",
            exercise_id=info.harder[0],
        )
    rx = _current_prescription(history, exercise_id)
    if rx is None:
        return Suggestion(text="Make it a little harder: one variable at a time.")
    if rx.load_kg:
        # at least +5 %: the step rounds up to the next half kilo (20 → 21 kg, 12 → 13 kg)
        step = max(
            Decimal("0.5"),
            _round_load(rx.load_kg * th.load_increase_percent / 100, rounding=ROUND_CEILING),
        )
        cap = rx.load_kg * Decimal("1.10")
        load = min(rx.load_kg + step, max(cap, rx.load_kg + Decimal("0.5")))
        return Suggestion(text=f"Add load: {rx.load_kg} kg → {load} kg.", load_kg=load)
    if rx.hold_seconds:
        hold = min(300, rx.hold_seconds + 5)
        return Suggestion(text=f"Hold longer: {rx.hold_seconds} s → {hold} s.", hold_seconds=hold)
    low, high = min(100, rx.reps_min + 2), min(100, rx.reps_max + 2)
    return Suggestion(
        text=f"Two more reps: {low}–{high} instead of {rx.reps_min}–{rx.reps_max}.",
        reps_min=low,
        reps_max=high,
    )


# --- referral ---------------------------------------------------------------------------------


def _red_flag_rule(
    codes: frozenset[str], rule: str, urgency: str, advice: str
) -> Callable[[History, Thresholds, datetime], list[Finding]]:
    def rule_fn(history: History, th: Thresholds, now: datetime) -> list[Finding]:
        hits = [
            (key, day, sorted(symptoms & codes))
            for key, day, symptoms in _reports(history, now, th.history_days)
            if symptoms & codes
        ]
        if not hits:
            return []
        reported = sorted({c for _, _, found in hits for c in found})
        last_day = max(day for _, day, _ in hits)
        return [
            Finding(
                rule=rule,
                kind=REFERRAL,
                urgency=urgency,
                reason=f"The client reported {_symptom_words(reported)} "
                f"(last on {last_day:%-d %b}). {advice}",
                evidence={
                    "symptoms": reported,
                    "reports": [
                        {"log": key, "day": day.isoformat(), "symptoms": found}
                        for key, day, found in hits
                    ],
                },
                log_keys=frozenset(key for key, _, _ in hits),
            )
        ]

    return rule_fn


rf_emergency = _red_flag_rule(
    EMERGENCY_SYMPTOMS,
    "RF-EMERGENCY",
    EMERGENCY,
    "These are red flags for cauda equina syndrome: the client must seek emergency care now.",
)
rf_urgent = _red_flag_rule(
    URGENT_SYMPTOMS,
    "RF-URGENT",
    URGENT,
    "These need a doctor's opinion today before exercise continues.",
)


def rf_nerve(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Nerve symptoms on two days at least 7 days apart within the last 28 days."""
    hits = [
        (key, day, sorted(symptoms & NERVE_SYMPTOMS))
        for key, day, symptoms in _reports(history, now, th.nerve_window_days)
        if symptoms & NERVE_SYMPTOMS
    ]
    if not hits:
        return []
    first, last = min(d for _, d, _ in hits), max(d for _, d, _ in hits)
    apart = (last - first).days
    if apart < th.nerve_days_apart:
        return []
    return [
        Finding(
            rule="RF-NERVE",
            kind=REFERRAL,
            urgency=ROUTINE,
            reason=f"Nerve symptoms ({_symptom_words({c for _, _, f in hits for c in f})}) "
            f"reported on {first:%-d %b} and again on {last:%-d %b}, {apart} days apart: "
            "symptoms lasting a week or more need a physiotherapist or doctor to assess them.",
            evidence={
                "days_apart": apart,
                "threshold_days": th.nerve_days_apart,
                "window_days": th.nerve_window_days,
                "reports": [{"log": k, "day": d.isoformat(), "symptoms": f} for k, d, f in hits],
            },
            log_keys=frozenset(k for k, _, _ in hits),
        )
    ]


def _resting_pain_by_day(
    history: History, now: datetime, days: int
) -> dict[date, list[tuple[str, int]]]:
    today = history.day_of(now)
    first = today - timedelta(days=days)
    by_day: dict[date, list[tuple[str, int]]] = {}
    for c in history.check_ins:
        if first < c.date <= today:
            by_day.setdefault(c.date, []).append((check_in_key(c), c.pain))
    for s in history.sessions:
        day = history.day_of(s.performed_at)
        if first < day <= today:
            by_day.setdefault(day, []).append((session_key(s), s.pain_before))
    return by_day


def rf_persistent(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Resting pain (morning check-in, or pain before a session) at least 4 on more than 3
    consecutive days. A day counts by its highest resting report; a day without a report
    breaks the run. Looks at runs reaching into the last ``persistent_window_days``, counted
    whole (a run that started before the window counts all its days)."""
    window_start = history.day_of(now) - timedelta(days=th.persistent_window_days)
    by_day = _resting_pain_by_day(history, now, th.history_days)
    best: list[date] = []
    run: list[date] = []
    for day in sorted(by_day):
        high = max(p for _, p in by_day[day]) >= th.persistent_pain_min
        if high and run and (day - run[-1]).days == 1:
            run.append(day)
        elif high:
            run = [day]
        else:
            run = []
        if len(run) > len(best) and run[-1] > window_start:
            best = list(run)
    if len(best) <= th.persistent_days:
        return []
    reports = [(k, d, p) for d in best for k, p in by_day[d]]
    return [
        Finding(
            rule="RF-PERSISTENT",
            kind=REFERRAL,
            urgency=ROUTINE,
            reason=f"Resting pain of {th.persistent_pain_min} or more on {len(best)} days in a "
            f"row ({best[0]:%-d %b} to {best[-1]:%-d %b}), more than "
            f"{th.persistent_days}: pain that persists despite rest needs a professional's "
            "assessment.",
            evidence={
                "consecutive_days": len(best),
                "threshold_days": th.persistent_days,
                "threshold_pain": th.persistent_pain_min,
                "reports": [{"log": k, "day": d.isoformat(), "pain": p} for k, d, p in reports],
            },
            log_keys=frozenset(k for k, _, _ in reports),
        )
    ]


def _sharp_sessions(
    history: History, now: datetime, days: int
) -> list[tuple[SessionLog, list[EntryLog]]]:
    out = []
    for s in _since(history, now, days):
        sharp = [e for e in s.entries if e.pain_quality in SHARP_QUALITIES]
        if sharp:
            out.append((s, sharp))
    return out


def rf_sharp(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Sharp or shooting pain in 2 or more sessions within 14 days."""
    hits = _sharp_sessions(history, now, th.sharp_window_days)
    if len(hits) < th.sharp_sessions:
        return []
    return [
        Finding(
            rule="RF-SHARP",
            kind=REFERRAL,
            urgency=ROUTINE,
            reason=f"Sharp or shooting pain in {len(hits)} sessions within "
            f"{th.sharp_window_days} days: recurring sharp pain needs a professional's "
            "assessment.",
            evidence={
                "sessions": len(hits),
                "threshold_sessions": th.sharp_sessions,
                "window_days": th.sharp_window_days,
                "reports": [
                    {
                        "log": session_key(s),
                        "day": history.day_of(s.performed_at).isoformat(),
                        "exercises": [_name(history, e.exercise_id) for e in es],
                        "qualities": sorted({e.pain_quality for e in es}),
                    }
                    for s, es in hits
                ],
            },
            log_keys=frozenset(session_key(s) for s, _ in hits),
        )
    ]


def _weekly_pain(
    history: History, now: datetime, weeks: int
) -> list[tuple[float | None, list[SessionLog]]]:
    """The mean pain during of each rolling week, this week first: week 0 is the 7 days ending
    now, week 1 the 7 days before, and so on (never calendar weeks)."""
    out = []
    for w in range(weeks):
        end, start = now - timedelta(days=7 * w), now - timedelta(days=7 * (w + 1))
        sessions = [s for s in history.sessions if start < s.performed_at <= end]
        pains = [e.pain_during for s in sessions for e in s.entries]
        out.append((fmean(pains) if pains else None, sessions))
    return out


def rf_worsening(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """The weekly mean of pain during rose by the meaningful amount two weeks in a row."""
    (m0, s0), (m1, s1), (m2, s2) = _weekly_pain(history, now, 3)
    if m0 is None or m1 is None or m2 is None:
        return []
    if not (meaningful_rise(m1, m0, th) and meaningful_rise(m2, m1, th)):
        return []
    return [
        Finding(
            rule="RF-WORSENING",
            kind=REFERRAL,
            urgency=ROUTINE,
            reason=f"Pain during exercise has risen meaningfully two weeks in a row (weekly "
            f"means {m2:.1f} → {m1:.1f} → {m0:.1f}): pain that keeps worsening needs a "
            "professional's assessment.",
            evidence={
                "weekly_means": [round(m2, 2), round(m1, 2), round(m0, 2)],
                "meaningful_rise": _meaningful_text(th),
                "sessions": [session_key(s) for s in (*s2, *s1, *s0)],
            },
            log_keys=frozenset(session_key(s) for s in (*s1, *s0)),
        )
    ]


def _meaningful_text(th: Thresholds) -> str:
    return (
        f"≥ {th.meaningful_rise_points} points, or ≥ {th.meaningful_rise_percent} % and "
        f"≥ {th.meaningful_rise_min_points} point"
    )


# --- regression -------------------------------------------------------------------------------


def _regression(
    history: History,
    th: Thresholds,
    rule: str,
    entry: EntryLog,
    reason: str,
    evidence: dict[str, object],
    log_keys: Iterable[str],
) -> Finding:
    suggestion = easier(history, entry.exercise_id, th)
    return Finding(
        rule=rule,
        kind=REGRESSION,
        urgency=ROUTINE,
        reason=f"{reason} Suggested: {suggestion.text}",
        evidence=evidence,
        log_keys=frozenset(log_keys),
        exercise_id=entry.exercise_id,
        prescription_id=entry.prescription_id,
        suggestion=suggestion,
    )


def _per_exercise_latest(
    history: History, th: Thresholds, now: datetime, hit: Callable[[EntryLog], bool]
) -> dict[int, list[tuple[SessionLog, EntryLog]]]:
    """The recent entries (the event window) matching ``hit``, grouped by exercise."""
    found: dict[int, list[tuple[SessionLog, EntryLog]]] = {}
    for session in _since(history, now, th.event_window_days):
        for entry in session.entries:
            if hit(entry):
                found.setdefault(entry.exercise_id, []).append((session, entry))
    return found


def _entry_evidence(
    history: History, hits: Sequence[tuple[SessionLog, EntryLog]], **values: object
) -> dict[str, object]:
    return {
        **values,
        "reports": [
            {
                "log": session_key(s),
                "day": history.day_of(s.performed_at).isoformat(),
                "pain_during": e.pain_during,
                "pain_location": e.pain_location,
                "pain_quality": e.pain_quality,
            }
            for s, e in hits
        ],
    }


def rg_pain_during(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Pain during an exercise above 5 (the "too much" zone)."""
    out = []
    for hits in _per_exercise_latest(
        history, th, now, lambda e: e.pain_during > th.pain_acceptable_max
    ).values():
        worst_session, worst = max(hits, key=lambda h: (h[1].pain_during, h[0].performed_at))
        out.append(
            _regression(
                history,
                th,
                "RG-PAIN-DURING",
                hits[-1][1],
                f"Pain during {_name(history, hits[-1][1].exercise_id)} reached "
                f"{worst.pain_during}/10 on {history.day_of(worst_session.performed_at):%-d %b}, "
                f"above {th.pain_acceptable_max} (too much).",
                _entry_evidence(history, hits, threshold=th.pain_acceptable_max),
                (session_key(s) for s, _ in hits),
            )
        )
    return out


def rg_pain_after(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Pain after a session above 5: regress that session's most painful exercise."""
    out: dict[int, Finding] = {}
    for session in _since(history, now, th.event_window_days):
        entry = _most_painful(session)
        if session.pain_after <= th.pain_acceptable_max or entry is None:
            continue
        out[entry.exercise_id] = _regression(
            history,
            th,
            "RG-PAIN-AFTER",
            entry,
            f"Pain after the session of {history.day_of(session.performed_at):%-d %b} was "
            f"{session.pain_after}/10, above {th.pain_acceptable_max}; its most painful "
            f"exercise was {_name(history, entry.exercise_id)} ({entry.pain_during}/10).",
            {
                "log": session_key(session),
                "pain_after": session.pain_after,
                "threshold": th.pain_acceptable_max,
                "most_painful_entry": entry.id,
            },
            [session_key(session)],
        )
    return list(out.values())


def next_morning_rise(session: SessionLog, check_in: CheckInLog, th: Thresholds) -> bool:
    return (
        check_in.pain - session.pain_before >= th.next_morning_rise
        or check_in.pain > th.pain_acceptable_max
    )


def _next_morning(history: History, session: SessionLog) -> CheckInLog | None:
    day = history.day_of(session.performed_at) + timedelta(days=1)
    mornings = [c for c in history.check_ins if c.date == day]
    return max(mornings, key=lambda c: c.pain, default=None)


def rg_next_morning(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """The morning after a session, pain 2 or more above that session's pain-before, or above 5:
    it should have settled by the next morning."""
    out: dict[int, Finding] = {}
    for session in _since(history, now, th.event_window_days + 1):
        morning = _next_morning(history, session)
        entry = _most_painful(session)
        if morning is None or entry is None or not next_morning_rise(session, morning, th):
            continue
        out[entry.exercise_id] = _regression(
            history,
            th,
            "RG-NEXT-MORNING",
            entry,
            f"The morning after the session of {history.day_of(session.performed_at):%-d %b}, "
            f"pain was {morning.pain}/10 against {session.pain_before}/10 before it: it had not "
            f"settled. Its most painful exercise was {_name(history, entry.exercise_id)}.",
            {
                "session": session_key(session),
                "check_in": check_in_key(morning),
                "pain_before": session.pain_before,
                "next_morning": morning.pain,
                "threshold_rise": th.next_morning_rise,
                "threshold_pain": th.pain_acceptable_max,
            },
            [session_key(session), check_in_key(morning)],
        )
    return list(out.values())


def rg_weekly(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """The weekly mean of pain during rose by the meaningful amount against the week before:
    regress the exercise whose pain rose most."""
    (m0, s0), (m1, s1) = _weekly_pain(history, now, 2)
    if m0 is None or m1 is None or not meaningful_rise(m1, m0, th):
        return []

    def by_exercise(sessions: list[SessionLog]) -> dict[int, float]:
        pains: dict[int, list[int]] = {}
        for s in sessions:
            for e in s.entries:
                pains.setdefault(e.exercise_id, []).append(e.pain_during)
        return {k: fmean(v) for k, v in pains.items()}

    this_week, last_week = by_exercise(s0), by_exercise(s1)
    rises = {x: this_week[x] - last_week.get(x, this_week[x]) for x in this_week}
    exercise_id = max(rises, key=lambda x: (rises[x], this_week[x]))
    entry = next(e for s in reversed(s0) for e in s.entries if e.exercise_id == exercise_id)
    return [
        _regression(
            history,
            th,
            "RG-WEEKLY",
            entry,
            f"Mean pain during exercise rose from {m1:.1f} to {m0:.1f} this week "
            f"(meaningful: {_meaningful_text(th)}); it rose most in "
            f"{_name(history, exercise_id)}.",
            {
                "weekly_means": [round(m1, 2), round(m0, 2)],
                "meaningful_rise": _meaningful_text(th),
                "sessions": [session_key(s) for s in (*s1, *s0)],
            },
            (session_key(s) for s in s0),
        )
    ]


def rg_sharp(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Sharp or shooting pain during an exercise: stop that exercise now."""
    out = []
    for hits in _per_exercise_latest(
        history, th, now, lambda e: e.pain_quality in SHARP_QUALITIES
    ).values():
        entry = hits[-1][1]
        out.append(
            _regression(
                history,
                th,
                "RG-SHARP",
                entry,
                f"{entry.pain_quality.capitalize()} pain during "
                f"{_name(history, entry.exercise_id)}: stop that exercise now.",
                _entry_evidence(history, hits),
                (session_key(s) for s, _ in hits),
            )
        )
    return out


def rg_form(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Lower-back pain of 3 or more during an exercise whose target muscles are not the lower
    back: the load has moved to the spine, a form problem."""

    def hit(entry: EntryLog) -> bool:
        info = history.exercises.get(entry.exercise_id)
        return (
            entry.pain_during >= th.form_pain_min
            and entry.pain_location == PainLocation.LOWER_BACK
            and not (info and info.targets_lower_back)
        )

    out = []
    for hits in _per_exercise_latest(history, th, now, hit).values():
        entry = hits[-1][1]
        out.append(
            _regression(
                history,
                th,
                "RG-FORM",
                entry,
                f"Lower-back pain of {entry.pain_during}/10 during "
                f"{_name(history, entry.exercise_id)}, which does not target the lower back: "
                "the load has probably moved to the spine (check form).",
                _entry_evidence(history, hits, threshold=th.form_pain_min),
                (session_key(s) for s, _ in hits),
            )
        )
    return out


def _exercises_logged(history: History, now: datetime) -> list[int]:
    """The exercises of the history's sessions, in the order first logged."""
    seen: dict[int, None] = {}
    for s in history.sessions:
        if s.performed_at <= now:
            for e in s.entries:
                seen[e.exercise_id] = None
    return list(seen)


def rg_shortfall(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """A set below the prescribed minimum reps in each of the exercise's last 3 sessions."""
    out = []
    for exercise_id in _exercises_logged(history, now):
        recent = _sessions_of(history, exercise_id, now)[: th.shortfall_sessions]
        if len(recent) < th.shortfall_sessions:
            continue
        short = []
        for session, entry in recent:
            rx = history.prescriptions.get(entry.prescription_id)
            low = min((s.reps for s in entry.sets), default=0)
            if rx is None or low >= rx.reps_min:
                break
            short.append((session, entry, low, rx.reps_min))
        if len(short) < th.shortfall_sessions:
            continue
        out.append(
            _regression(
                history,
                th,
                "RG-SHORTFALL",
                recent[0][1],
                f"In each of the last {th.shortfall_sessions} sessions of "
                f"{_name(history, exercise_id)} a set fell short of the prescribed minimum.",
                {
                    "threshold_sessions": th.shortfall_sessions,
                    "reports": [
                        {"log": session_key(s), "fewest_reps": low, "reps_min": need}
                        for s, _, low, need in short
                    ],
                },
                (session_key(s) for s, *_ in short),
            )
        )
    return out


def rg_effort(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """RPE 9 or more in each of the exercise's last 2 sessions."""
    out = []
    for exercise_id in _exercises_logged(history, now):
        recent = _sessions_of(history, exercise_id, now)[: th.effort_sessions]
        if len(recent) < th.effort_sessions:
            continue
        rpes = [max((s.rpe or 0 for s in e.sets), default=0) for _, e in recent]
        if min(rpes) < th.effort_rpe:
            continue
        out.append(
            _regression(
                history,
                th,
                "RG-EFFORT",
                recent[0][1],
                f"Effort of RPE {min(rpes)} or more in each of the last {th.effort_sessions} "
                f"sessions of {_name(history, exercise_id)}: close to the limit every time.",
                {
                    "threshold_rpe": th.effort_rpe,
                    "threshold_sessions": th.effort_sessions,
                    "reports": [
                        {"log": session_key(s), "rpe": r}
                        for (s, _), r in zip(recent, rpes, strict=True)
                    ],
                },
                (session_key(s) for s, _ in recent),
            )
        )
    return out


# --- adherence and progression ----------------------------------------------------------------


def planned_sessions(history: History, th: Thresholds, now: datetime) -> int:
    """Sessions planned in the adherence window (today and the days before it): the planned
    weekdays that fall in it when the program has them, else sessions per week × the window's
    weeks (rounded down); either way counted from the program's start when it started within
    the window."""
    if not history.sessions_per_week:
        return 0
    days = th.adherence_window_days
    today = history.day_of(now)
    if history.program_started_on is not None:
        running = (today - history.program_started_on).days + 1
        days = max(0, min(days, running))
    if history.planned_weekdays:
        first = today - timedelta(days=days - 1)
        return schedule.planned_between(history.planned_weekdays, first, today)
    return math.floor(history.sessions_per_week * days / 7)


def adherence(history: History, th: Thresholds, now: datetime) -> tuple[int, int, float | None]:
    done = len(_since(history, now, th.adherence_window_days))
    planned = planned_sessions(history, th, now)
    return done, planned, adherence_percent(done, planned)


def ad_low(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """Fewer than 50 % of the planned sessions in the last 14 days. Only a review flag for the
    trainer: missed sessions alone never cause a regression. Judged once the program has run
    for the whole window."""
    if history.program_started_on is None:
        return []
    if (history.day_of(now) - history.program_started_on).days + 1 < th.adherence_window_days:
        return []
    done, planned, percent = adherence(history, th, now)
    if percent is None or percent >= th.adherence_low_percent:
        return []
    # one flag per 14-day period at most, once closed: the period is the logs' key
    period = history.day_of(now).toordinal() // th.adherence_window_days
    return [
        Finding(
            rule="AD-LOW",
            kind=ADHERENCE,
            urgency=ROUTINE,
            reason=f"{done} of {planned} planned sessions done in the last "
            f"{th.adherence_window_days} days ({percent:.0f} %, below "
            f"{th.adherence_low_percent} %): worth a conversation about what gets in the way.",
            evidence={
                "done": done,
                "planned": planned,
                "percent": round(percent, 1),
                "threshold_percent": th.adherence_low_percent,
                "window_days": th.adherence_window_days,
            },
            log_keys=frozenset({f"adherence:{period}"}),
        )
    ]


def reached_top(entry: EntryLog, rx: PrescriptionInfo, th: Thresholds) -> bool:
    """Every prescribed set at the top of the rep range, or the last set beat it by 2 or more
    (the "2-for-2" rule)."""
    sets = list(entry.sets)
    if not sets:
        return False
    if sets[-1].reps >= rx.reps_max + th.progression_rep_surplus:
        return True
    return len(sets) >= rx.sets and all(s.reps >= rx.reps_max for s in sets[: rx.sets])


def headline(finding: Finding) -> str:
    """The first sentence of a finding's reason: what happened, without the advice."""
    return finding.reason.split(". ")[0].rstrip(".")


def _day(history: History, session: SessionLog) -> str:
    return f"{history.day_of(session.performed_at):%-d %b}"


def progression_hold(
    history: History, th: Thresholds, now: datetime, others: Sequence[Finding] = ()
) -> str | None:
    """Why no exercise of the client may progress now, in plain words, or None: a referral
    found or open, a regression found now or flagged within the hold, adherence below 80 %.
    ``others`` are the referral and regression findings of the same review."""
    referral = next((f for f in others if f.kind == REFERRAL), None)
    if referral is not None:
        return f"a referral was opened ({referral.rule}): {headline(referral)}"
    if history.referral_hold:
        return "a referral is open and its clearance is not recorded yet"
    regression = next((f for f in others if f.kind == REGRESSION), None)
    if regression is not None:
        return f"a regression was found ({regression.rule}): {headline(regression)}"
    hold_start = now - timedelta(days=th.regression_hold_days)
    flagged = [at for _, at in history.recent_regressions if at > hold_start]
    if flagged:
        return (
            f"a regression was flagged on {history.day_of(max(flagged)):%-d %b}, and progression "
            f"waits {th.regression_hold_days} days after a regression"
        )
    done, planned, percent = adherence(history, th, now)
    if percent is None:
        return "no sessions were planned yet, so adherence cannot be judged"
    if percent < th.adherence_progress_percent:
        return (
            f"adherence is {percent:.0f} % ({done} of {planned} planned sessions in the last "
            f"{th.adherence_window_days} days), below {th.adherence_progress_percent} %"
        )
    return None


def exercise_not_ready(
    history: History, th: Thresholds, now: datetime, rx: PrescriptionInfo
) -> tuple[str | None, list[tuple[SessionLog, EntryLog]]]:
    """Why one exercise may not progress, in plain words (None: ready), and its recent sessions:
    each of the last 2 at the top of the rep range, with pain during at most 2 and no
    next-morning rise."""
    name = _name(history, rx.exercise_id)
    recent = _sessions_of(history, rx.exercise_id, now)[: th.progression_sessions]
    if len(recent) < th.progression_sessions:
        return f"{name} has fewer than {th.progression_sessions} recent sessions", recent
    for session, entry in recent:
        done_rx = history.prescriptions.get(entry.prescription_id, rx)
        if entry.pain_during > th.pain_safe_max:
            return (
                f"pain {entry.pain_during}/10 during {name} on {_day(history, session)} "
                f"(progression needs at most {th.pain_safe_max}/10)"
            ), recent
        if not reached_top(entry, done_rx, th):
            return (
                f"the session of {_day(history, session)} did not reach the top of the rep "
                f"range of {name}"
            ), recent
        morning = _next_morning(history, session)
        if morning is not None and next_morning_rise(session, morning, th):
            return (
                f"pain had not settled the morning after {name} on {_day(history, session)} "
                f"({morning.pain}/10 against {session.pain_before}/10 before it)"
            ), recent
    return None, recent


def pg_ready(
    history: History, th: Thresholds, now: datetime, others: Sequence[Finding] = ()
) -> list[Finding]:
    """Ready for a harder variation, when all hold: the last 2 sessions at the top of the
    range, pain during ≤ 2 in both with no next-morning rise, no referral open or regression
    within 14 days, adherence ≥ 80 % over 14 days."""
    if progression_hold(history, th, now, others) is not None:
        return []
    percent = adherence(history, th, now)[2] or 0.0  # known by now (progression_hold)
    support, improved = outcome_support(history)
    out = []
    for rx in history.prescriptions.values():
        if not rx.current:
            continue
        blocked, recent = exercise_not_ready(history, th, now, rx)
        if blocked is not None:
            continue
        suggestion = harder(history, rx.exercise_id, th)
        out.append(
            Finding(
                rule="PG-READY",
                kind=PROGRESSION,
                urgency=ROUTINE,
                reason=f"{_name(history, rx.exercise_id)}: the top of the rep range in each of "
                f"the last {th.progression_sessions} sessions with pain during at most "
                f"{th.pain_safe_max}/10, settled the next morning, and {percent:.0f} % of the "
                f"planned sessions done.{support} Suggested: {suggestion.text}",
                evidence={
                    **({"outcomes": improved} if improved else {}),
                    "reps_max": rx.reps_max,
                    "sets": rx.sets,
                    "adherence_percent": round(percent, 1),
                    "adherence_threshold": th.adherence_progress_percent,
                    "pain_threshold": th.pain_safe_max,
                    "reports": [
                        {
                            "log": session_key(s),
                            "reps": [x.reps for x in e.sets],
                            "pain_during": e.pain_during,
                        }
                        for s, e in recent
                    ],
                },
                log_keys=frozenset(session_key(s) for s, _ in recent),
                exercise_id=rx.exercise_id,
                prescription_id=rx.id,
                suggestion=suggestion,
            )
        )
    return out


def withdrawal_reason(
    history: History,
    th: Thresholds,
    now: datetime,
    rule: str,
    exercise_id: int | None,
    findings: Sequence[Finding],
) -> str:
    """Why an open progression or adherence flag no longer holds on the client's current
    history, in plain words for its audit trail ("pain 6/10 during Glute bridge on 27 Nov …",
    "a referral was opened …", "adherence is back to 100 % …"). ``findings`` are the review's."""
    if rule == "AD-LOW":
        done, planned, percent = adherence(history, th, now)
        if history.program_started_on is None or percent is None:
            return "the client has no active program with planned sessions any more"
        return (
            f"adherence is back to {percent:.0f} % ({done} of {planned} planned sessions in the "
            f"last {th.adherence_window_days} days)"
        )
    if rule == "PG-READY":
        others = [f for f in undecided(history, findings) if f.kind in (REFERRAL, REGRESSION)]
        # a regression of the same exercise says it best
        others.sort(key=lambda f: f.kind != REFERRAL and f.exercise_id != exercise_id)
        held = progression_hold(history, th, now, others)
        if held is not None:
            return held
        rx = _current_prescription(history, exercise_id or 0)
        if rx is None:
            return f"{_name(history, exercise_id)} is no longer in the client's active program"
        blocked, _ = exercise_not_ready(history, th, now, rx)
        if blocked is not None:
            return blocked
    return "its rule no longer fires on the client's current history"


# --- evaluation -------------------------------------------------------------------------------

# --- outcome measures (TRIAGE_RULES.md, "Outcome measures") -----------------------------------


def outcome_change(baseline: OutcomeLog, latest: OutcomeLog) -> int:
    """+1 a meaningful improvement since the baseline, −1 a meaningful worsening, 0 neither (a
    change of exactly the instrument's meaningful amount counts)."""
    return meaningful_change(latest.better, latest.meaningful_change, baseline.score, latest.score)


def _outcome_pairs(history: History) -> list[tuple[OutcomeLog, OutcomeLog]]:
    """(baseline, latest) of each instrument answered twice or more: the baseline is the first
    answer since the program started."""
    by_instrument: dict[str, list[OutcomeLog]] = defaultdict(list)
    for answer in history.outcomes:
        by_instrument[answer.instrument].append(answer)
    return [(answers[0], answers[-1]) for answers in by_instrument.values() if len(answers) > 1]


def _outcome_text(history: History, baseline: OutcomeLog, latest: OutcomeLog) -> str:
    return (
        f"{latest.name} {baseline.score:g} on {history.day_of(baseline.answered_at):%-d %b} → "
        f"{latest.score:g} on {history.day_of(latest.answered_at):%-d %b} ({latest.better} is "
        f"better; a meaningful change is {latest.meaningful_change:g} points)"
    )


def _outcome_evidence(baseline: OutcomeLog, latest: OutcomeLog) -> dict[str, object]:
    return {
        "instrument": latest.instrument,
        "baseline": {"log": outcome_key(baseline), "score": baseline.score},
        "latest": {"log": outcome_key(latest), "score": latest.score},
        "better": latest.better,
        "meaningful_change": latest.meaningful_change,
    }


def om_decline(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """The latest answer is worse than the baseline by at least the instrument's meaningful
    change: a regression review of the program."""
    for baseline, latest in _outcome_pairs(history):
        if outcome_change(baseline, latest) < 0:
            return [
                Finding(
                    rule="OM-DECLINE",
                    kind=REGRESSION,
                    urgency=ROUTINE,
                    reason=f"Worse on a questionnaire: {_outcome_text(history, baseline, latest)}. "
                    "Review the program: make it easier where it hurts, and ask what changed.",
                    evidence=_outcome_evidence(baseline, latest),
                    log_keys=frozenset({outcome_key(baseline), outcome_key(latest)}),
                )
            ]
    return []


def om_no_change(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """No meaningful change from the baseline in an answer given 6 weeks (configurable) or more
    after it: a review flag for the trainer."""
    weeks = timedelta(weeks=th.outcome_no_change_weeks)
    for baseline, latest in _outcome_pairs(history):
        if latest.answered_at - baseline.answered_at >= weeks and not outcome_change(
            baseline, latest
        ):
            return [
                Finding(
                    rule="OM-NO-CHANGE",
                    kind=ADHERENCE,
                    urgency=ROUTINE,
                    reason=f"No meaningful change after {th.outcome_no_change_weeks} weeks or "
                    f"more: {_outcome_text(history, baseline, latest)}. Worth reviewing the "
                    "program and the goals with the client.",
                    evidence={
                        **_outcome_evidence(baseline, latest),
                        "weeks": th.outcome_no_change_weeks,
                    },
                    log_keys=frozenset({outcome_key(baseline), outcome_key(latest)}),
                )
            ]
    return []


def om_risk(history: History, th: Thresholds, now: datetime) -> list[Finding]:
    """The latest answer to an instrument with risk bands falls in its high-risk band: a
    routine referral review."""
    latest: dict[str, OutcomeLog] = {}
    for answer in history.outcomes:
        latest[answer.instrument] = answer
    for answer in latest.values():
        if answer.risk == "high":
            return [
                Finding(
                    rule="OM-RISK",
                    kind=REFERRAL,
                    urgency=ROUTINE,
                    reason=f"{answer.name} on {history.day_of(answer.answered_at):%-d %b}: "
                    f"{answer.score:g}, in its high-risk band ({answer.band}). Consider a "
                    "review by a physiotherapist or doctor.",
                    evidence={
                        "instrument": answer.instrument,
                        "log": outcome_key(answer),
                        "score": answer.score,
                        "band": answer.band,
                    },
                    log_keys=frozenset({outcome_key(answer)}),
                )
            ]
    return []


def outcome_support(history: History) -> tuple[str, list[dict[str, object]]]:
    """The meaningful improvements since the baseline, as a sentence and as evidence: named in
    a progression's reason, never a reason for one on its own."""
    better = [(b, latest) for b, latest in _outcome_pairs(history) if outcome_change(b, latest) > 0]
    if not better:
        return "", []
    text = "; ".join(_outcome_text(history, b, latest) for b, latest in better)
    return f" Supporting: better on a questionnaire: {text}.", [
        _outcome_evidence(b, latest) for b, latest in better
    ]


REFERRAL_RULES = (
    rf_emergency, rf_urgent, rf_nerve, rf_persistent, rf_sharp, rf_worsening, om_risk,
)  # fmt: skip
REGRESSION_RULES = (
    rg_pain_during,
    rg_pain_after,
    rg_next_morning,
    rg_weekly,
    rg_sharp,
    rg_form,
    rg_shortfall,
    rg_effort,
    om_decline,
)
RULE_CODES = (
    "RF-EMERGENCY",
    "RF-URGENT",
    "RF-NERVE",
    "RF-PERSISTENT",
    "RF-SHARP",
    "RF-WORSENING",
    "OM-RISK",
    "RG-PAIN-DURING",
    "RG-PAIN-AFTER",
    "RG-NEXT-MORNING",
    "RG-WEEKLY",
    "RG-SHARP",
    "RG-FORM",
    "RG-SHORTFALL",
    "RG-EFFORT",
    "OM-DECLINE",
    "PG-READY",
    "AD-LOW",
    "OM-NO-CHANGE",
)


def evaluate(history: History, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """Every finding for one client, referral first (then regression, adherence, progression),
    one per (rule, exercise). Deterministic: the same history, thresholds and time give the
    same findings in the same order."""
    findings: list[Finding] = []
    for rule in (*REFERRAL_RULES, *REGRESSION_RULES, ad_low, om_no_change):
        findings.extend(rule(history, thresholds, now))
    # a referral or regression a person already decided on holds nothing by itself (what they
    # decided still does: a referral not cleared, a regression applied within the hold)
    findings.extend(pg_ready(history, thresholds, now, undecided(history, findings)))
    unique: dict[tuple[str, int], Finding] = {}
    for finding in findings:
        unique.setdefault(finding.key, finding)
    return sorted(
        unique.values(),
        key=lambda f: (
            URGENCY_RANK[f.urgency],
            (REFERRAL, REGRESSION, ADHERENCE, PROGRESSION).index(f.kind),
            RULE_CODES.index(f.rule),
            f.exercise_id or 0,
        ),
    )
