"""Who is asking, for the bare views of ``bench/endpoints.py``: with hand-written SQL, the same
checks as the real stack makes, and the one rule of which clients a person sees.

- ``token_user``: the API's ``Authorization: Token …`` as knox checks it: the token found by its
  key prefix (one query, with the person's profile), the SHA-512 digest compared in Python, an
  expired token or an inactive person refused. Not done: knox's per-request sweep of the
  person's other expired tokens.
- ``signed_in``: a portal or admin session cookie as Django's ``get_user`` checks it: the
  session row (one query, unexpired), decoded with Django's session codec, its backend one of
  ``AUTHENTICATION_BACKENDS``, the user active, the session hash of the password the same; the
  person's profile (in the admin with their permissions, their groups' and their own, as
  ``ModelBackend`` reads them) in one more query. ``to_sign_in``: the redirect when not.
- ``denied``, ``is_trainer``, ``is_client``: the API's route rule (401 anonymous; someone of the
  other role 403 on a collection, 404 on a detail route).
- ``visible_clients``: a superuser sees every client, a practice admin the practice's, a
  trainer their own (``coaching.accounts.selectors.clients_for``), as an SQL condition."""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from config.api.errors import error_response

HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

# --- the API's token ---------------------------------------------------------------------------

WHO = """
SELECT t.digest, u.is_active, u.id, u.username, u.first_name, u.last_name, u.email,
       u.is_superuser, tr.id, tr.practice_id, tr.is_practice_admin, c.id
FROM knox_authtoken t
JOIN coaching_user u ON u.id = t.user_id
LEFT JOIN coaching_trainer tr ON tr.user_id = u.id
LEFT JOIN coaching_client c ON c.user_id = u.id AND tr.id IS NULL
WHERE t.token_key = %s AND (t.expiry IS NULL OR t.expiry > now())
"""


@dataclass(frozen=True)
class Who:
    user_id: int
    username: str
    first_name: str
    last_name: str
    email: str
    is_superuser: bool
    trainer_id: int | None
    practice_id: int | None  # the trainer's
    is_practice_admin: bool
    client_id: int | None  # a trainer is never a client (the profile rule)

    def sees(self) -> tuple[str, list[Any]]:
        return visible_clients(self)


def visible_clients(person: Any) -> tuple[str, list[Any]]:
    """The SQL condition on a ``coaching_client`` row ``c`` that this person may see, with its
    parameters: a superuser every client, a practice admin the practice's, a trainer their own
    (``coaching.accounts.selectors.clients_for``)."""
    if person.is_superuser:
        return "TRUE", []
    if person.is_practice_admin:
        return "c.practice_id = %s", [person.practice_id]
    if person.trainer_id is not None:
        return "c.trainer_id = %s", [person.trainer_id]
    return "FALSE", []


def token_digest(request: HttpRequest) -> tuple[str, str] | None:
    """(key prefix, SHA-512 digest) of the ``Authorization: Token …`` header, as knox reads it."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "token" or not token or " " in token:
        return None
    try:
        return token[: CONSTANTS.TOKEN_KEY_LENGTH], hash_token(token)
    except (TypeError, ValueError, binascii.Error):
        return None


def token_user(request: HttpRequest) -> Who | None:
    token = token_digest(request)
    if token is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(WHO, [token[0]])
        rows = cursor.fetchall()
    for digest, active, *person in rows:
        if compare_digest(digest, token[1]):
            person[8] = bool(person[8])  # is_practice_admin: NULL for someone not a trainer
            return Who(*person) if active else None
    return None


def denied(who: Who | None, detail: bool) -> HttpResponse:
    """401 anonymous; 404 on a detail route, 403 on a collection route (the real rule)."""
    if who is None:
        return error_response(401, "not_authenticated", "Invalid token.")
    if detail:
        return error_response(404, "not_found", "Not found.")
    return error_response(403, "permission_denied", "You may not do this.")


def is_trainer(who: Who | None) -> bool:
    return who is not None and (who.is_superuser or who.trainer_id is not None)


def is_client(who: Who | None) -> bool:
    return who is not None and who.client_id is not None


# --- the portal's and the admin's session ------------------------------------------------------

PERMISSIONS = """ARRAY(
    SELECT ct.app_label || '.' || p.codename FROM auth_permission p
    JOIN django_content_type ct ON ct.id = p.content_type_id
    WHERE p.id IN (SELECT permission_id FROM coaching_user_user_permissions WHERE user_id = u.id
                   UNION SELECT gp.permission_id FROM auth_group_permissions gp
                   JOIN coaching_user_groups ug ON ug.group_id = gp.group_id
                   WHERE ug.user_id = u.id))"""

PERSON = """
SELECT u.password, u.is_active, u.is_staff, u.is_superuser, u.username, u.first_name,
       u.last_name, c.id, tu.first_name, tu.last_name, tu.username, tr.id, tr.practice_id,
       tr.is_practice_admin, {permissions}
FROM coaching_user u
LEFT JOIN coaching_trainer tr ON tr.user_id = u.id
LEFT JOIN coaching_client c ON c.user_id = u.id AND tr.id IS NULL
LEFT JOIN coaching_trainer ct ON ct.id = c.trainer_id
LEFT JOIN coaching_user tu ON tu.id = ct.user_id
WHERE u.id = %s
"""


@dataclass(frozen=True)
class Person:
    user_id: int
    is_staff: bool
    is_superuser: bool
    username: str
    first_name: str
    last_name: str
    client_id: int | None
    trainer_name: str  # the client's trainer
    trainer_id: int | None
    practice_id: int | None
    is_practice_admin: bool
    permissions: frozenset[str]
    messages: bool  # the session or a cookie holds messages to show

    def sees(self) -> tuple[str, list[Any]]:
        return visible_clients(self)


def signed_in(request: HttpRequest, *, admin: bool = False) -> Person | None:
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s "
            "AND expire_date > now()",
            [key],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        data = SessionStore().decode(row[0])
        if data.get("_auth_user_backend") not in settings.AUTHENTICATION_BACKENDS:
            return None
        try:
            user_id = int(data["_auth_user_id"])
        except (KeyError, ValueError):
            return None
        cursor.execute(PERSON.format(permissions=PERMISSIONS if admin else "NULL"), [user_id])
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    expected = salted_hmac(HASH_SALT, row[0], algorithm="sha256").hexdigest()
    if not constant_time_compare(data.get("_auth_user_hash", ""), expected):
        return None
    return Person(
        user_id=user_id,
        is_staff=row[2],
        is_superuser=row[3],
        username=row[4],
        first_name=row[5],
        last_name=row[6],
        client_id=row[7],
        trainer_name=(f"{row[8]} {row[9]}".strip() or row[10]) if row[7] else "",
        trainer_id=row[11],
        practice_id=row[12],
        is_practice_admin=bool(row[13]),
        permissions=frozenset(row[14] or ()),
        messages="_messages" in data or "messages" in request.COOKIES,
    )


def to_sign_in(request: HttpRequest, login: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse(login)}?next={request.path}")
