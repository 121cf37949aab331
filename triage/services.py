"""Writes of the triage app: keyword-only, typed, atomic.

``request_review`` is the one door through which the coaching app hands a client's new log to
triage (ARCHITECTURE.md): the log row already says ``pending`` in the transaction that saved it,
and once that transaction commits a review task is enqueued. If the broker cannot take it, the
request still succeeds: the row stays pending and the sweeper (triage issue) enqueues it later."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coaching.models import CheckIn, ReviewState, Session
from triage.models import WorkerHeartbeat

log = logging.getLogger(__name__)


@transaction.atomic
def heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    now = timezone.now()
    beat, created = WorkerHeartbeat.objects.get_or_create(
        name=name, defaults={"last_seen": now, "hostname": hostname, "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(
            last_seen=now, hostname=hostname, beats=F("beats") + 1
        )
        beat.refresh_from_db()
    return beat


def _enqueue_review(client_id: int) -> None:
    from triage.tasks import review_client  # the tasks module imports this one

    try:
        review_client.delay(client_id)
    except Exception:  # the broker is down or refused: the row stays pending for the sweeper
        log.warning("review of client %s not enqueued; it stays pending", client_id, exc_info=True)


def request_review(*, client_id: int) -> None:
    """Enqueue a review of the client's pending logs when the current transaction commits
    (at once outside a transaction). Never raises: the pending row is the source of truth."""
    transaction.on_commit(partial(_enqueue_review, client_id), robust=True)


@transaction.atomic
def review_claim(*, client_id: int, now: datetime | None = None) -> tuple[int, int]:
    """Claim the client's pending sessions and check-ins with a conditional update, so that a
    review delivered twice does the work once. Returns how many of each this call claimed.

    The rules engine (triage issue) evaluates the client's history between the claim and the
    commit; for now the hand-over ends here."""
    now = now or timezone.now()
    claimed = {"reviewed_at": now, "updated_at": now, "review_state": ReviewState.REVIEWED}
    sessions = Session.objects.filter(client_id=client_id, review_state=ReviewState.PENDING).update(
        **claimed
    )
    check_ins = CheckIn.objects.filter(
        client_id=client_id, review_state=ReviewState.PENDING
    ).update(**claimed)
    return sessions, check_ins
