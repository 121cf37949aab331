"""The processes of ``bench/load.py``: Celery workers and beat started and stopped around a run,
their CPU and memory read from /proc, PostgreSQL's CPU, the broker and the pending logs watched
while the load runs, and the tasks counted from the workers' logs."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench._harness import (
    ROOT,
    memory_kb,
    worker_pids,
)
from bench._load_data import CELERY_WORKERS, DB, QUEUE, WORKER_ARGS

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
