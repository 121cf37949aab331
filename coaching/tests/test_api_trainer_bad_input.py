"""The trainer API refuses bad input with a 400 naming the field and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from coaching.tests.helpers import (
    CLIENTS,
    PROGRAMS,
    TEMPLATES,
    api,
    attrs,
    new_client,
    rx,
    state,
)


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

# --- bad input: a 400 naming the field, and nothing written ----------------------------------


def program_body(w: Any, **changes: Any) -> dict[str, Any]:
    return {"client": w.client_a.pk, "name": "New plan", "prescriptions": [rx()], **changes}


BAD_PROGRAMS = [
    ("reps_min > reps_max", lambda w: program_body(w, prescriptions=[rx(reps_min=12, reps_max=8)]), "prescriptions.0.reps_max"),
    ("zero sets", lambda w: program_body(w, prescriptions=[rx(sets=0)]), "prescriptions.0.sets"),
    ("eleven sets", lambda w: program_body(w, prescriptions=[rx(), rx(sets=11)]), "prescriptions.1.sets"),
    ("unpublished exercise", lambda w: program_body(w, prescriptions=[rx("draft-exercise")]), "prescriptions.0.exercise"),
    ("unknown exercise", lambda w: program_body(w, prescriptions=[rx("no-such-exercise")]), "prescriptions.0.exercise"),
    ("negative load", lambda w: program_body(w, prescriptions=[rx(load_kg=-1)]), "prescriptions.0.load_kg"),
    ("a colleague's client", lambda w: program_body(w, client=w.client_b.pk), "client"),
    ("another practice's client", lambda w: program_body(w, client=w.client_c.pk), "client"),
    ("an unknown client", lambda w: program_body(w, client=999999), "client"),
    ("no client", lambda w: {"name": "x", "prescriptions": [rx()]}, "client"),
    ("another practice's template", lambda w: program_body(w, prescriptions=[], template=w.template_c.pk), "template"),
    ("prescriptions and a template", lambda w: program_body(w, template=w.template_a.pk), "template"),
    ("empty prescriptions", lambda w: program_body(w, prescriptions=[]), "prescriptions"),
    ("neither prescriptions nor template", lambda w: {"client": w.client_a.pk, "name": "x"}, "prescriptions"),
    ("prescriptions not a list", lambda w: program_body(w, prescriptions="glute-bridge"), "prescriptions.non_field_errors"),
    ("no name", lambda w: program_body(w, name=""), "name"),
    ("zero sessions a week", lambda w: program_body(w, sessions_per_week=0), "sessions_per_week"),
    ("a bad date", lambda w: program_body(w, starts_on="next monday"), "starts_on"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "attr"), BAD_PROGRAMS, ids=[c[0] for c in BAD_PROGRAMS])
def test_bad_programs_are_a_400_naming_the_field_and_write_nothing(world, case, body, attr):
    before = state()
    response = api(world.trainer_a.user).post(PROGRAMS, body(world), format="json")
    assert response.status_code == 400, response.json()
    assert attr in attrs(response)
    assert state() == before


def template_body(**changes: Any) -> dict[str, Any]:
    return {"name": "New template", "prescriptions": [rx()], **changes}


BAD_TEMPLATES = [
    ("reps_min > reps_max", lambda w: template_body(prescriptions=[rx(reps_min=9, reps_max=8)]), "prescriptions.0.reps_max"),
    ("zero sets", lambda w: template_body(prescriptions=[rx(sets=0)]), "prescriptions.0.sets"),
    ("unpublished exercise", lambda w: template_body(prescriptions=[rx("draft-exercise")]), "prescriptions.0.exercise"),
    ("empty prescriptions", lambda w: template_body(prescriptions=[]), "prescriptions"),
    ("a name the practice has", lambda w: template_body(name="Glutes A"), "name"),
    ("no name", lambda w: template_body(name=""), "name"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "attr"), BAD_TEMPLATES, ids=[c[0] for c in BAD_TEMPLATES])
def test_bad_templates_are_a_400_naming_the_field_and_write_nothing(world, case, body, attr):
    before = state()
    response = api(world.trainer_a.user).post(TEMPLATES, body(world), format="json")
    assert response.status_code == 400, response.json()
    assert attr in attrs(response)
    assert state() == before


BAD_ASSIGNMENTS = [
    ("a colleague's client", lambda w: {"clients": [w.client_a.pk, w.client_b.pk]}, "clients"),
    ("another practice's client", lambda w: {"clients": [w.client_c.pk]}, "clients"),
    ("no clients", lambda w: {"clients": []}, "clients"),
    ("a client twice", lambda w: {"clients": [w.client_a.pk, w.client_a.pk]}, "clients"),
    ("not a list", lambda w: {"clients": w.client_a.pk}, "clients"),
    ("a bad date", lambda w: {"clients": [w.client_a.pk], "starts_on": "soon"}, "starts_on"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "body", "attr"), BAD_ASSIGNMENTS, ids=[c[0] for c in BAD_ASSIGNMENTS]
)
def test_bad_assignments_are_a_400_naming_the_field_and_write_nothing(world, case, body, attr):
    before = state()
    response = api(world.trainer_a.user).post(
        f"{TEMPLATES}{world.template_a.pk}/assign/", body(world), format="json"
    )
    assert response.status_code == 400, response.json()
    assert attr in attrs(response)
    assert state() == before


BAD_CLIENTS = [
    ("weak password", lambda w: new_client(password="password"), "password"),
    ("short password", lambda w: new_client(password="x7!"), "password"),
    ("password like the username", lambda w: new_client(username="quadricepsfemoris", password="quadricepsfemoris1"), "password"),
    ("duplicate username", lambda w: new_client(username="client_a"), "username"),
    ("duplicate username, other case", lambda w: new_client(username="CLIENT_B"), "username"),
    ("username with spaces", lambda w: new_client(username="new client"), "username"),
    ("no username", lambda w: {k: v for k, v in new_client().items() if k != "username"}, "username"),
    ("bad email", lambda w: new_client(email="not-an-email"), "email"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "attr"), BAD_CLIENTS, ids=[c[0] for c in BAD_CLIENTS])
def test_bad_clients_are_a_400_naming_the_field_and_write_nothing(world, case, body, attr):
    before = state()
    response = api(world.trainer_a.user).post(CLIENTS, body(world), format="json")
    assert response.status_code == 400, response.json()
    assert attr in attrs(response)
    assert state() == before


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"email": "nope"}, "email"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"trainer": "abc"}, "trainer"),
        ({"trainer": None}, "trainer"),
    ],
)
def test_bad_client_changes_are_a_400_naming_the_field_and_write_nothing(world, body, attr):
    before = state()
    response = api(world.admin.user).patch(f"{CLIENTS}{world.client_a.pk}/", body, format="json")
    assert response.status_code == 400, response.json()
    assert attrs(response) == {attr}
    assert state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", lambda w: CLIENTS),
        ("patch", lambda w: f"{CLIENTS}{w.client_a.pk}/"),
        ("post", lambda w: PROGRAMS),
        ("post", lambda w: TEMPLATES),
        ("post", lambda w: f"{TEMPLATES}{w.template_a.pk}/assign/"),
    ],
)
def test_malformed_json_is_a_400_and_writes_nothing(world, method, path):
    before = state()
    response = getattr(api(world.trainer_a.user), method)(
        path(world), '{"client": 1,', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert attrs(response) == {None}
    assert state() == before


def test_a_body_that_is_not_an_object_is_a_400(world):
    response = api(world.trainer_a.user).post(PROGRAMS, [1, 2], format="json")
    assert response.status_code == 400
