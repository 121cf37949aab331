"""Clients in the situations of TRIAGE_RULES.md "Flags follow the evidence", on the database:
a client ready to progress, and their logs, written through the services (``log``) or posted
to the API as the phone does (``post_session``, ``post_check_in``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from coaching.journal.services import CheckInSpec, EntrySpec, SessionSpec, SetSpec, check_in_log
from coaching.journal.services import session_log as service_session_log
from coaching.models import Client, Prescription, Program
from coaching.tests.factories import ClientFactory, ProgramFactory
from coaching.tests.helpers import api
from exercises.tests.factories import ExerciseFactory
from triage import services
from triage.models import Flag


def current(client: Client) -> list[Prescription]:
    return list(
        Prescription.objects.filter(
            program__client=client, program__status="active", ended_at__isnull=True
        )
        .select_related("exercise")
        .order_by("order", "id")
    )


def new_client(*, exercises: int = 1, started_days_ago: int = 2, **client: Any) -> Client:
    """A client with an active program of ``exercises`` new exercises (3 sets of 8–12, three
    sessions a week) that started ``started_days_ago`` days ago."""
    person = ClientFactory(**client)
    ProgramFactory(
        client=person,
        exercises=[ExerciseFactory() for _ in range(exercises)],
        starts_on=timezone.localdate() - timedelta(days=started_days_ago),
    )
    return person


def review(client: Client, *, days: float = 0, only_pending: bool = False) -> Any:
    """The review of one client, as the worker runs it (``days`` later than now)."""
    now = timezone.now() + timedelta(days=days)
    return services.review_clients(client_ids=[client.pk], now=now, only_pending=only_pending)


def ready(exercises: int = 1, **kwargs: Any) -> Client:
    """A client with an open PG-READY flag for each of ``exercises`` exercises: two sessions at
    the top of the rep range with pain 1, every planned session done."""
    client = new_client(exercises=exercises, **kwargs)
    log(client, days_ago=1)
    log(client)
    review(client)
    flags = open_flags(client)
    assert {rule for rule, _ in flags} == {"PG-READY"}, flags
    assert len(flags) == exercises
    return client


def log(
    client: Client,
    *,
    days_ago: float = 0,
    pain: int | dict[int, int] = 1,
    symptoms: tuple[str, ...] = (),
    quality: str = "",
) -> Any:
    """A session through ``session_log`` answering every current prescription at the top of the
    rep range; ``pain`` during each (or per exercise id), pain before and after its highest."""
    rxs = current(client)
    pains = pain if isinstance(pain, dict) else {rx.exercise_id: pain for rx in rxs}
    top = max(pains.values(), default=0)
    spec = SessionSpec(
        performed_at=timezone.now() - timedelta(days=days_ago, minutes=5),
        pain_before=top,
        pain_after=top,
        symptoms=symptoms,
        notes="",
        entries=tuple(
            EntrySpec(
                prescription=rx,
                pain_during=pains.get(rx.exercise_id, 1),
                pain_location="lower_back" if pains.get(rx.exercise_id, 1) else "",
                pain_quality=quality,
                sets=tuple(SetSpec(reps=rx.reps_max, rpe=6) for _ in range(rx.sets)),
            )
            for rx in rxs
        ),
    )
    return service_session_log(actor=client.user, spec=spec).record


def log_check_in(client: Client, *, pain: int = 1, symptoms: tuple[str, ...] = ()) -> Any:
    spec = CheckInSpec(date=timezone.localdate(), pain=pain, stiffness=pain, symptoms=symptoms)
    return check_in_log(actor=client.user, spec=spec).record


def session_body(
    client: Client, *, days_ago: float = 0, pain: int | dict[int, int] = 1, **fields: Any
) -> dict[str, Any]:
    """The API body of the same session ``log`` writes."""
    rxs = current(client)
    pains = pain if isinstance(pain, dict) else {rx.exercise_id: pain for rx in rxs}
    top = max(pains.values(), default=0)
    return {
        "performed_at": (timezone.now() - timedelta(days=days_ago, minutes=5)).isoformat(),
        "pain_before": top,
        "pain_after": top,
        "symptoms": [],
        "notes": "",
        "entries": [
            {
                "prescription": rx.pk,
                "pain_during": pains.get(rx.exercise_id, 1),
                "pain_location": "lower_back",
                "pain_quality": "ache",
                "sets": [{"reps": rx.reps_max, "load_kg": None, "rpe": 6}] * rx.sets,
            }
            for rx in rxs
        ],
        **fields,
    }


def post_session(client: Client, **body: Any) -> dict[str, Any]:
    response = api(client.user).post(
        "/api/v1/sessions/",
        session_body(client, **body),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content
    return response.json()


def post_check_in(client: Client, *, pain: int = 1, symptoms: tuple[str, ...] = ()) -> dict:
    response = api(client.user).post(
        "/api/v1/check-ins/",
        {
            "date": timezone.localdate().isoformat(),
            "pain": pain,
            "stiffness": pain,
            "symptoms": list(symptoms),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content
    return response.json()


def open_flags(client: Client) -> dict[tuple[str, int], Flag]:
    """The client's open flags by (rule, exercise id or 0)."""
    return {(f.rule, f.exercise_key): f for f in Flag.objects.filter(client=client, status="open")}


def rules_open(client: Client) -> set[str]:
    return {rule for rule, _ in open_flags(client)}


def program_of(client: Client) -> Program:
    return Program.objects.get(client=client, status="active")
