"""Celery tasks: thin — they receive ids, and call a service.

Delivery is at least once (``acks_late``, ``task_reject_on_worker_lost``, prefetch 1, in
settings); every task is idempotent, so a redelivered one does no harm. Transient database
errors are retried with exponential backoff, capped well below the broker's visibility timeout.
"""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from triage import notifications
from triage.services import (
    active_client_ids,
    has_pending_logs,
    heartbeat_record,
    pending_client_ids,
    review_clients,
)

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,  # seconds; far below the visibility timeout (an hour)
    "retry_jitter": True,
    "max_retries": 8,
    "ignore_result": True,
}


@shared_task(name="triage.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    heartbeat_record(name=name, hostname=socket.gethostname())


@shared_task(name="triage.tasks.review_client", **RETRY)
def review_client(client_id: int) -> None:
    """Review a client's new logs, with those of the other clients whose logs wait for a review
    (up to ``TRIAGE_REVIEW_BATCH`` in all, the longest waiting first): when logs arrive
    together one task reviews them in one pass (one history read, one transaction), and their
    own tasks then find nothing pending and do nothing, as a second delivery does. Should the
    batch fail on another client's history, this client is reviewed alone."""
    if not has_pending_logs(client_id):
        return  # reviewed in another task's pass, or a second delivery: one cheap query
    others = pending_client_ids(
        older_than=timedelta(0), limit=settings.TRIAGE_REVIEW_BATCH - 1, exclude=client_id
    )
    if not others:
        review_clients(client_ids=[client_id])
        return
    try:
        review_clients(client_ids=[client_id, *others])
    except (OperationalError, InterfaceError):
        raise  # (retried, the batch again)
    except Exception:
        logger.exception(
            "review of a batch of %d clients failed; client %s alone", len(others) + 1, client_id
        )
        review_clients(client_ids=[client_id])


@shared_task(name="triage.tasks.review_batch", **RETRY)
def review_batch(client_ids: list[int]) -> None:
    """The nightly review of a batch of clients (time-based rules), pending or not."""
    review_clients(client_ids=client_ids, only_pending=False)


@shared_task(name="triage.tasks.review_all_clients", ignore_result=True)
def review_all_clients(batch_size: int | None = None) -> int:
    """Fan the nightly review out in batches: one small task per batch, never one giant task.
    Returns the number of batches sent."""
    size = batch_size or settings.TRIAGE_NIGHTLY_BATCH
    ids = active_client_ids()
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for batch in batches:
        review_batch.delay(batch)
    return len(batches)


@shared_task(name="triage.tasks.sweep_pending", ignore_result=True)
def sweep_pending() -> int:
    """Re-enqueue the review of every client with a log pending for more than a minute (one
    saved while the broker was down, or whose task was lost). Returns how many."""
    ids = pending_client_ids(older_than=timedelta(seconds=settings.TRIAGE_SWEEP_AFTER_SECONDS))
    for client_id in ids:
        review_client.delay(client_id)
    return len(ids)


@shared_task(name="triage.tasks.notify_flag", **RETRY)
def notify_flag(flag_id: int) -> None:
    notifications.notify_flag(flag_id=flag_id)


@shared_task(name="triage.tasks.send_digests", **RETRY)
def send_digests() -> None:
    notifications.send_digests()
