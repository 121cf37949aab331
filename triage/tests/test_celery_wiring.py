"""The Celery wiring, with a real worker consuming from the real Redis broker."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from coaching.tests.helpers import wait_for
from triage.models import WorkerHeartbeat
from triage.tasks import record_heartbeat


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_on_commit_runs_on_a_worker_and_its_effect_is_visible(celery_worker):
    with transaction.atomic():
        record_heartbeat.delay_on_commit("wiring-test")
        # nothing is sent before the commit
        time.sleep(0.5)
        assert not WorkerHeartbeat.objects.filter(name="wiring-test").exists()

    assert wait_for(lambda: WorkerHeartbeat.objects.filter(name="wiring-test").exists())
    beat = WorkerHeartbeat.objects.get(name="wiring-test")
    assert beat.beats == 1
    assert beat.hostname


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_nothing(celery_worker):
    def failing_request() -> None:
        with transaction.atomic():
            record_heartbeat.delay_on_commit("rolled-back")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    record_heartbeat.delay_on_commit("after")  # outside a transaction: sent at once

    assert wait_for(lambda: WorkerHeartbeat.objects.filter(name="after").exists())
    assert not WorkerHeartbeat.objects.filter(name="rolled-back").exists()


def test_the_app_is_configured_for_reliable_delivery(celery_app):
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_url.startswith("redis://")
    assert "triage.tasks.record_heartbeat" in celery_app.tasks
