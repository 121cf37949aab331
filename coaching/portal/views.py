"""The client portal's pages: Today (the home page), logging a session, the morning check-in,
the safety answer to a red-flag symptom, the history and "my data".

Clients only: anonymous visitors go to sign-in; a signed-in person without a client profile
gets a 403 page saying where they work instead (the home page sends them to the catalogue).
Reads go through the selectors and writes through ``journal.services``; a successful post
redirects (PRG) to the safety page when a red-flag symptom was reported, else to the history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from coaching.accounts.selectors import profile_of
from coaching.journal.selectors import (
    check_in_get,
    latest_check_ins,
    latest_sessions,
    session_get,
)
from coaching.journal.services import KeyReused, Logged, check_in_log, session_log
from coaching.journal.vocabulary import (
    PAIN_ZONES,
    SYMPTOM_LABELS,
    safety_for,
)
from coaching.messaging.selectors import unread_counts
from coaching.models import CheckIn, Client, Session
from coaching.outcomes.selectors import plain_words, questionnaires_for
from coaching.portal.forms import CheckInForm, SessionLogForm
from coaching.portal.history import (
    CHART_CHECK_INS,
    CHART_SESSIONS,
    CheckInRow,
    _session_row,
    history_charts,
)
from coaching.privacy.downloads import export_download
from coaching.privacy.services import client_export
from coaching.programs import schedule
from coaching.programs.selectors import active_program

ClientView = Callable[..., HttpResponse]


LISTED = 10


CHANGE_NOTICE_DAYS = 14  # Today points out what the trainer changed in the last two weeks


TOO_MUCH = PAIN_ZONES[-1]


def client_only(view: ClientView) -> Callable[..., HttpResponse]:
    """Sign-in required; then clients only (the view receives the ``Client``), anyone else 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = profile_of(request.user).client
        if client is None:
            return render(request, "portal/clients_only.html", status=403)
        return view(request, client, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"is_client": True, "pain_zones": PAIN_ZONES, **context})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A client's Today: the active program with each exercise's dose, notes and cues, and the
    two buttons of the day. Anyone else: the catalogue, as before."""
    client = profile_of(request.user).client
    if client is None:
        return redirect("catalogue:list")
    program = active_program(
        client, with_cues=True, with_trainer=True, with_pictures=True, with_questionnaires=True
    )
    # what the trainer changed lately (a flag applied, an edit) is pointed out on the page
    recent = timezone.now() - timedelta(days=CHANGE_NOTICE_DAYS)
    for p in program.current if program else []:  # type: ignore[attr-defined]  # prefetched
        p.recently_changed = p.replaces_id is not None and p.started_at >= recent
    sends = program is not None and program.has_questionnaires  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "client": client,
        "program": program,
        "questionnaires_due": [
            q for q in (questionnaires_for(client, program=program) if sends else []) if q.due_on
        ],
        "unread": unread_counts(request.user, [client.pk]).get(client.pk, 0),
    }
    if program is not None and program.weekdays:
        today = timezone.localdate()
        upcoming = schedule.next_planned(program.weekdays, today, program.starts_on, count=2)
        context["plan"] = {
            "days": [schedule.NAMES[day] for day in schedule.days(program.weekdays)],
            "today": bool(upcoming) and upcoming[0] == today,
            "next": next((day for day in upcoming if day != today), None),
        }
    return _page(request, "portal/today.html", context)


@client_only
def my_data_view(request: HttpRequest, client: Client) -> HttpResponse:
    """Everything recorded about the client, as a JSON download (the same document as
    ``/api/v1/me/export/``)."""
    return export_download(client_export(actor=request.user, client=client))


@client_only
def session_log_view(request: HttpRequest, client: Client) -> HttpResponse:
    """One form for the whole session, pre-filled from the active program."""
    program = active_program(client)
    if request.method == "POST":
        form = SessionLogForm(actor=request.user, program=program, data=request.POST)
        if form.is_valid():
            try:
                logged = session_log(
                    actor=request.user, spec=form.spec(), idempotency_key=form.idempotency_key
                )
            except ValidationError as error:
                form.add_service_error(error)
            except KeyReused:
                form.session.renew_key()
                form.session.add_error(None, _KEY_REUSED.format(what="session"))
            else:
                return _after_logging(request, logged)
    else:
        form = SessionLogForm(actor=request.user, program=program)
    return _page(
        request,
        "portal/log.html",
        {"form": form, "program": program, "errors": form.error_summary()},
    )


@client_only
def check_in_view(request: HttpRequest, client: Client) -> HttpResponse:
    """The morning check-in: date, pain, stiffness and the symptom checklist."""
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                logged = check_in_log(
                    actor=request.user,
                    spec=form.spec(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            except KeyReused:
                form.renew_key()
                form.add_error(None, _KEY_REUSED.format(what="check-in"))
            else:
                return _after_logging(request, logged)
    else:
        form = CheckInForm()
    return _page(request, "portal/check_in.html", {"form": form, "errors": form.error_summary()})


_KEY_REUSED = (
    "You already saved a {what} from this form. If this is another one, check your answers "
    "and send the form again."
)


def _after_logging(request: HttpRequest, logged: Logged) -> HttpResponse:
    record = logged.record
    is_session = isinstance(record, Session)
    if logged.safety is not None:
        name = "portal:session_safety" if is_session else "portal:check_in_safety"
        return redirect(name, pk=record.pk)
    what = "session" if is_session else "check-in"
    if logged.created:
        messages.success(request, f"Your {what} is saved. Thank you!")
    else:
        messages.info(request, f"This {what} was already saved.")
    if isinstance(record, Session):
        pains = [record.pain_before, record.pain_after]
        pains += [e.pain_during for e in record.entries.all()]
    else:
        pains = [record.pain]
    if max(pains) >= TOO_MUCH[0]:
        messages.warning(request, f"You rated your pain {max(pains)}. {TOO_MUCH[3]}")
    return redirect("portal:history")


@client_only
def session_safety_view(request: HttpRequest, client: Client, pk: int) -> HttpResponse:
    return _safety(request, session_get(request.user, pk))


@client_only
def check_in_safety_view(request: HttpRequest, client: Client, pk: int) -> HttpResponse:
    return _safety(request, check_in_get(request.user, pk))


def _safety(request: HttpRequest, record: Session | CheckIn) -> HttpResponse:
    """What to do now, computed from the record's symptoms (emergency wins over urgent). A
    record without a red-flag symptom has nothing to say here: off to the history."""
    safety = safety_for(record.symptoms)
    if safety is None:
        return redirect("portal:history")
    return _page(
        request,
        "portal/safety.html",
        {
            "safety": safety,
            "record": record,
            "kind": "session" if isinstance(record, Session) else "check-in",
            "reported": [SYMPTOM_LABELS.get(s, s) for s in record.symptoms],
        },
    )


@client_only
def history_view(request: HttpRequest, client: Client) -> HttpResponse:
    """Charts of the latest sessions and check-ins, with their numbers in tables, and the latest
    records in detail. A constant number of queries, whatever the number of records."""
    rows = [_session_row(s) for s in latest_sessions(request.user, CHART_SESSIONS)]
    check_ins = latest_check_ins(request.user, CHART_CHECK_INS)
    charts = history_charts(rows, check_ins)
    recent_check_ins = []
    for c in check_ins[:LISTED]:
        safety = safety_for(c.symptoms)
        recent_check_ins.append(
            CheckInRow(
                check_in=c,
                symptoms=[SYMPTOM_LABELS.get(s, s) for s in c.symptoms],
                safety=safety.level if safety else None,
            )
        )
    return _page(
        request,
        "portal/history.html",
        {
            "charts": {name: chart.as_dict() for name, chart in charts.items()},
            "tables": {name: chart.table() for name, chart in charts.items()},
            "volume_names": [d["label"] for d in charts["volume"].datasets],
            "sessions": rows[:LISTED],
            "check_ins": recent_check_ins,
            "session_count": len(rows),
            "check_in_count": len(check_ins),
            "chart_limit": CHART_SESSIONS,
            # the questionnaires' scores in plain words ("Bending to tie shoes: 3 → 7")
            "outcomes": [
                {"q": q, "words": plain_words(q)}
                for q in questionnaires_for(client)
                if len(q.answers) > 1
            ],
        },
    )
