"""The client portal's pages: Today (the home page), logging a session, the morning check-in,
the safety answer to a red-flag symptom, and the history with its charts.

Who may use them. These pages are for clients only:

- anonymous visitors are redirected to the sign-in page (``login_required``);
- a signed-in person without a client profile (a trainer, a practice admin, a catalogue editor,
  the operator) gets **403** with a page that says these pages are for clients and links to
  where they work (the admin for staff, the catalogue for everyone). A 403 rather than a
  redirect: a trainer who follows a client's link should be told why nothing is there, not land
  somewhere unexpected;
- the home page is the exception: a client sees Today, everyone else goes where they always
  went (the exercise catalogue).

Reads go through the selectors (``coaching/selectors.py``) and writes through the services
(``session_log``, ``check_in_log``); after a successful post the browser is redirected (PRG): to
the safety page when the report contains an emergency or urgent symptom, else to the history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from coaching import services
from coaching.models import CheckIn, Client, Session
from coaching.portal_forms import CheckInForm, SessionLogForm
from coaching.reporting import PAIN_ZONES, PainLocation, PainQuality, Symptom, safety_for
from coaching.selectors import (
    active_program,
    check_in_get,
    check_ins_for,
    profile_of,
    session_get,
    sessions_for,
)

ClientView = Callable[..., HttpResponse]

# The history page charts the most recent records and lists the latest few in detail.
CHART_SESSIONS = 30
CHART_CHECK_INS = 30
LISTED = 10
CHANGE_NOTICE_DAYS = 14  # Today points out what the trainer changed in the last two weeks

SYMPTOM_LABELS = dict(Symptom.choices)
LOCATION_LABELS = dict(PainLocation.choices)
QUALITY_LABELS = dict(PainQuality.choices)
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


# --- Today ------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A client's Today: the active program with each exercise's dose, notes and cues, and the
    two buttons of the day. Anyone else: the catalogue, as before."""
    client = profile_of(request.user).client
    if client is None:
        return redirect("catalogue:list")
    program = active_program(client, with_cues=True)
    # what the trainer changed lately (a flag applied, an edit) is pointed out on the page
    recent = timezone.now() - timedelta(days=CHANGE_NOTICE_DAYS)
    for p in program.current if program else []:  # type: ignore[attr-defined]  # prefetched
        p.recently_changed = p.replaces_id is not None and p.started_at >= recent
    return _page(request, "portal/today.html", {"client": client, "program": program})


@client_only
def my_data_view(request: HttpRequest, client: Client) -> HttpResponse:
    """Everything recorded about the client, as a JSON download (the same document as
    ``/api/v1/me/export/``)."""
    return export_download(services.client_export(actor=request.user, client=client))


def export_download(document: dict[str, Any], name: str = "my-coaching-data") -> HttpResponse:
    """A client's export as a JSON file to download (the portal's and the admin's)."""
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    day = document["exported_at"].date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{day}.json"'
    return response


# --- logging ----------------------------------------------------------------------------------


@client_only
def session_log_view(request: HttpRequest, client: Client) -> HttpResponse:
    """One form for the whole session, pre-filled from the active program."""
    program = active_program(client)
    if request.method == "POST":
        form = SessionLogForm(actor=request.user, program=program, data=request.POST)
        if form.is_valid():
            try:
                logged = services.session_log(
                    actor=request.user, spec=form.spec(), idempotency_key=form.idempotency_key
                )
            except ValidationError as error:
                form.add_service_error(error)
            except services.KeyReused:
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
                logged = services.check_in_log(
                    actor=request.user,
                    spec=form.spec(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            except services.KeyReused:
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


def _after_logging(request: HttpRequest, logged: services.Logged) -> HttpResponse:
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


# --- the safety answer ------------------------------------------------------------------------


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


# --- history ----------------------------------------------------------------------------------


@dataclass
class EntryRow:
    exercise: str
    url: str
    reps: list[int]
    loads: list[str]
    rpes: list[int]
    pain_during: int
    where: str

    @property
    def total_reps(self) -> int:
        return sum(self.reps)


@dataclass
class SessionRow:
    session: Session
    entries: list[EntryRow]
    symptoms: list[str]
    pain_during_max: int | None
    safety: str | None


@dataclass
class CheckInRow:
    check_in: CheckIn
    symptoms: list[str]
    safety: str | None


@dataclass
class Chart:
    """One chart's data for Chart.js: short ``labels`` for the axis, full ``titles`` (with the
    weekday and, for sessions, the time) for tooltips and the table."""

    labels: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"labels": self.labels, "titles": self.titles, "datasets": self.datasets}

    def table(self) -> dict[str, Any]:
        """The accessible table: a column per dataset, a row per record (newest first)."""
        rows = [
            (title, [d["data"][i] for d in self.datasets]) for i, title in enumerate(self.titles)
        ]
        return {"heads": [d["label"] for d in self.datasets], "rows": rows[::-1]}


def _session_row(session: Session) -> SessionRow:
    entries = []
    for entry in session.entries.all():
        sets = list(entry.sets.all())
        exercise = entry.prescription.exercise
        where = ", ".join(
            x
            for x in (
                LOCATION_LABELS.get(entry.pain_location, ""),
                QUALITY_LABELS.get(entry.pain_quality, "").lower(),
            )
            if x
        )
        entries.append(
            EntryRow(
                exercise=exercise.name,
                url=exercise.get_absolute_url(),
                reps=[s.reps for s in sets],
                loads=[f"{s.load_kg.normalize():f}" for s in sets if s.load_kg is not None],
                rpes=[s.rpe for s in sets if s.rpe is not None],
                pain_during=entry.pain_during,
                where=where,
            )
        )
    safety = safety_for(session.symptoms)
    return SessionRow(
        session=session,
        entries=entries,
        symptoms=[SYMPTOM_LABELS.get(s, s) for s in session.symptoms],
        pain_during_max=max((e.pain_during for e in entries), default=None),
        safety=safety.level if safety else None,
    )


def _label(value: Any, form: str = "j M") -> str:
    return date_format(timezone.localtime(value) if hasattr(value, "hour") else value, form)


def history_charts(rows: Sequence[SessionRow], check_ins: Sequence[CheckIn]) -> dict[str, Chart]:
    """The three charts, oldest first: session pain (before, the highest pain during any of the
    session's exercises, after), morning check-ins (pain, stiffness), and volume (total reps per
    exercise per session; empty where the exercise was not logged)."""
    sessions = list(reversed(rows))
    labels = [_label(r.session.performed_at) for r in sessions]
    titles = [_label(r.session.performed_at, "D j M, H:i") for r in sessions]
    pain = Chart(
        labels=labels,
        titles=titles,
        datasets=[
            {"label": "Before", "data": [r.session.pain_before for r in sessions]},
            {"label": "During (highest)", "data": [r.pain_during_max for r in sessions]},
            {"label": "After", "data": [r.session.pain_after for r in sessions]},
        ],
    )
    mornings = list(reversed(check_ins))
    morning = Chart(
        labels=[_label(c.date) for c in mornings],
        titles=[_label(c.date, "D j M") for c in mornings],
        datasets=[
            {"label": "Pain", "data": [c.pain for c in mornings]},
            {"label": "Stiffness", "data": [c.stiffness for c in mornings]},
        ],
    )
    volume = Chart(labels=labels, titles=titles)
    by_exercise: dict[str, list[int | None]] = {}
    for i, row in enumerate(sessions):
        for entry in row.entries:
            totals = by_exercise.setdefault(entry.exercise, [None] * len(sessions))
            totals[i] = (totals[i] or 0) + entry.total_reps
    volume.datasets = [{"label": name, "data": data} for name, data in by_exercise.items()]
    return {"pain": pain, "morning": morning, "volume": volume}


@client_only
def history_view(request: HttpRequest, client: Client) -> HttpResponse:
    """Charts of the latest sessions and check-ins, with their numbers in tables, and the latest
    records in detail. A constant number of queries, whatever the number of records."""
    rows = [_session_row(s) for s in sessions_for(request.user)[:CHART_SESSIONS]]
    check_ins = list(check_ins_for(request.user)[:CHART_CHECK_INS])
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
        },
    )
