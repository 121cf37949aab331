"""Writes of the triage app: keyword-only, typed, atomic."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from triage.models import WorkerHeartbeat


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
