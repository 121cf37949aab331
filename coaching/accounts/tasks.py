"""Housekeeping of sign-ins, run by Celery beat."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from knox.models import get_token_model


@shared_task(name="coaching.accounts.tasks.sweep_expired_tokens", ignore_result=True)
def sweep_expired_tokens() -> int:
    """Delete every expired API token (they are refused anyway; this keeps the table small).
    Returns how many went."""
    deleted, _ = get_token_model().objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
