"""Who may use an API route at all (which rows they then see is the selectors' business).

A route is for one role: trainers (and superusers) or clients. Anonymous: 401. Anyone else who
is signed in: 403 on a collection route, and 404 on a detail route, because a detail route names
an object and the answer must not depend on whether it exists (nor on whose it is: a client's
own program is a 404 on the trainers' route too; the client app has its own endpoints)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from coaching.accounts.selectors import profile_of


class HasRole(BasePermission):
    role: str  # the profile attribute: "trainer" or "client"
    superusers = False

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if (self.superusers and user.is_superuser) or getattr(
            profile_of(user), self.role
        ) is not None:
            return True
        if getattr(view, "detail", False):
            raise NotFound
        return False


class IsTrainer(HasRole):
    role, superusers = "trainer", True
    message = "Only trainers can do this."


class IsClient(HasRole):
    role = "client"
    message = "Only clients log sessions and check-ins."
