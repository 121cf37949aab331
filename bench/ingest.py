"""Bench: POST /api/v1/sessions/ (3 exercises × 3 sets and a pain report) from concurrent
clients, beside a bare Django view that writes the same rows with raw SQL, in the same run.

    make bench-ingest      (or: .venv/bin/python bench/ingest.py)

Gunicorn (2 sync workers, as bench/catalogue.py) + PostgreSQL on this machine, production
settings. Each virtual user is its own client with its own knox token and an active program of
3 prescriptions, and sends a new Idempotency-Key with every session. The real endpoint enqueues a
review task on commit to a Redis database of the bench's own (no worker runs; it is emptied at
the start and the end). Each endpoint has its own fresh gunicorn, started with the same options;
the phases (a warm-up, then a timed run at one concurrency) alternate between the two, and the
planner statistics of the session tables are refreshed before each. Prints sessions/s, p50/p95
latency, errors, the peak resident memory of each gunicorn worker (VmHWM from /proc after the
phase), and checks that the sessions stored equal the 201 answers.
Options: --seconds, --warmup, --concurrency, --clients, --rounds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import uuid
import warnings
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# a Redis database of its own: the tasks the real endpoint enqueues are dropped at the end
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/12")

from bench._harness import (
    Request,
    Result,
    cpu_seconds,
    gunicorn_server,
    load_for,
    memory_kb,
    recreate_database,
    setup_django,
)

DB = "coaching_bench_ingest"
WSGI = "bench.ingest_wsgi:application"
WORKERS = 2
# whitenoise warns that collectstatic has not run; no static file is served here
QUIET = {"PYTHONWARNINGS": "ignore:No directory at:UserWarning"}
ENDPOINTS = (("real endpoint", "/api/v1/sessions/"), ("bare SQL view", "/bench/bare-sessions/"))


@dataclass
class Phase:
    label: str  # which endpoint
    round: int
    concurrency: int
    result: Result
    stored: int  # sessions counted in the database after the phase, less those before
    cpu: float  # CPU seconds the gunicorn workers used during the timed run
    peaks: list[float]  # VmHWM of each worker after the phase, MB

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / self.result.requests


def populate(clients: int) -> list[tuple[str, bytes]]:
    """A practice, a trainer and ``clients`` clients, each with an active program of three
    prescriptions (through the coaching services) and a knox token. Returns, per client, the token
    and the body of the session they log: every prescription, 3 sets each, a pain report."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone
    from knox.models import AuthToken

    from coaching.accounts.services import trainer_create
    from coaching.models import Client, Practice, User
    from coaching.programs.selectors import active_program
    from coaching.programs.services import PrescriptionSpec, program_create
    from exercises.models import Exercise

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    exercises = list(Exercise.objects.published().order_by("slug"))
    practice = Practice.objects.create(name="Bench practice")
    trainer = trainer_create(
        practice=practice, username="bench-trainer", password="bench-pass-" * 3
    )
    password = make_password("bench-client-pass")  # Argon2 is slow on purpose: hash once
    performed_at = (timezone.now() - timedelta(hours=1)).isoformat()
    users = []
    for i in range(clients):
        user = User.objects.create(username=f"bench-client-{i}", password=password)
        client = Client.objects.create(user=user, practice=practice, trainer=trainer)
        program_create(
            actor=trainer.user,
            client=client,
            name="Low back: foundations",
            prescriptions=[
                PrescriptionSpec(
                    exercise=exercises[(3 * i + k) % len(exercises)],
                    sets=3,
                    reps_min=8,
                    reps_max=12,
                )
                for k in range(3)
            ],
        )
        _, token = AuthToken.objects.create(user)
        program = active_program(client)
        body = {
            "performed_at": performed_at,
            "pain_before": 2,
            "pain_after": 3,
            "symptoms": [],
            "notes": "Felt fine; a little stiff on the last set.",
            "entries": [
                {
                    "prescription": p.pk,
                    "pain_during": 3,
                    "pain_location": "lower_back",
                    "pain_quality": "ache",
                    "sets": [
                        {"reps": p.reps_max - n, "load_kg": 12.5, "rpe": 6 + n} for n in range(3)
                    ],
                }
                for p in program.current
            ],
        }
        users.append((token, json.dumps(body).encode()))
    print(
        f"set up: {len(exercises)} catalogue exercises, {clients} clients, each with a program "
        f"of 3 prescriptions and a token"
    )
    return users


def requester(path: str, users: list[tuple[str, bytes]]):
    def request(user: int) -> Request:
        token, body = users[user % len(users)]
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return "POST", path, body, headers

    return request


def send(port: int, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def stored_sessions() -> int:
    from coaching.models import Session

    return Session.objects.count()


def empty_session_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # (CASCADE: what refers to sessions goes too — a message's comment on one, a flag's
        # evidence; the bench's own database)
        cursor.execute("TRUNCATE coaching_set, coaching_entry, coaching_session CASCADE")


def queries_per_request(users: list[tuple[str, bytes]]) -> dict[str, list[str]]:
    """The SQL each endpoint runs for one session, in this process (Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.ingest_wsgi  # noqa: F401  (adds the bare URL)

    found = {}
    token, body = users[0]
    for label, path in ENDPOINTS:
        with CaptureQueriesContext(connection) as captured:
            response = Client().post(
                path,
                body,
                content_type="application/json",
                headers={"Authorization": f"Token {token}", "Idempotency-Key": str(uuid.uuid4())},
                HTTP_HOST="localhost",
            )
        assert response.status_code == 201, (label, response.status_code, response.content)
        found[label] = [q["sql"] for q in captured.captured_queries]
    return found


def row_shape(pk: int) -> tuple:
    """What a stored session fills: its non-empty columns, review state, digest length, and how
    many entries and sets it has."""
    from coaching.models import Session

    session = Session.objects.prefetch_related("entries__sets").get(pk=pk)
    entries = list(session.entries.all())
    return (
        tuple(
            f.attname for f in Session._meta.concrete_fields if getattr(session, f.attname) != ""
        ),
        session.review_state,
        len(session.body_digest),
        len(entries),
        sum(len(e.sets.all()) for e in entries),
    )


def peak_mb(pids: list[int]) -> list[float]:
    return [memory_kb(pid)["VmHWM"] / 1024 for pid in pids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="timed run of each phase")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up before each phase")
    parser.add_argument("--concurrency", default="8,16", help="virtual users, comma-separated")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--rounds", type=int, default=2, help="repeat every phase; the median ratio counts"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    assert max(levels) <= args.clients, "one client per virtual user"

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    recreate_database(DB)
    setup_django(DB)
    import redis

    broker = redis.Redis.from_url(os.environ["BENCH_BROKER"])
    broker.flushdb()
    users = populate(args.clients)
    queries = queries_per_request(users)
    empty_session_tables()
    load_before = os.getloadavg()[0]

    phases: list[Phase] = []
    first: dict[str, tuple] = {}
    try:
        with ExitStack() as stack:
            servers = {
                label: stack.enter_context(
                    gunicorn_server(DB, wsgi=WSGI, workers=WORKERS, env=QUIET)
                )
                for label, _ in ENDPOINTS
            }
            requests = {label: requester(path, users) for label, path in ENDPOINTS}
            for label, _ in ENDPOINTS:
                status, answer = send(servers[label].port, requests[label](0))
                assert status == 201, (label, status, answer)
                first[label] = row_shape(_latest_session())
            # phases alternate between the two endpoints, so that the other work on this
            # machine and the growing tables weigh on both alike
            for round_ in range(args.rounds):
                for concurrency in levels:
                    for label, _ in ENDPOINTS:
                        server, request = servers[label], requests[label]
                        analyze()
                        load_for(server.port, args.warmup, concurrency=concurrency, request=request)
                        before = stored_sessions()
                        workers = server.workers()
                        cpu = sum(cpu_seconds(pid) for pid in workers)
                        result = load_for(
                            server.port, args.seconds, concurrency=concurrency, request=request
                        )
                        cpu = sum(cpu_seconds(pid) for pid in workers) - cpu
                        stored = stored_sessions() - before
                        peaks = peak_mb(workers)
                        phases.append(Phase(label, round_, concurrency, result, stored, cpu, peaks))
        queued = sum(broker.llen(k) for k in broker.scan_iter() if broker.type(k) == b"list")
    finally:
        broker.flushdb()
    report(args, levels, queries, phases, first, queued, (load_before, os.getloadavg()[0]))


def report(
    args: argparse.Namespace,
    levels: list[int],
    queries: dict[str, list[str]],
    phases: list[Phase],
    first: dict[str, tuple],
    queued: int,
    load: tuple[float, float],
) -> None:
    print(
        "\nbench/ingest.py — POST a session (3 exercises × 3 sets + pain report), one client "
        "and token per virtual user, a new Idempotency-Key per request"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, load average {load[0]:.1f} before / {load[1]:.1f} after; "
        f"gunicorn {WORKERS} sync workers per endpoint, PostgreSQL, production settings; "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s per phase; the load generator runs on "
        f"the same machine"
    )
    print(
        f"queries per request: real {len(queries['real endpoint'])}, "
        f"bare {len(queries['bare SQL view'])} (counted by Django: BEGIN and COMMIT included)"
    )
    header = (
        f"{'endpoint':15}{'conc':>5}{'requests':>10}{'sessions/s':>12}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'errors':>8}{'stored':>8}{'CPU ms/req':>12}  peak RSS per worker MB"
    )
    print(header)
    print("-" * len(header))
    for ph in phases:
        r = ph.result
        print(
            f"{ph.label:15}{ph.concurrency:5}{r.requests:10}{r.rps:12.1f}{r.p50:9.1f}"
            f"{r.pct(95):9.1f}{r.errors:8}{ph.stored:8}{ph.cpu_ms:12.1f}  "
            f"{' / '.join(f'{mb:.1f}' for mb in ph.peaks)}"
        )
    for ph in phases:
        created = ph.result.statuses.get(201, 0)
        assert ph.stored == created, f"{ph.label}: {ph.stored} stored, {created} 201 answers"
    print(
        "stored = sessions counted in the database after the phase: equal to the 201 answers "
        "in every phase (checked). CPU ms/req = user+system CPU of the gunicorn workers during "
        "the phase, per request (PostgreSQL's and the load generator's not included)"
    )
    real, bare = first.values()
    assert real == bare, first
    print(
        f"rows: both store a session (review_state={real[1]}, idempotency key, {real[2]}-char "
        f"digest, {len(real[0])} columns filled), {real[3]} entries and {real[4]} sets"
    )
    # each real phase against the bare phase run just after it, in the same conditions
    of = {(ph.label, ph.round, ph.concurrency): ph for ph in phases}
    for concurrency in levels:
        pairs = [
            (of["real endpoint", n, concurrency], of["bare SQL view", n, concurrency])
            for n in range(args.rounds)
        ]
        ratios = [real.result.rps / bare.result.rps for real, bare in pairs]
        latency = [real.result.p50 / bare.result.p50 for real, bare in pairs]
        ratio = statistics.median(ratios)
        verdict = "meets" if ratio >= 0.5 else "BELOW"
        print(
            f"ratio real/bare at {concurrency:2} connections: throughput {ratio:.2f} "
            f"({verdict} the 0.5 target; rounds: {', '.join(f'{x:.2f}' for x in ratios)}), "
            f"p50 latency {statistics.median(latency):.1f}x"
        )
    real_cpu = statistics.median(ph.cpu_ms for ph in phases if ph.label == "real endpoint")
    bare_cpu = statistics.median(ph.cpu_ms for ph in phases if ph.label == "bare SQL view")
    print(
        f"worker CPU per request (median of phases): real {real_cpu:.1f} ms, bare "
        f"{bare_cpu:.1f} ms, ratio bare/real {bare_cpu / real_cpu:.2f} (less sensitive than "
        f"sessions/s to other work on the machine)"
    )
    print(f"review tasks enqueued by the real endpoint (then dropped): {queued}")


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them on a steady table: the session tables
    grow from empty during the run, and plans made for empty tables scan whole tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE coaching_session, coaching_entry, coaching_set")


def _latest_session() -> int:
    from coaching.models import Session

    return Session.objects.order_by("-id").values_list("pk", flat=True).first()


if __name__ == "__main__":
    main()
