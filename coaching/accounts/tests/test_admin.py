"""The trainers' admin: clients (adding, reassigning within the practice, their page) and a
client list in constant queries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.models import (
    Client,
    Program,
    Trainer,
    User,
)
from coaching.tests.admin_support import (
    CLIENTS,
    errors_of,
    extend_world,
    form_data,
    sign_in,
    snapshot,
)
from coaching.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


WORLD_EXTENSION = extend_world  # names that cannot turn up on a page by chance


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


# --- clients --------------------------------------------------------------------------------

CLIENT_ADD = reverse("admin:coaching_client_add")


def client_add_data(**fields: Any) -> dict[str, Any]:
    return {
        "username": "newbie",
        "first_name": "Nia",
        "last_name": "Newman",
        "email": "nia@example.com",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "notes": "Knee surgery 2023.",
        **fields,
    }


def test_a_trainer_adds_a_client_of_their_own(client, w):
    sign_in(client, w, "trainer_a")

    response = client.post(CLIENT_ADD, client_add_data(trainer=w.trainer_b.pk))

    assert response.status_code == 302, errors_of(response)
    new = Client.objects.get(user__username="newbie")
    assert (new.trainer, new.practice, new.notes) == (
        w.trainer_a,
        w.practice_a,
        "Knee surgery 2023.",
    )
    assert new.user.check_password(PASSWORD)
    assert not new.user.is_staff


def test_a_practice_admin_adds_a_client_for_a_trainer_of_the_practice(client, w):
    sign_in(client, w, "admin")

    response = client.post(CLIENT_ADD, client_add_data(trainer=w.trainer_b.pk))

    assert response.status_code == 302, errors_of(response)
    assert Client.objects.get(user__username="newbie").trainer == w.trainer_b


@pytest.mark.parametrize(
    ("actor", "fields", "field", "message"),
    [
        ("trainer_a", {"username": "client_b"}, "username", "already exists"),
        ("trainer_a", {"password_again": "different"}, "password_again", "differ"),
        ("trainer_a", {"password": "123", "password_again": "123"}, "password", "too short"),
        ("admin", {"trainer": "TRAINER_C"}, "trainer", "Select a valid choice"),
    ],
)
def test_bad_new_clients_are_refused_with_nothing_written(client, w, actor, fields, field, message):
    sign_in(client, w, actor)
    if fields.get("trainer") == "TRAINER_C":
        fields = {"trainer": w.trainer_c.pk}
    before = snapshot()

    response = client.post(CLIENT_ADD, client_add_data(**fields))

    assert response.status_code == 200
    assert any(message in e for e in response.context["adminform"].form.errors[field])
    assert snapshot() == before


def _client_page(client: Any, target: Client) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:coaching_client_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, form_data(page)


def test_a_trainer_edits_their_clients_details(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _client_page(client, w.client_a)
    data.update({"first_name": "Adaline", "email": "ada@example.org", "notes": "Left knee."})

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    w.client_a.user.refresh_from_db()
    assert (w.client_a.user.first_name, w.client_a.user.email) == ("Adaline", "ada@example.org")
    assert w.client_a.notes == "Left knee."


def test_a_trainer_cannot_reassign_a_client(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _client_page(client, w.client_a)
    assert "trainer" not in data  # shown, not editable
    data["trainer"] = w.trainer_b.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_a


def test_the_practice_admin_reassigns_a_client(client, w):
    sign_in(client, w, "admin")
    url, data = _client_page(client, w.client_a)
    data["trainer"] = w.trainer_b.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_b


@pytest.mark.parametrize("actor", ["admin", "superuser"])
def test_a_client_is_never_reassigned_to_another_practices_trainer(client, w, actor):
    sign_in(client, w, actor)
    url, data = _client_page(client, w.client_a)
    data["trainer"] = w.trainer_c.pk

    response = client.post(url, data)

    errors = response.context["adminform"].form.errors["trainer"]
    expected = "Select a valid choice" if actor == "admin" else "not in the client’s practice"
    assert any(expected.replace("’", "'") in e for e in errors), errors
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_a


# --- a client list in constant queries ------------------------------------------------------


def _add_clients(trainer: Trainer, count: int, start: int) -> None:
    users = User.objects.bulk_create(
        User(username=f"bulk{i}", first_name=f"Client{i}", last_name="Bulk", password="!")
        for i in range(start, start + count)
    )
    clients = Client.objects.bulk_create(
        Client(user=u, trainer=trainer, practice_id=trainer.practice_id) for u in users
    )
    Program.objects.bulk_create(
        Program(client=c, name=f"Plan {c.pk}", starts_on=date.today()) for c in clients[::2]
    )


def _changelist_queries(client: Any, query: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CLIENTS, query or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("actor", ["trainer_a", "admin"])
def test_the_client_list_runs_constant_queries_with_5000_clients(client, w, actor):
    sign_in(client, w, actor)
    queries = {"": {}, "filtered": {"active_program": "yes", "q": "bulk"}}
    _add_clients(w.trainer_a, 10, start=0)
    few = {name: _changelist_queries(client, q) for name, q in queries.items()}

    _add_clients(w.trainer_a, 4_990, start=10)
    many = {name: _changelist_queries(client, q) for name, q in queries.items()}

    assert many == few
    assert Client.objects.filter(trainer=w.trainer_a).count() == 5_001
    print(f"\n{actor}: client changelist queries at 10 vs 5,000 clients: {few} / {many}")
