"""The real application plus one bare view, for bench/ingest.py only.

``POST /bench/bare-sessions/`` stores the same session as ``POST /api/v1/sessions/`` (the same
rows and columns: the session with its idempotency key, body digest and review_state='pending',
its entries and their sets) with raw SQL, in one transaction: the cheapest way a Django view can
take this write. It is the floor the real endpoint is compared with.

Bare but honest. It authenticates the same knox token (``Authorization: Token …``): one query
finds the token by its key prefix, joined to the client, the client's active program and that
program's current prescriptions, and the token's SHA-512 digest is compared in Python as knox
does. It refuses a prescription that is not a current one of that program (400), and an
Idempotency-Key already stored for the client creates nothing (200). The database checks the
ranges (its CHECK constraints; a violation is a 400). It skips what the real endpoint does beyond
that: field-by-field validation with messages, the replay lookup before writing, the
triage enqueue on commit, and the full serialized session in the answer (this one answers
``{"id", "review_state"}``)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from hmac import compare_digest

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from django.db import DataError, IntegrityError, connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from knox.crypto import hash_token  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402

import config.urls  # noqa: E402

WHO = """
SELECT t.digest, c.id, p.id, array_agg(rx.id)
FROM knox_authtoken t
JOIN coaching_user u ON u.id = t.user_id AND u.is_active
JOIN coaching_client c ON c.user_id = t.user_id
JOIN coaching_program p ON p.client_id = c.id AND p.status = 'active'
JOIN coaching_prescription rx ON rx.program_id = p.id AND rx.ended_at IS NULL
WHERE t.token_key = %s AND (t.expiry IS NULL OR t.expiry > now())
GROUP BY t.digest, c.id, p.id
"""

SESSION = """
INSERT INTO coaching_session (client_id, program_id, idempotency_key, body_digest, symptoms,
    review_state, reviewed_at, created_at, updated_at, performed_at, pain_before, pain_after, notes)
VALUES (%s, %s, %s, %s, %s::jsonb, 'pending', NULL, now(), now(), %s, %s, %s, %s)
ON CONFLICT (client_id, idempotency_key) DO NOTHING
RETURNING id
"""

ENTRIES = """
INSERT INTO coaching_entry (session_id, prescription_id, "order", pain_during, pain_location,
    pain_quality)
VALUES {rows}
RETURNING id, "order"
"""

SETS = "INSERT INTO coaching_set (entry_id, number, reps, load_kg, rpe) VALUES {rows}"


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
def bare_session(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "POST only.")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not token:
        return _error(401, "Token required.")
    try:
        key = uuid.UUID(request.headers["Idempotency-Key"])
        body = json.loads(request.body)
        entries = body["entries"]
        if not entries or not all(e["sets"] for e in entries):
            raise ValueError("empty")
    except (KeyError, ValueError, TypeError):
        return _error(400, "Bad body or Idempotency-Key.")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(WHO, [token[: CONSTANTS.TOKEN_KEY_LENGTH]])
            found = cursor.fetchone()
            if found is None or not compare_digest(found[0], hash_token(token)):
                return _error(401, "Invalid token.")
            _, client_id, program_id, current = found
            if any(e["prescription"] not in current for e in entries):
                return _error(400, "No such prescription in your program.")
            cursor.execute(
                SESSION,
                [
                    client_id,
                    program_id,
                    key,
                    hashlib.sha256(request.body).hexdigest(),
                    json.dumps(body.get("symptoms", [])),
                    body["performed_at"],
                    body["pain_before"],
                    body["pain_after"],
                    body.get("notes", ""),
                ],
            )
            stored = cursor.fetchone()
            if stored is None:  # this key was stored already: create nothing
                return JsonResponse({"detail": "Already stored."}, status=200)
            session_id = stored[0]
            cursor.execute(
                ENTRIES.format(rows=", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(entries))),
                [
                    value
                    for order, e in enumerate(entries)
                    for value in (
                        session_id,
                        e["prescription"],
                        order,
                        e["pain_during"],
                        e.get("pain_location", ""),
                        e.get("pain_quality", ""),
                    )
                ],
            )
            entry_ids = {order: pk for pk, order in cursor.fetchall()}
            sets = [
                (entry_ids[order], number, s["reps"], s.get("load_kg"), s.get("rpe"))
                for order, e in enumerate(entries)
                for number, s in enumerate(e["sets"], start=1)
            ]
            cursor.execute(
                SETS.format(rows=", ".join(["(%s, %s, %s, %s, %s)"] * len(sets))),
                [value for row in sets for value in row],
            )
    except (KeyError, TypeError, DataError, IntegrityError):
        return _error(400, "Invalid session.")
    return JsonResponse({"id": session_id, "review_state": "pending"}, status=201)


config.urls.urlpatterns.append(path("bench/bare-sessions/", bare_session))
