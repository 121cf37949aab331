"""Bench: a mixed workload against the whole stack for a few minutes.

    make bench-load        (or: .venv/bin/python bench/load.py [--seconds 180] [--users 16])

gunicorn (2 workers × 2 threads: gthread, as the Procfile runs it) + PostgreSQL + Redis (database
10 as the broker) + two Celery worker processes (two ``worker --pool=prefork --concurrency=1``,
``--max-tasks-per-child=1000`` as in the Procfile) + Celery beat, the sweeper every 10 s for logs
pending more than 10 s; production settings, everything on this machine (the load generator too).

Data: a practice, 10 trainers (the first is the practice admin, who sees every client) with 50
clients each, each client with an active program of 3 prescriptions and 4 weeks of history
(sessions Mon/Wed/Fri, a check-in every morning; some clients with rising or sharp pain, nerve
symptoms or a red flag), written with COPY and reviewed once, so the flag queues have content.
Every user has a knox token.

Workload: ``--users`` virtual users (default 16), each on its own keep-alive connection with
0–``--think-ms`` ms (default 200) of think time between requests. 70 % are clients: each request
is for a random client — POST /api/v1/sessions/ (the whole program, 3 sets each, pain varied, a
new Idempotency-Key, 1 % with a red-flag symptom and 4 % with a nerve symptom), POST
/api/v1/check-ins/, GET /api/v1/sessions/?page_size=20, GET /api/v1/me/program/. 30 % are
trainers: a random trainer each time — GET /api/v1/flags/?status=open, GET
/api/v1/clients/?page_size=50, GET /api/v1/clients/{id}/sessions/ and, now and then, POST
/api/v1/flags/{id}/dismiss/ with a reason (a flag from that trainer's last queue that no other
virtual user has picked).

Reports per endpoint: requests, req/s, p50/p95/p99 latency, errors (status >= 400 or no answer)
and error rate; overall throughput; CPU used by each kind of process; peak RSS (VmHWM, sampled
every second from /proc) of the gunicorn workers and the Celery processes; the broker queue and
the pending logs at their highest. Then it stops sending, waits (up to ``--drain-timeout``) until
no log of the run is pending review, and checks sessions sent (201 answers) = sessions stored
(rows created during the run, with exactly the keys answered) = sessions reviewed; the same for
check-ins. Cleans up every process it started (also on Ctrl-C); leaves the database for
inspection and empties its Redis database.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import shlex
import signal
import sys
import tempfile
import threading
import time
import uuid
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/10")  # this bench's own database

from bench._harness import (
    bench_env,
    gunicorn_server,
    recreate_database,
    setup_django,
)
from bench._load_data import (
    CELERY_WORKERS,
    CHECK_INS,
    CLIENT_MIX,
    CLIENT_SESSIONS,
    CLIENTS,
    DB,
    DISMISS,
    ENDPOINTS,
    FLAGS,
    MY_PROGRAM,
    MY_SESSIONS,
    SESSIONS,
    STACK_ENV,
    TRAINER_MIX,
    WEB_THREADS,
    WEB_WORKERS,
    World,
    populate,
)
from bench._load_report import Stats, report
from bench._stack import (
    Watch,
    celery_processes,
    machine_cpu,
    pending,
    postgres_cpu,
    sample_peaks,
    task_counts,
    tree_cpu,
    watch,
)

# --- the load ------------------------------------------------------------------------------------


class Connection:
    """One virtual user's keep-alive connection. A request on a reused connection that the
    server had already closed (no answer at all) is sent once more on a new connection, as a
    device would, with the same Idempotency-Key."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.resent = 0

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, http.client.HTTPResponse | None]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.used = False
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                self.used = True
                if response.will_close:
                    self.close()
                return response.status, data, response
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                stale = self.used
                self.close()
                if attempt == 0 and stale:
                    self.resent += 1
                    continue
                return 0, repr(exc).encode(), None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return 0, repr(exc).encode(), None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


@dataclass
class Load:
    """What the virtual users did, shared between their threads (under ``lock``)."""

    stats: dict[str, Stats] = field(default_factory=lambda: {e: Stats() for e in ENDPOINTS})
    session_keys: set[str] = field(default_factory=set)  # keys answered 201
    check_in_keys: set[str] = field(default_factory=set)
    replayed: int = 0  # 201 answers with Idempotent-Replayed (a resent request)
    resent: int = 0
    claimed: set[int] = field(default_factory=set)  # flags some virtual user chose to dismiss
    queues: dict[int, list[int]] = field(default_factory=dict)  # trainer -> open flags seen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float, status: int, body: bytes) -> None:
        with self.lock:
            stats = self.stats[endpoint]
            stats.latencies.append(seconds)
            stats.statuses[status] += 1
            if (status == 0 or status >= 400) and len(stats.samples) < 3:
                stats.samples.append(f"{status}: {body[:300].decode(errors='replace')}")


def session_body(rng: random.Random, prescriptions: list[int]) -> dict:
    """As coaching/tests/factories.py ``session_body``: every current prescription, 3 sets;
    pain 0–8 (mostly low), 1 % with a red-flag symptom, 4 % with a nerve symptom."""
    pain = rng.choices(range(9), weights=[10, 15, 18, 16, 12, 10, 8, 6, 5])[0]
    draw = rng.random()
    symptoms = ["saddle_numbness"] if draw < 0.01 else ["leg_tingling"] if draw < 0.05 else []
    performed = datetime.now(UTC) - timedelta(minutes=rng.randint(0, 180))
    entries = []
    for p in prescriptions:
        during = max(0, min(10, pain + rng.randint(-1, 1)))
        entries.append(
            {
                "prescription": p,
                "pain_during": during,
                "pain_location": "lower_back" if during else "",
                "pain_quality": ("sharp" if rng.random() < 0.05 else "ache") if during else "",
                "sets": [
                    {"reps": rng.randint(8, 12), "load_kg": 10, "rpe": rng.randint(5, 8)}
                    for _ in range(3)
                ],
            }
        )
    return {
        "performed_at": performed.isoformat(),
        "pain_before": pain,
        "pain_after": max(0, min(10, pain + rng.randint(-1, 1))),
        "symptoms": symptoms,
        "notes": "",
        "entries": entries,
    }


def check_in_body(rng: random.Random, today: str) -> dict:
    pain = rng.choices(range(8), weights=[12, 18, 20, 16, 12, 10, 7, 5])[0]
    draw = rng.random()
    symptoms = ["night_pain"] if draw < 0.02 else ["leg_tingling"] if draw < 0.05 else []
    return {"date": today, "pain": pain, "stiffness": min(10, pain + 1), "symptoms": symptoms}


@dataclass
class Run:
    """What every virtual user shares: the server, the data, the deadline, the think time."""

    port: int
    world: World
    load: Load
    deadline: float
    think: float  # seconds, at most
    seed: int
    stop: threading.Event  # set on Ctrl-C or an error: the virtual users stop at once


def client_user(vu: int, run: Run) -> None:
    world, load, think, deadline = run.world, run.load, run.think, run.deadline
    rng = random.Random(run.seed * 1000 + vu)
    conn = Connection(run.port)
    endpoints, weights = list(CLIENT_MIX), list(CLIENT_MIX.values())
    while time.perf_counter() < deadline and not run.stop.is_set():
        i = rng.randrange(len(world.client_ids))
        headers = {"Authorization": f"Token {world.client_tokens[i]}", "Accept": "application/json"}
        endpoint = rng.choices(endpoints, weights)[0]
        body = None
        key = ""
        if endpoint in (SESSIONS, CHECK_INS):
            key = str(uuid.uuid4())
            headers |= {"Content-Type": "application/json", "Idempotency-Key": key}
            payload = (
                session_body(rng, world.prescriptions[i])
                if endpoint == SESSIONS
                else check_in_body(rng, world.today)
            )
            body = json.dumps(payload).encode()
        method, path = endpoint.split(" ", 1)
        started = time.perf_counter()
        status, data, response = conn.send(method, path, body, headers)
        load.record(endpoint, time.perf_counter() - started, status, data)
        if status == 201:
            with load.lock:
                (load.session_keys if endpoint == SESSIONS else load.check_in_keys).add(key)
                if response is not None and response.getheader("Idempotent-Replayed"):
                    load.replayed += 1
        time.sleep(rng.uniform(0, think))
    conn.close()
    with load.lock:
        load.resent += conn.resent


def trainer_user(vu: int, run: Run) -> None:
    world, load, think, deadline = run.world, run.load, run.think, run.deadline
    rng = random.Random(run.seed * 1000 + 500 + vu)
    conn = Connection(run.port)
    endpoints, weights = list(TRAINER_MIX), list(TRAINER_MIX.values())
    while time.perf_counter() < deadline and not run.stop.is_set():
        t = rng.randrange(len(world.trainer_tokens))
        headers = {
            "Authorization": f"Token {world.trainer_tokens[t]}",
            "Accept": "application/json",
        }
        endpoint = rng.choices(endpoints, weights)[0]
        body = None
        path = endpoint.split(" ", 1)[1]
        if endpoint == DISMISS:
            with load.lock:
                free = [f for f in load.queues.get(t, []) if f not in load.claimed]
                flag = rng.choice(free) if free else None
                if flag is not None:
                    load.claimed.add(flag)
            if flag is None:  # nothing seen to dismiss yet: read the queue instead
                endpoint, path = FLAGS, FLAGS.split(" ", 1)[1]
            else:
                path = path.format(id=flag)
                body = json.dumps({"reason": "Seen in clinic today; not needed."}).encode()
                headers["Content-Type"] = "application/json"
        elif endpoint == CLIENT_SESSIONS:
            path = path.format(id=rng.choice(world.trainer_clients[t]))
        method = endpoint.split(" ", 1)[0]
        started = time.perf_counter()
        status, data, _ = conn.send(method, path, body, headers)
        load.record(endpoint, time.perf_counter() - started, status, data)
        if endpoint == FLAGS and status == 200:
            ids = [f["id"] for f in json.loads(data)["results"] if f["status"] == "open"]
            with load.lock:
                load.queues[t] = ids
        time.sleep(rng.uniform(0, think))
    conn.close()
    with load.lock:
        load.resent += conn.resent


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="how long the load runs")
    parser.add_argument("--users", type=int, default=16, help="concurrent virtual users")
    parser.add_argument("--client-share", type=float, default=0.7, help="of the virtual users")
    parser.add_argument("--think-ms", type=float, default=200, help="think time: 0 to this")
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--trainers", type=int, default=10)
    parser.add_argument("--clients-per-trainer", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    client_vus = round(args.users * args.client_share)
    trainer_vus = args.users - client_vus

    load_before = os.getloadavg()
    print(f"command: {shlex.join(sys.orig_argv)}  (in {Path.cwd()})")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GB, python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; load average "
        f"before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} (1/5/15 min); "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(
        f"stack: gunicorn {WEB_WORKERS} workers × {WEB_THREADS} threads (gthread), PostgreSQL, "
        f"Redis db {os.environ['BENCH_BROKER'].rsplit('/', 1)[1]} (broker), "
        f"{CELERY_WORKERS} Celery workers (prefork, 1 process each), beat (sweeper every 10 s "
        f"for logs pending > 10 s); production settings; load generator on the same machine"
    )
    print(
        f"workload: {args.seconds:g} s, {args.users} virtual users ({client_vus} clients, "
        f"{trainer_vus} trainers), think time 0–{args.think_ms:g} ms, keep-alive connections; "
        f"clients {mix(CLIENT_MIX)}; trainers {mix(TRAINER_MIX)}"
    )
    sys.stdout.flush()

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C: every process started is stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    recreate_database(DB)
    setup_django(DB)
    import redis

    from coaching.models import CheckIn, Session
    from triage.models import Flag, FlagEvent

    broker = redis.Redis.from_url(os.environ["BENCH_BROKER"])
    broker.flushdb()
    started = time.perf_counter()
    world = populate(args.trainers, args.clients_per_trainer, args.seed)
    print(f"set up in {time.perf_counter() - started:.0f} s")
    sys.stdout.flush()

    env = {**bench_env(DB), **STACK_ENV}
    # keep the nightly review and the digest (crontab) far from this run
    from django.utils import timezone

    away = str((timezone.localtime().hour + 12) % 24)
    env |= {"TRIAGE_NIGHTLY_HOUR": away, "TRIAGE_DIGEST_HOUR": away}
    load = Load()
    w = Watch()
    try:
        with ExitStack() as stack:
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
            env["CELERY_BEAT_SCHEDULE_FILENAME"] = str(logs / "beat-schedule")
            celery = stack.enter_context(celery_processes(env, logs))
            server = stack.enter_context(
                gunicorn_server(DB, workers=WEB_WORKERS, threads=WEB_THREADS, env=STACK_ENV)
            )
            warm_up(server.port, world)
            base = (max_id(Session), max_id(CheckIn))
            flags_base = (max_id(Flag), max_id(FlagEvent))
            roles = {
                "gunicorn worker": server.workers,
                "celery pool process": celery.pool,
                "celery worker main": lambda: [p.pid for p in celery.workers],
                "celery beat": lambda: [celery.beat.pid],
            }
            watcher = threading.Thread(target=watch, args=(w, roles, broker, base), daemon=True)
            watcher.start()

            trees = {
                "gunicorn (2 workers)": [server.pid],
                f"Celery ({CELERY_WORKERS} workers + beat)": [
                    *(p.pid for p in celery.workers),
                    celery.beat.pid,
                ],
            }
            cpu0 = {k: sum(tree_cpu(p) for p in v) for k, v in trees.items()}
            postgres0 = postgres_cpu()
            machine0 = machine_cpu()
            self0 = os.times()
            run_started = time.perf_counter()
            deadline = run_started + args.seconds
            think = args.think_ms / 1000
            run = Run(server.port, world, load, deadline, think, args.seed, w.stop)
            threads = [
                threading.Thread(target=client_user, args=(n, run), daemon=True)
                for n in range(client_vus)
            ] + [
                threading.Thread(target=trainer_user, args=(n, run), daemon=True)
                for n in range(trainer_vus)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - run_started
            cpu = {k: sum(tree_cpu(p) for p in v) - cpu0[k] for k, v in trees.items()}
            # backends that ended during the run count with their last sample (< 1 s old)
            postgres1 = {**w.postgres, **postgres_cpu()}
            cpu[f"PostgreSQL backends of {DB}"] = sum(
                seconds - postgres0.get(pid, 0.0) for pid, seconds in postgres1.items()
            )
            machine1 = machine_cpu()
            self1 = os.times()
            cpu["load generator (this process)"] = (self1.user + self1.system) - (
                self0.user + self0.system
            )
            busy = (machine1[0] - machine0[0]) / (machine1[1] - machine0[1])

            # drain: nothing more is sent; wait until no log of the run is pending review
            drain_started = time.perf_counter()
            while time.perf_counter() - drain_started < args.drain_timeout:
                if pending(Session, CheckIn, base) == 0:
                    break
                time.sleep(0.25)
            drained = time.perf_counter() - drain_started
            left = pending(Session, CheckIn, base)
            time.sleep(1.2)  # one more sample of the peaks
            w.stop.set()
            watcher.join(timeout=10)
            sample_peaks(w, roles)
            tasks = task_counts(logs)
            # the stack stops here (gunicorn, then beat and the workers)
    finally:
        w.stop.set()
        with contextlib.suppress(Exception):
            broker.flushdb()

    report(
        args, world, load, elapsed, cpu, busy, w, base, flags_base, drained, left, tasks,
        load_before,
    )  # fmt: skip


def mix(weights: dict[str, int]) -> str:
    total = sum(weights.values())
    return ", ".join(f"{n * 100 // total} % {e}" for e, n in weights.items())


def max_id(model: type) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def warm_up(port: int, world: World) -> None:
    """A few reads of each kind before the baseline, so that both workers have loaded what they
    import lazily; not counted."""
    conn = Connection(port)
    client = {"Authorization": f"Token {world.client_tokens[0]}"}
    trainer = {"Authorization": f"Token {world.trainer_tokens[0]}"}
    for _ in range(6):
        for endpoint, headers in (
            (MY_PROGRAM, client),
            (MY_SESSIONS, client),
            (FLAGS, trainer),
            (CLIENTS, trainer),
        ):
            status, data, _ = conn.send("GET", endpoint.split(" ", 1)[1], None, headers)
            assert status == 200, (endpoint, status, data[:300])
        conn.close()  # a new connection: the other worker may take it


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: every process this bench started has been stopped", file=sys.stderr)
        sys.exit(130)
