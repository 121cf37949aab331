"""How the API and the portal learn who is asking, in one query each.

- ``TokenAuthentication``: knox's, reading the token, the person and their profile (trainer or
  client) in one query. knox's own reads the token with its user and then every token of that
  user, to delete the expired ones, on every request: here an expired token is still refused
  and deleted when presented, and the person's other expired tokens go at sign-in
  (``TokenView``) and in the daily sweep (``coaching.accounts.tasks.sweep_expired_tokens``).
- ``ModelBackend``: Django's, whose ``get_user`` (the session's person, on every portal and admin
  request) reads the profile in the same query.

The token's query runs on every API request, so it is written once per process from the models'
metadata (``TokenRead``: the tables and columns as the migrations made them, each value converted
as the ORM converts it, the rows made into model instances with ``Model.from_db``), not compiled
by the ORM each time: that took 1.7 ms of CPU a request, this 0.3 ms (``bench/endpoints.py``)."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.contrib.auth import backends, get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from coaching.accounts.selectors import PROFILE_RELATIONS, Profile, remember_profile
from coaching.models import Client, Trainer
from config.prepared import Prepared


class TokenRead:
    """``SELECT`` the tokens with this key, each with its user and the user's trainer and client
    rows (``PROFILE_RELATIONS``; null when none), as model instances: what
    ``Token.objects.filter(token_key=…).select_related("user", "user__trainer", "user__client")``
    reads, prepared once for a database connection."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        Token, User = get_token_model(), get_user_model()
        qn = connection.ops.quote_name
        parts = [(Token, "t"), (User, "u"), (Trainer, "tr"), (Client, "c")]
        columns: list[str] = []
        self.plan: list[tuple[type[Model], list[str], slice, int, list[Any]]] = []
        for model, alias in parts:
            fields = model._meta.concrete_fields
            start = len(columns)
            columns += [f"{alias}.{qn(str(f.column))}" for f in fields]
            converters = []
            for f in fields:
                col = f.get_col(alias)
                found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                converters.append((found, col))
            pk = [f.attname for f in fields].index(model._meta.pk.attname)
            self.plan.append(
                (model, [f.attname for f in fields], slice(start, len(columns)), pk, converters)
            )
        user_pk = qn(str(User._meta.pk.column))

        def table(model: type[Model]) -> str:
            return qn(model._meta.db_table)

        def column(model: type[Model], name: str) -> str:
            return qn(str(getattr(model._meta.get_field(name), "column", name)))

        # names from the models' metadata, quoted; the key is the one parameter
        self.sql = " ".join(
            [
                "SELECT", ", ".join(columns), "FROM", table(Token), "t",
                f"JOIN {table(User)} u ON u.{user_pk} = t.{column(Token, 'user')}",
                f"LEFT JOIN {table(Trainer)} tr ON tr.{column(Trainer, 'user')} = u.{user_pk}",
                f"LEFT JOIN {table(Client)} c ON c.{column(Client, 'user')} = u.{user_pk}",
                f"WHERE t.{column(Token, 'token_key')} = %s",
            ]
        )  # fmt: skip
        self.alias = connection.alias

    def __call__(self, connection: BaseDatabaseWrapper, key: str) -> list[Any]:
        """Each token with this key, its ``user`` set, the user's profile remembered (no
        trainer or client row: None in the profile)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [key])
            rows = cursor.fetchall()
        found = []
        for row in rows:
            made: list[Any] = []
            for model, names, where, pk, converters in self.plan:
                values = list(row[where])
                if values[pk] is None:  # (no such row: the LEFT JOIN's nulls)
                    made.append(None)
                    continue
                for i, (functions, expression) in enumerate(converters):
                    for convert in functions:
                        values[i] = convert(values[i], expression, connection)
                made.append(model.from_db(self.alias, names, values))
            token, user, trainer, client = made
            token.user = user
            for profile in (trainer, client):
                if profile is not None:
                    profile.user = user  # (and ``user.trainer``/``user.client``)
            user._coaching_profile = Profile(trainer=trainer, client=None if trainer else client)
            found.append(token)
        return found


_TOKEN_READS: dict[str, TokenRead] = {}


def tokens_with_key(key: str) -> list[Any]:
    connection = connections[DEFAULT_DB_ALIAS]
    read = _TOKEN_READS.get(connection.alias)
    if read is None:
        read = _TOKEN_READS[connection.alias] = TokenRead(connection)
    return read(connection, key)


class TokenAuthentication(knox.TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        invalid = _("Invalid token.")
        text = token.decode("utf-8")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(invalid) from None
        for auth_token in tokens_with_key(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=type(self), username=username, source="auth_token")
                break
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(invalid)


# the session's user with their profile, in one prepared query (``config.prepared``)
_SESSION_USER = Prepared(
    lambda pk: (
        get_user_model()._default_manager.select_related(*PROFILE_RELATIONS).filter(pk=pk)[:1]
    )
)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            user_id = get_user_model()._meta.pk.to_python(user_id)  # (as the ORM takes it)
        user = _SESSION_USER.first(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_profile(user)
        return user


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox's token, for this subclass (the same scheme)."""

    target_class = "coaching.accounts.auth.TokenAuthentication"
