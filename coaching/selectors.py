"""Reads about people. Every read that depends on who asks takes the actor."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from exercises.permissions import CATALOGUE_EDITORS_GROUP

Actor = AbstractBaseUser | AnonymousUser


def user_role(user: Actor) -> str:
    """The role the apps show: ``superuser``, ``catalogue_editor`` or ``member``."""
    if not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "superuser"
    if user.groups.filter(name=CATALOGUE_EDITORS_GROUP).exists():
        return "catalogue_editor"
    return "member"
