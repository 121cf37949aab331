"""The review pipeline end to end, with real workers on the real Redis broker and PostgreSQL:
a red-flag session posted to the API yields a referral flag within seconds; the same review
delivered twice yields one flag; a session saved while the broker refuses the task is answered
201 and reviewed by the sweeper; a worker killed (SIGKILL) in the middle of a review is
redelivered and yields one flag; the nightly review fans out in batches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from kombu.exceptions import OperationalError as BrokerError

from coaching.models import ReviewState, Session
from coaching.tests.factories import ClientFactory, ProgramFactory, log_session, session_body
from coaching.tests.helpers import api, wait_for
from triage import tasks
from triage.models import Flag

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def patient(transactional_db):  # type: ignore[no-untyped-def]
    client = ClientFactory()
    ProgramFactory(client=client)
    return client


def flags(client: object, rule: str = "RF-EMERGENCY") -> int:
    return Flag.objects.filter(client=client, rule=rule).count()


@pytest.mark.django_db(transaction=True)
def test_a_red_flag_session_yields_a_referral_flag_within_seconds(celery_worker, patient):
    started = time.monotonic()
    response = api(patient.user).post(
        "/api/v1/sessions/",
        session_body(patient.programs.get(), symptoms=("saddle_numbness",)),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    assert response.json()["safety"]["level"] == "emergency"  # at once, before any review

    assert wait_for(lambda: flags(patient) == 1, timeout=10)
    elapsed = time.monotonic() - started
    flag = Flag.objects.get(client=patient, rule="RF-EMERGENCY")
    assert (flag.kind, flag.urgency) == ("referral", "emergency")
    assert Session.objects.get(pk=response.json()["id"]).review_state == ReviewState.REVIEWED
    print(f"\ncommit-to-flag: {elapsed:.2f} s")


@pytest.mark.django_db(transaction=True)
def test_the_same_review_delivered_twice_yields_one_flag(celery_worker, patient):
    with mock.patch("triage.tasks.review_client.delay"):
        log_session(patient, symptoms=["both_legs"])

    tasks.review_client.delay(patient.pk)
    tasks.review_client.delay(patient.pk)
    tasks.review_batch.delay([patient.pk])  # and a nightly one on top

    assert wait_for(lambda: flags(patient) == 1)
    time.sleep(1.0)  # let the other deliveries run
    assert flags(patient) == 1
    events = Flag.objects.get(client=patient, rule="RF-EMERGENCY").events
    assert list(events.exclude(action="notified").values_list("action", flat=True)) == ["opened"]


@pytest.mark.django_db(transaction=True)
def test_a_session_saved_while_the_broker_refuses_is_reviewed_by_the_sweeper(
    celery_worker, patient, settings
):
    settings.TRIAGE_SWEEP_AFTER_SECONDS = 0
    with mock.patch("triage.tasks.review_client.delay", side_effect=BrokerError("Redis is down")):
        response = api(patient.user).post(
            "/api/v1/sessions/",
            session_body(patient.programs.get(), symptoms=("progressive_weakness",)),
            format="json",
        )
    assert response.status_code == 201
    time.sleep(0.5)
    assert Session.objects.get(pk=response.json()["id"]).review_state == ReviewState.PENDING
    assert flags(patient) == 0

    tasks.sweep_pending.delay()  # beat sends this every minute

    assert wait_for(lambda: flags(patient) == 1)
    assert Session.objects.get(pk=response.json()["id"]).review_state == ReviewState.REVIEWED


@pytest.mark.django_db(transaction=True)
def test_one_review_task_reviews_every_client_whose_logs_wait(celery_worker, settings):
    """Logs that arrive together are reviewed in one pass; the other clients' own tasks then
    find nothing pending. ``TRIAGE_REVIEW_BATCH`` bounds the pass."""
    settings.TRIAGE_REVIEW_BATCH = 3
    clients = [ClientFactory() for _ in range(4)]
    for client in clients:
        ProgramFactory(client=client)
        with mock.patch("triage.tasks.review_client.delay"):
            log_session(client, symptoms=["saddle_numbness"])

    tasks.review_client.delay(clients[3].pk)

    # its own client and the two others waiting longest: three in all
    reviewed = [*clients[:2], clients[3]]
    assert wait_for(lambda: Flag.objects.filter(rule="RF-EMERGENCY").count() == 3)
    assert {f.client_id for f in Flag.objects.filter(rule="RF-EMERGENCY")} == {
        c.pk for c in reviewed
    }
    assert Session.objects.get(client=clients[2]).review_state == ReviewState.PENDING
    tasks.review_client.delay(clients[2].pk)
    assert wait_for(lambda: flags(clients[2]) == 1)
    assert not Session.objects.filter(review_state=ReviewState.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_failing_on_another_clients_history_still_reviews_the_tasks_own(
    celery_worker, settings
):
    from triage import services

    settings.TRIAGE_REVIEW_BATCH = 5
    broken, fine = ClientFactory(), ClientFactory()
    for client in (broken, fine):
        ProgramFactory(client=client)
        with mock.patch("triage.tasks.review_client.delay"):
            log_session(client, symptoms=["fever"])
    real = services.evaluate

    def evaluate(history, *args, **kwargs):
        if history.client_id == broken.pk:
            raise RuntimeError("a bug in a rule, on this client's history")
        return real(history, *args, **kwargs)

    with mock.patch.object(services, "evaluate", evaluate):
        tasks.review_client.delay(fine.pk)
        assert wait_for(lambda: flags(fine, "RF-URGENT") == 1)
    assert flags(broken, "RF-URGENT") == 0
    assert Session.objects.get(client=broken).review_state == ReviewState.PENDING  # (its own
    # task, the sweeper, or a fixed deploy reviews it: nothing was half-written)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_review_fans_out_in_batches(celery_worker, settings):
    clients = [ClientFactory() for _ in range(5)]
    for client in clients:
        ProgramFactory(client=client)
        with mock.patch("triage.tasks.review_client.delay"):
            log_session(client, symptoms=["fever"])

    with mock.patch.object(tasks.review_batch, "delay", wraps=tasks.review_batch.delay) as sent:
        assert tasks.review_all_clients(batch_size=2) == 3
    assert [len(call.args[0]) for call in sent.call_args_list] == [2, 2, 1]

    assert wait_for(lambda: Flag.objects.filter(rule="RF-URGENT").count() == 5)


# --- a worker killed in the middle of a review ---------------------------------------------------


@pytest.fixture
def worker_process(transactional_db: object) -> Iterator[subprocess.Popen]:
    """A real Celery worker in its own process (prefork, one child) on this test's database and
    broker, whose reviews pause 4 s after claiming their logs (``TRIAGE_FAULT_REVIEW_PAUSE``, ``faulty_celery``)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    from config.celery import app

    app.control.purge()
    env = {
        **os.environ,
        "TEST_DATABASE_URL": url,
        "TEST_CELERY_BROKER_URL": app.conf.broker_url,
        "TRIAGE_FAULT_REVIEW_PAUSE": "4",
    }
    (ROOT / "var").mkdir(exist_ok=True)  # a fresh clone has none
    log = open(ROOT / "var" / f"test-worker-{os.getpid()}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "triage.tests.faulty_celery", "worker", "--pool=prefork",
         "--concurrency=1", "--loglevel=INFO", "--without-mingle", "--without-gossip",
         f"--hostname=killtest-{uuid.uuid4().hex[:8]}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log = log  # type: ignore[attr-defined]
    try:
        assert wait_for(lambda: "ready" in _read(log), timeout=60), _read(log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _read(log: object) -> str:
    log.flush()  # type: ignore[attr-defined]
    return Path(log.name).read_text()  # type: ignore[attr-defined]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_review_is_redelivered_and_yields_one_flag(worker_process, patient):
    session = log_session(patient, symptoms=["saddle_numbness"])  # enqueued on commit
    log = worker_process.log  # type: ignore[attr-defined]
    assert wait_for(lambda: "review_client" in _read(log) and "received" in _read(log), timeout=20)
    time.sleep(1.5)  # the child has claimed the logs and is inside the review's transaction
    (child,) = _children(worker_process.pid)
    os.kill(child, signal.SIGKILL)

    assert wait_for(lambda: flags(patient) == 1, timeout=40), _read(log)
    output = _read(log)
    assert "WorkerLostError" in output or "SIGKILL" in output, output
    time.sleep(1.0)
    assert flags(patient) == 1
    session.refresh_from_db()
    assert session.review_state == ReviewState.REVIEWED


@pytest.mark.django_db
def test_whether_a_client_has_logs_waiting_and_who_waits_longest(django_assert_num_queries):
    from datetime import timedelta

    from triage.services import has_pending_logs, pending_client_ids

    first, second, third = (ClientFactory() for _ in range(3))
    for client in (first, second, third):
        ProgramFactory(client=client)
        with mock.patch("triage.tasks.review_client.delay"):
            log_session(client)
    Session.objects.filter(client=second).update(review_state=ReviewState.REVIEWED)

    with django_assert_num_queries(1):
        assert has_pending_logs(first.pk)
    assert not has_pending_logs(second.pk)
    assert pending_client_ids(older_than=timedelta(0), limit=5) == [first.pk, third.pk]
    assert pending_client_ids(older_than=timedelta(0), limit=1) == [first.pk]  # oldest
    assert pending_client_ids(older_than=timedelta(0), limit=5, exclude=first.pk) == [third.pk]
    assert pending_client_ids(older_than=timedelta(0), limit=0) == []
