"""Random client histories for the property tests of the rules (``test_rules``) and of the
order of arrival (``test_order``): Hypothesis strategies over the pure ``History`` snapshots."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from coaching.journal.vocabulary import PainLocation, PainQuality, Symptom
from triage.rules import (
    CheckInLog,
    EntryLog,
    ExerciseInfo,
    History,
    PrescriptionInfo,
    SessionLog,
    SetLog,
)
from triage.tests.builders import NOW, TZ


@dataclass(frozen=True)
class Profile:
    """How a random client reports: calm (safe pain, no sharp pain, RPE at most 8, every
    prescribed set at the top of the range: candidates for progression) or anything goes;
    either kind with or without symptoms."""

    pain: st.SearchStrategy[int]
    quality: st.SearchStrategy[str]
    location: st.SearchStrategy[str]
    rpe: st.SearchStrategy[int | None]
    reps_below_top: int  # the fewest reps of a set: the top of the range minus this
    symptoms: st.SearchStrategy[frozenset[str]]


NO_SYMPTOMS = st.just(frozenset())
SOME_SYMPTOMS = st.sampled_from(
    [frozenset()] * 12
    + [frozenset({code}) for code in Symptom.values]
    + [frozenset({"leg_tingling", "fever"}), frozenset({"radiating_below_knee", "both_legs"})]
)
CALM = {
    "pain": st.integers(0, 2),
    "quality": st.sampled_from(["", "dull", "ache"]),
    "location": st.sampled_from(["", *PainLocation.values]),
    "rpe": st.sampled_from([None, 5, 6, 7, 8]),
    "reps_below_top": 0,
}
ANYTHING = {
    "pain": st.integers(0, 10),
    "quality": st.sampled_from(["", *PainQuality.values]),
    "location": st.sampled_from(["", *PainLocation.values]),
    "rpe": st.sampled_from([None, *range(1, 11)]),
    "reps_below_top": 3,
}
PROFILES = st.sampled_from(
    [
        Profile(**kind, symptoms=symptoms)  # type: ignore[arg-type]
        for kind in (CALM, ANYTHING)
        for symptoms in (NO_SYMPTOMS, SOME_SYMPTOMS)
    ]
)
EXERCISE_IDS = (1, 2, 3)
SESSION_EXERCISES = st.lists(st.sampled_from(EXERCISE_IDS), min_size=1, max_size=3, unique=True)
MINUTES_IN_28_DAYS = st.integers(0, 28 * 24 * 60)
SESSIONS_PER_WEEK = st.sampled_from([None, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7])  # often reachable
REPS = {
    (top, below): st.integers(max(0, top - below), top + 2)
    for top in range(1, 17)
    for below in (0, 3)
}


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, datetime]:
    """A client's last 28 days at random: 0–12 sessions of 1–3 exercises of 1–3 sets, check-ins
    on random days, symptoms, catalogue edges, prescriptions, a program and earlier flags."""
    p = draw(PROFILES)
    now = NOW + timedelta(hours=draw(st.integers(0, 23)))
    ids = itertools.count(1)
    exercises = {}
    for xid in range(1, draw(st.integers(0, 2)) + 1):
        exercises[xid] = ExerciseInfo(
            id=xid,
            name=f"Exercise {xid}",
            targets_lower_back=draw(st.booleans()),
            harder=draw(st.sampled_from([(), (10 + xid,), (10 + xid, 20 + xid)])),
            easier=draw(st.sampled_from([(), (30 + xid,)])),
        )
    prescriptions = {}
    for xid in EXERCISE_IDS:
        if draw(st.integers(0, 3)):
            low = draw(st.integers(1, 12))
            prescriptions[xid] = PrescriptionInfo(
                id=xid,
                exercise_id=xid,
                sets=draw(st.integers(1, 3)),
                reps_min=low,
                reps_max=low + draw(st.integers(0, 4)),
                load_kg=draw(st.sampled_from([None, None, Decimal("4"), Decimal("22.5")])),
                hold_seconds=draw(st.sampled_from([None, None, 30])),
                current=draw(st.integers(0, 4)) > 0,
            )
    sessions = []
    for _ in range(draw(st.integers(0, 12))):
        entries = []
        for xid in draw(SESSION_EXERCISES):
            rx = prescriptions.get(xid)
            top, fewest_sets = (rx.reps_max, rx.sets) if rx else (12, 1)
            if p.reps_below_top:
                fewest_sets = 1
            reps, rpe = REPS[top, p.reps_below_top], draw(p.rpe)
            entries.append(
                EntryLog(
                    id=next(ids),
                    prescription_id=xid,
                    exercise_id=xid,
                    pain_during=draw(p.pain),
                    sets=tuple(
                        SetLog(reps=draw(reps), rpe=rpe)
                        for _ in range(draw(st.integers(fewest_sets, 3)))
                    ),
                    pain_location=draw(p.location),
                    pain_quality=draw(p.quality),
                )
            )
        sessions.append(
            SessionLog(
                id=next(ids),
                performed_at=now - timedelta(minutes=draw(MINUTES_IN_28_DAYS)),
                pain_before=draw(p.pain),
                pain_after=draw(p.pain),
                entries=tuple(entries),
                symptoms=draw(p.symptoms),
            )
        )
    today = now.date()
    check_ins = [
        CheckInLog(
            id=next(ids),
            date=today - timedelta(days=draw(st.integers(0, 27))),
            pain=draw(p.pain),
            stiffness=draw(p.pain),
            symptoms=draw(p.symptoms),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    started = draw(st.one_of(st.none(), st.integers(0, 60)))
    history = History(
        client_id=1,
        tz=TZ,
        sessions=tuple(sorted(sessions, key=lambda s: (s.performed_at, s.id))),
        check_ins=tuple(sorted(check_ins, key=lambda c: (c.date, c.id))),
        prescriptions=prescriptions,
        exercises=exercises,
        sessions_per_week=draw(SESSIONS_PER_WEEK),
        program_started_on=None if started is None else today - timedelta(days=started),
        referral_hold=draw(st.integers(0, 3)) == 0,
        recent_regressions=tuple(
            (draw(st.sampled_from(EXERCISE_IDS)), now - timedelta(days=draw(st.integers(0, 30))))
            for _ in range(draw(st.integers(0, 2)) // 2)
        ),
    )
    return history, now
