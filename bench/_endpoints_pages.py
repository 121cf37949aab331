"""Bare views of the portal's pages for ``bench/endpoints.py`` (Today ``/``, Log ``/log/``,
History ``/history/``), mounted at ``/bench/bare`` + the real path (``bench/endpoints_wsgi.py``);
the admin's are in ``_endpoints_admin.py``.

**The same template**, rendered from hand-written SQL rows put in plain objects instead of model
instances; the Log page builds the same form classes (``coaching.portal.forms.SessionLogForm``)
from those rows, and History the same charts (``coaching.portal.history.history_charts``): what
differs from the real view is how the rows are read and who is asking, not the HTML. The answer
is the same page, byte for byte, but for the CSRF token, the form's new idempotency key and its
time to the minute. (So on the Log page both render the same Django forms, which are most of
its cost: the floor there is the form rendering itself.)

Who is asking: the session cookie, read as Django's ``get_user`` reads it, with the person's
profile, in two queries (``_endpoints_auth.signed_in``); a request that is not signed in is sent
to sign in, as the real pages do."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from bench._endpoints_api import CUES, PICTURE, loaded, picture
from bench._endpoints_auth import Person, signed_in, to_sign_in
from coaching.journal.vocabulary import (
    LOCATION_LABELS,
    PAIN_ZONES,
    QUALITY_LABELS,
    SYMPTOM_LABELS,
    safety_for,
)
from coaching.portal.forms import SessionLogForm
from coaching.portal.history import (
    CHART_CHECK_INS,
    CHART_SESSIONS,
    CheckInRow,
    EntryRow,
    SessionRow,
    history_charts,
)
from exercises.models import Cue

PHASES = dict(Cue.Phase.choices)
LISTED = 10  # the History page's latest records (coaching.portal.views.LISTED)
CHANGE_NOTICE_DAYS = 14  # Today's "new from your trainer" (coaching.portal.views)


def page(
    request: HttpRequest, template: str, person: Person, name: str, context: dict
) -> HttpResponse:
    """A portal page as ``coaching.portal.views._page`` renders it. The template reads the
    user (``user.client``, ``user.is_staff``), the URL name (the navigation's current page) and
    the messages: given here from the rows read, not from the request's lazy objects."""
    return render(
        request,
        template,
        {
            "is_client": True,
            "pain_zones": PAIN_ZONES,
            "user": SimpleNamespace(
                is_authenticated=True, client=True, is_staff=person.is_staff, pk=person.user_id
            ),
            "request": SimpleNamespace(
                resolver_match=SimpleNamespace(url_name=name, namespace="portal")
            ),
            "messages": get_messages(request) if person.messages else (),
            **context,
        },
    )


# --- the portal ----------------------------------------------------------------------------------

PROGRAM = """
SELECT p.id, p.name, p.sessions_per_week, rx.id, rx.sets, rx.reps_min, rx.reps_max, rx.load_kg,
       rx.hold_seconds, rx.tempo, rx.notes, rx.started_at, rx.replaces_id, x.slug, x.name,
       {cues}, old.sets, old.reps_min, old.reps_max, old.load_kg, old.hold_seconds, old.tempo,
       ox.name, x.slug, {picture}
FROM coaching_program p
LEFT JOIN coaching_prescription rx ON rx.program_id = p.id AND rx.ended_at IS NULL
LEFT JOIN exercises_exercise x ON x.id = rx.exercise_id
LEFT JOIN coaching_prescription old ON old.id = rx.replaces_id
LEFT JOIN exercises_exercise ox ON ox.id = old.exercise_id
WHERE p.client_id = %s AND p.status = 'active'
ORDER BY rx."order", rx.id
"""


def dose(sets: int, reps_min: int, reps_max: int, load: Any, hold: Any, tempo: str) -> str:
    """As ``PrescriptionFields.dose``: "3 × 8–12 · 10 kg · hold 5 s · tempo 2-1-2"."""
    reps = f"{reps_min}" if reps_min == reps_max else f"{reps_min}–{reps_max}"
    parts = [f"{sets} × {reps}"]
    if load is not None:
        parts.append(f"{load.normalize():f} kg")
    if hold:
        parts.append(f"hold {hold} s")
    if tempo:
        parts.append(f"tempo {tempo}")
    return " · ".join(parts)


def active_program(client_id: int, *, with_cues: bool) -> SimpleNamespace | None:
    """The client's active program with its current prescriptions, as plain objects with the
    attributes the templates and the log form read."""
    with connection.cursor() as cursor:
        cursor.execute(
            PROGRAM.format(cues=CUES if with_cues else "NULL", picture=PICTURE), [client_id]
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    recent = timezone.now() - timedelta(days=CHANGE_NOTICE_DAYS)
    url = reverse("catalogue:detail", kwargs={"slug": "SLUG"})
    current = []
    for r in rows:
        if r[3] is None:
            continue
        cues = [
            SimpleNamespace(get_phase_display=PHASES[q["phase"]], text=q["text"])
            for q in loaded(r[15]) or ()
        ]
        current.append(
            SimpleNamespace(
                pk=r[3],
                sets=r[4],
                reps_min=r[5],
                reps_max=r[6],
                load_kg=r[7],
                notes=r[10],
                started_at=r[11],
                dose=dose(r[4], r[5], r[6], r[7], r[8], r[9]),
                exercise=SimpleNamespace(
                    name=r[14],
                    get_absolute_url=url.replace("SLUG", r[13]),
                    cues=SimpleNamespace(all=cues),
                    picture=picture(r[23], r[24], r[25]),
                ),
                recently_changed=r[12] is not None and r[11] >= recent,
                replaces=None
                if r[12] is None
                else SimpleNamespace(
                    exercise=SimpleNamespace(name=r[22]),
                    dose=dose(r[16], r[17], r[18], r[19], r[20], r[21]),
                ),
            )
        )
    return SimpleNamespace(name=rows[0][1], sessions_per_week=rows[0][2], current=current)


def today(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if person is None:
        return to_sign_in(request, "portal:login")
    if person.client_id is None:
        return HttpResponseRedirect(reverse("catalogue:list"))
    program = active_program(person.client_id, with_cues=True)
    client = SimpleNamespace(trainer=person.trainer_name)
    if program is not None:  # (the template names the trainer through the program)
        program.client = client
    with connection.cursor() as cursor:  # the care team's messages the client has not read
        cursor.execute(UNREAD, [person.user_id, person.client_id])
        (unread,) = cursor.fetchone()
    context = {"client": client, "program": program, "unread": unread}
    return page(request, "portal/today.html", person, "home", context)


UNREAD = """
SELECT count(*) FROM coaching_message m
LEFT JOIN coaching_threadread r ON r.client_id = m.client_id AND r.user_id = %s
WHERE m.client_id = %s AND NOT m.from_client AND (r.read_until IS NULL OR m.created_at > r.read_until)
"""


def log(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if person is None:
        return to_sign_in(request, "portal:login")
    if person.client_id is None:
        return render(request, "portal/clients_only.html", status=403)
    program = active_program(person.client_id, with_cues=False)
    form = SessionLogForm(actor=None, program=program)  # type: ignore[arg-type]
    return page(
        request,
        "portal/log.html",
        person,
        "log",
        {"form": form, "program": program, "errors": form.error_summary()},
    )


HISTORY = """
WITH page AS (
    SELECT id, performed_at, pain_before, pain_after, symptoms, notes FROM coaching_session
    WHERE client_id = %s ORDER BY performed_at DESC, id DESC LIMIT %s
)
SELECT page.*, e.id, x.slug, x.name, e.pain_during, e.pain_location, e.pain_quality,
       st.reps, st.load_kg, st.rpe
FROM page
LEFT JOIN coaching_entry e ON e.session_id = page.id
LEFT JOIN coaching_prescription rx ON rx.id = e.prescription_id
LEFT JOIN exercises_exercise x ON x.id = rx.exercise_id
LEFT JOIN coaching_set st ON st.entry_id = e.id
ORDER BY page.performed_at DESC, page.id DESC, e."order", e.id, st.number
"""

MORNINGS = """
SELECT date, pain, stiffness, symptoms FROM coaching_checkin WHERE client_id = %s
ORDER BY date DESC, id DESC LIMIT %s
"""


def _session_rows(rows: list[tuple]) -> list[SessionRow]:
    """``coaching.portal.history._session_row`` from joined rows (session × entry × set)."""
    url = reverse("catalogue:detail", kwargs={"slug": "SLUG"})
    found: list[SessionRow] = []
    entry: EntryRow | None = None
    entry_id = None
    for r in rows:
        if not found or found[-1].session.id != r[0]:
            symptoms = loaded(r[4])
            level = safety_for(symptoms)
            found.append(
                SessionRow(
                    session=SimpleNamespace(
                        id=r[0], performed_at=r[1], pain_before=r[2], pain_after=r[3], notes=r[5]
                    ),
                    entries=[],
                    symptoms=[SYMPTOM_LABELS.get(s, s) for s in symptoms],
                    pain_during_max=None,
                    safety=level.level if level else None,
                )
            )
            entry_id = None
        row = found[-1]
        if r[6] is None:
            continue
        if r[6] != entry_id:
            where = (LOCATION_LABELS.get(r[10], ""), QUALITY_LABELS.get(r[11], "").lower())
            entry = EntryRow(
                exercise=r[8],
                url=url.replace("SLUG", r[7]),
                reps=[],
                loads=[],
                rpes=[],
                pain_during=r[9],
                where=", ".join(x for x in where if x),
            )
            entry_id = r[6]
            row.entries.append(entry)
            row.pain_during_max = max(r[9], row.pain_during_max or 0)
        if r[12] is not None and entry is not None:
            entry.reps.append(r[12])
            if r[13] is not None:
                entry.loads.append(f"{r[13].normalize():f}")
            if r[14] is not None:
                entry.rpes.append(r[14])
    return found


def history(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if person is None:
        return to_sign_in(request, "portal:login")
    if person.client_id is None:
        return render(request, "portal/clients_only.html", status=403)
    with connection.cursor() as cursor:
        cursor.execute(HISTORY, [person.client_id, CHART_SESSIONS])
        rows = _session_rows(cursor.fetchall())
        cursor.execute(MORNINGS, [person.client_id, CHART_CHECK_INS])
        check_ins = [
            SimpleNamespace(date=d, pain=p, stiffness=s, symptoms=loaded(sy))
            for d, p, s, sy in cursor.fetchall()
        ]
    charts = history_charts(rows, check_ins)  # type: ignore[arg-type]
    recent = []
    for c in check_ins[:LISTED]:
        level = safety_for(c.symptoms)
        recent.append(
            CheckInRow(
                check_in=c,  # type: ignore[arg-type]
                symptoms=[SYMPTOM_LABELS.get(s, s) for s in c.symptoms],
                safety=level.level if level else None,
            )
        )
    return page(
        request,
        "portal/history.html",
        person,
        "history",
        {
            "charts": {name: chart.as_dict() for name, chart in charts.items()},
            "tables": {name: chart.table() for name, chart in charts.items()},
            "volume_names": [d["label"] for d in charts["volume"].datasets],
            "sessions": rows[:LISTED],
            "check_ins": recent,
            "session_count": len(rows),
            "check_in_count": len(check_ins),
            "chart_limit": CHART_SESSIONS,
        },
    )
