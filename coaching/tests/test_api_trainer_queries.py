"""The trainer API in a constant number of queries, its schema, and its browsable pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.models import (
    Client,
    Program,
    Trainer,
    User,
)
from coaching.tests.factories import ProgramFactory
from coaching.tests.helpers import (
    CLIENTS,
    NEW_PASSWORD,
    PROGRAMS,
    TEMPLATES,
    api,
    fresh,
    new_client,
)
from exercises.tests.factories import ExerciseFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db


@pytest.fixture
def bird_dog(world):
    return ExerciseFactory(slug="bird-dog", name="Bird dog")


# --- a constant number of queries --------------------------------------------------------------


def _bulk_clients(trainer: Trainer, count: int, start: int) -> None:
    """``count`` clients of ``trainer``, each with an active program, inserted directly."""
    users = User.objects.bulk_create(
        User(username=f"bulk{i}", first_name=f"First{i}", last_name="Bulk", password="!")
        for i in range(start, start + count)
    )
    clients = Client.objects.bulk_create(
        Client(user=user, practice_id=trainer.practice_id, trainer=trainer) for user in users
    )
    Program.objects.bulk_create(
        Program(client=client, name=f"Plan {client.pk}", starts_on=date(2031, 1, 1))
        for client in clients
    )


def _count_queries(user: User, url: str) -> tuple[int, dict[str, Any], list[str]]:
    trainer = api(fresh(user))  # a new request: the profile is read again, as in production
    with CaptureQueriesContext(connection) as queries:
        response = trainer.get(url)
    assert response.status_code == 200
    return len(queries), response.json(), [q["sql"][:90] for q in queries.captured_queries]


def test_the_client_list_is_constant_from_10_to_5000_clients(world):
    url = f"{CLIENTS}?page_size=1000"
    _bulk_clients(world.trainer_a, 9, start=0)  # and client_a: 10
    small, small_body, _ = _count_queries(world.trainer_a.user, url)

    _bulk_clients(world.trainer_a, 4990, start=9)
    large, large_body, sql = _count_queries(world.trainer_a.user, url)

    assert (small_body["count"], large_body["count"]) == (10, 5000)
    assert len(large_body["results"]) == 1000
    assert all(row["active_program"] for row in large_body["results"])
    assert large == small
    # the profile, the count, the page, the active programs
    assert large == 4, sql


def test_a_search_of_the_client_list_is_constant_too(world):
    _bulk_clients(world.trainer_a, 300, start=0)
    count, body, sql = _count_queries(
        world.admin.user, f"{CLIENTS}?search=bulk&trainer={world.trainer_a.pk}&page_size=1000"
    )
    assert body["count"] == 300
    assert count == 5, sql  # and the trainer named by the filter


def test_the_program_detail_is_constant_from_1_to_50_prescriptions(world):
    exercises = [ExerciseFactory(slug=f"exercise-{i}") for i in range(50)]
    one = ProgramFactory(client=world.client_a, status="ended", exercises=exercises[:1])
    fifty = ProgramFactory(client=world.client_a, status="ended", exercises=exercises)

    small, small_body, _ = _count_queries(world.trainer_a.user, f"{PROGRAMS}{one.pk}/")
    large, large_body, sql = _count_queries(world.trainer_a.user, f"{PROGRAMS}{fifty.pk}/")

    assert (len(small_body["prescriptions"]), len(large_body["prescriptions"])) == (1, 50)
    assert all(p["exercise"]["cues"] for p in large_body["prescriptions"])
    assert large == small
    # the profile, the program, its prescriptions with their exercises, the cues
    assert large == 4, sql


def test_the_program_list_is_constant(world):
    url = f"{PROGRAMS}?page_size=1000"
    small, _, _ = _count_queries(world.trainer_a.user, url)
    _bulk_clients(world.trainer_a, 200, start=0)
    large, body, sql = _count_queries(world.trainer_a.user, url)
    assert body["count"] == 201
    assert large == small == 3, sql  # the profile, the count, the page


def test_the_template_detail_is_constant(world, bird_dog):
    small, _, _ = _count_queries(world.trainer_a.user, f"{TEMPLATES}{world.template_a.pk}/")
    for order in range(1, 30):
        world.template_a.prescriptions.create(exercise=bird_dog, order=order)
    large, body, sql = _count_queries(world.trainer_a.user, f"{TEMPLATES}{world.template_a.pk}/")
    assert len(body["prescriptions"]) == 30
    assert large == small == 4, sql


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_documents_the_trainer_api(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    expected = {
        "/api/v1/clients/": {"get", "post"},
        "/api/v1/clients/{id}/": {"get", "patch"},
        "/api/v1/programs/": {"get", "post"},
        "/api/v1/programs/{id}/": {"get"},
        "/api/v1/templates/": {"get", "post"},
        "/api/v1/templates/{id}/": {"get"},
        "/api/v1/templates/{id}/assign/": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert set(paths[path]) - {"parameters"} == methods, path
        for operation in paths[path].values():
            assert operation["summary"], path
            assert "400" in operation["responses"], path
    clients = {p["name"] for p in paths["/api/v1/clients/"]["get"]["parameters"]}
    assert {"search", "trainer", "since", "page", "page_size"} <= clients
    programs = {p["name"] for p in paths["/api/v1/programs/"]["get"]["parameters"]}
    assert {"client", "status", "since"} <= programs
    create = paths["/api/v1/programs/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProgramCreateInputRequest"
    )
    assert "201" in create["responses"]
    rx_schema = schema["components"]["schemas"]["ProgramPrescription"]["properties"]
    assert {"id", "exercise", "sets", "reps_min", "reps_max", "load_kg", "tempo"} <= set(rx_schema)
    assign = paths["/api/v1/templates/{id}/assign/"]["post"]
    assert {p["name"] for p in assign["parameters"]} == {"id"}  # neither paged nor filtered


def test_a_client_user_can_still_sign_in_after_being_created(world, api_client):
    api(world.trainer_a.user).post(CLIENTS, new_client(), format="json")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "new_client", "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 201
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/me/").json()["role"] == "client"


def test_the_browsable_api_renders_every_trainer_page(world):
    trainer = api(world.trainer_a.user)
    for url in (
        CLIENTS, f"{CLIENTS}{world.client_a.pk}/", PROGRAMS, f"{PROGRAMS}{world.program_a.pk}/",
        TEMPLATES, f"{TEMPLATES}{world.template_a.pk}/",
    ):  # fmt: skip
        response = trainer.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert b"<form" in response.content, url
