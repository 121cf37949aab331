"""Bench: the triage review.

(a) commit-to-flag latency: red-flag sessions logged through the service while a real Celery
    worker (prefork, 2 processes) consumes from Redis; the latency is the flag's ``created_at``
    minus the session's ``created_at`` (both written by PostgreSQL's clients on one machine).
(b) the nightly review of 10,000 clients with 8 weeks of history (3 sessions a week of 3
    exercises × 3 sets, a check-in every morning: about 240,000 sessions, 2.2 million sets,
    560,000 check-ins), in one process and in two, beside a single SQL aggregate pass over the
    same rows in the same run (the floor: it reads every row once and decides nothing).

    .venv/bin/python bench/triage.py [--clients 10000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, bench_env, recreate_database, setup_django

DB = "coaching_bench_triage"
WEEKS = 8
BATCH = 200


# --- the data ------------------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows: object) -> int:
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:  # type: ignore[attr-defined]
                copy.write_row(row)
                n += 1
    return n


def populate(clients: int, seed: int = 7) -> dict[str, int]:
    """Clients with 8 weeks of logs, written with COPY. Most are calm and improving; some have
    rising pain, sharp pain, nerve symptoms, a red flag, or skip sessions, so that every kind of
    rule has work to do."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from coaching.models import Practice
    from coaching.services import trainer_create
    from exercises.models import Exercise

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    practice = Practice.objects.create(name="Bench practice")
    trainer = trainer_create(
        practice=practice, username="bench-trainer", password="bench-pass-1234567", email=""
    )
    exercises = list(Exercise.objects.published().values_list("pk", flat=True))
    start_day = (now - timedelta(weeks=WEEKS)).date()
    joined = now - timedelta(weeks=WEEKS + 1)
    counts: dict[str, int] = {}

    counts["users"] = _copy(
        "coaching_user",
        ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined"],
        ((10_000 + i, "!", False, f"client{i}", "Client", str(i), "", False, True, joined)
         for i in range(clients)),
    )  # fmt: skip
    counts["clients"] = _copy(
        "coaching_client",
        ["id", "user_id", "practice_id", "trainer_id", "notes", "created_at", "updated_at"],
        ((i + 1, 10_000 + i, practice.pk, trainer.pk, "", joined, joined) for i in range(clients)),
    )
    counts["programs"] = _copy(
        "coaching_program",
        ["id", "client_id", "name", "starts_on", "sessions_per_week", "status", "created_at",
         "updated_at"],
        ((i + 1, i + 1, "Bench program", start_day, 3, "active", joined, joined)
         for i in range(clients)),
    )  # fmt: skip
    plans = {i + 1: rng.sample(exercises, 3) for i in range(clients)}
    counts["prescriptions"] = _copy(
        "coaching_prescription",
        ["id", "program_id", "exercise_id", '"order"', "sets", "reps_min", "reps_max", "tempo",
         "notes", "started_at"],
        ((c * 3 + k, c, x, k, 3, 8, 12, "", "", joined)
         for c, xs in plans.items() for k, x in enumerate(xs)),
    )  # fmt: skip

    profiles = ["calm"] * 70 + ["rising"] * 10 + ["sharp"] * 5 + ["nerve"] * 5 + ["red"] * 3
    profiles += ["skipper"] * 7
    sessions, entries, sets, check_ins = [], [], [], []
    sid = eid = setid = cid = 0
    for c in range(1, clients + 1):
        profile = rng.choice(profiles)
        base = rng.randint(1, 4)
        for day in range(WEEKS * 7):
            when = start_day + timedelta(days=day)
            trend = day / (WEEKS * 7)
            pain = base + (3 * trend if profile == "rising" else -trend)
            pain = max(0, min(10, round(pain + rng.uniform(-1, 1))))
            symptoms: list[str] = []
            if profile == "red" and day == WEEKS * 7 - 3:
                symptoms = ["saddle_numbness"]
            if profile == "nerve" and day in (WEEKS * 7 - 10, WEEKS * 7 - 2):
                symptoms = ["leg_tingling"]
            cid += 1
            check_ins.append(
                (cid, c, uuid.uuid4(), "bench", json.dumps(symptoms), "reviewed", now, now,
                 now, when, pain, min(10, pain + 1))
            )  # fmt: skip
            if when.weekday() not in (0, 2, 4) or (profile == "skipper" and rng.random() < 0.7):
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
    counts["sessions"] = _copy(
        "coaching_session",
        ["id", "client_id", "program_id", "idempotency_key", "body_digest", "symptoms",
         "review_state", "reviewed_at", "created_at", "updated_at", "performed_at",
         "pain_before", "pain_after", "notes"],
        sessions,
    )  # fmt: skip
    counts["entries"] = _copy(
        "coaching_entry",
        ["id", "session_id", "prescription_id", '"order"', "pain_during", "pain_location",
         "pain_quality"],
        entries,
    )  # fmt: skip
    counts["sets"] = _copy(
        "coaching_set", ["id", "entry_id", "number", "reps", "load_kg", "rpe"], sets
    )
    counts["check_ins"] = _copy(
        "coaching_checkin",
        ["id", "client_id", "idempotency_key", "body_digest", "symptoms", "review_state",
         "reviewed_at", "created_at", "updated_at", "date", "pain", "stiffness"],
        check_ins,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for table in ("user", "client", "program", "prescription", "session", "entry", "set",
                      "checkin"):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('coaching_{table}', 'id'), "
                f"(SELECT max(id) FROM coaching_{table}))"
            )
        cursor.execute("VACUUM ANALYZE")
    return counts


# --- (b) the nightly review ----------------------------------------------------------------------


def _review_batches(batches: list[list[int]]) -> tuple[float, int, int]:
    """Review the batches in this process; returns seconds, flags opened, peak RSS (KB)."""
    from django.db import connection

    from triage.services import review_clients

    connection.close()
    started = time.perf_counter()
    opened = 0
    for batch in batches:
        opened += len(review_clients(client_ids=batch, only_pending=False).opened)
    return (
        time.perf_counter() - started,
        opened,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def _child(batches: list[list[int]], queue: multiprocessing.Queue) -> None:
    setup_django(DB)
    queue.put(_review_batches(batches))


def nightly(processes: int) -> dict[str, float]:
    from django.db import connection

    from triage.models import Flag, FlagEvent
    from triage.services import active_client_ids

    FlagEvent.objects.all().delete()
    Flag.objects.all().delete()
    ids = active_client_ids()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    connection.close()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(target=_child, args=(batches[k::processes], queue)) for k in range(processes)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    return {
        "processes": processes,
        "clients": len(ids),
        "seconds": wall,
        "clients_per_s": len(ids) / wall,
        "flags": sum(r[1] for r in results),
        "peak_rss_mb": max(r[2] for r in results) / 1024,
    }


FLOOR_SQL = """
WITH s AS (
    SELECT s.client_id, s.id, s.performed_at, s.pain_before, s.pain_after, s.symptoms
    FROM coaching_session s WHERE s.performed_at > now() - interval '56 days'
), e AS (
    SELECT s.client_id, s.performed_at, e.pain_during, e.pain_quality, e.pain_location,
           min(st.reps) AS fewest, max(st.rpe) AS effort
    FROM s JOIN coaching_entry e ON e.session_id = s.id JOIN coaching_set st ON st.entry_id = e.id
    GROUP BY s.client_id, s.performed_at, e.id
), c AS (
    SELECT client_id, max(pain) FILTER (WHERE date > current_date - 14) AS rest_pain,
           bool_or(symptoms ?| array['saddle_numbness','bladder_bowel_change','both_legs',
                   'progressive_weakness','leg_weakness','fever','weight_loss','night_pain',
                   'trauma']) AS red
    FROM coaching_checkin WHERE date > current_date - 56 GROUP BY client_id
)
SELECT e.client_id,
       count(*) FILTER (WHERE e.performed_at > now() - interval '14 days') / 3 AS sessions_14d,
       avg(e.pain_during) FILTER (WHERE e.performed_at > now() - interval '7 days') AS week0,
       avg(e.pain_during) FILTER (WHERE e.performed_at <= now() - interval '7 days'
                                  AND e.performed_at > now() - interval '14 days') AS week1,
       avg(e.pain_during) FILTER (WHERE e.performed_at <= now() - interval '14 days'
                                  AND e.performed_at > now() - interval '21 days') AS week2,
       max(e.pain_during), bool_or(e.pain_quality IN ('sharp','shooting')),
       min(e.fewest), max(e.effort), max(c.rest_pain), bool_or(c.red)
FROM e LEFT JOIN c ON c.client_id = e.client_id
GROUP BY e.client_id
"""


def floor() -> dict[str, float]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    return {"clients": len(rows), "seconds": seconds, "clients_per_s": len(rows) / seconds}


# --- (a) commit-to-flag latency ------------------------------------------------------------------


def latency(samples: int) -> dict[str, float]:
    from django.db.models import Min

    from coaching.models import Client, Session
    from coaching.tests.factories import log_session
    from triage.models import Flag

    env = bench_env(DB)
    env["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13")
    from config.celery import app

    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
         "--concurrency=2", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(6)  # the worker starts
        clients = list(Client.objects.order_by("pk")[:samples])
        logged = []
        for client in clients:
            logged.append(log_session(client, symptoms=["saddle_numbness"], pain=3))
            time.sleep(0.05)  # about 20 sessions a second
        deadline = time.time() + 120
        ids = [c.pk for c in clients]
        while time.time() < deadline:
            done = Flag.objects.filter(client_id__in=ids, rule="RF-EMERGENCY", status="open")
            if done.values("client_id").distinct().count() == len(ids):
                break
            time.sleep(0.5)
        first = dict(
            Flag.objects.filter(client_id__in=ids, rule="RF-EMERGENCY")
            .values_list("client_id")
            .annotate(at=Min("created_at"))
        )
        waits = []
        for session in logged:
            created = Session.objects.get(pk=session.pk).created_at
            if session.client_id in first:
                waits.append((first[session.client_id] - created).total_seconds() * 1000)
        waits.sort()
        return {
            "samples": len(waits),
            "p50_ms": statistics.median(waits),
            "p95_ms": waits[int(0.95 * (len(waits) - 1))],
            "max_ms": waits[-1],
        }
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--latency-samples", type=int, default=200)
    args = parser.parse_args()
    recreate_database(DB)
    setup_django(DB)
    started = time.perf_counter()
    counts = populate(args.clients)
    print(f"data: {counts} in {time.perf_counter() - started:.0f} s")

    base = floor()
    one = nightly(1)
    two = nightly(2)
    lat = latency(args.latency_samples)
    target = 100_000 / (15 * 60)

    print()
    print(
        "| nightly review | clients | seconds | clients/s | flags opened | peak RSS per process |"
    )
    print("|---|---|---|---|---|---|")
    for r in (one, two):
        print(
            f"| review, {r['processes']:.0f} process{'es' if r['processes'] > 1 else ''} | "
            f"{r['clients']:,.0f} | {r['seconds']:.1f} | {r['clients_per_s']:.0f} | "
            f"{r['flags']:,.0f} | {r['peak_rss_mb']:.0f} MB |"
        )
    print(
        f"| floor: one SQL aggregate pass | {base['clients']:,.0f} | {base['seconds']:.1f} | "
        f"{base['clients_per_s']:.0f} | — | — |"
    )
    print()
    print(
        f"ratio review (2 processes) / floor, clients/s: {two['clients_per_s'] / base['clients_per_s']:.2f}"
    )
    print(
        f"100,000 clients: {100_000 / one['clients_per_s'] / 60:.1f} min with 1 process, "
        f"{100_000 / two['clients_per_s'] / 60:.1f} min with 2 (target 15 min: "
        f"{target:.0f} clients/s)"
    )
    print()
    print(
        f"commit-to-flag, {lat['samples']:.0f} red-flag sessions at ~20/s, 2 worker processes: "
        f"p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms, max {lat['max_ms']:.0f} ms"
    )
    print(f"machine: {os.cpu_count()} cores; {date.today()}")


if __name__ == "__main__":
    main()
