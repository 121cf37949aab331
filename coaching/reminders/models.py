"""Reminders: what a client chose (``ReminderPreferences``) and every reminder due (``Reminder``:
one row per client, day and kind, so that one is never sent twice, even by two beats)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q

from coaching.accounts.models import Client


def _default_time_zone() -> str:
    return str(settings.TIME_ZONE)


class ReminderPreferences(models.Model):
    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="reminder_preferences"
    )
    email = models.BooleanField(default=False, help_text="Remind by email.")
    push = models.BooleanField(default=False, help_text="Remind by a notification (Web Push).")
    at = models.TimeField(default=time(18, 0), help_text="On planned days, from this time.")
    check_in = models.BooleanField(default=False, help_text="Also remind the morning check-in.")
    check_in_at = models.TimeField(default=time(9, 0))
    time_zone = models.CharField(max_length=64, default=_default_time_zone)
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    message_email = models.BooleanField(
        default=True, help_text="Email me when my trainer writes to me (never the message itself)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_from__isnull=True, quiet_until__isnull=True)
                | Q(quiet_from__isnull=False, quiet_until__isnull=False),
                name="quiet_hours_both_or_neither",
                violation_error_message="Give both ends of the quiet hours, or neither.",
            )
        ]

    def __str__(self) -> str:
        return f"Reminders of {self.client}"


class Reminder(models.Model):
    class Kind(models.TextChoices):
        SESSION = "session", "Today's session"
        CHECK_IN = "check_in", "Morning check-in"
        NUDGE = "nudge", "Missed sessions"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Nothing to send it by"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField(help_text="The client's day it is for (their time zone).")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "day", "kind"], name="one_reminder_per_client_day_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client} on {self.day}"


class PushSubscription(models.Model):
    """One device's Web Push subscription (what the browser's ``PushManager.subscribe`` gave):
    the push service's endpoint and the keys a message is encrypted with. Dropped when the push
    service says it is gone (404/410) or the client turns notifications off on that device."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100, help_text="The device's public key (base64url).")
    auth = models.CharField(max_length=40, help_text="The device's auth secret (base64url).")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Device of {self.client} ({self.user_agent[:40] or 'browser'})"
