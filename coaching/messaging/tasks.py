"""The conversations' one task: tell the other side of a new message (thin: the service works)."""

from __future__ import annotations

from celery import shared_task

from coaching.messaging import services


@shared_task(
    name="coaching.messaging.tasks.notify_message",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_message(message_id: int) -> None:
    services.notify(message_id)
