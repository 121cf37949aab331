"""The people of the platform: users, practices, trainers and clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

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
