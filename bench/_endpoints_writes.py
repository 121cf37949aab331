"""Bare views of the API's two writes for ``bench/endpoints.py``: ``POST /api/v1/sessions/`` and
``POST /api/v1/check-ins/``, with hand-written SQL (``INSERT … RETURNING``) and ``json.dumps``.

They store the same rows and columns as the real endpoints (the body digest the real service
computes, ``review_state='pending'``, the symptoms in the checklist's order), in one transaction
under the client's row lock (``FOR NO KEY UPDATE``, as ``journal.services`` takes it), hand the
client to triage on commit through the same ``triage.handover.request_review`` (one Celery
publish), and answer the same document as the real endpoint (the stored session with its entries,
sets and exercises; the check-in), built from what was written and what ``RETURNING`` gave back.
The same Idempotency-Key again answers the stored record (a different body under it: 409).

Bare but honest: one query authenticates the knox token (digest compared in Python) and reads the
client's active program and current prescriptions; a prescription that is not a current one of
that program is a 400, so is a session or a check-in more than a day ahead (as the service). Left
out: field-by-field validation with messages (the database's CHECK and UNIQUE constraints refuse
values out of range and an exercise twice: a 400), knox's sweep of other expired tokens, and
logging against a prescription replaced after the session was performed (the real endpoint
accepts it; the bench never sends one)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from hmac import compare_digest
from typing import Any

from django.db import DataError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from bench._endpoints_api import (
    CHECK_INS,
    SYMPTOM_ORDER,
    answer,
    check_in_document,
    dt,
    number,
    safety,
    sessions,
)
from bench._endpoints_auth import token_digest
from config.api.errors import error_response
from triage.handover import request_review

LOGGER = """
SELECT t.digest, u.is_active, c.id, p.id, rx.id, x.slug, x.name
FROM knox_authtoken t
JOIN coaching_user u ON u.id = t.user_id
JOIN coaching_client c ON c.user_id = u.id
LEFT JOIN coaching_program p ON p.client_id = c.id AND p.status = 'active'
LEFT JOIN coaching_prescription rx ON rx.program_id = p.id AND rx.ended_at IS NULL
LEFT JOIN exercises_exercise x ON x.id = rx.exercise_id
WHERE t.token_key = %s AND (t.expiry IS NULL OR t.expiry > now())
  AND NOT EXISTS (SELECT 1 FROM coaching_trainer tr WHERE tr.user_id = u.id)
"""

LOCK = "SELECT id FROM coaching_client WHERE id = %s FOR NO KEY UPDATE"

SESSION = """
INSERT INTO coaching_session (client_id, program_id, idempotency_key, body_digest, symptoms,
    review_state, reviewed_at, created_at, updated_at, performed_at, pain_before, pain_after, notes)
VALUES (%s, %s, %s, %s, %s::jsonb, 'pending', NULL, now(), now(), %s, %s, %s, %s)
ON CONFLICT (client_id, idempotency_key) DO NOTHING
RETURNING id, created_at, updated_at
"""

ENTRIES = """
INSERT INTO coaching_entry (session_id, prescription_id, "order", pain_during, pain_location,
    pain_quality) VALUES {rows} RETURNING id, "order"
"""

SETS = "INSERT INTO coaching_set (entry_id, number, reps, load_kg, rpe) VALUES {rows}"

CHECK_IN = """
INSERT INTO coaching_checkin (client_id, idempotency_key, body_digest, symptoms, review_state,
    reviewed_at, created_at, updated_at, date, pain, stiffness)
VALUES (%s, %s, %s, %s::jsonb, 'pending', NULL, now(), now(), %s, %s, %s)
ON CONFLICT (client_id, idempotency_key) DO NOTHING
RETURNING id, created_at, updated_at
"""


def _digest(payload: dict[str, Any]) -> str:
    """The body digest the real service stores (``journal.services._digest``)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _normal(load: Any) -> str | None:
    return None if load is None else f"{Decimal(str(load)).normalize():f}"


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else timezone.make_aware(value)


def _key(request: HttpRequest) -> uuid.UUID:
    raw = request.headers.get("Idempotency-Key")
    return uuid.UUID(raw.strip()) if raw else uuid.uuid4()


def _logger(cursor: Any, request: HttpRequest) -> tuple[int, int | None, dict] | None:
    """The client the token names, their active program and its current prescriptions."""
    token = token_digest(request)
    if token is None:
        return None
    cursor.execute(LOGGER, [token[0]])
    rows = [r for r in cursor.fetchall() if compare_digest(r[0], token[1]) and r[1]]
    if not rows:
        return None
    current = {r[4]: {"slug": r[5], "name": r[6]} for r in rows if r[4] is not None}
    return rows[0][2], rows[0][3], current


def _replayed(cursor: Any, table: str, client_id: int, key: uuid.UUID, digest: str) -> Any:
    cursor.execute(
        f"SELECT id, body_digest FROM {table} WHERE client_id = %s AND idempotency_key = %s",
        [client_id, key],
    )
    stored = cursor.fetchone()
    if stored[1] != digest:
        return error_response(409, "idempotency_key_reused", "Key already used.")
    return stored[0]


def session_create(request: HttpRequest) -> HttpResponse:
    try:
        key = _key(request)
        body = json.loads(request.body)
        performed = _when(body["performed_at"])
        entries = body["entries"]
        symptoms = sorted(set(body.get("symptoms", [])), key=SYMPTOM_ORDER.__getitem__)
        notes = body.get("notes", "")
        if not entries or not all(e["sets"] for e in entries):
            raise ValueError("empty")
        if performed > timezone.now() + timedelta(days=1):
            raise ValueError("in the future")
        digest = _digest(
            {
                "performed_at": performed.astimezone(UTC).isoformat(),
                "pain": [body["pain_before"], body["pain_after"]],
                "symptoms": sorted(set(symptoms)),
                "notes": notes,
                "entries": [
                    [
                        e["prescription"],
                        e["pain_during"],
                        e.get("pain_location", ""),
                        e.get("pain_quality", ""),
                        [[s["reps"], _normal(s.get("load_kg")), s.get("rpe")] for s in e["sets"]],
                    ]
                    for e in entries
                ],
            }
        )
    except (KeyError, ValueError, TypeError):
        return error_response(400, "invalid", "Bad body or Idempotency-Key.")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            found = _logger(cursor, request)
            if found is None:
                return error_response(401, "not_authenticated", "Invalid token.")
            client_id, program_id, current = found
            if any(e["prescription"] not in current for e in entries):
                return error_response(400, "does_not_exist", "No such prescription.")
            cursor.execute(LOCK, [client_id])
            cursor.execute(
                SESSION,
                [client_id, program_id, key, digest, json.dumps(symptoms), performed,
                 body["pain_before"], body["pain_after"], notes],
            )  # fmt: skip
            stored = cursor.fetchone()
            if stored is None:  # a replay: the stored session, as a read shows it
                replayed = _replayed(cursor, "coaching_session", client_id, key, digest)
                if isinstance(replayed, HttpResponse):
                    return replayed
                _, documents = sessions("s.id = %s", [replayed], 1)
                return answer(documents[0], 201)
            session_id, created, updated = stored
            cursor.execute(
                ENTRIES.format(rows=", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(entries))),
                [value for order, e in enumerate(entries)
                 for value in (session_id, e["prescription"], order, e["pain_during"],
                               e.get("pain_location", ""), e.get("pain_quality", ""))],
            )  # fmt: skip
            entry_ids = {order: pk for pk, order in cursor.fetchall()}
            sets = [
                (entry_ids[order], n, s["reps"], s.get("load_kg"), s.get("rpe"))
                for order, e in enumerate(entries)
                for n, s in enumerate(e["sets"], start=1)
            ]
            cursor.execute(
                SETS.format(rows=", ".join(["(%s, %s, %s, %s, %s)"] * len(sets))),
                [value for row in sets for value in row],
            )
            request_review(client_id)  # the same hand-over as the real endpoint, on commit
    except (KeyError, TypeError, DataError, IntegrityError):
        return error_response(400, "invalid", "Invalid session.")
    return answer(
        {
            "safety": safety(symptoms),
            "id": session_id,
            "client": client_id,
            "program": program_id,
            "performed_at": dt(performed),
            "pain_before": body["pain_before"],
            "pain_after": body["pain_after"],
            "symptoms": symptoms,
            "notes": notes,
            "entries": [
                {
                    "id": entry_ids[order],
                    "prescription": e["prescription"],
                    "exercise": current[e["prescription"]],
                    "pain_during": e["pain_during"],
                    "pain_location": e.get("pain_location", ""),
                    "pain_quality": e.get("pain_quality", ""),
                    "sets": [
                        {
                            "number": n,
                            "reps": s["reps"],
                            "load_kg": number(s.get("load_kg")),
                            "rpe": s.get("rpe"),
                        }
                        for n, s in enumerate(e["sets"], start=1)
                    ],
                }
                for order, e in enumerate(entries)
            ],
            "review_state": "pending",
            "idempotency_key": str(key),
            "created_at": dt(created),
            "updated_at": dt(updated),
        },
        201,
    )


def check_in_create(request: HttpRequest) -> HttpResponse:
    try:
        key = _key(request)
        body = json.loads(request.body)
        when = date.fromisoformat(body["date"])
        symptoms = sorted(set(body.get("symptoms", [])), key=SYMPTOM_ORDER.__getitem__)
        pain, stiffness = body["pain"], body["stiffness"]
        if when > timezone.localdate() + timedelta(days=1):
            raise ValueError("in the future")
        digest = _digest(
            {"date": when.isoformat(), "pain": [pain, stiffness], "symptoms": sorted(set(symptoms))}
        )
    except (KeyError, ValueError, TypeError):
        return error_response(400, "invalid", "Bad body or Idempotency-Key.")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            found = _logger(cursor, request)
            if found is None:
                return error_response(401, "not_authenticated", "Invalid token.")
            client_id = found[0]
            cursor.execute(LOCK, [client_id])
            cursor.execute(
                CHECK_IN,
                [client_id, key, digest, json.dumps(symptoms), when, pain, stiffness],
            )
            stored = cursor.fetchone()
            if stored is None:
                replayed = _replayed(cursor, "coaching_checkin", client_id, key, digest)
                if isinstance(replayed, HttpResponse):
                    return replayed
                cursor.execute(CHECK_INS.replace("client_id = %s", "id = %s"), [replayed, 1, 0])
                return answer(check_in_document(cursor.fetchone()), 201)
            request_review(client_id)
    except (DataError, IntegrityError):
        return error_response(400, "invalid", "Invalid check-in.")
    return answer(
        check_in_document(
            (stored[0], client_id, when, pain, stiffness, symptoms, "pending", key, *stored[1:])
        ),
        201,
    )
