"""The data of ``bench/load.py``: a practice, its trainers and clients with four weeks of history,
written with COPY and reviewed once; a knox token for everyone."""

from __future__ import annotations

import os
import random
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/10")  # this bench's own database

from bench._data import reset_sequences, write_clients, write_history

DB = "coaching_bench_load"
WEB_WORKERS, WEB_THREADS = 2, 2
CELERY_WORKERS = 2
HISTORY_WEEKS = 4
# as the Procfile's worker line, one pool process each
WORKER_ARGS = ["worker", "--pool=prefork", "--concurrency=1", "--max-tasks-per-child=1000",
               "--loglevel=INFO", "--without-mingle", "--without-gossip"]  # fmt: skip
QUEUE = "celery"  # Celery's default queue: the Redis list the tasks wait in
STACK_ENV = {
    "TRIAGE_SWEEP_EVERY_SECONDS": "10",
    "TRIAGE_SWEEP_AFTER_SECONDS": "10",
    "EMAIL_URL": "dummymail://",  # (trainers have no email address anyway)
    # whitenoise warns that collectstatic has not run; no static file is served here
    "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
}

SESSIONS = "POST /api/v1/sessions/"
CHECK_INS = "POST /api/v1/check-ins/"
MY_SESSIONS = "GET /api/v1/sessions/?page_size=20"
MY_PROGRAM = "GET /api/v1/me/program/"
FLAGS = "GET /api/v1/flags/?status=open"
CLIENTS = "GET /api/v1/clients/?page_size=50"
CLIENT_SESSIONS = "GET /api/v1/clients/{id}/sessions/"
DISMISS = "POST /api/v1/flags/{id}/dismiss/"
CLIENT_MIX = {SESSIONS: 30, CHECK_INS: 25, MY_SESSIONS: 20, MY_PROGRAM: 25}
TRAINER_MIX = {FLAGS: 35, CLIENTS: 30, CLIENT_SESSIONS: 30, DISMISS: 5}
ENDPOINTS = [*CLIENT_MIX, *TRAINER_MIX]


# --- the data ------------------------------------------------------------------------------------


@dataclass
class World:
    client_ids: list[int]
    client_tokens: list[str]
    prescriptions: list[list[int]]  # per client: the current prescription ids, in order
    trainer_tokens: list[str]
    trainer_clients: list[list[int]]  # per trainer: the client ids it sees
    today: str  # the practice's local date, for check-ins
    flags_open: Counter[str]  # by urgency, after the first review


def populate(trainers: int, per_trainer: int, seed: int) -> World:
    """Trainers through the coaching services; clients, programs and history with COPY (as
    bench/triage.py); one review of every client; a knox token for everyone."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from knox.models import AuthToken

    from coaching.accounts.services import trainer_create
    from coaching.models import Practice, User
    from exercises.models import Exercise
    from triage.models import Flag
    from triage.services import review_clients

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    practice = Practice.objects.create(name="Bench practice")
    staff = [
        trainer_create(
            practice=practice,
            username=f"load-trainer-{t}",
            password="bench-pass-1234567",
            is_practice_admin=t == 0,
        )
        for t in range(trainers)
    ]
    exercises = list(Exercise.objects.published().values_list("pk", flat=True))
    clients = trainers * per_trainer
    # client id -> its trainer
    owner = {c: staff[(c - 1) // per_trainer] for c in range(1, clients + 1)}
    start_day = (now - timedelta(weeks=HISTORY_WEEKS)).date()
    joined = now - timedelta(weeks=HISTORY_WEEKS + 1)

    counts = write_clients(
        clients=clients,
        practice_id=practice.pk,
        trainer_of=lambda c: owner[c].pk,
        exercises=exercises,
        rng=rng,
        start_day=start_day,
        joined=joined,
        username="load-client-{}",
        program="Low back: foundations",
    )
    counts |= write_history(
        clients=clients, start_day=start_day, days=HISTORY_WEEKS * 7, now=now, rng=rng
    )
    reset_sequences()
    ids = list(range(1, clients + 1))
    for i in range(0, clients, 200):
        review_clients(client_ids=ids[i : i + 200], only_pending=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    users = {u.pk: u for u in User.objects.filter(pk__gte=10_000)}
    client_tokens = [AuthToken.objects.create(users[10_000 + c])[1] for c in ids]
    trainer_tokens = [AuthToken.objects.create(t.user)[1] for t in staff]
    trainer_clients = [
        ids if t.is_practice_admin else [c for c in ids if owner[c] == t] for t in staff
    ]
    flags_open = Counter(
        Flag.objects.filter(status=Flag.Status.OPEN).values_list("urgency", flat=True)
    )
    print(
        f"set up: {len(exercises)} catalogue exercises; {trainers} trainers (1 practice admin) "
        f"× {per_trainer} clients, each with a program of 3 prescriptions; history of "
        f"{HISTORY_WEEKS} weeks: {counts['sessions']:,} sessions, {counts['sets']:,} sets, "
        f"{counts['check_ins']:,} check-ins; open flags after one review: {sum(flags_open.values())} "
        f"({', '.join(f'{n} {u}' for u, n in sorted(flags_open.items()))})"
    )
    return World(
        client_ids=ids,
        client_tokens=client_tokens,
        prescriptions=[[c * 3 + k for k in range(3)] for c in ids],
        trainer_tokens=trainer_tokens,
        trainer_clients=trainer_clients,
        today=timezone.localdate().isoformat(),
        flags_open=flags_open,
    )
