"""The people of the platform: users, practices, trainers and clients."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from coaching.accounts.selectors import Profile


class User(AbstractUser):
    """The custom user model, in place from the first migration as Django advises.

    What a person does comes from the profile attached to them: a ``Trainer`` (possibly the
    practice's admin) or a ``Client``; catalogue editors are a group; superusers a flag."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    # set by coaching.accounts.selectors.profile_of on the user object it first reads (never stored)
    _coaching_profile: Profile

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How a person is named everywhere: their full name, else their username (also for
        plain rows)."""
        return f"{first_name} {last_name}".strip() or username


class Practice(models.Model):
    """A clinic or a studio: the unit whose people see each other's work."""

    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Trainer(models.Model):
    """A trainer or physiotherapist. The practice admin is a trainer who manages the practice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainer"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="trainers")
    is_practice_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]

    def __str__(self) -> str:
        return str(self.user)


class Client(models.Model):
    """Someone a trainer coaches. Belongs to one trainer in one practice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    trainer = models.ForeignKey(Trainer, on_delete=models.PROTECT, related_name="clients")
    notes = models.TextField(blank=True, help_text="For the practice's eyes only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]
        indexes = [models.Index(fields=["practice", "trainer"])]

    def __str__(self) -> str:
        return str(self.user)


class Invitation(models.Model):
    """A single-use link by which a person chooses their own password and signs in: a client
    invited by their trainer, or a trainer by their practice's admin. Only a digest of the
    link's secret is kept. At most one pending invitation per person: a new one revokes the
    last."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_to = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.sent_to} ({self.status_at().label.lower()})"

    def status_at(self, now: datetime | None = None) -> Invitation.Status:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING
