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
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/10")  # this bench's own database

from bench._data import reset_sequences, write_clients, write_history
from bench._harness import (
    ROOT,
    bench_env,
    gunicorn_server,
    memory_kb,
    recreate_database,
    setup_django,
    worker_pids,
)

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
    """Trainers through coaching.services; clients, programs and history with COPY (as
    bench/triage.py); one review of every client; a knox token for everyone."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from knox.models import AuthToken

    from coaching.models import Practice, User
    from coaching.services import trainer_create
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


# --- the processes -------------------------------------------------------------------------------


def stat_fields(pid: int) -> list[str]:
    # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used by ``pid``, its children that have ended and been
    waited for, and its live descendants: a prefork pool child recycled after
    ``--max-tasks-per-child`` still counts."""
    try:
        f = stat_fields(pid)
        own = sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0
    return own + sum(tree_cpu(child) for child in worker_pids(pid))


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass
class Celery:
    """The Celery processes: the workers' main processes and beat, with their logs."""

    workers: list[subprocess.Popen]
    beat: subprocess.Popen
    logs: Path

    def pool(self) -> list[int]:
        return [pid for w in self.workers for pid in worker_pids(w.pid)]


@contextmanager
def celery_processes(env: dict[str, str], logs: Path) -> Iterator[Celery]:
    started: list[subprocess.Popen] = []
    children: set[int] = set()

    def start(name: str, args: list[str]) -> subprocess.Popen:
        out = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        out.close()  # the child has its own copy
        started.append(proc)
        return proc

    try:
        workers = [
            start(f"worker-{n}", [*WORKER_ARGS, "-n", f"load-{n}@%h"])
            for n in range(1, CELERY_WORKERS + 1)
        ]
        beat = start("beat", ["beat", "--loglevel=INFO", "--schedule", str(logs / "beat-schedule")])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = [
                " ready." in (logs / f"worker-{n}.log").read_text()
                for n in range(1, CELERY_WORKERS + 1)
            ]
            if all(ready):
                break
            for proc in started:
                if proc.poll() is not None:
                    raise RuntimeError(f"a Celery process exited: {proc.args}\n{tail(logs)}")
            time.sleep(0.3)
        else:
            raise RuntimeError(f"the Celery workers did not start\n{tail(logs)}")
        celery = Celery(workers, beat, logs)
        yield celery
    finally:
        for proc in started:  # the pool children, in case a main process must be killed
            children.update(worker_pids(proc.pid))
        for proc in started:
            if proc.poll() is None:
                proc.terminate()  # a warm shutdown: a running review finishes
        for proc in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for pid in children:  # normally gone with their parent
            with contextlib.suppress(OSError):
                if b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)


def tail(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer
    samples: list[str] = field(default_factory=list)  # a few error answers

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s == 0 or s >= 400)

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


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


# --- watching ------------------------------------------------------------------------------------


@dataclass
class Watch:
    """Sampled every second while the stack runs: the broker's queue, the logs of the run still
    pending review, and each process's peak RSS (VmHWM) — a recycled pool child included."""

    queue_max: int = 0
    pending_max: int = 0
    peaks: dict[str, dict[int, int]] = field(default_factory=dict)  # role -> pid -> kB
    postgres: dict[int, float] = field(default_factory=dict)  # backend pid -> CPU s, last seen
    stop: threading.Event = field(default_factory=threading.Event)


def watch(w: Watch, roles: dict[str, object], broker: object, base: tuple[int, int]) -> None:
    from django.db import connection

    from coaching.models import CheckIn, Session

    try:
        while not w.stop.is_set():
            w.queue_max = max(w.queue_max, broker.llen(QUEUE))  # type: ignore[attr-defined]
            w.pending_max = max(w.pending_max, pending(Session, CheckIn, base))
            sample_peaks(w, roles)
            w.postgres.update(postgres_cpu())
            w.stop.wait(1.0)
    finally:
        connection.close()


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this bench's database (its
    command line, set by PostgreSQL, names the database)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            if f" {DB} ".encode() in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                f = stat_fields(int(entry.name))
                found[int(entry.name)] = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return found


def sample_peaks(w: Watch, roles: dict[str, object]) -> None:
    for role, pids in roles.items():
        for pid in pids():  # type: ignore[operator]
            with contextlib.suppress(OSError, KeyError):
                kb = memory_kb(pid)["VmHWM"]
                mine = w.peaks.setdefault(role, {})
                mine[pid] = max(mine.get(pid, 0), kb)


def pending(session: type, check_in: type, base: tuple[int, int]) -> int:
    return (
        session.objects.filter(pk__gt=base[0], review_state="pending").count()
        + check_in.objects.filter(pk__gt=base[1], review_state="pending").count()
    )


def task_counts(logs: Path) -> tuple[Counter[str], int, int, list[str]]:
    """From the workers' logs: tasks that succeeded, by name; logs the sweeper re-enqueued;
    retries; error lines (with a few shown)."""
    done: Counter[str] = Counter()
    swept = retries = 0
    errors: list[str] = []
    pattern = re.compile(r"Task ([\w.]+)\[[\w-]+\] succeeded in [\d.e-]+s: (.*)$")
    for path in sorted(logs.glob("worker-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if m := pattern.search(line):
                done[m.group(1)] += 1
                if m.group(1) == "triage.tasks.sweep_pending" and m.group(2).isdigit():
                    swept += int(m.group(2))
            elif "retry" in line.lower() and "Task" in line:
                retries += 1
            elif "ERROR" in line or "CRITICAL" in line or "Traceback" in line:
                errors.append(f"{path.name}: {line[:200]}")
    return done, swept, retries, errors


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


def report(
    args: argparse.Namespace,
    world: World,
    load: Load,
    elapsed: float,
    cpu: dict[str, float],
    busy: float,
    w: Watch,
    base: tuple[int, int],
    flags_base: tuple[int, int],
    drained: float,
    left: int,
    tasks: tuple[Counter[str], int, int, list[str]],
    load_before: tuple[float, float, float],
) -> None:
    from django.db import connection
    from django.db.models import Q

    from coaching.models import CheckIn, Session
    from triage.models import Flag, FlagEvent

    total = sum(len(s.latencies) for s in load.stats.values())
    errors = sum(s.errors for s in load.stats.values())
    print()
    print(f"load: {elapsed:.1f} s, {total:,} requests, {total / elapsed:.1f} req/s overall")
    print()
    print("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | error rate |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for endpoint, s in load.stats.items():
        n = len(s.latencies)
        rate = s.errors / n if n else 0.0
        print(
            f"| `{endpoint}` | {n:,} | {n / elapsed:.1f} | {s.pct(50):.0f} | {s.pct(95):.0f} "
            f"| {s.pct(99):.0f} | {s.errors} | {rate:.2%} |"
        )
    everything = Stats([x for s in load.stats.values() for x in s.latencies])
    print(
        f"| **all** | {total:,} | {total / elapsed:.1f} | {everything.pct(50):.0f} | "
        f"{everything.pct(95):.0f} | {everything.pct(99):.0f} | {errors} | "
        f"{errors / total if total else 0:.2%} |"
    )
    statuses = Counter()
    for s in load.stats.values():
        statuses.update(s.statuses)
    print(
        f"statuses: {dict(sorted(statuses.items()))}; requests resent on a connection the "
        f"server had closed: {load.resent}; 201 answers that were replays: {load.replayed}"
    )
    for endpoint, s in load.stats.items():
        for sample in s.samples:
            print(f"  error on {endpoint}: {sample}")

    print()
    print(
        "CPU during the load (s of CPU; "
        f"{elapsed:.0f} s × {os.cpu_count()} cores = {elapsed * (os.cpu_count() or 1):.0f} "
        f"available; machine busy {busy:.0%}):"
    )
    accounted = 0.0
    for name, seconds in cpu.items():
        accounted += seconds
        print(f"  {name}: {seconds:.0f} s ({seconds / elapsed:.2f} cores)")
    rest = busy * elapsed * (os.cpu_count() or 1) - accounted
    print(
        f"  the rest (Redis, PostgreSQL's own processes, other work on the machine): "
        f"{rest:.0f} s ({rest / elapsed:.2f} cores)"
    )
    stack = sum(v for k, v in cpu.items() if not k.startswith("load generator"))
    per_request = stack / total if total else float("nan")
    print(
        f"stack CPU per request of this mix (gunicorn + Celery + PostgreSQL backends; the "
        f"review of each log included): {per_request * 1000:.1f} ms, so {os.cpu_count()} "
        f"dedicated cores would saturate at about {(os.cpu_count() or 1) / per_request:.0f} "
        f"req/s of it"
    )
    print("peak RSS (VmHWM), MB:")
    for role, pids in w.peaks.items():
        values = sorted(pids.values(), reverse=True)
        shown = " / ".join(f"{kb / 1024:.0f}" for kb in values[:6])
        more = f" (+{len(values) - 6} more)" if len(values) > 6 else ""
        print(f"  {role} ({len(values)} process{'es' if len(values) > 1 else ''}): {shown}{more}")

    done, swept, retries, error_lines = tasks
    print(
        f"broker queue at most {w.queue_max} tasks; logs of the run pending review at most "
        f"{w.pending_max}; tasks run: "
        + ", ".join(f"{n:,} {name.rsplit('.', 1)[1]}" for name, n in done.most_common())
        + f"; logs re-enqueued by the sweeper: {swept}; task retries: {retries}; "
        f"error lines in the workers' logs: {len(error_lines)}"
    )
    for line in error_lines[:5]:
        print(f"  {line}")

    # the equality
    print()
    lag = {}
    with connection.cursor() as cursor:
        for name, table, pk in (("sessions", "coaching_session", base[0]),
                                ("check-ins", "coaching_checkin", base[1])):  # fmt: skip
            cursor.execute(
                "SELECT percentile_cont(array[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY d), "
                "max(d) FROM (SELECT extract(epoch FROM reviewed_at - created_at) * 1000 AS d "
                f"FROM {table} WHERE id > %s AND review_state = 'reviewed') t",
                [pk],
            )
            lag[name] = cursor.fetchone()
    print(
        f"drain: {drained:.1f} s after the load stopped until no log of the run was pending "
        f"({left} still pending)"
    )
    holds = True
    for name, model, pk, keys in (
        ("sessions", Session, base[0], load.session_keys),
        ("check-ins", CheckIn, base[1], load.check_in_keys),
    ):
        rows = model.objects.filter(pk__gt=pk)
        stored_keys = {str(k) for k in rows.values_list("idempotency_key", flat=True)}
        stored = len(stored_keys)
        reviewed = rows.filter(review_state="reviewed").count()
        same_keys = stored_keys == keys and rows.count() == stored
        ok = len(keys) == stored == reviewed and same_keys
        holds &= ok
        (p50, p95, p99), worst = lag[name][0] or (0, 0, 0), lag[name][1] or 0
        print(
            f"{name:9}: sent {len(keys):,} (201 answers) = stored {stored:,} (rows created "
            f"during the run{', the same keys' if same_keys else ', NOT the same keys'}) = "
            f"reviewed {reviewed:,}: {'HOLDS' if ok else 'DOES NOT HOLD'}; saved → reviewed: "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms"
        )
    print(f"sessions sent = sessions stored = sessions reviewed, and the same for check-ins: "
          f"{'HOLDS' if holds else 'DOES NOT HOLD'}")  # fmt: skip
    flags_base, events_base = flags_base
    opened = Flag.objects.filter(pk__gt=flags_base)
    dismissed = FlagEvent.objects.filter(
        pk__gt=events_base, action=FlagEvent.Action.DISMISSED
    ).count()
    print(
        f"flags: {sum(world.flags_open.values())} open before; {opened.count()} opened during "
        f"the run ({opened.filter(urgency=Flag.Urgency.EMERGENCY).count()} emergency); "
        f"{dismissed} dismissed through the API; "
        f"{Flag.objects.filter(Q(status=Flag.Status.OPEN)).count()} open at the end"
    )
    after = os.getloadavg()
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} (1/5/15 min)"
    )
    if not holds:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: every process this bench started has been stopped", file=sys.stderr)
        sys.exit(130)
