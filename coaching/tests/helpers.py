"""What the tests share beside the factories: API clients, a snapshot of everything the API can
write (to show that a refused request wrote nothing), and waiting for another process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from coaching.models import (
    CheckIn,
    Client,
    Entry,
    HandoutLink,
    Message,
    Prescription,
    Program,
    ProgramTemplate,
    PushSubscription,
    ReminderPreferences,
    Session,
    Set,
    TemplatePrescription,
    ThreadRead,
    User,
)
from triage.models import Flag, FlagEvent

NEW_PASSWORD = "Quads-and-Glutes-2031"


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def fresh(user: User) -> User:
    """The user as a new request loads it: nothing cached on the object (the profile is)."""
    return User.objects.get(pk=user.pk)


def state() -> dict[str, Any]:
    """Everything these endpoints can write, to show that a refused request wrote nothing."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "email")),
        "clients": list(
            Client.objects.order_by("pk").values_list("pk", "trainer_id", "notes", "updated_at")
        ),
        "programs": list(
            Program.objects.order_by("pk").values_list("pk", "status", "ended_on", "updated_at")
        ),
        "prescriptions": list(
            Prescription.objects.order_by("pk").values_list("pk", "program_id", "ended_at")
        ),
        "templates": list(ProgramTemplate.objects.order_by("pk").values_list("pk", "name")),
        "template_prescriptions": TemplatePrescription.objects.count(),
        "sessions": list(Session.objects.order_by("pk").values_list("pk", "updated_at")),
        "entries": Entry.objects.count(),
        "sets": Set.objects.count(),
        "check_ins": list(CheckIn.objects.order_by("pk").values_list("pk", "updated_at")),
        "flags": list(Flag.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "flag_events": FlagEvent.objects.count(),
        "reminder_preferences": list(
            ReminderPreferences.objects.order_by("pk").values_list("client_id", "updated_at")
        ),
        "handout_links": list(
            HandoutLink.objects.order_by("pk").values_list("pk", "revoked_at", "downloads")
        ),
        "messages": list(Message.objects.order_by("pk").values_list("pk", "client_id", "body")),
        "read_marks": list(
            ThreadRead.objects.order_by("pk").values_list("client_id", "user_id", "read_until")
        ),
        "push_subscriptions": list(
            PushSubscription.objects.order_by("pk").values_list("pk", "client_id", "auth")
        ),
    }


def wait_for(predicate: Callable[[], object], timeout: float = 15.0) -> bool:
    """Poll ``predicate`` every 0.1 s until it is true (True) or ``timeout`` s pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# --- the trainer API ----------------------------------------------------------------------------

CLIENTS = "/api/v1/clients/"
PROGRAMS = "/api/v1/programs/"
TEMPLATES = "/api/v1/templates/"


def rx(exercise: str = "glute-bridge", **changes: Any) -> dict[str, Any]:
    """A prescription as the trainer API takes it."""
    return {"exercise": exercise, "sets": 3, "reps_min": 8, "reps_max": 12, **changes}


def attrs(response: Any) -> set[str | None]:
    """The fields a 400 names (the error envelope's ``attr``s)."""
    body = response.json()
    assert body["type"] in ("validation_error", "client_error"), body
    return {error["attr"] for error in body["errors"]}


def new_client(**changes: Any) -> dict[str, Any]:
    """A new client as the trainer API takes it."""
    return {
        "username": "new_client",
        "email": "new@example.com",
        "first_name": "Nora",
        "last_name": "Quist",
        "password": NEW_PASSWORD,
        **changes,
    }


def rendered(data: object) -> Any:
    """``data`` as the API sends it (DRF's JSON renderer), read back: to compare two answers."""
    return json.loads(JSONRenderer().render(data))
