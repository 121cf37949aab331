"""The reminders' beat task (thin: the pass is ``services.reminders_send``)."""

from __future__ import annotations

from celery import shared_task

from coaching.reminders.services import reminders_send


@shared_task(name="coaching.reminders.tasks.send_reminders", ignore_result=True)
def send_reminders() -> dict[str, int]:
    done = reminders_send()
    return {"due": done.due, "sent": done.sent, "failed": done.failed, "skipped": done.skipped}
