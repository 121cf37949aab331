"""How the API and the portal learn who is asking, in one query each.

- ``TokenAuthentication``: knox's, reading the token, the person and their profile (trainer or
  client) in one query. knox's own reads the token with its user and then every token of that
  user, to delete the expired ones, on every request: here an expired token is still refused
  and deleted when presented, and the person's other expired tokens go at sign-in
  (``TokenView``) and in the daily sweep (``coaching.accounts.tasks.sweep_expired_tokens``).
- ``ModelBackend``: Django's, whose ``get_user`` (the session's person, on every portal and admin
  request) reads the profile in the same query."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.contrib.auth import backends, get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from coaching.accounts.selectors import PROFILE_RELATIONS, remember_profile

TOKEN_RELATIONS = ("user", *(f"user__{name}" for name in PROFILE_RELATIONS))


class TokenAuthentication(knox.TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        invalid = _("Invalid token.")
        text = token.decode("utf-8")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(invalid) from None
        found = get_token_model().objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in found.select_related(*TOKEN_RELATIONS):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=type(self), username=username, source="auth_token")
                break
            user, auth_token = self.validate_user(auth_token)
            remember_profile(user)
            return user, auth_token
        raise exceptions.AuthenticationFailed(invalid)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = (
            get_user_model()
            ._default_manager.select_related(*PROFILE_RELATIONS)
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_profile(user)
        return user


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox's token, for this subclass (the same scheme)."""

    target_class = "coaching.accounts.auth.TokenAuthentication"
