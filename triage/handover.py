"""The one door through which a client's new log reaches triage (ARCHITECTURE.md): registered
into coaching's "log saved" hook (``coaching.hooks``) when the app is ready, since coaching
imports nothing of triage. The log row already says ``pending`` in the transaction that saved
it; once that transaction commits, a review task is enqueued. If the broker cannot take it, the
request still succeeds: the row stays pending and the sweeper enqueues a review later."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from triage.tasks import review_client

log = logging.getLogger(__name__)


def _enqueue_review(client_id: int) -> None:
    try:
        review_client.delay(client_id)
    except Exception:  # the broker is down or refused: the row stays pending for the sweeper
        log.warning("review of client %s not enqueued; it stays pending", client_id, exc_info=True)


def request_review(client_id: int) -> None:
    """Enqueue a review of the client's pending logs when the current transaction commits
    (at once outside a transaction). Never raises: the pending row is the source of truth."""
    transaction.on_commit(partial(_enqueue_review, client_id), robust=True)
