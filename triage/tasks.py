"""Celery tasks: thin — they receive ids, load, and call a service."""

from __future__ import annotations

import socket

from celery import shared_task

from triage.services import heartbeat_record, review_claim


@shared_task(name="triage.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    heartbeat_record(name=name, hostname=socket.gethostname())


@shared_task(name="triage.tasks.review_client", ignore_result=True)
def review_client(client_id: int) -> None:
    """Review a client's pending logs. Idempotent: a second delivery finds nothing pending."""
    review_claim(client_id=client_id)
