"""Messages between a client and their care team (their trainer and the practice's admins): one
conversation per client, a message optionally about one of the client's logged sessions (a
comment on it) or a flag decision; who has read how far (``ThreadRead``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from coaching.accounts.models import Client
from coaching.journal.models import Session

BODY_MAX = 2000


class Message(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=150, help_text="As shown, kept if the account goes.")
    from_client = models.BooleanField(help_text="Written by the client (else by the care team).")
    body = models.TextField(max_length=BODY_MAX)
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="comments",
        help_text="The logged session this message is about.",
    )  # fmt: skip
    flag_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The flag whose decision this note explains (triage)."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["client", "created_at"], name="message_thread")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    GreaterThan(Length("body"), 0), LessThanOrEqual(Length("body"), BODY_MAX)
                ),
                name="message_body_1_2000",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_name} to the thread of {self.client} ({self.created_at:%d %b %H:%M})"


class ThreadRead(models.Model):
    """How far one person has read one client's conversation."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "user"], name="one_read_mark_per_thread")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.client}'s conversation until {self.read_until:%d %b %H:%M}"
