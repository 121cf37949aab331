"""Bench data written with PostgreSQL's COPY: clients with a program of three prescriptions,
and weeks of logs behind them. Shared by bench/triage.py and bench/load.py.

Conventions: client ``c`` (1…n) has user id ``10_000 + c``, program id ``c`` and prescription ids
``3c``, ``3c + 1``, ``3c + 2``. The history's profiles: mostly calm and improving; some rising
pain, sharp pain, nerve symptoms, a red flag, or skipped sessions, so that the review opens flags
of every kind. Rows are already reviewed (the nightly review re-reads them)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

PROFILES = ["calm"] * 70 + ["rising"] * 10 + ["sharp"] * 5 + ["nerve"] * 5 + ["red"] * 3
PROFILES += ["skipper"] * 7
SESSION_WEEKDAYS = (0, 2, 4)


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    from django.db import connection

    n = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def write_clients(
    *,
    clients: int,
    practice_id: int,
    trainer_of: Callable[[int], int],
    exercises: list[int],
    rng: random.Random,
    start_day: date,
    joined: datetime,
    username: str = "client{}",
    program: str = "Bench program",
) -> dict[str, int]:
    """Users, clients, an active program each, and three prescriptions of random exercises."""
    ids = range(1, clients + 1)
    counts = {
        "users": copy_rows(
            "coaching_user",
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
             "is_staff", "is_active", "date_joined"],
            ((10_000 + c, "!", False, username.format(c), "Client", str(c), "", False, True,
              joined) for c in ids),
        ),
        "clients": copy_rows(
            "coaching_client",
            ["id", "user_id", "practice_id", "trainer_id", "notes", "created_at", "updated_at"],
            ((c, 10_000 + c, practice_id, trainer_of(c), "", joined, joined) for c in ids),
        ),
        "programs": copy_rows(
            "coaching_program",
            ["id", "client_id", "name", "starts_on", "sessions_per_week", "weekdays", "status",
             "created_at", "updated_at"],
            ((c, c, program, start_day, 3, 0, "active", joined, joined) for c in ids),
        ),
    }  # fmt: skip
    plans = {c: rng.sample(exercises, 3) for c in ids}
    counts["prescriptions"] = copy_rows(
        "coaching_prescription",
        ["id", "program_id", "exercise_id", '"order"', "sets", "reps_min", "reps_max", "tempo",
         "notes", "started_at"],
        ((c * 3 + k, c, x, k, 3, 8, 12, "", "", joined)
         for c, xs in plans.items() for k, x in enumerate(xs)),
    )  # fmt: skip
    return counts


def write_history(
    *, clients: int, start_day: date, days: int, now: datetime, rng: random.Random
) -> dict[str, int]:
    """A check-in every morning and a session three days a week (3 exercises × 3 sets) for
    each client, following a random profile."""
    sessions, entries, sets, check_ins = [], [], [], []
    sid = eid = setid = cid = 0
    for c in range(1, clients + 1):
        profile = rng.choice(PROFILES)
        base = rng.randint(1, 4)
        for day in range(days):
            when = start_day + timedelta(days=day)
            trend = day / days
            pain = base + (3 * trend if profile == "rising" else -trend)
            pain = max(0, min(10, round(pain + rng.uniform(-1, 1))))
            symptoms: list[str] = []
            if profile == "red" and day == days - 3:
                symptoms = ["saddle_numbness"]
            if profile == "nerve" and day in (days - 10, days - 2):
                symptoms = ["leg_tingling"]
            cid += 1
            check_ins.append(
                (cid, c, uuid.uuid4(), "bench", json.dumps(symptoms), "reviewed", now, now,
                 now, when, pain, min(10, pain + 1))
            )  # fmt: skip
            skipped = profile == "skipper" and rng.random() < 0.7
            if when.weekday() not in SESSION_WEEKDAYS or skipped:
                continue
            sid += 1
            performed = datetime.combine(when, datetime.min.time(), now.tzinfo) + timedelta(
                hours=18
            )
            sessions.append(
                (sid, c, c, uuid.uuid4(), "bench", json.dumps(symptoms), "reviewed", now,
                 performed, performed, performed, pain, max(0, pain - 1), "")
            )  # fmt: skip
            for k in range(3):
                eid += 1
                quality = "sharp" if profile == "sharp" and rng.random() < 0.2 else "ache"
                entries.append(
                    (eid, sid, c * 3 + k, k, pain, "lower_back" if pain else "", quality)
                )
                for n in range(1, 4):
                    setid += 1
                    reps = 12 if pain <= 2 else rng.randint(7, 12)
                    sets.append((setid, eid, n, reps, None, rng.randint(5, 8)))
    return {
        "sessions": copy_rows(
            "coaching_session",
            ["id", "client_id", "program_id", "idempotency_key", "body_digest", "symptoms",
             "review_state", "reviewed_at", "created_at", "updated_at", "performed_at",
             "pain_before", "pain_after", "notes"],
            sessions,
        ),
        "entries": copy_rows(
            "coaching_entry",
            ["id", "session_id", "prescription_id", '"order"', "pain_during", "pain_location",
             "pain_quality"],
            entries,
        ),
        "sets": copy_rows(
            "coaching_set", ["id", "entry_id", "number", "reps", "load_kg", "rpe"], sets
        ),
        "check_ins": copy_rows(
            "coaching_checkin",
            ["id", "client_id", "idempotency_key", "body_digest", "symptoms", "review_state",
             "reviewed_at", "created_at", "updated_at", "date", "pain", "stiffness"],
            check_ins,
        ),
    }  # fmt: skip


def reset_sequences() -> None:
    """After COPY with explicit ids: the tables' id sequences continue after the highest."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("user", "client", "program", "prescription", "session", "entry", "set",
                      "checkin"):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('coaching_{table}', 'id'), "
                f"(SELECT max(id) FROM coaching_{table}))"
            )
