"""Token authentication for the API: knox's per-device, hashed, expiring tokens, with two
changes for the hot paths (every request of a mobile app goes through here):

- the person's coaching profile (trainer or client, with practice and trainer) is read in the
  same query as the token, so ``coaching.accounts.selectors.profile_of`` needs no query of its own;
- only the presented token's expiry is checked per request (knox also sweeps the user's other
  expired tokens on every request: a query each time); other expired tokens are deleted when the
  user signs in (``coaching.api.TokenView``). An expired token is refused either way."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from coaching.accounts.selectors import Profile


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        message = "Invalid token."
        presented = token.decode("utf-8")
        candidates = (
            get_token_model()
            .objects.filter(token_key=presented[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related(
                "user", "user__trainer__practice", "user__client__practice", "user__client__trainer"
            )
        )
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                continue
            try:
                digest = hash_token(presented)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(message) from exc
            if compare_digest(digest, auth_token.digest):
                auth_token.user._coaching_profile = Profile.of(auth_token.user)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of this authentication (knox's, for the subclass)."""

    target_class = "coaching.accounts.auth.TokenAuthentication"
