"""What the admin tests share: a world whose people have names that cannot turn up on a page
by chance (``extend_world``, which conftest's ``module_world`` applies once per module), signing
in as an actor, and reading a page's messages."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse

from coaching.models import (
    CheckIn,
    Client,
    Prescription,
    Program,
    ProgramTemplate,
    Session,
    TemplatePrescription,
    Trainer,
    User,
)
from coaching.tests.factories import UserFactory
from exercises.tests.factories import ExerciseFactory
from triage.models import Flag

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")

NAMES = {
    "trainer_a": ("Tara", "Ashworth"),
    "trainer_b": ("Tomas", "Birchall"),
    "admin": ("Priya", "Adebayo"),
    "trainer_c": ("Tess", "Cypress"),
    "client_a": ("Ada", "Alderley"),
    "client_b": ("Bea", "Blackwood"),
    "client_c": ("Cal", "Cedarholm"),
}


def extend_world(world: SimpleNamespace) -> None:
    """The shared world, with names that cannot turn up on a page by chance (an admin test
    module names it ``WORLD_EXTENSION``; ``module_world`` calls it once per module)."""
    for attr, (first, last) in NAMES.items():
        user = getattr(world, attr).user
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    world.superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    world.dead_bug = ExerciseFactory(slug="dead-bug", name="Dead bug")


def sign_in(client: Any, w: SimpleNamespace, actor: str) -> None:
    if actor == "anonymous":
        return
    if actor in ("editor", "superuser"):
        client.force_login(getattr(w, actor))
    else:
        client.force_login(getattr(w, actor).user)


def names_of(w: SimpleNamespace, attr: str) -> list[str]:
    """What would give an object away on a page."""
    obj = getattr(w, attr)
    if isinstance(obj, (Client, Trainer)):
        return [obj.user.username, obj.user.get_full_name()]
    if isinstance(obj, (Program, Session, CheckIn, Flag)):
        return [obj.client.user.username, obj.client.user.get_full_name()]
    return [obj.name]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


CLIENTS = reverse("admin:coaching_client_changelist")


def form_data(response: Any) -> dict[str, Any]:
    """The change form and its inlines, as the browser would submit them unchanged."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if hasattr(field, "prepare_value") and not isinstance(value, (str, int, list)):
                value = field.prepare_value(value)
            data[form.add_prefix(name)] = value
    return data


def program_add_data(client_pk: int, rows: list[dict[str, Any]], **fields: Any) -> dict:
    data = {
        "client": client_pk,
        "template": "",
        "name": "Strong back",
        "starts_on": date.today().isoformat(),
        "sessions_per_week": "3",
        "prescriptions-TOTAL_FORMS": str(len(rows)),
        "prescriptions-INITIAL_FORMS": "0",
        "prescriptions-MIN_NUM_FORMS": "0",
        "prescriptions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, row in enumerate(rows):
        values = {"sets": 3, "reps_min": 8, "reps_max": 12, "load_kg": "", "tempo": "", **row}
        for name, value in values.items():
            data[f"prescriptions-{i}-{name}"] = value
    return data


def errors_of(response: Any) -> str:
    """Every error on the page, as text."""
    assert response.status_code == 200, "expected the form again"
    chunks = [str(response.context["adminform"].form.errors)]
    for inline in response.context.get("inline_admin_formsets", []):
        chunks += [str(inline.formset.errors), str(inline.formset.non_form_errors())]
    return " ".join(chunks)


def snapshot() -> tuple[int, ...]:
    return (
        Program.objects.count(),
        Program.objects.filter(status="active").count(),
        Prescription.objects.count(),
        Prescription.objects.filter(ended_at__isnull=False).count(),
        ProgramTemplate.objects.count(),
        TemplatePrescription.objects.count(),
        Client.objects.count(),
        User.objects.count(),
    )
