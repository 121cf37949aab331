"""Triage: the review of clients' logs (rules and flags arrive with the triage issue)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a beat-scheduled task: proves that beat, the broker and a worker all work.

    ``/health/`` reports its age, so an operator sees at once when no worker is consuming."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
