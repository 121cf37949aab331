"""Faults, with real processes, PostgreSQL and Redis:

- Redis stopped and restarted while clients keep logging: every session is answered 201, and
  every one is reviewed once the broker is back (the sweeper, run by beat);
- the database connection dropped in the middle of a request: a clean 503 with nothing stored,
  and the client's retry with the same idempotency key stores exactly one session;
- two workers reviewing the same client at once: no duplicate flag.

(A worker SIGKILLed in the middle of a review: ``test_pipeline.py``.)

The broker test runs its own redis-server on a free port, with gunicorn, a Celery worker and
Celery beat as separate processes on this test's database, so that stopping Redis touches
nothing else on the machine."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pytest
from django.db import connection, connections
from knox.models import AuthToken

from coaching.journal import services as journal_services
from coaching.models import Entry, ReviewState, Session, Set
from coaching.tests.factories import ClientFactory, ProgramFactory, log_session, session_body
from coaching.tests.helpers import api, wait_for
from exercises.tests.factories import ExerciseFactory
from triage.models import Flag
from triage.services import review_clients

ROOT = Path(__file__).resolve().parents[2]
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


# --- the database connection dropped mid-request -------------------------------------------------


def _drop_connection() -> None:
    """Terminate this process's database session from another connection, as a failover or a
    network cut would."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        dbname=db["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_fails_cleanly_and_the_retry_stores_one_session():
    client = ClientFactory()
    program = ProgramFactory(client=client, exercises=[ExerciseFactory() for _ in range(3)])
    body, key = session_body(program, pain=2), str(uuid.uuid4())
    device = api(client.user)
    # a 5xx is reported through Django's got_request_exception signal (for error monitoring);
    # the test client would re-raise it: look at the response, as a device would
    device.raise_request_exception = False
    original = journal_services.bulk_insert

    def cut_then_write(model: Any, rows: Any, **kwargs: Any) -> Any:
        if model is Set:
            _drop_connection()  # the session and entries are written, the sets not yet
        return original(model, rows, **kwargs)

    with mock.patch.object(journal_services, "bulk_insert", side_effect=cut_then_write) as write:
        failed = device.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert [call.args[0] for call in write.call_args_list] == [Session, Entry, Set]

    assert failed.status_code == 503
    assert failed.json()["errors"][0]["code"] == "service_unavailable"
    assert failed["Retry-After"] == "5"
    connections.close_all()  # as the end of the request does: the next one reconnects
    assert Session.objects.filter(client=client).count() == 0, "nothing half-written"
    assert Entry.objects.filter(session__client=client).count() == 0

    retried = device.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = device.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (retried.status_code, again.status_code) == (201, 201)
    assert again.json() == retried.json()
    assert Session.objects.filter(client=client).count() == 1
    assert Set.objects.filter(entry__session__client=client).count() == 9


# --- two workers reviewing the same client -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_reviewing_one_client_at_once_open_one_flag():
    client = ClientFactory()
    ProgramFactory(client=client)
    with mock.patch("triage.tasks.review_client.delay"):
        log_session(client, symptoms=["saddle_numbness", "fever"], pain=7)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def review(only_pending: bool) -> None:
        try:
            start.wait()
            review_clients(client_ids=[client.pk], only_pending=only_pending)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rules = list(Flag.objects.filter(client=client).values_list("rule", flat=True))
    assert len(rules) == len(set(rules)), rules
    assert {"RF-EMERGENCY", "RF-URGENT", "RG-PAIN-DURING"} <= set(rules)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_reviewing_one_client_at_once_open_one_flag(tmp_path):
    """Two real worker processes each take a review of the same client; each review pauses 2 s
    inside its transaction (``TRIAGE_FAULT_REVIEW_PAUSE``, ``faulty_celery``), so they overlap: the second waits
    for the first's row lock, then finds the flags already open."""
    from config.celery import app
    from triage import tasks

    client = ClientFactory()
    ProgramFactory(client=client)
    with mock.patch("triage.tasks.review_client.delay"):
        log_session(client, symptoms=["saddle_numbness", "fever"], pain=7)
    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": app.conf.broker_url,
        "TRIAGE_FAULT_REVIEW_PAUSE": "2",
    }
    logs = [open(tmp_path / f"worker{i}.log", "w+") for i in range(2)]  # noqa: SIM115
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "triage.tests.faulty_celery",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=pair{i}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs[i],
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    try:
        assert wait_for(
            lambda: all(" ready." in (tmp_path / f"worker{i}.log").read_text() for i in range(2)),
            timeout=60,
        )
        tasks.review_batch.delay([client.pk])
        tasks.review_batch.delay([client.pk])
        assert wait_for(
            lambda: (
                sum((tmp_path / f"worker{i}.log").read_text().count("succeeded") for i in range(2))
                >= 2
            ),
            timeout=60,
        )
        ran = [(tmp_path / f"worker{i}.log").read_text().count("review_batch") for i in range(2)]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        for log in logs:
            log.close()

    assert all(ran), f"each worker took one review: {ran}"
    rules = list(Flag.objects.filter(client=client).values_list("rule", "exercise_key"))
    assert len(rules) == len(set(rules)), rules
    assert {"RF-EMERGENCY", "RF-URGENT"} <= {rule for rule, _ in rules}


# --- Redis stopped and restarted while clients keep logging --------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """redis-server, gunicorn, a Celery worker and Celery beat on this test's database."""

    def __init__(self, tmp: Path) -> None:
        db = connection.settings_dict
        self.redis_port, self.web_port = _free_port(), _free_port()
        self.tmp = tmp
        self.env = {
            **os.environ,
            "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "TEST_CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TRIAGE_SWEEP_AFTER_SECONDS": "1",
            "TRIAGE_SWEEP_EVERY_SECONDS": "2",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp / "beat-schedule"),
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], supervised: bool = False) -> None:
        """Start a process in its own process group. ``supervised``: restarted whenever it
        exits, as the systemd units do (``Restart=always``): a Celery worker may exit when the
        broker vanishes with tasks in flight (kombu fails to restore them on the dead
        connection); what matters is that nothing is lost once it is back."""
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115 - closed with the process
        if supervised:
            args = ["bash", "-c", 'while true; do "$@"; sleep 0.5; done', "supervise", *args]
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_redis(self) -> None:
        self.start(
            "redis",
            [REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
        )  # fmt: skip
        assert wait_for(lambda: self._accepts(self.redis_port), timeout=10)

    def stop_redis(self) -> None:
        process = self.processes.pop("redis")
        self._signal(process, signal.SIGKILL)  # gone at once, nothing saved (as a crash)
        process.wait(timeout=10)

    def _accepts(self, port: int) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def up(self) -> None:
        self.start_redis()
        self.start(
            "web",
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{self.web_port}", "--workers", "1", "--threads", "4", "--timeout", "60"],
        )  # fmt: skip
        self.start(
            "worker",
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
             "--concurrency=2", "--loglevel=INFO", "--without-mingle", "--without-gossip"],
            supervised=True,
        )  # fmt: skip
        self.start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
             "--schedule", str(self.tmp / "beat-schedule")],
        )  # fmt: skip
        assert wait_for(lambda: self._accepts(self.web_port), timeout=60), self.logs()
        assert wait_for(lambda: self._health() == 200, timeout=60), self.logs()  # app loaded

    def _health(self) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
        try:
            conn.request("GET", "/health/")
            return conn.getresponse().status
        except OSError:
            return 0
        finally:
            conn.close()

    def down(self) -> None:
        for process in self.processes.values():
            self._signal(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(timeout=10)

    @staticmethod
    def _signal(process: subprocess.Popen, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the process and what it started

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("*.log"))
        )

    def post_session(self, token: str, body: dict[str, Any]) -> tuple[int, float]:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
        try:
            conn.request(
                "POST",
                "/api/v1/sessions/",
                body=json.dumps(body),
                headers={
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            return conn.getresponse().status, time.monotonic() - started
        finally:
            conn.close()


@pytest.fixture
def stack(transactional_db: object, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    try:
        running.up()
        yield running
    finally:
        running.down()


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_and_restarted_while_clients_log_loses_nothing(stack):
    clients = [ClientFactory() for _ in range(3)]
    devices = []
    for client in clients:
        program = ProgramFactory(client=client, exercises=[ExerciseFactory() for _ in range(3)])
        devices.append((AuthToken.objects.create(client.user)[1], session_body(program, pain=7)))
    statuses: list[int] = []
    seconds: list[float] = []
    stop = threading.Event()

    def keep_logging(token: str, body: dict[str, Any]) -> None:
        while not stop.is_set():
            status, took = stack.post_session(token, body)
            statuses.append(status)
            seconds.append(took)
            time.sleep(0.2)

    threads = [threading.Thread(target=keep_logging, args=d) for d in devices]
    for thread in threads:
        thread.start()
    time.sleep(2)
    stack.stop_redis()  # the broker is gone while clients keep logging
    time.sleep(4)
    stack.start_redis()  # it comes back, empty
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join()

    assert statuses
    assert set(statuses) == {201}, (statuses, stack.logs())
    assert Session.objects.filter(client__in=clients).count() == len(statuses)
    # everything is reviewed once the broker is back: queued tasks, and the sweeper for the
    # logs whose task was lost with the broker
    assert wait_for(
        lambda: (
            not Session.objects.filter(
                client__in=clients, review_state=ReviewState.PENDING
            ).exists()
        ),
        timeout=60,
    ), stack.logs()
    for client in clients:  # pain 7 on every exercise: one open flag per rule and exercise
        rules = list(Flag.objects.filter(client=client).values_list("rule", "exercise_key"))
        assert len(rules) == len(set(rules))
        assert ("RG-PAIN-DURING", client.programs.get().prescriptions.first().exercise_id) in rules
    print(
        f"\n{len(statuses)} sessions during the outage test, all 201, all reviewed; "
        f"slowest answer {max(seconds):.2f} s; worker started "
        f"{(stack.tmp / 'worker.log').read_text().count(' ready.')} time(s)"
    )
    assert max(seconds) < 3, "an answer must not hang while the broker is down"
