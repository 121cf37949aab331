"""Bare views of three admin pages for ``bench/endpoints.py``: the flag queue
(``/admin/triage/flag/``, open flags), the client list (``/admin/coaching/client/``) and, at the
end of this file, the caseload dashboard (``/admin/``, a trainer's home page).

**The closest honest equivalent, not the same page.** The bare page renders the result table's
rows with the HTML the admin writes for them (the same cells, links, badges and escaping, for
the same first page of 50 in the same order), the column titles and the count, inside the
admin's ``admin/base_site.html`` (header, user links, breadcrumbs). It leaves out the admin's
navigation sidebar (the app list and its permission checks), the filter sidebar, the search
box, the action bar and the sort links: it does less than the real page, so the ratio it gives
is a conservative one. ``bench/_endpoints_compare.py`` checks the rows byte for byte.

Who is asking: the session as the portal's bare pages read it, with the person's permissions
(``_endpoints_auth.signed_in``): staff only, and the page's view permission. Handled: trainers and
practice admins (the trainer column); a superuser sees every client but without the admin's
practice column."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.utils import timezone
from django.utils.html import format_html

from bench._endpoints_api import loaded
from bench._endpoints_auth import Person, signed_in, to_sign_in
from coaching.accounts.invitation_admin import SIGN_IN_WORDS

ADMIN_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main"><div class="module" id="changelist">
<div class="results"><table id="result_list"><thead><tr>
{% for title in titles %}<th scope="col"><div class="text"><span>{{ title }}</span></div></th>
{% endfor %}
</tr></thead><tbody>
{% for row in rows %}<tr>{% for cell in row %}{{ cell }}{% endfor %}</tr>
{% endfor %}</tbody></table></div>
<p class="paginator">{{ count }} {{ noun }}</p></div></div>{% endblock %}"""
)
BADGE = (
    '<span style="background:{};color:#fff;border-radius:4px;padding:1px 6px;'
    'white-space:nowrap;font-weight:600">{}</span>'
)
COLOURS = {"emergency": "#a00000", "urgent": "#9a5b00", "routine": "#3d5a80"}
URGENCIES = ("emergency", "urgent", "routine")
NOWRAP = '<span style="white-space: nowrap">{}</span>'


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 2].rstrip() + "…"


def admin_context(person: Person, title: str) -> dict[str, Any]:
    """What every admin page's base template reads: the titles and the signed-in person."""
    user = SimpleNamespace(
        get_short_name=person.first_name,
        get_username=person.username,
        is_active=True,
        is_staff=person.is_staff,
        has_usable_password=True,
    )
    return {
        "title": title,
        "site_title": "Coaching admin",
        "site_header": "Coaching platform",
        "site_url": "/",
        "has_permission": True,
        "is_nav_sidebar_enabled": False,
        "user": user,
    }


def admin_page(
    request: HttpRequest,
    person: Person,
    title: str,
    titles: list,
    rows: list,
    count: int,
    noun: str,
) -> HttpResponse:
    context = {
        **admin_context(person, title),
        "titles": titles,
        "rows": rows,
        "count": count,
        "noun": noun,
    }
    return HttpResponse(ADMIN_PAGE.render(context, request))


def admin_allowed(request: HttpRequest, permission: str) -> Person | HttpResponse:
    person = signed_in(request, admin=True)
    if person is None or not person.is_staff:
        return to_sign_in(request, "admin:login")
    if not (person.is_superuser or permission in person.permissions):
        return HttpResponse(status=403)
    return person


ADMIN_FLAGS = """
SELECT f.id, f.client_id, f.urgency, f.rule, f.created_at, f.status, f.suggestion, f.reason,
       f.not_firing_since, f.withdraw_reason, u.first_name, u.last_name, u.username, ex.name,
       count(*) OVER ()
FROM triage_flag f
JOIN coaching_client c ON c.id = f.client_id
JOIN coaching_user u ON u.id = c.user_id
LEFT JOIN exercises_exercise ex ON ex.id = f.exercise_id
WHERE {sees} AND f.status = 'open'
ORDER BY f.urgency_rank, f.created_at DESC, f.id DESC
LIMIT 50
"""


def _summary(status: str, suggestion: dict, reason: str, quiet_since: datetime | None) -> str:
    if status == "withdrawn":
        return _short(f"Withdrawn: {reason}")
    text = _short((suggestion or {}).get("text", "") or reason.split(": ")[0])
    if status == "open" and quiet_since is not None:
        return format_html(
            '{} <span class="quiet">(no longer firing since {})</span>',
            text,
            f"{timezone.localtime(quiet_since):%-d %b}",
        )
    return format_html("{}", text)


def admin_flags(request: HttpRequest) -> HttpResponse:
    """The open flag queue (the admin's default view of ``/admin/triage/flag/``)."""
    person = admin_allowed(request, "triage.view_flag")
    if isinstance(person, HttpResponse):
        return person
    sees, params = person.sees()
    with connection.cursor() as cursor:
        cursor.execute(ADMIN_FLAGS.format(sees=sees), params)
        found = cursor.fetchall()
    rows = []
    for r in found:
        name = f"{r[10]} {r[11]}".strip() or r[12]
        rows.append(
            [
                format_html(
                    '<td class="field-urgency_badge">' + BADGE + "</td>",
                    COLOURS.get(r[2], "#555"),
                    r[2].capitalize(),
                ),
                format_html(
                    '<td class="field-age">{}</td>', f"{timezone.localtime(r[4]):%-d %b %H:%M}"
                ),
                format_html(
                    '<td class="field-client_link"><a href="/admin/coaching/client/{}/change/">'
                    "{}</a></td>",
                    r[1],
                    name,
                ),
                format_html(
                    '<th class="field-rule"><a href="/admin/triage/flag/{}/change/">{}</a></th>',
                    r[0],
                    r[3],
                ),
                format_html('<td class="field-exercise_name">{}</td>', r[13] or "—"),
                format_html(
                    '<td class="field-summary">{}</td>',
                    _summary(r[5], loaded(r[6]), r[9] if r[5] == "withdrawn" else r[7], r[8]),
                ),
            ]
        )
    titles = ["Urgency", "Raised", "Client", "Rule", "Exercise", "Suggestion"]
    count = found[0][14] if found else 0
    return admin_page(request, person, "Select flag to view", titles, rows, count, "flags")


ADMIN_CLIENTS = """
SELECT c.id, u.first_name, u.last_name, u.username, tu.first_name, tu.last_name, tu.username,
       p.id, p.name,
       (SELECT s.performed_at FROM coaching_session s WHERE s.client_id = c.id
        ORDER BY s.performed_at DESC LIMIT 1),
       (SELECT count(*) FROM triage_flag f WHERE f.client_id = c.id AND f.status = 'open'),
       (SELECT min(f.urgency_rank) FROM triage_flag f
        WHERE f.client_id = c.id AND f.status = 'open'),
       count(*) OVER (),
       -- the client's messages the reader has not read (``messaging.selectors.with_unread``)
       (SELECT count(*) FROM coaching_message m WHERE m.client_id = c.id AND m.from_client
          AND m.created_at > coalesce((SELECT r.read_until FROM coaching_threadread r
                                       WHERE r.client_id = c.id AND r.user_id = %s LIMIT 1),
                                      '1970-01-01T00:00:00Z')),
       -- sign-in: a usable password, else the latest invitation's state
       u.password NOT LIKE '!%%',
       (SELECT CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'
                    WHEN i.revoked_at IS NOT NULL THEN 'revoked'
                    WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END
        FROM coaching_invitation i WHERE i.user_id = u.id
        ORDER BY i.created_at DESC, i.id DESC LIMIT 1)
FROM coaching_client c
JOIN coaching_user u ON u.id = c.user_id
JOIN coaching_trainer t ON t.id = c.trainer_id
JOIN coaching_user tu ON tu.id = t.user_id
LEFT JOIN LATERAL (
    SELECT id, name FROM coaching_program WHERE client_id = c.id AND status = 'active'
    ORDER BY starts_on DESC, id DESC LIMIT 1
) p ON TRUE
WHERE {sees}
ORDER BY u.first_name, u.last_name, u.username, c.id DESC
LIMIT 50
"""


def admin_clients(request: HttpRequest) -> HttpResponse:
    """The client list as a trainer or a practice admin sees it (``/admin/coaching/client/``)."""
    person = admin_allowed(request, "coaching.view_client")
    if isinstance(person, HttpResponse):
        return person
    sees, params = person.sees()
    with connection.cursor() as cursor:
        cursor.execute(ADMIN_CLIENTS.format(sees=sees), [person.user_id, *params])
        found = cursor.fetchall()
    may_assign = person.is_superuser or "coaching.add_program" in person.permissions
    with_trainer = person.is_superuser or person.is_practice_admin
    rows = []
    for r in found:
        name = f"{r[1]} {r[2]}".strip() or r[3]
        row = []
        if may_assign:
            row.append(
                format_html(
                    '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
                    'value="{}" class="action-select" aria-label="Select this object for an '
                    'action - {}"></td>',
                    r[0],
                    name,
                )
            )
        row.append(
            format_html(
                '<th class="field-name"><a href="/admin/coaching/client/{}/change/">'
                + NOWRAP
                + "</a></th>",
                r[0],
                name,
            )
        )
        row.append(format_html('<td class="field-username">{}</td>', r[3]))
        if with_trainer:
            trainer = f"{r[4]} {r[5]}".strip() or r[6]
            row.append(format_html('<td class="field-trainer_name">' + NOWRAP + "</td>", trainer))
        if r[7] is not None:
            program = format_html('<a href="/admin/coaching/program/{}/change/">{}</a>', r[7], r[8])
        else:
            program = format_html(
                '<a href="/admin/coaching/program/add/?client={}" class="addlink">Assign</a>', r[0]
            )
        row.append(format_html('<td class="field-active_program_link">{}</td>', program))
        if r[9] is None:
            last = format_html('<span class="quiet">{}</span>', "none yet")
        else:
            last = format_html(
                '<a href="/admin/coaching/session/?client={}">' + NOWRAP + "</a>",
                r[0],
                timezone.localtime(r[9]).strftime("%-d %b %Y"),
            )
        row.append(format_html('<td class="field-last_session">{}</td>', last))
        unread = format_html(
            '<a href="/admin/coaching/client/{}/messages/">{}</a>',
            r[0],
            f"{r[13]} new" if r[13] else "read",
        )
        row.append(format_html('<td class="field-unread_messages">{}</td>', unread))
        sign_in = "password set" if r[14] else SIGN_IN_WORDS.get(r[15], "not invited")
        row.append(format_html('<td class="field-sign_in">{}</td>', sign_in))
        if not r[10]:
            flags = format_html('<span class="quiet">{}</span>', "none")
        else:
            urgency = URGENCIES[r[11]]
            flags = format_html(
                '<a href="/admin/triage/flag/?client={}">' + BADGE + "</a>",
                r[0],
                COLOURS[urgency],
                f"{r[10]} · {urgency}",
            )
        row.append(format_html('<td class="field-flags_column">{}</td>', flags))
        rows.append(row)
    titles = ["Name", "Username", *(["Trainer"] if with_trainer else []), "Active program"]
    titles += ["Last session", "Messages", "Sign-in", "Open flags"]
    if may_assign:
        titles.insert(0, "")
    count = found[0][12] if found else 0
    return admin_page(request, person, "Select client to change", titles, rows, count, "clients")


# --- the caseload dashboard (the admin's home page for a trainer, issue 15) ---------------------
#
# The same numbers from hand-written SQL (one query per kind of row, as ``triage.caseload``'s
# ORM reads them, without the ORM), worked out by the same pure ``triage.caseload.assemble`` and
# rendered with the same fragment (``admin/triage/dashboard/caseload.html``) inside
# ``admin/base_site.html``. Left out: the list of models under it (Django's app list and its
# permission checks). ``bench/_endpoints_compare.compare_dashboard`` checks the fragment byte for
# byte.

DASHBOARD_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}{% load static %}
{% block extrastyle %}{{ block.super }}<link rel="stylesheet" href="{% static 'triage/dashboard.css' %}">{% endblock %}
{% block content %}{% include "admin/triage/dashboard/caseload.html" %}{% endblock %}"""
)
CURRENT = "(p.status = 'active' OR (p.status = 'ended' AND p.ended_on >= %s))"
DASHBOARD_SQL = {
    "clients": "SELECT count(*) FROM coaching_client c WHERE {sees}",
    "programs": f"""
SELECT p.client_id, p.id, p.status, p.starts_on, p.ended_on, p.sessions_per_week, p.weekdays
FROM coaching_program p JOIN coaching_client c ON c.id = p.client_id
WHERE {{sees}} AND {CURRENT}
ORDER BY p.client_id, p.status, p.ended_on DESC, p.id DESC""",
    "flags": """
SELECT f.client_id, f.kind, f.urgency, count(*)
FROM triage_flag f JOIN coaching_client c ON c.id = f.client_id
WHERE {sees} AND f.status = 'open' GROUP BY 1, 2, 3""",
    "sessions": """
SELECT s.client_id, count(*) FILTER (WHERE s.performed_at > %s), max(s.performed_at),
       coalesce(sum(s.pain_before) FILTER (WHERE (s.performed_at AT TIME ZONE %s)::date >= %s), 0),
       count(*) FILTER (WHERE (s.performed_at AT TIME ZONE %s)::date >= %s)
FROM coaching_session s JOIN coaching_client c ON c.id = s.client_id
WHERE {sees} AND s.performed_at > %s AND s.performed_at <= %s GROUP BY 1""",
    "session_baseline": """
SELECT s.client_id, sum(s.pain_before), count(*)
FROM coaching_session s JOIN coaching_client c ON c.id = s.client_id
JOIN coaching_program p ON p.client_id = c.id AND p.status = 'active'
WHERE {sees} AND (s.performed_at AT TIME ZONE %s)::date BETWEEN p.starts_on AND p.starts_on + 13
GROUP BY 1""",
    "check_ins_recent": """
SELECT k.client_id, sum(k.pain), count(*)
FROM coaching_checkin k JOIN coaching_client c ON c.id = k.client_id
WHERE {sees} AND k.date BETWEEN %s AND %s GROUP BY 1""",
    "check_ins_baseline": """
SELECT k.client_id, sum(k.pain), count(*)
FROM coaching_checkin k JOIN coaching_client c ON c.id = k.client_id
JOIN coaching_program p ON p.client_id = c.id AND p.status = 'active'
WHERE {sees} AND k.date BETWEEN p.starts_on AND p.starts_on + 13 GROUP BY 1""",
    "schedules": f"""
SELECT o.program_id, o.instrument_slug, o.at_start, o.every_weeks, o.at_end
FROM coaching_outcomeschedule o JOIN coaching_program p ON p.id = o.program_id
JOIN coaching_client c ON c.id = p.client_id
WHERE {{sees}} AND {CURRENT} ORDER BY 1, 2""",
    "answers": f"""
SELECT r.client_id, p.id, i.slug, r.answered_at, r.score
FROM coaching_questionnaireresponse r JOIN coaching_client c ON c.id = r.client_id
JOIN coaching_program p ON p.client_id = c.id AND {CURRENT}
JOIN coaching_instrument i ON i.id = r.instrument_id
WHERE {{sees}} AND (r.answered_at AT TIME ZONE %s)::date >= p.starts_on AND r.answered_at <= %s
ORDER BY r.answered_at, r.id""",
    "names": """
SELECT c.id, u.first_name, u.last_name, u.username, tu.first_name, tu.last_name, tu.username
FROM coaching_client c JOIN coaching_user u ON u.id = c.user_id
JOIN coaching_trainer t ON t.id = c.trainer_id JOIN coaching_user tu ON tu.id = t.user_id
WHERE {sees} AND c.id = ANY(%s)""",
}


class _Named:
    """A trainer in the select: its id, and its name as ``{{ t }}`` shows it."""

    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name

    def __str__(self) -> str:
        return self.name


def admin_dashboard(request: HttpRequest) -> HttpResponse:
    """The caseload dashboard of a trainer (``/admin/``), without the list of models under it."""
    from django.conf import settings

    from triage import caseload as cl
    from triage.dashboard import chart_data, links
    from triage.selectors import thresholds_current

    person = admin_allowed(request, "coaching.view_client")
    if isinstance(person, HttpResponse):
        return person
    sees, params = person.sees()
    th = thresholds_current()
    w = cl.Window.of(timezone.now(), th)
    tz = settings.TIME_ZONE

    def run(name: str, before: tuple = (), after: tuple = ()) -> list[tuple]:
        """A query with the person's condition: its parameters between those written before
        ``WHERE`` and those after it."""
        cursor.execute(DASHBOARD_SQL[name].format(sees=sees), [*before, *params, *after])
        return cursor.fetchall()

    with connection.cursor() as cursor:
        clients = run("clients")[0][0]
        programs = [cl.ProgramRow(*r) for r in run("programs", after=(w.ended_since,))]
        flags = run("flags")
        found = run(
            "sessions",
            before=(w.adherence_start, tz, w.recent_first, tz, w.recent_first),
            after=(w.lookback, w.now),
        )
        sessions = {r[0]: cl.SessionStats(*r[1:]) for r in found}
        session_baseline = {r[0]: (r[1], r[2]) for r in run("session_baseline", after=(tz,))}
        recent = {
            r[0]: (r[1], r[2]) for r in run("check_ins_recent", after=(w.recent_first, w.today))
        }
        baseline = {r[0]: (r[1], r[2]) for r in run("check_ins_baseline")}
        schedules = [cl.ScheduleRow(*r) for r in run("schedules", after=(w.ended_since,))]
        answers = [
            cl.AnswerRow(*r) for r in run("answers", before=(w.ended_since,), after=(tz, w.now))
        ]

        def names(ids: object) -> dict[int, tuple[str, str]]:
            found = run("names", after=(list(ids),)) if ids else []  # type: ignore[call-overload]
            return {
                r[0]: (f"{r[1]} {r[2]}".strip() or r[3], f"{r[4]} {r[5]}".strip() or r[6])
                for r in found
            }

        rows = cl.CaseloadRows(
            clients=clients,
            programs=programs,
            flags=flags,
            sessions=sessions,
            session_baseline=session_baseline,
            check_ins_recent=recent,
            check_ins_baseline=baseline,
            schedules=schedules,
            answers=answers,
            names=names,  # type: ignore[arg-type]
        )
        board = cl.assemble(rows, window=w, thresholds=th)
        trainers = []  # a practice admin chooses a trainer (the real page's select)
        if person.is_practice_admin:
            cursor.execute(
                """SELECT tr.id, u.first_name, u.last_name, u.username FROM coaching_trainer tr
                   JOIN coaching_user u ON u.id = tr.user_id WHERE tr.practice_id = %s
                   ORDER BY u.first_name, u.last_name, u.username""",
                [person.practice_id],
            )
            trainers = [
                SimpleNamespace(pk=pk, name=f"{first} {last}".strip() or username)
                for pk, first, last, username in cursor.fetchall()
            ]
    context = {
        **admin_context(person, "Your caseload"),
        "board": board,
        "trainers": [_Named(t.pk, t.name) for t in trainers],
        "trainer_id": None,
        "links": links(board, None),
        "charts": chart_data(board),
        "no_log_days": cl.NO_LOG_PLANNED_DAYS,
        "attention_rows": cl.ATTENTION_ROWS,
        "adherence_rows": cl.ADHERENCE_ROWS,
        "today": w.today,
    }
    return HttpResponse(DASHBOARD_PAGE.render(context, request))
