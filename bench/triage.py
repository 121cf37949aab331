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
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import reset_sequences, write_clients, write_history
from bench._harness import ROOT, bench_env, recreate_database, setup_django

DB = "coaching_bench_triage"
WEEKS = 8
BATCH = 200


# --- the data ------------------------------------------------------------------------------------


def populate(clients: int, seed: int = 7) -> dict[str, int]:
    """10,000 clients (by default) with 8 weeks of logs behind them, written with COPY
    (``bench/_data.py``)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from coaching.accounts.services import trainer_create
    from coaching.models import Practice
    from exercises.models import Exercise

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    practice = Practice.objects.create(name="Bench practice")
    trainer = trainer_create(
        practice=practice, username="bench-trainer", password="bench-pass-1234567", email=""
    )
    start_day = (now - timedelta(weeks=WEEKS)).date()
    counts = write_clients(
        clients=clients,
        practice_id=practice.pk,
        trainer_of=lambda c: trainer.pk,
        exercises=list(Exercise.objects.published().values_list("pk", flat=True)),
        rng=rng,
        start_day=start_day,
        joined=now - timedelta(weeks=WEEKS + 1),
    )
    counts |= write_history(clients=clients, start_day=start_day, days=WEEKS * 7, now=now, rng=rng)
    reset_sequences()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


# --- (b) the nightly review ----------------------------------------------------------------------


def _review_batches(batches: list[list[int]], days_later: int) -> tuple[float, int, int, int]:
    """Review the batches in this process, ``days_later`` days from now; returns seconds, flags
    opened, flags withdrawn or marked as no longer firing, peak RSS (KB)."""
    from django.db import connection
    from django.utils import timezone

    from triage.services import review_clients

    connection.close()
    now = timezone.now() + timedelta(days=days_later)
    started = time.perf_counter()
    opened = closed = 0
    for batch in batches:
        result = review_clients(client_ids=batch, only_pending=False, now=now)
        opened += len(result.opened)
        # (getattr: the same bench runs on the code before reconciliation, for the comparison)
        closed += len(getattr(result, "withdrawn", ())) + getattr(result, "stopped", 0)
    return (
        time.perf_counter() - started,
        opened,
        closed,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def _child(batches: list[list[int]], days_later: int, queue: multiprocessing.Queue) -> None:
    setup_django(DB)
    queue.put(_review_batches(batches, days_later))


def nightly(processes: int, *, days_later: int = 0, fresh: bool = True) -> dict[str, float]:
    """The nightly review in ``processes`` processes: on no flags (``fresh``), or ``days_later``
    on the flags an earlier night left, where reconciling has open flags to compare with."""
    from django.db import connection

    from triage.models import Flag, FlagEvent
    from triage.services import active_client_ids

    if fresh:
        FlagEvent.objects.all().delete()
        Flag.objects.all().delete()
    ids = active_client_ids()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    if not fresh:  # the night finds the flags' statistics fresh, as autovacuum leaves them
        with connection.cursor() as cursor:  # after a day of reviews
            cursor.execute("ANALYZE triage_flag, triage_flagevent")
    connection.close()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(target=_child, args=(batches[k::processes], days_later, queue))
        for k in range(processes)
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
        "closed": sum(r[2] for r in results),
        "peak_rss_mb": max(r[3] for r in results) / 1024,
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
    # the next night, on the ~30,000 open flags the first left: every client's flags reconciled
    again = nightly(1, days_later=1, fresh=False)
    lat = latency(args.latency_samples)
    target = 100_000 / (15 * 60)

    print()
    print(
        "| nightly review | clients | seconds | clients/s | flags opened | flags withdrawn or "
        "no longer firing | peak RSS per process |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, r in (("", one), ("", two), (", the next night (on the open flags)", again)):
        print(
            f"| review, {r['processes']:.0f} process{'es' if r['processes'] > 1 else ''}{label} | "
            f"{r['clients']:,.0f} | {r['seconds']:.1f} | {r['clients_per_s']:.0f} | "
            f"{r['flags']:,.0f} | {r['closed']:,.0f} | {r['peak_rss_mb']:.0f} MB |"
        )
    print(
        f"| floor: one SQL aggregate pass | {base['clients']:,.0f} | {base['seconds']:.1f} | "
        f"{base['clients_per_s']:.0f} | — | — | — |"
    )
    print()
    print(
        f"ratio review (2 processes) / floor, clients/s: {two['clients_per_s'] / base['clients_per_s']:.2f}"
    )
    print(
        f"ratio review (1 process) / floor, clients/s: {one['clients_per_s'] / base['clients_per_s']:.2f}"
        f"; the next night: {again['clients_per_s'] / base['clients_per_s']:.2f}"
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
