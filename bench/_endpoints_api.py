"""Bare views of the API's reads for ``bench/endpoints.py`` (the writes are in
``_endpoints_writes.py``): each answers the same JSON as its real endpoint, from hand-written SQL
(``connection.cursor()``, one query for the person and one or two for the data) and
``json.dumps``: no serializer, no ORM, no DRF view. Mounted at ``/bench/bare`` + the real path
(``bench/endpoints_wsgi.py``); pagination links point at the real path, as the real ones do.

Bare but honest: the same knox token check (``_endpoints_auth.token_user``), the same access rule
(a trainer sees their clients, a practice admin the practice's, a superuser everyone's; a client
their own rows; someone else's row is a 404), the same ordering and page sizes. Left out: knox's
per-request sweep of the person's other expired tokens, the query parameters the bench does not
send (filters but ``status``), the browsable API.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.utils.urls import remove_query_param, replace_query_param

from bench._endpoints_auth import denied, is_client, is_trainer, token_user
from coaching.journal.vocabulary import Symptom, safety_for
from config.api.errors import error_response
from exercises.models import ExerciseMedia

PREFIX = "/bench/bare"  # the bare views' paths are this + the real path
SYMPTOM_ORDER = {code: i for i, code in enumerate(Symptom.values)}
FLAG_STATUSES = ("open", "applied", "dismissed", "resolved", "withdrawn")

# --- answering -----------------------------------------------------------------------------------


def answer(document: Any, status: int = 200) -> HttpResponse:
    """As DRF's JSONRenderer writes it: compact, UTF-8."""
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type="application/json")


def not_found(what: str) -> HttpResponse:
    return error_response(404, "not_found", f"No such {what}.")


def dt(value: datetime | None) -> str | None:
    """A time as DRF writes it: in the server's time zone, ``Z`` for UTC."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def loaded(value: Any) -> Any:
    """jsonb comes back as text (Django's loader), json as Python values."""
    return json.loads(value) if isinstance(value, str) else value


def full_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def safety(symptoms: list[str]) -> dict[str, Any] | None:
    found = safety_for(symptoms)
    return found.as_dict() if found else None


def page_of(request: HttpRequest, default: int = 50) -> tuple[int, int]:
    """(page, size) as the project's paginator reads them: a size that is not a whole number
    is 0 (a 400), a page that is not one is 0 (a 404)."""
    raw = request.GET.get("page_size", "").strip()
    try:
        size = int(raw) if raw else default
    except ValueError:
        size = 0
    else:
        size = default if size <= 0 else min(size, 1000)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 0
    return page, size


def envelope(request: HttpRequest, count: int, page: int, size: int, results: list) -> HttpResponse:
    if size < 1:
        return error_response(400, "invalid", "A whole number, up to 1000.", "page_size")
    if page < 1 or (page > 1 and not results):
        return error_response(404, "not_found", "Invalid page.")
    url = request.build_absolute_uri(request.get_full_path().removeprefix(PREFIX))
    pages = max(1, -(-count // size))
    following = replace_query_param(url, "page", page + 1) if page < pages else None
    previous = None
    if page > 1:
        previous = (
            remove_query_param(url, "page")
            if page == 2
            else replace_query_param(url, "page", page - 1)
        )
    return answer({"count": count, "next": following, "previous": previous, "results": results})


# --- documents built from rows -------------------------------------------------------------

SESSIONS = """
WITH page AS (
    SELECT s.id, s.client_id, s.program_id, s.performed_at, s.pain_before, s.pain_after,
           s.symptoms, s.notes, s.review_state, s.idempotency_key, s.created_at, s.updated_at,
           count(*) OVER () AS total
    FROM coaching_session s JOIN coaching_client c ON c.id = s.client_id
    WHERE {where}
    ORDER BY s.performed_at DESC, s.id DESC
    LIMIT %s OFFSET %s
)
SELECT page.*, e.id, e.prescription_id, x.slug, x.name, e.pain_during, e.pain_location,
       e.pain_quality, st.number, st.reps, st.load_kg, st.rpe
FROM page
LEFT JOIN coaching_entry e ON e.session_id = page.id
LEFT JOIN coaching_prescription rx ON rx.id = e.prescription_id
LEFT JOIN exercises_exercise x ON x.id = rx.exercise_id
LEFT JOIN coaching_set st ON st.entry_id = e.id
ORDER BY page.performed_at DESC, page.id DESC, e."order", e.id, st.number
"""


def sessions(where: str, params: list, limit: int, offset: int = 0) -> tuple[int, list[dict]]:
    """(how many sessions match, the page of them as the API shows them): one query."""
    with connection.cursor() as cursor:
        cursor.execute(SESSIONS.format(where=where), [*params, limit, offset])
        rows = cursor.fetchall()
    total, found = 0, []
    session: dict[str, Any] = {}
    entry: dict[str, Any] = {}
    for row in rows:
        total = row[12]
        if not session or session["id"] != row[0]:
            symptoms = loaded(row[6])
            session = {
                "safety": safety(symptoms),
                "id": row[0],
                "client": row[1],
                "program": row[2],
                "performed_at": dt(row[3]),
                "pain_before": row[4],
                "pain_after": row[5],
                "symptoms": symptoms,
                "notes": row[7],
                "entries": [],
                "review_state": row[8],
                "idempotency_key": str(row[9]),
                "created_at": dt(row[10]),
                "updated_at": dt(row[11]),
            }
            found.append(session)
            entry = {}
        if row[13] is None:
            continue
        if not entry or entry["id"] != row[13]:
            entry = {
                "id": row[13],
                "prescription": row[14],
                "exercise": {"slug": row[15], "name": row[16]},
                "pain_during": row[17],
                "pain_location": row[18],
                "pain_quality": row[19],
                "sets": [],
            }
            session["entries"].append(entry)
        if row[20] is not None:
            entry["sets"].append(
                {"number": row[20], "reps": row[21], "load_kg": number(row[22]), "rpe": row[23]}
            )
    return total, found


CHECK_INS = """
SELECT id, client_id, date, pain, stiffness, symptoms, review_state, idempotency_key,
       created_at, updated_at, count(*) OVER ()
FROM coaching_checkin WHERE client_id = %s ORDER BY date DESC, id DESC LIMIT %s OFFSET %s
"""


def check_in_document(row: tuple) -> dict[str, Any]:
    symptoms = loaded(row[5])
    return {
        "safety": safety(symptoms),
        "id": row[0],
        "client": row[1],
        "date": day(row[2]),
        "pain": row[3],
        "stiffness": row[4],
        "symptoms": symptoms,
        "review_state": row[6],
        "idempotency_key": str(row[7]),
        "created_at": dt(row[8]),
        "updated_at": dt(row[9]),
    }


FLAGS = """
SELECT f.id, f.client_id, u.first_name, u.last_name, u.username, f.kind, f.urgency, f.rule,
       f.reason, f.evidence, ex.slug, ex.name, sx.slug, sx.name, f.suggestion,
       f.prescription_id, f.status, f.not_firing_since, f.withdraw_reason, f.referred_to,
       f.clearance, f.cleared_at, f.dismiss_reason, f.decided_at, f.thresholds, f.times_fired,
       f.created_at, f.updated_at, count(*) OVER ()
FROM triage_flag f
JOIN coaching_client c ON c.id = f.client_id
JOIN coaching_user u ON u.id = c.user_id
LEFT JOIN exercises_exercise ex ON ex.id = f.exercise_id
LEFT JOIN exercises_exercise sx ON sx.id = f.suggested_exercise_id
WHERE {where}
ORDER BY f.urgency_rank, f.created_at DESC, f.id DESC
LIMIT %s OFFSET %s
"""


def flag_document(r: tuple) -> dict[str, Any]:
    return {
        "id": r[0],
        "client": r[1],
        "client_name": full_name(r[2], r[3], r[4]),
        "kind": r[5],
        "urgency": r[6],
        "rule": r[7],
        "reason": r[8],
        "evidence": loaded(r[9]),
        "exercise": None if r[10] is None else {"slug": r[10], "name": r[11]},
        "suggested_exercise": None if r[12] is None else {"slug": r[12], "name": r[13]},
        "suggestion": loaded(r[14]),
        "prescription": r[15],
        "status": r[16],
        "firing": r[17] is None,
        "not_firing_since": dt(r[17]),
        "withdraw_reason": r[18],
        "holds_progression": r[5] == "referral" and r[16] in ("open", "resolved") and r[21] is None,
        "referred_to": r[19],
        "clearance": r[20],
        "cleared_at": dt(r[21]),
        "dismiss_reason": r[22],
        "decided_at": dt(r[23]),
        "thresholds": loaded(r[24]),
        "times_fired": r[25],
        "created_at": dt(r[26]),
        "updated_at": dt(r[27]),
    }


CLIENTS = """
SELECT c.id, u.username, u.email, u.first_name, u.last_name, c.notes, c.trainer_id,
       tu.first_name, tu.last_name, tu.username, c.practice_id, p.id, p.name, p.starts_on,
       (SELECT s.performed_at FROM coaching_session s WHERE s.client_id = c.id
        ORDER BY s.performed_at DESC LIMIT 1),
       c.created_at, c.updated_at, count(*) OVER ()
FROM coaching_client c
JOIN coaching_user u ON u.id = c.user_id
JOIN coaching_trainer t ON t.id = c.trainer_id
JOIN coaching_user tu ON tu.id = t.user_id
LEFT JOIN LATERAL (
    SELECT id, name, starts_on FROM coaching_program
    WHERE client_id = c.id AND status = 'active' ORDER BY starts_on DESC, id DESC LIMIT 1
) p ON TRUE
WHERE {where}
ORDER BY u.first_name, u.last_name, u.username
LIMIT %s OFFSET %s
"""


def client_document(r: tuple) -> dict[str, Any]:
    return {
        "id": r[0],
        "username": r[1],
        "email": r[2],
        "first_name": r[3],
        "last_name": r[4],
        "notes": r[5],
        "trainer": r[6],
        "trainer_name": full_name(r[7], r[8], r[9]),
        "practice": r[10],
        "active_program": None
        if r[11] is None
        else {"id": r[11], "name": r[12], "starts_on": day(r[13])},
        "last_session_at": dt(r[14]),
        "created_at": dt(r[15]),
        "updated_at": dt(r[16]),
    }


# whether the exercise has a drawing, and its first upload (what programs' exercises show)
PICTURE = """x.illustration::text <> '{}', (SELECT json_build_object('id', m.id, 'kind', m.kind,
           'title', m.title, 'alt_text', m.alt_text, 'author', m.author,
           'source_url', m.source_url, 'licence', m.licence)
           FROM exercises_exercisemedia m WHERE m.exercise_id = x.id ORDER BY m."order", m.id
           LIMIT 1)"""
LICENCES = dict(ExerciseMedia.Licence.choices)


def picture(slug: str, drawn: bool, upload: Any) -> dict[str, Any]:
    """An exercise's ``illustration`` as programs show it: the drawing and the upload shown."""
    base = f"/exercises/{slug}/"
    media = []
    if upload:
        m = loaded(upload)
        media.append(
            {
                "kind": m["kind"],
                "url": f"{base}media/{m['id']}",
                "title": m["title"],
                "description": m["alt_text"],
                "author": m["author"],
                "source": m["source_url"],
                "licence": m["licence"],
                "credit": f"“{m['title']}” by {m['author']} — {LICENCES[m['licence']]}",
            }
        )
    still = base + "illustration.svg" if drawn else None
    animation = base + "animation.svg" if drawn else None
    primary = (
        {"kind": media[0]["kind"], "url": media[0]["url"]}
        if media
        else ({"kind": "drawing", "url": animation} if drawn else None)
    )
    return {"primary": primary, "still": still, "animation": animation, "media": media}


CUES = """(SELECT coalesce(json_agg(json_build_object('phase', q.phase, 'text', q.text)
           ORDER BY q."order", q.id), '[]') FROM exercises_cue q WHERE q.exercise_id = x.id)"""

PROGRAM = f"""
SELECT pr.id, pr.client_id, u.first_name, u.last_name, u.username, pr.name, pr.status,
       pr.starts_on, pr.ended_on, pr.sessions_per_week, pr.template_id, pr.created_at,
       pr.updated_at, rx.id, x.slug, x.name, {CUES}, rx.sets, rx.reps_min, rx.reps_max,
       rx.load_kg, rx.tempo, rx.hold_seconds, rx.notes, rx.started_at, rx."order", pr.weekdays,
       {{picture}}
FROM coaching_program pr
JOIN coaching_client c ON c.id = pr.client_id
JOIN coaching_user u ON u.id = c.user_id
LEFT JOIN coaching_prescription rx ON rx.program_id = pr.id AND rx.ended_at IS NULL
LEFT JOIN exercises_exercise x ON x.id = rx.exercise_id
WHERE {{where}}
ORDER BY rx."order", rx.id
"""


WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_codes(bits: int) -> list[str]:
    return [code for n, code in enumerate(WEEKDAY_CODES) if bits >> n & 1]


def next_planned(bits: int, starts_on: date) -> list[str]:
    """The next 7 planned days from today (not before the start)."""
    if not bits:
        return []
    found, today = [], max(timezone.localdate(), starts_on)
    while len(found) < 7:
        if bits >> today.weekday() & 1:
            found.append(today.isoformat())
        today += timedelta(days=1)
    return found


def prescription_document(r: tuple, *, mine: bool) -> dict[str, Any]:
    """One current prescription (columns 13–25 of ``PROGRAM``): as ``/me/program/`` shows it
    (``mine``: with its order) or ``/programs/{id}/`` (with its start)."""
    document = {
        "id": r[13],
        "exercise": {
            "slug": r[14],
            "name": r[15],
            "cues": loaded(r[16]),
            "illustration": picture(r[14], r[27], r[28]),
        },
        "sets": r[17],
        "reps_min": r[18],
        "reps_max": r[19],
        "load_kg": number(r[20]),
        "tempo": r[21],
        "hold_seconds": r[22],
        "notes": r[23],
    }
    if mine:
        document["order"] = r[25]
    else:
        document["started_at"] = dt(r[24])
    return document


# --- the views -----------------------------------------------------------------------------------


def me(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if who is None:
        return denied(who, False)
    if who.is_superuser:
        role = "superuser"
    elif who.trainer_id is not None:
        role = "practice_admin" if who.is_practice_admin else "trainer"
    elif who.client_id is not None:
        role = "client"
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM coaching_user_groups ug JOIN auth_group g "
                "ON g.id = ug.group_id WHERE ug.user_id = %s AND g.name = 'Catalogue editors')",
                [who.user_id],
            )
            role = "catalogue_editor" if cursor.fetchone()[0] else "member"
    return answer(
        {
            "id": who.user_id,
            "username": who.username,
            "first_name": who.first_name,
            "last_name": who.last_name,
            "email": who.email,
            "role": role,
        }
    )


def my_program(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if not is_client(who):
        return denied(who, False)
    with connection.cursor() as cursor:
        cursor.execute(
            PROGRAM.format(where="pr.client_id = %s AND pr.status = 'active'", picture=PICTURE),
            [who.client_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return error_response(404, "not_found", "You have no active program yet.")
    r = rows[0]
    return answer(
        {
            "id": r[0],
            "name": r[5],
            "starts_on": day(r[7]),
            "sessions_per_week": r[9],
            "weekdays": weekday_codes(r[26]),
            "next_planned": next_planned(r[26], r[7]),
            "prescriptions": [prescription_document(x, mine=True) for x in rows if x[13]],
            "updated_at": dt(r[12]),
        }
    )


def program(request: HttpRequest, pk: str) -> HttpResponse:
    who = token_user(request)
    if not is_trainer(who) or not pk.isdigit():
        return denied(who, True)
    sees, params = who.sees()
    with connection.cursor() as cursor:
        cursor.execute(
            PROGRAM.format(where=f"pr.id = %s AND {sees}", picture=PICTURE), [int(pk), *params]
        )
        rows = cursor.fetchall()
    if not rows:
        return not_found("program")
    r = rows[0]
    return answer(
        {
            "id": r[0],
            "client": r[1],
            "client_name": full_name(r[2], r[3], r[4]),
            "name": r[5],
            "status": r[6],
            "starts_on": day(r[7]),
            "ended_on": day(r[8]),
            "sessions_per_week": r[9],
            "weekdays": weekday_codes(r[26]),
            "template": r[10],
            "created_at": dt(r[11]),
            "updated_at": dt(r[12]),
            "prescriptions": [prescription_document(x, mine=False) for x in rows if x[13]],
        }
    )


def my_sessions(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if not is_client(who):
        return denied(who, False)
    page, size = page_of(request)
    total, found = sessions("s.client_id = %s", [who.client_id], size, (page - 1) * size)
    return envelope(request, total, page, size, found)


def my_session(request: HttpRequest, pk: str) -> HttpResponse:
    who = token_user(request)
    if not is_client(who) or not pk.isdigit():
        return denied(who, True)
    _, found = sessions("s.client_id = %s AND s.id = %s", [who.client_id, int(pk)], 1)
    return answer(found[0]) if found else not_found("session")


def my_check_ins(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if not is_client(who):
        return denied(who, False)
    page, size = page_of(request)
    with connection.cursor() as cursor:
        cursor.execute(CHECK_INS, [who.client_id, size, (page - 1) * size])
        rows = cursor.fetchall()
    total = rows[0][10] if rows else 0
    return envelope(request, total, page, size, [check_in_document(r) for r in rows])


def flags(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if not is_trainer(who):
        return denied(who, False)
    page, size = page_of(request)
    status = request.GET.get("status")
    if status and status not in FLAG_STATUSES:
        return error_response(400, "invalid", "Select a valid choice.", "status")
    sees, params = who.sees()
    where = f"{sees} AND f.status = %s" if status else sees
    with connection.cursor() as cursor:
        cursor.execute(
            FLAGS.format(where=where),
            [*params, *([status] if status else []), size, (page - 1) * size],
        )
        rows = cursor.fetchall()
    total = rows[0][28] if rows else 0
    return envelope(request, total, page, size, [flag_document(r) for r in rows])


def _trainers_one(
    request: HttpRequest, pk: str, sql: str, key: str, document: Any, what: str
) -> HttpResponse:
    """One row of a trainer's list query (``FLAGS``, ``CLIENTS``) by id, or the API's 404."""
    who = token_user(request)
    if not is_trainer(who) or not pk.isdigit():
        return denied(who, True)
    sees, params = who.sees()
    with connection.cursor() as cursor:
        cursor.execute(sql.format(where=f"{key} = %s AND {sees}"), [int(pk), *params, 1, 0])
        row = cursor.fetchone()
    return answer(document(row)) if row else not_found(what)


def flag(request: HttpRequest, pk: str) -> HttpResponse:
    return _trainers_one(request, pk, FLAGS, "f.id", flag_document, "flag")


def clients(request: HttpRequest) -> HttpResponse:
    who = token_user(request)
    if not is_trainer(who):
        return denied(who, False)
    page, size = page_of(request)
    sees, params = who.sees()
    with connection.cursor() as cursor:
        cursor.execute(CLIENTS.format(where=sees), [*params, size, (page - 1) * size])
        rows = cursor.fetchall()
    total = rows[0][17] if rows else 0
    return envelope(request, total, page, size, [client_document(r) for r in rows])


def client(request: HttpRequest, pk: str) -> HttpResponse:
    return _trainers_one(request, pk, CLIENTS, "c.id", client_document, "client")


def client_sessions(request: HttpRequest, pk: str) -> HttpResponse:
    who = token_user(request)
    if not is_trainer(who) or not pk.isdigit():
        return denied(who, True)
    page, size = page_of(request)
    sees, params = who.sees()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM coaching_client c WHERE c.id = %s AND {sees}", [int(pk), *params]
        )
        if cursor.fetchone() is None:
            return not_found("client")
    total, found = sessions("s.client_id = %s", [int(pk)], size, (page - 1) * size)
    return envelope(request, total, page, size, found)
